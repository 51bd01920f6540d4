// Exercise 07: dense, ReLU, softmax and cross-entropy, forward and backward,
// and a two-layer network's first loss.
//
//     func dense(_ x: Tensor, _ weight: Tensor, _ bias: Tensor) -> Tensor            N×I, O×I, O → N×O
//     func denseBackward(_ x: Tensor, _ weight: Tensor, _ gradOutput: Tensor)
//         -> (input: Tensor, weight: Tensor, bias: Tensor)
//     func relu(_ x: Tensor) -> Tensor
//     func reluBackward(_ x: Tensor, _ gradOutput: Tensor) -> Tensor
//     func softmax(_ logits: Tensor) -> Tensor                                       N×K, each row
//     func crossEntropy(_ logits: Tensor, _ labels: [Int]) -> Float                   mean over N, natural log
//     func crossEntropyBackward(_ logits: Tensor, _ labels: [Int]) -> Tensor
//     func twoLayerLoss(_ x: Tensor, _ labels: [Int], _ w1: Tensor, _ b1: Tensor,
//                       _ w2: Tensor, _ b2: Tensor) -> Float
//
// Weights are O×I like PyTorch's nn.Linear. Backward references are central
// differences of the float64 definitions; ReLU's gradient at exactly 0 is
// 0, PyTorch's convention (a case with zeros checks it).

import Foundation

enum DenseFunctions {
    // MARK: Definitions (float64)

    static func dense(_ x: Numbers, _ w: Numbers, _ b: Numbers?) -> Numbers {
        let (n, inputs, outputs) = (x.shape[0], x.shape[1], w.shape[0])
        var y = [Double](repeating: 0, count: n * outputs)
        for s in 0..<n {
            for o in 0..<outputs {
                var sum = b?.values[o] ?? 0
                for i in 0..<inputs { sum += x.values[s * inputs + i] * w.values[o * inputs + i] }
                y[s * outputs + o] = sum
            }
        }
        return Numbers(shape: [n, outputs], values: y)
    }

    static func relu(_ values: [Double]) -> [Double] { values.map { max(0, $0) } }

    static func softmax(_ z: Numbers) -> Numbers {
        let (n, k) = (z.shape[0], z.shape[1])
        var p = [Double](repeating: 0, count: n * k)
        for s in 0..<n {
            let row = z.values[(s * k)..<(s * k + k)]
            let top = row.max()!
            let exps = row.map { Foundation.exp($0 - top) }
            let total = exps.reduce(0, +)
            for (j, e) in exps.enumerated() { p[s * k + j] = e / total }
        }
        return Numbers(shape: z.shape, values: p)
    }

    enum Loss { case correct, log10, sum }

    static func crossEntropy(_ z: Numbers, _ labels: [Int], _ variant: Loss = .correct) -> Double {
        let k = z.shape[1]
        var total = 0.0
        for (s, label) in labels.enumerated() {
            // log p = z − max − log Σ exp(z − max): stable for any logits.
            let row = z.values[(s * k)..<(s * k + k)]
            let top = row.max()!
            let logP = row[s * k + label] - top - Foundation.log(row.map { Foundation.exp($0 - top) }.reduce(0, +))
            total -= variant == .log10 ? logP / Foundation.log(10) : logP
        }
        return variant == .sum ? total : total / Double(labels.count)
    }

    static func labels(_ argument: CodeArgument) -> [Int] { argument.numbers!.values.map { Int($0) } }

    static func twoLayer(_ a: [CodeArgument], reluMissing: Bool = false) -> Double {
        let hidden = dense(a[0].numbers!, a[2].numbers!, a[3].numbers!)
        let activated = reluMissing ? hidden : Numbers(shape: hidden.shape, values: relu(hidden.values))
        return crossEntropy(dense(activated, a[4].numbers!, a[5].numbers!), labels(a[1]))
    }

    static func scalar(_ x: Double) -> Numbers { Numbers(shape: [], values: [x]) }

