// Batch normalization (Ioffe & Szegedy, 2015), as PyTorch's BatchNorm1d/2d.
//
// Shapes: [N, C, H, W] (statistics per channel over N·H·W), [N, C, L], or [N, F] (per feature over N).
//   training:    y = γ · (x − μ_B)/√(σ²_B + ε) + β        (biased batch variance)
//                running_mean ← (1 − m)·running_mean + m·μ_B
//                running_var  ← (1 − m)·running_var  + m·σ²_B · n/(n − 1)   (unbiased, as PyTorch)
//   evaluation:  y = γ · (x − running_mean)/√(running_var + ε) + β
//   parameters: γ and β are trainable (2·C); the running statistics are
//   buffers (2·C non-trainable), saved in checkpoints but never trained.

public final class BatchNorm: UnaryLayer {
    public let channels: Int
    public let momentum: Float
    public let epsilon: Float
    public let weight: Parameter, bias: Parameter
    public let runningMean: Parameter, runningVar: Parameter
    /// PyTorch keeps this counter in its state dict; it is saved so checkpoints load there unchanged.
    public let batchesTracked: Parameter
    public var kind: String { "BatchNorm" }
    public var parameters: [Parameter] { [weight, bias, runningMean, runningVar, batchesTracked] }

    private var normalized = Tensor(zeros: [0])
    private var inverseStd: [Float] = []
    private var trainedForward = false

    public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        self.channels = channels; self.momentum = momentum; self.epsilon = epsilon
        weight = Parameter("weight", Tensor(repeating: 1, shape: [channels]))
        bias = Parameter("bias", Tensor(zeros: [channels]))
        runningMean = Parameter("running_mean", Tensor(zeros: [channels]), trainable: false)
        runningVar = Parameter("running_var", Tensor(repeating: 1, shape: [channels]), trainable: false)
        batchesTracked = Parameter("num_batches_tracked", Tensor(shape: [], data: [0]), trainable: false)
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        precondition(x.rank >= 2 && x.shape[1] == channels, "BatchNorm(\(channels)): input shape \(x.shape)")
        let n = x.shape[0], inner = x.count / max(1, n * channels)
        let count = n * inner
        var y = x
        var mean = [Float](repeating: 0, count: channels)
        var invStd = [Float](repeating: 0, count: channels)
        if mode == .training {
            batchesTracked.value.data[0] += 1
            for c in 0..<channels {
                var sum = 0.0
                for s in 0..<n { for p in 0..<inner { sum += Double(x.data[(s * channels + c) * inner + p]) } }
                let mu = sum / Double(count)
                var sq = 0.0
                for s in 0..<n { for p in 0..<inner { let d = Double(x.data[(s * channels + c) * inner + p]) - mu; sq += d * d } }
                let variance = sq / Double(count)
                mean[c] = Float(mu)
                invStd[c] = Float(1 / (variance + Double(epsilon)).squareRoot())
                let unbiased = count > 1 ? variance * Double(count) / Double(count - 1) : variance
                runningMean.value.data[c] = (1 - momentum) * runningMean.value.data[c] + momentum * Float(mu)
                runningVar.value.data[c] = (1 - momentum) * runningVar.value.data[c] + momentum * Float(unbiased)
            }
        } else {
            for c in 0..<channels {
                mean[c] = runningMean.value.data[c]
                invStd[c] = 1 / (runningVar.value.data[c] + epsilon).squareRoot()
            }
        }
        var xhat = x
        for s in 0..<n {
            for c in 0..<channels {
                let g = weight.value.data[c], b = bias.value.data[c], mu = mean[c], inv = invStd[c]
                let base = (s * channels + c) * inner
                for p in 0..<inner {
                    let h = (x.data[base + p] - mu) * inv
                    xhat.data[base + p] = h
                    y.data[base + p] = g * h + b
                }
            }
        }
        normalized = xhat
        inverseStd = invStd
        trainedForward = mode == .training
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.shape == normalized.shape, "BatchNorm.backward: gradient \(dy.shape), output \(normalized.shape)")
        let n = dy.shape[0], inner = dy.count / max(1, n * channels)
        let m = Float(n * inner)
        var dx = dy
        for c in 0..<channels {
            var sumDy: Float = 0, sumDyXhat: Float = 0
            for s in 0..<n {
                let base = (s * channels + c) * inner
                for p in 0..<inner { sumDy += dy.data[base + p]; sumDyXhat += dy.data[base + p] * normalized.data[base + p] }
            }
            if !weight.frozen { weight.grad.data[c] += sumDyXhat }
            if !bias.frozen { bias.grad.data[c] += sumDy }
            let g = weight.value.data[c], inv = inverseStd[c]
            for s in 0..<n {
                let base = (s * channels + c) * inner
                for p in 0..<inner {
                    if trainedForward {
                        // dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂))
                        dx.data[base + p] = g * inv * (dy.data[base + p] - sumDy / m - normalized.data[base + p] * sumDyXhat / m)
                    } else {
                        dx.data[base + p] = g * inv * dy.data[base + p]
                    }
                }
            }
        }
        return dx
    }
}

/// Inverted dropout: in training each value is zeroed with probability p and
/// the survivors are scaled by 1/(1 − p), so evaluation needs no rescaling.
public final class Dropout: UnaryLayer {
    public let probability: Float
    public var kind: String { "Dropout" }
    private var generator: SeededGenerator
    private var mask: [Float] = []

    public init(probability: Float, seed: UInt64) {
        self.probability = probability
        generator = SeededGenerator(seed: seed)
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        guard mode == .training, probability > 0 else { mask = []; return x }
        let keep = 1 - probability, scale = 1 / keep
        mask = [Float](repeating: 0, count: x.count)
        var y = x
        for i in 0..<x.count {
            let m: Float = generator.nextUnitFloat() < keep ? scale : 0
            mask[i] = m
            y.data[i] *= m
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard !mask.isEmpty else { return dy }
        var dx = dy
        for i in 0..<dx.count { dx.data[i] *= mask[i] }
        return dx
    }
}
