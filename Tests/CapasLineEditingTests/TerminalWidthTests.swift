#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// The REPL on pseudo-terminals of 60 and 120 columns: replies fit the width
/// (words are never cut), layer tables narrow, a resize is read at the next
/// entry and does not cost an extra Ctrl-D, Ctrl-R shows what it searches.
final class TerminalWidthTests: XCTestCase {
    private var home: URL!

    override func setUpWithError() throws {
        home = try temporaryHome("width-pty")
    }


    private func startRepl(columns: UInt16, _ extra: [String: String] = [:],
                           file: StaticString = #filePath, line: UInt = #line) throws -> PseudoTerminal {
        let terminal = try PseudoTerminal.capas(home: home, columns: columns, environment: extra, file: file, line: line)
        terminal.expect("capas> ", file: file, line: line)
        terminal.waitForRawMode(file: file, line: line)
        return terminal
    }

    /// Types `text` and Enter; returns what was printed up to the next prompt.
    private func run(_ text: String, on terminal: PseudoTerminal, file: StaticString = #filePath, line: UInt = #line) -> String {
        terminal.send(text + "\r")
        terminal.expect(text + "\r\n", file: file, line: line)  // the echo of the line
        terminal.expect("\ncapas> ", file: file, line: line)  // not the `  capas> ` of help examples
        terminal.waitForRawMode(file: file, line: line)
        return terminal.lastReply
    }

    private func endSession(_ terminal: PseudoTerminal, file: StaticString = #filePath, line: UInt = #line) -> Int32? {
        terminal.waitForRawMode(file: file, line: line)
        terminal.send("\u{4}")
        guard let raw = terminal.waitForExit() else { return nil }
        return (raw >> 8) & 0xFF
    }

    /// Lines of a reply as the terminal shows them (escapes and `\r` removed).
    private func lines(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r", with: "").components(separatedBy: "\n")
    }

