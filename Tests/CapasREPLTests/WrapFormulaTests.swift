@testable import CapasREPL
import CapasMessages
import XCTest

/// Wrapping at narrow widths: formulas, calls, `code` and `:help X` never
/// split, and a wrapped line does not end with one word alone.
final class WrapFormulaTests: XCTestCase {
    private let operators = Set("+−-=·×*/≈")

    private func isOperator(_ token: Substring) -> Bool { !token.isEmpty && token.allSatisfy { operators.contains($0) } }

    func testFormulasCallsAndReferencesStayWholeInTheConvHelp() {
        for language in [Language.en, .es] {
            let help = Interpreter(language: language).execute(":help conv").text
            let shown = TerminalFit.fit(help, width: 60).components(separatedBy: "\n")
            for whole in ["⌊(n + 2p − f)/s⌋ + 1", "(f·f·c + 1)·k", "conv(A, K)", "(:help functions)",
                          "(28 + 0 + 1 − 3)/2 + 1 = 26/2 + 1 = 14"] {
                XCTAssertTrue(shown.contains { $0.contains(whole) }, "\(language): `\(whole)` was split:\n\(shown.joined(separator: "\n"))")
            }
        }
    }

    func testNoHelpPageBreaksAtAnOperatorOrInsideCode() {
        for language in [Language.en, .es] {
            let interpreter = Interpreter(language: language)
            for name in Help.names {
                let help = interpreter.execute(":help \(name)").text
                // Code spans and references short enough to fit must come out whole.
                let spans = help.components(separatedBy: "\n").flatMap { line -> [String] in
                    let pieces = line.components(separatedBy: "`")
                    let code = pieces.count >= 3 ? stride(from: 1, to: pieces.count - 1, by: 2).map { "`" + pieces[$0] + "`" } : []
                    let refs = line.components(separatedBy: ":help ").dropFirst().map { rest in
                        ":help " + rest.prefix { $0.isLetter || $0.isNumber || $0 == "-" }
                    }
                    return code + refs
                }.filter { $0.contains(" ") && displayWidth($0) <= 30 }
                for width in [50, 60, 72] {
                    let shown = TerminalFit.fit(help, width: width).components(separatedBy: "\n")
                    // Only the breaks the wrapping made: each source line on its own.
                    for source in help.components(separatedBy: "\n") {
                    let shown = TerminalFit.fit(source, width: width).components(separatedBy: "\n")
                    for (i, line) in shown.enumerated() where i + 1 < shown.count {
                        let last = line.split(separator: " ").last ?? ""
                        let next = shown[i + 1].split(separator: " ").first ?? ""
                        // A matrix literal wider than the line is cut anyway: nothing to keep whole there.
                        let uncuttable = (line + " " + shown[i + 1]).split(separator: " ").contains { displayWidth($0) > 40 }
                        if displayWidth(line) <= width && !line.isEmpty && !shown[i + 1].isEmpty && !uncuttable {
                            XCTAssertFalse(isOperator(last) && line.hasSuffix(String(last)),
                                           "\(language) :help \(name) at \(width): a line ends with `\(last)`: \(line)")
                            // A formula too wide for the line breaks before `=` or an operator, as typeset
                            // mathematics does; one that fits never breaks at all.
                            XCTAssertFalse(isOperator(next) && displayWidth(source.drop { $0 == " " }) <= width - 8 && shown[i + 1].drop { $0 == " " }.hasPrefix(String(next) + " "),
                                           "\(language) :help \(name) at \(width): a line starts with `\(next)`: \(shown[i + 1])")
                        }
                    }
                    }
                    for span in spans {
                        XCTAssertTrue(shown.contains { $0.contains(span) }, "\(language) :help \(name) at \(width): `\(span)` split")
                    }
                }
            }
        }
    }

    func testALastLineIsNotOneWordAlone() {
        // Ten five-letter words fill 59 columns: at 60 the old wrap left `end.` alone.
        let line = (1...10).map { _ in "words" }.joined(separator: " ") + " end."
        let shown = TerminalFit.fit(line, width: 60).components(separatedBy: "\n")
        XCTAssertEqual(shown.count, 2, shown.joined(separator: "\n"))
        XCTAssertEqual(shown.last, "words end.")
        XCTAssertTrue(shown.allSatisfy { displayWidth($0) <= 60 })
        // A long formula on its own line is not an orphan: nothing is pulled down to it.
        let formula = "      height and width: (28 + 0 + 1 − 3)/2 + 1 = 26/2 + 1 = 14"
        XCTAssertEqual(TerminalFit.fit(formula, width: 60).components(separatedBy: "\n"),
                       ["      height and width:", "        (28 + 0 + 1 − 3)/2 + 1 = 26/2 + 1 = 14"])
    }

    func testACountStaysWithItsWordAndAnInitialWithWhatFollows() {
        let row = "  [0] depthwise 3x3 pad=same   56x56x32 → 56x56x32   320 parámetros"
        let shown = TerminalFit.fit(row, width: 60).components(separatedBy: "\n")
        XCTAssertTrue(shown.contains { $0.hasSuffix("320 parámetros") }, shown.joined(separator: "\n"))
        let prose = "Las convoluciones sacan características de una imagen, p. ej. bordes y texturas finas"
        for width in 40...70 {
            let lines = TerminalFit.fit(prose, width: width).components(separatedBy: "\n")
            XCTAssertFalse(lines.contains { $0.hasSuffix(" p.") }, "at \(width): \(lines)")
        }
    }

    func testAFormulaWiderThanTheLineStillBreaksRatherThanOverflow() {
        let formula = "x = " + (1...30).map(String.init).joined(separator: " + ")
        for shown in TerminalFit.fit(formula, width: 40).components(separatedBy: "\n") {
            XCTAssertLessThanOrEqual(displayWidth(shown), 40, shown)
        }
    }

    func testLongAndDeeplyNestedLinesStillFitTheWidth() {
        let lines = [
            String(repeating: "f(", count: 3000) + String(repeating: ")", count: 3000) + " end",
            (1...3000).map(String.init).joined(separator: " + "),
            String(repeating: "`a b ", count: 2000),
            "  a  " + (1...3000).map { "x\($0)" }.joined(separator: "  "),
        ]
        for (k, line) in lines.enumerated() {
            let width = 20 + 13 * k
            let shown = TerminalFit.fit(line, width: width).components(separatedBy: "\n")
            XCTAssertGreaterThan(shown.count, 1)
            for piece in shown { XCTAssertLessThanOrEqual(displayWidth(piece), width, "case \(k): \(piece.prefix(80))") }
            // Nothing is lost or reordered (a run without spaces wider than the line is cut).
            XCTAssertEqual(shown.joined().filter { $0 != " " }, line.filter { $0 != " " }, "case \(k)")
        }
    }
}
