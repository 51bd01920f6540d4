@testable import CapasCore
import XCTest

/// The direct convolution of first layers (one to four input channels, stride
/// 1: `capas_direct_conv`) against the definition, with and without bias and
/// relu, every kernel size up to 7, asymmetric padding, and output widths
/// that end inside a block of sixteen; and a network evaluated with it
/// (relu and pooling fused) against the same network on im2col.
final class DirectConvolutionTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(BLAS.smallKernelEnabled, "this processor has no AVX2 and FMA: no direct convolution")
    }

    func testForwardMatchesDefinition() {
        var gen = SeededGenerator(seed: 400)
        var widths = Set<Int>()
        for i in 0..<60 {
            func pick(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &gen) }
            let kh = pick(1...7), kw = pick(1...7)
            let padding = Padding2D(top: pick(0...kh / 2 + 1), bottom: pick(0...2), left: pick(0...kw / 2 + 1), right: pick(0...2))
            let config = ConvolutionConfig(inChannels: pick(1...4), outChannels: pick(1...13), kernel: Size2D(kh, kw),
                                           padding: padding, bias: pick(0...1) == 1)
            let h = max(1, kh - padding.top - padding.bottom) + pick(0...12)
            let w = max(1, kw - padding.left - padding.right) + pick(0...40)
            var weights = SeededGenerator(seed: UInt64(i))
            let conv = Conv2D(config, generator: &weights)
            let x = gen.normalTensor([pick(1...3), config.inChannels, h, w])
            let g = conv.geometry(for: x.shape)
            XCTAssertTrue(conv.usesDirect(g), "case \(i)")
            let y = conv.forward(x, mode: .evaluation)
            let expected = conv.referenceForward(x)
            XCTAssertEqual(y.shape, expected.shape, "case \(i): \(config) input \(x.shape)")
            assertClose(y, expected, "case \(i): \(config) input \(x.shape)")
            widths.insert(y.shape[3] % 16)
            // With relu fused: max(0, ·) of the same numbers.
            conv.fusesReLU = true
            let rectified = conv.forward(x, mode: .evaluation)
            conv.fusesReLU = false
            XCTAssertEqual(rectified.data, y.data.map { $0 > 0 ? $0 : 0 }, "case \(i): relu")
        }
        XCTAssertGreaterThan(widths.count, 8, "output widths end at many places in a block of sixteen")
    }

    func testNotChosenWhereItDoesNotApply() {
        var weights = SeededGenerator(seed: 1)
        let strided = Conv2D(ConvolutionConfig(inChannels: 3, outChannels: 8, kernel: Size2D(3, 3), stride: Size2D(2, 2)),
                             generator: &weights)
        XCTAssertFalse(strided.usesDirect(strided.geometry(for: [1, 3, 9, 9])))
        let wide = Conv2D(ConvolutionConfig(inChannels: 5, outChannels: 8, kernel: Size2D(3, 3)), generator: &weights)
        XCTAssertFalse(wide.usesDirect(wide.geometry(for: [1, 5, 9, 9])))
        let forced = Conv2D(ConvolutionConfig(inChannels: 1, outChannels: 8, kernel: Size2D(3, 3)), generator: &weights)
        forced.algorithm = .im2col
        XCTAssertFalse(forced.usesDirect(forced.geometry(for: [1, 1, 9, 9])))
    }

    func testNetworkMatchesIm2col() throws {
        // conv → relu → maxpool → flatten → dense, as the course's first layers.
        var gen = SeededGenerator(seed: 401)
        func network(_ algorithm: ConvolutionAlgorithm) -> Network {
            var weights = SeededGenerator(seed: 9)
            let conv = Conv2D(ConvolutionConfig(inChannels: 1, outChannels: 6, kernel: Size2D(3, 3), padding: Padding2D(1, 1)),
                              generator: &weights)
            conv.algorithm = algorithm
            return Network(inputShape: .image(height: 12, width: 12, channels: 1), nodes: [
                .init(name: "0", layer: conv, inputs: [-1]),
                .init(name: "1", layer: Activation(.relu), inputs: [0]),
                .init(name: "2", layer: Pool2D(PoolingConfig(kind: .max, kernel: Size2D(2, 2))), inputs: [1]),
                .init(name: "3", layer: Flatten(), inputs: [2]),
                .init(name: "4", layer: Dense(DenseConfig(inFeatures: 6 * 36, outFeatures: 4), generator: &weights), inputs: [3]),
            ])
        }
        let x = gen.normalTensor([5, 1, 12, 12])
        assertClose(try network(.automatic).forward(x, mode: .evaluation), try network(.im2col).forward(x, mode: .evaluation), "network output")
    }
}
