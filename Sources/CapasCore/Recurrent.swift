import Foundation

// Recurrent layers (PyTorch's nn.RNN with tanh and nn.LSTM, one layer each),
// with forward and backward through time.
//
// Shapes (N sequences of T steps with F features, U units):
//   input   [N, F, T]       channels first, like every sequence in capas
//                           (embedding's output; PyTorch's batch_first input
//                           is [N, T, F], the same numbers transposed)
//   output  [N, U, T]       every step's h (`sequences=yes`)
//           [N, U]          or the last step's h
// Parameters (PyTorch's names and layout, G = 1 for rnn, 4 for lstm):
//   weight_ih_l0  [G·U, F]   weight_hh_l0  [G·U, U]
//   bias_ih_l0    [G·U]      bias_hh_l0    [G·U]     (both with PyTorch's two
//   biases; with one bias only bias_ih_l0, with none neither)
// The LSTM's gates come in PyTorch's order i, f, g, o:
//   a = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh
//   i = σ(a_i)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o)
//   c_t = f ⊙ c_{t−1} + i ⊙ g       h_t = o ⊙ tanh(c_t)
// The simple RNN: h_t = tanh(a). h_{−1} = c_{−1} = 0.
//
// Backward through time walks the steps in reverse: the gradient reaching
// h_t is the output's plus W_hhᵀ·(the pre-activation gradient of step t + 1),
// and c_t's adds f_{t+1} ⊙ (c_{t+1}'s gradient).

public final class RecurrentLayer: UnaryLayer {
    public enum Cell: Sendable { case simple, lstm }

    public let cell: Cell
    public let inputFeatures: Int
    public let units: Int
    public let returnSequences: Bool
    public let weightIH: Parameter
    public let weightHH: Parameter
    public let biasIH: Parameter?
    public let biasHH: Parameter?

    public var kind: String { cell == .simple ? "RNN" : "LSTM" }
    public var parameters: [Parameter] {
        [weightIH, weightHH] + (biasIH.map { [$0] } ?? []) + (biasHH.map { [$0] } ?? [])
    }

    var gates: Int { cell == .simple ? 1 : 4 }

    // Kept for backward, time-major: [T, N, F], [T+1, N, U] (step 0 is h_{−1} = 0),
    // the gate activations [T, N, G·U].
    private var xs: [Float] = []
    private var hs: [Float] = []
    private var cs: [Float] = []
    private var acts: [Float] = []
    private var batch = 0, steps = 0

    /// `biasVectors`: 2 (PyTorch's b_ih and b_hh), 1 (Keras' single bias) or 0.
    /// Every parameter starts uniform in ±1/√U, as in PyTorch.
    public init(cell: Cell, inputFeatures: Int, units: Int, biasVectors: Int = 2, returnSequences: Bool,
                generator: inout SeededGenerator) {
        self.cell = cell
        self.inputFeatures = inputFeatures
        self.units = units
        self.returnSequences = returnSequences
        let g = cell == .simple ? 1 : 4
        func make(_ name: String, _ shape: [Int]) -> Parameter {
            Parameter(name, defaultInitialization(shape: shape, fanIn: units, generator: &generator))
        }
        weightIH = make("weight_ih_l0", [g * units, inputFeatures])
        weightHH = make("weight_hh_l0", [g * units, units])
        biasIH = biasVectors >= 1 ? make("bias_ih_l0", [g * units]) : nil
        biasHH = biasVectors >= 2 ? make("bias_hh_l0", [g * units]) : nil
    }

