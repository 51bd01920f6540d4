import Foundation

/// A minimal reader for POSIX ustar (and GNU) tar archives, enough for
/// CIFAR-10's `.tar.gz`. Regular files and folders are extracted; links,
/// devices and metadata entries are skipped, never created. Absolute paths
/// and `..` components are refused, so nothing lands outside the target
/// folder. Header checksums and sizes are checked, and each file is written
/// under a temporary name and renamed only once complete.
public enum Tar {
    /// Extracts an archive held in memory into `directory`; `file` names it in errors.
    /// Returns the files written.
    @discardableResult
    public static func extract(_ bytes: [UInt8], into directory: URL, file: String) throws -> [URL] {
        var extractor = TarExtractor(directory: directory, file: file)
        do {
            try bytes.withUnsafeBytes { try extractor.consume($0) }
            return try extractor.finish()
        } catch {
            extractor.cancel()
            throw error
        }
    }

    /// Extracts a `.tar.gz` file into `directory`, streaming: neither the
    /// archive nor the tar is ever held in memory whole.
    @discardableResult
    public static func extractGzip(_ archive: URL, into directory: URL) throws -> [URL] {
        var extractor = TarExtractor(directory: directory, file: archive.path)
        do {
            try Gzip.decompress(file: archive) { try extractor.consume($0) }
            return try extractor.finish()
        } catch {
            extractor.cancel()
            throw error
        }
    }
}

/// Tar as a stream: feed it bytes in pieces of any size.
struct TarExtractor {
    let directory: URL
    let file: String
    private(set) var written: [URL] = []

    /// The entry whose data is being read.
    private struct Entry {
        let path: String
        var remaining: Int
        var padding: Int
        /// Where a regular file's data goes (nil: skipped).
        var writer: FileIO.Writer?
        var partial: URL?
        var final: URL?
        /// A GNU long name being collected (type `L`).
        var longName: [UInt8]?
    }

    private var header: [UInt8] = []
    private var entry: Entry?
    private var ended = false
    private var longName: String?
    /// Bytes consumed so far, for error messages.
    private var position = 0

    init(directory: URL, file: String) {
        self.directory = directory
        self.file = file
        header.reserveCapacity(512)
    }

    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws {
        var rest = bytes
        while !rest.isEmpty && !ended {
            if var current = entry {
                let data = min(current.remaining, rest.count)
                if data > 0 {
                    let piece = UnsafeRawBufferPointer(rebasing: rest[0..<data])
                    if let writer = current.writer { try writer.write(piece) }
                    current.longName? += piece
                    current.remaining -= data
                }
                let pad = current.remaining == 0 ? min(current.padding, rest.count - data) : 0
                current.padding -= pad
                rest = UnsafeRawBufferPointer(rebasing: rest[(data + pad)...])
                position += data + pad
                entry = current
                if current.remaining == 0 && current.padding == 0 { try complete() }
                continue
            }
            let take = min(512 - header.count, rest.count)
            header += rest[0..<take]
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            position += take
            if header.count == 512 {
                try start(header)
                header.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Checks that the archive did not stop in the middle of something; returns the files written.
    mutating func finish() throws -> [URL] {
        if let current = entry {
            throw DataError(.corruptArchive("it ends inside `\(current.path)`, \(current.remaining) bytes short"), file: file)
        }
        if !header.isEmpty {
            throw DataError(.corruptArchive("it ends inside a header at byte \(position - header.count)"), file: file)
        }
        return written
    }

    /// Deletes a half-written file after an error.
    mutating func cancel() {
        if let partial = entry?.partial { FileIO.remove(partial) }
        entry = nil
    }

    /// Reads one 512-byte header and sets up its entry.
    private mutating func start(_ h: [UInt8]) throws {
        let offset = position - 512
        if h.allSatisfy({ $0 == 0 }) { ended = true; return }

        // The checksum is the sum of the header bytes with its own field read as spaces.
        var unsigned = 0, signed = 0
        for (i, byte) in h.enumerated() {
            let value = (148..<156).contains(i) ? 0x20 : byte
            unsigned += Int(value)
            signed += Int(Int8(bitPattern: value))
        }
        guard let stored = Self.octal(h[148..<156]), stored == unsigned || stored == signed else {
            throw DataError(.corruptArchive("bad header checksum at byte \(offset)"), file: file)
        }

        var path = Self.string(h[0..<100])
        // POSIX ustar keeps long paths' folders in a prefix field (GNU tar uses those bytes otherwise).
        if h[257..<263].elementsEqual(Array("ustar\0".utf8)) {
            let prefix = Self.string(h[345..<500])
            if !prefix.isEmpty { path = prefix + "/" + path }
        }
        if let long = longName { path = long; longName = nil }

        guard h[124] & 0x80 == 0, let size = Self.octal(h[124..<136]) else {
            throw DataError(.corruptArchive("bad size field for `\(path)` at byte \(offset)"), file: file)
        }
        var next = Entry(path: path, remaining: size, padding: (512 - size % 512) % 512)

        switch h[156] {
        case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):  // regular file
            let relative = try safePath(path)
            guard !relative.isEmpty else {
                throw DataError(.corruptArchive("a file entry without a name at byte \(offset)"), file: file)
            }
            let final = directory.appendingPathComponent(relative)
            let partial = final.deletingLastPathComponent().appendingPathComponent(final.lastPathComponent + ".part")
            try makeDirectory(final.deletingLastPathComponent())
            next.writer = try FileIO.Writer(partial)
            next.partial = partial
            next.final = final
        case UInt8(ascii: "5"):  // folder
            let relative = try safePath(path)
            if !relative.isEmpty { try makeDirectory(directory.appendingPathComponent(relative)) }
        case UInt8(ascii: "L"):  // GNU long name for the next entry
            guard size <= 65_536 else {
                throw DataError(.corruptArchive("a long name of \(size) bytes at byte \(offset)"), file: file)
            }
            next.longName = []
        default:  // links, devices, pax metadata: skipped
            break
        }
        entry = next
        if size == 0 { try complete() }
    }

    /// Finishes the current entry: a file is closed and renamed into place.
    private mutating func complete() throws {
        guard let done = entry else { return }
        entry = nil
        if let long = done.longName { longName = String(decoding: long.prefix { $0 != 0 }, as: UTF8.self) }
        if let writer = done.writer, let partial = done.partial, let final = done.final {
            do {
                try writer.close()
                try FileIO.rename(partial, to: final)
            } catch {
                FileIO.remove(partial)
                throw error
            }
            written.append(final)
        }
    }

    /// The path relative to the extraction folder, with `.` components dropped;
    /// absolute paths and `..` are refused.
    private func safePath(_ path: String) throws -> String {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !path.hasPrefix("/"), !components.contains("..") else {
            throw DataError(.unsafeArchivePath(path), file: file)
        }
        return components.filter { $0 != "." }.joined(separator: "/")
    }

    private func makeDirectory(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw DataError(.cannotWrite(error.localizedDescription), file: url.path)
        }
    }

    /// A NUL-terminated text field.
    private static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// An octal number field (leading/trailing spaces and NULs allowed); nil when malformed.
    static func octal(_ bytes: ArraySlice<UInt8>) -> Int? {
        let digits = bytes.drop { $0 == 0x20 }.prefix { $0 != 0 && $0 != 0x20 }
        guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ (0x30...0x37).contains($0) }) else { return nil }
        return digits.reduce(0) { $0 * 8 + Int($1 - 0x30) }
    }
}
