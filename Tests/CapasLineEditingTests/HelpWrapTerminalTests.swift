#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// `:help conv` in the real REPL on a 60-column pseudo-terminal, in both
/// languages: formulas, calls and `:help` references are never split, and no
/// line ends in an operator.
final class HelpWrapTerminalTests: XCTestCase {
    private var home: URL!

    override func setUpWithError() throws {
        home = try temporaryHome("helpwrap-pty")
    }


    private func run(_ text: String, on terminal: PseudoTerminal) -> [String] {
        terminal.send(text + "\r")
        terminal.expect(text + "\r\n")
        terminal.expect("\ncapas> ")
        terminal.waitForRawMode()
        return terminal.lastReply.replacingOccurrences(of: "\r", with: "").components(separatedBy: "\n")
    }

    func testHelpConvKeepsFormulasWholeAt60Columns() throws {
        let terminal = try PseudoTerminal.capas(home: home, columns: 60)
        terminal.expect("capas> ")
        terminal.waitForRawMode()
        for language in ["en", "es"] {
            _ = run(":lang \(language)", on: terminal)
            let lines = run(":help conv", on: terminal)
            for whole in ["⌊(n + 2p − f)/s⌋ + 1", "(f·f·c + 1)·k", "conv(A, K)", "(:help functions)"] {
                XCTAssertTrue(lines.contains { $0.contains(whole) }, "\(language): `\(whole)` split:\n\(lines.joined(separator: "\n"))")
            }
            for line in lines {
                XCTAssertLessThanOrEqual(line.count, 60, line)
                let last = line.split(separator: " ").last ?? ""
                XCTAssertFalse(["+", "−", "=", "·"].contains(String(last)), "\(language): a line ends in an operator: \(line)")
            }
        }
        terminal.send("\u{4}")
        XCTAssertEqual(terminal.waitForExit().map { ($0 >> 8) & 0xFF }, 0)
    }
}
