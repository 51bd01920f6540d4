import CapasCore
import XCTest

/// The shortcuts taken for speed against the plain paths they replace:
/// cached vs recomputed im2col columns, skipped input gradients, and the
/// unpadded max-pooling loop against a loop written from the definition.
final class FastPathTests: XCTestCase {

    func testBackwardWithAndWithoutCachedColumnsAgree() {
        var gen = SeededGenerator(seed: 7)
        let config = ConvolutionConfig(inChannels: 3, outChannels: 4, kernel: Size2D(3, 3), padding: Padding2D(1, 1))
        let x = gen.normalTensor([5, 3, 9, 8]), dy = gen.normalTensor([5, 4, 9, 8])
        var results: [(Tensor, Tensor, Tensor)] = []
        let saved = Conv2D.columnCacheLimit
        defer { Conv2D.columnCacheLimit = saved }
        for limit in [Int.max, 0] {
            Conv2D.columnCacheLimit = limit
            var g = SeededGenerator(seed: 1)
            let conv = Conv2D(config, generator: &g)
            _ = conv.forward(x, mode: .training)
            // An evaluation pass in between must not disturb what backward uses.
            _ = conv.forward(gen.normalTensor([2, 3, 9, 8]), mode: .evaluation)
            let dx = conv.backward(dy)
            results.append((dx, conv.weight.grad, conv.bias!.grad))
        }
        XCTAssertEqual(results[0].0, results[1].0)
        XCTAssertEqual(results[0].1, results[1].1)
        XCTAssertEqual(results[0].2, results[1].2)
        XCTAssertGreaterThan(results[0].0.data.map(abs).max()!, 0)
    }

    func testSkippingInputGradientsKeepsParameterGradients() throws {
        func network() -> Network {
            var g = SeededGenerator(seed: 3)
            let conv = Conv2D(ConvolutionConfig(inChannels: 1, outChannels: 2, kernel: Size2D(3, 3)), generator: &g)
            let dense = Dense(DenseConfig(inFeatures: 2 * 4 * 4, outFeatures: 3), generator: &g)
            return Network(inputShape: .image(height: 6, width: 6, channels: 1), nodes: [
                .init(name: "0", layer: conv, inputs: [-1]),
                .init(name: "1", layer: Activation(.tanh), inputs: [0]),
                .init(name: "2", layer: Flatten(), inputs: [1]),
                .init(name: "3", layer: dense, inputs: [2]),
            ])
        }
        var gen = SeededGenerator(seed: 4)
        let x = gen.normalTensor([3, 1, 6, 6]), dy = gen.normalTensor([3, 3])
        let full = network(), skipping = network()
        skipping.skipUnneededInputGradients()
        XCTAssertTrue((skipping.nodes[0].layer as! Conv2D).skipsInputGradient)
        XCTAssertFalse((skipping.nodes[3].layer as! Dense).skipsInputGradient)
        for net in [full, skipping] {
            _ = try net.forward(x, mode: .training)
            net.backward(dy)
        }
        for (a, b) in zip(full.namedParameters, skipping.namedParameters) {
            XCTAssertEqual(a.parameter.grad, b.parameter.grad, a.name)
        }
    }

