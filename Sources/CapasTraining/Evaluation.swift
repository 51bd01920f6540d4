import CapasCore

/// Accuracy, per-class accuracy and the confusion matrix of a classifier.
public struct Evaluation: Sendable, Codable {
    public let classes: Int
    /// confusion[true][predicted]
    public private(set) var confusion: [[Int]]

    public init(classes: Int) {
        self.classes = classes
        confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
    }

    public mutating func record(predictions: [Int], labels: [Int]) {
        for (p, t) in zip(predictions, labels) where t >= 0 && t < classes && p >= 0 && p < classes {
            confusion[t][p] += 1
        }
    }

    public var total: Int { confusion.reduce(0) { $0 + $1.reduce(0, +) } }
    public var correct: Int { (0..<classes).reduce(0) { $0 + confusion[$1][$1] } }
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Fraction of each class's samples predicted correctly (nil for a class with no samples).
    public var perClassAccuracy: [Double?] {
        (0..<classes).map { c in
            let n = confusion[c].reduce(0, +)
            return n == 0 ? nil : Double(confusion[c][c]) / Double(n)
        }
    }

    /// Evaluates a network on batches in evaluation mode.
    public static func run(_ logits: (Tensor) throws -> Tensor, classes: Int, batches: AnySequence<LabeledBatch>) rethrows -> Evaluation {
        var evaluation = Evaluation(classes: classes)
        for batch in batches {
            let z = try logits(batch.images)
            evaluation.record(predictions: z.argmaxRows(), labels: batch.labels)
        }
        return evaluation
    }
}

extension Trainer {
    /// Accuracy, per-class accuracy and confusion matrix over the whole test
    /// set of `sets`, in evaluation mode (dropout off, batch norm's running statistics).
    public func evaluateTestSet(of sets: DataSets) throws -> Evaluation {
        try Evaluation.run({ try logits($0, mode: .evaluation) }, classes: sets.classCount,
                           batches: sets.loader(.test, batchSize: 256, seed: 0, augment: false).batches(epoch: 0))
    }
}
