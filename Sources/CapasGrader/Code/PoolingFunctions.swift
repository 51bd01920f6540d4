// Exercise 06: max and average pooling, forward and backward.
//
//     func maxPool2d(_ input: Tensor, size: Int, stride: Int) -> Tensor
//     func maxPool2dBackward(_ input: Tensor, _ gradOutput: Tensor, size: Int, stride: Int) -> Tensor
//     func avgPool2d(_ input: Tensor, size: Int, stride: Int) -> Tensor
//     func avgPool2dBackward(_ input: Tensor, _ gradOutput: Tensor, size: Int, stride: Int) -> Tensor
//
// N×C×H×W, square windows, no padding, HO = ⌊(H − size)/stride⌋ + 1.
// Forward references are the definition in float64; backward references
// are central differences of it (inputs without ties).

import Foundation

enum PoolingFunctions {
    enum Kind: Sendable { case max, average }

    struct Variant: Sendable {
        var ceil = false, strideIsSize = false
        var toAll = false, overwrite = false, notDivided = false
    }

    static func unpack(_ item: CodeCase) -> (x: Numbers, g: Numbers?, size: Int, stride: Int) {
        if item.arguments.count == 3 {
            return (item.arguments[0].numbers!, nil, item.arguments[1].integer!, item.arguments[2].integer!)
        }
        return (item.arguments[0].numbers!, item.arguments[1].numbers!, item.arguments[2].integer!, item.arguments[3].integer!)
    }

    /// Output size; nil when no window fits.
    static func outputSize(_ length: Int, _ size: Int, _ stride: Int, ceil: Bool) -> Int? {
        guard length >= size else { return nil }
        return (ceil ? (length - size + stride - 1) / stride : (length - size) / stride) + 1
    }

    /// The forward definition. With `ceil`, windows past the border are cut
    /// to what is inside (what a learner who rounds up and then clamps gets).
    static func forward(_ x: Numbers, size: Int, stride s0: Int, _ kind: Kind, _ variant: Variant = Variant()) -> Numbers? {
        let stride = variant.strideIsSize ? size : s0
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        guard let ho = outputSize(h, size, stride, ceil: variant.ceil),
              let wo = outputSize(w, size, stride, ceil: variant.ceil) else { return nil }
        var y = [Double](repeating: 0, count: n * c * ho * wo)
        for plane in 0..<(n * c) {
            for i in 0..<ho {
                for j in 0..<wo {
                    var best = -Double.infinity, sum = 0.0, inside = 0
                    for u in 0..<size where i * stride + u < h {
                        for v in 0..<size where j * stride + v < w {
                            let value = x.values[(plane * h + i * stride + u) * w + j * stride + v]
                            best = max(best, value)
                            sum += value
                            inside += 1
                        }
                    }
                    y[(plane * ho + i) * wo + j] = kind == .max ? best : sum / Double(inside)
                }
            }
        }
        return Numbers(shape: [n, c, ho, wo], values: y)
    }

    /// Backward written from the definition, with the known mistakes as
    /// switches (the correct gradient itself is checked by central differences).
    static func backward(_ x: Numbers, _ g: Numbers, size: Int, stride: Int, _ kind: Kind, _ variant: Variant) -> Numbers? {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        guard let ho = outputSize(h, size, stride, ceil: false), let wo = outputSize(w, size, stride, ceil: false),
              g.shape == [n, c, ho, wo] else { return nil }
        var dx = [Double](repeating: 0, count: x.values.count)
        func give(_ index: Int, _ value: Double) { if variant.overwrite { dx[index] = value } else { dx[index] += value } }
        for plane in 0..<(n * c) {
            for i in 0..<ho {
                for j in 0..<wo {
                    let upstream = g.values[(plane * ho + i) * wo + j]
                    var window: [Int] = []
                    for u in 0..<size { for v in 0..<size { window.append((plane * h + i * stride + u) * w + j * stride + v) } }
                    switch kind {
                    case .max:
                        if variant.toAll {
                            window.forEach { give($0, upstream) }
                        } else {
                            give(window.max { x.values[$0] < x.values[$1] }!, upstream)
                        }
                    case .average:
                        let share = variant.notDivided ? upstream : upstream / Double(size * size)
                        window.forEach { give($0, share) }
                    }
                }
            }
        }
        return Numbers(shape: x.shape, values: dx)
    }

    static func numericBackward(_ item: CodeCase, _ kind: Kind) -> Numbers {
        let (x, g, size, stride) = unpack(item)
        let gradient = Definitions.numericGradient(at: x.values, upstream: g!.values) { values in
            forward(Numbers(shape: x.shape, values: values), size: size, stride: stride, kind)!.values
        }
        return Numbers(shape: x.shape, values: gradient)
    }