    /// Max pooling written from the definition: the first maximum wins; a NaN
    /// in the window wins over numbers, and a later NaN over an earlier one (PyTorch's rule).
    func definitionMaxPool(_ x: Tensor, kernel: Int, stride: Int) -> (Tensor, [Int]) {
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let ho = (h - kernel) / stride + 1, wo = (w - kernel) / stride + 1
        var y = Tensor(zeros: [x.shape[0], x.shape[1], ho, wo]), winners: [Int] = []
        for p in 0..<planes {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var best = -Float.infinity, bestIndex = (oy * stride) * w + ox * stride
                    for i in 0..<kernel {
                        for j in 0..<kernel {
                            let index = (oy * stride + i) * w + ox * stride + j
                            let v = x.data[p * h * w + index]
                            if v > best || v.isNaN { best = v; bestIndex = index }
                        }
                    }
                    y.data[(p * ho + oy) * wo + ox] = best
                    winners.append(p * h * w + bestIndex)
                }
            }
        }
        return (y, winners)
    }

    func testUnpaddedMaxPoolMatchesDefinitionWithTiesAndNaN() {
        var gen = SeededGenerator(seed: 11)
        // Rows of 34 and 37 are wide enough for the eight-lane 2×2 path, with a scalar tail.
        for shape in [[2, 3, 7, 8], [2, 2, 9, 37], [1, 3, 5, 34]] {
        for (kernel, step) in [(2, 2), (3, 2), (2, 1), (3, 3)] {
            // Small integers make ties common; a few NaN and ±∞ are sprinkled in.
            var x = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float(Int.random(in: 0...3, using: &gen)) })
            for i in stride(from: 5, to: x.count, by: 37) { x.data[i] = .nan }
            for i in stride(from: 11, to: x.count, by: 53) { x.data[i] = i % 2 == 0 ? .infinity : -.infinity }
            let pool = Pool2D(PoolingConfig(kind: .max, kernel: Size2D(square: kernel), stride: Size2D(square: step)))
            let y = pool.forward(x, mode: .training)
            let (expected, winners) = definitionMaxPool(x, kernel: kernel, stride: step)
            XCTAssertEqual(y.shape, expected.shape)
            for i in 0..<y.count {
                XCTAssertTrue(y.data[i] == expected.data[i] || (y.data[i].isNaN && expected.data[i].isNaN),
                              "kernel \(kernel) stride \(step) output \(i): \(y.data[i]) vs \(expected.data[i])")
            }
            // The gradient goes to the same winner the definition picks.
            let dx = pool.backward(Tensor(repeating: 1, shape: y.shape))
            var expectedDx = Tensor(zeros: x.shape)
            for index in winners { expectedDx.data[index] += 1 }
            XCTAssertEqual(dx, expectedDx, "kernel \(kernel) stride \(step) shape \(shape)")
        }
        }
    }
}

/// relu fused into the conv or dense layer before it (inside `Network.forward`)
/// against the same layers called one by one.
final class ReLUFusionTests: XCTestCase {
    func layers(seed: UInt64) -> [any Layer] {
        var g = SeededGenerator(seed: seed)
        return [Conv2D(ConvolutionConfig(inChannels: 2, outChannels: 5, kernel: Size2D(3, 3), padding: Padding2D(1, 1)),
                       generator: &g),
                Activation(.relu), Pool2D(PoolingConfig(kind: .max, kernel: Size2D(2, 2))), Flatten(),
                Dense(DenseConfig(inFeatures: 5 * 4 * 4, outFeatures: 37), generator: &g), Activation(.relu),
                Dense(DenseConfig(inFeatures: 37, outFeatures: 3), generator: &g)]
    }

    func testFusedNetworkMatchesLayersOneByOne() throws {
        let fusedLayers = layers(seed: 9), plainLayers = layers(seed: 9)
        let network = Network(inputShape: .image(height: 8, width: 8, channels: 2),
                              nodes: fusedLayers.enumerated().map { .init(name: "\($0)", layer: $1, inputs: [$0 - 1]) })
        var gen = SeededGenerator(seed: 10)
        let x = gen.normalTensor([6, 2, 8, 8]), dy = gen.normalTensor([6, 3])
        for mode in [Mode.evaluation, .training] {
            let fused = try network.forward(x, mode: mode)
            var plain = x
            for layer in plainLayers { plain = layer.forward([plain], mode: mode) }
            XCTAssertEqual(fused, plain, "\(mode)")
        }
        network.zeroGradients()
        network.backward(dy)
        var grad = dy
        for layer in plainLayers { layer.zeroGradients() }
        for layer in plainLayers.reversed() { grad = layer.backward(grad)[0] }
        for (a, b) in zip(fusedLayers, plainLayers) {
            for (p, q) in zip(a.parameters, b.parameters) { XCTAssertEqual(p.grad, q.grad, "\(a.kind).\(p.name)") }
        }
        // An output read before its relu is not rectified, and later passes fuse again.
        let convOut = try network.forward(x, mode: .evaluation, upTo: 0)
        XCTAssertEqual(convOut, plainLayers[0].forward([x], mode: .evaluation))
        XCTAssertTrue(convOut.data.contains { $0 < 0 })
        XCTAssertEqual(try network.forward(x, mode: .evaluation), try network.forward(x, mode: .evaluation))
    }
}
