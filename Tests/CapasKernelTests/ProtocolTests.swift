import CapasData
@testable import CapasKernel
import CapasMessages
import CapasREPL
import Foundation
import XCTest

final class SigningTests: XCTestCase {
    func message(_ signer: Signer) -> Message {
        var m = signer.message("execute_request", content: ["code": "1 + 2", "silent": false], parent: nil)
        m.identities = [Array("client-7".utf8)]
        return m
    }

    func testSignedMessageRoundTrips() throws {
        let signer = Signer(key: "a0436f6c-1916-498b-8eb9-e81ab9368e84")
        let frames = try signer.frames(message(signer))
        XCTAssertEqual(frames[0], Array("client-7".utf8))
        XCTAssertEqual(frames[1], Message.delimiter)
        XCTAssertEqual(frames[2].count, 64, "hex HMAC-SHA256")
        XCTAssertEqual(frames[2], Array(hexString(HMACSHA256(key: Array("a0436f6c-1916-498b-8eb9-e81ab9368e84".utf8)).mac(Array(frames[3...6]))).utf8))
        let parsed = try signer.parse(frames)
        XCTAssertEqual(parsed.type, "execute_request")
        XCTAssertEqual(parsed.content["code"] as? String, "1 + 2")
        XCTAssertEqual(parsed.identities, [Array("client-7".utf8)])
        XCTAssertEqual(parsed.header["version"] as? String, "5.3")
    }

    func testBadSignatureIsRejected() throws {
        let signer = Signer(key: "right key")
        var frames = try signer.frames(message(signer))
        // Another key's signature.
        let other = try Signer(key: "wrong key").frames(message(signer))
        var forged = frames
        forged[2] = other[2]
        XCTAssertThrowsError(try signer.parse(forged)) { XCTAssertEqual($0 as? WireError, .badSignature) }
        // Content changed after signing.
        frames[6] = Array("{\"code\": \":quit\"}".utf8)
        XCTAssertThrowsError(try signer.parse(frames)) { XCTAssertEqual($0 as? WireError, .badSignature) }
        // No signature at all.
        frames[2] = []
        XCTAssertThrowsError(try signer.parse(frames)) { XCTAssertEqual($0 as? WireError, .badSignature) }
    }

    func testEmptyKeySignsNothingAndChecksNothing() throws {
        let signer = Signer(key: "")
        let frames = try signer.frames(message(signer))
        XCTAssertEqual(frames[2], [])
        XCTAssertNoThrow(try signer.parse(frames))
    }

    func testMalformedFramesAreRejected() throws {
        let signer = Signer(key: "k")
        let frames = try signer.frames(message(signer))
        XCTAssertThrowsError(try signer.parse(Array(frames[2...]))) { XCTAssertEqual($0 as? WireError, .noDelimiter) }
        XCTAssertThrowsError(try signer.parse(Array(frames[..<6]))) { XCTAssertEqual($0 as? WireError, .tooFewFrames) }
        var broken = frames
        broken[3] = Array("not json".utf8)
        broken[2] = signer.signature(Array(broken[3...6]))
        XCTAssertThrowsError(try signer.parse(broken)) { XCTAssertEqual($0 as? WireError, .badJSON("header")) }
    }
}

final class ConnectionFileTests: XCTestCase {
    let good = """
    {"shell_port": 53794, "iopub_port": 53795, "stdin_port": 53796, "control_port": 53797, "hb_port": 53798,
     "ip": "127.0.0.1", "key": "a0436f6c", "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "capas"}
    """

    func parse(_ text: String) throws -> ConnectionInfo { try ConnectionInfo(json: Data(text.utf8), file: "kernel-1.json") }

    func problem(_ text: String) -> ConnectionError.Problem? {
        do { _ = try parse(text); return nil } catch { return (error as? ConnectionError)?.problem }
    }

    func testGoodFile() throws {
        let info = try parse(good)
        XCTAssertEqual(info.shellPort, 53794)
        XCTAssertEqual(info.hbPort, 53798)
        XCTAssertEqual(info.key, "a0436f6c")
        XCTAssertEqual(info.endpoint(info.controlPort), "tcp://127.0.0.1:53797")
        var ipc = info
        ipc.transport = "ipc"; ipc.ip = "/tmp/k"
        XCTAssertEqual(ipc.endpoint(7), "ipc:///tmp/k-7")
    }

