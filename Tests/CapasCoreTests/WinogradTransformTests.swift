@testable import CapasCore
import XCTest

/// Winograd's transforms in C with AVX2 (`capas_winograd_input` and the
/// others) against the Swift loops they replace: a network conv → relu →
/// maxpool (or conv alone) run once with each, the same numbers bit for bit —
/// outputs in training and evaluation, the input gradient and every parameter
/// gradient — on sizes where a row of tiles ends inside a vector, odd output
/// sides, padding 0, 1 and 2, batches of one and several chunks, and pooling
/// inside the convolution (2×2, stride 2, and 3×3 with stride 2).
final class WinogradTransformTests: XCTestCase {

    struct Case {
        let c, k, side, n, pad: Int
        /// Pooling window (0: no pooling) and stride.
        let pool: Int, poolStride: Int
        var bias = true
    }

    func network(_ t: Case, seed: UInt64) -> Network {
        var gen = SeededGenerator(seed: seed)
        let conv = Conv2D(ConvolutionConfig(inChannels: t.c, outChannels: t.k, kernel: Size2D(3, 3),
                                            padding: Padding2D(t.pad, t.pad), bias: t.bias), generator: &gen)
        conv.algorithm = .winograd
        var nodes: [Network.Node] = [.init(name: "0", layer: conv, inputs: [-1])]
        var side = t.side + 2 * t.pad - 2
        if t.pool > 0 {
            nodes.append(.init(name: "1", layer: Activation(.relu), inputs: [0]))
            nodes.append(.init(name: "2", layer: Pool2D(PoolingConfig(kind: .max, kernel: Size2D(t.pool, t.pool),
                                                                      stride: Size2D(t.poolStride, t.poolStride))),
                               inputs: [1]))
            side = (side - t.pool) / t.poolStride + 1
        }
        nodes.append(.init(name: "\(nodes.count)", layer: Flatten(), inputs: [nodes.count - 1]))
        var dense = SeededGenerator(seed: seed + 1)
        nodes.append(.init(name: "\(nodes.count)",
                           layer: Dense(DenseConfig(inFeatures: t.k * side * side, outFeatures: 4), generator: &dense),
                           inputs: [nodes.count - 1]))
        return Network(inputShape: .image(height: t.side, width: t.side, channels: t.c), nodes: nodes)
    }

    struct Run: Equatable {
        var evaluation: [Float], training: [Float], dx: [Float]?, gradients: [[Float]]
    }

    func run(_ t: Case, seed: UInt64, vector: Bool) throws -> Run {
        let saved = Winograd.vectorTransformsEnabled
        Winograd.vectorTransformsEnabled = vector
        defer { Winograd.vectorTransformsEnabled = saved }
        var gen = SeededGenerator(seed: 1000 + seed)
        let x = gen.normalTensor([t.n, t.c, t.side, t.side])
        let net = network(t, seed: seed)
        let evaluation = try net.forward(x, mode: .evaluation).data
        let training = try net.forward(x, mode: .training).data
        let dx = net.backward(gen.normalTensor([t.n, 4]))?.data
        return Run(evaluation: evaluation, training: training, dx: dx,
                   gradients: net.namedParameters.map { $0.parameter.grad.data })
    }

    /// Where two arrays first differ in their bits (nil when they are the same).
    func difference(_ a: [Float], _ b: [Float]) -> String? {
        guard a.count == b.count else { return "\(a.count) values against \(b.count)" }
        guard let i = a.indices.first(where: { a[$0].bitPattern != b[$0].bitPattern }) else { return nil }
        return "element \(i): \(a[i]) against \(b[i])"
    }

    func testTheSameNumbersAsTheSwiftTransforms() throws {
        try XCTSkipUnless(BLAS.smallKernelEnabled, "this processor has no AVX2: the Swift transforms run alone")
        let cases = [
            Case(c: 32, k: 32, side: 32, n: 3, pad: 1, pool: 2, poolStride: 2),   // cnn-cifar's second layer
            Case(c: 32, k: 64, side: 14, n: 5, pad: 1, pool: 2, poolStride: 2),   // cnn-medium's: 7 tiles a row
            Case(c: 16, k: 24, side: 15, n: 2, pad: 1, pool: 2, poolStride: 2),   // odd side: the last row left out
            Case(c: 16, k: 16, side: 13, n: 2, pad: 0, pool: 3, poolStride: 2),   // 3×3 windows, pooled after the transform
            Case(c: 8, k: 5, side: 19, n: 2, pad: 2, pool: 0, poolStride: 0),     // no pooling, output wider than the input
            Case(c: 3, k: 7, side: 9, n: 1, pad: 0, pool: 0, poolStride: 0, bias: false),
            Case(c: 20, k: 18, side: 40, n: 2, pad: 1, pool: 0, poolStride: 0),   // 20 tiles a row: a full and a partial vector
        ]
        for (i, t) in cases.enumerated() {
            let vector = try run(t, seed: UInt64(i), vector: true)
            let swift = try run(t, seed: UInt64(i), vector: false)
            let label = "case \(i): \(t)"
            XCTAssertNil(difference(vector.evaluation, swift.evaluation), "\(label): evaluation output")
            XCTAssertNil(difference(vector.training, swift.training), "\(label): training output")
            XCTAssertNil(difference(vector.dx ?? [], swift.dx ?? []), "\(label): input gradient")
            XCTAssertEqual(vector.gradients.count, swift.gradients.count, label)
            for (p, q) in zip(vector.gradients, swift.gradients) {
                XCTAssertNil(difference(p, q), "\(label): parameter gradient")
            }
            XCTAssertTrue(vector.evaluation.allSatisfy(\.isFinite), label)
            XCTAssertTrue(vector.dx?.contains { $0 != 0 } ?? false, "\(label): the input gradient is not all zero")
        }
    }

    func testNaNAndInfinityTakeTheSameWay() throws {
        // relu turns NaN into 0 in both; without relu, NaN and ∞ pass through the sums alike.
        try XCTSkipUnless(BLAS.smallKernelEnabled, "this processor has no AVX2: the Swift transforms run alone")
        for t in [Case(c: 16, k: 16, side: 10, n: 2, pad: 1, pool: 2, poolStride: 2),
                  Case(c: 16, k: 16, side: 10, n: 2, pad: 1, pool: 0, poolStride: 0)] {
            func outputs(vector: Bool) throws -> [Float] {
                let saved = Winograd.vectorTransformsEnabled
                Winograd.vectorTransformsEnabled = vector
                defer { Winograd.vectorTransformsEnabled = saved }
                var gen = SeededGenerator(seed: 77)
                var x = gen.normalTensor([t.n, t.c, t.side, t.side])
                x.data[5] = .nan
                x.data[400] = .infinity
                x.data[900] = -.infinity
                let net = network(t, seed: 9)
                return try net.forward(x, mode: .evaluation, upTo: t.pool > 0 ? 2 : 0).data
            }
            let vector = try outputs(vector: true), swift = try outputs(vector: false)
            XCTAssertEqual(vector.count, swift.count)
            for (a, b) in zip(vector, swift) {
                XCTAssertTrue(a == b || (a.isNaN && b.isNaN), "\(a) vs \(b)")
            }
            XCTAssertTrue(vector.contains { !$0.isFinite } || t.pool > 0, "the non-finite inputs reached the output")
        }
    }
}