    @inline(__always) static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        precondition(x.rank == 3 && x.shape[1] == inputFeatures,
                     "\(kind): input shape \(x.shape), expected [N, \(inputFeatures), T]")
        let n = x.shape[0], t = x.shape[2], f = inputFeatures, u = units, gu = gates * units
        // Time-major copy of the input: xt[(s·N + b)·F + c] = x[b, c, s].
        var xt = [Float](repeating: 0, count: t * n * f)
        for b in 0..<n { for c in 0..<f { for s in 0..<t { xt[(s * n + b) * f + c] = x.data[(b * f + c) * t + s] } } }
        // Pre-activations from the input for every step at once, plus both biases.
        var a = [Float](repeating: 0, count: t * n * gu)
        var bias = [Float](repeating: 0, count: gu)
        if let biasIH { for j in 0..<gu { bias[j] += biasIH.value.data[j] } }
        if let biasHH { for j in 0..<gu { bias[j] += biasHH.value.data[j] } }
        for r in 0..<(t * n) { for j in 0..<gu { a[r * gu + j] = bias[j] } }
        xt.withUnsafeBufferPointer { xp in
            weightIH.value.data.withUnsafeBufferPointer { wp in
                a.withUnsafeMutableBufferPointer { ap in
                    BLAS.sgemm(transposeB: true, m: t * n, n: gu, k: f, a: xp.baseAddress!, b: wp.baseAddress!,
                               beta: 1, c: ap.baseAddress!)
                }
            }
        }
        var h = [Float](repeating: 0, count: (t + 1) * n * u)
        var c = cell == .lstm ? [Float](repeating: 0, count: (t + 1) * n * u) : []
        h.withUnsafeMutableBufferPointer { hp in
            a.withUnsafeMutableBufferPointer { ap in
                weightHH.value.data.withUnsafeBufferPointer { wp in
                    c.withUnsafeMutableBufferPointer { cp in
                        for s in 0..<t {
                            let hPrev = hp.baseAddress! + s * n * u, hNow = hp.baseAddress! + (s + 1) * n * u
                            let row = ap.baseAddress! + s * n * gu
                            BLAS.sgemm(transposeB: true, m: n, n: gu, k: u, a: hPrev, b: wp.baseAddress!, beta: 1, c: row)
                            if cell == .simple {
                                for i in 0..<(n * u) { row[i] = Foundation.tanh(row[i]); hNow[i] = row[i] }
                                continue
                            }
                            let cPrev = cp.baseAddress! + s * n * u, cNow = cp.baseAddress! + (s + 1) * n * u
                            for b in 0..<n {
                                let g4 = row + b * gu
                                for k in 0..<u {
                                    let ig = RecurrentLayer.sigmoid(g4[k]), fg = RecurrentLayer.sigmoid(g4[u + k])
                                    let gg = Foundation.tanh(g4[2 * u + k]), og = RecurrentLayer.sigmoid(g4[3 * u + k])
                                    g4[k] = ig; g4[u + k] = fg; g4[2 * u + k] = gg; g4[3 * u + k] = og
                                    let cn = fg * cPrev[b * u + k] + ig * gg
                                    cNow[b * u + k] = cn
                                    hNow[b * u + k] = og * Foundation.tanh(cn)
                                }
                            }
                        }
                    }
                }
            }
        }
        var y: Tensor
        if returnSequences {
            y = Tensor(zeros: [n, u, t])
            for s in 0..<t { for b in 0..<n { for k in 0..<u { y.data[(b * u + k) * t + s] = h[((s + 1) * n + b) * u + k] } } }
        } else {
            y = Tensor(zeros: [n, u])
            for i in 0..<(n * u) { y.data[i] = h[t * n * u + i] }
        }
        if mode.keepsForBackward {
            xs = xt; hs = h; cs = c; acts = a; batch = n; steps = t
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let n = batch, t = steps, f = inputFeatures, u = units, gu = gates * units
        precondition(hs.count == (t + 1) * n * u && n > 0, "\(kind).backward before a training forward")
        precondition(dy.shape == (returnSequences ? [n, u, t] : [n, u]), "\(kind).backward: gradient \(dy.shape)")
        // The output's gradient for each step's h, time-major.
        var dhOut = [Float](repeating: 0, count: t * n * u)
        if returnSequences {
            for s in 0..<t { for b in 0..<n { for k in 0..<u { dhOut[(s * n + b) * u + k] = dy.data[(b * u + k) * t + s] } } }
        } else {
            for i in 0..<(n * u) { dhOut[(t - 1) * n * u + i] = dy.data[i] }
        }
        var da = [Float](repeating: 0, count: t * n * gu)
        var dh = [Float](repeating: 0, count: n * u)
        var dc = [Float](repeating: 0, count: n * u)
        da.withUnsafeMutableBufferPointer { dap in
            weightHH.value.data.withUnsafeBufferPointer { wp in
                dh.withUnsafeMutableBufferPointer { dhp in
                    for s in stride(from: t - 1, through: 0, by: -1) {
                        let act = s * n * gu
                        let dRow = dap.baseAddress! + s * n * gu
                        for i in 0..<(n * u) { dhp[i] += dhOut[s * n * u + i] }
                        if cell == .simple {
                            for i in 0..<(n * u) { let hv = acts[act + i]; dRow[i] = dhp[i] * (1 - hv * hv) }
                        } else {
                            for b in 0..<n {
                                for k in 0..<u {
                                    let base = act + b * gu
                                    let ig = acts[base + k], fg = acts[base + u + k]
                                    let gg = acts[base + 2 * u + k], og = acts[base + 3 * u + k]
                                    let cNow = cs[((s + 1) * n + b) * u + k], cPrev = cs[(s * n + b) * u + k]
                                    let tc = Foundation.tanh(cNow)
                                    let dhv = dhp[b * u + k]
                                    let dcv = dc[b * u + k] + dhv * og * (1 - tc * tc)
                                    let r = dRow + b * gu
                                    r[k] = dcv * gg * ig * (1 - ig)
                                    r[u + k] = dcv * cPrev * fg * (1 - fg)
                                    r[2 * u + k] = dcv * ig * (1 - gg * gg)
                                    r[3 * u + k] = dhv * tc * og * (1 - og)
                                    dc[b * u + k] = dcv * fg
                                }
                            }
                        }
                        // The gradient reaching h_{s−1}: da_s · W_hh.
                        BLAS.sgemm(m: n, n: u, k: gu, a: dRow, b: wp.baseAddress!, c: dhp.baseAddress!)
                    }
                }
            }
        }
        // Weights: dW_ih += daᵀ·x, dW_hh += daᵀ·h_{t−1} over every step at once.
        da.withUnsafeBufferPointer { dap in
            if !weightIH.frozen {
                xs.withUnsafeBufferPointer { xp in
                    weightIH.grad.data.withUnsafeMutableBufferPointer { gp in
                        BLAS.sgemm(transposeA: true, m: gu, n: f, k: t * n, a: dap.baseAddress!, b: xp.baseAddress!,
                                   beta: 1, c: gp.baseAddress!)
                    }
                }
            }
            if !weightHH.frozen {
                hs.withUnsafeBufferPointer { hp in
                    weightHH.grad.data.withUnsafeMutableBufferPointer { gp in
                        BLAS.sgemm(transposeA: true, m: gu, n: u, k: t * n, a: dap.baseAddress!, b: hp.baseAddress!,
                                   beta: 1, c: gp.baseAddress!)
                    }
                }
            }
        }
        for bias in [biasIH, biasHH].compactMap({ $0 }) where !bias.frozen {
            for r in 0..<(t * n) { for j in 0..<gu { bias.grad.data[j] += da[r * gu + j] } }
        }
        // dx = da · W_ih, back to [N, F, T].
        var dxt = [Float](repeating: 0, count: t * n * f)
        da.withUnsafeBufferPointer { dap in
            weightIH.value.data.withUnsafeBufferPointer { wp in
                dxt.withUnsafeMutableBufferPointer { dp in
                    BLAS.sgemm(m: t * n, n: f, k: gu, a: dap.baseAddress!, b: wp.baseAddress!, c: dp.baseAddress!)
                }
            }
        }
        var dx = Tensor(zeros: [n, f, t])
        for b in 0..<n { for c in 0..<f { for s in 0..<t { dx.data[(b * f + c) * t + s] = dxt[(s * n + b) * f + c] } } }
        return dx
    }
}
