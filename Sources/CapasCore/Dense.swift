// Dense (fully connected, PyTorch's Linear):  y = x · Wᵀ + b
//
// Shapes:
//   input   x  [N, F_in]
//   weight  W  [F_out, F_in]   (PyTorch's layout)
//   bias    b  [F_out]
//   output  y  [N, F_out]
//   parameters = (F_in + 1) · F_out
//   multiply-adds per sample = F_in · F_out + F_out (torchinfo counts the bias)

public struct DenseConfig: Hashable, Sendable {
    public var inFeatures: Int
    public var outFeatures: Int
    public var bias: Bool
    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true) {
        self.inFeatures = inFeatures; self.outFeatures = outFeatures; self.bias = bias
    }

    public func outputShape(for input: FeatureShape) throws -> FeatureShape {
        guard input.isVector else { throw ShapeError.wrongInputKind(layer: "dense", expected: .vector, got: input) }
        guard outFeatures >= 1 else {
            throw ShapeError.invalidValue(layer: "dense", parameter: "units", value: String(outFeatures), requirement: .positive)
        }
        return .vector(outFeatures)
    }

    public func parameterCount() throws -> Int {
        try Checked.mul(try Checked.add(inFeatures, bias ? 1 : 0, "parameters"), outFeatures, "parameters")
    }

    public func multiplyAdds() throws -> Int { try parameterCount() }
}

public final class Dense: UnaryLayer, ReLUFusing {
    public let config: DenseConfig
    public let weight: Parameter
    public let bias: Parameter?
    public var kind: String { "Linear" }
    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }
    private var input = Tensor(zeros: [0])

    public init(_ config: DenseConfig, generator: inout SeededGenerator) {
        self.config = config
        weight = Parameter("weight", defaultInitialization(shape: [config.outFeatures, config.inFeatures],
                                                           fanIn: config.inFeatures, generator: &generator))
        bias = config.bias ? Parameter("bias", defaultInitialization(shape: [config.outFeatures],
                                                                     fanIn: config.inFeatures, generator: &generator)) : nil
    }

    var fusesReLU = false

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        let rectified = fusesReLU
        precondition(x.rank == 2 && x.shape[1] == config.inFeatures,
                     "Linear: input shape \(x.shape), expected [N, \(config.inFeatures)]")
        if mode.keepsForBackward { input = x }
        let n = x.shape[0], fin = config.inFeatures, fout = config.outFeatures
        var y = Tensor(zeros: [n, fout])
        x.data.withUnsafeBufferPointer { xp in
            weight.value.data.withUnsafeBufferPointer { wp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    let xb = xp.baseAddress!, wb = wp.baseAddress!, yb = yp.baseAddress!
                    if let bias {
                        for r in 0..<n { (yb + r * fout).update(from: bias.value.data, count: fout) }
                    }
                    let beta: Float = bias == nil ? 0 : 1
                    // Split over output units: each worker packs only its share of W
                    // (W is the larger operand for a batch of 64).
                    Parallel.forChunks(Dense.splits(fout), workers: Dense.workers(rows: Dense.splits(fout), work: n * fin * fout)) { _, units in
                        let units = Dense.aligned(units, total: fout)
                        BLAS.sgemm(transposeB: true, m: n, n: units.count, k: fin,
                                   a: xb, b: wb + units.lowerBound * fin, beta: beta,
                                   c: yb + units.lowerBound, ldc: fout)
                        // The following relu, on this worker's block while it is in cache.
                        if rectified {
                            for r in 0..<n { rectify(yb + r * fout + units.lowerBound, units.count) }
                        }
                    }
                }
            }
        }
        return y
    }

    /// Set when nothing needs the gradient with respect to this layer's input
    /// (the first layer of a network): backward then returns zeros and skips dX.
    public var skipsInputGradient = false

    public func backward(_ dy: Tensor) -> Tensor {
        let n = input.shape[0], fin = config.inFeatures, fout = config.outFeatures
        let skipInput = skipsInputGradient
        precondition(dy.shape == [n, fout], "Linear.backward: gradient \(dy.shape), expected [\(n), \(fout)]")
        var dx = Tensor(zeros: [n, fin])
        input.data.withUnsafeBufferPointer { xp in
            weight.value.data.withUnsafeBufferPointer { wp in
                dy.data.withUnsafeBufferPointer { dyp in
                    dx.data.withUnsafeMutableBufferPointer { dxp in
                        weight.grad.data.withUnsafeMutableBufferPointer { gwp in
                            let xb = xp.baseAddress!, wb = wp.baseAddress!, dyb = dyp.baseAddress!
                            let dxb = dxp.baseAddress!, gwb = gwp.baseAddress!
                            let workers = Dense.workers(rows: max(n, fout), work: n * fin * fout)
                            // dX = dY · W, split over input features (columns of W), so
                            // each worker packs only its share of W.
                            if !skipInput { Parallel.forChunks(Dense.splits(fin), workers: workers) { _, part in
                                let columns = Dense.aligned(part, total: fin)
                                BLAS.sgemm(m: n, n: columns.count, k: fout, a: dyb, b: wb + columns.lowerBound, ldb: fin,
                                           c: dxb + columns.lowerBound, ldc: fin)
                            } }
                            // dW += dYᵀ · X, split over output units (rows of dW); none when frozen.
                            if !weight.frozen { Parallel.forChunks(fout, workers: workers) { _, units in
                                BLAS.sgemm(transposeA: true, m: units.count, n: fin, k: n,
                                           a: dyb + units.lowerBound, lda: fout, b: xb, beta: 1,
                                           c: gwb + units.lowerBound * fin)
                            } }
                        }
                    }
                }
            }
        }
        if let bias, !bias.frozen {
            bias.grad.data.withUnsafeMutableBufferPointer { gb in
                dy.data.withUnsafeBufferPointer { d in
                    for r in 0..<n { for o in 0..<fout { gb[o] += d[r * fout + o] } }
                }
            }
        }
        return dx
    }

    /// Splits of a dimension are whole blocks of 16 values (whole SIMD
    /// vectors for the kernels); `aligned` turns a range of blocks into values.
    static func splits(_ count: Int) -> Int { (count + 15) / 16 }
    static func aligned(_ blocks: Range<Int>, total: Int) -> Range<Int> {
        min(total, blocks.lowerBound * 16)..<min(total, blocks.upperBound * 16)
    }

    /// Small products are not worth a thread hand-off.
    static func workers(rows: Int, work: Int) -> Int {
        work < 200_000 ? 1 : Parallel.workers(for: rows)
    }
}
