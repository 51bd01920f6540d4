// Pooling: max and average over sliding windows, per channel; global average
// and global max pooling.
//
// Shapes (NCHW):
//   input  [N, C, H, W]  →  output [N, C, H_out, W_out]
//   H_out = ⌊(H + 2p − f)/s⌋ + 1   (stride defaults to the kernel size)
//   with ceil=yes (PyTorch's ceil_mode=True, used by GoogLeNet):
//   H_out = ⌈(H + 2p − f)/s⌉ + 1, minus 1 if the last window would start in the
//   right padding; the last window may then hang over the edge and sees fewer values
//   no parameters
// Max pooling pads with −∞ (padding never wins); average pooling pads with
// zeros and divides by the full window (PyTorch's count_include_pad=True), or,
// with `countPadding` off (count_include_pad=False, Keras' padding="same"), by
// the number of input values the window covers.
// Ties in max pooling go to the first maximum in the window, as in PyTorch.
// Sequences ([N, C, L]) pool as images of height 1.

import CCapasThreads

public struct PoolingConfig: Hashable, Sendable {
    public enum Kind: String, Sendable { case max, average }
    public var kind: Kind
    public var kernel: Size2D
    public var stride: Size2D
    public var padding: Size2D
    public var oneDimensional: Bool
    /// Round the output size up (PyTorch's ceil_mode=True) instead of down.
    public var ceilMode: Bool
    /// Average pooling: whether padded zeros count in the divisor (PyTorch's
    /// count_include_pad, true by default); false divides by the input values
    /// the window covers, as Keras' AveragePooling2D(padding="same").
    public var countPadding: Bool

    public init(kind: Kind, kernel: Size2D, stride: Size2D? = nil, padding: Size2D = Size2D(0, 0),
                oneDimensional: Bool = false, ceilMode: Bool = false, countPadding: Bool = true) {
        self.kind = kind; self.kernel = kernel; self.stride = stride ?? kernel
        self.padding = padding; self.oneDimensional = oneDimensional; self.ceilMode = ceilMode
        self.countPadding = countPadding
    }

    /// The output length along one axis once the window is known to fit:
    /// **floor** by default; with `ceilMode`, PyTorch's rule
    /// ⌈(n + 2p − f)/s⌉ + 1, less one when the last window would start past n + p.
    static func pooledLength(_ n: Int, pad p: Int, kernel f: Int, stride s: Int, ceil: Bool) -> Int {
        let room = n + 2 * p - f
        guard ceil else { return room / s + 1 }
        var out = room / s + (room % s == 0 ? 0 : 1) + 1
        // Written without overflow: sizes come from the learner's text.
        let (start, overflow) = (out - 1).multipliedReportingOverflow(by: s)
        if overflow || start >= n + p { out -= 1 }
        return out
    }

    public var layerName: String { kind == .max ? "maxpool" : "avgpool" }

    public func outputShape(for input: FeatureShape) throws -> FeatureShape {
        guard input.isImage || input.isSequence else {
            throw ShapeError.wrongInputKind(layer: layerName, expected: .imageOrSequence, got: input)
        }
        for (name, v) in [("kernel", kernel.height), ("kernel", kernel.width), ("stride", stride.height), ("stride", stride.width)] where v < 1 {
            throw ShapeError.invalidValue(layer: layerName, parameter: name, value: String(v), requirement: .positive)
        }
        for v in [padding.height, padding.width] where v < 0 {
            throw ShapeError.invalidValue(layer: layerName, parameter: "pad", value: String(v), requirement: .nonNegative)
        }
        // p > ⌊f/2⌋ is 2p > f without the overflow of 2p on a huge padding.
        if padding.width > kernel.width / 2 { throw ShapeError.poolingPaddingTooLarge(padding: padding.width, kernel: kernel.width) }
        var w = try windowOutputSize(layer: layerName, axis: input.isImage ? .width : .length, input: input.width,
                                     padBefore: padding.width, padAfter: padding.width,
                                     kernel: kernel.width, stride: stride.width, dilation: 1)
        // The window fits, so n + 2p (≤ n + f) cannot overflow below.
        if ceilMode { w = Self.pooledLength(input.width, pad: padding.width, kernel: kernel.width, stride: stride.width, ceil: true) }
        if input.isSequence { return .sequence(length: w, channels: input.channels) }
        if padding.height > kernel.height / 2 { throw ShapeError.poolingPaddingTooLarge(padding: padding.height, kernel: kernel.height) }
        var h = try windowOutputSize(layer: layerName, axis: .height, input: input.height,
                                     padBefore: padding.height, padAfter: padding.height,
                                     kernel: kernel.height, stride: stride.height, dilation: 1)
        if ceilMode { h = Self.pooledLength(input.height, pad: padding.height, kernel: kernel.height, stride: stride.height, ceil: true) }
        return .image(height: h, width: w, channels: input.channels)
    }
}

