import CapasCore
import CapasData
import CapasMessages
import CapasModel
import Foundation

/// A dataset's training and test splits, found on disk, ready for batching.
public struct DataSets {
    public let name: String
    public let train: Dataset
    public let test: Dataset
    public var classCount: Int { train.classNames.count }

    /// Loads `fashion-mnist` or `cifar10` (looked up in `directory`, `$CAPAS_DATA`,
    /// the cache and the system folders), or whatever dataset a folder path holds.
    public static func load(_ nameOrPath: String, directory: String? = nil, limit: Int? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DataSets {
        if let dataset = DatasetName(word: nameOrPath) {
            let locator = DataLocator(explicit: directory, environment: environment)
            return try load(dataset, from: try locator.require(dataset), limit: limit)
        }
        // A folder names a dataset by what it holds itself, never by what the search path finds elsewhere.
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw UnknownDataset(argument: nameOrPath)
        }
        let base = URL(fileURLWithPath: nameOrPath)
        for dataset in DatasetName.allCases {
            if let folder = DataLocator.candidates(dataset, in: base).first(where: { DataLocator.isPresent(dataset, in: $0) }) {
                return try load(dataset, from: folder, limit: limit)
            }
        }
        throw UnknownDataset(argument: nameOrPath)
    }

    static func load(_ dataset: DatasetName, from folder: URL, limit: Int?) throws -> DataSets {
        var train = try dataset.load(.train, from: folder)
        if let limit, limit < train.count { train = train.subset(Array(0..<limit)) }
        return DataSets(name: dataset.rawValue, train: train, test: try dataset.load(.test, from: folder))
    }

    /// Only some classes, relabelled 0, 1, 2… in the order given; at most
    /// `perClass` training images of each (the test split keeps all of theirs).
    public func selecting(classes: [Int], perClass: Int? = nil) throws -> DataSets {
        DataSets(name: name, train: try train.selectingClasses(classes, perClass: perClass),
                 test: try test.selectingClasses(classes))
    }

    public init(name: String, train: Dataset, test: Dataset) {
        self.name = name; self.train = train; self.test = test
    }

    /// The model must take this dataset's images and give one score per class.
    public func check(against analysis: ModelAnalysis) throws {
        let images = FeatureShape.image(height: train.height, width: train.width, channels: train.channels)
        guard analysis.input == images else {
            throw Mismatch(dataset: name, what: .input(model: analysis.input, data: images))
        }
        guard analysis.output == .vector(classCount) else {
            throw Mismatch(dataset: name, what: .output(model: analysis.output, classes: classCount))
        }
    }

    /// Batches of one split; pixels become x/255 per batch (the data stays as bytes).
    public func loader(_ split: Split, batchSize: Int, seed: UInt64, augment: Bool) -> Loader {
        Loader(dataset: split == .train ? train : test, batchSize: batchSize, shuffle: split == .train, seed: seed,
               normalization: .unit, augmentation: augment ? .flipAndShift : .none)
    }

    public struct UnknownDataset: LocalizedMessage {
        let argument: String
        public func message(in L: Language) -> String {
            L.pick(es: "no conozco el conjunto de datos `\(argument)`: use fashion-mnist, cifar10 o una carpeta que los contenga",
                   en: "unknown dataset `\(argument)`: use fashion-mnist, cifar10 or a folder that holds one")
        }
    }

    public struct Mismatch: LocalizedMessage {
        enum What { case input(model: FeatureShape, data: FeatureShape), output(model: FeatureShape, classes: Int) }
        let dataset: String
        let what: What
        public func message(in L: Language) -> String {
            switch what {
            case let .input(model, data):
                return L.pick(es: "el modelo recibe \(model) pero las imágenes de \(dataset) son \(data): cambia la línea `input`",
                              en: "the model takes \(model) but \(dataset) images are \(data): change the `input` line")
            case let .output(model, classes):
                return L.pick(es: "el modelo termina en \(model) pero \(dataset) tiene \(classes) clases: la última capa debe ser `dense \(classes)`",
                              en: "the model ends in \(model) but \(dataset) has \(classes) classes: the last layer should be `dense \(classes)`")
            }
        }
    }
}

extension Loader {
    /// Batches of one epoch as training batches.
    public func batches(epoch: Int) -> AnySequence<LabeledBatch> {
        AnySequence(self.epoch(epoch).lazy.map { LabeledBatch(images: $0.images, labels: $0.labels) })
    }
}
