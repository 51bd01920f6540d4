#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// Ctrl-Z at the real `capas` prompt and `fg`, twice on the same half-typed
/// line. Ctrl-Z is the byte 0x1A through the pseudo-terminal, so the line
/// discipline raises SIGTSTP, as a keyboard does. Each time the REPL must
/// give the terminal back in its normal mode before it stops, and after `fg`
/// take it again, draw the prompt and the half-typed line anew, and finish
/// the line with what is typed next.
///
/// The kernel does not stop a process by Ctrl-Z when no process of its
/// session outside its group can resume it (an orphaned group): the REPL
/// runs under a job-control shell on the terminal, as it does for a person.
/// Nothing waits a fixed time: each step waits for a state it can see.
final class ReplSuspendTerminalTests: XCTestCase {
    private var home: URL!

    override func setUpWithError() throws {
        home = try temporaryHome("repl-suspend")
    }

    /// bash runs the REPL as a foreground job; each line it reads while the
    /// job is stopped is an `fg`, `stops` times. It exits with the REPL's
    /// status. (Not a loop: bash leaves a loop when a job in it stops.)
    private static func shellScript(stops: Int) -> String {
        let resume = "if [ \"$status\" -ge 128 ]; then read -r _; fg; status=$?; fi\n"
        return "set -m\n\"$CAPAS_UNDER_TEST\"\nstatus=$?\n" + String(repeating: resume, count: stops) + "exit \"$status\"\n"
    }

    func testCtrlZAndFgTwiceOnOneLineRestoreTheTerminalAndRedrawTheLine() throws {
        let shell = "/bin/bash"
        guard FileManager.default.isExecutableFile(atPath: shell) else { throw XCTSkip("no \(shell) to run the REPL as a job") }
        let capas = try requireBuiltCapas()
        let environment = terminalEnvironment(home: home, ["CAPAS_UNDER_TEST": capas])
        let terminal = try PseudoTerminal(executable: shell, arguments: ["--norc", "--noprofile", "-c", Self.shellScript(stops: 2)],
                                          environment: environment)
        terminal.expect("Ctrl-D exits.")
        terminal.expect("capas> ")
        terminal.waitForRawMode()
        let repl = try XCTUnwrap(terminal.waitForChild(of: terminal.pid), "the shell never started the REPL")

        terminal.send("1 +")
        terminal.expect("1 +")
        var typed = "1 +"
        for more in [" 2 +", " 3"] {
            terminal.waitUntilWaitingForInput(pid: repl)
            terminal.send("\u{1A}")
            guard terminal.waitForState(of: repl, stopped: true) else { break }
            // Stopped with the terminal in its normal mode: lines and echo.
            let flags = try XCTUnwrap(terminal.localFlags())
            XCTAssertNotEqual(flags & tcflag_t(ICANON), 0, "ICANON is off while the REPL is stopped")
            XCTAssertNotEqual(flags & tcflag_t(ECHO), 0, "ECHO is off while the REPL is stopped")
            terminal.send("\n")  // the shell's `fg`
            guard terminal.waitForState(of: repl, stopped: false) else { break }
            // Back: the prompt and the line so far, drawn again, and raw mode.
            terminal.expect("capas> " + typed)
            terminal.waitForRawMode()
            terminal.waitUntilWaitingForInput(pid: repl)
            terminal.send(more)
            terminal.expect(more)
            typed += more
        }
        terminal.send("\r")
        terminal.expect("6\r\n")
        terminal.expect("capas> ")
        terminal.waitForRawMode()
        terminal.send("\u{4}")
        guard let raw = terminal.waitForExit() else {
            XCTFail("the REPL did not exit after Ctrl-D; the terminal showed \(terminal.transcript)")
            return
        }
        XCTAssertEqual(raw & 0x7F, 0, "the shell was ended by a signal")
        XCTAssertEqual((raw >> 8) & 0xFF, 0, "exit status; the terminal showed \(terminal.transcript)")
    }

