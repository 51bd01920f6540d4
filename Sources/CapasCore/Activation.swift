import Foundation

// Activations: elementwise functions and their derivatives, any input shape.
//
//   relu        max(0, x)                 d/dx = 1 if x > 0 else 0   (0 at x = 0, like PyTorch)
//   relu6       min(max(0, x), 6)         d/dx = 1 if 0 < x < 6 else 0 (MobileNet; PyTorch's ReLU6)
//   leakyrelu   x if x > 0 else a·x       d/dx = 1 if x > 0 else a   (a = 0.01)
//   elu         x if x > 0 else α(eˣ − 1) d/dx = 1 if x > 0 else y + α (α = 1)
//   sigmoid     1/(1 + e⁻ˣ)               d/dx = y(1 − y)
//   tanh        tanh x                    d/dx = 1 − y²
// Softmax, log-softmax (over dimension 1) and maxout are below.

public enum ActivationFunction: Hashable, Sendable {
    case relu
    /// relu capped at 6 (MobileNet v1 and v2): the cap keeps activations small
    /// enough for 8-bit arithmetic on phones.
    case relu6
    case leakyReLU(slope: Float)
    case elu(alpha: Float)
    case sigmoid
    case tanh

    public var torchName: String {
        switch self {
        case .relu: return "ReLU"
        case .relu6: return "ReLU6"
        case .leakyReLU: return "LeakyReLU"
        case .elu: return "ELU"
        case .sigmoid: return "Sigmoid"
        case .tanh: return "Tanh"
        }
    }
}

public final class Activation: UnaryLayer {
    public let function: ActivationFunction
    public var kind: String { function.torchName }
    /// Every derivative above is written in terms of the output y, and
    /// x > 0 ⇔ y > 0 for relu, leaky relu (a > 0) and elu (α > 0): only y is kept.
    private var output = Tensor(zeros: [0])
    /// The input, kept only for leaky relu and elu with a non-positive slope or α.
    private var input = Tensor(zeros: [0])

    public init(_ function: ActivationFunction) { self.function = function }

    private var needsInput: Bool {
        switch function {
        case let .leakyReLU(a): return a <= 0
        case let .elu(alpha): return alpha <= 0
        default: return false
        }
    }

