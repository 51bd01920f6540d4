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
    notImplemented("dense")
}

/// Gradientes de la capa densa dado gradOutput = ∂L/∂y (N×O):
/// input = gradOutput·W (N×I), weight = gradOutputᵀ·x (O×I), bias = Σ_n gradOutput[n, :] (O).
///
/// The dense layer's gradients given gradOutput = ∂L/∂y (N×O):
/// input = gradOutput·W (N×I), weight = gradOutputᵀ·x (O×I), bias = Σ_n gradOutput[n, :] (O).
func denseBackward(_ x: Tensor, _ weight: Tensor, _ gradOutput: Tensor) -> (input: Tensor, weight: Tensor, bias: Tensor) {
    notImplemented("denseBackward")
}

/// ReLU: max(0, x), elemento a elemento. / ReLU: max(0, x), elementwise.
func relu(_ x: Tensor) -> Tensor {
    notImplemented("relu")
}

/// Gradiente de ReLU: gradOutput donde x > 0, y 0 donde x ≤ 0 (en 0 se toma 0, como PyTorch).
/// ReLU's gradient: gradOutput where x > 0, and 0 where x ≤ 0 (0 at 0, like PyTorch).
func reluBackward(_ x: Tensor, _ gradOutput: Tensor) -> Tensor {
    notImplemented("reluBackward")
}

/// Softmax de cada fila de logits N×K: p[n, k] = exp(z[n, k]) / Σ_j exp(z[n, j]).
/// Tiene que funcionar con logits de 1000. / Must work with logits of 1000.
func softmax(_ logits: Tensor) -> Tensor {
    notImplemented("softmax")
}

/// Entropía cruzada desde logits N×K con etiquetas de clase (0…K−1):
/// la media sobre el lote de −ln softmax(z)[n, label[n]], en logaritmo natural.
///
/// Cross-entropy from N×K logits with class labels (0…K−1): the mean over
/// the batch of −ln softmax(z)[n, label[n]], natural logarithm.
func crossEntropy(_ logits: Tensor, _ labels: [Int]) -> Float {
    notImplemented("crossEntropy")
}

/// Gradiente de la entropía cruzada respecto de los logits: (softmax(z) − one_hot(label)) / N.
/// Cross-entropy's gradient with respect to the logits: (softmax(z) − one_hot(label)) / N.
func crossEntropyBackward(_ logits: Tensor, _ labels: [Int]) -> Tensor {
    notImplemented("crossEntropyBackward")
}

/// Una red de dos capas, dense → relu → dense → entropía cruzada, con sus
/// funciones: la pérdida del lote.
///
/// A two-layer network, dense → relu → dense → cross-entropy, with your
/// functions: the batch's loss.
func twoLayerLoss(_ x: Tensor, _ labels: [Int], _ w1: Tensor, _ b1: Tensor, _ w2: Tensor, _ b2: Tensor) -> Float {
    notImplemented("twoLayerLoss")
}
