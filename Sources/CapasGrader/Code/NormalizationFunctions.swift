// Exercise 08: batch normalisation (training, running statistics,
// evaluation, backward) and inverted dropout, as PyTorch's BatchNorm2d and
// Dropout behave.
//
//     func batchNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, eps: Float) -> Tensor
//     func batchNormRunning(_ x: Tensor, runningMean: Tensor, runningVariance: Tensor, momentum: Float)
//         -> (mean: Tensor, variance: Tensor)
//     func batchNormEval(_ x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor,
//                        runningVariance: Tensor, eps: Float) -> Tensor
//     func batchNormBackward(_ x: Tensor, gamma: Tensor, _ gradOutput: Tensor, eps: Float)
//         -> (input: Tensor, gamma: Tensor, beta: Tensor)
//     func dropout(_ x: Tensor, mask: Tensor, p: Float, training: Bool) -> Tensor
//     func dropoutBackward(_ gradOutput: Tensor, mask: Tensor, p: Float) -> Tensor
//
// x is N×C×H×W; statistics per channel over N, H and W. Normalisation uses
// the biased variance; the running variance is updated with the unbiased
// one, new = (1 − momentum)·old + momentum·batch (PyTorch).

import Foundation

enum NormalizationFunctions {
    struct Statistics { var mean: [Double]; var variance: [Double] }

    /// Per-channel mean and variance over N, H, W (`unbiased`: divided by count − 1).
    static func statistics(_ x: Numbers, unbiased: Bool = false, pooled: Bool = false) -> Statistics {
        let (n, c) = (x.shape[0], x.shape[1])
        let plane = x.shape[2] * x.shape[3]
        func values(of channel: Int) -> [Double] {
            if pooled { return x.values }
            var selected: [Double] = []
            for s in 0..<n {
                let start = (s * c + channel) * plane
                selected += x.values[start..<(start + plane)]
            }
            return selected
        }
        var mean: [Double] = [], variance: [Double] = []
        for channel in 0..<c {
            let v = values(of: channel)
            let m = v.reduce(0, +) / Double(v.count)
            mean.append(m)
            variance.append(v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(unbiased ? v.count - 1 : v.count))
        }
        return Statistics(mean: mean, variance: variance)
    }

    static func normalize(_ x: Numbers, _ stats: Statistics, gamma: Numbers, beta: Numbers, eps: Double,
                          epsOutside: Bool = false) -> Numbers {
        let c = x.shape[1], plane = x.shape[2] * x.shape[3]
        var y = x.values
        for i in y.indices {
            let channel = (i / plane) % c
            let scale = epsOutside ? stats.variance[channel].squareRoot() + eps : (stats.variance[channel] + eps).squareRoot()
            y[i] = gamma.values[channel] * (x.values[i] - stats.mean[channel]) / scale + beta.values[channel]
        }
        return Numbers(shape: x.shape, values: y)
    }

    static func train(_ x: Numbers, gamma: Numbers, beta: Numbers, eps: Double) -> Numbers {
        normalize(x, statistics(x), gamma: gamma, beta: beta, eps: eps)
    }

    static func argument(_ item: CodeCase, _ i: Int) -> Numbers { item.arguments[i].numbers! }
    static func number(_ item: CodeCase, _ i: Int) -> Double { item.arguments[i].scalar! }

    // MARK: Cases

    static func channelsOf(_ g: inout CaseGenerator, _ c: Int, around center: Double, spread: Double) -> Numbers {
        Numbers(shape: [c], values: Definitions.float32((0..<c).map { _ in center + spread * g.value() }))
    }

    static func input(_ g: inout CaseGenerator) -> Numbers {
        // Channels with their own offsets and scales, like real activations.
        let shape = [g.int(2...4), g.int(1...3), g.int(1...4), g.int(1...4)]
        let c = shape[1], plane = shape[2] * shape[3]
        let offsets = (0..<c).map { _ in 2 * g.value() }, scales = (0..<c).map { _ in 0.5 + abs(g.value()) * 2 }
        var values: [Double] = []
        for i in 0..<shape.reduce(1, *) {
            let channel = (i / plane) % c
            values.append(offsets[channel] + scales[channel] * g.value())
        }
        return Numbers(shape: shape, values: Definitions.float32(values))
    }

