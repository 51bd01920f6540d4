import CapasMessages
import CapasModel
@testable import CapasREPL
import XCTest

/// A layer line costs the same whatever the model's length: appending
/// analyses only the new line (counted, not timed), and what it builds is
/// what analysing the whole text at once builds.
final class ScaleTests: XCTestCase {
    func testFiveThousandLayersAreEachAnalysedOnce() throws {
        let interpreter = Interpreter(language: .en)
        XCTAssertFalse(interpreter.execute("input 64").isError)
        for i in 0..<5000 {
            let reply = interpreter.execute(i % 2 == 0 ? "relu" : "dense 64")
            if reply.isError { return XCTFail("line \(i): \(reply.text)") }
        }
        XCTAssertEqual(interpreter.analysedLayers, 5000, "a line re-analysed earlier layers")
        let analysis = try XCTUnwrap(interpreter.model.analysis)
        XCTAssertEqual(analysis.layers.count, 5000)
        XCTAssertEqual(analysis.layers.last?.name, "4999")
        XCTAssertEqual(analysis.layers, try ModelAnalysis(text: interpreter.model.text).layers)
        // A new input line re-analyses them all, once.
        XCTAssertFalse(interpreter.execute("input 32").isError)
        XCTAssertEqual(interpreter.analysedLayers, 10_000)
    }

    /// Blocks, inline activations, several statements in one entry and multi-line
    /// entries: names, links, spans and shapes as if the text were analysed whole.
    func testAppendingEqualsAnalysingTheWholeText() throws {
        let entries = [
            "input 32x32x3", "conv 16 3x3 pad=1 relu", "batchnorm",
            "residual {\n  conv 16 3x3 pad=1 relu\n  conv 16 3x3 pad=1\n}", "relu",
            "concat { branch { conv 8 1x1 } branch { maxpool 3 stride=1 pad=1 } }",
            "maxpool 2; dropout 0.25", "residual { conv 32 1x1 } shortcut { conv 32 1x1 stride=1 }",
            "flatten", "dense 10 softmax",
        ]
        let interpreter = Interpreter(language: .en)
        for entry in entries {
            let reply = interpreter.execute(entry)
            XCTAssertFalse(reply.isError, "\(entry): \(reply.text)")
        }
        let incremental = try XCTUnwrap(interpreter.model.analysis)
        let whole = try ModelAnalysis(text: interpreter.model.text)
        XCTAssertEqual(incremental.layers, whole.layers)
        XCTAssertEqual(incremental.model, whole.model)
        XCTAssertEqual(incremental.input, whole.input)
        XCTAssertEqual(try interpreter.command(":summary").text, try whole.summary(language: .en))
        // An error in a later multi-line entry is placed in that entry, and the model is unchanged.
        let reply = interpreter.execute("residual {\n  conv 10 3x3\n}")
        XCTAssertTrue(reply.isError)
        XCTAssertTrue(reply.text.contains("error at line 2, column 3"), reply.text)
        XCTAssertEqual(interpreter.model.analysis?.layers, whole.layers)
        XCTAssertEqual(interpreter.model.entries.count, entries.count)
        // :undo, then appending again, still matches the whole text.
        _ = interpreter.execute(":undo")
        XCTAssertFalse(interpreter.execute("dense 5").isError)
        XCTAssertEqual(interpreter.model.analysis?.layers, try ModelAnalysis(text: interpreter.model.text).layers)
    }
}
