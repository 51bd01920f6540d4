import CZlib
import Foundation

/// gzip decompression through zlib (and compression, for making test files).
public enum Gzip {
    /// True when the bytes start with gzip's magic number 1f 8b.
    public static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates gzip data held in memory; `file` names it in errors.
    public static func decompress(_ input: [UInt8], file: String) throws -> [UInt8] {
        var output = [UInt8]()
        // gzip's trailer holds the uncompressed size mod 2^32: a good first
        // reservation, capped by deflate's best ratio (about 1032:1).
        if input.count >= 18 && isCompressed(input) {
            let n = input.count
            let hint = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
            output.reserveCapacity(min(hint, input.count * 1032))
        }
        let inflater = try Inflater(file: file)
        try input.withUnsafeBytes { raw in
            try inflater.feed(raw) { output.append(contentsOf: $0) }
        }
        try inflater.finish()
        return output
    }

    /// Inflates a gzip file piece by piece, never holding all of it.
    static func decompress(file url: URL, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let inflater = try Inflater(file: url.path)
        try FileIO.forEachChunk(of: url) { try inflater.feed($0, sink) }
        try inflater.finish()
    }

    /// Deflates into gzip format (used to make test files and archives).
    static func compress(_ input: [UInt8]) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        // windowBits 15 + 16: a gzip wrapper.
        guard deflateInit2_(stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(stream) }
        let capacity = Int(deflateBound(stream, uLong(input.count))) + 64
        return [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
            input.withUnsafeBufferPointer { inp in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
                stream.pointee.avail_in = uInt(inp.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(out.count)
                let status = deflate(stream, Z_FINISH)
                count = status == Z_STREAM_END ? out.count - Int(stream.pointee.avail_out) : 0
            }
        }
    }
}

/// A zlib inflate stream (gzip or zlib header, detected: windowBits 15 + 32).
/// The `z_stream` lives at a fixed address, as zlib requires.
final class Inflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let file: String
    private var output = [UInt8](repeating: 0, count: 1 << 18)
    private var ended = false
    private var initialized = false

    init(file: String) throws {
        self.file = file
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw DataError(.corruptGzip("inflateInit2 failed (\(status))"), file: file) }
        initialized = true
    }

    deinit {
        if initialized { inflateEnd(stream) }
        stream.deallocate()
    }

    /// Feeds compressed bytes; `sink` receives every piece of output.
    func feed(_ input: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let base = input.baseAddress, !input.isEmpty else { return }
        var remaining = UnsafeRawBufferPointer(start: base, count: input.count)
        while !remaining.isEmpty {
            if ended {
                // Another gzip member may follow (as `cat a.gz b.gz` makes); anything else is ignored.
                guard remaining.count >= 2, remaining[0] == 0x1F, remaining[1] == 0x8B else { return }
                inflateReset(stream)
                ended = false
            }
            let piece = min(remaining.count, Int(UInt32.max))
            stream.pointee.next_in = UnsafeMutablePointer(mutating: remaining.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.pointee.avail_in = uInt(piece)
            try inflateAvailable(sink)
            let consumed = piece - Int(stream.pointee.avail_in)
            remaining = UnsafeRawBufferPointer(rebasing: remaining[consumed...])
        }
    }

    /// Runs inflate until the input is used up or the stream ends.
    private func inflateAvailable(_ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try output.withUnsafeMutableBytes { out in
            while true {
                stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
                stream.pointee.avail_out = uInt(out.count)
                let status = inflate(stream, Z_NO_FLUSH)
                let produced = out.count - Int(stream.pointee.avail_out)
                if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: out[0..<produced])) }
                switch status {
                case Z_STREAM_END:
                    ended = true
                    return
                case Z_OK:
                    if stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { return }
                case Z_BUF_ERROR where stream.pointee.avail_in == 0:
                    return  // needs more input
                default:
                    let reason = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw DataError(.corruptGzip(reason), file: file)
                }
            }
        }
    }

    /// Fails when the input stopped before the end of the compressed stream.
    func finish() throws {
        guard ended else {
            throw DataError(.corruptGzip("unexpected end of data: the file is cut short"), file: file)
        }
    }
}

/// Reads a whole file, inflating it when it starts with gzip's magic number.
func readMaybeGzip(_ url: URL) throws -> [UInt8] {
    let bytes = try FileIO.readAll(url)
    return Gzip.isCompressed(bytes) ? try Gzip.decompress(bytes, file: url.path) : bytes
}
