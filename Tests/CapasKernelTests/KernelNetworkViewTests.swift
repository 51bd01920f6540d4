@testable import CapasKernel
import CapasMessages
import CZMQ
import Foundation
import XCTest

/// `:network` through the kernel over the wire, as a notebook front end
/// sees it: the view's pictures arrive as display_data with image/png (a
/// real PNG) and text/plain, the numbers as text, no terminal characters.
/// Skipped when FashionMNIST is not installed.
final class KernelNetworkViewTests: XCTestCase {
    func testTheNetworkViewIsRichOutput() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capas-kernel-net-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let info = ConnectionInfo(transport: "ipc", ip: folder.path + "/k", shellPort: 1, iopubPort: 2, stdinPort: 3,
                                  controlPort: 4, hbPort: 5, key: "test-key")
        let kernel = try Kernel(connection: info, language: .en)
        let done = expectation(description: "kernel stopped")
        Thread.detachNewThread { kernel.run(); done.fulfill() }

        let context = SocketContext()
        let shell = try Socket(context, type: ZMQ_DEALER), control = try Socket(context, type: ZMQ_DEALER)
        let iopub = try Socket(context, type: ZMQ_SUB)
        zmq_setsockopt(iopub.handle, ZMQ_SUBSCRIBE, "", 0)
        try shell.connect(info.endpoint(1)); try iopub.connect(info.endpoint(2)); try control.connect(info.endpoint(4))
        defer { for s in [shell, control, iopub] { s.close() } }
        let client = Signer(key: "test-key")
        func request(_ type: String, _ content: [String: Any], on socket: Socket) throws -> Message {
            try socket.send(client.frames(client.message(type, content: content, parent: nil)))
            XCTAssertTrue(Socket.poll([socket], timeout: 60_000)[0], "no reply to \(type)")
            return try client.parse(socket.receive())
        }
        /// Runs a cell; its reply and what IOPub carried for it, up to its idle status.
        func execute(_ code: String) throws -> (Message, [Message]) {
            let reply = try request("execute_request", ["code": code, "silent": false], on: shell)
            var published: [Message] = []
            while Socket.poll([iopub], timeout: 5_000)[0] {
                let m = try client.parse(iopub.receive())
                guard m.parentHeader["msg_id"] as? String == reply.parentHeader["msg_id"] as? String else { continue }
                published.append(m)
                if m.type == "status", m.content["execution_state"] as? String == "idle" { break }
            }
            return (reply, published)
        }
        defer {
            _ = try? request("shutdown_request", ["restart": false], on: control)
            wait(for: [done], timeout: 10)
        }

        // The subscription needs a moment to be in place: a first cell whose output may be lost.
        _ = try execute("input 28x28x1")
        _ = try execute("conv 4 3x3 relu\nmaxpool 2\nflatten\ndense 10")
        let (reply, published) = try execute(":network fashion-mnist test 0")
        let text = published.filter { $0.type == "stream" }.compactMap { $0.content["text"] as? String }.joined()
        if reply.content["status"] as? String == "error" {
            let value = reply.content["evalue"] as? String ?? ""
            if value.contains("fashion") || value.contains("FashionMNIST") { throw XCTSkip("FashionMNIST is not installed: \(value)") }
            return XCTFail("\(reply.content)")
        }
        let displays = published.filter { $0.type == "display_data" }
        XCTAssertGreaterThanOrEqual(displays.count, 2, "the image and the layers as display_data: \(published.map(\.type))")
        for display in displays {
            let data = try XCTUnwrap(display.content["data"] as? [String: Any])
            let png = try XCTUnwrap(Data(base64Encoded: data["image/png"] as? String ?? ""), "image/png is base64")
            XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            let alt = try XCTUnwrap(data["text/plain"] as? String)
            XCTAssertFalse(alt.isEmpty, "text/plain describes the picture")
            let size = try XCTUnwrap((display.content["metadata"] as? [String: Any])?["image/png"] as? [String: Any])
            XCTAssertGreaterThan(size["width"] as? Int ?? 0, 0)
        }
        // The numbers of every layer and the prediction come as text, without terminal pictures.
        for expected in ["[0] conv 4 3x3", "activations: min", "weight gradients: min", "[4] dense 10", "prediction: 1."] {
            XCTAssertTrue(text.contains(expected), "\(expected) missing from:\n\(text)")
        }
        XCTAssertFalse(text.contains("\u{1B}["), "no terminal escapes in a notebook")
        XCTAssertFalse(text.contains("▀"), "no half-block pictures in a notebook")
    }

    /// A cell that trains a language model on a text and one that writes with it.
    func testTextTrainingAndSamplingInACell() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capas-kernel-text-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = folder.appendingPathComponent("abc.txt")
        try Data(String(repeating: "abc ", count: 50).utf8).write(to: text)
        let kernel = try Kernel(connection: ConnectionInfo(transport: "ipc", ip: folder.path + "/k", shellPort: 1, iopubPort: 2,
                                                           stdinPort: 3, controlPort: 4, hbPort: 5, key: "k"), language: .es)
        let (trained, error) = kernel.run(cell: "input 8\nembedding 4 4\nlstm 8 sequences=yes\nconv1d 4 1\n:train datos=\(text.path) épocas=2")
        XCTAssertNil(error, "\(String(describing: error))")
        let printed = trained.compactMap { if case let .text(t) = $0 { return t } else { return nil } }.joined(separator: "\n")
        XCTAssertTrue(printed.contains("época 2/2:"), printed)
        XCTAssertTrue(printed.contains("bits por carácter"), printed)
        let (written, sampleError) = kernel.run(cell: ":genera 30 inicio=\"abc\"")
        XCTAssertNil(sampleError)
        guard case let .text(sample)? = written.last else { return XCTFail("\(written)") }
        XCTAssertEqual(sample.count, 33)
        XCTAssertTrue(sample.hasPrefix("abc") && sample.allSatisfy { "abc ".contains($0) }, sample)
    }
}
