#if canImport(Glibc)
import Glibc
#endif
@testable import CapasLineEditing
import Foundation
import XCTest

/// `PlainLineReader` on pipes, as the REPL sees a piped script.
final class PlainLineReaderTests: XCTestCase {
    /// A reader on a pipe that already holds `bytes` and is closed for writing.
    private func reader(for bytes: [UInt8]) throws -> (LineReader, Int32) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
        if !bytes.isEmpty {
            XCTAssertEqual(write(ends[1], bytes, bytes.count), bytes.count)
        }
        close(ends[1])
        return (PlainLineReader(fileDescriptor: ends[0]), ends[0])
    }

    private func readAll(_ bytes: [UInt8]) throws -> [LineInput] {
        let (reader, descriptor) = try reader(for: bytes)
        defer { close(descriptor) }
        var results: [LineInput] = []
        while results.count < 100 {
            let input = reader.read(prompt: "capas> ")
            results.append(input)
            if input == .endOfInput { break }
        }
        return results
    }

    func testLinesWithoutTheirNewlines() throws {
        XCTAssertEqual(try readAll(Array("input 28x28x1\nconv 10 5x5\n".utf8)),
                       [.line("input 28x28x1"), .line("conv 10 5x5"), .endOfInput])
    }

    func testCRLFLinesLoseTheirCarriageReturn() throws {
        XCTAssertEqual(try readAll(Array("dense 10\r\nrelu\r\n".utf8)),
                       [.line("dense 10"), .line("relu"), .endOfInput])
        // Only a \r right before the end of the line is dropped.
        XCTAssertEqual(try readAll(Array("a\rb\n".utf8)), [.line("a\rb"), .endOfInput])
    }

    func testALastLineWithoutNewlineIsStillALine() throws {
        XCTAssertEqual(try readAll(Array("flatten\ndense 10".utf8)),
                       [.line("flatten"), .line("dense 10"), .endOfInput])
        XCTAssertEqual(try readAll(Array("dense 10\r".utf8)), [.line("dense 10"), .endOfInput])
    }

    func testEmptyLinesAndEmptyInput() throws {
        XCTAssertEqual(try readAll(Array("\n\nrelu\n\n".utf8)),
                       [.line(""), .line(""), .line("relu"), .line(""), .endOfInput])
        XCTAssertEqual(try readAll([]), [.endOfInput])
        XCTAssertEqual(try readAll(Array("\r\n".utf8)), [.line(""), .endOfInput])
    }

    func testEndOfInputRepeats() throws {
        let (reader, descriptor) = try reader(for: Array("x".utf8))
        defer { close(descriptor) }
        XCTAssertEqual(reader.read(prompt: ""), .line("x"))
        XCTAssertEqual(reader.read(prompt: ""), .endOfInput)
        XCTAssertEqual(reader.read(prompt: ""), .endOfInput)
    }

    func testNonASCIIRoundTrips() throws {
        XCTAssertEqual(try readAll(Array("año\n× ñ\n".utf8)), [.line("año"), .line("× ñ"), .endOfInput])
    }

    func testInvalidUTF8IsReplacedNotFatal() throws {
        XCTAssertEqual(try readAll([0x61, 0xFF, 0x62, 0x0A, 0xC3, 0x0A, 0x61, 0xC3]),
                       [.line("a\u{FFFD}b"), .line("\u{FFFD}"), .line("a\u{FFFD}"), .endOfInput])
    }

    /// Lines longer than one read, and more input than a pipe holds.
    func testLongLinesAcrossReads() throws {
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        let long = String(repeating: "conv 3 3x3 ", count: 30_000)
        let text = Array("\(long)\nañadir\n\(long)".utf8)
        let writeEnd = ends[1]
        let writer = Thread {
            var offset = 0
            while offset < text.count {
                let written = text[offset...].withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
                if written <= 0 { break }
                offset += written
            }
            close(writeEnd)
        }
        writer.start()
        defer { close(ends[0]) }
        let reader = PlainLineReader(fileDescriptor: ends[0])
        XCTAssertEqual(reader.read(prompt: ""), .line(long))
        XCTAssertEqual(reader.read(prompt: ""), .line("añadir"))
        XCTAssertEqual(reader.read(prompt: ""), .line(long))
        XCTAssertEqual(reader.read(prompt: ""), .endOfInput)
    }

    /// With `Interrupt` installed, Ctrl-C during a blocked read gives
    /// `.interrupted`, and reading again continues with the same input.
    func testCtrlCDuringABlockedReadInterruptsIt() throws {
        Interrupt.install()
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        defer { close(ends[0]) }
        let reader = PlainLineReader(fileDescriptor: ends[0])

        final class Box: @unchecked Sendable {
            let lock = NSLock()
            var thread: pthread_t?
            var results: [LineInput] = []
        }
        let box = Box()
        let readerThread = Thread {
            box.lock.withLock { box.thread = pthread_self() }
            let first = reader.read(prompt: "")
            box.lock.withLock { box.results.append(first) }
            let second = reader.read(prompt: "")
            box.lock.withLock { box.results.append(second) }
        }
        readerThread.start()

        // Signal the reading thread until it notices: no timing assumptions.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let (thread, count) = box.lock.withLock { (box.thread, box.results.count) }
            if count >= 1 { break }
            if let thread { pthread_kill(thread, SIGINT) }
            usleep(20_000)
        }
        let line = Array("late\n".utf8)
        XCTAssertEqual(write(ends[1], line, line.count), line.count)
        close(ends[1])
        while Date() < deadline, box.lock.withLock({ box.results.count }) < 2 {
            usleep(10_000)
        }
        XCTAssertEqual(box.lock.withLock { box.results }, [.interrupted, .line("late")])
        Interrupt.clear()
    }

    func testTheInterpreterCannotTellReadersApart() throws {
        let (reader, descriptor) = try reader(for: Array(":help\n".utf8))
        defer { close(descriptor) }
        let readers: [LineReader] = [reader]
        for reader in readers {
            reader.remember(":help")
            XCTAssertEqual(reader.read(prompt: "capas> "), .line(":help"))
        }
    }
}
