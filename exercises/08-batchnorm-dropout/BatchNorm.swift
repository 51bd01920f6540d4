import CapasExercise

// Normalización por lotes (BatchNorm2d) y dropout, como en PyTorch.
// x es N×C×H×W; gamma, beta y las estadísticas tienen C valores, uno por canal.
//
// Batch normalisation (BatchNorm2d) and dropout, as in PyTorch.
// x is N×C×H×W; gamma, beta and the statistics have C values, one per channel.

/// Media y varianza sesgada (dividida por m = N·H·W) de cada canal.
/// Each channel's mean and biased variance (divided by m = N·H·W).
func channelStatistics(_ x: Tensor) -> (mean: [Float], variance: [Float]) {
    notImplemented("channelStatistics")
}

/// Entrenamiento: normaliza cada canal con la media y la varianza del lote,
/// y = γ·(x − μ)/√(σ² + eps) + β.
///
/// Training: normalises each channel with the batch's mean and variance,
/// y = γ·(x − μ)/√(σ² + eps) + β.
func batchNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, eps: Float) -> Tensor {
    notImplemented("batchNorm")
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
    notImplemented("batchNormRunning")
}

/// Evaluación: normaliza con las medias móviles, no con el lote.
/// Evaluation: normalises with the running averages, not the batch.
func batchNormEval(_ x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor, runningVariance: Tensor, eps: Float) -> Tensor {
    notImplemented("batchNormEval")
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
    notImplemented("batchNormBackward")
}

/// Dropout invertido con una máscara dada (1 = se conserva, 0 = se apaga):
/// al entrenar, x·mask/(1 − p); al evaluar, x sin cambios.
///
/// Inverted dropout with a given mask (1 = kept, 0 = dropped): in training,
/// x·mask/(1 − p); in evaluation, x unchanged.
func dropout(_ x: Tensor, mask: Tensor, p: Float, training: Bool) -> Tensor {
    notImplemented("dropout")
}

/// El gradiente de dropout al entrenar: gradOutput·mask/(1 − p).
/// Dropout's gradient in training: gradOutput·mask/(1 − p).
func dropoutBackward(_ gradOutput: Tensor, mask: Tensor, p: Float) -> Tensor {
    notImplemented("dropoutBackward")
}