    // MARK: Cases

    static func summary(_ parts: [(String, Numbers)], _ es: String? = nil, _ en: String? = nil) -> Bilingual {
        let shapes = Definitions.shapes(parts)
        return Bilingual(es: (es.map { $0 + ": " } ?? "") + shapes, en: (en.map { $0 + ": " } ?? "") + shapes)
    }

    static func denseCase(_ g: inout CaseGenerator, n: Int, i: Int, o: Int, es: String? = nil, en: String? = nil) -> CodeCase {
        let x = Definitions.random([n, i], &g), w = Definitions.random([o, i], &g), b = Definitions.random([o], &g)
        return CodeCase(arguments: [.tensor(x), .tensor(w), .tensor(b)], summary: summary([("x", x), ("w", w), ("b", b)], es, en))
    }

    static func denseBackwardCase(_ g: inout CaseGenerator, n: Int, i: Int, o: Int) -> CodeCase {
        let x = Definitions.random([n, i], &g), w = Definitions.random([o, i], &g), up = Definitions.random([n, o], &g)
        return CodeCase(arguments: [.tensor(x), .tensor(w), .tensor(up)], summary: summary([("x", x), ("w", w), ("gradOutput", up)]))
    }

    static func logitsCase(_ z: Numbers, labels: [Int]? = nil, _ es: String? = nil, _ en: String? = nil) -> CodeCase {
        var arguments: [CodeArgument] = [.tensor(z)]
        if let labels { arguments.append(Definitions.labels(labels)) }
        let text = labels.map { " " + $0.map(String.init).joined(separator: ",") }
        return CodeCase(arguments: arguments, summary: summary([("logits", z)], es, en)
                        + Bilingual(text.map { ", labels\($0)" } ?? ""))
    }

    static func randomLogits(_ g: inout CaseGenerator, scale: Double = 3) -> (Numbers, [Int]) {
        let n = g.int(1...4), k = g.int(2...6)
        return (Definitions.random([n, k], &g, scale: scale), (0..<n).map { _ in g.int(0...(k - 1)) })
    }

    // MARK: Mistakes

