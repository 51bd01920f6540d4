import CapasCore
import Foundation
import XCTest

/// The fast convolution (im2col + sgemm, batch split across workers) against
/// `Conv2D.referenceForward`, the seven-loop definition; and the promise that a
/// thread count gives bit-identical results run after run.
final class ConvolutionPathTests: XCTestCase {

    /// A reproducible random configuration and a matching input shape.
    /// With `strideOne`, both strides are 1 (the input gradient then runs as a
    /// convolution with the flipped kernel).
    func randomCase(_ gen: inout SeededGenerator, strideOne: Bool = false) -> (ConvolutionConfig, [Int]) {
        func pick(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &gen) }
        let groups = [1, 1, 2, 3][pick(0...3)]
        let oneDimensional = pick(0...4) == 0
        let inChannels = groups * pick(1...3)
        let outChannels = groups * pick(1...3)
        let kh = oneDimensional ? 1 : pick(1...4), kw = pick(1...5)
        let sh = oneDimensional || strideOne ? 1 : pick(1...3), sw = strideOne ? 1 : pick(1...3)
        let dh = oneDimensional ? 1 : pick(1...2), dw = pick(1...2)
        var padding = Padding2D(top: oneDimensional ? 0 : pick(0...2), bottom: oneDimensional ? 0 : pick(0...2),
                                left: pick(0...2), right: pick(0...2))
        if strideOne {
            // Output at least as large as the input, split unevenly between the sides.
            let padH = oneDimensional ? 0 : dh * (kh - 1), padW = dw * (kw - 1)
            let top = pick(0...padH), left = pick(0...padW)
            padding = Padding2D(top: top, bottom: oneDimensional ? 0 : padH - top + pick(0...1),
                                left: left, right: padW - left + pick(0...1))
        }
        // A 1x1 stride-1 kernel with only bottom/right padding takes the pointwise
        // shortcut wrongly (see testPointwiseWithBottomRightPadding); the random
        // sweep keeps away from it so that it checks everything else.
        if kh == 1 && kw == 1 && sh == 1 && sw == 1 && padding.top == 0 && padding.left == 0 {
            padding.bottom = 0; padding.right = 0
        }
        let config = ConvolutionConfig(inChannels: inChannels, outChannels: outChannels, kernel: Size2D(kh, kw),
                                       stride: Size2D(sh, sw), padding: padding, dilation: Size2D(dh, dw),
                                       groups: groups, bias: pick(0...1) == 1, oneDimensional: oneDimensional)
        // Big enough that the dilated kernel fits.
        let h = oneDimensional ? 1 : dh * (kh - 1) + 1 + pick(0...5)
        let w = dw * (kw - 1) + 1 + pick(0...6)
        let n = pick(1...3)
        return (config, oneDimensional ? [n, inChannels, w] : [n, inChannels, h, w])
    }

    func testFastPathMatchesReferenceOnRandomConfigs() throws {
        var gen = SeededGenerator(seed: 2024)
        var seen = (groups: false, depthwise: false, dilation: false, stride: false, asymmetric: false,
                    pointwise: false, oneD: false)
        for i in 0..<150 {
            let (config, shape) = randomCase(&gen)
            let expectedShape = try config.outputShape(for: FeatureShape(dims: Array(shape.dropFirst())))
            let conv = Conv2D(config, generator: &gen)
            let x = gen.normalTensor(shape)
            let fast = conv.forward(x, mode: .training)
            XCTAssertEqual(fast.shape, expectedShape.batched(shape[0]), "case \(i): \(config)")
            // The count the course's formula gives is the count the layer holds.
            XCTAssertEqual(try config.parameterCount(), conv.parameters.map(\.value.count).reduce(0, +), "case \(i): \(config)")
            assertClose(fast, conv.referenceForward(x), "case \(i): \(config) input \(shape)")
            seen.groups = seen.groups || config.groups > 1
            seen.depthwise = seen.depthwise || (config.groups > 1 && config.groups == config.inChannels)
            seen.dilation = seen.dilation || config.dilation.height > 1 || config.dilation.width > 1
            seen.stride = seen.stride || config.stride.height != config.stride.width
            seen.asymmetric = seen.asymmetric || !config.padding.isSymmetric
            seen.pointwise = seen.pointwise || (config.kernel == Size2D(1, 1) && config.stride == Size2D(1, 1))
            seen.oneD = seen.oneD || config.oneDimensional
        }
        XCTAssertTrue(seen.groups && seen.depthwise && seen.dilation && seen.stride && seen.asymmetric
                      && seen.pointwise && seen.oneD, "the sweep covers \(seen)")
    }

    /// The pointwise shortcut (1x1 kernel, stride 1, no padding) with padding on
    /// the bottom/right only. PyTorch: F.conv2d(F.pad(x, (0, 1, 0, 1)), w, b) — the
    /// extra row and column see only zeros and equal the bias.
    func testPointwiseWithBottomRightPadding() {
        var gen = SeededGenerator(seed: 31)
        let config = ConvolutionConfig(inChannels: 2, outChannels: 3, kernel: Size2D(1, 1),
                                       padding: Padding2D(top: 0, bottom: 1, left: 0, right: 1))
        XCTAssertEqual(try config.outputShape(for: .image(height: 3, width: 3, channels: 2)),
                       .image(height: 4, width: 4, channels: 3))
        let conv = Conv2D(config, generator: &gen)
        // Spare capacity behind the input keeps a read past its end (the bug this
        // test is about) inside allocated memory.
        var storage = gen.normalTensor([1, 2, 3, 3]).data
        storage.reserveCapacity(storage.count * 4)
        let x = Tensor(shape: [1, 2, 3, 3], data: storage)
        let reference = conv.referenceForward(x)
        for o in 0..<3 {
            XCTAssertEqual(reference[0, o, 3, 3], conv.bias!.value.data[o], "reference: padded corner is the bias")
        }
        // Forward only: the backward of this configuration writes past the gradient's end.
        assertClose(conv.forward(x, mode: .evaluation), reference, "1x1 conv with bottom/right padding")
    }

    /// Backward of the fast path against a reference backward written from the
    /// definition (every output gradient spread back over its receptive field).
    func testFastBackwardMatchesLoopBackward() {
        var gen = SeededGenerator(seed: 77)
        for i in 0..<80 {
            let (config, shape) = randomCase(&gen, strideOne: i >= 40)
            let conv = Conv2D(config, generator: &gen)
            let x = gen.normalTensor(shape)
            let y = conv.forward(x, mode: .training)
            let dy = gen.normalTensor(y.shape)
            conv.zeroGradients()
            let dx = conv.backward(dy)

            // The definition, loop by loop.
            let one = config.oneDimensional
            let (n, c, h, w) = one ? (shape[0], shape[1], 1, shape[2]) : (shape[0], shape[1], shape[2], shape[3])
            let ho = one ? 1 : y.shape[2], wo = y.shape[y.rank - 1]
            let k = config.outChannels, cg = c / config.groups, kg = k / config.groups
            let kh = one ? 1 : config.kernel.height, kw = config.kernel.width
            let sh = one ? 1 : config.stride.height, sw = config.stride.width
            let dh = one ? 1 : config.dilation.height, dw = config.dilation.width
            let pt = one ? 0 : config.padding.top, pl = config.padding.left
            var rdx = [Float](repeating: 0, count: x.count), rdw = [Float](repeating: 0, count: conv.weight.value.count)
            var rdb = [Float](repeating: 0, count: k)
            for s in 0..<n {
                for o in 0..<k {
                    let grp = o / kg
                    for oy in 0..<ho {
                        for ox in 0..<wo {
                            let g = dy.data[((s * k + o) * ho + oy) * wo + ox]
                            rdb[o] += g
                            for ci in 0..<cg {
                                for i in 0..<kh {
                                    for j in 0..<kw {
                                        let iy = oy * sh - pt + i * dh, ix = ox * sw - pl + j * dw
                                        guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                        let xi = ((s * c + grp * cg + ci) * h + iy) * w + ix
                                        let wi = ((o * cg + ci) * kh + i) * kw + j
                                        rdx[xi] += g * conv.weight.value.data[wi]
                                        rdw[wi] += g * x.data[xi]
                                    }
                                }
                            }
                        }
                    }
                }
            }
            assertClose(dx, Tensor(shape: x.shape, data: rdx), "dx \(config)")
            assertClose(conv.weight.grad, Tensor(shape: conv.weight.value.shape, data: rdw), "dw \(config)")
            if let bias = conv.bias { assertClose(bias.grad, Tensor(rdb), "db \(config)") }
        }
    }

    // MARK: - Threads

    func withThreads<T>(_ count: Int, _ body: () throws -> T) rethrows -> T {
        let saved = Parallel.threads
        Parallel.threads = count
        defer { Parallel.threads = saved }
        return try body()
    }

    /// Forward and backward of conv, dense and pooling on a batch big enough
    /// to be split: everything the layer returns or accumulates.
    func runAll(seed: UInt64) -> [Tensor] {
        var gen = SeededGenerator(seed: seed)
        let conv = Conv2D(ConvolutionConfig(inChannels: 3, outChannels: 8, kernel: Size2D(3, 3), padding: Padding2D(1, 1)),
                          generator: &gen)
        let grouped = Conv2D(ConvolutionConfig(inChannels: 8, outChannels: 8, kernel: Size2D(3, 3), stride: Size2D(2, 2),
                                               groups: 4), generator: &gen)
        let pool = Pool2D(PoolingConfig(kind: .max, kernel: Size2D(2, 2)))
        let dense = Dense(DenseConfig(inFeatures: 8 * 3 * 3, outFeatures: 600), generator: &gen)
        let x = gen.normalTensor([7, 3, 14, 14])
        let a = conv.forward(x, mode: .training)
        let b = grouped.forward(a, mode: .training)
        let c = pool.forward(b, mode: .training)
        var flat = c
        flat.setShape([7, 72])
        let d = dense.forward(flat, mode: .training)
        let dd = gen.normalTensor(d.shape)
        for layer in [conv, grouped] as [any Layer] { layer.zeroGradients() }
        dense.zeroGradients()
        var dflat = dense.backward(dd)
        dflat.setShape(c.shape)
        let db = pool.backward(dflat)
        let da = grouped.backward(db)
        let dx = conv.backward(da)
        return [a, b, c, d, dx, conv.weight.grad, conv.bias!.grad, grouped.weight.grad, dense.weight.grad, dense.bias!.grad]
    }

    func testThreadCountsAgreeAndRepeatBitForBit() {
        let one = withThreads(1) { runAll(seed: 3) }
        let two = withThreads(2) { runAll(seed: 3) }
        let twoAgain = withThreads(2) { runAll(seed: 3) }
        let oneAgain = withThreads(1) { runAll(seed: 3) }
        let names = ["conv out", "grouped out", "pool out", "dense out", "dx", "conv dW", "conv db", "grouped dW",
                     "dense dW", "dense db"]
        for (i, name) in names.enumerated() {
            for t in [one[i], two[i]] { assertFinite(t, name) }
            assertClose(two[i], one[i], atol: 1e-5, rtol: 0, "\(name): 2 threads vs 1")
            XCTAssertEqual(two[i].data, twoAgain[i].data, "\(name): 2 threads twice must be bit-identical")
            XCTAssertEqual(one[i].data, oneAgain[i].data, "\(name): 1 thread twice must be bit-identical")
        }
    }
}