    private func width(_ line: String) -> Int {
        // The test's own count: every scalar of these replies is one column except the ones below.
        line.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }.count
    }

    /// Every word of `reply` (split at white space) must appear whole on one line.
    private func assertNoWordCut(_ reply: String, words source: [String], file: StaticString = #filePath, line: UInt = #line) {
        let shown = Set(lines(reply).flatMap { $0.split(separator: " ").map(String.init) })
        for word in source where !shown.contains(word) {
            XCTFail("the word \(word.debugDescription) was cut; the terminal showed:\n\(reply.debugDescription)", file: file, line: line)
        }
    }

    func testHelpNotesAndErrorsWrapAtWordsAt60And120Columns() throws {
        for columns: UInt16 in [60, 120] {
            let terminal = try startRepl(columns: columns)
            let help = run(":help conv", on: terminal)
            for shown in lines(help) {
                XCTAssertLessThanOrEqual(width(shown), Int(columns), "at \(columns) columns: \(shown.debugDescription)")
            }
            assertNoWordCut(help, words: ["(cross-correlation,", "PyTorch", "(:help", "functions)."])
            _ = run("input 28x28x1", on: terminal)
            let error = run("conv 10 50x50", on: terminal)
            for shown in lines(error) where !shown.contains("|") {
                XCTAssertLessThanOrEqual(width(shown), Int(columns), "at \(columns) columns: \(shown.debugDescription)")
            }
            assertNoWordCut(error, words: ["kernel", "padding", "output"])
            // The excerpt under the error keeps its caret under the entry.
            XCTAssertTrue(error.contains(" 1 | conv 10 50x50\r\n   | ^~~~~~~~~~~~~"), error)
            XCTAssertEqual(endSession(terminal), 0)
        }
    }

    func testSummaryDropsMultAddsThenTypeAt60Columns() throws {
        let narrow = try startRepl(columns: 60)
        let table = run(":preset resnet18", on: narrow)
        let header = lines(table).first { $0.hasPrefix("layer ") } ?? ""
        XCTAssertTrue(header.contains("params") && header.contains("output"), table)
        XCTAssertFalse(header.contains("type"), table)
        XCTAssertFalse(header.contains("mult-adds"), table)
        for shown in lines(table) where !shown.hasPrefix("#") {
            XCTAssertLessThanOrEqual(width(shown), 60, shown.debugDescription)
        }
        XCTAssertEqual(endSession(narrow), 0)
        let wide = try startRepl(columns: 120)
        let full = run(":preset resnet18", on: wide)
        let fullHeader = lines(full).first { $0.hasPrefix("layer ") } ?? ""
        XCTAssertTrue(fullHeader.contains("mult-adds") && fullHeader.contains("type"), full)
        XCTAssertEqual(endSession(wide), 0)
    }

    /// A resize is read at the next entry, and the first Ctrl-D after it exits (it took two).
    func testAfterAResizeTheWidthFollowsAndOneCtrlDExits() throws {
        let terminal = try startRepl(columns: 120)
        terminal.resize(columns: 60)
        terminal.settle(seconds: 0.5)
        let help = run(":help conv", on: terminal)
        for shown in lines(help) {
            XCTAssertLessThanOrEqual(width(shown), 60, shown.debugDescription)
        }
        terminal.resize(columns: 100)
        terminal.settle(seconds: 0.5)
        XCTAssertEqual(endSession(terminal), 0, "one Ctrl-D after a resize must exit; the terminal showed \(terminal.transcript)")
    }

    /// Ctrl-R says `(reverse-i-search)` as bash and IPython do (libedit alone shows `bck:`);
    /// Enter runs the match, Ctrl-G puts the line back.
    func testCtrlRShowsAReverseSearchPromptAndEnterRunsTheMatch() throws {
        let terminal = try startRepl(columns: 80)
        _ = run("input 28x28x1", on: terminal)
        _ = run("conv 10 5x5", on: terminal)
        _ = run("1 + 1", on: terminal)
        terminal.send("\u{12}")
        terminal.expect("(reverse-i-search)`': ")
        terminal.send("conv")
        terminal.expect("(reverse-i-search)`conv': conv 10 5x5")
        terminal.send("\r")
        terminal.expect("[1] conv 10 5x5   24x24x10 → 20x20x10")
        terminal.expect("\ncapas> ")
        terminal.waitForRawMode()
        terminal.send("\u{12}zzz")
        terminal.expect("(failed reverse-i-search)`zzz': ")
        terminal.send("\u{7}")
        terminal.expect("capas> ")
        terminal.send("2 + 3\r")
        terminal.expect("\r\n5\r\n")
        terminal.expect("capas> ")
        XCTAssertFalse(terminal.transcript.contains("bck:"), terminal.transcript)
        XCTAssertEqual(endSession(terminal), 0)
    }

    /// An interactive session ends with status 0 even after an error (a piped script gives 1).
    func testInteractiveSessionExitsZeroAfterAnError() throws {
        let terminal = try startRepl(columns: 80)
        _ = run("conv 10 5x5", on: terminal)
        XCTAssertEqual(endSession(terminal), 0)
    }
}

/// `:save` after a colour `:show` on a terminal writes the picture's plain-text form, no escape codes.
final class SaveOnTerminalTests: XCTestCase {
    func testSavedNotebookHasNoEscapeCodes() throws {
        let home = try temporaryHome("save-pty")
        defer { try? FileManager.default.removeItem(at: home) }
        let terminal = try PseudoTerminal.capas(home: home)
        terminal.expect("capas> ")
        terminal.waitForRawMode()
        terminal.send("A = [[0, 1], [1, 0]]\r")
        terminal.expect("⎣ 1  0 ⎦")
        terminal.expect("capas> ")
        terminal.waitForRawMode()
        terminal.send(":show A\r")
        terminal.expect("\u{1B}[38;2;")  // colour on the terminal
        terminal.expect("capas> ")
        terminal.waitForRawMode()
        let path = home.appendingPathComponent("session.md").path
        terminal.send(":save \(path)\r")
        terminal.expect("saved to")
        terminal.expect("capas> ")
        terminal.waitForRawMode()
        terminal.send("\u{4}")
        XCTAssertNotNil(terminal.waitForExit())
        let saved = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertFalse(saved.contains("\u{1B}"), saved)
        XCTAssertTrue(saved.contains(":show A"), saved)
        XCTAssertTrue(saved.contains("(white)"), "the plain picture's legend: \(saved)")
    }
}
