import Foundation

/// Zalando's FashionMNIST: 60,000 training and 10,000 test images, 28×28 grey, 10 classes,
/// in the original IDX files (gzip-compressed or not).
public enum FashionMNIST {
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                                    "Bag", "Ankle boot"]
    public static let spanishClassNames = ["Camiseta/top", "Pantalón", "Suéter", "Vestido", "Abrigo", "Sandalia", "Camisa",
                                           "Zapatilla", "Bolso", "Botín"]

    /// The images and labels files of a split, without the optional `.gz`.
    public static func fileNames(_ split: Split) -> (images: String, labels: String) {
        switch split {
        case .train: return ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
        case .test: return ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
        }
    }

    /// The four files' base names.
    static var allFileNames: [String] {
        [Split.train, .test].flatMap { split -> [String] in let names = fileNames(split); return [names.images, names.labels] }
    }

    /// The file in `directory`, gzipped or not (`.gz` preferred), or nil when neither exists.
    static func file(_ base: String, in directory: URL) -> URL? {
        [base + ".gz", base].map { directory.appendingPathComponent($0) }.first(where: FileIO.exists)
    }

    /// True when all four files are in `directory`.
    static func isPresent(in directory: URL) -> Bool {
        allFileNames.allSatisfy { file($0, in: directory) != nil }
    }

    /// Loads one split from `directory` (which holds the four files directly).
    public static func load(split: Split, from directory: URL) throws -> Dataset {
        let names = fileNames(split)
        func locate(_ base: String) throws -> URL {
            guard let url = file(base, in: directory) else {
                throw DataError(.missing, file: directory.appendingPathComponent(base).path + "(.gz)")
            }
            return url
        }
        let imagesURL = try locate(names.images), labelsURL = try locate(names.labels)
        let images = try IDX.readImages(imagesURL)
        let labels = try IDX.readLabels(labelsURL)
        guard labels.count == images.count else {
            throw DataError(.countMismatch(images: images.count, labels: labels.count, imagesFile: imagesURL.path),
                            file: labelsURL.path)
        }
        if let bad = labels.firstIndex(where: { Int($0) >= classNames.count }) {
            throw DataError(.labelOutOfRange(index: bad, label: Int(labels[bad]), classes: classNames.count), file: labelsURL.path)
        }
        return Dataset(name: DatasetName.fashionMNIST.rawValue, images: images.pixels, labels: labels, channels: 1,
                       height: images.rows, width: images.columns, classNames: classNames,
                       spanishClassNames: spanishClassNames)
    }
}
