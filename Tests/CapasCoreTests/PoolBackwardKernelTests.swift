@testable import CapasCore
import XCTest

/// The gradient of 2×2, stride-2 max pooling in AVX2 (`capas_maxpool2_backward`)
/// against the Swift loop that zeroes the input gradient and adds at the
/// winners: the same bits on even and odd sides (the row and column the
/// windows leave out must be zero), plane counts that split unevenly between
/// workers, widths ending inside a vector, a pooling fused into a convolution
/// (the relu's mask), and gradients holding −0, NaN and ∞.
final class PoolBackwardKernelTests: XCTestCase {

    func gradients(_ pool: Pool2D, _ x: Tensor, _ dy: Tensor, kernel: Bool) -> [Float] {
        let saved = BLAS.smallKernelEnabled
        BLAS.smallKernelEnabled = kernel
        defer { BLAS.smallKernelEnabled = saved }
        _ = pool.forward(x, mode: .training)
        return pool.backward(dy).data
    }

    func testTheSameBitsAsTheSwiftLoop() throws {
        try XCTSkipUnless(BLAS.smallKernelEnabled, "this processor has no AVX2: the Swift loop runs alone")
        for (i, (n, c, h, w)) in [(2, 3, 8, 8), (3, 5, 9, 7), (1, 7, 33, 35), (4, 2, 2, 18), (2, 1, 5, 3)].enumerated() {
            var gen = SeededGenerator(seed: UInt64(60 + i))
            let x = gen.normalTensor([n, c, h, w])
            var dy = gen.normalTensor([n, c, h / 2, w / 2])
            dy.data[0] = -0.0
            if dy.count > 3 { dy.data[1] = .nan; dy.data[2] = .infinity }
            let pool = Pool2D(PoolingConfig(kind: .max, kernel: Size2D(2, 2)))
            let fast = gradients(pool, x, dy, kernel: true), plain = gradients(pool, x, dy, kernel: false)
            XCTAssertEqual(fast.count, plain.count)
            let differ = zip(fast, plain).enumerated().first { $0.element.0.bitPattern != $0.element.1.bitPattern }
            XCTAssertNil(differ, "case \(i) [\(n), \(c), \(h), \(w)]: element \(differ?.offset ?? -1)")
            XCTAssertEqual(fast.filter { $0 != 0 || $0.isNaN }.count, dy.data.filter { $0 != 0 || $0.isNaN }.count,
                           "case \(i): one element per window gets the gradient")
        }
    }

    func testFusedIntoAConvolution() throws {
        // The relu's mask comes from the pooled values (`rectifiedOutput`): a network conv → relu → pool.
        try XCTSkipUnless(BLAS.smallKernelEnabled, "this processor has no AVX2: the Swift loop runs alone")
        func run(kernel: Bool) throws -> [Float] {
            let saved = BLAS.smallKernelEnabled
            defer { BLAS.smallKernelEnabled = saved }
            var gen = SeededGenerator(seed: 70)
            let conv = Conv2D(ConvolutionConfig(inChannels: 3, outChannels: 6, kernel: Size2D(3, 3)), generator: &gen)
            conv.algorithm = .im2col
            let net = Network(inputShape: .image(height: 11, width: 11, channels: 3), nodes: [
                .init(name: "0", layer: conv, inputs: [-1]),
                .init(name: "1", layer: Activation(.relu), inputs: [0]),
                .init(name: "2", layer: Pool2D(PoolingConfig(kind: .max, kernel: Size2D(2, 2))), inputs: [1]),
            ])
            let x = gen.normalTensor([3, 3, 11, 11])
            let dy = gen.normalTensor([3, 6, 4, 4])
            _ = try net.forward(x, mode: .training)
            BLAS.smallKernelEnabled = kernel
            return (net.backward(dy)?.data ?? []) + conv.weight.grad.data
        }
        let fast = try run(kernel: true), plain = try run(kernel: false)
        XCTAssertFalse(fast.isEmpty)
        XCTAssertEqual(fast.map(\.bitPattern), plain.map(\.bitPattern))
    }
}
