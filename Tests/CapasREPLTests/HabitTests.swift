import CapasMessages
import CapasModel
@testable import CapasREPL
import XCTest

/// What a learner used to other REPLs types, and what they get.
final class HabitTests: XCTestCase {
    func run(_ lines: [String], _ language: Language = .en) -> [Reply] {
        let interpreter = Interpreter(language: language)
        return lines.map { interpreter.execute($0) }
    }

    /// A misspelt layer gets the message a model file gets: "unknown layer", the caret on the word, the suggestion.
    func testMisspeltLayerSaysWhatAModelFileSays() throws {
        for language in Language.allCases {
            for line in ["cnov 10 5x5", "maxpol 2", "conv2 32 3x3", "dens 10", "flaten x"] {
                let reply = run(["input 28x28x1", line], language)[1]
                XCTAssertTrue(reply.isError, line)
                var fileError: ModelError?
                do { _ = try ModelText(parsing: "input 28x28x1\n" + line) } catch let e as ModelError { fileError = e }
                let file = try XCTUnwrap(fileError, line)
                guard case .unknownLayer = file.problem else { return XCTFail("\(line): \(file.problem)") }
                // The same message, line numbers aside (the REPL's entry is line 1).
                let expected = ModelError(file.problem, at: SourceSpan(line: 1, column: 1, length: file.span!.length),
                                          sourceLine: line).message(in: language)
                XCTAssertEqual(reply.text, expected)
                XCTAssertTrue(reply.text.contains(language == .en ? "unknown layer" : "capa desconocida"), reply.text)
            }
        }
        // Without an input line as well: the mistake is the word, not the missing input.
        XCTAssertTrue(run(["cnov 10 5x5"])[0].text.contains("unknown layer `cnov`"))
        // Calculations are left alone.
        XCTAssertFalse(run(["A 3"])[0].text.contains("unknown layer"))
        XCTAssertEqual(run(["x = 2", "x * 3"])[1].text, "6")
    }
}
