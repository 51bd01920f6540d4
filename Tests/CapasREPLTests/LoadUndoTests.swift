@testable import CapasREPL
import Foundation
import XCTest

/// :load and :preset over a model that has lines ask nothing, say what they replaced, and :undo brings it back.
final class LoadUndoTests: XCTestCase {
    func testUndoAfterLoadReturnsTheModelBeforeIt() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("capas-load-\(UUID().uuidString).capas")
        try "input 28x28x1\nconv 6 5x5\nflatten\ndense 10\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let interpreter = Interpreter(language: .en)
        for line in ["input 28x28x1", "flatten", "dense 200 relu", "dense 10"] {
            XCTAssertFalse(interpreter.execute(line).isError, line)
        }
        let before = interpreter.execute(":model").text
        let loaded = interpreter.execute(":load \(file.path)")
        XCTAssertFalse(loaded.isError, loaded.text)
        XCTAssertTrue(loaded.text.contains("replaced: 4 lines: input 28x28x1, flatten, dense 200 relu, dense 10"), loaded.text)
        XCTAssertTrue(loaded.text.contains(":undo"), loaded.text)
        XCTAssertTrue(interpreter.execute(":model").text.contains("conv 6 5x5"))
        // A line added after the load is undone first, then the load itself.
        XCTAssertFalse(interpreter.execute("relu").isError)
        XCTAssertTrue(interpreter.execute(":undo").text.contains("relu"))
        let undone = interpreter.execute(":undo")
        XCTAssertFalse(undone.isError, undone.text)
        XCTAssertTrue(undone.text.contains("back"), undone.text)
        XCTAssertEqual(interpreter.execute(":model").text, before)
        // Then :undo goes on line by line in the old model.
        XCTAssertTrue(interpreter.execute(":undo").text.contains("dense 10"))
    }

    func testPresetOverAModelIsUndoableInSpanishToo() {
        let interpreter = Interpreter(language: .es)
        _ = interpreter.execute("input 32x32x3")
        _ = interpreter.execute("conv 8 3x3")
        let preset = interpreter.execute(":preset cnn-lenet")
        XCTAssertTrue(preset.text.contains("reemplaza a: 2 líneas: input 32x32x3, conv 8 3x3"), preset.text)
        XCTAssertTrue(interpreter.execute(":deshacer").text.contains("vuelve"))
        XCTAssertEqual(interpreter.execute(":model").text, "input 32x32x3\nconv 8 3x3")
    }

    func testLoadIntoAnEmptyModelSaysNothingAboutReplacing() {
        let interpreter = Interpreter(language: .en)
        let preset = interpreter.execute(":preset cnn-lenet")
        XCTAssertFalse(preset.text.contains("replaced"), preset.text)
    }
}