    static func summary(_ parts: [(String, Numbers)], _ extra: String, _ es: String? = nil, _ en: String? = nil) -> Bilingual {
        let text = Definitions.shapes(parts) + extra
        return Bilingual(es: (es.map { $0 + ": " } ?? "") + text, en: (en.map { $0 + ": " } ?? "") + text)
    }

    static func trainCase(_ g: inout CaseGenerator, eps: Double, _ es: String? = nil, _ en: String? = nil) -> CodeCase {
        let x = input(&g), c = x.shape[1]
        let gamma = channelsOf(&g, c, around: 1, spread: 0.5), beta = channelsOf(&g, c, around: 0, spread: 0.5)
        return CodeCase(arguments: [.tensor(x), .tensor(gamma), .tensor(beta), .scalar(eps)],
                        summary: summary([("x", x), ("gamma", gamma), ("beta", beta)], ", eps \(eps)", es, en))
    }

    static func runningCase(_ g: inout CaseGenerator) -> CodeCase {
        let x = input(&g), c = x.shape[1]
        let mean = channelsOf(&g, c, around: 0, spread: 1), variance = channelsOf(&g, c, around: 1.5, spread: 1)
        let momentum = [0.1, 0.2, 0.5, 0.01][g.int(0...3)]
        return CodeCase(arguments: [.tensor(x), .tensor(mean), .tensor(variance), .scalar(momentum)],
                        summary: summary([("x", x), ("runningMean", mean), ("runningVariance", variance)], ", momentum \(momentum)"))
    }

    static func evalCase(_ g: inout CaseGenerator) -> CodeCase {
        let x = input(&g), c = x.shape[1]
        let gamma = channelsOf(&g, c, around: 1, spread: 0.5), beta = channelsOf(&g, c, around: 0, spread: 0.5)
        let mean = channelsOf(&g, c, around: 0, spread: 1), variance = channelsOf(&g, c, around: 1.5, spread: 1)
        return CodeCase(arguments: [.tensor(x), .tensor(gamma), .tensor(beta), .tensor(mean), .tensor(variance), .scalar(1e-5)],
                        summary: summary([("x", x), ("gamma", gamma), ("runningMean", mean)], ", eps 1e-05"))
    }

    static func backwardCase(_ g: inout CaseGenerator) -> CodeCase {
        let x = input(&g), c = x.shape[1]
        let gamma = channelsOf(&g, c, around: 1, spread: 0.5), up = Definitions.random(x.shape, &g)
        return CodeCase(arguments: [.tensor(x), .tensor(gamma), .tensor(up), .scalar(1e-5)],
                        summary: summary([("x", x), ("gamma", gamma), ("gradOutput", up)], ", eps 1e-05"))
    }

    static func dropoutCase(_ g: inout CaseGenerator, training: Bool) -> CodeCase {
        let shape = [g.int(1...3), g.int(1...8)]
        let x = Definitions.random(shape, &g)
        let p = [0.5, 0.2, 0.25, 0.8][g.int(0...3)]
        let mask = Numbers(shape: shape, values: (0..<x.values.count).map { _ in Double(g.int(0...99)) >= p * 100 ? 1 : 0 })
        let mode = Bilingual(es: training ? ", entrenamiento" : ", evaluación", en: training ? ", training" : ", evaluation")
        return CodeCase(arguments: [.tensor(x), .tensor(mask), .scalar(p), .integer(training ? 1 : 0)],
                        summary: summary([("x", x), ("mask", mask)], ", p \(p)") + mode)
    }

    // MARK: Mistakes

