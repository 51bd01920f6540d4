@testable import CapasKernel
import CapasMessages
import CZMQ
import Foundation
import XCTest

/// A kernel in this process, spoken to over ZeroMQ as a Jupyter client would (ipc sockets in a temporary folder).
final class WireTests: XCTestCase {
    func testKernelAnswersOverTheWire() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capas-kernel-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let info = ConnectionInfo(transport: "ipc", ip: folder.path + "/k", shellPort: 1, iopubPort: 2, stdinPort: 3,
                                  controlPort: 4, hbPort: 5, key: "test-key")
        let kernel = try Kernel(connection: info, language: .en)
        let done = expectation(description: "kernel stopped")
        Thread.detachNewThread { kernel.run(); done.fulfill() }

        let context = SocketContext()
        let shell = try Socket(context, type: ZMQ_DEALER), control = try Socket(context, type: ZMQ_DEALER)
        let iopub = try Socket(context, type: ZMQ_SUB), heartbeat = try Socket(context, type: ZMQ_REQ)
        zmq_setsockopt(iopub.handle, ZMQ_SUBSCRIBE, "", 0)
        try shell.connect(info.endpoint(1)); try iopub.connect(info.endpoint(2))
        try control.connect(info.endpoint(4)); try heartbeat.connect(info.endpoint(5))
        defer { for s in [shell, control, iopub, heartbeat] { s.close() } }
        let client = Signer(key: "test-key")

        func request(_ type: String, _ content: [String: Any], on socket: Socket) throws -> Message {
            try socket.send(client.frames(client.message(type, content: content, parent: nil)))
            XCTAssertTrue(Socket.poll([socket], timeout: 10_000)[0], "no reply to \(type)")
            return try client.parse(socket.receive())
        }

        // The heartbeat echoes.
        try heartbeat.send([Array("ping".utf8)])
        XCTAssertTrue(Socket.poll([heartbeat], timeout: 10_000)[0])
        XCTAssertEqual(try heartbeat.receive(), [Array("ping".utf8)])

        let info_ = try request("kernel_info_request", [:], on: shell)
        XCTAssertEqual(info_.type, "kernel_info_reply")
        XCTAssertEqual((info_.content["language_info"] as? [String: Any])?["name"] as? String, "capas")
        XCTAssertEqual(info_.content["protocol_version"] as? String, "5.3")

        let reply = try request("execute_request", ["code": "input 4x4x1\n1 + 2", "silent": false], on: shell)
        XCTAssertEqual(reply.content["status"] as? String, "ok")
        XCTAssertEqual(reply.content["execution_count"] as? Int, 1)
        // On IOPub, in order: busy, the input, the model line's text, the result, idle (after a first kernel_info's pair).
        var published: [(String, [String: Any])] = []
        while Socket.poll([iopub], timeout: 2_000)[0] {
            let m = try client.parse(iopub.receive())
            published.append((m.type, m.content))
            if m.type == "status", m.content["execution_state"] as? String == "idle",
               m.parentHeader["msg_type"] as? String == "execute_request" { break }
        }
        let types = published.map(\.0).filter { $0 != "status" }
        XCTAssertEqual(Array(types.suffix(3)), ["execute_input", "stream", "execute_result"])
        XCTAssertEqual((published.last { $0.0 == "execute_result" }?.1["data"] as? [String: Any])?["text/plain"] as? String, "3")

        // A message signed with another key gets no reply.
        let stranger = Signer(key: "other key")
        try shell.send(stranger.frames(stranger.message("kernel_info_request", content: [:], parent: nil)))
        XCTAssertFalse(Socket.poll([shell], timeout: 300)[0])

        let bye = try request("shutdown_request", ["restart": false], on: control)
        XCTAssertEqual(bye.type, "shutdown_reply")
        wait(for: [done], timeout: 10)
    }
}