    static let biasMissing = KnownMistake(id: "bias_missing", feedback: Bilingual(
        es: "falta el sesgo: y = x·Wᵀ + b, a cada salida o hay que sumarle b[o]",
        en: "the bias is missing: y = x·Wᵀ + b, every output o needs b[o] added"))
    static let biasAveraged = KnownMistake(id: "bias_gradient_averaged", feedback: Bilingual(
        es: "el gradiente del sesgo es la suma de gradOutput sobre el lote (cada muestra usa el mismo b), no la media",
        en: "the bias gradient is the sum of gradOutput over the batch (every sample uses the same b), not the mean"))
    static let weightAveraged = KnownMistake(id: "weight_gradient_averaged", feedback: Bilingual(
        es: "el gradiente de W es gradOutputᵀ·x, sumado sobre el lote, sin dividir por N (la media ya está en la pérdida)",
        en: "W's gradient is gradOutputᵀ·x, summed over the batch, not divided by N (the mean is already in the loss)"))
    static let reluAtZero = KnownMistake(id: "relu_gradient_at_zero", feedback: Bilingual(
        es: "en x = 0 la derivada de ReLU se toma como 0 (la convención de PyTorch): usa x > 0, no x ≥ 0",
        en: "at x = 0 ReLU's derivative is taken as 0 (PyTorch's convention): use x > 0, not x ≥ 0"))
    static let reluOfOutput = KnownMistake(id: "relu_gradient_is_relu", feedback: Bilingual(
        es: "el gradiente de ReLU no es ReLU(gradOutput): es gradOutput donde x > 0 y 0 donde no; decide con x, no con gradOutput",
        en: "ReLU's gradient is not ReLU(gradOutput): it is gradOutput where x > 0 and 0 elsewhere; decide with x, not gradOutput"))
    static let noMax = KnownMistake(id: "softmax_without_max", feedback: Bilingual(
        es: "exp(1000) desborda Float (∞/∞ = NaN): resta el máximo de cada fila antes de exp; softmax(z) = softmax(z − max z)",
        en: "exp(1000) overflows Float (∞/∞ = NaN): subtract each row's maximum before exp; softmax(z) = softmax(z − max z)"))
    static let wrongAxis = KnownMistake(id: "softmax_wrong_axis", feedback: Bilingual(
        es: "se normalizó por columnas (sobre el lote); cada fila (una muestra) debe sumar 1",
        en: "it was normalised by columns (over the batch); each row (one sample) must add up to 1"))
    static let log10 = KnownMistake(id: "log_base_10", feedback: Bilingual(
        es: "se usó el logaritmo en base 10; la entropía cruzada usa el logaritmo natural (ln), como PyTorch. "
            + "La diapositiva que da 0.89 usa log₁₀: ln x = log₁₀ x · ln 10",
        en: "the base-10 logarithm was used; cross-entropy uses the natural logarithm (ln), like PyTorch. "
            + "The slide that gives 0.89 uses log₁₀: ln x = log₁₀ x · ln 10"))
    static let sumNotMean = KnownMistake(id: "sum_instead_of_mean", feedback: Bilingual(
        es: "la pérdida es la media sobre el lote, no la suma: divide por N",
        en: "the loss is the mean over the batch, not the sum: divide by N"))
    static let sumNotMeanGradient = KnownMistake(id: "gradient_sum_instead_of_mean", feedback: Bilingual(
        es: "el gradiente de la media lleva 1/N: (softmax − one_hot)/N",
        en: "the gradient of the mean carries 1/N: (softmax − one_hot)/N"))
    static let reluMissing = KnownMistake(id: "relu_missing", feedback: Bilingual(
        es: "falta la ReLU entre las dos capas: sin ella, dos capas densas son una sola capa lineal",
        en: "the ReLU between the two layers is missing: without it, two dense layers are a single linear layer"))

    // MARK: Functions

    static let denseFunction = DefinedFunction(
        name: "dense", learnerFunction: "dense",
        call: "dense(capasHarnessTensor(0), capasHarnessTensor(1), capasHarnessTensor(2))",
        sets: [
            "worked": { _, _ in
                let x = Definitions.tensor([[1, 2, 3]]), w = Definitions.tensor([[1, 0, -1], [2, 1, 0]])
                let b = Numbers(shape: [2], values: [0.5, -1])
                return [CodeCase(arguments: [.tensor(x), .tensor(w), .tensor(b)],
                                 summary: Bilingual(es: "x = [[1, 2, 3]], W = [[1, 0, −1], [2, 1, 0]], b = [0.5, −1]",
                                                    en: "x = [[1, 2, 3]], W = [[1, 0, −1], [2, 1, 0]], b = [0.5, −1]"))]
            },
            "random": { count, g in
                (0..<count).map { _ in denseCase(&g, n: g.int(1...4), i: g.int(1...7), o: g.int(1...5)) }
            },
        ],
        referenceOf: { a in dense(a.arguments[0].numbers!, a.arguments[1].numbers!, a.arguments[2].numbers!) },
        mistakes: [biasMissing],
        variants: ["bias_missing": { a in dense(a.arguments[0].numbers!, a.arguments[1].numbers!, nil) }])

    enum Part: String { case input, weight, bias }

