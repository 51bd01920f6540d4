#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// The real `capas` REPL on a pseudo-terminal, typed at like a person would:
/// history, completion, Ctrl-C and Ctrl-D through libedit and the interpreter
/// together. Each test has its own empty HOME (history, no ~/.editrc).
final class ReplTerminalTests: XCTestCase {
    private var home: URL!

    override func setUpWithError() throws {
        home = try temporaryHome("repl-pty")
    }

    private func startRepl(_ extra: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> PseudoTerminal {
        let terminal = try PseudoTerminal.capas(home: home, environment: extra, file: file, line: line)
        terminal.expect("Ctrl-D exits.", file: file, line: line)
        expectPrompt(terminal, file: file, line: line)
        return terminal
    }

    private func expectPrompt(_ terminal: PseudoTerminal, file: StaticString = #filePath, line: UInt = #line) {
        if terminal.expect("capas> ", file: file, line: line) { terminal.waitForRawMode(file: file, line: line) }
    }

    /// Types a line and Enter, waits for `answer` and the next prompt.
    private func enter(_ text: String, on terminal: PseudoTerminal, expecting answer: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        terminal.send(text + "\r")
        terminal.expect(answer, file: file, line: line)
        expectPrompt(terminal, file: file, line: line)
    }

    /// Ctrl-D on the empty line: the REPL ends with status 0.
    private func endSession(_ terminal: PseudoTerminal, status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) {
        terminal.waitForRawMode(file: file, line: line)
        terminal.send("\u{4}")
        guard let raw = terminal.waitForExit() else {
            XCTFail("capas did not exit after Ctrl-D; the terminal showed \(terminal.transcript)", file: file, line: line)
            return
        }
        XCTAssertEqual(raw & 0x7F, 0, "ended by a signal", file: file, line: line)
        XCTAssertEqual((raw >> 8) & 0xFF, status, "exit status; the terminal showed \(terminal.transcript)", file: file, line: line)
    }

    func testUpArrowRecallsAnEarlierEntry() throws {
        let terminal = try startRepl()
        enter("input 28x28x1", on: terminal, expecting: "input 28x28x1 (784 values)")
        enter("conv 10 5x5", on: terminal, expecting: "[0] conv 10 5x5   28x28x1 → 24x24x10")
        terminal.send("\u{1B}[A")  // Up: the last entry comes back for editing
        terminal.expect("conv 10 5x5")
        terminal.send("\r")
        terminal.expect("[1] conv 10 5x5   24x24x10 → 20x20x10")
        expectPrompt(terminal)
        endSession(terminal)
    }

    func testTabCompletesOptions() throws {
        let terminal = try startRepl()
        enter("input 28x28x1", on: terminal, expecting: "(784 values)")
        terminal.send("conv 10 5x5 str\t")
        terminal.expect("ide=")
        terminal.send("2\r")
        terminal.expect("[0] conv 10 5x5 stride=2   28x28x1 → 12x12x10")
        expectPrompt(terminal)
        endSession(terminal)
    }

    func testCtrlCCancelsAHalfTypedLineAndTheSessionGoesOn() throws {
        let terminal = try startRepl()
        terminal.send("conv 10")
        terminal.expect("conv 10")
        terminal.send("\u{3}")
        expectPrompt(terminal)
        enter("1 + 1", on: terminal, expecting: "2\r\n")
        // The cancelled line never ran (it would have said the model needs an input line).
        XCTAssertFalse(terminal.transcript.contains("input` line"), terminal.transcript)
        endSession(terminal, status: 0)
    }

    /// An interactive session's errors were answered at the prompt: Ctrl-D ends it with status 0.
    func testCtrlDExitsWithStatusZeroEvenAfterAFailedEntry() throws {
        let terminal = try startRepl()
        enter("conv 10 5x5", on: terminal, expecting: "input")
        endSession(terminal, status: 0)
    }

    func testPicturesUseColourOnATerminalUnlessNoColor() throws {
        let colour = try startRepl()
        enter("A = [[0, 1], [1, 0]]", on: colour, expecting: "⎣ 1  0 ⎦")
        enter(":show A", on: colour, expecting: "\u{1B}[38;2;0;0;0m")
        XCTAssertTrue(colour.transcript.contains("▀"))
        endSession(colour)
        let plain = try startRepl(["NO_COLOR": "1"])
        enter("A = [[0, 1], [1, 0]]", on: plain, expecting: "⎣ 1  0 ⎦")
        enter(":show A", on: plain, expecting: "(white)")
        endSession(plain)
        XCTAssertFalse(plain.transcript.contains("38;2;"), plain.transcript)
    }

    /// Ctrl-C while :train runs stops it after the current step; the REPL keeps the weights and goes on.
    func testCtrlCStopsTrainingAndTheReplGoesOn() throws {
        let datasets = ["/usr/share/datasets/fashion-mnist", home.appendingPathComponent(".cache/capas/fashion-mnist").path]
        guard datasets.contains(where: { FileManager.default.fileExists(atPath: $0 + "/t10k-labels-idx1-ubyte.gz") }) else {
            throw XCTSkip("FashionMNIST is not installed")
        }
        let terminal = try startRepl()
        enter("input 28x28x1", on: terminal, expecting: "(784 values)")
        enter("flatten", on: terminal, expecting: "784")
        enter("dense 10", on: terminal, expecting: "7,850 parameters")
        terminal.send(":train epochs=500 limit=3000\r")
        terminal.expect("epoch 1/500  train loss")
        terminal.send("\u{3}")
        terminal.expect("training interrupted after ")
        terminal.expect("so far are kept")
        expectPrompt(terminal)
        enter(":compare model model", on: terminal, expecting: "fashion-mnist")
        enter("1 + 1", on: terminal, expecting: "2\r\n")
        endSession(terminal)
    }
}
