import CCapasThreads

// Convolution (cross-correlation, like PyTorch and Keras: the kernel is not flipped).
//
// Shapes (NCHW):
//   input   x  [N, C_in, H, W]
//   weight  w  [C_out, C_in/groups, kh, kw]
//   bias    b  [C_out]
//   output  y  [N, C_out, H_out, W_out]
//   H_out = ⌊(H + p_top + p_bottom − d·(kh − 1) − 1)/s⌋ + 1   (likewise W_out)
//   parameters = (kh·kw·C_in/groups + 1)·C_out   (the course's (f·f·c + 1)·k)
//
// A 1-D convolution ([N, C, L]) runs as a 2-D one with height 1.
//
// Fast path: im2col then one sgemm per sample and group, batch split across
// workers; 3x3 stride-1 convolutions with 16 or more channels in and out run
// as Winograd F(2×2, 3×3) instead (Winograd.swift), with 16 products per 2×2
// outputs instead of 36. `referenceForward` keeps the plain seven-loop
// definition beside them and the tests hold them together.

/// Everything that defines a convolution once the input channels are known.
public struct ConvolutionConfig: Hashable, Sendable {
    public var inChannels: Int
    public var outChannels: Int
    public var kernel: Size2D
    public var stride: Size2D
    public var padding: Padding2D
    public var dilation: Size2D
    public var groups: Int
    public var bias: Bool
    /// True for conv1d: the input is [N, C, L] and height is 1.
    public var oneDimensional: Bool

    public init(inChannels: Int, outChannels: Int, kernel: Size2D, stride: Size2D = Size2D(1, 1),
                padding: Padding2D = .zero, dilation: Size2D = Size2D(1, 1), groups: Int = 1, bias: Bool = true,
                oneDimensional: Bool = false) {
        self.inChannels = inChannels; self.outChannels = outChannels; self.kernel = kernel
        self.stride = stride; self.padding = padding; self.dilation = dilation
        self.groups = groups; self.bias = bias; self.oneDimensional = oneDimensional
    }

    var layerName: String { oneDimensional ? "conv1d" : "conv" }

    /// Checks the configuration and computes the output shape.
    public func outputShape(for input: FeatureShape) throws -> FeatureShape {
        if oneDimensional {
            guard input.isSequence else { throw ShapeError.wrongInputKind(layer: layerName, expected: .sequence, got: input) }
        } else {
            guard input.isImage else { throw ShapeError.wrongInputKind(layer: layerName, expected: .image, got: input) }
        }
        try validate()
        guard input.channels == inChannels else {
            throw ShapeError.channelsDiffer(layer: layerName, expected: inChannels, got: input.channels)
        }
        let w = try windowOutputSize(layer: layerName, axis: oneDimensional ? .length : .width, input: input.width,
                                     padBefore: padding.left, padAfter: padding.right,
                                     kernel: kernel.width, stride: stride.width, dilation: dilation.width)
        if oneDimensional { return .sequence(length: w, channels: outChannels) }
        let h = try windowOutputSize(layer: layerName, axis: .height, input: input.height,
                                     padBefore: padding.top, padAfter: padding.bottom,
                                     kernel: kernel.height, stride: stride.height, dilation: dilation.height)
        return .image(height: h, width: w, channels: outChannels)
    }

    func validate() throws {
        for (name, value) in [("filters", outChannels), ("kernel", kernel.height), ("kernel", kernel.width),
                              ("stride", stride.height), ("stride", stride.width),
                              ("dilation", dilation.height), ("dilation", dilation.width), ("groups", groups)]
        where value < 1 {
            throw ShapeError.invalidValue(layer: layerName, parameter: name, value: String(value), requirement: .positive)
        }
        for value in [padding.top, padding.bottom, padding.left, padding.right] where value < 0 {
            throw ShapeError.invalidValue(layer: layerName, parameter: "pad", value: String(value), requirement: .nonNegative)
        }
        guard inChannels % groups == 0, outChannels % groups == 0 else {
            throw ShapeError.groupsDoNotDivide(channels: inChannels, filters: outChannels, groups: groups)
        }
    }

