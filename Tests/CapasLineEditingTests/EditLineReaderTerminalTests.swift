#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// End-to-end tests of `EditLineReader`: the `LineEditingHarness` executable
/// runs on a pseudo-terminal and these tests type at it.
///
/// Each test gets its own empty HOME, so no `~/.editrc` can rebind keys, and
/// its own history file under it (in folders that do not exist yet).
final class EditLineReaderTerminalTests: XCTestCase {
    private var home: URL!

    private var historyFile: URL {
        home.appendingPathComponent(".local/share/capas/history")
    }

    override func setUpWithError() throws {
        home = try temporaryHome("lineedit")
    }

    /// Starts the harness and waits for its first prompt.
    private func startHarness(locale: String? = "C.UTF-8", maxHistory: Int? = nil,
                              file: StaticString = #filePath, line: UInt = #line) throws -> PseudoTerminal {
        let harness = try requireBuiltExecutable("LineEditingHarness", file: file, line: line)
        var environment = terminalEnvironment(home: home, locale: locale, ["CAPAS_HARNESS_HISTORY": historyFile.path])
        if let maxHistory { environment["CAPAS_HARNESS_MAX_HISTORY"] = String(maxHistory) }
        let terminal = try PseudoTerminal(executable: harness, environment: environment)
        expectPrompt(terminal, file: file, line: line)
        return terminal
    }

    /// Types `text` and Enter, and waits for the harness's answer and next prompt.
    private func enter(_ text: String, on terminal: PseudoTerminal, expecting answer: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) {
        terminal.send(text + "\r")
        terminal.expect((answer ?? "got: \(text)") + "\r\n", file: file, line: line)
        expectPrompt(terminal, file: file, line: line)
    }

    /// Waits for the next prompt and for libedit to be reading after it.
    private func expectPrompt(_ terminal: PseudoTerminal, file: StaticString = #filePath, line: UInt = #line) {
        if terminal.expect("harness> ", file: file, line: line) {
            terminal.waitForRawMode(file: file, line: line)
        }
    }

    /// Ctrl-D on the empty line: the harness says eof and exits with status 0.
    /// Call it after the harness answered, never while a line is being edited.
    private func endSession(_ terminal: PseudoTerminal, file: StaticString = #filePath, line: UInt = #line) {
        // In cooked mode Ctrl-D would be the tty's end-of-file and get lost
        // when libedit switches to raw mode.
        terminal.waitForRawMode(file: file, line: line)
        terminal.send("\u{4}")
        terminal.expect("eof\r\n", file: file, line: line)
        XCTAssertEqual(terminal.waitForExit(), 0, "exit status; terminal showed \(terminal.transcript)",
                       file: file, line: line)
    }

    // MARK: - Tests

    func testTypingALineAndEnter() throws {
        let terminal = try startHarness()
        enter("conv 10 5x5 stride=1", on: terminal)
        enter("", on: terminal, expecting: "got: ")
        endSession(terminal)
    }

    func testUpArrowRecallsEarlierLinesInTheSameSession() throws {
        let terminal = try startHarness()
        enter("conv 3x3", on: terminal)
        enter("dense 10", on: terminal)
        terminal.send("\u{1B}[A\u{1B}[A")  // Up, Up
        terminal.expect("conv 3x3")
        terminal.send("\r")
        terminal.expect("got: conv 3x3\r\n")
        expectPrompt(terminal)
        // The recalled line is the newest entry now: conv 3x3, dense 10, conv 3x3.
        terminal.send("\u{1B}[A\u{1B}[A\u{1B}[A\u{1B}[B\r")  // Up, Up, Up, Down
        terminal.expect("got: dense 10\r\n")
        endSession(terminal)
    }

    func testHistoryFileCarriesAcrossProcesses() throws {
        let first = try startHarness()
        enter("conv 3x3", on: first)
        enter("maxpool 2", on: first)
        endSession(first)

        let saved = try String(contentsOf: historyFile, encoding: .utf8)
        XCTAssertTrue(saved.hasPrefix("_HiStOrY_V2_\n"), "libedit's header is kept: \(saved.debugDescription)")
        let attributes = try FileManager.default.attributesOfItem(atPath: historyFile.path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)

        let second = try startHarness()
        second.send("\u{1B}[A")
        second.expect("maxpool 2")
        second.send("\u{1B}[A\r")
        second.expect("got: conv 3x3\r\n")
        expectPrompt(second)
        endSession(second)
    }

