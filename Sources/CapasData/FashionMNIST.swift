import Foundation

/// IDX files (LeCun's MNIST format): big-endian header, then bytes.
///   images: magic 2051, count, rows, columns, pixels
///   labels: magic 2049, count, labels
public enum IDX {
    public static func readImages(_ url: URL) throws -> (count: Int, rows: Int, columns: Int, pixels: [UInt8]) {
        let bytes = try readMaybeGzip(url)
        let header = try readHeader(bytes, file: url.path, magic: 2051, fields: 4)
        let (n, rows, columns) = (header[1], header[2], header[3])
        guard rows > 0, columns > 0 else { throw DataError(.badDimensions("\(rows)×\(columns)"), file: url.path) }
        let (size, overflow) = n.multipliedReportingOverflow(by: rows * columns)
        guard !overflow, bytes.count - 16 == size else {
            throw DataError(.truncated(expectedBytes: overflow ? Int.max : size, actualBytes: bytes.count - 16), file: url.path)
        }
        return (n, rows, columns, Array(bytes[16...]))
    }

    public static func readLabels(_ url: URL) throws -> [UInt8] {
        let bytes = try readMaybeGzip(url)
        let header = try readHeader(bytes, file: url.path, magic: 2049, fields: 2)
        guard bytes.count - 8 == header[1] else {
            throw DataError(.truncated(expectedBytes: header[1], actualBytes: bytes.count - 8), file: url.path)
        }
        return Array(bytes[8...])
    }

    static func readHeader(_ bytes: [UInt8], file: String, magic: UInt32, fields: Int) throws -> [Int] {
        guard bytes.count >= 4 * fields else {
            if bytes.count >= 4, bigEndian(bytes, 0) != magic {
                throw DataError(.wrongMagic(expected: magic, found: bigEndian(bytes, 0)), file: file)
            }
            throw DataError(.truncated(expectedBytes: 4 * fields, actualBytes: bytes.count), file: file)
        }
        let found = bigEndian(bytes, 0)
        guard found == magic else { throw DataError(.wrongMagic(expected: magic, found: found), file: file) }
        return (0..<fields).map { Int(bigEndian(bytes, 4 * $0)) }
    }

    static func bigEndian(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    /// Writes IDX files (for tests and small examples).
    public static func encodeImages(_ pixels: [UInt8], count: Int, rows: Int, columns: Int) -> [UInt8] {
        header([2051, UInt32(count), UInt32(rows), UInt32(columns)]) + pixels
    }
    public static func encodeLabels(_ labels: [UInt8]) -> [UInt8] { header([2049, UInt32(labels.count)]) + labels }
    static func header(_ fields: [UInt32]) -> [UInt8] {
        fields.flatMap { [UInt8($0 >> 24), UInt8(($0 >> 16) & 0xFF), UInt8(($0 >> 8) & 0xFF), UInt8($0 & 0xFF)] }
    }
}

/// Zalando's FashionMNIST: 60,000 training and 10,000 test images, 28×28 grey, 10 classes.
public enum FashionMNIST {
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                                    "Bag", "Ankle boot"]
    public static let spanishClassNames = ["Camiseta/top", "Pantalón", "Suéter", "Vestido", "Abrigo", "Sandalia", "Camisa",
                                           "Zapatilla", "Bolso", "Botín"]
    public static let files: [Split: (images: String, labels: String)] = [
        .train: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        .test: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    ]

    /// The file's URL in `directory`, gzipped or not (the .gz is preferred when both exist).
    static func file(_ base: String, in directory: URL) -> URL {
        let gz = directory.appendingPathComponent(base + ".gz")
        return FileManager.default.fileExists(atPath: gz.path) ? gz : directory.appendingPathComponent(base)
    }

    static func isPresent(in directory: URL) -> Bool {
        files.values.allSatisfy { names in
            [names.images, names.labels].allSatisfy { base in
                ["", ".gz"].contains { FileManager.default.fileExists(atPath: directory.appendingPathComponent(base + $0).path) }
            }
        }
    }

    public static func load(split: Split, from directory: URL) throws -> Dataset {
        let names = files[split]!
        let imagesURL = file(names.images, in: directory), labelsURL = file(names.labels, in: directory)
        let images = try IDX.readImages(imagesURL)
        let labels = try IDX.readLabels(labelsURL)
        guard labels.count == images.count else {
            throw DataError(.countMismatch(images: images.count, labels: labels.count), file: labelsURL.path)
        }
        if let bad = labels.firstIndex(where: { $0 >= 10 }) {
            throw DataError(.labelOutOfRange(index: bad, label: Int(labels[bad]), classes: 10), file: labelsURL.path)
        }
        return Dataset(name: "fashion-mnist", images: images.pixels, labels: labels, channels: 1, height: images.rows,
                       width: images.columns, classNames: classNames, spanishClassNames: spanishClassNames)
    }
}
