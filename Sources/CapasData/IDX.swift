import Foundation

/// IDX files, the format of MNIST and FashionMNIST: a big-endian header, then bytes.
///
///     images: magic 2051 (0x00000803), count, rows, columns, then count×rows×columns pixels
///     labels: magic 2049 (0x00000801), count, then count labels
///
/// Files may be gzip-compressed (detected by gzip's magic number, not by the name).
public enum IDX {
    /// Unsigned bytes, 3 dimensions.
    public static let imagesMagic: UInt32 = 2051
    /// Unsigned bytes, 1 dimension.
    public static let labelsMagic: UInt32 = 2049

    /// Reads an images file: `pixels` holds `count` images of `rows`×`columns` bytes, row-major.
    public static func readImages(_ url: URL) throws -> (count: Int, rows: Int, columns: Int, pixels: [UInt8]) {
        var bytes = try readMaybeGzip(url)
        let header = try readHeader(bytes, file: url.path, magic: imagesMagic, fields: 4)
        let (count, rows, columns) = (header[1], header[2], header[3])
        guard rows > 0, columns > 0 else {
            throw DataError(.badDimensions("\(count) × \(rows)×\(columns)"), file: url.path)
        }
        // Each field is below 2^32, so a product of three can overflow Int.
        guard let size = [count, rows, columns].checkedProduct else {
            throw DataError(.badDimensions("\(count) × \(rows)×\(columns)"), file: url.path)
        }
        guard bytes.count - 16 == size else {
            throw DataError(.sizeMismatch(.idxImages(count: count, rows: rows, columns: columns),
                                          expectedBytes: size, actualBytes: bytes.count - 16), file: url.path)
        }
        bytes.removeFirst(16)  // in place: no second copy of the pixels
        return (count, rows, columns, bytes)
    }

    /// Reads a labels file.
    public static func readLabels(_ url: URL) throws -> [UInt8] {
        var bytes = try readMaybeGzip(url)
        let header = try readHeader(bytes, file: url.path, magic: labelsMagic, fields: 2)
        guard bytes.count - 8 == header[1] else {
            throw DataError(.sizeMismatch(.idxLabels(count: header[1]), expectedBytes: header[1], actualBytes: bytes.count - 8),
                            file: url.path)
        }
        bytes.removeFirst(8)
        return bytes
    }

    /// The header's `fields` big-endian 32-bit words, the magic number first.
    static func readHeader(_ bytes: [UInt8], file: String, magic: UInt32, fields: Int) throws -> [Int] {
        // A wrong magic number is the more useful complaint, even on a short file.
        if bytes.count >= 4, word(bytes, 0) != magic {
            throw DataError(.wrongMagic(expected: magic, found: word(bytes, 0)), file: file)
        }
        guard bytes.count >= 4 * fields else {
            throw DataError(.sizeMismatch(.idxHeader(bytes: 4 * fields), expectedBytes: 4 * fields, actualBytes: bytes.count),
                            file: file)
        }
        return (0..<fields).map { Int(word(bytes, 4 * $0)) }
    }

    /// The big-endian word at `offset` (the caller has checked the length).
    private static func word(_ b: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(b[offset]) << 24 | UInt32(b[offset + 1]) << 16 | UInt32(b[offset + 2]) << 8 | UInt32(b[offset + 3])
    }
}
