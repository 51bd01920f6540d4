import Foundation
#if canImport(Glibc)
import Glibc
private let posixWrite = Glibc.write, posixClose = Glibc.close, posixRename = Glibc.rename
#elseif canImport(Darwin)
import Darwin
private let posixWrite = Darwin.write, posixClose = Darwin.close, posixRename = Darwin.rename
#endif

/// Plain POSIX file access: reads straight into `[UInt8]` (no `Data` copy,
/// which matters for 50 MB dataset files) and turns every failure into a
/// `DataError` that names the file.
enum FileIO {
    /// An open file descriptor for a regular file.
    static func openForReading(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw DataError(.missing, file: path) }
            throw DataError(.unreadable(describe(code)), file: path)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw DataError(.unreadable(describe(code)), file: path)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw DataError(.unreadable(info.st_mode & S_IFMT == S_IFDIR ? "is a folder" : "not a regular file"), file: path)
        }
        return fd
    }

    /// The whole file.
    static func readAll(_ url: URL) throws -> [UInt8] {
        let path = url.path
        let fd = try openForReading(path)
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DataError(.unreadable(describe(errno)), file: path) }
        let size = Int(info.st_size)
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = 0
            while count < size, let base = buffer.baseAddress {
                let n = read(fd, base + count, size - count)
                if n > 0 { count += n } else if n == 0 { break } else if errno != EINTR { failure = errno; break }
            }
        }
        if failure != 0 { throw DataError(.unreadable(describe(failure)), file: path) }
        return bytes
    }

    /// Calls `body` with successive pieces of the file (for files too big to hold twice).
    static func forEachChunk(of url: URL, size: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let path = url.path
        let fd = try openForReading(path)
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, size)
            if n == 0 { return }
            if n < 0 {
                if errno == EINTR { continue }
                throw DataError(.unreadable(describe(errno)), file: path)
            }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// The size of a regular file, or nil.
    static func size(of url: URL) -> Int? {
        var info = stat()
        guard stat(url.path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    static func exists(_ url: URL) -> Bool { size(of: url) != nil }

    /// A file open for writing (created or truncated), closed on deinit.
    final class Writer {
        let path: String
        private var fd: Int32

        init(_ url: URL) throws {
            path = url.path
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw DataError(.cannotWrite(describe(errno)), file: path) }
        }

        func write(_ bytes: UnsafeRawBufferPointer) throws {
            var offset = 0
            while offset < bytes.count, let base = bytes.baseAddress {
                let n = posixWrite(fd, base + offset, bytes.count - offset)
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else {
                    throw DataError(.cannotWrite(describe(errno)), file: path)
                }
            }
        }

        /// Flushes and closes; errors here mean the data may not be on disk.
        func close() throws {
            guard fd >= 0 else { return }
            let result = posixClose(fd)
            fd = -1
            if result != 0 { throw DataError(.cannotWrite(describe(errno)), file: path) }
        }

        deinit { if fd >= 0 { _ = posixClose(fd) } }
    }

    /// Atomically replaces `destination` with `source` (same folder), or fails naming both.
    static func rename(_ source: URL, to destination: URL) throws {
        guard posixRename(source.path, destination.path) == 0 else {
            throw DataError(.cannotWrite("rename from \(source.lastPathComponent): \(describe(errno))"), file: destination.path)
        }
    }

    static func remove(_ url: URL) { unlink(url.path) }

    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