    // MARK: Cases

    static func forwardCase(_ x: Numbers, _ size: Int, _ stride: Int, _ es: String? = nil, _ en: String? = nil) -> CodeCase {
        CodeCase(arguments: [.tensor(x), .integer(size), .integer(stride)],
                 summary: Bilingual(es: (es.map { $0 + ": " } ?? "") + "x \(x.shapeText), tamaño \(size), paso \(stride)",
                                    en: (en.map { $0 + ": " } ?? "") + "x \(x.shapeText), size \(size), stride \(stride)"))
    }

    static func backwardCase(_ x: Numbers, _ g: Numbers, _ size: Int, _ stride: Int,
                             _ es: String? = nil, _ en: String? = nil) -> CodeCase {
        CodeCase(arguments: [.tensor(x), .tensor(g), .integer(size), .integer(stride)],
                 summary: Bilingual(es: (es.map { $0 + ": " } ?? "") + "x \(x.shapeText), gradOutput \(g.shapeText), tamaño \(size), paso \(stride)",
                                    en: (en.map { $0 + ": " } ?? "") + "x \(x.shapeText), gradOutput \(g.shapeText), size \(size), stride \(stride)"))
    }

    static let slide = Definitions.image([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])

    static func integers(_ shape: [Int], seed: UInt64) -> Numbers {
        var g = CaseGenerator(seed: seed)
        return Numbers(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in g.small(9) })
    }

    static let forwardWorked: [CodeCase] = [
        forwardCase(slide, 2, 2, "la matriz del curso", "the course's matrix"),
        forwardCase(integers([2, 3, 4, 4], seed: 61), 2, 2, "lote de 2, 3 canales", "batch of 2, 3 channels"),
    ]

    static let forwardStride: [CodeCase] = [
        forwardCase(integers([1, 1, 7, 7], seed: 62), 3, 2, "ventanas que se solapan", "overlapping windows"),
        forwardCase(integers([1, 2, 5, 5], seed: 63), 2, 1),
        forwardCase(integers([1, 1, 8, 8], seed: 64), 3, 3, "el suelo deja fuera 2 filas y 2 columnas",
                    "floor leaves out 2 rows and 2 columns"),
        forwardCase(integers([1, 1, 6, 5], seed: 65), 2, 3, "paso mayor que la ventana", "stride larger than the window"),
    ]

    static func randomForward(_ g: inout CaseGenerator) -> CodeCase {
        let h = g.int(2...9), w = g.int(2...9)
        let size = g.int(1...min(4, h, w)), stride = g.int(1...4)
        return forwardCase(Definitions.random([g.int(1...2), g.int(1...3), h, w], &g), size, stride)
    }

    static func randomBackward(_ g: inout CaseGenerator) -> CodeCase {
        let h = g.int(2...8), w = g.int(2...8)
        let size = g.int(1...min(4, h, w)), stride = g.int(1...3)
        let x = Definitions.distinct([g.int(1...2), g.int(1...2), h, w], &g)
        let ho = (h - size) / stride + 1, wo = (w - size) / stride + 1
        return backwardCase(x, Definitions.random([x.shape[0], x.shape[1], ho, wo], &g), size, stride)
    }

    static func backwardWorked() -> [CodeCase] {
        var g = CaseGenerator(seed: 66)
        return [
            backwardCase(slide, Definitions.image([[1, 2], [3, 4]]), 2, 2, "la matriz del curso", "the course's matrix"),
            backwardCase(Definitions.distinct([1, 2, 4, 6], &g), integers([1, 2, 2, 3], seed: 67), 2, 2),
        ]
    }

    static func backwardOverlap() -> [CodeCase] {
        var g = CaseGenerator(seed: 68)
        return [
            backwardCase(Definitions.distinct([1, 1, 5, 5], &g), integers([1, 1, 2, 2], seed: 69), 3, 2,
                         "ventanas 3×3 con paso 2: la fila y la columna 2 están en dos ventanas",
                         "3×3 windows with stride 2: row and column 2 are in two windows"),
            backwardCase(Definitions.distinct([1, 1, 4, 4], &g), integers([1, 1, 3, 3], seed: 70), 2, 1,
                         "paso 1: casi todo está en varias ventanas", "stride 1: almost everything is in several windows"),
            backwardCase(Definitions.distinct([1, 1, 7, 7], &g), integers([1, 1, 2, 2], seed: 71), 3, 3,
                         "el suelo deja fuera la última fila y columna: su gradiente es 0",
                         "floor leaves out the last row and column: their gradient is 0"),
        ]
    }

    // MARK: Mistakes

    static let ceilMistake = KnownMistake(id: "ceil_instead_of_floor", feedback: Bilingual(
        es: "la salida tiene una fila o columna de más: se redondeó hacia arriba; HO = ⌊(H − tamaño)/paso⌋ + 1, "
            + "una ventana que no cabe entera no cuenta",
        en: "the output has an extra row or column: it was rounded up; HO = ⌊(H − size)/stride⌋ + 1, "
            + "a window that does not fit entirely does not count"))
    static let strideMistake = KnownMistake(id: "stride_ignored", feedback: Bilingual(
        es: "la ventana avanza `size` posiciones en lugar de `stride`: el paso se ignora (solo coinciden cuando son iguales)",
        en: "the window moves `size` positions instead of `stride`: the stride is ignored (they only agree when equal)"))
    static let toAllMistake = KnownMistake(id: "maxpool_gradient_to_all", feedback: Bilingual(
        es: "el gradiente del max pooling va solo al máximo de cada ventana (el único que influyó en la salida); "
            + "los demás elementos reciben 0",
        en: "max pooling's gradient goes only to the maximum of each window (the only element that affected the output); "
            + "the other elements get 0"))
    static let overwriteMistake = KnownMistake(id: "gradient_overwritten", feedback: Bilingual(
        es: "cuando las ventanas se solapan, un elemento recibe gradiente de varias: hay que sumarlos (+=), no sobrescribir (=)",
        en: "when windows overlap, an element receives gradient from several of them: add them up (+=), do not overwrite (=)"))
    static let notDividedMistake = KnownMistake(id: "avgpool_gradient_not_divided", feedback: Bilingual(
        es: "cada elemento de la ventana contribuye 1/(tamaño·tamaño) a la media: su gradiente es gradOutput/(tamaño·tamaño)",
        en: "each element of the window contributes 1/(size·size) to the mean: its gradient is gradOutput/(size·size)"))

    static func forwardFunction(_ kind: Kind) -> DefinedFunction {
        let name = kind == .max ? "maxpool2d" : "avgpool2d"
        let learner = kind == .max ? "maxPool2d" : "avgPool2d"
        return DefinedFunction(
            name: name, learnerFunction: learner,
            call: "\(learner)(capasHarnessTensor(0), size: capasHarnessInt(1), stride: capasHarnessInt(2))",
            sets: ["worked": { _, _ in forwardWorked }, "stride": { _, _ in forwardStride },
                   "random": { count, g in (0..<count).map { _ in randomForward(&g) } }],
            referenceOf: { item in
                let (x, _, size, stride) = unpack(item)
                return forward(x, size: size, stride: stride, kind)!
            },
            mistakes: [ceilMistake, strideMistake],
            variants: [
                "ceil_instead_of_floor": { item in
                    let (x, _, size, stride) = unpack(item)
                    return forward(x, size: size, stride: stride, kind, Variant(ceil: true))
                },
                "stride_ignored": { item in
                    let (x, _, size, stride) = unpack(item)
                    return forward(x, size: size, stride: stride, kind, Variant(strideIsSize: true))
                },
            ])
    }

    static func backwardFunction(_ kind: Kind) -> DefinedFunction {
        let name = kind == .max ? "maxpool2d_backward" : "avgpool2d_backward"
        let learner = kind == .max ? "maxPool2dBackward" : "avgPool2dBackward"
        func variant(_ v: Variant) -> @Sendable (CodeCase) -> Numbers? {
            { item in
                let (x, g, size, stride) = unpack(item)
                return backward(x, g!, size: size, stride: stride, kind, v)
            }
        }
        return DefinedFunction(
            name: name, learnerFunction: learner,
            call: "\(learner)(capasHarnessTensor(0), capasHarnessTensor(1), size: capasHarnessInt(2), stride: capasHarnessInt(3))",
            sets: ["worked": { _, _ in backwardWorked() }, "overlap": { _, _ in backwardOverlap() },
                   "gradient": { count, g in (0..<count).map { _ in randomBackward(&g) } }],
            referenceOf: { numericBackward($0, kind) },
            mistakes: kind == .max ? [toAllMistake, overwriteMistake] : [notDividedMistake, overwriteMistake],
            variants: kind == .max
                ? ["maxpool_gradient_to_all": variant(Variant(toAll: true)), "gradient_overwritten": variant(Variant(overwrite: true))]
                : ["avgpool_gradient_not_divided": variant(Variant(notDivided: true)),
                   "gradient_overwritten": variant(Variant(overwrite: true))])
    }

    static let all: [any CodeFunction] = [forwardFunction(.max), backwardFunction(.max),
                                          forwardFunction(.average), backwardFunction(.average)]
}