    /// The history keeps the newest `maxHistory` entries, and a file written
    /// after that trimming still loads (`history_truncate_file` would break it).
    func testHistoryIsTrimmedAndStillLoads() throws {
        let first = try startHarness(maxHistory: 2)
        for entry in ["dense 1", "dense 2", "dense 3"] { enter(entry, on: first) }
        endSession(first)
        let saved = try String(contentsOf: historyFile, encoding: .utf8)
        XCTAssertEqual(saved.split(separator: "\n").count, 3, "header and two entries: \(saved.debugDescription)")

        let second = try startHarness(maxHistory: 2)
        second.send("\u{1B}[A\u{1B}[A\r")
        second.expect("got: dense 2\r\n")
        expectPrompt(second)
        endSession(second)
    }

    func testTabCompletesAUniquePrefix() throws {
        let terminal = try startHarness()
        terminal.send("max\t")
        terminal.expect("pool")
        terminal.send("2\r")
        terminal.expect("got: maxpool 2\r\n")
        expectPrompt(terminal)

        // After a word ending in `=` no space is added.
        terminal.send("conv 8 3x3 str\t")
        terminal.expect("ide=")
        terminal.send("2\r")
        terminal.expect("got: conv 8 3x3 stride=2\r\n")
        expectPrompt(terminal)
        endSession(terminal)
    }

    func testTabOnAnAmbiguousPrefixCompletesTheCommonPartAndLists() throws {
        let terminal = try startHarness()
        terminal.send("dense 10 co\t")
        terminal.expect("nv")
        terminal.send("\t")
        terminal.expect("conv1d")  // the listing
        terminal.send("1d\r")
        terminal.expect("got: dense 10 conv1d\r\n")
        expectPrompt(terminal)
        endSession(terminal)
    }

    func testCtrlCCancelsTheLineAndTheNextLineWorks() throws {
        let terminal = try startHarness()
        terminal.send("conv 3")
        terminal.expect("conv 3")
        terminal.send("\u{3}")
        terminal.expect("interrupted\r\n")
        expectPrompt(terminal)
        // A Ctrl-C on an empty line does not exit either.
        terminal.send("\u{3}")
        terminal.expect("interrupted\r\n")
        expectPrompt(terminal)
        enter(":tty", on: terminal, expecting: "tty: cooked")
        enter("dense 10", on: terminal)
        XCTAssertFalse(terminal.transcript.contains("got: conv 3"), terminal.transcript)
        endSession(terminal)
    }

    func testCtrlCDuringAComputationSetsTheFlagWithoutExiting() throws {
        let terminal = try startHarness()
        terminal.send(":spin\r")
        terminal.expect("spinning\r\n")
        terminal.send("\u{3}")
        terminal.expect("stopped\r\n")
        expectPrompt(terminal)
        enter("dense 10", on: terminal)
        endSession(terminal)
    }

    func testCtrlDExitsAndLeavesTheTerminalCooked() throws {
        let terminal = try startHarness()
        endSession(terminal)
        if let flags = terminal.localFlags() {
            XCTAssertNotEqual(flags & tcflag_t(ICANON), 0, "canonical mode restored")
            XCTAssertNotEqual(flags & tcflag_t(ECHO), 0, "echo restored")
        }
    }

    func testCtrlRSearchesBackwards() throws {
        let terminal = try startHarness()
        enter("conv 3x3", on: terminal)
        enter("dense 10", on: terminal)
        enter("maxpool 2", on: terminal)
        terminal.send("\u{12}")  // Ctrl-R
        terminal.send("den")
        terminal.expect("dense 10")
        terminal.send("\r")
        terminal.expect("got: dense 10\r\n")
        expectPrompt(terminal)
        endSession(terminal)
    }

    func testNonASCIILinesRoundTripIncludingHistory() throws {
        let terminal = try startHarness()
        enter("año × ñ", on: terminal)
        terminal.send("\u{1B}[A\r")
        terminal.expect("got: año × ñ\r\n")
        expectPrompt(terminal)
        endSession(terminal)

        let again = try startHarness()
        again.send("\u{1B}[A\r")
        again.expect("got: año × ñ\r\n")
        expectPrompt(again)
        endSession(again)
        // Recalling the newest entry, even in a later session, adds no duplicate.
        let saved = try String(contentsOf: historyFile, encoding: .utf8)
        XCTAssertEqual(saved.split(separator: "\n").count, 2, saved.debugDescription)
    }

    /// Without a UTF-8 locale libedit would drop `ñ`; the reader falls back to C.UTF-8.
    func testNonASCIISurvivesWithoutAUTF8Locale() throws {
        for locale in [nil, "C"] as [String?] {
            let terminal = try startHarness(locale: locale)
            enter("paño ×", on: terminal)
            endSession(terminal)
        }
    }
}
