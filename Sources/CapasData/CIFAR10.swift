import Foundation

/// CIFAR-10's binary version: each record is 1 label byte and 3,072 pixel
/// bytes (1,024 red, 1,024 green, 1,024 blue, each 32 rows of 32): already CHW.
public enum CIFAR10 {
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    public static let spanishClassNames = ["avión", "automóvil", "pájaro", "gato", "ciervo", "perro", "rana", "caballo",
                                           "barco", "camión"]
    public static let trainFiles = (1...5).map { "data_batch_\($0).bin" }
    public static let testFiles = ["test_batch.bin"]
    /// The folder the official archive extracts to.
    public static let archiveFolder = "cifar-10-batches-bin"
    public static let imageSize = 3 * 32 * 32
    public static let recordSize = 1 + imageSize

    public static func fileNames(_ split: Split) -> [String] { split == .train ? trainFiles : testFiles }

    /// True when all six batch files are in `directory`.
    static func isPresent(in directory: URL) -> Bool {
        (trainFiles + testFiles).allSatisfy { FileIO.exists(directory.appendingPathComponent($0)) }
    }

    /// Loads one split from `directory`, or from its `cifar-10-batches-bin` subfolder when it has one.
    public static func load(split: Split, from directory: URL) throws -> Dataset {
        let nested = directory.appendingPathComponent(archiveFolder)
        let direct = fileNames(split).allSatisfy { FileIO.exists(directory.appendingPathComponent($0)) }
        let folder = !direct && FileManager.default.fileExists(atPath: nested.path) ? nested : directory
        let urls = fileNames(split).map { folder.appendingPathComponent($0) }
        let missing = urls.filter { !FileIO.exists($0) }.map(\.lastPathComponent)
        guard missing.isEmpty else { throw DataError(.missingFiles(missing), file: folder.path) }

        // Reserve once from the file sizes (exact for uncompressed files).
        let records = urls.reduce(0) { $0 + (FileIO.size(of: $1) ?? 0) / recordSize }
        var images = [UInt8](), labels = [UInt8]()
        images.reserveCapacity(records * imageSize)
        labels.reserveCapacity(records)
        for url in urls {
            try readBatch(url, images: &images, labels: &labels)
        }
        return Dataset(name: DatasetName.cifar10.rawValue, images: images, labels: labels, channels: 3, height: 32, width: 32,
                       classNames: classNames, spanishClassNames: spanishClassNames)
    }

    /// Reads one `.bin` file of records.
    public static func readBatch(_ url: URL) throws -> (images: [UInt8], labels: [UInt8]) {
        var images = [UInt8](), labels = [UInt8]()
        try readBatch(url, images: &images, labels: &labels)
        return (images, labels)
    }

    /// Appends one `.bin` file's records; on error nothing is appended.
    static func readBatch(_ url: URL, images: inout [UInt8], labels: inout [UInt8]) throws {
        let bytes = try readMaybeGzip(url)
        guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
            let expected = (bytes.count / recordSize + 1) * recordSize
            throw DataError(.sizeMismatch(.records(size: recordSize), expectedBytes: expected, actualBytes: bytes.count),
                            file: url.path)
        }
        let n = bytes.count / recordSize
        for r in 0..<n where bytes[r * recordSize] >= classNames.count {
            throw DataError(.labelOutOfRange(index: r, label: Int(bytes[r * recordSize]), classes: classNames.count),
                            file: url.path)
        }
        for r in 0..<n {
            let start = r * recordSize
            labels.append(bytes[start])
            images.append(contentsOf: bytes[(start + 1)..<(start + recordSize)])
        }
    }
}