    static func denseBackward(_ part: Part) -> DefinedFunction {
        DefinedFunction(
            name: "dense_backward_\(part.rawValue)", learnerFunction: "denseBackward",
            call: "denseBackward(capasHarnessTensor(0), capasHarnessTensor(1), capasHarnessTensor(2)).\(part.rawValue)",
            sets: ["gradient": { count, g in
                (0..<count).map { _ in denseBackwardCase(&g, n: g.int(1...4), i: g.int(1...6), o: g.int(1...5)) }
            }],
            referenceOf: { a in
                let x = a.arguments[0].numbers!, w = a.arguments[1].numbers!, up = a.arguments[2].numbers!
                let b = Numbers(shape: [w.shape[0]], values: [Double](repeating: 0, count: w.shape[0]))
                switch part {
                case .input:
                    return Numbers(shape: x.shape, values: Definitions.numericGradient(at: x.values, upstream: up.values) {
                        dense(Numbers(shape: x.shape, values: $0), w, b).values
                    })
                case .weight:
                    return Numbers(shape: w.shape, values: Definitions.numericGradient(at: w.values, upstream: up.values) {
                        dense(x, Numbers(shape: w.shape, values: $0), b).values
                    })
                case .bias:
                    return Numbers(shape: b.shape, values: Definitions.numericGradient(at: b.values, upstream: up.values) {
                        dense(x, w, Numbers(shape: b.shape, values: $0)).values
                    })
                }
            },
            mistakes: part == .bias ? [biasAveraged] : part == .weight ? [weightAveraged] : [],
            variants: [
                "bias_gradient_averaged": { a in
                    let up = a.arguments[2].numbers!
                    let (n, o) = (up.shape[0], up.shape[1])
                    return Numbers(shape: [o], values: (0..<o).map { j in (0..<n).reduce(0) { $0 + up.values[$1 * o + j] } / Double(n) })
                },
                "weight_gradient_averaged": { a in
                    let x = a.arguments[0].numbers!, up = a.arguments[2].numbers!
                    let (n, i, o) = (x.shape[0], x.shape[1], up.shape[1])
                    var dw = [Double](repeating: 0, count: o * i)
                    for s in 0..<n { for r in 0..<o { for c in 0..<i { dw[r * i + c] += up.values[s * o + r] * x.values[s * i + c] / Double(n) } } }
                    return Numbers(shape: [o, i], values: dw)
                },
            ])
    }

    static let reluFunction = DefinedFunction(
        name: "relu", learnerFunction: "relu", call: "relu(capasHarnessTensor(0))",
        sets: ["random": { count, g in
            (0..<count).map { _ in
                let x = Definitions.random([g.int(1...3), g.int(1...6)], &g)
                return CodeCase(arguments: [.tensor(x)], summary: summary([("x", x)]))
            }
        }],
        referenceOf: { a in let x = a.arguments[0].numbers!; return Numbers(shape: x.shape, values: relu(x.values)) },
        mistakes: [], variants: [:])

    static let reluBackwardFunction = DefinedFunction(
        name: "relu_backward", learnerFunction: "reluBackward",
        call: "reluBackward(capasHarnessTensor(0), capasHarnessTensor(1))",
        sets: [
            "gradient": { count, g in
                (0..<count).map { _ in
                    let shape = [g.int(1...3), g.int(1...6)]
                    let x = Definitions.awayFromZero(shape, &g), up = Definitions.random(shape, &g)
                    return CodeCase(arguments: [.tensor(x), .tensor(up)], summary: summary([("x", x), ("gradOutput", up)]))
                }
            },
            "zeros": { _, _ in
                let x = Definitions.tensor([[0, 1, -1, 0], [2, 0, -3, 0.5]])
                let up = Definitions.tensor([[1, -2, 3, 4], [0.5, 6, -1, -0.25]])
                return [CodeCase(arguments: [.tensor(x), .tensor(up)],
                                 summary: Bilingual(es: "x con ceros exactos: [[0, 1, −1, 0], [2, 0, −3, 0.5]]",
                                                    en: "x with exact zeros: [[0, 1, −1, 0], [2, 0, −3, 0.5]]"))]
            },
        ],
        referenceOf: { a in
            let x = a.arguments[0].numbers!, up = a.arguments[1].numbers!
            // Central differences away from 0; at exactly 0, PyTorch's 0.
            let numeric = Definitions.numericGradient(at: x.values, upstream: up.values) { relu($0) }
            return Numbers(shape: x.shape, values: zip(x.values, numeric).map { $0 == 0 ? 0 : $1 })
        },
        mistakes: [reluAtZero, reluOfOutput],
        variants: [
            "relu_gradient_at_zero": { a in
                let x = a.arguments[0].numbers!, up = a.arguments[1].numbers!
                return Numbers(shape: x.shape, values: zip(x.values, up.values).map { $0 >= 0 ? $1 : 0 })
            },
            "relu_gradient_is_relu": { a in
                let up = a.arguments[1].numbers!
                return Numbers(shape: up.shape, values: relu(up.values))
            },
        ])

