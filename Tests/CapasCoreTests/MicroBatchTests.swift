@testable import CapasCore
import XCTest

/// Evaluation passes that run a network's convolutional beginning a few
/// samples at a time (`Network.microBatching`) against whole-batch passes:
/// the same numbers bit for bit, on a plain stack with a final batch smaller
/// than the others, on a residual block, and with batch norm and dropout;
/// and no micro-batches where the network does not start with convolutions
/// or where a later node reads inside the prefix.
final class MicroBatchTests: XCTestCase {

    func conv(_ c: Int, _ k: Int, seed: UInt64) -> Conv2D {
        var gen = SeededGenerator(seed: seed)
        return Conv2D(ConvolutionConfig(inChannels: c, outChannels: k, kernel: Size2D(3, 3), padding: Padding2D(1, 1)),
                      generator: &gen)
    }

    func dense(_ i: Int, _ o: Int, seed: UInt64) -> Dense {
        var gen = SeededGenerator(seed: seed)
        return Dense(DenseConfig(inFeatures: i, outFeatures: o), generator: &gen)
    }

    /// cnn-cifar's shape at 32×32: the prefix's largest output is 32 planes of 32×32 (128 KiB a sample).
    func stack() -> Network {
        let bn = BatchNorm(channels: 16)
        var gen = SeededGenerator(seed: 5)
        bn.runningMean.value = gen.normalTensor([16], scale: 0.1)
        return Network(inputShape: .image(height: 32, width: 32, channels: 3), nodes: [
            .init(name: "0", layer: conv(3, 32, seed: 1), inputs: [-1]),
            .init(name: "1", layer: Activation(.relu), inputs: [0]),
            .init(name: "2", layer: conv(32, 16, seed: 2), inputs: [1]),
            .init(name: "3", layer: bn, inputs: [2]),
            .init(name: "4", layer: Activation(.relu), inputs: [3]),
            .init(name: "5", layer: Pool2D(PoolingConfig(kind: .max, kernel: Size2D(2, 2))), inputs: [4]),
            .init(name: "6", layer: Dropout(probability: 0.5, seed: 1), inputs: [5]),
            .init(name: "7", layer: Flatten(), inputs: [6]),
            .init(name: "8", layer: dense(16 * 16 * 16, 10, seed: 3), inputs: [7]),
        ])
    }

    func residual() -> Network {
        Network(inputShape: .image(height: 32, width: 32, channels: 16), nodes: [
            .init(name: "0", layer: conv(16, 32, seed: 11), inputs: [-1]),
            .init(name: "1", layer: Activation(.relu), inputs: [0]),
            .init(name: "2", layer: conv(32, 32, seed: 12), inputs: [1]),
            .init(name: "3", layer: Add(), inputs: [2, 0]),
            .init(name: "4", layer: Activation(.relu), inputs: [3]),
            .init(name: "5", layer: Flatten(), inputs: [4]),
            .init(name: "6", layer: dense(32 * 32 * 32, 4, seed: 13), inputs: [5]),
        ])
    }

    func outputs(_ net: Network, _ x: Tensor, microBatching: Bool) throws -> [Float] {
        net.microBatching = microBatching
        // The first pass of a shape runs whole and sizes the micro-batches; the second uses them.
        _ = try net.forward(x, mode: .evaluation)
        return try net.forward(x, mode: .evaluation).data
    }

    func testTheSameNumbersAsWholeBatches() throws {
        for (name, net, channels) in [("stack", stack(), 3), ("residual", residual(), 16)] {
            let cut = try XCTUnwrap(net.convolutionalPrefix(through: net.nodes.count - 1), name)
            XCTAssertEqual(cut, net.nodes.count - 3, "\(name): the prefix ends before the flatten's reader")
            var gen = SeededGenerator(seed: 40)
            // 37 samples: micro-batches of 16, 16 and 5.
            let x = gen.normalTensor([37, channels, 32, 32])
            let micro = try outputs(net, x, microBatching: true)
            let whole = try outputs(net, x, microBatching: false)
            XCTAssertEqual(micro.count, whole.count, name)
            XCTAssertTrue(micro.allSatisfy(\.isFinite), name)
            if BLAS.smallKernelEnabled {
                // capas' own products and the direct convolution sum each output alone: bit for bit.
                XCTAssertEqual(micro, whole, "\(name): micro-batched evaluation differs")
            } else {
                assertClose(Tensor(micro), Tensor(whole), name)
            }
        }
    }

    func testWeightsChangedBetweenPassesAreUsed() throws {
        // Winograd's transformed weights are kept only within one pass.
        let net = residual()
        var gen = SeededGenerator(seed: 42)
        let x = gen.normalTensor([40, 16, 32, 32])
        net.microBatching = true
        _ = try net.forward(x, mode: .evaluation)
        let before = try net.forward(x, mode: .evaluation).data
        let conv = net.nodes[2].layer as! Conv2D
        XCTAssertFalse(conv.holdsTransformedWeights)
        XCTAssertNil(conv.heldTransformedWeights, "nothing kept after the pass")
        for i in conv.weight.value.data.indices { conv.weight.value.data[i] *= -0.5 }
        let micro = try net.forward(x, mode: .evaluation).data
        net.microBatching = false
        let whole = try net.forward(x, mode: .evaluation).data
        XCTAssertNotEqual(micro, before)
        if BLAS.smallKernelEnabled { XCTAssertEqual(micro, whole) } else { assertClose(Tensor(micro), Tensor(whole), "changed weights") }
    }

    func testMicroBatchesHappenOnlyWhereTheyShould() throws {
        let net = stack()
        var gen = SeededGenerator(seed: 41)
        let x = gen.normalTensor([40, 3, 32, 32])
        _ = try net.forward(x, mode: .evaluation)
        XCTAssertEqual(net.microBatchSize(forSampleShape: [3, 32, 32]), 16, "2 MiB of 128 KiB samples")
        // Dense layers first: no prefix. A node after the cut reading inside it: no prefix.
        let dense = Network(inputShape: .vector(8), nodes: [.init(name: "0", layer: self.dense(8, 4, seed: 1), inputs: [-1])])
        XCTAssertNil(dense.convolutionalPrefix(through: 0))
        let crossing = Network(inputShape: .image(height: 4, width: 4, channels: 1), nodes: [
            .init(name: "0", layer: conv(1, 2, seed: 1), inputs: [-1]),
            .init(name: "1", layer: Activation(.relu), inputs: [0]),
            .init(name: "2", layer: Flatten(), inputs: [1]),
            .init(name: "3", layer: Flatten(), inputs: [0]),
            .init(name: "4", layer: Concat(), inputs: [2, 3]),
        ])
        XCTAssertNil(crossing.convolutionalPrefix(through: 4), "node 3 reads node 0, before the cut")
    }
}