    static let unbiased = KnownMistake(id: "unbiased_variance", feedback: Bilingual(
        es: "para normalizar se usa la varianza sesgada (dividida por m = N·H·W, no por m − 1); la insesgada es solo para la media móvil",
        en: "normalisation uses the biased variance (divided by m = N·H·W, not m − 1); the unbiased one is only for the running average"))
    static let pooled = KnownMistake(id: "statistics_over_all_channels", feedback: Bilingual(
        es: "la media y la varianza son por canal (sobre N, H y W), no una sola para todo el tensor",
        en: "the mean and variance are per channel (over N, H and W), not one for the whole tensor"))
    static let epsOutside = KnownMistake(id: "eps_outside_sqrt", feedback: Bilingual(
        es: "eps va dentro de la raíz: (x − μ)/√(σ² + eps), no (x − μ)/(√σ² + eps)",
        en: "eps goes inside the square root: (x − μ)/√(σ² + eps), not (x − μ)/(√σ² + eps)"))
    static let reversed = KnownMistake(id: "momentum_reversed", feedback: Bilingual(
        es: "en PyTorch, nuevo = (1 − momentum)·anterior + momentum·del_lote: momentum es el peso del lote nuevo",
        en: "in PyTorch, new = (1 − momentum)·old + momentum·batch: momentum is the weight of the new batch"))
    static let biasedRunning = KnownMistake(id: "biased_running_variance", feedback: Bilingual(
        es: "la varianza móvil se actualiza con la varianza insesgada del lote (dividida por m − 1), como PyTorch",
        en: "the running variance is updated with the batch's unbiased variance (divided by m − 1), like PyTorch"))
    static let evalBatch = KnownMistake(id: "eval_uses_batch_statistics", feedback: Bilingual(
        es: "en evaluación se usan la media y la varianza móviles, no las del lote: la salida de una muestra no puede depender de las demás",
        en: "evaluation uses the running mean and variance, not the batch's: one sample's output must not depend on the others"))
    static let constants = KnownMistake(id: "batch_statistics_treated_as_constants", feedback: Bilingual(
        es: "μ y σ² dependen de x: el gradiente tiene dos términos más, dx = γ/σ·(g − media(g) − x̂·media(g·x̂))",
        en: "μ and σ² depend on x: the gradient has two more terms, dx = γ/σ·(g − mean(g) − x̂·mean(g·x̂))"))
    static let notScaled = KnownMistake(id: "dropout_not_scaled", feedback: Bilingual(
        es: "dropout invertido: al entrenar, lo que se conserva se divide por (1 − p), para que la esperanza no cambie",
        en: "inverted dropout: in training, what is kept is divided by (1 − p), so that the expectation does not change"))
    static let inEval = KnownMistake(id: "dropout_in_eval", feedback: Bilingual(
        es: "en evaluación dropout no hace nada: la salida es x",
        en: "in evaluation dropout does nothing: the output is x"))
    static let scaledInEval = KnownMistake(id: "dropout_scaled_in_eval", feedback: Bilingual(
        es: "eso es el dropout original (multiplicar por 1 − p al evaluar); con dropout invertido, como PyTorch, la evaluación devuelve x",
        en: "that is the original dropout (multiply by 1 − p in evaluation); with inverted dropout, like PyTorch, evaluation returns x"))
    static let gradientNotScaled = KnownMistake(id: "dropout_gradient_not_scaled", feedback: Bilingual(
        es: "el gradiente pasa por el mismo factor que la salida: gradOutput·mask/(1 − p)",
        en: "the gradient goes through the same factor as the output: gradOutput·mask/(1 − p)"))

    // MARK: Functions

    static let batchNormFunction = DefinedFunction(
        name: "batchnorm", learnerFunction: "batchNorm",
        call: "batchNorm(capasHarnessTensor(0), gamma: capasHarnessTensor(1), beta: capasHarnessTensor(2), eps: capasHarnessFloat(3))",
        sets: [
            "worked": { _, _ in
                let x = Numbers(shape: [4, 1, 1, 1], values: [1, 2, 3, 4])
                let one = Numbers(shape: [1], values: [1]), zero = Numbers(shape: [1], values: [0])
                return [CodeCase(arguments: [.tensor(x), .tensor(one), .tensor(zero), .scalar(0)],
                                 summary: Bilingual(es: "x = 1, 2, 3, 4 en un canal, γ = 1, β = 0, eps = 0: μ = 2.5, σ² = 1.25",
                                                    en: "x = 1, 2, 3, 4 in one channel, γ = 1, β = 0, eps = 0: μ = 2.5, σ² = 1.25"))]
            },
            "random": { count, g in (0..<count).map { _ in trainCase(&g, eps: 1e-5) } },
            "eps": { count, g in (0..<count).map { _ in trainCase(&g, eps: 0.5, "eps grande", "large eps") } },
        ],
        referenceOf: { a in train(argument(a, 0), gamma: argument(a, 1), beta: argument(a, 2), eps: number(a, 3)) },
        mistakes: [unbiased, pooled, epsOutside],
        variants: [
            "unbiased_variance": { a in
                normalize(argument(a, 0), statistics(argument(a, 0), unbiased: true), gamma: argument(a, 1), beta: argument(a, 2), eps: number(a, 3))
            },
            "statistics_over_all_channels": { a in
                guard argument(a, 0).shape[1] > 1 else { return nil }
                return normalize(argument(a, 0), statistics(argument(a, 0), pooled: true), gamma: argument(a, 1), beta: argument(a, 2),
                                 eps: number(a, 3))
            },
            "eps_outside_sqrt": { a in
                normalize(argument(a, 0), statistics(argument(a, 0)), gamma: argument(a, 1), beta: argument(a, 2), eps: number(a, 3),
                          epsOutside: true)
            },
        ])