    static let softmaxFunction = DefinedFunction(
        name: "softmax", learnerFunction: "softmax", call: "softmax(capasHarnessTensor(0))",
        sets: [
            "worked": { _, _ in [logitsCase(Definitions.tensor([[3.2, 5.1, -1.7]]), labels: nil, "el ejemplo del curso", "the course's example")] },
            "large": { _, _ in
                [logitsCase(Definitions.tensor([[1000, 1001, 1002], [-1000, 0, 1000]]), labels: nil, "logits de 1000", "logits of 1000"),
                 logitsCase(Definitions.tensor([[1000, 1000], [3, 1]]), nil)]
            },
            "random": { count, g in (0..<count).map { _ in logitsCase(randomLogits(&g).0) } },
        ],
        referenceOf: { softmax($0.arguments[0].numbers!) },
        mistakes: [noMax, wrongAxis],
        variants: [
            "softmax_without_max": { a in
                // What Float gives without the shift: exp overflows to ∞ and ∞/∞ is NaN.
                let z = a.arguments[0].numbers!
                let k = z.shape[1]
                var p: [Double] = []
                for s in 0..<z.shape[0] {
                    let exps = z.values[(s * k)..<(s * k + k)].map { Foundation.exp(Float($0)) }
                    let total = exps.reduce(Float(0), +)
                    p += exps.map { Double($0 / total) }
                }
                return Numbers(shape: z.shape, values: p)
            },
            "softmax_wrong_axis": { a in
                let z = a.arguments[0].numbers!
                let (n, k) = (z.shape[0], z.shape[1])
                guard n > 1 else { return nil }
                var t = [Double](repeating: 0, count: n * k)
                for s in 0..<n { for j in 0..<k { t[j * n + s] = z.values[s * k + j] } }
                let p = softmax(Numbers(shape: [k, n], values: t))
                var back = [Double](repeating: 0, count: n * k)
                for s in 0..<n { for j in 0..<k { back[s * k + j] = p.values[j * n + s] } }
                return Numbers(shape: z.shape, values: back)
            },
        ])

    static let crossEntropyFunction = DefinedFunction(
        name: "cross_entropy", learnerFunction: "crossEntropy",
        call: "capasHarnessScalar(crossEntropy(capasHarnessTensor(0), capasHarnessLabels(1)))",
        sets: [
            "worked": { _, _ in
                [logitsCase(Definitions.tensor([[3.2, 5.1, -1.7]]), labels: [0], "el ejemplo del curso", "the course's example"),
                 logitsCase(Definitions.tensor([[2, 1, 0.1], [0.5, 2.5, 0.3]]), labels: [0, 1])]
            },
            "large": { _, _ in [logitsCase(Definitions.tensor([[1000, 1001, 1002], [-1000, 0, 1000]]), labels: [2, 1],
                                           "logits de 1000", "logits of 1000")] },
            "random": { count, g in (0..<count).map { _ in let (z, l) = randomLogits(&g); return logitsCase(z, labels: l) } },
        ],
        referenceOf: { a in scalar(crossEntropy(a.arguments[0].numbers!, labels(a.arguments[1]))) },
        mistakes: [log10, sumNotMean],
        variants: [
            "log_base_10": { a in scalar(crossEntropy(a.arguments[0].numbers!, labels(a.arguments[1]), .log10)) },
            "sum_instead_of_mean": { a in scalar(crossEntropy(a.arguments[0].numbers!, labels(a.arguments[1]), .sum)) },
        ])

