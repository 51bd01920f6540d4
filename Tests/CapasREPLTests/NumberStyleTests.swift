import CapasMessages
import CapasModel
@testable import CapasREPL
import XCTest

/// Spanish output writes decimals with a comma (0,89), English with a point;
/// input takes the point in both, and a decimal comma in input gets a hint.
final class NumberStyleTests: XCTestCase {
    func run(_ lines: [String], _ language: Language) -> [Reply] {
        let interpreter = Interpreter(language: language)
        return lines.map { interpreter.execute($0) }
    }

    func testSpanishResultsUseADecimalComma() {
        XCTAssertEqual(run(["0.25 * 2 + 0.125"], .es)[0].text, "0,625")
        XCTAssertEqual(run(["0.25 * 2 + 0.125"], .en)[0].text, "0.625")
        XCTAssertEqual(run(["softmax([3.2, 5.1, -1.7])"], .es)[0].text, "[0,130  0,869  0,001]")
        XCTAssertEqual(run(["[[0.5, 1], [2, 3]]"], .es)[0].text, "⎡ 0,5  1,0 ⎤\n⎣ 2,0  3,0 ⎦")
        let notes = run(["crossentropy([0.13, 0.87], 0)"], .es)[0].text
        XCTAssertTrue(notes.contains("−ln(0,13) = 2,0402"), notes)
        // Integers are grouped as before, and model text keeps its point.
        let layer = run(["input 28x28x1", "dropout 0.25", ":model"], .es)
        XCTAssertTrue(layer[1].text.contains("probabilidad 0,25"), layer[1].text)
        XCTAssertTrue(layer[2].text.contains("dropout 0.25"), layer[2].text)
    }

    func testSummariesAndFormulasInSpanish() throws {
        let analysis = try ModelAnalysis(text: "input 28x28x1\nconv 10 5x5\nmaxpool 2\nconv 20 5x5 stride=2\nflatten\ndense 10")
        let es = try analysis.summary(language: .es), en = try analysis.summary(language: .en)
        XCTAssertTrue(es.contains("(≈ 466,6k FLOPs)") && es.contains("parámetros 33,2 KiB"), es)
        XCTAssertTrue(en.contains("(≈ 466.6k FLOPs)") && en.contains("parameters 33.2 KiB"), en)
        XCTAssertTrue(analysis.layers[2].explanation(language: .es).shape[0].contains("⌊3,5⌋"))
        XCTAssertTrue(analysis.layers[2].explanation(language: .en).shape[0].contains("⌊3.5⌋"))
    }

    func testADecimalCommaInInputGetsAHint() {
        for (line, number) in [("p = 0,5", "0,5"), ("[0,13, 0,87, 0,00]", "0,13"), ("softmax([1, 2,5])", "2,5"),
                               ("x = [0,05]", "0,05"), ("input 28x28x1", ""), ("dropout 0,5", "0,5")] {
            let reply = run(["input 28x28x1", line], .en)[1]
            if number.isEmpty { XCTAssertFalse(reply.isError, line); continue }
            XCTAssertTrue(reply.isError, line)
            XCTAssertEqual(reply.text, "error: numbers are written with a decimal point: \(number.replacingOccurrences(of: ",", with: ".")), not \(number) (a comma separates values)")
        }
        XCTAssertEqual(run(["p = 0,5"], .es)[0].text, "error: los números se escriben con punto decimal: 0.5, no 0,5 (la coma separa valores)")
        // The course's integer kernels and calls are not decimals.
        for line in ["K = [[1,0,1],[0,1,0],[1,0,1]]", "[1,2,3]", "outsize(n=28, f=5, p=0, s=1)", "maxpool([[1,2],[3,4]],2)", "[1.5,2]"] {
            XCTAssertNil(DecimalComma.hint(in: line, language: .en), line)
            XCTAssertFalse(run([line], .en)[0].isError, line)
        }
        // The grader's answers can be checked the same way.
        XCTAssertNotNil(DecimalComma.hint(in: "0,89", language: .es))
        XCTAssertNil(DecimalComma.hint(in: "0.89", language: .es))
    }
}
