import CapasCheckpoint
import CapasCore
import CapasData
import CapasMessages
@testable import CapasREPL
import CapasTraining
import Foundation
import XCTest

/// :init, :freeze, :unfreeze and :replace-head: train on four quadrant classes,
/// save, start a new model from the file, freeze the base and train the head.
final class TransferCommandTests: XCTestCase {
    func session() -> Interpreter {
        let interpreter = Interpreter(language: .en, environment: ["HOME": "/nonexistent"])
        interpreter.register(DataSets(name: "quadrants", train: quadrants(200, seed: 1), test: quadrants(50, seed: 2)))
        return interpreter
    }

    func ok(_ s: Interpreter, _ entry: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let reply = s.execute(entry)
        XCTAssertFalse(reply.isError, "\(entry): \(reply.text)", file: file, line: line)
        return reply.text
    }

    func testInitFreezeAndTrainTheHeadOnly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capas-transfer-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = session()
        for line in ["input 8x8x1", "conv 4 3x3 pad=1 relu", "batchnorm", "maxpool 2", "flatten", "dense 4"] { _ = ok(base, line) }
        _ = ok(base, ":train epochs=1 data=quadrants")
        let trained = base.run(of: base.current)!.network
        let file = folder.appendingPathComponent("base.safetensors")
        try Safetensors.write(CheckpointIO.checkpoint(of: trained, metadata: [:]), to: file)

        // Two classes of the four: a set with the labels 0 and 1 only.
        let s = Interpreter(language: .en, environment: ["HOME": "/nonexistent"])
        let two = DataSets(name: "quadrants", train: quadrants(200, seed: 3), test: quadrants(50, seed: 4))
        s.register(try two.selecting(classes: [0, 1]))
        for line in ["input 8x8x1", "conv 4 3x3 pad=1 relu", "batchnorm", "maxpool 2", "flatten", "dense 2"] { _ = ok(s, line) }
        let report = ok(s, ":init " + file.path)
        XCTAssertTrue(report.contains("loaded: 0 conv 4 3x3 pad=1; 2 batchnorm"), report)
        XCTAssertTrue(report.contains("5.weight is [2, 64] in the model and [4, 64] in the file"), report)
        XCTAssertTrue(report.contains("data=quadrants"), report)
        let frozen = ok(s, ":freeze 0-4")
        XCTAssertTrue(frozen.contains("0*"), frozen)
        XCTAssertTrue(frozen.contains("Frozen parameters (layers marked *): 48"), frozen)
        let network = s.run(of: s.current)!.network
        XCTAssertEqual(network.nodes[0].layer.parameters[0].value, trained.nodes[0].layer.parameters[0].value)
        let before = network.namedParameters.map(\.parameter.value)
        _ = ok(s, ":train epochs=1 data=quadrants")
        XCTAssertTrue(s.run(of: s.current)!.network === network, ":train continued from the loaded weights")
        for (index, (old, p)) in zip(before, network.namedParameters).enumerated() {
            if p.name.hasPrefix("5.") { XCTAssertNotEqual(p.parameter.value, old, p.name) } else {
                XCTAssertEqual(p.parameter.value, old, "\(index) \(p.name) stays frozen")
            }
        }
        let thawed = ok(s, ":unfreeze")
        XCTAssertTrue(thawed.contains("Frozen parameters (layers marked *): 0"), thawed)
    }

    func testReplaceHeadKeepsTheBaseWeightsAndReportsInSpanish() throws {
        let s = session()
        for line in ["input 8x8x1", "conv 4 3x3 pad=1 relu", "flatten", "dense 4", "softmax"] { _ = ok(s, line) }
        _ = ok(s, ":freeze 0")
        let conv = s.run(of: s.current)!.network.nodes[0].layer.parameters[0].value
        _ = ok(s, ":lang es")
        let reply = ok(s, ":replace-head dense 3")
        XCTAssertTrue(reply.contains("no encaja: 3.weight es [3, 256] en el modelo y [4, 256] en el archivo"), reply)
        XCTAssertEqual(s.run(of: s.current)!.network.nodes[0].layer.parameters[0].value, conv)
        XCTAssertEqual(s.run(of: s.current)!.network.frozenNodes, [0])
        XCTAssertTrue(ok(s, ":model").hasSuffix("dense 3\n") || ok(s, ":model").contains("dense 3"))
    }

    func testBadArgumentsAreErrorsNamingTheProblem() {
        let s = session()
        for line in ["input 8x8x1", "flatten", "dense 4"] { _ = ok(s, line) }
        XCTAssertTrue(s.execute(":freeze 0-7").text.contains("0 to 1"))
        XCTAssertTrue(s.execute(":freeze x").isError)
        XCTAssertTrue(s.execute(":init").isError)
        XCTAssertTrue(s.execute(":init /nonexistent/file.safetensors").isError)
        XCTAssertTrue(s.execute(":replace-head").isError)
        XCTAssertTrue(s.execute(":replace-head input 3").isError)
    }
}