    /// SIGSTOP (which no program can catch) while a line is half typed, the
    /// terminal put back in its normal mode meanwhile (as a shell does), then
    /// SIGCONT: the REPL takes raw mode again and redraws the line.
    func testSigstopAndSigcontTakeRawModeAgainAndRedrawTheLine() throws {
        let terminal = try PseudoTerminal.capas(home: home)
        terminal.expect("capas> ")
        terminal.waitForRawMode()
        terminal.send("2 *")
        terminal.expect("2 *")
        terminal.waitUntilWaitingForInput(pid: terminal.pid)
        kill(terminal.pid, SIGSTOP)
        terminal.waitForState(of: terminal.pid, stopped: true)
        var settings = termios()
        XCTAssertEqual(tcgetattr(terminal.master, &settings), 0)
        settings.c_lflag |= tcflag_t(ICANON | ECHO)
        XCTAssertEqual(tcsetattr(terminal.master, TCSANOW, &settings), 0)
        kill(terminal.pid, SIGCONT)
        terminal.expect("capas> 2 *")
        terminal.waitForRawMode()
        terminal.waitUntilWaitingForInput(pid: terminal.pid)
        terminal.send(" 21\r")
        terminal.expect("42\r\n")
        terminal.expect("capas> ")
        terminal.waitForRawMode()
        terminal.send("\u{4}")
        XCTAssertEqual(terminal.waitForExit(), 0, terminal.transcript)
    }

    /// Ctrl-Z where no shell could resume the REPL (it leads its own session,
    /// an orphaned process group): the kernel does not stop it, and the line
    /// goes on being edited in raw mode instead of hanging in the normal mode.
    func testCtrlZWithoutAJobControlShellKeepsEditingTheLine() throws {
        let terminal = try PseudoTerminal.capas(home: home)
        terminal.expect("capas> ")
        terminal.waitForRawMode()
        terminal.send("5 -")
        terminal.expect("5 -")
        for _ in 0..<2 {
            terminal.waitUntilWaitingForInput(pid: terminal.pid)
            terminal.send("\u{1A}")
            terminal.expect("capas> 5 -")  // drawn again where the stop did not happen
            terminal.waitForRawMode()
        }
        terminal.waitUntilWaitingForInput(pid: terminal.pid)
        terminal.send(" 1\r")
        terminal.expect("4\r\n")
        terminal.expect("capas> ")
        terminal.waitForRawMode()
        terminal.send("\u{4}")
        XCTAssertEqual(terminal.waitForExit(), 0, terminal.transcript)
    }
}

extension PseudoTerminal {
    /// The first child process of `parent`, once it has one (read from
    /// `/proc/*/stat`), or nil at the deadline.
    func waitForChild(of parent: pid_t, timeout: TimeInterval = 20) -> pid_t? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            for entry in entries {
                guard let pid = pid_t(entry), let stat = processStat(pid), stat.parent == parent else { continue }
                return pid
            }
            settle(seconds: 0.01)
        }
        return nil
    }

    /// Waits until `pid` is stopped (state `T` in `/proc/PID/stat`) or, with
    /// `stopped` false, until it is not; fails at the deadline.
    @discardableResult
    func waitForState(of pid: pid_t, stopped: Bool, timeout: TimeInterval = 20,
                      file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let stat = processStat(pid), (stat.state == "T") == stopped { return true }
            if Date() > deadline {
                XCTFail("the REPL never \(stopped ? "stopped" : "continued") (state \(processStat(pid)?.state ?? "?")); "
                        + "the terminal showed \(transcript)", file: file, line: line)
                return false
            }
            settle(seconds: 0.01)
        }
    }

    /// Waits until the main thread of `pid` sleeps waiting for input.
    func waitUntilWaitingForInput(pid: pid_t, timeout: TimeInterval = 20,
                                  file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(timeout)
        while let waiting = processIsWaitingForInput(pid), !waiting {
            if Date() > deadline {
                XCTFail("the REPL never waited for input; the terminal showed \(transcript)", file: file, line: line)
                return
            }
            settle(seconds: 0.01)
        }
    }
}

/// The state letter and parent of `pid` from `/proc/PID/stat`, or nil.
func processStat(_ pid: pid_t) -> (state: Character, parent: pid_t)? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")") else { return nil }
    // "PID (command) STATE PPID …": the command may hold spaces and parentheses.
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count >= 2, let state = fields[0].first, let parent = pid_t(fields[1]) else { return nil }
    return (state, parent)
}