    enum Running: String { case mean, variance }

    static func running(_ a: CodeCase, _ which: Running, reversed: Bool = false, biased: Bool = false) -> Numbers {
        let batch = statistics(argument(a, 0), unbiased: !biased)
        let old = argument(a, which == .mean ? 1 : 2), m = number(a, 3)
        let new = which == .mean ? batch.mean : batch.variance
        let weight = reversed ? 1 - m : m
        return Numbers(shape: old.shape, values: zip(old.values, new).map { (1 - weight) * $0 + weight * $1 })
    }

    static func runningFunction(_ which: Running) -> DefinedFunction {
        DefinedFunction(
            name: "batchnorm_running_\(which.rawValue)", learnerFunction: "batchNormRunning",
            call: "batchNormRunning(capasHarnessTensor(0), runningMean: capasHarnessTensor(1), runningVariance: capasHarnessTensor(2), "
                + "momentum: capasHarnessFloat(3)).\(which.rawValue)",
            sets: ["random": { count, g in (0..<count).map { _ in runningCase(&g) } }],
            referenceOf: { running($0, which) },
            mistakes: which == .mean ? [reversed] : [reversed, biasedRunning],
            variants: ["momentum_reversed": { running($0, which, reversed: true) },
                       "biased_running_variance": { which == .variance ? running($0, which, biased: true) : nil }])
    }

    static let evalFunction = DefinedFunction(
        name: "batchnorm_eval", learnerFunction: "batchNormEval",
        call: "batchNormEval(capasHarnessTensor(0), gamma: capasHarnessTensor(1), beta: capasHarnessTensor(2), "
            + "runningMean: capasHarnessTensor(3), runningVariance: capasHarnessTensor(4), eps: capasHarnessFloat(5))",
        sets: ["random": { count, g in (0..<count).map { _ in evalCase(&g) } }],
        referenceOf: { a in
            normalize(argument(a, 0), Statistics(mean: argument(a, 3).values, variance: argument(a, 4).values),
                      gamma: argument(a, 1), beta: argument(a, 2), eps: number(a, 5))
        },
        mistakes: [evalBatch],
        variants: ["eval_uses_batch_statistics": { a in train(argument(a, 0), gamma: argument(a, 1), beta: argument(a, 2), eps: number(a, 5)) }])

    enum Part: String { case input, gamma, beta }