    /// Set by `Network` for one forward pass when the layer before this relu
    /// already rectified its output (`ReLUFusing`): forward then passes it on.
    var inputIsRectified = false
    /// Set by `Network` with `inputIsRectified` when the producer also pools
    /// for the max pooling that reads this relu: `x` is then the pooled
    /// output, and that pooling masks the gradient by the pooled values.
    var outputIsPooled = false
    /// Whether the last training forward was such a pass: backward passes the gradient on.
    private var passesGradient = false

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        let f = function
        if mode.keepsForBackward { passesGradient = false }
        if f == .relu && inputIsRectified {
            if mode.keepsForBackward {
                passesGradient = outputIsPooled
                output = outputIsPooled ? Tensor(zeros: [0]) : x
                input = Tensor(zeros: [0])
            }
            return x
        }
        let y = x.data.withUnsafeBufferPointer { xp in
            Tensor(shape: x.shape) { b, n in
                let a = xp.baseAddress!
                Parallel.forElements(n) { range in
                    switch f {
                    case .relu:
                        for i in range { let v = a[i]; b[i] = v > 0 ? v : 0 }
                    case .relu6:
                        for i in range { let v = a[i]; b[i] = v > 0 ? (v < 6 ? v : 6) : 0 }
                    case let .leakyReLU(slope):
                        for i in range { let v = a[i]; b[i] = v > 0 ? v : slope * v }
                    case let .elu(alpha):
                        for i in range { let v = a[i]; b[i] = v > 0 ? v : alpha * Foundation.expm1(v) }
                    case .sigmoid:
                        // Written to avoid exp overflow for large |x|.
                        for i in range {
                            let v = a[i]
                            if v >= 0 { b[i] = 1 / (1 + Foundation.exp(-v)) } else { let e = Foundation.exp(v); b[i] = e / (1 + e) }
                        }
                    case .tanh:
                        for i in range { b[i] = Foundation.tanh(a[i]) }
                    }
                }
            }
        }
        if mode.keepsForBackward {
            output = y
            input = needsInput ? x : Tensor(zeros: [0])
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        if passesGradient { return dy }
        precondition(dy.shape == output.shape, "\(kind).backward: gradient \(dy.shape), output \(output.shape)")
        let f = function
        let useInput = needsInput
        return dy.data.withUnsafeBufferPointer { dp in
            output.data.withUnsafeBufferPointer { yp in
                input.data.withUnsafeBufferPointer { xp in
                    Tensor(shape: dy.shape) { dx, n in
                        let d = dp.baseAddress!, y = yp.baseAddress!
                        // The sign test reads y, or x when y cannot tell.
                        let s = useInput ? xp.baseAddress! : y
                        Parallel.forElements(n) { range in
                            switch f {
                            case .relu:
                                for i in range { let g = d[i]; dx[i] = s[i] > 0 ? g : 0 }
                            case .relu6:
                                // 0 < y < 6 exactly when 0 < x < 6 (PyTorch's hardtanh rule: 0 at both kinks).
                                for i in range { let g = d[i], v = s[i]; dx[i] = v > 0 && v < 6 ? g : 0 }
                            case let .leakyReLU(a):
                                for i in range { let g = d[i]; dx[i] = s[i] > 0 ? g : a * g }
                            case let .elu(alpha):
                                for i in range { dx[i] = s[i] > 0 ? d[i] : d[i] * (y[i] + alpha) }
                            case .sigmoid:
                                for i in range { dx[i] = d[i] * y[i] * (1 - y[i]) }
                            case .tanh:
                                for i in range { dx[i] = d[i] * (1 - y[i] * y[i]) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Softmax or log-softmax over dimension 1 (classes, or channels at every position).
///
/// **Subtract the maximum first**: exp(1000) overflows Float to +∞, while
/// exp(x − max) ≤ 1 always; the result is mathematically identical.
public final class Softmax: UnaryLayer {
    public let logarithmic: Bool
    public var kind: String { logarithmic ? "LogSoftmax" : "Softmax" }
    private var output = Tensor(zeros: [0])

    public init(logarithmic: Bool = false) { self.logarithmic = logarithmic }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        precondition(x.rank >= 2, "\(kind): input shape \(x.shape)")
        let n = x.shape[0], k = x.shape[1], inner = x.count / max(1, n * k)
        var y = x
        y.data.withUnsafeMutableBufferPointer { yp in
            let b = yp.baseAddress!
            for s in 0..<n {
                for p in 0..<inner {
                    let base = b + s * k * inner + p
                    var m = -Float.infinity
                    for j in 0..<k { m = max(m, base[j * inner]) }
                    var total: Float = 0
                    for j in 0..<k { total += Foundation.exp(base[j * inner] - m) }
                    if logarithmic {
                        // (x − max) − ln Σ exp(x − max), never x − (max + ln Σ …): at logits
                        // of 10⁴ the sum max + ln Σ rounds to float32's spacing there (10⁻³).
                        let logTotal = Foundation.log(total)
                        for j in 0..<k { base[j * inner] = (base[j * inner] - m) - logTotal }
                    } else {
                        for j in 0..<k { base[j * inner] = Foundation.exp(base[j * inner] - m) / total }
                    }
                }
            }
        }
        if mode.keepsForBackward { output = y }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.shape == output.shape, "\(kind).backward: gradient \(dy.shape), output \(output.shape)")
        let n = dy.shape[0], k = dy.shape[1], inner = dy.count / max(1, n * k)
        var dx = dy
        for s in 0..<n {
            for p in 0..<inner {
                let base = s * k * inner + p
                if logarithmic {
                    // d/dx log softmax: dx = dy − softmax · Σ dy
                    var total: Float = 0
                    for j in 0..<k { total += dy.data[base + j * inner] }
                    for j in 0..<k { dx.data[base + j * inner] = dy.data[base + j * inner] - Foundation.exp(output.data[base + j * inner]) * total }
                } else {
                    // d/dx softmax: dx = y ⊙ (dy − Σ dy ⊙ y)
                    var dot: Float = 0
                    for j in 0..<k { dot += dy.data[base + j * inner] * output.data[base + j * inner] }
                    for j in 0..<k { dx.data[base + j * inner] = output.data[base + j * inner] * (dy.data[base + j * inner] - dot) }
                }
            }
        }
        return dx
    }
}

/// Maxout (Goodfellow et al., 2013): groups of `pieces` consecutive channels
/// (or features) are replaced by their maximum. [N, C, …] → [N, C/pieces, …].
public final class Maxout: UnaryLayer {
    public let pieces: Int
    public var kind: String { "Maxout" }
    private var inputShape: [Int] = []
    private var winners: [Int32] = []

    public init(pieces: Int) { self.pieces = pieces }

    public static func outputShape(for input: FeatureShape, pieces: Int) throws -> FeatureShape {
        guard pieces >= 1 else {
            throw ShapeError.invalidValue(layer: "maxout", parameter: "pieces", value: String(pieces), requirement: .positive)
        }
        guard input.channels % pieces == 0 else { throw ShapeError.piecesDoNotDivide(features: input.channels, pieces: pieces) }
        var dims = input.dims
        dims[0] /= pieces
        return FeatureShape(dims: dims)
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        let n = x.shape[0], c = x.shape[1], inner = x.count / max(1, n * c)
        precondition(c % pieces == 0, "Maxout: \(c) channels, \(pieces) pieces")
        var shape = x.shape
        shape[1] = c / pieces
        var y = Tensor(zeros: shape)
        var win = [Int32](repeating: 0, count: y.count)
        for s in 0..<n {
            for group in 0..<(c / pieces) {
                for p in 0..<inner {
                    var best = -Float.infinity, bestIndex = 0
                    for piece in 0..<pieces {
                        let index = (s * c + group * pieces + piece) * inner + p
                        if x.data[index] > best || piece == 0 { best = x.data[index]; bestIndex = index }
                    }
                    let o = (s * (c / pieces) + group) * inner + p
                    y.data[o] = best
                    win[o] = Int32(bestIndex)
                }
            }
        }
        if mode.keepsForBackward { inputShape = x.shape; winners = win }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var dx = Tensor(zeros: inputShape)
        for o in 0..<dy.count { dx.data[Int(winners[o])] += dy.data[o] }
        return dx
    }
}

/// A layer that can apply relu to its own output while it is still in cache,
/// so that the relu layer after it has nothing left to do.
protocol ReLUFusing: AnyObject {
    /// Set by `Network` for one forward pass; off for direct calls.
    var fusesReLU: Bool { get set }
}

/// relu in place, eight lanes at a time: max(0, x), and 0 for NaN (as `Activation`).
@inline(__always)
func rectify(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
    typealias V = SIMD8<Float>
    let raw = UnsafeMutableRawPointer(p)
    var i = 0
    while i &+ 8 <= count {
        let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: V.self)
        raw.storeBytes(of: v.replacing(with: 0, where: .!(v .> 0)), toByteOffset: i &* 4, as: V.self)
        i &+= 8
    }
    while i < count { let v = p[i]; p[i] = v > 0 ? v : 0; i &+= 1 }
}