    /// Weights per filter: kh·kw·C_in/groups.
    public func weightsPerFilter() throws -> Int {
        try Checked.product([kernel.height, kernel.width, inChannels / groups], "weights per filter")
    }

    /// (kh·kw·C_in/groups + 1)·C_out, or without the +1 when there is no bias.
    public func parameterCount() throws -> Int {
        try Checked.mul(try Checked.add(try weightsPerFilter(), bias ? 1 : 0, "parameters"), outChannels, "parameters")
    }

    /// Multiply-adds per sample, torchinfo's convention: every output value
    /// costs kh·kw·C_in/groups MACs, plus one for its bias.
    public func multiplyAdds(output: FeatureShape) throws -> Int {
        let outputs = try Checked.product(output.dims, "output values")
        return try Checked.mul(outputs, try Checked.add(try weightsPerFilter(), bias ? 1 : 0, "MACs"), "multiply-adds")
    }
}

public final class Conv2D: UnaryLayer, ReLUFusing {
    public let config: ConvolutionConfig
    public let weight: Parameter
    public let bias: Parameter?
    public var kind: String { config.oneDimensional ? "Conv1d" : "Conv2d" }
    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    var input = Tensor(zeros: [0])
    private var geometry: Geometry?
    /// How the products are computed (`.automatic`: Winograd where it pays).
    public var algorithm: ConvolutionAlgorithm = .automatic
    /// The Winograd plan of the last training batch, when it ran that way.
    var winogradPlan: Winograd.Plan?

    public init(_ config: ConvolutionConfig, generator: inout SeededGenerator) {
        self.config = config
        let k = config.kernel
        let perGroup = config.inChannels / config.groups
        let fanIn = perGroup * k.height * k.width
        let wShape = config.oneDimensional ? [config.outChannels, perGroup, k.width]
                                           : [config.outChannels, perGroup, k.height, k.width]
        weight = Parameter("weight", defaultInitialization(shape: wShape, fanIn: fanIn, generator: &generator))
        bias = config.bias
            ? Parameter("bias", defaultInitialization(shape: [config.outChannels], fanIn: fanIn, generator: &generator))
            : nil
    }

    /// Sizes of one forward pass.
    struct Geometry {
        let n, c, h, w, k, ho, wo: Int
        let kh, kw, sh, sw, pt, pl, dh, dw, groups: Int
        var cg: Int { c / groups }
        var kg: Int { k / groups }
        var rows: Int { cg * kh * kw }       // im2col rows per group
        var cols: Int { ho * wo }            // im2col columns
        // The input is used as the im2col matrix only when it is exactly that matrix: no padding on any side.
        var isPointwise: Bool { kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && ho == h && wo == w }
    }

    func geometry(for shape: [Int]) -> Geometry {
        let cfg = config
        let (n, c, h, w) = cfg.oneDimensional ? (shape[0], shape[1], 1, shape[2]) : (shape[0], shape[1], shape[2], shape[3])
        precondition(c == cfg.inChannels, "\(kind): expected \(cfg.inChannels) input channels, got shape \(shape)")
        let kh = cfg.oneDimensional ? 1 : cfg.kernel.height
        let ho = cfg.oneDimensional ? 1 : (h + cfg.padding.top + cfg.padding.bottom - cfg.dilation.height * (kh - 1) - 1) / cfg.stride.height + 1
        let wo = (w + cfg.padding.left + cfg.padding.right - cfg.dilation.width * (cfg.kernel.width - 1) - 1) / cfg.stride.width + 1
        return Geometry(n: n, c: c, h: h, w: w, k: cfg.outChannels, ho: ho, wo: wo,
                        kh: kh, kw: cfg.kernel.width,
                        sh: cfg.oneDimensional ? 1 : cfg.stride.height, sw: cfg.stride.width,
                        pt: cfg.oneDimensional ? 0 : cfg.padding.top, pl: cfg.padding.left,
                        dh: cfg.oneDimensional ? 1 : cfg.dilation.height, dw: cfg.dilation.width,
                        groups: cfg.groups)
    }

