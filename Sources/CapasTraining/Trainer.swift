import CapasCore
import CapasMessages
import CapasModel
import Foundation

/// The settings of one training run (the flags of `capas train`).
public struct TrainingOptions: Sendable {
    public var epochs = 5
    public var batchSize = 64
    public var optimizer: OptimizerKind = .adam
    public var learningRate: Float?
    public var weightDecay: Float = 0
    public var seed: UInt64 = 0
    /// Clip the gradients to this joint L2 norm before each step (nil: never).
    public var clip: Float?
    public init() {}
}

/// One mini-batch: images [B, C, H, W] and class indices.
public struct LabeledBatch {
    public var images: Tensor
    public var labels: [Int]
    public init(images: Tensor, labels: [Int]) { self.images = images; self.labels = labels }
}

/// What one epoch produced.
public struct EpochRecord: Sendable, Codable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var testAccuracy: Double?
    public var seconds: Double
    public var imagesPerSecond: Double

    public init(epoch: Int, trainLoss: Double, trainAccuracy: Double, testAccuracy: Double?, seconds: Double,
                imagesPerSecond: Double) {
        self.epoch = epoch; self.trainLoss = trainLoss; self.trainAccuracy = trainAccuracy
        self.testAccuracy = testAccuracy; self.seconds = seconds; self.imagesPerSecond = imagesPerSecond
    }
}

public enum TrainingEvent {
    /// After each step: running means over the epoch so far (`loss`, `accuracy`) and the step's own batch.
    case batch(epoch: Int, batch: Int, of: Int, loss: Double, accuracy: Double, batchLoss: Double, batchAccuracy: Double)
    case epoch(EpochRecord)
}

public struct TrainingError: Error, LocalizedMessage {
    public enum Problem { case diverged(epoch: Int, batch: Int, learningRate: Float), interrupted }
    public let problem: Problem
    public init(problem: Problem) { self.problem = problem }

    public func message(in L: Language) -> String {
        switch problem {
        case let .diverged(epoch, batch, lr):
            return L.pick(
                es: "la pérdida se volvió NaN o infinita en la época \(epoch), lote \(batch): el entrenamiento divergió. "
                    + "¿La tasa de aprendizaje (\(lr)) es demasiado alta? Prueba con --lr \(lr / 10).",
                en: "the loss became NaN or infinite in epoch \(epoch), batch \(batch): training diverged. "
                    + "Is the learning rate (\(lr)) too high? Try --lr \(lr / 10).")
        case .interrupted:
            return L.pick(es: "entrenamiento interrumpido", en: "training interrupted")
        }
    }
}

/// Trains a network with cross-entropy on class labels.
public final class Trainer {
    public let analysis: ModelAnalysis
    public let network: Network
    public let options: TrainingOptions
    public let optimizer: Optimizer
    /// Index of the node whose output is used as logits: a trailing `softmax`
    /// is skipped while training (cross-entropy takes logits), as Keras does with from_logits.
    public private(set) var history: [EpochRecord] = []
    /// Set from another thread (Ctrl-C) to stop after the current batch.
    nonisolated(unsafe) public var stopRequested = false

    public init(analysis: ModelAnalysis, options: TrainingOptions, network: Network? = nil) throws {
        self.analysis = analysis
        self.options = options
        self.network = try network ?? analysis.makeNetwork(seed: options.seed)
        self.network.skipUnneededInputGradients()
        optimizer = Optimizer(options.optimizer, learningRate: options.learningRate, weightDecay: options.weightDecay)
    }

    /// True when the model ends in `softmax`: the trainer then uses the layer before it as logits.
    var endsInSoftmax: Bool {
        if case .softmax(logarithmic: false) = analysis.layers.last?.resolved { return true }
        return false
    }

    /// Logits for a batch (the output, or the input of a final softmax).
    public func logits(_ images: Tensor, mode: Mode) throws -> Tensor {
        if endsInSoftmax { return try network.forward(images, mode: mode, upTo: network.nodes.count - 2) }
        return try network.forward(images, mode: mode)
    }

    /// One optimisation step; returns the batch loss and the number of correct predictions.
    public func step(_ batch: LabeledBatch) throws -> (loss: Float, correct: Int) {
        let z = try logits(batch.images, mode: .training)
        let (loss, gradient) = Loss.crossEntropy(logits: z, labels: batch.labels)
        network.zeroGradients()
        if endsInSoftmax { network.backward(gradient, from: network.nodes.count - 2) } else { network.backward(gradient) }
        if let clip = options.clip { clipGradients(network.trainableParameters, maxNorm: clip) }
        optimizer.step(network.trainableParameters)
        let predictions = z.argmaxRows()
        return (loss, zip(predictions, batch.labels).filter { $0 == $1 }.count)
    }

    /// Runs `epochs` epochs. `trainBatches(epoch)` gives that epoch's batches
    /// (shuffled by the caller's seeded loader); `evaluate` gives test accuracy.
    public func train(epochs: Int? = nil,
                      trainBatches: (Int) -> AnySequence<LabeledBatch>,
                      batchesPerEpoch: Int,
                      evaluate: (() throws -> Double)?,
                      observe: (TrainingEvent) -> Void) throws {
        let total = epochs ?? options.epochs
        let firstEpoch = history.count + 1
        for epoch in firstEpoch..<(firstEpoch + total) {
            let start = Date()
            var lossSum = 0.0, correct = 0, seen = 0, index = 0
            for batch in trainBatches(epoch) {
                if stopRequested { throw TrainingError(problem: .interrupted) }
                index += 1
                let (loss, right) = try step(batch)
                guard loss.isFinite else {
                    throw TrainingError(problem: .diverged(epoch: epoch, batch: index, learningRate: optimizer.learningRate))
                }
                lossSum += Double(loss) * Double(batch.labels.count)
                correct += right
                seen += batch.labels.count
                observe(.batch(epoch: epoch, batch: index, of: batchesPerEpoch, loss: lossSum / Double(seen),
                               accuracy: Double(correct) / Double(seen), batchLoss: Double(loss),
                               batchAccuracy: Double(right) / Double(max(batch.labels.count, 1))))
            }
            let seconds = Date().timeIntervalSince(start)
            let testAccuracy = try evaluate?()
            let record = EpochRecord(epoch: epoch, trainLoss: lossSum / Double(max(seen, 1)),
                                     trainAccuracy: Double(correct) / Double(max(seen, 1)), testAccuracy: testAccuracy,
                                     seconds: seconds, imagesPerSecond: Double(seen) / max(seconds, 1e-9))
            history.append(record)
            observe(.epoch(record))
        }
    }
}
