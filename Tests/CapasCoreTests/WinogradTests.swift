import CapasCore
import XCTest

/// Winograd F(2×2, 3×3) against the definition (`referenceForward`) and
/// against the im2col path's backward (itself held to a loop-by-loop backward
/// and to PyTorch): partial tiles, every padding, recomputed transforms,
/// fused relu, thread counts, and when `.automatic` chooses it.
class WinogradTests: XCTestCase {

    func layer(_ config: ConvolutionConfig, seed: UInt64, algorithm: ConvolutionAlgorithm) -> Conv2D {
        var gen = SeededGenerator(seed: seed)
        let conv = Conv2D(config, generator: &gen)
        conv.algorithm = algorithm
        return conv
    }

    /// A 3x3 stride-1 configuration with random channels, padding and size.
    func randomCase(_ gen: inout SeededGenerator) -> (ConvolutionConfig, [Int]) {
        func pick(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &gen) }
        let padding = Padding2D(top: pick(0...2), bottom: pick(0...2), left: pick(0...2), right: pick(0...2))
        let config = ConvolutionConfig(inChannels: pick(1...20), outChannels: pick(1...20), kernel: Size2D(3, 3),
                                       padding: padding, bias: pick(0...1) == 1)
        // At least one output row and column; widths past one vector of tiles (16 columns) too.
        let h = max(1, 3 - padding.top - padding.bottom) + pick(0...9)
        let w = max(1, 3 - padding.left - padding.right) + pick(0...21)
        return (config, [pick(1...5), config.inChannels, h, w])
    }

    func testForwardMatchesDefinition() throws {
        var gen = SeededGenerator(seed: 90)
        var widths = Set<Int>()
        for i in 0..<60 {
            let (config, shape) = randomCase(&gen)
            let conv = layer(config, seed: UInt64(i), algorithm: .winograd)
            XCTAssertTrue(conv.usesWinograd(forInputShape: shape))
            let x = gen.normalTensor(shape)
            let y = conv.forward(x, mode: i.isMultiple(of: 2) ? .training : .evaluation)
            let expected = try config.outputShape(for: FeatureShape(dims: Array(shape.dropFirst()))).batched(shape[0])
            XCTAssertEqual(y.shape, expected, "case \(i): \(config) input \(shape)")
            assertClose(y, conv.referenceForward(x), "case \(i): \(config) input \(shape)")
            widths.insert(y.shape[3] % 16)
        }
        XCTAssertGreaterThan(widths.count, 8, "output widths cover partial and whole vectors of tiles")
    }

    /// The weight gradient in Double, Σ dy[n, k, oy, ox]·x[n, c, oy − pt + i, ox − pl + j],
    /// and the sum of the terms' magnitudes, which bounds float32 rounding.
    func exactWeightGradient(_ x: Tensor, _ dy: Tensor, _ config: ConvolutionConfig) -> (value: [Double], mass: [Double]) {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (k, ho, wo) = (dy.shape[1], dy.shape[2], dy.shape[3])
        var value = [Double](repeating: 0, count: k * c * 9), mass = value
        x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
                for o in 0..<k {
                    for ch in 0..<c {
                        for i in 0..<3 {
                            for j in 0..<3 {
                                var sum = 0.0, magnitude = 0.0
                                for s in 0..<n {
                                    for oy in 0..<ho {
                                        let iy = oy - config.padding.top + i
                                        guard iy >= 0 && iy < h else { continue }
                                        for ox in 0..<wo {
                                            let ix = ox - config.padding.left + j
                                            guard ix >= 0 && ix < w else { continue }
                                            let term = Double(dyp[((s * k + o) * ho + oy) * wo + ox])
                                                * Double(xp[((s * c + ch) * h + iy) * w + ix])
                                            sum += term
                                            magnitude += abs(term)
                                        }
                                    }
                                }
                                value[((o * c + ch) * 3 + i) * 3 + j] = sum
                                mass[((o * c + ch) * 3 + i) * 3 + j] = magnitude
                            }
                        }
                    }
                }
            }
        }
        return (value, mass)
    }

    /// dX and db of Winograd against im2col with the same weights; dW against
    /// its exact value, within 10⁻⁶ of the magnitude of the terms summed for
    /// its kernel (about 16 float32 roundings of it; both paths must meet it).
    /// The kernel's nine taps, not the one entry: Winograd computes them together
    /// (dw = Gᵀ dU G), so a tap that never meets the input gets the rounding of
    /// its neighbours' sums, not an exact zero. The transformed input is kept
    /// from forward, or recomputed in backward.
    func testBackwardMatchesIm2colAndExactWeightGradient() {
        var gen = SeededGenerator(seed: 91)
        let saved = Conv2D.columnCacheLimit
        defer { Conv2D.columnCacheLimit = saved }
        for i in 0..<40 {
            let (config, shape) = randomCase(&gen)
            Conv2D.columnCacheLimit = i.isMultiple(of: 3) ? 0 : saved
            let fast = layer(config, seed: UInt64(i), algorithm: .winograd)
            let plain = layer(config, seed: UInt64(i), algorithm: .im2col)
            let x = gen.normalTensor(shape)
            let y = fast.forward(x, mode: .training)
            _ = plain.forward(x, mode: .training)
            // An evaluation pass in between must not disturb what backward uses.
            _ = fast.forward(gen.normalTensor(shape), mode: .evaluation)
            let dy = gen.normalTensor(y.shape)
            let label = "case \(i): \(config) input \(shape)"
            assertClose(fast.backward(dy), plain.backward(dy), "\(label): dX")
            if let b = fast.bias, let reference = plain.bias { assertClose(b.grad, reference.grad, "\(label): db") }
            var exact = exactWeightGradient(x, dy, config)
            for kernel in stride(from: 0, to: exact.mass.count, by: 9) {
                let largest = exact.mass[kernel..<kernel + 9].max()!
                for tap in kernel..<kernel + 9 { exact.mass[tap] = largest }
            }
            for (name, got) in [("winograd", fast.weight.grad), ("im2col", plain.weight.grad)] {
                assertFinite(got, "\(label): \(name) dW")
                let worst = got.data.indices.max { a, b in
                    abs(Double(got.data[a]) - exact.value[a]) / (exact.mass[a] + 1)
                        < abs(Double(got.data[b]) - exact.value[b]) / (exact.mass[b] + 1)
                }!
                let error = abs(Double(got.data[worst]) - exact.value[worst])
                XCTAssertLessThanOrEqual(error, 1e-6 * (exact.mass[worst] + 1),
                                         "\(label): \(name) dW[\(worst)] = \(got.data[worst]), exact \(exact.value[worst])")
            }
        }
    }

    /// Sizes of the course's networks: a batch split over workers into several
    /// chunks, 32x32 and 14x14 planes, relu fused into the output transform.
    func testNetworkSizedLayersWithFusedReLU() throws {
        var gen = SeededGenerator(seed: 92)
        for (c, k, side, n) in [(32, 32, 32, 5), (32, 64, 14, 9), (16, 24, 7, 3)] {
            let config = ConvolutionConfig(inChannels: c, outChannels: k, kernel: Size2D(3, 3), padding: Padding2D(1, 1))
            func network(_ algorithm: ConvolutionAlgorithm) -> Network {
                Network(inputShape: .image(height: side, width: side, channels: c), nodes: [
                    .init(name: "0", layer: layer(config, seed: 5, algorithm: algorithm), inputs: [-1]),
                    .init(name: "1", layer: Activation(.relu), inputs: [0]),
                ])
            }
            let x = gen.normalTensor([n, c, side, side]), dy = gen.normalTensor([n, k, side, side])
            let fast = network(.automatic), plain = network(.im2col)
            XCTAssertTrue((fast.nodes[0].layer as! Conv2D).usesWinograd(forInputShape: x.shape))
            let label = "\(c)->\(k) on \(side)x\(side), batch \(n)"
            let y = try fast.forward(x, mode: .training)
            assertClose(y, try plain.forward(x, mode: .training), "\(label): relu(conv)")
            XCTAssertTrue(y.data.allSatisfy { $0 >= 0 }, "\(label): relu applied")
            XCTAssertTrue(y.data.contains(0) && y.data.contains { $0 > 0 }, "\(label): both signs before relu")
            fast.backward(dy)
            plain.backward(dy)
            for (a, b) in zip(fast.namedParameters, plain.namedParameters) {
                assertClose(a.parameter.grad, b.parameter.grad, atol: 1e-4, rtol: 1e-4, "\(label): \(a.name)")
            }
        }
    }

    func testThreadCountsAgreeAndRepeatBitForBit() {
        let config = ConvolutionConfig(inChannels: 16, outChannels: 16, kernel: Size2D(3, 3), padding: Padding2D(1, 1))
        var gen = SeededGenerator(seed: 93)
        let x = gen.normalTensor([7, 16, 13, 11]), dy = gen.normalTensor([7, 16, 13, 11])
        func run(_ threads: Int) -> [Tensor] {
            let saved = Parallel.threads
            Parallel.threads = threads
            defer { Parallel.threads = saved }
            let conv = layer(config, seed: 1, algorithm: .automatic)
            let y = conv.forward(x, mode: .training)
            return [y, conv.backward(dy), conv.weight.grad, conv.bias!.grad]
        }
        let one = run(1), two = run(2), twoAgain = run(2), three = run(3)
        for (i, name) in ["y", "dX", "dW", "db"].enumerated() {
            assertFinite(two[i], name)
            // dW sums 7·13·11 products of unit-scale numbers: allow for that many terms' rounding.
            let atol: Float = name == "dW" ? 1e-6 * 7 * 13 * 11 : 1e-5
            assertClose(two[i], one[i], atol: atol, rtol: 1e-5, "\(name): 2 threads vs 1")
            assertClose(three[i], one[i], atol: atol, rtol: 1e-5, "\(name): 3 threads vs 1")
            XCTAssertEqual(two[i].data, twoAgain[i].data, "\(name): 2 threads twice must be bit-identical")
        }
    }

    func testAutomaticChoosesWinogradOnlyWhereItApplies() {
        func uses(_ config: ConvolutionConfig, _ shape: [Int], _ algorithm: ConvolutionAlgorithm = .automatic) -> Bool {
            layer(config, seed: 0, algorithm: algorithm).usesWinograd(forInputShape: shape)
        }
        let same = Padding2D(1, 1)
        // cnn-cifar's second convolution and cnn-medium's second.
        XCTAssertTrue(uses(ConvolutionConfig(inChannels: 32, outChannels: 32, kernel: Size2D(3, 3), padding: same), [64, 32, 32, 32]))
        XCTAssertTrue(uses(ConvolutionConfig(inChannels: 32, outChannels: 64, kernel: Size2D(3, 3), padding: same), [64, 32, 14, 14]))
        // A first layer (3 channels) has too few channels to pay; forced, it runs.
        let rgb = ConvolutionConfig(inChannels: 3, outChannels: 32, kernel: Size2D(3, 3), padding: same)
        XCTAssertFalse(uses(rgb, [64, 3, 32, 32]))
        XCTAssertTrue(uses(rgb, [64, 3, 32, 32], .winograd))
        XCTAssertFalse(uses(ConvolutionConfig(inChannels: 32, outChannels: 32, kernel: Size2D(3, 3)), [1, 32, 8, 8], .im2col))
        // Not 3x3 stride 1 undilated ungrouped: never, even when asked.
        for config in [
            ConvolutionConfig(inChannels: 32, outChannels: 32, kernel: Size2D(3, 3), stride: Size2D(2, 2), padding: same),
            ConvolutionConfig(inChannels: 32, outChannels: 32, kernel: Size2D(5, 5), padding: Padding2D(2, 2)),
            ConvolutionConfig(inChannels: 32, outChannels: 32, kernel: Size2D(3, 3), padding: Padding2D(2, 2), dilation: Size2D(2, 2)),
            ConvolutionConfig(inChannels: 32, outChannels: 32, kernel: Size2D(3, 3), padding: same, groups: 2),
        ] {
            XCTAssertFalse(uses(config, [2, 32, 9, 9], .winograd), "\(config)")
        }
    }
}