    func outputShape(_ g: Geometry) -> [Int] {
        config.oneDimensional ? [g.n, g.k, g.wo] : [g.n, g.k, g.ho, g.wo]
    }

    /// The im2col matrices of the last training batch, one per sample and
    /// group (or its Winograd-transformed input), kept for backward when they
    /// fit in `columnCacheLimit` bytes (otherwise backward computes them again).
    var columns: [Float] = []
    /// Bytes of im2col matrices a layer may keep between forward and backward.
    nonisolated(unsafe) public static var columnCacheLimit = 256 << 20
    /// Set when nothing needs the gradient with respect to this layer's input
    /// (the first layer of a network): backward then returns zeros and skips that product.
    public var skipsInputGradient = false
    var fusesReLU = false
    /// Set by `Network` for one forward pass when this layer's relu is fused
    /// and its only reader is this max pooling: each sample (or chunk) is
    /// pooled while it is in cache, and the output is the pooled one.
    var fusedPool: Pool2D?

    /// Set by `Network` around the micro-batches of one evaluation pass, when
    /// the weights cannot change: Winograd's transformed weights are computed
    /// once and kept until it is cleared.
    var holdsTransformedWeights = false {
        didSet { if !holdsTransformedWeights { heldTransformedWeights = nil } }
    }
    var heldTransformedWeights: [Float]?

    /// Whether a pass with these sizes runs as Winograd F(2×2, 3×3).
    func usesWinograd(_ g: Geometry) -> Bool {
        switch algorithm {
        case .automatic: return Winograd.pays(for: g)
        case .im2col: return false
        case .winograd: return Winograd.applies(to: g)
        }
    }

    /// Whether an evaluation pass with these sizes runs as a direct convolution
    /// (`capas_direct_conv`): a first layer's one to four channels, stride 1,
    /// no dilation, one group, on a processor with AVX2 and FMA. Its products
    /// are too thin (an inner dimension of c·f·f) for im2col and sgemm to pay.
    func usesDirect(_ g: Geometry) -> Bool {
        algorithm == .automatic && BLAS.smallKernelEnabled && g.c <= 4 && g.groups == 1
            && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1
    }