public final class Pool2D: UnaryLayer {
    public let config: PoolingConfig
    public var kind: String {
        (config.kind == .max ? "MaxPool" : "AvgPool") + (config.oneDimensional ? "1d" : "2d")
    }
    private var inputShape: [Int] = []
    private var argmax: [Int32] = []

    public init(_ config: PoolingConfig) { self.config = config }

    struct Geometry {
        let planes, h, w, ho, wo, kh, kw, sh, sw, ph, pw: Int
    }

    func geometry(_ shape: [Int]) -> (Geometry, [Int]) {
        let c = config
        let one = shape.count == 3
        let (n, ch, h, w) = one ? (shape[0], shape[1], 1, shape[2]) : (shape[0], shape[1], shape[2], shape[3])
        let kh = one ? 1 : c.kernel.height, sh = one ? 1 : c.stride.height, ph = one ? 0 : c.padding.height
        let ho = PoolingConfig.pooledLength(h, pad: ph, kernel: kh, stride: sh, ceil: c.ceilMode)
        let wo = PoolingConfig.pooledLength(w, pad: c.padding.width, kernel: c.kernel.width, stride: c.stride.width, ceil: c.ceilMode)
        let g = Geometry(planes: n * ch, h: h, w: w, ho: ho, wo: wo, kh: kh, kw: c.kernel.width,
                         sh: sh, sw: c.stride.width, ph: ph, pw: c.padding.width)
        return (g, one ? [n, ch, wo] : [n, ch, ho, wo])
    }

    /// Set by the convolution that read this layer's input (through a fused
    /// relu) for one forward pass: it pooled each sample itself while the
    /// sample was in cache (`poolFused`), so `x` is the pooled output already.
    var inputIsPooled = false

    /// Whether a convolution may pool for this layer: max pooling without
    /// padding in floor mode on images, where every window lies inside the input.
    var fusesIntoConvolution: Bool {
        config.kind == .max && !config.oneDimensional && config.padding == Size2D(0, 0) && !config.ceilMode
    }

    /// For the convolution that pools for this layer: the output shape for
    /// the convolution's output shape `shape`, the pooling geometry, and room
    /// for the winners when `training` (their indices are what backward needs).
    func prepareFused(inputShape shape: [Int], training: Bool) -> (Geometry, [Int]) {
        let (g, outShape) = geometry(shape)
        inputIsPooled = true
        if training { inputShape = shape }
        // As in `forward`: winners only when training.
        argmax = training ? [Int32](repeating: -1, count: outShape.reduce(1, *)) : []
        return (g, outShape)
    }

    /// Runs `body` with the winners' storage set up by `prepareFused` (nil
    /// when not training): the convolution pools with `Pool2D.maxUnpadded`,
    /// the same rule and code as `forward`, each worker on its own samples.
    static func withFusedWinners<T>(of pool: Pool2D?, _ body: (UnsafeMutablePointer<Int32>?) -> T) -> T {
        guard let pool else { return body(nil) }
        return pool.argmax.withUnsafeMutableBufferPointer { ap in body(ap.isEmpty ? nil : ap.baseAddress) }
    }

