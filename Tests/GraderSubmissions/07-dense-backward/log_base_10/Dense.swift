// Wrong submission `log_base_10` for 07-dense-backward: cross-entropy in base-10 logarithm.
import CapasExercise

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Una red densa pequeña, hacia delante y hacia atrás. Los lotes son
// matrices N×I (N muestras de I valores); los pesos son O×I, como
// nn.Linear de PyTorch: y = x·Wᵀ + b.
//
// A small dense network, forward and backward. Batches are N×I matrices
// (N samples of I values); weights are O×I, like PyTorch's nn.Linear:
// y = x·Wᵀ + b.

/// Capa densa: x N×I, weight O×I, bias O → N×O, y[n, o] = b[o] + Σ_i x[n, i]·W[o, i].
/// Dense layer: x N×I, weight O×I, bias O → N×O, y[n, o] = b[o] + Σ_i x[n, i]·W[o, i].
func dense(_ x: Tensor, _ weight: Tensor, _ bias: Tensor) -> Tensor {
    let n = x.shape[0], inputs = x.shape[1], outputs = weight.shape[0]
    var y = Tensor(shape: [n, outputs], repeating: 0)
    for sample in 0..<n {
        for o in 0..<outputs {
            var sum = bias[o]
            for i in 0..<inputs { sum += x[sample, i] * weight[o, i] }
            y[sample, o] = sum
        }
    }
    return y
}

/// Gradientes de la capa densa dado gradOutput = ∂L/∂y (N×O):
/// input = gradOutput·W (N×I), weight = gradOutputᵀ·x (O×I), bias = Σ_n gradOutput[n, :] (O).
///
/// The dense layer's gradients given gradOutput = ∂L/∂y (N×O):
/// input = gradOutput·W (N×I), weight = gradOutputᵀ·x (O×I), bias = Σ_n gradOutput[n, :] (O).
func denseBackward(_ x: Tensor, _ weight: Tensor, _ gradOutput: Tensor) -> (input: Tensor, weight: Tensor, bias: Tensor) {
    let n = x.shape[0], inputs = x.shape[1], outputs = weight.shape[0]
    var gradInput = Tensor(shape: x.shape, repeating: 0)
    var gradWeight = Tensor(shape: weight.shape, repeating: 0)
    var gradBias = Tensor(shape: [outputs], repeating: 0)
    for sample in 0..<n {
        for o in 0..<outputs {
            let g = gradOutput[sample, o]
            gradBias[o] += g
            for i in 0..<inputs {
                gradInput[sample, i] += g * weight[o, i]
                gradWeight[o, i] += g * x[sample, i]
            }
        }
    }
    return (gradInput, gradWeight, gradBias)
}

/// ReLU: max(0, x), elemento a elemento. / ReLU: max(0, x), elementwise.
func relu(_ x: Tensor) -> Tensor {
    Tensor(shape: x.shape, values: x.values.map { max(0, $0) })
}

/// Gradiente de ReLU: gradOutput donde x > 0, y 0 donde x ≤ 0 (en 0 se toma 0, como PyTorch).
/// ReLU's gradient: gradOutput where x > 0, and 0 where x ≤ 0 (0 at 0, like PyTorch).
func reluBackward(_ x: Tensor, _ gradOutput: Tensor) -> Tensor {
    var gradInput = gradOutput
    for i in 0..<x.count where x.values[i] <= 0 { gradInput.values[i] = 0 }
    return gradInput
}

/// Softmax de cada fila de logits N×K: p[n, k] = exp(z[n, k]) / Σ_j exp(z[n, j]).
/// Tiene que funcionar con logits de 1000. / Must work with logits of 1000.
func softmax(_ logits: Tensor) -> Tensor {
    let n = logits.shape[0], k = logits.shape[1]
    var p = Tensor(shape: logits.shape, repeating: 0)
    for sample in 0..<n {
        var top = -Float.infinity
        for j in 0..<k { top = max(top, logits[sample, j]) }
        var total: Float = 0
        for j in 0..<k {
            p[sample, j] = exp(logits[sample, j] - top)
            total += p[sample, j]
        }
        for j in 0..<k { p[sample, j] /= total }
    }
    return p
}

/// Entropía cruzada desde logits N×K con etiquetas de clase (0…K−1):
/// la media sobre el lote de −ln softmax(z)[n, label[n]], en logaritmo natural.
///
/// Cross-entropy from N×K logits with class labels (0…K−1): the mean over
/// the batch of −ln softmax(z)[n, label[n]], natural logarithm.
func crossEntropy(_ logits: Tensor, _ labels: [Int]) -> Float {
    let n = logits.shape[0], k = logits.shape[1]
    var total: Float = 0
    for sample in 0..<n {
        var top = -Float.infinity
        for j in 0..<k { top = max(top, logits[sample, j]) }
        var sum: Float = 0
        for j in 0..<k { sum += exp(logits[sample, j] - top) }
        // −ln p = −(z − max − ln Σ exp(z − max)): never exp of a large number.
        total -= (logits[sample, labels[sample]] - top - log(sum)) / log(10)
    }
    return total / Float(n)
}

/// Gradiente de la entropía cruzada respecto de los logits: (softmax(z) − one_hot(label)) / N.
/// Cross-entropy's gradient with respect to the logits: (softmax(z) − one_hot(label)) / N.
func crossEntropyBackward(_ logits: Tensor, _ labels: [Int]) -> Tensor {
    let n = logits.shape[0]
    var gradient = softmax(logits)
    for sample in 0..<n { gradient[sample, labels[sample]] -= 1 }
    return Tensor(shape: gradient.shape, values: gradient.values.map { $0 / Float(n) })
}

/// Una red de dos capas, dense → relu → dense → entropía cruzada, con sus
/// funciones: la pérdida del lote.
///
/// A two-layer network, dense → relu → dense → cross-entropy, with your
/// functions: the batch's loss.
func twoLayerLoss(_ x: Tensor, _ labels: [Int], _ w1: Tensor, _ b1: Tensor, _ w2: Tensor, _ b2: Tensor) -> Float {
    crossEntropy(dense(relu(dense(x, w1, b1)), w2, b2), labels)
}