    /// Whether this layer computes an input of `shape` with Winograd F(2×2, 3×3).
    public func usesWinograd(forInputShape shape: [Int]) -> Bool { usesWinograd(geometry(for: shape)) }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        let g = geometry(for: x.shape)
        let rectified = fusesReLU
        let training = mode.keepsForBackward
        if training { input = x; geometry = g; winogradPlan = nil }
        let pool = rectified ? fusedPool.flatMap { $0.fusesIntoConvolution ? $0 : nil } : nil
        if usesWinograd(g) { return winogradForward(x, g, training: training, pool: pool) }
        // Direct only for evaluation: training keeps im2col's columns for the weight gradient.
        let direct = !training && usesDirect(g)
        let perSample = g.isPointwise || direct ? 0 : g.groups * g.rows * g.cols
        let cache = training && perSample > 0 && g.n * perSample * MemoryLayout<Float>.size <= Conv2D.columnCacheLimit
        if cache {
            if columns.count != g.n * perSample {
                columns = workspace(g.n * perSample)
            }
        } else if training {
            columns = []
        }
        let inPlane = g.c * g.h * g.w, outPlane = g.k * g.ho * g.wo
        let biasValues = bias?.value.data
        let biasArray = biasValues ?? []
        let pooling = pool?.prepareFused(inputShape: outputShape(g), training: training)
        let pooledPlane = pooling.map { $0.0.ho * $0.0.wo * g.k } ?? 0
        return x.data.withUnsafeBufferPointer { xp in
            weight.value.data.withUnsafeBufferPointer { wp in
              biasArray.withUnsafeBufferPointer { bp in
                columns.withUnsafeMutableBufferPointer { cachep in
                  Pool2D.withFusedWinners(of: pool) { winners in
                    Tensor(shape: pooling?.1 ?? outputShape(g)) { yb, _ in
                        let xb = xp.baseAddress!, wb = wp.baseAddress!, cacheBase = cachep.baseAddress
                        Parallel.forChunks(g.n) { _, range in
                            var scratch = workspace(direct ? capas_direct_conv_scratch(g.c, g.ho, g.wo, g.kh, g.kw)
                                                    : g.isPointwise || cache ? 0 : g.rows * g.cols)
                            // Pooled: each sample's output is made here, then pooled into the output.
                            var unpooled = workspace(pooling == nil ? 0 : outPlane)
                            unpooled.withUnsafeMutableBufferPointer { unpooledp in
                            scratch.withUnsafeMutableBufferPointer { scratchp in
                                for s in range {
                                    let ysample = pooling == nil ? yb + s * outPlane : unpooledp.baseAddress!
                                    // 2×2 pooling in evaluation: pooled while the rows are in cache, nothing else stored.
                                    if direct, let (pg, _) = pooling, winners == nil, pg.kh == 2, pg.kw == 2, pg.sh == 2, pg.sw == 2,
                                       capas_direct_conv_pooled(xb + s * inPlane, g.c, g.h, g.w, g.pt, g.pl, wb, g.k, g.kh, g.kw,
                                                                biasValues == nil ? nil : bp.baseAddress,
                                                                yb + s * pooledPlane, g.ho, g.wo, scratchp.baseAddress) == 0 {
                                        continue
                                    }
                                    if direct, capas_direct_conv(xb + s * inPlane, g.c, g.h, g.w, g.pt, g.pl, wb, g.k, g.kh, g.kw,
                                                                 biasValues == nil ? nil : bp.baseAddress, rectified ? 1 : 0,
                                                                 ysample, g.ho, g.wo, scratchp.baseAddress) == 0 {
                                        if let (pg, _) = pooling {
                                            Pool2D.maxUnpadded(ysample, yb + s * pooledPlane, winners.map { $0 + s * pooledPlane },
                                                               pg, planes: 0..<g.k)
                                        }
                                        continue
                                    }
                                    // The bias goes in first and the product is added to it (beta = 1),
                                    // which saves OpenBLAS's zeroing pass and a separate bias pass.
                                    if let biasValues {
                                        for o in 0..<g.k { (ysample + o * g.cols).update(repeating: biasValues[o], count: g.cols) }
                                    }
                                    for grp in 0..<g.groups {
                                        let xs = xb + s * inPlane + grp * g.cg * g.h * g.w
                                        let src: UnsafePointer<Float>
                                        if g.isPointwise { src = xs } else {
                                            let col = cache ? cacheBase! + (s * g.groups + grp) * g.rows * g.cols
                                                            : scratchp.baseAddress!
                                            Conv2D.im2col(xs, g, col)
                                            src = UnsafePointer(col)
                                        }
                                        BLAS.sgemm(m: g.kg, n: g.cols, k: g.rows,
                                                   a: wb + grp * g.kg * g.rows, b: src,
                                                   beta: biasValues == nil ? 0 : 1, c: ysample + grp * g.kg * g.cols)
                                    }
                                    // The following relu, while the sample's output is in cache.
                                    if rectified { rectify(ysample, outPlane) }
                                    if let (pg, _) = pooling {
                                        Pool2D.maxUnpadded(ysample, yb + s * pooledPlane, winners.map { $0 + s * pooledPlane },
                                                           pg, planes: 0..<g.k)
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
        }
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let g = geometry else { preconditionFailure("\(kind).backward before a training forward") }
        precondition(dy.shape == outputShape(g), "\(kind).backward: gradient shape \(dy.shape), output \(outputShape(g))")
        if let plan = winogradPlan { return winogradBackward(dy, plan) }
        let skipInput = skipsInputGradient
        // A frozen layer (fine-tuning) passes the gradient on without computing its own.
        let skipWeights = weight.frozen
        // With stride 1 the input gradient is itself a convolution: the output
        // gradient correlated with the kernel flipped in both axes (input and
        // output channels swapped), padded by d·(f − 1) − p. Unrolling dY and
        // one product per group writes dX directly, without the dcol matrix
        // (rows × cols per sample, zeroed by the product) and its scatter-add.
        // Only when dX has no more pixels than dY ("same" padding): otherwise
        // the flipped kernel spends its products on the zero border.
        let flipped = !g.isPointwise && !skipInput && g.sh == 1 && g.sw == 1 && g.h * g.w <= g.ho * g.wo
        let gT = Geometry(n: g.n, c: g.k, h: g.ho, w: g.wo, k: g.c, ho: g.h, wo: g.w, kh: g.kh, kw: g.kw, sh: 1, sw: 1,
                          pt: g.dh * (g.kh - 1) - g.pt, pl: g.dw * (g.kw - 1) - g.pl, dh: g.dh, dw: g.dw,
                          groups: g.groups)
        let flippedWeights = flipped ? Conv2D.flippedWeights(weight.value.data, g) : []
        // The flipped path writes every element of dX (beta = 0); the others add into zeros.
        var dx = flipped ? Tensor(shape: input.shape) { _, _ in } : Tensor(zeros: input.shape)
        let inPlane = g.c * g.h * g.w, outPlane = g.k * g.ho * g.wo
        let workers = Parallel.workers(for: g.n)
        let wCount = weight.value.count
        // Per-worker gradient accumulators, summed in worker order afterwards.
        var dwParts = [Float](repeating: 0, count: skipWeights ? 0 : workers * wCount)
        var dbParts = [Float](repeating: 0, count: skipWeights ? 0 : workers * g.k)
        let cached = !g.isPointwise && columns.count == g.n * g.groups * g.rows * g.cols
        columns.withUnsafeBufferPointer { cachep in
        flippedWeights.withUnsafeBufferPointer { fp in
        let cacheBase = cachep.baseAddress, flippedBase = fp.baseAddress
        input.data.withUnsafeBufferPointer { xp in
            weight.value.data.withUnsafeBufferPointer { wp in
                dy.data.withUnsafeBufferPointer { dyp in
                    dx.data.withUnsafeMutableBufferPointer { dxp in
                        dwParts.withUnsafeMutableBufferPointer { dwp in
                            dbParts.withUnsafeMutableBufferPointer { dbp in
                                let xb = xp.baseAddress!, wb = wp.baseAddress!, dyb = dyp.baseAddress!
                                // An empty array's buffer may still have a base address (the shared empty
                                // storage): a frozen layer must not write its weight gradients there.
                                let dxb = dxp.baseAddress!
                                let dwb = skipWeights ? nil : dwp.baseAddress, dbb = skipWeights ? nil : dbp.baseAddress
                                Parallel.forChunks(g.n, workers: workers) { worker, range in
                                    let dwLocal = dwb.map { $0 + worker * wCount }
                                    let dbLocal = dbb.map { $0 + worker * g.k }
                                    // Frozen: the columns are needed only for dW, so none are made.
                                    var col = workspace(g.isPointwise || cached || skipWeights ? 0 : g.rows * g.cols)
                                    var dcol = workspace(g.isPointwise || skipInput ? 0 : flipped ? gT.rows * gT.cols : g.rows * g.cols)
                                    col.withUnsafeMutableBufferPointer { colp in
                                        dcol.withUnsafeMutableBufferPointer { dcolp in
                                            for s in range {
                                                for grp in 0..<g.groups {
                                                    let xs = xb + s * inPlane + grp * g.cg * g.h * g.w
                                                    let dxs = dxb + s * inPlane + grp * g.cg * g.h * g.w
                                                    let dys = dyb + s * outPlane + grp * g.kg * g.cols
                                                    let wg = wb + grp * g.kg * g.rows
                                                    if let dwLocal {
                                                        let src: UnsafePointer<Float>
                                                        if g.isPointwise { src = xs } else if cached {
                                                            src = cacheBase! + (s * g.groups + grp) * g.rows * g.cols
                                                        } else {
                                                            Conv2D.im2col(xs, g, colp.baseAddress!)
                                                            src = UnsafePointer(colp.baseAddress!)
                                                        }
                                                        // dW_g += dY_g [kg × cols] · colᵀ [cols × rows]
                                                        BLAS.sgemm(transposeB: true, m: g.kg, n: g.rows, k: g.cols,
                                                                   a: dys, b: src, beta: 1,
                                                                   c: dwLocal + grp * g.kg * g.rows)
                                                    }
                                                    // dcol = W_gᵀ [rows × kg] · dY_g [kg × cols]
                                                    if skipInput { continue }
                                                    if g.isPointwise {
                                                        BLAS.sgemm(transposeA: true, m: g.rows, n: g.cols, k: g.kg,
                                                                   a: wg, b: dys, c: dxs)
                                                    } else if flipped {
                                                        // dX_g [cg × h·w] = W'_g [cg × kg·kh·kw] · im2col(dY_g)
                                                        Conv2D.im2col(dys, gT, dcolp.baseAddress!)
                                                        BLAS.sgemm(m: g.cg, n: gT.cols, k: gT.rows,
                                                                   a: flippedBase! + grp * g.cg * gT.rows,
                                                                   b: dcolp.baseAddress!, c: dxs)
                                                    } else {
                                                        BLAS.sgemm(transposeA: true, m: g.rows, n: g.cols, k: g.kg,
                                                                   a: wg, b: dys, c: dcolp.baseAddress!)
                                                        Conv2D.col2im(UnsafePointer(dcolp.baseAddress!), g, dxs)
                                                    }
                                                }
                                                if let dbLocal {
                                                    for o in 0..<g.k {
                                                        dbLocal[o] += Conv2D.sum(dyb + s * outPlane + o * g.cols, g.cols)
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
            }
        }
        }
        }
        if skipWeights { return dx }
        weight.grad.data.withUnsafeMutableBufferPointer { gp in
            for worker in 0..<workers {
                for i in 0..<wCount { gp[i] += dwParts[worker * wCount + i] }
            }
        }
        if let bias {
            for worker in 0..<workers {
                for o in 0..<g.k { bias.grad.data[o] += dbParts[worker * g.k + o] }
            }
        }
        return dx
    }

    /// The kernel of the stride-1 input gradient, group by group: W'_g[c, (o·kh + i)·kw + j]
    /// = w[g·kg + o, c, kh − 1 − i, kw − 1 − j], a [cg × kg·kh·kw] matrix per group.
    static func flippedWeights(_ w: [Float], _ g: Geometry) -> [Float] {
        let taps = g.kh * g.kw
        var out = [Float](repeating: 0, count: w.count)
        for grp in 0..<g.groups {
            for c in 0..<g.cg {
                for o in 0..<g.kg {
                    let src = ((grp * g.kg + o) * g.cg + c) * taps
                    let dst = ((grp * g.cg + c) * g.kg + o) * taps
                    for t in 0..<taps { out[dst + t] = w[src + taps - 1 - t] }
                }
            }
        }
        return out
    }

    /// The sum of `count` floats, eight lanes at a time (a fixed order: the
    /// same input always gives the same result).
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        typealias V = SIMD8<Float>
        var a = V(), b = V()
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 16 <= count {
            a += raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            b += raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: V.self)
            i += 16
        }
        var total = (a + b).sum()
        while i < count { total += p[i]; i += 1 }
        return total
    }

    /// Unrolls the receptive fields of one sample and group into columns:
    /// col[(c·kh + i)·kw + j, oy·W_out + ox] = x[c, oy·s − p + i·d, ox·s − p + j·d] (0 outside).
    @inline(__always)
    static func im2col(_ x: UnsafePointer<Float>, _ g: Geometry, _ col: UnsafeMutablePointer<Float>) {
        if g.sw == 1 {
            // In AVX2 where the processor has it (the same copies), or the Swift loop.
            if BLAS.smallKernelEnabled,
               capas_im2col_unit_stride(x, g.cg, g.h, g.w, g.kh, g.kw, g.sh, g.dh, g.dw, g.pt, g.pl, g.ho, g.wo, col) == 0 {
                return
            }
            im2colUnitStride(x, g, col)
            return
        }
        var row = 0
        for c in 0..<g.cg {
            let plane = x + c * g.h * g.w
            for i in 0..<g.kh {
                for j in 0..<g.kw {
                    let out = col + row * g.cols
                    for oy in 0..<g.ho {
                        let iy = oy * g.sh - g.pt + i * g.dh
                        let dst = out + oy * g.wo
                        if iy < 0 || iy >= g.h {
                            dst.update(repeating: 0, count: g.wo)
                            continue
                        }
                        let src = plane + iy * g.w
                        let offset = j * g.dw - g.pl
                        // Horizontal stride > 1 here (stride 1 went to im2colUnitStride).
                        for ox in 0..<g.wo {
                            let ix = ox * g.sw + offset
                            dst[ox] = (ix >= 0 && ix < g.w) ? src[ix] : 0
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// im2col when the horizontal stride is 1: every column row is a run of
    /// input pixels between zero borders. The borders (which output rows and
    /// columns fall outside the input) depend only on the kernel tap, so they
    /// are computed once per tap, and the runs are copied eight lanes at a time.
    static func im2colUnitStride(_ x: UnsafePointer<Float>, _ g: Geometry, _ col: UnsafeMutablePointer<Float>) {
        let ho = g.ho, wo = g.wo, h = g.h, w = g.w, sh = g.sh
        /// ⌈a / b⌉ for b > 0 and any sign of a.
        @inline(__always) func ceilDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a &+ b &- 1) / b : -((-a) / b) }
        var out = col
        for c in 0..<g.cg {
            let plane = x + c &* h &* w
            for i in 0..<g.kh {
                // iy = oy·sh + rowOffset is inside for oy in oyLo..<oyHi.
                let rowOffset = i &* g.dh &- g.pt
                let oyLo = min(ho, max(0, ceilDiv(-rowOffset, sh)))
                let oyHi = max(oyLo, min(ho, ceilDiv(h &- rowOffset, sh)))
                for j in 0..<g.kw {
                    // ix = ox + offset is inside for ox in lo..<hi.
                    let offset = j &* g.dw &- g.pl
                    let lo = min(wo, max(0, -offset)), hi = max(lo, min(wo, w &- offset))
                    fill(out, 0, oyLo &* wo)
                    for oy in oyLo..<oyHi {
                        let dst = out + oy &* wo
                        let src = plane + ((oy &* sh &+ rowOffset) &* w &+ offset)
                        fill(dst, 0, lo)
                        copy(src + lo, dst + lo, hi &- lo)
                        fill(dst + hi, 0, wo &- hi)
                    }
                    fill(out + oyHi &* wo, 0, (ho &- oyHi) &* wo)
                    out += ho &* wo
                }
            }
        }
    }

    /// Copies `count` floats, eight at a time, then one at a time.
    @inline(__always)
    static func copy(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ count: Int) {
        typealias V = SIMD8<Float>
        let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
        var i = 0
        while i &+ 8 <= count {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: i &* 4, as: V.self), toByteOffset: i &* 4, as: V.self)
            i &+= 8
        }
        while i < count { dst[i] = src[i]; i &+= 1 }
    }

    /// Sets `count` floats to `value`, eight at a time, then one at a time.
    @inline(__always)
    static func fill(_ dst: UnsafeMutablePointer<Float>, _ value: Float, _ count: Int) {
        typealias V = SIMD8<Float>
        let d = UnsafeMutableRawPointer(dst), v = V(repeating: value)
        var i = 0
        while i &+ 8 <= count {
            d.storeBytes(of: v, toByteOffset: i &* 4, as: V.self)
            i &+= 8
        }
        while i < count { dst[i] = value; i &+= 1 }
    }

    /// The adjoint of im2col: adds each column entry back to its input pixel.
    @inline(__always)
    static func col2im(_ col: UnsafePointer<Float>, _ g: Geometry, _ dx: UnsafeMutablePointer<Float>) {
        if g.sw == 1, BLAS.smallKernelEnabled,
           capas_col2im_unit_stride(col, g.cg, g.h, g.w, g.kh, g.kw, g.sh, g.dh, g.dw, g.pt, g.pl, g.ho, g.wo, dx) == 0 {
            return
        }
        var row = 0
        for c in 0..<g.cg {
            let plane = dx + c * g.h * g.w
            for i in 0..<g.kh {
                for j in 0..<g.kw {
                    let src = col + row * g.cols
                    for oy in 0..<g.ho {
                        let iy = oy * g.sh - g.pt + i * g.dh
                        if iy < 0 || iy >= g.h { continue }
                        let dst = plane + iy * g.w
                        let line = src + oy * g.wo
                        let offset = j * g.dw - g.pl
                        if g.sw == 1 {
                            // Contiguous run: only the columns that land inside the row.
                            let lo = max(0, -offset), hi = min(g.wo, g.w - offset)
                            if hi > lo {
                                let d = dst + offset
                                for ox in lo..<hi { d[ox] += line[ox] }
                            }
                        } else {
                            for ox in 0..<g.wo {
                                let ix = ox * g.sw + offset
                                if ix >= 0 && ix < g.w { dst[ix] += line[ox] }
                            }
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// The definition, loop by loop, for tests and for learners reading the code:
    /// y[n, o, oy, ox] = b[o] + Σ_c Σ_i Σ_j w[o, c, i, j] · x[n, g·C_in/groups + c, oy·s − p + i·d, ox·s − p + j·d].
    public func referenceForward(_ x: Tensor) -> Tensor {
        let g = geometry(for: x.shape)
        var y = Tensor(zeros: outputShape(g))
        for n in 0..<g.n {
            for o in 0..<g.k {
                let grp = o / g.kg
                for oy in 0..<g.ho {
                    for ox in 0..<g.wo {
                        var acc: Float = bias?.value.data[o] ?? 0
                        for c in 0..<g.cg {
                            for i in 0..<g.kh {
                                for j in 0..<g.kw {
                                    let iy = oy * g.sh - g.pt + i * g.dh
                                    let ix = ox * g.sw - g.pl + j * g.dw
                                    guard iy >= 0, iy < g.h, ix >= 0, ix < g.w else { continue }
                                    let xv = x.data[((n * g.c + grp * g.cg + c) * g.h + iy) * g.w + ix]
                                    let wv = weight.value.data[((o * g.cg + c) * g.kh + i) * g.kw + j]
                                    acc += xv * wv
                                }
                            }
                        }
                        y.data[((n * g.k + o) * g.ho + oy) * g.wo + ox] = acc
                    }
                }
            }
        }
        return y
    }
}

/// Room for `count` floats that the caller writes in full before reading
/// (im2col fills every element, padding included; sgemm with beta = 0
/// overwrites its output), so no zeroing pass.
@inline(__always)
func workspace(_ count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}
