import CZlib
import Foundation

/// gzip (and zlib) decompression and compression through zlib.
public enum Gzip {
    /// True when the bytes start with gzip's magic number 1f 8b.
    public static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates gzip data; `file` names it in errors.
    public static func decompress(_ input: [UInt8], file: String) throws -> [UInt8] {
        var stream = z_stream()
        // 15 + 32: a gzip or zlib header, detected automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(.corruptGzip("inflateInit2"), file: file)
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        output.reserveCapacity(input.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var status: Int32 = Z_OK
        try input.withUnsafeBufferPointer { inp in
            stream.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
            stream.avail_in = uInt(inp.count)
            repeat {
                try chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    guard status == Z_OK || status == Z_STREAM_END else {
                        let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                        throw DataError(.corruptGzip(status == Z_BUF_ERROR ? "truncated" : reason), file: file)
                    }
                    output.append(contentsOf: out[0..<(out.count - Int(stream.avail_out))])
                }
                if status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0 {
                    throw DataError(.corruptGzip("truncated"), file: file)
                }
            } while status != Z_STREAM_END
        }
        return output
    }

    /// Deflates into gzip format (used to make test files and archives).
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: gzip wrapper.
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var produced = 0
        input.withUnsafeBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
                stream.avail_in = uInt(inp.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                _ = deflate(&stream, Z_FINISH)
                produced = out.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<produced])
    }
}

/// Reads a whole file, decompressing it when it is gzip.
func readMaybeGzip(_ url: URL) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: url.path) else { throw DataError(.missing, file: url.path) }
    guard let data = FileManager.default.contents(atPath: url.path) else {
        throw DataError(.unreadable("permission denied or not a file"), file: url.path)
    }
    let bytes = [UInt8](data)
    return Gzip.isCompressed(bytes) ? try Gzip.decompress(bytes, file: url.path) : bytes
}
