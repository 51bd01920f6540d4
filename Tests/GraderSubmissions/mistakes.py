#!/usr/bin/env python3
"""Writes the wrong submissions of the course's code exercises.

Each one is the master solution with one catalogued mistake put in by a
textual edit, in a folder named after the mistake, with an expected.json
that names the check that must recognise it. Run from the repository root:

    python3 Tests/GraderSubmissions/mistakes.py

CourseMistakeTests grades every folder and checks that the mistake is named,
with its feedback in Spanish and English.
"""
import json, os, sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# exercise → (file, {mistake: (check, [(old, new), ...], about)})
MISTAKES = {
    "06-pooling": ("Pooling.swift", {
        "ceil_instead_of_floor": ("max_stride", [
            ("""    let ho = (h - size) / stride + 1, wo = (w - size) / stride + 1
    var output = Tensor(shape: [n, c, ho, wo], repeating: 0)
    for sample in 0..<n {
        for channel in 0..<c {
            for i in 0..<ho {
                for j in 0..<wo {
                    var best = -Float.infinity
                    for u in 0..<size {
                        for v in 0..<size {""",
             """    let ho = (h - size + stride - 1) / stride + 1, wo = (w - size + stride - 1) / stride + 1
    var output = Tensor(shape: [n, c, ho, wo], repeating: 0)
    for sample in 0..<n {
        for channel in 0..<c {
            for i in 0..<ho {
                for j in 0..<wo {
                    var best = -Float.infinity
                    for u in 0..<size where i * stride + u < h {
                        for v in 0..<size where j * stride + v < w {""")],
            "max pooling's output size rounded up, windows clamped at the border"),
        "stride_ignored": ("max_stride", [
            ("""                            best = max(best, input[sample, channel, i * stride + u, j * stride + v])""",
             """                            best = max(best, input[sample, channel, i * size + u, j * size + v])"""),
            ("""    let ho = (h - size) / stride + 1, wo = (w - size) / stride + 1
    var output = Tensor(shape: [n, c, ho, wo], repeating: 0)
    for sample in 0..<n {
        for channel in 0..<c {
            for i in 0..<ho {
                for j in 0..<wo {
                    var best""",
             """    let ho = (h - size) / size + 1, wo = (w - size) / size + 1
    var output = Tensor(shape: [n, c, ho, wo], repeating: 0)
    for sample in 0..<n {
        for channel in 0..<c {
            for i in 0..<ho {
                for j in 0..<wo {
                    var best""")],
            "max pooling moves its window by `size`, whatever the stride"),
        "maxpool_gradient_to_all": ("max_backward_worked", [
            ("""                    gradInput[sample, channel, row, column] += gradOutput[sample, channel, i, j]""",
             """                    _ = (row, column)
                    for u in 0..<size {
                        for v in 0..<size {
                            gradInput[sample, channel, i * stride + u, j * stride + v] += gradOutput[sample, channel, i, j]
                        }
                    }""")],
            "max pooling's gradient sent to every element of the window"),
        "gradient_overwritten": ("max_backward_overlap", [
            ("""                    gradInput[sample, channel, row, column] += gradOutput[sample, channel, i, j]""",
             """                    gradInput[sample, channel, row, column] = gradOutput[sample, channel, i, j]""")],
            "`=` where `+=` belongs: overlapping windows overwrite each other's gradient"),
        "avgpool_gradient_not_divided": ("avg_backward_worked", [
            ("""    let share = 1 / Float(size * size)""", """    let share: Float = 1""")],
            "average pooling's gradient not divided by the window's size"),
    }),
    "07-dense-backward": ("Dense.swift", {
        "bias_missing": ("dense_worked", [("            var sum = bias[o]\n", "            var sum: Float = 0\n")],
            "the dense layer without its bias"),
        "bias_gradient_averaged": ("dense_backward_bias", [
            ("    return (gradInput, gradWeight, gradBias)",
             "    for o in 0..<outputs { gradBias[o] /= Float(n) }\n    return (gradInput, gradWeight, gradBias)")],
            "the bias gradient averaged over the batch"),
        "weight_gradient_averaged": ("dense_backward_weight", [
            ("    return (gradInput, gradWeight, gradBias)",
             "    gradWeight = Tensor(shape: weight.shape, values: gradWeight.values.map { $0 / Float(n) })\n    return (gradInput, gradWeight, gradBias)")],
            "the weight gradient divided by the batch size"),
        "relu_gradient_at_zero": ("relu_backward_zero", [("where x.values[i] <= 0", "where x.values[i] < 0")],
            "ReLU's gradient taken as 1 at x = 0"),
        "relu_gradient_is_relu": ("relu_backward", [
            ("    var gradInput = gradOutput\n    for i in 0..<x.count where x.values[i] <= 0 { gradInput.values[i] = 0 }\n    return gradInput",
             "    _ = x\n    return relu(gradOutput)")],
            "ReLU applied to the gradient instead of masking it with x > 0"),
        "softmax_without_max": ("softmax_large", [
            ("            p[sample, j] = exp(logits[sample, j] - top)", "            p[sample, j] = exp(logits[sample, j])")],
            "softmax without subtracting the maximum: exp(1000) overflows"),
        "softmax_wrong_axis": ("softmax_random", [
            ("""    for sample in 0..<n {
        var top = -Float.infinity
        for j in 0..<k { top = max(top, logits[sample, j]) }
        var total: Float = 0
        for j in 0..<k {
            p[sample, j] = exp(logits[sample, j] - top)
            total += p[sample, j]
        }
        for j in 0..<k { p[sample, j] /= total }
    }
    return p""", """    for j in 0..<k {
        var top = -Float.infinity
        for sample in 0..<n { top = max(top, logits[sample, j]) }
        var total: Float = 0
        for sample in 0..<n {
            p[sample, j] = exp(logits[sample, j] - top)
            total += p[sample, j]
        }
        for sample in 0..<n { p[sample, j] /= total }
    }
    return p""")],
            "softmax normalised over the batch (columns) instead of each row"),
        "log_base_10": ("cross_entropy_worked", [
            ("        total -= logits[sample, labels[sample]] - top - log(sum)",
             "        total -= (logits[sample, labels[sample]] - top - log(sum)) / log(10)")],
            "cross-entropy in base-10 logarithm"),
        "sum_instead_of_mean": ("cross_entropy_worked", [("    return total / Float(n)", "    return total")],
            "cross-entropy summed over the batch instead of averaged"),
        "gradient_sum_instead_of_mean": ("cross_entropy_backward", [
            ("    return Tensor(shape: gradient.shape, values: gradient.values.map { $0 / Float(n) })", "    return gradient")],
            "cross-entropy's gradient without the 1/N of the mean"),
        "relu_missing": ("first_loss", [("    crossEntropy(dense(relu(dense(x, w1, b1)), w2, b2), labels)",
                                         "    crossEntropy(dense(dense(x, w1, b1), w2, b2), labels)")],
            "the two-layer network without the ReLU between its layers"),
    }),
    "08-batchnorm-dropout": ("BatchNorm.swift", {
        "unbiased_variance": ("batchnorm_train", [("        variance[channel] = squares / m", "        variance[channel] = squares / (m - 1)")],
            "batch normalisation with the unbiased variance"),
        "statistics_over_all_channels": ("batchnorm_train", [
            ("""    let (mean, variance) = channelStatistics(x)
    let c = x.shape[1], plane = x.shape[2] * x.shape[3]
    var y = x""", """    let c = x.shape[1], plane = x.shape[2] * x.shape[3]
    let all = Float(x.count)
    let mu = x.values.reduce(0, +) / all
    let sigma2 = x.values.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / all
    let mean = [Float](repeating: mu, count: c), variance = [Float](repeating: sigma2, count: c)
    var y = x""")],
            "one mean and variance for the whole tensor instead of per channel"),
        "eps_outside_sqrt": ("batchnorm_eps", [
            ("(x.values[index] - mean[channel]) / (variance[channel] + eps).squareRoot() + beta[channel]",
             "(x.values[index] - mean[channel]) / (variance[channel].squareRoot() + eps) + beta[channel]")],
            "eps added outside the square root"),
        "momentum_reversed": ("running_mean", [
            ("        newMean[channel] = (1 - momentum) * runningMean[channel] + momentum * mean[channel]",
             "        newMean[channel] = momentum * runningMean[channel] + (1 - momentum) * mean[channel]")],
            "the running mean with momentum weighing the old value"),
        "biased_running_variance": ("running_variance", [
            ("momentum * variance[channel] * m / (m - 1)", "momentum * variance[channel] + 0 * m")],
            "the running variance updated with the biased batch variance"),
        "eval_uses_batch_statistics": ("batchnorm_eval", [
            ("""    let c = x.shape[1], plane = x.shape[2] * x.shape[3]
    var y = x
    for index in 0..<x.count {
        let channel = (index / plane) % c
        y.values[index] = gamma[channel] * (x.values[index] - runningMean[channel])
            / (runningVariance[channel] + eps).squareRoot() + beta[channel]
    }
    return y""", """    _ = (runningMean, runningVariance)
    return batchNorm(x, gamma: gamma, beta: beta, eps: eps)""")],
            "evaluation normalising with the batch's statistics"),
        "batch_statistics_treated_as_constants": ("batchnorm_backward_input", [
            ("            * (gradOutput.values[index] - gradBeta[channel] / m - normalized.values[index] * gradGamma[channel] / m)",
             "            * gradOutput.values[index] + 0 * m")],
            "μ and σ² treated as constants in the backward pass"),
        "dropout_not_scaled": ("dropout_training", [
            ("    for index in 0..<x.count { y.values[index] = x.values[index] * mask.values[index] / (1 - p) }",
             "    for index in 0..<x.count { y.values[index] = x.values[index] * mask.values[index] }")],
            "dropout without the 1/(1 − p) scale"),
        "dropout_in_eval": ("dropout_evaluation", [("    guard training else { return x }\n", "    _ = training\n")],
            "dropout applied in evaluation too"),
        "dropout_scaled_in_eval": ("dropout_evaluation", [
            ("    guard training else { return x }\n",
             "    guard training else { return Tensor(shape: x.shape, values: x.values.map { $0 * (1 - p) }) }\n"),
            ("    for index in 0..<x.count { y.values[index] = x.values[index] * mask.values[index] / (1 - p) }",
             "    for index in 0..<x.count { y.values[index] = x.values[index] * mask.values[index] }")],
            "the original dropout: not scaled in training, multiplied by 1 − p in evaluation"),
        "dropout_gradient_not_scaled": ("dropout_backward", [
            ("gradInput.values[index] = gradOutput.values[index] * mask.values[index] / (1 - p) }",
             "gradInput.values[index] = gradOutput.values[index] * mask.values[index] }")],
            "dropout's gradient without the 1/(1 − p) scale"),
    }),
}

def strip_markers(text):
    return "".join(line for line in text.splitlines(keepends=True)
                   if line.strip() not in ("// BEGIN SOLUTION", "// END SOLUTION"))

def main():
    for exercise, (file, mistakes) in MISTAKES.items():
        master = strip_markers(open(os.path.join(ROOT, "solutions", exercise, file)).read())
        for mistake, (check, edits, about) in mistakes.items():
            text = master
            for old, new in edits:
                if old not in text:
                    sys.exit(f"{exercise}/{mistake}: the edit does not apply:\n{old}")
                text = text.replace(old, new, 1)
            folder = os.path.join(ROOT, "Tests", "GraderSubmissions", exercise, mistake)
            os.makedirs(folder, exist_ok=True)
            header = f"// Wrong submission `{mistake}` for {exercise}: {about}.\n"
            open(os.path.join(folder, file), "w").write(header + text)
            expected = {"about": about, "check": check, "mistake": mistake}
            open(os.path.join(folder, "expected.json"), "w").write(json.dumps(expected, indent=2) + "\n")

if __name__ == "__main__":
    main()
