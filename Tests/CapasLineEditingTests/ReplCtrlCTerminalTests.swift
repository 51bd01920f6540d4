#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// Ctrl-C at the real `capas` prompt, sent as the byte 0x03 through the
/// pseudo-terminal so that the line discipline raises SIGINT, as a keyboard
/// does. The REPL must cancel the half-typed line at once: `^C` and a fresh
/// prompt appear without any further key, and the abandoned text never runs.
///
/// Nothing here waits a fixed time: each step waits for a condition (text on
/// the terminal, raw mode, the REPL blocked waiting for input).
final class ReplCtrlCTerminalTests: XCTestCase {
    private var home: URL!

    override func setUpWithError() throws {
        home = try temporaryHome("repl-ctrlc")
    }

    private func startRepl(columns: UInt16, file: StaticString = #filePath, line: UInt = #line) throws -> PseudoTerminal {
        let terminal = try PseudoTerminal.capas(home: home, columns: columns, file: file, line: line)
        terminal.expect("Ctrl-D exits.", file: file, line: line)
        expectPrompt(terminal, file: file, line: line)
        return terminal
    }

    private func expectPrompt(_ terminal: PseudoTerminal, file: StaticString = #filePath, line: UInt = #line) {
        if terminal.expect("capas> ", file: file, line: line) { terminal.waitForRawMode(file: file, line: line) }
    }

    private func endSession(_ terminal: PseudoTerminal, file: StaticString = #filePath, line: UInt = #line) {
        terminal.waitForRawMode(file: file, line: line)
        terminal.send("\u{4}")
        guard let raw = terminal.waitForExit() else {
            XCTFail("capas did not exit after Ctrl-D; the terminal showed \(terminal.transcript)", file: file, line: line)
            return
        }
        XCTAssertEqual(raw & 0x7F, 0, "ended by a signal", file: file, line: line)
        XCTAssertEqual((raw >> 8) & 0xFF, 0, "exit status; the terminal showed \(terminal.transcript)", file: file, line: line)
    }

    /// Ctrl-C, then `^C` and a new prompt must follow with no other key typed;
    /// then a command typed at that prompt runs.
    private func cancelAndGoOn(_ terminal: PseudoTerminal, file: StaticString = #filePath, line: UInt = #line) {
        terminal.send("\u{3}")
        terminal.expect("^C\r\n", file: file, line: line)
        expectPrompt(terminal, file: file, line: line)
        terminal.send("1 + 1\r")
        terminal.expect("2\r\n", file: file, line: line)
        expectPrompt(terminal, file: file, line: line)
    }

    /// The REPL has read the half-typed line and sleeps waiting for the next
    /// key when Ctrl-C comes.
    private func ctrlCWhileIdle(columns: UInt16) throws {
        let terminal = try startRepl(columns: columns)
        terminal.send("conv 10")
        terminal.expect("conv 10")
        terminal.waitUntilWaitingForInput()
        cancelAndGoOn(terminal)
        // The cancelled line never ran (it would have said the model needs an input line).
        XCTAssertFalse(terminal.transcript.contains("input` line"), terminal.transcript)
        XCTAssertFalse(terminal.transcript.contains("conv 101"), terminal.transcript)
        endSession(terminal)
    }

    func testCtrlCWhileWaitingForAKeyCancelsTheLineAt60Columns() throws {
        try ctrlCWhileIdle(columns: 60)
    }

    func testCtrlCWhileWaitingForAKeyCancelsTheLineAt120Columns() throws {
        try ctrlCWhileIdle(columns: 120)
    }

    /// Ctrl-C while the REPL is still busy echoing a long pasted line: the
    /// signal lands between two reads rather than during one. The tty drops
    /// the rest of the paste (ISIG flushes the input queue), so no key is left
    /// to wake the REPL: it must notice the Ctrl-C by itself.
    func testCtrlCWhileAPasteIsBeingEchoedCancelsTheLine() throws {
        let terminal = try startRepl(columns: 80)
        let paste = "conv 10 " + String(repeating: "x", count: 3000)
        terminal.send(paste)
        terminal.expect("conv 10 xxxx")
        cancelAndGoOn(terminal)
        XCTAssertFalse(terminal.transcript.contains("input` line"), terminal.transcript)
        endSession(terminal)
    }

    /// Resizes while a line is half typed (libedit's own handler sees only
    /// the first of them) neither end nor garble the line, and Ctrl-C after
    /// them still cancels at once.
    func testResizesKeepTheLineAndCtrlCStillCancels() throws {
        let terminal = try startRepl(columns: 80)
        terminal.send("1 +")
        terminal.expect("1 +")
        for columns: UInt16 in [60, 120, 60] {
            terminal.waitUntilWaitingForInput()
            terminal.resize(columns: columns)
        }
        terminal.waitUntilWaitingForInput()
        terminal.send(" 2\r")
        terminal.expect("3\r\n")
        expectPrompt(terminal)
        terminal.send("dense 3")
        terminal.expect("dense 3")
        for columns: UInt16 in [100, 70] {
            terminal.waitUntilWaitingForInput()
            terminal.resize(columns: columns)
        }
        cancelAndGoOn(terminal)
        XCTAssertFalse(terminal.transcript.contains("input` line"), terminal.transcript)
        endSession(terminal)
    }

    /// Several Ctrl-C in a row, on a half-typed and on an empty line, each
    /// give one fresh prompt and the session goes on.
    func testRepeatedCtrlCEachGiveAFreshPrompt() throws {
        let terminal = try startRepl(columns: 80)
        for round in 0..<3 {
            terminal.send(round == 1 ? "" : "dense \(round)")
            if round != 1 { terminal.expect("dense \(round)") }
            terminal.waitUntilWaitingForInput()
            terminal.send("\u{3}")
            terminal.expect("^C\r\n")
            expectPrompt(terminal)
        }
        terminal.send("1 + 1\r")
        terminal.expect("2\r\n")
        expectPrompt(terminal)
        XCTAssertFalse(terminal.transcript.contains("input` line"), terminal.transcript)
        endSession(terminal)
    }
}

extension PseudoTerminal {
    /// Waits until the child's main thread sleeps waiting for input (see
    /// `processIsWaitingForInput`). Where that cannot be told it returns at once.
    func waitUntilWaitingForInput(timeout: TimeInterval = 20, file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(timeout)
        while let waiting = processIsWaitingForInput(pid), !waiting {
            if Date() > deadline {
                XCTFail("the child never waited for input; the terminal showed \(transcript)", file: file, line: line)
                return
            }
            settle(seconds: 0.01)
        }
    }
}
