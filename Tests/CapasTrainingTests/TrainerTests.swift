import CapasCheckpoint
import CapasCore
import CapasData
import CapasModel
@testable import CapasTraining
import Foundation
import XCTest

final class TrainerTests: XCTestCase {
    /// A learnable synthetic problem: the class is which quadrant of an 8×8 image is bright.
    func quadrants(_ n: Int, seed: UInt64) -> Dataset {
        var generator = SeededGenerator(seed: seed)
        var images = [UInt8](), labels = [UInt8]()
        for _ in 0..<n {
            let label = Int(generator.next() % 4)
            labels.append(UInt8(label))
            for y in 0..<8 {
                for x in 0..<8 {
                    let bright = (y < 4 ? 0 : 2) + (x < 4 ? 0 : 1) == label
                    images.append(UInt8(bright ? 150 + Int(generator.next() % 100) : Int(generator.next() % 60)))
                }
            }
        }
        return Dataset(name: "quadrants", images: images, labels: labels, channels: 1, height: 8, width: 8,
                       classNames: ["a", "b", "c", "d"])
    }

    let model = "input 8x8x1\nconv 4 3x3 pad=1 relu\nmaxpool 2\nbatchnorm\nflatten\ndropout 0.1\ndense 4"

    func train(seed: UInt64, threads: Int, epochs: Int = 2, optimizer: OptimizerKind = .adam) throws -> Trainer {
        Parallel.threads = threads
        defer { Parallel.threads = ProcessInfo.processInfo.activeProcessorCount }
        var options = TrainingOptions()
        options.seed = seed
        options.optimizer = optimizer
        options.epochs = epochs
        let trainer = try Trainer(analysis: try ModelAnalysis(text: model), options: options)
        let loader = Loader(dataset: quadrants(256, seed: 1), batchSize: 32, shuffle: true, seed: seed)
        try trainer.train(trainBatches: { loader.batches(epoch: $0) }, batchesPerEpoch: loader.batchCount,
                          evaluate: nil, observe: { _ in })
        return trainer
    }

    func weights(_ trainer: Trainer) -> [[Float]] { trainer.network.namedParameters.map(\.parameter.value.data) }

    func testSameSeedAndThreadsGiveIdenticalWeights() throws {
        for threads in [1, 2] {
            XCTAssertEqual(weights(try train(seed: 5, threads: threads)), weights(try train(seed: 5, threads: threads)),
                           "threads \(threads)")
        }
        XCTAssertNotEqual(weights(try train(seed: 5, threads: 2)), weights(try train(seed: 6, threads: 2)))
    }

    func testEveryOptimizerLearns() throws {
        for optimizer in OptimizerKind.allCases {
            let trainer = try train(seed: 0, threads: 2, epochs: 4, optimizer: optimizer)
            let first = trainer.history.first!.trainLoss, last = trainer.history.last!.trainLoss
            XCTAssertLessThan(last, first * 0.8, "\(optimizer): \(first) → \(last)")
        }
    }

    func testFirstLossOfFreshWeightsIsNearLn10() throws {
        let analysis = try ModelAnalysis(text: Presets.cnnLenet)
        let trainer = try Trainer(analysis: analysis, options: TrainingOptions())
        var generator = SeededGenerator(seed: 2)
        var x = Tensor(zeros: [64, 1, 28, 28])
        for i in 0..<x.count { x.data[i] = generator.nextUnitFloat() }
        let labels = (0..<64).map { $0 % 10 }
        let loss = Loss.crossEntropy(logits: try trainer.logits(x, mode: .evaluation), labels: labels).loss
        XCTAssertEqual(Double(loss), log(10), accuracy: 0.15)
    }

    func testDivergenceStopsWithAnExplanation() throws {
        var options = TrainingOptions()
        options.optimizer = .sgd
        options.learningRate = 1e30
        let trainer = try Trainer(analysis: try ModelAnalysis(text: model), options: options)
        let loader = Loader(dataset: quadrants(64, seed: 1), batchSize: 16, shuffle: true, seed: 0)
        XCTAssertThrowsError(try trainer.train(trainBatches: { loader.batches(epoch: $0) }, batchesPerEpoch: loader.batchCount,
                                               evaluate: nil, observe: { _ in })) { error in
            let e = error as? TrainingError
            XCTAssertNotNil(e)
            XCTAssertTrue(e?.message(in: .en).contains("learning rate") ?? false)
            XCTAssertTrue(e?.message(in: .es).contains("tasa de aprendizaje") ?? false)
        }
    }

    func testTrailingSoftmaxTrainsOnLogits() throws {
        var options = TrainingOptions()
        options.epochs = 10
        options.learningRate = 0.01
        let trainer = try Trainer(analysis: try ModelAnalysis(text: "input 8x8x1\nflatten\ndense 16 relu\ndense 4 softmax"), options: options)
        let loader = Loader(dataset: quadrants(256, seed: 3), batchSize: 32, shuffle: true, seed: 0)
        try trainer.train(trainBatches: { loader.batches(epoch: $0) }, batchesPerEpoch: loader.batchCount,
                          evaluate: nil, observe: { _ in })
        XCTAssertGreaterThan(trainer.history.last!.trainAccuracy, 0.9)
        // The network's own output is still probabilities.
        let batch = loader.makeBatch([0, 1])
        let p = try trainer.network.forward(batch.images, mode: .evaluation)
        XCTAssertEqual(p.data[0..<4].reduce(0, +), 1, accuracy: 1e-5)
    }

    func testCheckpointRoundTripGivesTheSameOutputs() throws {
        let trainer = try train(seed: 9, threads: 2)
        let checkpoint = CheckpointIO.checkpoint(of: trainer.network, metadata: ["capas_model": trainer.analysis.model.text])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("capas-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.write(checkpoint, to: url)
        let read = try Safetensors.read(from: url)
        let text = try CheckpointIO.modelText(in: read, source: url.path)
        let analysis = try ModelAnalysis(text: text)
        let network = try analysis.makeNetwork(seed: 123)
        try CheckpointIO.load(read, into: network)
        let batch = Loader(dataset: quadrants(8, seed: 4), batchSize: 8, shuffle: false, seed: 0).makeBatch(Array(0..<8))
        XCTAssertEqual(try network.forward(batch.images, mode: .evaluation), try trainer.network.forward(batch.images, mode: .evaluation))
        // Running statistics are saved too (PyTorch's names).
        XCTAssertNotNil(read.tensors["3.running_mean"])
        XCTAssertNotNil(read.tensors["3.num_batches_tracked"])
        // A checkpoint of another model is refused with the tensor's name.
        let other = try ModelAnalysis(text: "input 8x8x1\nconv 5 3x3 pad=1 relu\nmaxpool 2\nbatchnorm\nflatten\ndropout 0.1\ndense 4").makeNetwork(seed: 0)
        XCTAssertThrowsError(try CheckpointIO.load(read, into: other)) { error in
            let text = (error as? CheckpointError)?.message(in: .en) ?? ""
            XCTAssertTrue(text.contains("0.weight"), text)
        }
    }

    func testEvaluationCountsConfusions() {
        var evaluation = Evaluation(classes: 3)
        evaluation.record(predictions: [0, 1, 1, 2, 0], labels: [0, 1, 2, 2, 1])
        XCTAssertEqual(evaluation.confusion, [[1, 0, 0], [1, 1, 0], [0, 1, 1]])
        XCTAssertEqual(evaluation.accuracy, 0.6, accuracy: 1e-12)
        XCTAssertEqual(evaluation.perClassAccuracy.map { $0 ?? -1 }, [1, 0.5, 0.5])
    }
}
