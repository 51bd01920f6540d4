import CapasMessages

/// Images and labels, kept as bytes (N×C×H×W, NCHW) and converted to Float per batch.
public struct Dataset: Sendable {
    public let name: String
    public let images: [UInt8]
    public let labels: [UInt8]
    public let channels: Int, height: Int, width: Int
    public let classNames: [String]
    let spanishClassNames: [String]

    public init(name: String, images: [UInt8], labels: [UInt8], channels: Int, height: Int, width: Int,
                classNames: [String], spanishClassNames: [String]? = nil) {
        precondition(images.count == labels.count * channels * height * width, "Dataset: sizes do not match")
        self.name = name; self.images = images; self.labels = labels
        self.channels = channels; self.height = height; self.width = width
        self.classNames = classNames
        self.spanishClassNames = spanishClassNames ?? classNames
    }

    public var count: Int { labels.count }
    /// Bytes per image.
    public var imageSize: Int { channels * height * width }

    public func classNames(in language: Language) -> [String] { language == .es ? spanishClassNames : classNames }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Dataset {
        var pixels = [UInt8]()
        pixels.reserveCapacity(indices.count * imageSize)
        for i in indices { pixels.append(contentsOf: images[(i * imageSize)..<((i + 1) * imageSize)]) }
        return Dataset(name: name, images: pixels, labels: indices.map { labels[$0] }, channels: channels, height: height,
                       width: width, classNames: classNames, spanishClassNames: spanishClassNames)
    }
}

public enum Split: String, Sendable { case train, test }

public enum DatasetName: String, CaseIterable, Sendable {
    case fashionMNIST = "fashion-mnist"
    case cifar10 = "cifar10"
}
