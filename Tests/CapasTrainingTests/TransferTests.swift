import CapasCheckpoint
import CapasCore
import CapasData
import CapasModel
@testable import CapasTraining
import Foundation
import XCTest

/// Starting from another model's weights (whole, or layer by layer), replacing
/// the head, freezing layers, and picking classes of a dataset.
final class TransferTests: XCTestCase {

    /// The PyTorch-made checkpoint of CapasCheckpointTests (Fixtures/make_fixtures.py
    /// there): a state_dict saved by torch for the same architecture, with the model's
    /// input and eval-mode output.
    func torchFile(_ name: String) throws -> Checkpoint {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("CapasCheckpointTests/Fixtures").appendingPathComponent(name)
        return try Safetensors.read(from: url)
    }

    func testPyTorchStateDictLoadsWholeAndGivesPyTorchsOutput() throws {
        let state = try torchFile("torch_small_cnn.safetensors"), io = try torchFile("torch_small_cnn_io.safetensors")
        let analysis = try ModelAnalysis(text: io.metadata["capas_model"]!)
        let network = try analysis.makeNetwork(seed: 3)
        let report = CheckpointIO.transfer(state, into: network)
        XCTAssertTrue(report.isComplete)
        XCTAssertEqual(report.matched.count, network.namedParameters.count)
        XCTAssertEqual(report.unused.map(\.name), [])
        let y = try network.forward(io["input"]!, mode: .evaluation)
        let expected = io["output"]!
        XCTAssertEqual(y.shape, expected.shape)
        for (a, b) in zip(y.data, expected.data) { XCTAssertEqual(a, b, accuracy: 1e-4 + 1e-4 * abs(b)) }
    }

    /// A new head for 3 classes: the convolutions and batch norm load, the
    /// dense layer does not fit and keeps its fresh weights, both shapes named;
    /// the features in front of the head are PyTorch's.
    func testNewHeadLoadsTheBaseAndNamesWhatDidNotFit() throws {
        let state = try torchFile("torch_small_cnn.safetensors"), io = try torchFile("torch_small_cnn_io.safetensors")
        let text = io.metadata["capas_model"]!
        let whole = try ModelAnalysis(text: text).makeNetwork(seed: 0)
        CheckpointIO.transfer(state, into: whole)
        let replaced = try ModelAnalysis(try ModelText(parsing: text).replacingHead(with: "dense 3"))
        XCTAssertEqual(replaced.output, .vector(3))
        let network = try replaced.makeNetwork(seed: 0)
        let freshHead = network.namedParameters.last!.parameter.value
        let report = CheckpointIO.transfer(state, into: network)
        XCTAssertFalse(report.isComplete)
        XCTAssertEqual(report.mismatched.map(\.name), ["7.weight", "7.bias"])
        XCTAssertEqual(report.mismatched.first?.model, [3, 128])
        XCTAssertEqual(report.mismatched.first?.checkpoint, [10, 128])
        XCTAssertEqual(network.namedParameters.last!.parameter.value, freshHead, "a head that does not fit stays as it was")
        XCTAssertTrue(report.matched.map(\.name).contains("4.running_var"))
        let flatten = network.nodes.firstIndex { $0.layer is Flatten }!
        let input = io["input"]!
        XCTAssertEqual(try network.forward(input, mode: .evaluation, upTo: flatten).data,
                       try whole.forward(input, mode: .evaluation, upTo: flatten).data)
        let message = report.message(in: .en, source: "torch.safetensors", describe: replaced.describe(layer:))
        XCTAssertTrue(message.contains("7.weight is [3, 128] in the model and [10, 128] in the file"), message)
        XCTAssertTrue(message.contains("0 conv 4 3x3 pad=1"), message)
        let spanish = report.message(in: .es, source: "torch.safetensors")
        XCTAssertTrue(spanish.contains("no encaja: 7.weight es [3, 128] en el modelo y [10, 128] en el archivo"), spanish)
    }

