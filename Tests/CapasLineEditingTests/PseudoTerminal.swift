#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// A child process on a pseudo-terminal, driven like a person at a keyboard.
///
/// Output is read without timing assumptions: `expect` polls until the text
/// appears after everything already matched, or fails at a generous deadline
/// (the machine may be loaded). Send keys only once libedit is reading
/// (`waitForRawMode` after its prompt), so they reach libedit rather than
/// the tty's cooked-mode line editing.
final class PseudoTerminal {
    let pid: pid_t
    let master: Int32
    private(set) var output: [UInt8] = []
    private var matchedUpTo = 0
    private var exitStatus: Int32?
    private var masterClosed = false

    /// Starts `executable` with `arguments` and exactly `environment`, on a
    /// `columns`×24 terminal.
    init(executable: String, arguments: [String] = [], environment: [String: String], columns: UInt16 = 80) throws {
        // Everything the child needs is allocated before fork: between fork
        // and exec only async-signal-safe calls are allowed.
        let words = [executable] + arguments
        let argv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: words.count + 1)
        for (i, word) in words.enumerated() { argv[i] = strdup(word) }
        argv[words.count] = nil
        let variables = environment.map { "\($0.key)=\($0.value)" }
        let envp = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: variables.count + 1)
        for (i, variable) in variables.enumerated() { envp[i] = strdup(variable) }
        envp[variables.count] = nil
        guard let path = strdup(executable) else { throw POSIXError(.ENOMEM) }
        defer {
            for i in 0..<words.count { free(argv[i]) }
            argv.deallocate()
            for i in 0..<variables.count { free(envp[i]) }
            envp.deallocate()
            free(path)
        }
        var size = winsize(ws_row: 24, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        var master: Int32 = -1
        let pid = forkpty(&master, nil, nil, &size)
        if pid == 0 {
            execve(path, argv, envp)  // execv, not the variadic execl
            _exit(127)
        }
        guard pid > 0 else {
            throw NSError(domain: "PseudoTerminal", code: Int(errno),
                          userInfo: [NSLocalizedDescriptionKey: "forkpty failed: \(String(cString: strerror(errno)))"])
        }
        self.pid = pid
        self.master = master
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        close(master)
    }

    /// Resizes the window as a terminal emulator does: TIOCSWINSZ, then
    /// SIGWINCH to the child.
    func resize(columns: UInt16, rows: UInt16 = 24) {
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        kill(pid, SIGWINCH)
    }

    /// Reads whatever arrives for `seconds` (to let a signal be handled).
    func settle(seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline { pump(milliseconds: 20) }
    }

    /// What the terminal showed so far, with escapes visible.
    var transcript: String {
        String(decoding: output, as: UTF8.self).debugDescription
    }

    func send(_ keys: String) {
        var bytes = Array(keys.utf8)
        while !bytes.isEmpty {
            let written = write(master, bytes, bytes.count)
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return
            }
            bytes.removeFirst(written)
        }
    }

    /// Waits until `text` appears after the previous match and moves past it.
    @discardableResult
    func expect(_ text: String, timeout: TimeInterval = 20,
                file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let needle = Array(text.utf8)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let end = find(needle, from: matchedUpTo) {
                lastReply = String(decoding: output[matchedUpTo..<(end - needle.count)], as: UTF8.self)
                matchedUpTo = end
                return true
            }
            if Date() > deadline || masterClosed {
                XCTFail("never saw \(text.debugDescription); terminal showed \(transcript)", file: file, line: line)
                return false
            }
            pump(milliseconds: 100)
        }
    }

    /// Waits until the child has put the terminal in raw mode (ICANON off),
    /// that is, libedit is reading. Keys sent before that meet the tty's
    /// cooked mode, where Ctrl-R, Ctrl-U and Ctrl-W are the tty's own.
    @discardableResult
    func waitForRawMode(timeout: TimeInterval = 20,
                        file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let flags = localFlags(), flags & tcflag_t(ICANON) == 0 { return true }
            if Date() > deadline || masterClosed {
                XCTFail("the terminal never left canonical mode; it showed \(transcript)", file: file, line: line)
                return false
            }
            pump(milliseconds: 10)
        }
    }

    /// The output between the previous match and the last one, without the
    /// last match's own text (set by `expect`).
    private(set) var lastReply = ""

    /// The output after the last match so far.
    var unmatched: String {
        String(decoding: output[matchedUpTo...], as: UTF8.self)
    }

    /// Waits for the child to exit, reading its output meanwhile; nil on timeout.
    func waitForExit(timeout: TimeInterval = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                exitStatus = status
                return status
            }
            pump(milliseconds: 50)
        }
        return nil
    }

    /// The terminal's local flags (ICANON, ECHO, …) as the child last left them.
    func localFlags() -> tcflag_t? {
        var settings = termios()
        return tcgetattr(master, &settings) == 0 ? settings.c_lflag : nil
    }

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, output.count - start >= needle.count else { return nil }
        for i in start...(output.count - needle.count) where output[i] == needle[0] {
            if output[i..<(i + needle.count)].elementsEqual(needle) { return i + needle.count }
        }
        return nil
    }

    private func pump(milliseconds: Int32) {
        guard !masterClosed else {
            usleep(UInt32(milliseconds) * 1000)
            return
        }
        var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, milliseconds) > 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = read(master, &chunk, chunk.count)
        if count > 0 {
            output.append(contentsOf: chunk[..<count])
        } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
            masterClosed = true  // EIO on Linux once the child has exited
        }
    }
}