    static func backwardFunction(_ part: Part) -> DefinedFunction {
        DefinedFunction(
            name: "batchnorm_backward_\(part.rawValue)", learnerFunction: "batchNormBackward",
            call: "batchNormBackward(capasHarnessTensor(0), gamma: capasHarnessTensor(1), capasHarnessTensor(2), "
                + "eps: capasHarnessFloat(3)).\(part.rawValue)",
            sets: ["gradient": { count, g in (0..<count).map { _ in backwardCase(&g) } }],
            referenceOf: { a in
                let x = argument(a, 0), gamma = argument(a, 1), up = argument(a, 2), eps = number(a, 3)
                let beta = Numbers(shape: gamma.shape, values: [Double](repeating: 0, count: gamma.values.count))
                switch part {
                case .input:
                    return Numbers(shape: x.shape, values: Definitions.numericGradient(at: x.values, upstream: up.values) {
                        train(Numbers(shape: x.shape, values: $0), gamma: gamma, beta: beta, eps: eps).values
                    })
                case .gamma:
                    return Numbers(shape: gamma.shape, values: Definitions.numericGradient(at: gamma.values, upstream: up.values) {
                        train(x, gamma: Numbers(shape: gamma.shape, values: $0), beta: beta, eps: eps).values
                    })
                case .beta:
                    return Numbers(shape: gamma.shape, values: Definitions.numericGradient(at: beta.values, upstream: up.values) {
                        train(x, gamma: gamma, beta: Numbers(shape: gamma.shape, values: $0), eps: eps).values
                    })
                }
            },
            mistakes: part == .input ? [constants] : [],
            variants: ["batch_statistics_treated_as_constants": { a in
                let x = argument(a, 0), gamma = argument(a, 1), up = argument(a, 2), eps = number(a, 3)
                let stats = statistics(x), c = x.shape[1], plane = x.shape[2] * x.shape[3]
                return Numbers(shape: x.shape, values: up.values.indices.map { i in
                    let channel = (i / plane) % c
                    return gamma.values[channel] * up.values[i] / (stats.variance[channel] + eps).squareRoot()
                })
            }])
    }

    static func dropout(_ a: CodeCase, scale: Bool = true, inEval: Bool = false, scaledInEval: Bool = false) -> Numbers? {
        let x = argument(a, 0), mask = argument(a, 1), p = number(a, 2), training = a.arguments[3].integer! != 0
        if training || inEval {
            return Numbers(shape: x.shape, values: zip(x.values, mask.values).map { $0 * $1 / (scale ? 1 - p : 1) })
        }
        return Numbers(shape: x.shape, values: x.values.map { scaledInEval ? $0 * (1 - p) : $0 })
    }

    static let dropoutFunction = DefinedFunction(
        name: "dropout", learnerFunction: "dropout",
        call: "dropout(capasHarnessTensor(0), mask: capasHarnessTensor(1), p: capasHarnessFloat(2), training: capasHarnessBool(3))",
        sets: ["training": { count, g in (0..<count).map { _ in dropoutCase(&g, training: true) } },
               "evaluation": { count, g in (0..<count).map { _ in dropoutCase(&g, training: false) } }],
        referenceOf: { dropout($0)! },
        mistakes: [notScaled, inEval, scaledInEval],
        variants: ["dropout_not_scaled": { a in a.arguments[3].integer! != 0 ? dropout(a, scale: false) : nil },
                   "dropout_in_eval": { a in a.arguments[3].integer! == 0 ? dropout(a, inEval: true) : nil },
                   "dropout_scaled_in_eval": { a in a.arguments[3].integer! == 0 ? dropout(a, scaledInEval: true) : nil }])

    static let dropoutBackwardFunction = DefinedFunction(
        name: "dropout_backward", learnerFunction: "dropoutBackward",
        call: "dropoutBackward(capasHarnessTensor(0), mask: capasHarnessTensor(1), p: capasHarnessFloat(2))",
        sets: ["gradient": { count, g in
            (0..<count).map { _ in
                let training = dropoutCase(&g, training: true)
                return CodeCase(arguments: Array(training.arguments.prefix(3)), summary: training.summary)
            }
        }],
        referenceOf: { a in
            // The gradient of x·mask/(1 − p) with respect to x, by central differences.
            let up = argument(a, 0), mask = argument(a, 1), p = number(a, 2)
            return Numbers(shape: up.shape, values: Definitions.numericGradient(at: up.values.map { _ in 0.5 }, upstream: up.values) {
                zip($0, mask.values).map { $0 * $1 / (1 - p) }
            })
        },
        mistakes: [gradientNotScaled],
        variants: ["dropout_gradient_not_scaled": { a in
            Numbers(shape: argument(a, 0).shape, values: zip(argument(a, 0).values, argument(a, 1).values).map { $0 * $1 })
        }])

    static let all: [any CodeFunction] = [
        batchNormFunction, runningFunction(.mean), runningFunction(.variance), evalFunction,
        backwardFunction(.input), backwardFunction(.gamma), backwardFunction(.beta), dropoutFunction, dropoutBackwardFunction,
    ]
}