    func testTensorsOfAnotherModelAreNotLoadedAndAreListedUnused() throws {
        let network = try ModelAnalysis(text: "input 4\ndense 3").makeNetwork(seed: 0)
        let before = network.namedParameters.map(\.parameter.value)
        let other = Checkpoint(tensors: ["features.0.weight": Tensor(zeros: [2, 2])], order: ["features.0.weight"])
        let report = CheckpointIO.transfer(other, into: network)
        XCTAssertEqual(report.matched.count, 0)
        XCTAssertEqual(report.new.map(\.name), ["0.weight", "0.bias"])
        XCTAssertEqual(report.unused.map(\.name), ["features.0.weight"])
        XCTAssertEqual(network.namedParameters.map(\.parameter.value), before)
        // DataParallel's `module.` prefix is ignored.
        let wrapped = Checkpoint(tensors: ["module.0.weight": Tensor(repeating: 1, shape: [3, 4])], order: ["module.0.weight"])
        XCTAssertEqual(CheckpointIO.transfer(wrapped, into: network).matched.map(\.name), ["0.weight"])
        XCTAssertEqual(network.namedParameters[0].parameter.value.data, [Float](repeating: 1, count: 12))
    }

    /// A replaced head with the old head's shape still starts afresh.
    func testAReplacedHeadOfTheSameShapeIsNotLoaded() throws {
        let base = try ModelAnalysis(text: "input 4\ndense 6 relu\ndense 3")
        let trained = try base.makeNetwork(seed: 1)
        let replaced = try ModelAnalysis(base.model.replacingHead(with: "dense 3"))
        let head = try ModelText(parsing: "dense 3").topLevelNodeCount
        XCTAssertEqual(head, 1)
        XCTAssertEqual(try ModelText(parsing: "dense 8 relu\ndense 3").topLevelNodeCount, 3)
        let network = try replaced.makeNetwork(seed: 2)
        let report = CheckpointIO.transfer(CheckpointIO.checkpoint(of: trained, metadata: [:]), into: network,
                                           fresh: { replaced.isInLast(head, name: $0) })
        XCTAssertEqual(report.matched.map(\.name), ["0.weight", "0.bias"])
        XCTAssertEqual(report.new.map(\.name), ["2.weight", "2.bias"])
        XCTAssertEqual(report.unused.map(\.name), ["2.weight", "2.bias"])
    }

    func testReplacingTheHead() throws {
        let model = try ModelText(parsing: "input 8x8x1\nconv 4 3x3 relu\nflatten\ndense 32 relu\ndropout 0.5\ndense 10\nsoftmax")
        XCTAssertEqual(try model.replacingHead(with: "dense 5").text,
                       "input 8x8x1\nconv 4 3x3 relu\nflatten\ndense 32 relu\ndropout 0.5\ndense 5\n")
        XCTAssertEqual(try model.replacingHead(with: "dense 16 relu\ndense 5", dropping: 4).text,
                       "input 8x8x1\nconv 4 3x3 relu\nflatten\ndense 16 relu\ndense 5\n")
        XCTAssertThrowsError(try model.replacingHead(with: "dense 5", dropping: 6)) { error in
            XCTAssertEqual((error as? HeadError)?.problem, .dropTooMany(asked: 6, lines: 6))
        }
        XCTAssertThrowsError(try model.replacingHead(with: "  "))
        XCTAssertThrowsError(try model.replacingHead(with: "input 3")) { XCTAssertTrue($0 is ModelError) }
    }

