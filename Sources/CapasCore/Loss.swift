import Foundation

// Losses: a value and the gradient of that value with respect to the prediction.
//
// Cross-entropy from logits z [N, K] and class indices t [N]:
//   L = −(1/N) Σ_n log softmax(z_n)[t_n]          (natural log, mean over the batch)
//   ∂L/∂z = (softmax(z) − onehot(t)) / N
// computed as ln Σ exp(z − max) − (z_t − max), so logits of 10⁴ keep float32 accuracy.
//
// Mean squared error: L = (1/M) Σ (y − t)², ∂L/∂y = 2(y − t)/M, M = all elements.

public enum Loss {
    /// Mean cross-entropy of logits against class indices, and its gradient.
    public static func crossEntropy(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count,
                     "cross-entropy: logits \(logits.shape) for \(labels.count) labels")
        let n = logits.shape[0], k = logits.shape[1]
        var gradient = Tensor(zeros: logits.shape)
        var total = 0.0
        logits.data.withUnsafeBufferPointer { z in
            gradient.data.withUnsafeMutableBufferPointer { g in
                for s in 0..<n {
                    let row = z.baseAddress! + s * k, grow = g.baseAddress! + s * k
                    var m = -Float.infinity
                    for j in 0..<k { m = max(m, row[j]) }
                    var sum: Float = 0
                    for j in 0..<k { let e = Foundation.exp(row[j] - m); grow[j] = e; sum += e }
                    let label = labels[s]
                    precondition(label >= 0 && label < k, "cross-entropy: label \(label) outside 0..<\(k)")
                    // −log softmax = ln Σ exp(z − max) − (z_t − max): both terms stay small,
                    // where ln Σ + max − z_t would lose the difference to rounding at 10⁴.
                    total += Double(Foundation.log(sum)) - Double(row[label] - m)
                    let scale = 1 / (sum * Float(n))
                    for j in 0..<k { grow[j] *= scale }
                    grow[label] -= 1 / Float(n)
                }
            }
        }
        return (Float(total / Double(n)), gradient)
    }

    /// Mean squared error over every element, and its gradient.
    public static func meanSquaredError(prediction: Tensor, target: Tensor) -> (loss: Float, gradient: Tensor) {
        precondition(prediction.shape == target.shape, "MSE: shapes \(prediction.shape) and \(target.shape) do not match")
        let m = Float(prediction.count)
        var gradient = prediction
        var total = 0.0
        for i in 0..<prediction.count {
            let d = prediction.data[i] - target.data[i]
            total += Double(d * d)
            gradient.data[i] = 2 * d / m
        }
        return (Float(total / Double(prediction.count)), gradient)
    }
}
