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
    public private(set) var steps = 0
    private var first: [ObjectIdentifier: [Float]] = [:]
    private var second: [ObjectIdentifier: [Float]] = [:]

    public init(_ kind: OptimizerKind, learningRate: Float? = nil, weightDecay: Float = 0) {
        self.kind = kind
        self.learningRate = learningRate ?? kind.defaultLearningRate
        self.weightDecay = weightDecay
    }

    /// Applies one update to every trainable parameter from its accumulated gradient.
    public func step(_ parameters: [Parameter]) {
        steps += 1
        let t = Float(steps)
        for p in parameters where p.trainable {
            let id = ObjectIdentifier(p)
            let n = p.value.count
            var m = first[id] ?? [Float](repeating: 0, count: n)
            var v = second[id] ?? (kind == .adam || kind == .adadelta ? [Float](repeating: 0, count: n) : [])
            let lr = learningRate, wd = weightDecay
            p.value.data.withUnsafeMutableBufferPointer { theta in
                p.grad.data.withUnsafeBufferPointer { grad in
                    m.withUnsafeMutableBufferPointer { m in
                        v.withUnsafeMutableBufferPointer { v in
                            switch kind {
                            case .sgd:
                                for i in 0..<n { theta[i] -= lr * (grad[i] + wd * theta[i]) }
                            case .momentum:
                                let mu = momentum, firstStep = steps == 1
                                for i in 0..<n {
                                    let g = grad[i] + wd * theta[i]
                                    m[i] = firstStep ? g : mu * m[i] + g
                                    theta[i] -= lr * m[i]
                                }
                            case .adam:
                                let b1 = beta1, b2 = beta2, eps = epsilon
                                let c1 = 1 - Float(pow(Double(b1), Double(t)))
                                let c2 = (1 - Float(pow(Double(b2), Double(t)))).squareRoot()
                                let stepSize = lr / c1
                                for i in 0..<n {
                                    let g = grad[i] + wd * theta[i]
                                    m[i] = b1 * m[i] + (1 - b1) * g
                                    v[i] = b2 * v[i] + (1 - b2) * g * g
                                    theta[i] -= stepSize * m[i] / (v[i].squareRoot() / c2 + eps)
                                }
                            case .adadelta:
                                let r = rho, eps = adadeltaEpsilon
                                for i in 0..<n {
                                    let g = grad[i] + wd * theta[i]
                                    v[i] = r * v[i] + (1 - r) * g * g
                                    let delta = (m[i] + eps).squareRoot() / (v[i] + eps).squareRoot() * g
                                    m[i] = r * m[i] + (1 - r) * delta * delta
                                    theta[i] -= lr * delta
                                }
                            }
                        }
                    }
                }
            }
            if kind != .sgd { first[id] = m }
            if !v.isEmpty { second[id] = v }
        }
    }
}