    func testBadFilesSayWhatIsWrong() {
        XCTAssertEqual(problem("[1, 2]"), .notJSONObject)
        XCTAssertEqual(problem("{\"shell_port\": "), .notJSONObject)
        XCTAssertEqual(problem(good.replacingOccurrences(of: "\"hb_port\": 53798,", with: "")), .missing("hb_port"))
        XCTAssertEqual(problem(good.replacingOccurrences(of: "53795", with: "\"53795\"")), .wrongType("iopub_port", expected: "integer"))
        XCTAssertEqual(problem(good.replacingOccurrences(of: "53796", with: "70000")), .badPort("stdin_port", 70000))
        XCTAssertEqual(problem(good.replacingOccurrences(of: "53796", with: "2.5")), .wrongType("stdin_port", expected: "integer"))
        XCTAssertEqual(problem(good.replacingOccurrences(of: "53796", with: "53794")), .repeatedPort)
        XCTAssertEqual(problem(good.replacingOccurrences(of: "\"tcp\"", with: "\"udp\"")), .badTransport("udp"))
        XCTAssertEqual(problem(good.replacingOccurrences(of: "hmac-sha256", with: "hmac-md5")), .badScheme("hmac-md5"))
        XCTAssertEqual(problem(good.replacingOccurrences(of: "\"a0436f6c\"", with: "12")), .wrongType("key", expected: "string"))
    }

    func testMessagesNameTheFileAndTheField() {
        let error = ConnectionError(file: "/run/kernel-1.json", problem: .missing("hb_port"))
        XCTAssertEqual(error.message(in: .en), "connection file /run/kernel-1.json: the field \"hb_port\" is missing")
        XCTAssertEqual(error.message(in: .es), "archivo de conexión /run/kernel-1.json: falta el campo \"hb_port\"")
    }

    func testUnreadableFile() {
        XCTAssertThrowsError(try ConnectionInfo(contentsOf: "/nonexistent/kernel.json")) {
            XCTAssertEqual(($0 as? ConnectionError)?.problem, .unreadable)
        }
    }
}

final class CellTests: XCTestCase {
    func testCompleteness() {
        let i = Interpreter(language: .en)
        XCTAssertEqual(i.completeness(of: "conv 10 5x5"), .complete)
        XCTAssertEqual(i.completeness(of: "residual {"), .incomplete)
        XCTAssertEqual(i.completeness(of: "residual {\n  conv 16 3x3 pad=same\n}"), .complete)
        XCTAssertEqual(i.completeness(of: "concat {\n  conv 8 1x1"), .incomplete)
        XCTAssertEqual(i.completeness(of: "A = [[1, 2],"), .incomplete)
        XCTAssertEqual(i.completeness(of: "1 + 2)"), .invalid)
        XCTAssertEqual(i.completeness(of: "}\n{"), .invalid)
        // A bracket in a comment does not count.
        XCTAssertEqual(i.completeness(of: "conv 10 5x5  # (the first layer"), .complete)
    }

    func testEntriesAndTheirLines() {
        let i = Interpreter(language: .en)
        let entries = i.entries(of: "input 28x28x1\nresidual {\n  conv 1 3x3 pad=same\n}\n1 + 2")
        XCTAssertEqual(entries.map(\.line), [1, 2, 5])
        XCTAssertEqual(i.kind(of: entries[0].text), .model)
        XCTAssertEqual(i.kind(of: entries[2].text), .calculation)
        XCTAssertEqual(i.kind(of: ":summary"), .command)
        XCTAssertEqual(i.kind(of: "relu([1, -1])"), .calculation)
        XCTAssertEqual(i.kind(of: "  # a note"), .empty)
    }

    func testWordUnderTheCursor() {
        XCTAssertEqual(Kernel.word(in: "conv 10 5x5", cursor: 2), "conv")
        XCTAssertEqual(Kernel.word(in: "x = 1\n:train épocas=1", cursor: 9), ":train")
        XCTAssertEqual(Kernel.word(in: "ñ maxpool 2", cursor: 5), "maxpool")
        XCTAssertEqual(Kernel.word(in: "", cursor: 0), "")
        XCTAssertEqual(Kernel.word(in: "conv", cursor: 99), "conv")
    }

    func testHelpForAWord() {
        let i = Interpreter(language: .en)
        XCTAssertNotNil(i.help(for: "conv"))
        XCTAssertNotNil(i.help(for: ":train"))
        XCTAssertNil(i.help(for: "nonsense"))
        XCTAssertNil(i.help(for: ""))
    }
}