    func testLayerSelections() throws {
        XCTAssertEqual(try LayerSelection("0-3", count: 8).indices, [0, 1, 2, 3])
        XCTAssertEqual(try LayerSelection("5, 0-1,1", count: 8).indices, [5, 0, 1])
        XCTAssertEqual(try LayerSelection("6-", count: 8).indices, [6, 7])
        for bad in ["", "a", "3-1", "0-8", "-2", "1-x"] {
            XCTAssertThrowsError(try LayerSelection(bad, count: 8), bad) { error in
                XCTAssertFalse((error as! LayerSelection.SelectionError).message(in: .es).isEmpty)
            }
        }
        XCTAssertThrowsError(try LayerSelection("0-9", count: 8)) { error in
            let message = (error as! LayerSelection.SelectionError).message(in: .en)
            XCTAssertTrue(message.contains("0 to 7"), message)
        }
        // Blocks: a top-level number covers the layers inside it.
        let analysis = try ModelAnalysis(text: "input 8x8x2\nconv 2 3x3 pad=1\nresidual {\n conv 2 3x3 pad=1\n batchnorm\n}\nflatten\ndense 3")
        let network = try analysis.makeNetwork(seed: 0)
        let nodes = try LayerSelection("1", count: analysis.topLevelCount).nodes(of: network)
        XCTAssertEqual(nodes.map { network.nodes[$0].name }.filter { $0.hasPrefix("1.") }.count, 2)
        XCTAssertFalse(nodes.contains(0))
    }

    func testSelectingClassesRelabelsAndLimitsImagesPerClass() throws {
        let labels: [UInt8] = [0, 1, 2, 3, 4, 2, 4, 4, 1, 3]
        let data = Dataset(name: "toy", images: labels.map { $0 * 10 }, labels: labels, channels: 1, height: 1, width: 1,
                           classNames: ["a", "b", "c", "d", "e"])
        let picked = try data.selectingClasses([4, 2], perClass: 2)
        XCTAssertEqual(picked.labels, [1, 0, 1, 0])          // c e c e: the first two of each, in file order
        XCTAssertEqual(picked.images, [20, 40, 20, 40])
        XCTAssertEqual(picked.classNames, ["e", "c"])
        XCTAssertEqual(try data.selectingClasses([3]).count, 2)
        XCTAssertThrowsError(try data.selectingClasses([5])) {
            XCTAssertEqual(($0 as? ClassSelectionError)?.message(in: .en), "toy has no class 5: its classes are 0 to 4")
        }
        XCTAssertThrowsError(try data.selectingClasses([1, 1]))
        XCTAssertThrowsError(try data.selectingClasses([1], perClass: 0))
    }

    /// Which quadrant of an 8×8 image is bright (as in TrainerTests).
    func quadrants(_ n: Int) -> Dataset {
        var generator = SeededGenerator(seed: 3)
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

    /// Fine-tuning the head of a trained model: the frozen base keeps every
    /// weight and batch norm statistic, the head learns.
    func testTrainingWithAFrozenBaseChangesOnlyTheHead() throws {
        let text = "input 8x8x1\nconv 4 3x3 pad=1 relu\nbatchnorm\nmaxpool 2\nflatten\ndense 4"
        let analysis = try ModelAnalysis(text: text)
        let network = try analysis.makeNetwork(seed: 2)
        network.setFrozen(true, nodes: try LayerSelection("0-3", count: analysis.topLevelCount).nodes(of: network))
        let before = network.namedParameters.map { ($0.name, $0.parameter.value) }
        var options = TrainingOptions()
        options.epochs = 2
        let trainer = try Trainer(analysis: analysis, options: options, network: network)
        let loader = Loader(dataset: quadrants(128), batchSize: 32, shuffle: true, seed: 0)
        try trainer.train(trainBatches: { loader.batches(epoch: $0) }, batchesPerEpoch: loader.batchCount,
                          evaluate: nil, observe: { _ in })
        for ((name, old), (_, parameter)) in zip(before, network.namedParameters) {
            if name.hasPrefix("5.") {
                XCTAssertNotEqual(parameter.value, old, name)
            } else {
                XCTAssertEqual(parameter.value, old, name)
            }
        }
    }
}
