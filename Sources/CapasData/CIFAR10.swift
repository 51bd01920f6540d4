import Foundation

/// CIFAR-10's binary version: each record is 1 label byte and 3,072 pixel
/// bytes (1,024 red, 1,024 green, 1,024 blue, rows of 32): already CHW.
public enum CIFAR10 {
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    public static let spanishClassNames = ["avión", "automóvil", "pájaro", "gato", "ciervo", "perro", "rana", "caballo",
                                           "barco", "camión"]
    public static let trainFiles = (1...5).map { "data_batch_\($0).bin" }
    public static let testFiles = ["test_batch.bin"]
    public static let recordSize = 1 + 3 * 32 * 32

    static func isPresent(in directory: URL) -> Bool {
        (trainFiles + testFiles).allSatisfy { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
    }

    public static func load(split: Split, from directory: URL) throws -> Dataset {
        var folder = directory
        let nested = directory.appendingPathComponent("cifar-10-batches-bin")
        if FileManager.default.fileExists(atPath: nested.path) { folder = nested }
        let names = split == .train ? trainFiles : testFiles
        let missing = names.filter { !FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
        if !missing.isEmpty {
            throw DataError(.missing, file: missing.map { folder.appendingPathComponent($0).path }.joined(separator: ", "))
        }
        var images = [UInt8](), labels = [UInt8]()
        for name in names {
            let url = folder.appendingPathComponent(name)
            let (batchImages, batchLabels) = try readBatch(url)
            images += batchImages
            labels += batchLabels
        }
        return Dataset(name: "cifar10", images: images, labels: labels, channels: 3, height: 32, width: 32,
                       classNames: classNames, spanishClassNames: spanishClassNames)
    }

    /// One `.bin` file of records.
    public static func readBatch(_ url: URL) throws -> (images: [UInt8], labels: [UInt8]) {
        let bytes = try readMaybeGzip(url)
        guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
            let expected = (bytes.count / recordSize + 1) * recordSize
            throw DataError(.truncated(expectedBytes: expected, actualBytes: bytes.count), file: url.path)
        }
        let n = bytes.count / recordSize
        var images = [UInt8](), labels = [UInt8]()
        images.reserveCapacity(n * (recordSize - 1))
        labels.reserveCapacity(n)
        for r in 0..<n {
            let label = bytes[r * recordSize]
            guard label < 10 else {
                throw DataError(.labelOutOfRange(index: r, label: Int(label), classes: 10), file: url.path)
            }
            labels.append(label)
            images.append(contentsOf: bytes[(r * recordSize + 1)..<((r + 1) * recordSize)])
        }
        return (images, labels)
    }

    /// Encodes records in the binary format (for tests and examples).
    public static func encode(images: [UInt8], labels: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        for (i, label) in labels.enumerated() {
            out.append(label)
            out.append(contentsOf: images[(i * 3072)..<((i + 1) * 3072)])
        }
        return out
    }
}
