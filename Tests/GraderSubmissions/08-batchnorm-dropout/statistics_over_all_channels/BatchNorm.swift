// Wrong submission `statistics_over_all_channels` for 08-batchnorm-dropout: one mean and variance for the whole tensor instead of per channel.
import CapasExercise

// Normalización por lotes (BatchNorm2d) y dropout, como en PyTorch.
// x es N×C×H×W; gamma, beta y las estadísticas tienen C valores, uno por canal.
//
// Batch normalisation (BatchNorm2d) and dropout, as in PyTorch.
// x is N×C×H×W; gamma, beta and the statistics have C values, one per channel.

/// Media y varianza sesgada (dividida por m = N·H·W) de cada canal.
/// Each channel's mean and biased variance (divided by m = N·H·W).
func channelStatistics(_ x: Tensor) -> (mean: [Float], variance: [Float]) {
    let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
    let m = Float(n * h * w)
    var mean = [Float](repeating: 0, count: c), variance = [Float](repeating: 0, count: c)
    for channel in 0..<c {
        var sum: Float = 0
        for sample in 0..<n { for i in 0..<h { for j in 0..<w { sum += x[sample, channel, i, j] } } }
        mean[channel] = sum / m
        var squares: Float = 0
        for sample in 0..<n {
            for i in 0..<h {
                for j in 0..<w {
                    let d = x[sample, channel, i, j] - mean[channel]
                    squares += d * d
                }
            }
        }
        variance[channel] = squares / m
    }
    return (mean, variance)
}

/// Entrenamiento: normaliza cada canal con la media y la varianza del lote,
/// y = γ·(x − μ)/√(σ² + eps) + β.
///
/// Training: normalises each channel with the batch's mean and variance,
/// y = γ·(x − μ)/√(σ² + eps) + β.
func batchNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, eps: Float) -> Tensor {
    let c = x.shape[1], plane = x.shape[2] * x.shape[3]
    let all = Float(x.count)
    let mu = x.values.reduce(0, +) / all
    let sigma2 = x.values.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / all
    let mean = [Float](repeating: mu, count: c), variance = [Float](repeating: sigma2, count: c)
    var y = x
    for index in 0..<x.count {
        let channel = (index / plane) % c
        y.values[index] = gamma[channel] * (x.values[index] - mean[channel]) / (variance[channel] + eps).squareRoot() + beta[channel]
    }
    return y
}

/// Las medias móviles después de este lote, como PyTorch:
/// nueva = (1 − momentum)·anterior + momentum·del lote, con la varianza del
/// lote **insesgada** (dividida por m − 1).
///
/// The running averages after this batch, like PyTorch:
/// new = (1 − momentum)·old + momentum·batch, with the batch's **unbiased**
/// variance (divided by m − 1).
func batchNormRunning(_ x: Tensor, runningMean: Tensor, runningVariance: Tensor, momentum: Float)
    -> (mean: Tensor, variance: Tensor) {
    let (mean, variance) = channelStatistics(x)
    let m = Float(x.shape[0] * x.shape[2] * x.shape[3])
    var newMean = runningMean, newVariance = runningVariance
    for channel in 0..<mean.count {
        newMean[channel] = (1 - momentum) * runningMean[channel] + momentum * mean[channel]
        newVariance[channel] = (1 - momentum) * runningVariance[channel] + momentum * variance[channel] * m / (m - 1)
    }
    return (newMean, newVariance)
}

/// Evaluación: normaliza con las medias móviles, no con el lote.
/// Evaluation: normalises with the running averages, not the batch.
func batchNormEval(_ x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor, runningVariance: Tensor, eps: Float) -> Tensor {
    let c = x.shape[1], plane = x.shape[2] * x.shape[3]
    var y = x
    for index in 0..<x.count {
        let channel = (index / plane) % c
        y.values[index] = gamma[channel] * (x.values[index] - runningMean[channel])
            / (runningVariance[channel] + eps).squareRoot() + beta[channel]
    }
    return y
}

/// Gradientes del modo entrenamiento dado gradOutput = ∂L/∂y (N×C×H×W).
/// Con x̂ = (x − μ)/σ y σ = √(σ² + eps), por canal:
/// beta = Σ g, gamma = Σ g·x̂, input = γ/σ·(g − media(g) − x̂·media(g·x̂)).
///
/// Training-mode gradients given gradOutput = ∂L/∂y (N×C×H×W).
/// With x̂ = (x − μ)/σ and σ = √(σ² + eps), per channel:
/// beta = Σ g, gamma = Σ g·x̂, input = γ/σ·(g − mean(g) − x̂·mean(g·x̂)).
func batchNormBackward(_ x: Tensor, gamma: Tensor, _ gradOutput: Tensor, eps: Float)
    -> (input: Tensor, gamma: Tensor, beta: Tensor) {
    let (mean, variance) = channelStatistics(x)
    let c = x.shape[1], plane = x.shape[2] * x.shape[3]
    let m = Float(x.count / c)
    var gradGamma = Tensor(shape: [c], repeating: 0), gradBeta = Tensor(shape: [c], repeating: 0)
    var normalized = x
    for index in 0..<x.count {
        let channel = (index / plane) % c
        normalized.values[index] = (x.values[index] - mean[channel]) / (variance[channel] + eps).squareRoot()
        gradBeta[channel] += gradOutput.values[index]
        gradGamma[channel] += gradOutput.values[index] * normalized.values[index]
    }
    var gradInput = x
    for index in 0..<x.count {
        let channel = (index / plane) % c
        let sigma = (variance[channel] + eps).squareRoot()
        gradInput.values[index] = gamma[channel] / sigma
            * (gradOutput.values[index] - gradBeta[channel] / m - normalized.values[index] * gradGamma[channel] / m)
    }
    return (gradInput, gradGamma, gradBeta)
}

/// Dropout invertido con una máscara dada (1 = se conserva, 0 = se apaga):
/// al entrenar, x·mask/(1 − p); al evaluar, x sin cambios.
///
/// Inverted dropout with a given mask (1 = kept, 0 = dropped): in training,
/// x·mask/(1 − p); in evaluation, x unchanged.
func dropout(_ x: Tensor, mask: Tensor, p: Float, training: Bool) -> Tensor {
    guard training else { return x }
    var y = x
    for index in 0..<x.count { y.values[index] = x.values[index] * mask.values[index] / (1 - p) }
    return y
}

/// El gradiente de dropout al entrenar: gradOutput·mask/(1 − p).
/// Dropout's gradient in training: gradOutput·mask/(1 − p).
func dropoutBackward(_ gradOutput: Tensor, mask: Tensor, p: Float) -> Tensor {
    var gradInput = gradOutput
    for index in 0..<gradOutput.count { gradInput.values[index] = gradOutput.values[index] * mask.values[index] / (1 - p) }
    return gradInput
}