    /// The pooled output of the last training pass that a convolution pooled
    /// for, whose relu passed the gradient on: backward sends a window's
    /// gradient to its winner only where this is positive (relu's rule).
    private var rectifiedOutput: Tensor?
    /// Whether the last training pass was pooled by the convolution before it.
    var lastTrainingPassWasFused: Bool { rectifiedOutput != nil }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        if mode.keepsForBackward { rectifiedOutput = inputIsPooled ? x : nil }
        if inputIsPooled { return x }
        precondition(x.rank == 3 || x.rank == 4, "\(kind): input shape \(x.shape)")
        let (g, outShape) = geometry(x.shape)
        var y = Tensor(zeros: outShape)
        let isMax = config.kind == .max
        let training = mode.keepsForBackward
        if training { inputShape = x.shape }
        // Winners are recorded only when training; an empty array's buffer
        // pointer is not nil, so the flag (not the pointer) decides.
        let recordWinners = training && isMax
        argmax = recordWinners ? [Int32](repeating: -1, count: y.count) : []
        let inv = 1 / Float(g.kh * g.kw)
        // In ceil mode the last window may hang over the padded edge; without
        // counting the padding every window has its own divisor.
        let overhang = config.ceilMode, countPadding = config.countPadding
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                argmax.withUnsafeMutableBufferPointer { ap in
                    let xb = xp.baseAddress!, yb = yp.baseAddress!, ab = recordWinners ? ap.baseAddress : nil
                    Parallel.forChunks(g.planes) { _, range in
                        if isMax && g.ph == 0 && g.pw == 0 && !overhang {
                            Pool2D.maxUnpadded(xb, yb, ab, g, planes: range)
                            return
                        }
                        for p in range {
                            let plane = xb + p * g.h * g.w
                            for oy in 0..<g.ho {
                                let y0 = oy * g.sh - g.ph
                                for ox in 0..<g.wo {
                                    let x0 = ox * g.sw - g.pw
                                    let o = (p * g.ho + oy) * g.wo + ox
                                    if isMax {
                                        // PyTorch's rule: strictly greater wins (first maximum), NaN propagates.
                                        var best = -Float.infinity
                                        var bestIndex = Int32(max(0, y0) * g.w + max(0, x0))
                                        for i in max(0, y0)..<min(g.h, y0 + g.kh) {
                                            for j in max(0, x0)..<min(g.w, x0 + g.kw) {
                                                let v = plane[i * g.w + j]
                                                if v > best || v.isNaN { best = v; bestIndex = Int32(i * g.w + j) }
                                            }
                                        }
                                        yb[o] = best
                                        if let ab { ab[o] = bestIndex }
                                    } else {
                                        var acc: Float = 0
                                        for i in max(0, y0)..<min(g.h, y0 + g.kh) {
                                            for j in max(0, x0)..<min(g.w, x0 + g.kw) { acc += plane[i * g.w + j] }
                                        }
                                        yb[o] = acc * Pool2D.scale(g, y0, x0, inv: inv, overhang: overhang, countPadding: countPadding)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// Max pooling without padding, where every window lies inside the input:
    /// the same rule as the general loop (first maximum wins, the last NaN wins)
    /// without the bounds clamping, and with the 2×2 window unrolled.
    @inline(__always)
    static func maxUnpadded(_ xb: UnsafePointer<Float>, _ yb: UnsafeMutablePointer<Float>,
                            _ ab: UnsafeMutablePointer<Int32>?, _ g: Geometry, planes: Range<Int>) {
        let twoByTwo = g.kh == 2 && g.kw == 2
        let w = g.w
        for p in planes {
            let plane = xb + p &* g.h &* w
            let out = yb + p &* g.ho &* g.wo
            let winners = ab.map { $0 + p &* g.ho &* g.wo }
            for oy in 0..<g.ho {
                let y0 = oy &* g.sh
                var ox = 0
                if twoByTwo && g.sh == 2 && g.sw == 2 {
                    ox = maxTwoByTwoRow(plane + y0 &* w, w: w, out: out + oy &* g.wo,
                                        winners: winners.map { $0 + oy &* g.wo }, rowStart: y0 &* w, count: g.wo)
                }
                for ox in ox..<g.wo {
                    let first = y0 &* w &+ ox &* g.sw
                    var best = plane[first], bestIndex = first
                    if twoByTwo {
                        // Loads first and selects after, so the compiler need not branch on the data.
                        let b = plane[first &+ 1], c = plane[first &+ w], d = plane[first &+ w &+ 1]
                        if (best + b + c + d).isNaN {
                            // Rare: NaN (or ∞ − ∞) in the window; the general rule decides.
                            for index in [first &+ 1, first &+ w, first &+ w &+ 1] {
                                let v = plane[index]
                                if v > best || v.isNaN { best = v; bestIndex = index }
                            }
                        } else {
                            bestIndex = b > best ? first &+ 1 : bestIndex; best = b > best ? b : best
                            bestIndex = c > best ? first &+ w : bestIndex; best = c > best ? c : best
                            bestIndex = d > best ? first &+ w &+ 1 : bestIndex; best = d > best ? d : best
                        }
                    } else {
                        for i in y0..<(y0 &+ g.kh) {
                            for j in (ox &* g.sw)..<(ox &* g.sw &+ g.kw) {
                                let index = i &* w &+ j
                                let v = plane[index]
                                if v > best || v.isNaN { best = v; bestIndex = index }
                            }
                        }
                    }
                    out[oy &* g.wo &+ ox] = best
                    winners?[oy &* g.wo &+ ox] = Int32(truncatingIfNeeded: bestIndex)
                }
            }
        }
    }

    /// 2×2 windows with stride 2 along one output row, eight at a time: the
    /// two input rows are loaded sixteen values each and split into even and
    /// odd columns. Same rule as the scalar loop (first maximum wins); a group
    /// of eight with a NaN (or ∞ − ∞) anywhere is left to the scalar loop.
    /// Returns how many outputs of the row it wrote.
    @inline(__always)
    static func maxTwoByTwoRow(_ top: UnsafePointer<Float>, w: Int, out: UnsafeMutablePointer<Float>,
                               winners: UnsafeMutablePointer<Int32>?, rowStart: Int, count: Int) -> Int {
        typealias V = SIMD8<Float>
        typealias I = SIMD8<Int32>
        let upper = UnsafeRawPointer(top), lower = UnsafeRawPointer(top + w)
        let lanes = I(0, 2, 4, 6, 8, 10, 12, 14)
        var ox = 0
        // 2·ox + 16 ≤ w keeps the sixteen loaded values inside the row.
        while ox &+ 8 <= count && 2 &* ox &+ 16 <= w {
            let r0 = upper.loadUnaligned(fromByteOffset: 2 &* ox &* 4, as: SIMD16<Float>.self)
            let r1 = lower.loadUnaligned(fromByteOffset: 2 &* ox &* 4, as: SIMD16<Float>.self)
            let a = r0.evenHalf, b = r0.oddHalf, c = r1.evenHalf, d = r1.oddHalf
            let total = a + b + c + d
            if any(total .!= total) { break }
            var best = a
            var index = lanes &+ Int32(truncatingIfNeeded: rowStart &+ 2 &* ox)
            let base = index
            var m = b .> best
            best.replace(with: b, where: m); index.replace(with: base &+ 1, where: m)
            m = c .> best
            best.replace(with: c, where: m); index.replace(with: base &+ Int32(truncatingIfNeeded: w), where: m)
            m = d .> best
            best.replace(with: d, where: m); index.replace(with: base &+ Int32(truncatingIfNeeded: w &+ 1), where: m)
            UnsafeMutableRawPointer(out + ox).storeBytes(of: best, as: V.self)
            if let winners { UnsafeMutableRawPointer(winners + ox).storeBytes(of: index, as: I.self) }
            ox &+= 8
        }
        return ox
    }

    /// 1/(values averaged) for the window at (y0, x0): the window clipped to the
    /// padded input, padding included (PyTorch's count_include_pad=True). Only a
    /// ceil-mode window that hangs over the edge is smaller than f·f.
    @inline(__always)
    static func inverseWindow(_ g: Geometry, _ y0: Int, _ x0: Int) -> Float {
        let rows = min(y0 + g.kh, g.h + g.ph) - y0, columns = min(x0 + g.kw, g.w + g.pw) - x0
        return 1 / Float(rows * columns)
    }

    /// The factor that turns a window's sum into its average: 1/(f·f), or the
    /// clipped window's size in ceil mode, or (without counting the padding)
    /// 1/(input values under the window).
    @inline(__always)
    static func scale(_ g: Geometry, _ y0: Int, _ x0: Int, inv: Float, overhang: Bool, countPadding: Bool) -> Float {
        if !countPadding {
            let rows = min(g.h, y0 + g.kh) - max(0, y0), columns = min(g.w, x0 + g.kw) - max(0, x0)
            return rows > 0 && columns > 0 ? 1 / Float(rows * columns) : 0
        }
        return overhang ? inverseWindow(g, y0, x0) : inv
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(!inputShape.isEmpty, "\(kind).backward before a training forward")
        let (g, outShape) = geometry(inputShape)
        precondition(config.kind == .average || argmax.count == dy.count, "\(kind).backward before a training forward")
        precondition(dy.shape == outShape, "\(kind).backward: gradient \(dy.shape), output \(outShape)")
        // Each worker zeroes its own planes before adding into them, while they are in its cache.
        var dx = Tensor(shape: inputShape) { _, _ in }
        let isMax = config.kind == .max
        let inv = 1 / Float(g.kh * g.kw)
        let overhang = config.ceilMode, countPadding = config.countPadding
        dy.data.withUnsafeBufferPointer { dyp in
            dx.data.withUnsafeMutableBufferPointer { dxp in
                argmax.withUnsafeBufferPointer { ap in
                  (rectifiedOutput?.data ?? []).withUnsafeBufferPointer { rp in
                    let dyb = dyp.baseAddress!, dxb = dxp.baseAddress!, ab = ap.baseAddress
                    let rectified = rectifiedOutput == nil ? nil : rp.baseAddress
                    let twoByTwo = isMax && ab != nil && g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2
                        && g.ph == 0 && g.pw == 0 && !overhang && BLAS.smallKernelEnabled
                    Parallel.forChunks(g.planes) { _, range in
                        // 2×2 windows, stride 2: each element written once, in AVX2.
                        let pooledAt = range.lowerBound * g.ho * g.wo
                        let rectifiedAt: UnsafePointer<Float>? = rectified.map { $0 + pooledAt }
                        if twoByTwo, let ab, capas_maxpool2_backward(dyb + pooledAt, ab + pooledAt, rectifiedAt,
                                                                     range.count, g.h, g.w, g.ho, g.wo,
                                                                     dxb + range.lowerBound * g.h * g.w) == 0 {
                            return
                        }
                        Conv2D.fill(dxb + range.lowerBound * g.h * g.w, 0, range.count * g.h * g.w)
                        if isMax, let ab {
                            // Only the winner of each window gets the gradient (and, after a fused
                            // relu, only where the pooled value is positive).
                            let pooledSize = g.ho * g.wo
                            for p in range {
                                let plane = dxb + p * g.h * g.w
                                let first = p * pooledSize
                                if let rectified {
                                    for o in first..<(first + pooledSize) where ab[o] >= 0 && rectified[o] > 0 {
                                        plane[Int(ab[o])] += dyb[o]
                                    }
                                } else {
                                    for o in first..<(first + pooledSize) where ab[o] >= 0 { plane[Int(ab[o])] += dyb[o] }
                                }
                            }
                            return
                        }
                        for p in range {
                            let plane = dxb + p * g.h * g.w
                            for oy in 0..<g.ho {
                                let y0 = oy * g.sh - g.ph
                                for ox in 0..<g.wo {
                                    let o = (p * g.ho + oy) * g.wo + ox
                                    if isMax {
                                        // Only the winner of the window gets the gradient.
                                        let index = Int(ab![o])
                                        if index >= 0 && (rectified.map { $0[o] > 0 } ?? true) { plane[index] += dyb[o] }
                                    } else {
                                        let x0 = ox * g.sw - g.pw
                                        let share = dyb[o] * Pool2D.scale(g, y0, x0, inv: inv, overhang: overhang, countPadding: countPadding)
                                        for i in max(0, y0)..<min(g.h, y0 + g.kh) {
                                            for j in max(0, x0)..<min(g.w, x0 + g.kw) { plane[i * g.w + j] += share }
                                        }
                                    }
                                }
                            }
                        }
                    }
                  }
                }
            }
        }
        return dx
    }
}

/// Global average pooling: the mean of each channel, [N, C, H, W] → [N, C].
/// PyTorch's AdaptiveAvgPool2d(1) followed by Flatten (Keras' GlobalAveragePooling2D):
/// the output stays [N, C], ready for `dense`.
public final class GlobalAveragePool: UnaryLayer {
    public var kind: String { "AdaptiveAvgPool2d" }
    private var inputShape: [Int] = []
    public init() {}

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        precondition(x.rank >= 3, "global average pooling: input shape \(x.shape)")
        if mode.keepsForBackward { inputShape = x.shape }
        let n = x.shape[0], c = x.shape[1], area = x.count / max(1, n * c)
        var y = Tensor(zeros: [n, c])
        let inv = 1 / Float(area)
        for p in 0..<(n * c) {
            var acc: Float = 0
            for i in 0..<area { acc += x.data[p * area + i] }
            y.data[p] = acc * inv
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var dx = Tensor(zeros: inputShape)
        let n = inputShape[0], c = inputShape[1], area = dx.count / max(1, n * c)
        let inv = 1 / Float(area)
        for p in 0..<(n * c) {
            let share = dy.data[p] * inv
            for i in 0..<area { dx.data[p * area + i] = share }
        }
        return dx
    }
}

/// Global max pooling: the maximum of each channel, [N, C, H, W] or [N, C, L] → [N, C].
/// The max-over-time pooling of text CNNs (Kim, 2014); Keras' GlobalMaxPooling.
/// Only the first maximum of each channel receives the gradient, as in max pooling.
public final class GlobalMaxPool: UnaryLayer {
    public var kind: String { "AdaptiveMaxPool" }
    private var inputShape: [Int] = []
    private var winners: [Int] = []
    public init() {}

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        precondition(x.rank >= 3, "global max pooling: input shape \(x.shape)")
        let n = x.shape[0], c = x.shape[1], area = x.count / max(1, n * c)
        var y = Tensor(zeros: [n, c])
        var win = [Int](repeating: 0, count: n * c)
        for p in 0..<(n * c) {
            // Strictly greater wins (the first maximum); NaN propagates, as in PyTorch.
            var best = -Float.infinity, bestIndex = p * area
            for i in (p * area)..<((p + 1) * area) {
                let v = x.data[i]
                if v > best || v.isNaN { best = v; bestIndex = i }
            }
            y.data[p] = best
            win[p] = bestIndex
        }
        if mode.keepsForBackward { inputShape = x.shape; winners = win }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(winners.count == dy.count, "global max pooling: backward before a training forward")
        var dx = Tensor(zeros: inputShape)
        for p in 0..<dy.count { dx.data[winners[p]] += dy.data[p] }
        return dx
    }
}
