@testable import CapasCore
import XCTest

/// conv → relu → maxpool with the pooling done inside the convolution
/// (`Network.poolingFusion`) against the same network with three separate
/// passes: the same numbers bit for bit, forward in training and evaluation,
/// and every gradient; on both convolution paths (im2col and Winograd), odd
/// sizes (the last row and column left out by floor pooling), 3×3 windows
/// with stride 2, and where the fusion must not happen.
/// (`fused` networks pool inside the convolution; `separate` ones run three passes.)
final class PoolFusionTests: XCTestCase {

    struct Case {
        let c, k, side, n: Int
        let kernel: Int, pad: Int
        let pool: Int, poolStride: Int
    }

    func network(_ t: Case, seed: UInt64, fused: Bool, readReLUTwice: Bool = false) -> Network {
        var gen = SeededGenerator(seed: seed)
        let conv = Conv2D(ConvolutionConfig(inChannels: t.c, outChannels: t.k, kernel: Size2D(t.kernel, t.kernel),
                                            padding: Padding2D(t.pad, t.pad)), generator: &gen)
        var dense = SeededGenerator(seed: seed + 1)
        let pool = Pool2D(PoolingConfig(kind: .max, kernel: Size2D(t.pool, t.pool), stride: Size2D(t.poolStride, t.poolStride)))
        var nodes: [Network.Node] = [
            .init(name: "0", layer: conv, inputs: [-1]),
            .init(name: "1", layer: Activation(.relu), inputs: [0]),
            .init(name: "2", layer: pool, inputs: [1]),
            .init(name: "3", layer: Flatten(), inputs: [2]),
        ]
        let side = t.side + 2 * t.pad - t.kernel + 1
        let pooled = (side - t.pool) / t.poolStride + 1
        var features = t.k * pooled * pooled
        if readReLUTwice {
            // A second reader of the relu's output: the pooling cannot take its place.
            nodes.append(.init(name: "4", layer: Flatten(), inputs: [1]))
            nodes.append(.init(name: "5", layer: Concat(), inputs: [3, 4]))
            features += t.k * side * side
        }
        nodes.append(.init(name: "\(nodes.count)", layer: Dense(DenseConfig(inFeatures: features, outFeatures: 5), generator: &dense),
                           inputs: [nodes.count - 1]))
        let net = Network(inputShape: .image(height: t.side, width: t.side, channels: t.c), nodes: nodes)
        net.poolingFusion = fused
        return net
    }

    func testFusedPoolingGivesTheSameNumbers() throws {
        let cases = [
            Case(c: 1, k: 32, side: 28, n: 5, kernel: 3, pad: 1, pool: 2, poolStride: 2),    // im2col, cnn-medium's first stage
            Case(c: 32, k: 64, side: 14, n: 9, kernel: 3, pad: 1, pool: 2, poolStride: 2),   // Winograd, its second
            Case(c: 16, k: 24, side: 15, n: 3, kernel: 3, pad: 1, pool: 2, poolStride: 2),   // odd: last row and column left out
            Case(c: 20, k: 16, side: 13, n: 4, kernel: 3, pad: 0, pool: 3, poolStride: 2),   // Winograd, 3×3 windows, stride 2
            Case(c: 3, k: 10, side: 28, n: 2, kernel: 5, pad: 0, pool: 2, poolStride: 2),    // LeNet's 5x5
            Case(c: 2, k: 7, side: 27, n: 3, kernel: 3, pad: 1, pool: 2, poolStride: 2),     // direct: odd side, 7 filters
            Case(c: 3, k: 5, side: 40, n: 2, kernel: 3, pad: 0, pool: 2, poolStride: 2),     // direct: 38 columns, three blocks
        ]
        for (i, t) in cases.enumerated() {
            var gen = SeededGenerator(seed: UInt64(200 + i))
            let x = gen.normalTensor([t.n, t.c, t.side, t.side])
            let fused = network(t, seed: UInt64(i), fused: true), separate = network(t, seed: UInt64(i), fused: false)
            let label = "case \(i): \(t)"
            for mode in [Mode.evaluation, .training] {
                let a = try fused.forward(x, mode: mode), b = try separate.forward(x, mode: mode)
                XCTAssertEqual(a.shape, b.shape, label)
                XCTAssertEqual(a.data, b.data, "\(label): \(mode) output")
            }
            XCTAssertTrue((fused.nodes[2].layer as! Pool2D).lastTrainingPassWasFused, "\(label): the convolution pooled")
            XCTAssertFalse((separate.nodes[2].layer as! Pool2D).lastTrainingPassWasFused, label)
            let dy = gen.normalTensor([t.n, 5])
            let dxFused = fused.backward(dy), dxSeparate = separate.backward(dy)
            XCTAssertEqual(dxFused?.data, dxSeparate?.data, "\(label): input gradient")
            for (p, q) in zip(fused.namedParameters, separate.namedParameters) {
                XCTAssertEqual(p.parameter.grad.data, q.parameter.grad.data, "\(label): \(p.name) gradient")
                XCTAssertTrue(p.parameter.grad.data.contains { $0 != 0 }, "\(label): \(p.name) gradient is not all zero")
            }
            // A second step: what the first pass left behind does not leak into it.
            fused.zeroGradients(); separate.zeroGradients()
            let x2 = gen.normalTensor([t.n + 1, t.c, t.side, t.side])
            XCTAssertEqual(try fused.forward(x2, mode: .training).data, try separate.forward(x2, mode: .training).data, label)
            let dy2 = gen.normalTensor([t.n + 1, 5])
            XCTAssertEqual(fused.backward(dy2)?.data, separate.backward(dy2)?.data, "\(label): second step")
        }
    }

    func testNoFusionWhenTheReLUHasAnotherReader() throws {
        let t = Case(c: 16, k: 16, side: 8, n: 2, kernel: 3, pad: 1, pool: 2, poolStride: 2)
        var gen = SeededGenerator(seed: 300)
        let x = gen.normalTensor([t.n, t.c, t.side, t.side])
        let a = network(t, seed: 7, fused: true, readReLUTwice: true), b = network(t, seed: 7, fused: false, readReLUTwice: true)
        XCTAssertEqual(try a.forward(x, mode: .training).data, try b.forward(x, mode: .training).data)
        XCTAssertFalse((a.nodes[2].layer as! Pool2D).lastTrainingPassWasFused, "a relu read twice is not pooled for")
        let dy = gen.normalTensor([t.n, 5])
        XCTAssertEqual(a.backward(dy)?.data, b.backward(dy)?.data)
    }

    func testUpToAPoolingNodeAndPastIt() throws {
        // `forward(upTo:)` stopping at the relu must give the unpooled relu output.
        let t = Case(c: 16, k: 16, side: 10, n: 2, kernel: 3, pad: 1, pool: 2, poolStride: 2)
        var gen = SeededGenerator(seed: 301)
        let x = gen.normalTensor([t.n, t.c, t.side, t.side])
        let net = network(t, seed: 8, fused: true)
        let relu = try net.forward(x, mode: .evaluation, upTo: 1)
        XCTAssertEqual(relu.shape, [t.n, t.k, t.side, t.side])
        let pooled = try net.forward(x, mode: .evaluation, upTo: 2)
        XCTAssertEqual(pooled.shape, [t.n, t.k, t.side / 2, t.side / 2])
        XCTAssertEqual(pooled.data, Pool2D(PoolingConfig(kind: .max, kernel: Size2D(2, 2))).forward(relu, mode: .evaluation).data)
    }
}
