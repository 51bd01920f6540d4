import CCapasThreads
import Foundation

// Optimizers, with PyTorch's update rules (weight decay is L2: g ← g + λ·θ).
//
//   sgd       θ ← θ − η·g
//   momentum  v ← μ·v + g;  θ ← θ − η·v                 (v = g on the first step)
//   adam      m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²
//             θ ← θ − η/(1 − β₁ᵗ) · m/(√v/√(1 − β₂ᵗ) + ε)
//   adadelta  s ← ρs + (1 − ρ)g²;  Δ = √(d + ε)/√(s + ε)·g;  d ← ρd + (1 − ρ)Δ²;  θ ← θ − η·Δ

public enum OptimizerKind: String, CaseIterable, Sendable {
    case sgd, momentum, adam, adadelta

    /// PyTorch's default learning rate for each (SGD has none; 0.01 is common).
    public var defaultLearningRate: Float {
        switch self {
        case .sgd, .momentum: return 0.01
        case .adam: return 0.001
        case .adadelta: return 1.0
        }
    }
}

public final class Optimizer {
    public let kind: OptimizerKind
    public var learningRate: Float
    public var weightDecay: Float
    public var momentum: Float = 0.9
    public var beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
    public var rho: Float = 0.9, adadeltaEpsilon: Float = 1e-6
    /// Steps taken by this optimizer (each parameter also counts its own, like PyTorch's `state[p]["step"]`).
    public private(set) var steps = 0
    /// Per-parameter state: first and second moments and the parameter's own step count.
    private final class State {
        var first: [Float]
        var second: [Float]
        var step = 0
        init(count: Int, second secondCount: Int) {
            first = [Float](repeating: 0, count: count)
            second = [Float](repeating: 0, count: secondCount)
        }
    }
    private var states: [ObjectIdentifier: State] = [:]

    public init(_ kind: OptimizerKind, learningRate: Float? = nil, weightDecay: Float = 0) {
        self.kind = kind
        self.learningRate = learningRate ?? kind.defaultLearningRate
        self.weightDecay = weightDecay
    }

    /// Applies one update to every trainable parameter from its accumulated gradient.
    /// The moments live in per-parameter objects and are updated in place.
    public func step(_ parameters: [Parameter]) {
        steps += 1
        for p in parameters where p.trainable {
            let id = ObjectIdentifier(p)
            let n = p.value.count
            let state: State
            if let existing = states[id] { state = existing } else {
                state = State(count: kind == .sgd ? 0 : n, second: kind == .adam || kind == .adadelta ? n : 0)
                states[id] = state
            }
            state.step += 1
            let t = Float(state.step), firstStep = state.step == 1
            let lr = learningRate, wd = weightDecay
            let kind = self.kind, mu = momentum, b1 = beta1, b2 = beta2, eps = epsilon
            let r = rho, deltaEps = adadeltaEpsilon
            let c1 = 1 - Float(pow(Double(b1), Double(t)))
            let c2 = (1 - Float(pow(Double(b2), Double(t)))).squareRoot()
            p.value.data.withUnsafeMutableBufferPointer { thetap in
                p.grad.data.withUnsafeBufferPointer { gradp in
                    state.first.withUnsafeMutableBufferPointer { mp in
                        state.second.withUnsafeMutableBufferPointer { vp in
                            let theta = thetap.baseAddress!, grad = gradp.baseAddress!
                            let m = mp.baseAddress!, v = vp.baseAddress!
                            // Elementwise and independent: large tensors are split over the workers.
                            Parallel.forElements(n, grain: 16_384) { range in
                                switch kind {
                                case .sgd:
                                    for i in range { theta[i] -= lr * (grad[i] + wd * theta[i]) }
                                case .momentum:
                                    for i in range {
                                        let g = grad[i] + wd * theta[i]
                                        let velocity = firstStep ? g : mu * m[i] + g
                                        m[i] = velocity
                                        theta[i] -= lr * velocity
                                    }
                                case .adam:
                                    let stepSize = lr / c1
                                    if BLAS.smallKernelEnabled,
                                       capas_adam(theta + range.lowerBound, grad + range.lowerBound, m + range.lowerBound,
                                                  v + range.lowerBound, range.count, stepSize, b1, b2, c2, eps, wd) == 0 {
                                        return
                                    }
                                    // Eight lanes at a time: the compiler does not vectorize the
                                    // square root and division of the scalar loop by itself.
                                    typealias V = SIMD8<Float>
                                    func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
                                    func store(_ x: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: x, as: V.self) }
                                    var i = range.lowerBound
                                    while i + 8 <= range.upperBound {
                                        let g = load(grad + i) + wd * load(theta + i)
                                        let first = b1 * load(m + i) + (1 - b1) * g
                                        let second = b2 * load(v + i) + (1 - b2) * g * g
                                        store(first, m + i)
                                        store(second, v + i)
                                        store(load(theta + i) - stepSize * first / (second.squareRoot() / c2 + eps), theta + i)
                                        i += 8
                                    }
                                    for i in i..<range.upperBound {
                                        let g = grad[i] + wd * theta[i]
                                        let first = b1 * m[i] + (1 - b1) * g
                                        let second = b2 * v[i] + (1 - b2) * g * g
                                        m[i] = first
                                        v[i] = second
                                        theta[i] -= stepSize * first / (second.squareRoot() / c2 + eps)
                                    }
                                case .adadelta:
                                    for i in range {
                                        let g = grad[i] + wd * theta[i]
                                        let square = r * v[i] + (1 - r) * g * g
                                        let delta = (m[i] + deltaEps).squareRoot() / (square + deltaEps).squareRoot() * g
                                        v[i] = square
                                        m[i] = r * m[i] + (1 - r) * delta * delta
                                        theta[i] -= lr * delta
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
