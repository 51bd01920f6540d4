#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// `EditLineReader` with standard input a pipe instead of a terminal: libedit
/// then reads without editing, through the same key reader as on a terminal
/// (which decodes UTF-8 and watches for Ctrl-C itself).
final class EditLineReaderPipeTests: XCTestCase {
    private var home: URL!

    override func setUpWithError() throws {
        home = try temporaryHome("lineedit-pipe")
    }

    /// The harness, started with its standard input and output on pipes.
    private func startHarness() throws -> (process: Process, input: FileHandle, output: FileHandle) {
        let harness = try requireBuiltExecutable("LineEditingHarness")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: harness)
        process.environment = ["HOME": home.path, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, input.fileHandleForWriting, output.fileHandleForReading)
    }

    private func finish(_ process: Process, _ input: FileHandle, _ output: FileHandle) -> String {
        try? input.close()
        let text = String(decoding: output.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, text)
        XCTAssertEqual(process.terminationStatus, 0, text)
        return text
    }

    func testLinesNonAsciiTextAndALastLineWithoutNewline() throws {
        let (process, input, output) = try startHarness()
        var bytes = Array("año 东\nconv 3\n".utf8)
        bytes += [UInt8(ascii: "a"), 0xFF, UInt8(ascii: "b"), UInt8(ascii: "\n")]  // an invalid byte is dropped
        bytes += Array("last".utf8)
        input.write(Data(bytes))
        let text = finish(process, input, output)
        XCTAssertEqual(text, "got: año 东\ngot: conv 3\ngot: ab\ngot: last\neof\n")
    }

    /// SIGINT while the reader waits with part of a line read: that part is
    /// dropped, `.interrupted` comes back at once, and reading goes on.
    func testCtrlCWhileWaitingDropsThePartialLine() throws {
        let (process, input, output) = try startHarness()
        input.write(Data("conv".utf8))
        waitUntilConsumedAndWaiting(pid: process.processIdentifier, pipe: input.fileDescriptor)
        kill(process.processIdentifier, SIGINT)
        let answer = readLine(from: output)
        XCTAssertEqual(answer, "^C")
        XCTAssertEqual(readLine(from: output), "interrupted")
        input.write(Data("dense 10\n".utf8))
        let text = finish(process, input, output)
        XCTAssertEqual(text, "got: dense 10\neof\n")
    }

    /// One line from `handle`, read byte by byte (nothing is read past it);
    /// what came so far if no newline comes within `timeout`.
    private func readLine(from handle: FileHandle, timeout: TimeInterval = 20) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while Date() < deadline {
            var descriptor = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            guard read(handle.fileDescriptor, &byte, 1) == 1, byte != UInt8(ascii: "\n") else { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Waits until the child has read everything in the pipe (FIONREAD) and
    /// then sleeps waiting for more (`/proc/PID/syscall`).
    private func waitUntilConsumedAndWaiting(pid: pid_t, pipe: Int32, timeout: TimeInterval = 20) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var pending: Int32 = 0
            if ioctl(pipe, UInt(FIONREAD), &pending) == 0, pending == 0, processIsWaitingForInput(pid) != false {
                return
            }
            usleep(5_000)
        }
        XCTFail("the harness never read its input")
    }
}

/// Whether the main thread of `pid` sleeps in a system call that waits for
/// input (read, poll, ppoll, select, pselect), from `/proc/PID/syscall`
/// ("running" while it runs); nil where that cannot be told (no such file,
/// no permission, another architecture).
func processIsWaitingForInput(_ pid: pid_t) -> Bool? {
    #if arch(x86_64)
    let waiting: Set<Int> = [0, 7, 23, 270, 271]  // read, poll, select, pselect6, ppoll
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/syscall", encoding: .utf8),
          let first = text.split(separator: " ").first else {
        return nil
    }
    guard let number = Int(first) else { return false }  // "running"
    return waiting.contains(number)
    #else
    return nil
    #endif
}
