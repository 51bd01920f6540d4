#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif

/// Reads lines from a file descriptor without libedit: pipes, files, tests.
///
/// Lines end at `\n`; a `\r` before it (CRLF files) is dropped, and a last
/// line without a newline is still returned. **Invalid UTF-8 becomes U+FFFD**
/// instead of failing. Prompts are not shown and nothing is remembered. If
/// `Interrupt` is installed, Ctrl-C during a blocked read gives
/// `.interrupted`. The descriptor is not closed.
public final class PlainLineReader: LineReader {
    public let fileDescriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0  // bytes before `start` were already returned
    private var reachedEnd = false

    public init(fileDescriptor: Int32 = 0) {
        self.fileDescriptor = fileDescriptor
    }

    public func read(prompt: String) -> LineInput {
        Interrupt.clear()
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = takeLine(upTo: newline)
                start = newline + 1
                return .line(line)
            }
            if reachedEnd {
                guard start < buffer.count else { return .endOfInput }
                let line = takeLine(upTo: buffer.count)
                start = buffer.count
                return .line(line)
            }
            if start > 0 && start >= buffer.count / 2 {
                buffer.removeFirst(start)  // keep the buffer from growing with the input
                start = 0
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { systemRead(fileDescriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
            } else if count == 0 {
                reachedEnd = true
            } else if errno == EINTR {
                if Interrupt.requested { return .interrupted }
            } else {
                reachedEnd = true  // a read error ends the input like end of file
            }
        }
    }

    /// Does nothing: a pipe has no history.
    public func remember(_ entry: String) {}

    private func takeLine(upTo end: Int) -> String {
        var last = end
        if last > start && buffer[last - 1] == UInt8(ascii: "\r") { last -= 1 }
        return String(decoding: buffer[start..<last], as: UTF8.self)
    }
}