    static let crossEntropyBackwardFunction = DefinedFunction(
        name: "cross_entropy_backward", learnerFunction: "crossEntropyBackward",
        call: "crossEntropyBackward(capasHarnessTensor(0), capasHarnessLabels(1))",
        sets: ["gradient": { count, g in (0..<count).map { _ in let (z, l) = randomLogits(&g); return logitsCase(z, labels: l) } }],
        referenceOf: { a in
            let z = a.arguments[0].numbers!, l = labels(a.arguments[1])
            return Numbers(shape: z.shape, values: Definitions.numericGradient(at: z.values, upstream: [1]) {
                [crossEntropy(Numbers(shape: z.shape, values: $0), l)]
            })
        },
        mistakes: [sumNotMeanGradient],
        variants: ["gradient_sum_instead_of_mean": { a in
            let z = a.arguments[0].numbers!, l = labels(a.arguments[1])
            guard l.count > 1 else { return nil }
            var p = softmax(z)
            for (s, label) in l.enumerated() { p.values[s * z.shape[1] + label] -= 1 }
            return p
        }])

    static let twoLayerFunction = DefinedFunction(
        name: "two_layer_loss", learnerFunction: "twoLayerLoss",
        call: "capasHarnessScalar(twoLayerLoss(capasHarnessTensor(0), capasHarnessLabels(1), capasHarnessTensor(2), "
            + "capasHarnessTensor(3), capasHarnessTensor(4), capasHarnessTensor(5)))",
        sets: [
            // Fresh weights (uniform, small) and ten classes: the first loss is close to ln 10 ≈ 2.303.
            "first_loss": { count, g in
                (0..<count).map { _ in
                    let n = g.int(4...16), inputs = g.int(8...32), hidden = g.int(4...16)
                    let x = Definitions.random([n, inputs], &g)
                    let w1 = Definitions.random([hidden, inputs], &g, scale: 1 / Double(inputs).squareRoot())
                    let b1 = Definitions.random([hidden], &g, scale: 0.01)
                    let w2 = Definitions.random([10, hidden], &g, scale: 0.01)
                    let b2 = Numbers(shape: [10], values: [Double](repeating: 0, count: 10))
                    let l = (0..<n).map { _ in g.int(0...9) }
                    return CodeCase(arguments: [.tensor(x), Definitions.labels(l), .tensor(w1), .tensor(b1), .tensor(w2), .tensor(b2)],
                                    summary: summary([("x", x), ("w1", w1), ("w2", w2)]) + Bilingual(es: ", 10 clases", en: ", 10 classes"))
                }
            },
            "trained": { count, g in
                (0..<count).map { _ in
                    let n = g.int(2...6), inputs = g.int(3...8), hidden = g.int(2...6), classes = g.int(2...5)
                    let x = Definitions.random([n, inputs], &g)
                    let w1 = Definitions.random([hidden, inputs], &g), b1 = Definitions.random([hidden], &g)
                    let w2 = Definitions.random([classes, hidden], &g, scale: 2), b2 = Definitions.random([classes], &g)
                    let l = (0..<n).map { _ in g.int(0...(classes - 1)) }
                    return CodeCase(arguments: [.tensor(x), Definitions.labels(l), .tensor(w1), .tensor(b1), .tensor(w2), .tensor(b2)],
                                    summary: summary([("x", x), ("w1", w1), ("w2", w2)]))
                }
            },
        ],
        referenceOf: { scalar(twoLayer($0.arguments)) },
        mistakes: [reluMissing],
        variants: ["relu_missing": { scalar(twoLayer($0.arguments, reluMissing: true)) }])

    static let all: [any CodeFunction] = [
        denseFunction, denseBackward(.input), denseBackward(.weight), denseBackward(.bias), reluFunction, reluBackwardFunction,
        softmaxFunction, crossEntropyFunction, crossEntropyBackwardFunction, twoLayerFunction,
    ]
}
