// conv2d forward: `func conv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor?,
// stride: Int, padding: Int) -> Tensor`, input N×C×H×W, weight K×C×FH×FW,
// cross-correlation like PyTorch. The reference is CapasCore's Conv2D.

import CapasCore
import Foundation

struct Conv2DFunction: CodeFunction {
    let name = "conv2d"
    let call = "conv2d(capasHarnessTensor(0), capasHarnessTensor(1), bias: capasHarnessOptionalTensor(2), "
        + "stride: capasHarnessInt(3), padding: capasHarnessInt(4))"

    /// Case sets a rubric can name in `cases`.
    static let sets = ["worked", "stride", "padding", "channels_bias", "edge", "random"]

    func cases(_ set: String, count: Int, generator: inout CaseGenerator) throws -> [CodeCase] {
        switch set {
        case "worked": return Self.worked
        case "stride": return Self.strideCases
        case "padding": return Self.paddingCases
        case "channels_bias": return Self.channelCases
        case "edge": return Self.edgeCases
        case "random": return (0..<count).map { _ in Self.randomCase(&generator) }
        default:
            throw GraderError.internalError(Bilingual(
                es: "conv2d no tiene el conjunto de casos `\(set)` (hay: \(Self.sets.joined(separator: ", ")))",
                en: "conv2d has no case set `\(set)` (there are: \(Self.sets.joined(separator: ", ")))"))
        }
    }

    // MARK: Reference

    func reference(_ item: CodeCase) -> Numbers {
        let (x, w, b, s, p) = Self.unpack(item)
        let config = ConvolutionConfig(inChannels: w.shape[1], outChannels: w.shape[0],
                                       kernel: Size2D(w.shape[2], w.shape[3]), stride: Size2D(s, s),
                                       padding: Padding2D(p, p), bias: b != nil)
        var generator = SeededGenerator(seed: 0)
        let layer = Conv2D(config, generator: &generator)
        layer.weight.value = CapasCore.Tensor(shape: w.shape, data: w.values.map { Float($0) })
        if let b { layer.bias?.value = CapasCore.Tensor(shape: b.shape, data: b.values.map { Float($0) }) }
        let y = layer.referenceForward(CapasCore.Tensor(shape: x.shape, data: x.values.map { Float($0) }))
        return Numbers(shape: y.shape, values: y.data.map { Double($0) })
    }

    // MARK: Mistakes

    let mistakes: [KnownMistake] = [
        KnownMistake(id: "flipped_kernel", feedback: Bilingual(
            es: "tu salida es la de una convolución «de verdad», con el filtro girado 180°; en redes neuronales "
                + "(y en PyTorch) se usa la correlación cruzada: w[k, c, u, v] multiplica a x[n, c, i·s − p + u, j·s − p + v] sin girar el filtro",
            en: "your output is that of a true convolution, with the kernel rotated by 180°; neural networks "
                + "(and PyTorch) use cross-correlation: w[k, c, u, v] multiplies x[n, c, i·s − p + u, j·s − p + v] without flipping the kernel")),
        KnownMistake(id: "padding_ignored", feedback: Bilingual(
            es: "tu salida es la que saldría sin relleno: el parámetro padding se ignora; añade p ceros por cada lado "
                + "(las posiciones fuera de la imagen valen 0) y usa HO = ⌊(H + 2p − F)/s⌋ + 1",
            en: "your output is what you would get with no padding: the padding argument is ignored; add p zeros on each side "
                + "(positions outside the image count as 0) and use HO = ⌊(H + 2p − F)/s⌋ + 1")),
        KnownMistake(id: "stride_ignored", feedback: Bilingual(
            es: "tu salida es la de paso 1: el parámetro stride se ignora; la ventana avanza s posiciones (fila i·s, columna j·s)",
            en: "your output is that of stride 1: the stride argument is ignored; the window moves s positions (row i·s, column j·s)")),
        KnownMistake(id: "bias_missing", feedback: Bilingual(
            es: "falta el sesgo: a cada valor del mapa k hay que sumarle bias[k]",
            en: "the bias is missing: every value of feature map k needs bias[k] added")),
        KnownMistake(id: "output_transposed", feedback: Bilingual(
            es: "la salida está traspuesta: filas y columnas intercambiadas; el resultado es N×K×HO×WO y y[n, k, i, j] tiene la fila i y la columna j",
            en: "the output is transposed: rows and columns swapped; the result is N×K×HO×WO and y[n, k, i, j] has row i and column j")),
        KnownMistake(id: "ceil_instead_of_floor", feedback: Bilingual(
            es: "el tamaño de salida se redondea hacia arriba; es HO = ⌊(H + 2p − F)/s⌋ + 1, con suelo: una ventana que no cabe entera no cuenta",
            en: "the output size is rounded up; it is HO = ⌊(H + 2p − F)/s⌋ + 1, with floor: a window that does not fit entirely does not count")),
    ]

    func mistaken(_ mistake: String, _ item: CodeCase) -> Numbers? {
        var variant = Variant()
        switch mistake {
        case "flipped_kernel": variant.flip = true
        case "padding_ignored": variant.ignorePadding = true
        case "stride_ignored": variant.ignoreStride = true
        case "bias_missing": variant.noBias = true
        case "output_transposed": variant.transpose = true
        case "ceil_instead_of_floor": variant.ceil = true
        default: return nil
        }
        return Self.convolve(item, variant)
    }

    struct Variant {
        var flip = false, ignorePadding = false, ignoreStride = false, noBias = false, transpose = false, ceil = false
    }

    /// The definition in float64, with the mistakes as switches.
    static func convolve(_ item: CodeCase, _ variant: Variant, groups: Int = 1) -> Numbers? {
        let (x, w, b, s0, p0) = unpack(item)
        let s = variant.ignoreStride ? 1 : s0, p = variant.ignorePadding ? 0 : p0
        let bias = variant.noBias ? nil : b
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (k, cg, fh, fw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])   // cg = c / groups
        // Swift's `/` truncates toward zero: what a learner's formula gives
        // when the kernel does not fit (an empty output, or no output at all).
        func size(_ length: Int, _ f: Int) -> Int {
            let span = length + 2 * p - f
            return (variant.ceil ? (span + s - 1) / s : span / s) + 1
        }
        let ho = size(h, fh), wo = size(wd, fw)
        guard ho >= 0, wo >= 0 else { return nil }
        var y = [Double](repeating: 0, count: n * k * ho * wo)
        for sample in 0..<n {
            for filter in 0..<k {
                let first = filter / (k / groups) * cg   // the group's first input channel
                for i in 0..<ho {
                    for j in 0..<wo {
                        var sum = bias?.values[filter] ?? 0
                        for local in 0..<cg {
                            let channel = first + local
                            for u in 0..<fh {
                                let row = i * s - p + u
                                guard row >= 0, row < h else { continue }
                                for v in 0..<fw {
                                    let column = j * s - p + v
                                    guard column >= 0, column < wd else { continue }
                                    let (wu, wv) = variant.flip ? (fh - 1 - u, fw - 1 - v) : (u, v)
                                    sum += w.values[((filter * cg + local) * fh + wu) * fw + wv]
                                        * x.values[((sample * c + channel) * h + row) * wd + column]
                                }
                            }
                        }
                        let index = variant.transpose ? ((sample * k + filter) * wo + j) * ho + i
                                                      : ((sample * k + filter) * ho + i) * wo + j
                        y[index] = sum
                    }
                }
            }
        }
        return Numbers(shape: variant.transpose ? [n, k, wo, ho] : [n, k, ho, wo], values: y)
    }

    static func unpack(_ item: CodeCase) -> (Numbers, Numbers, Numbers?, Int, Int) {
        (item.arguments[0].numbers!, item.arguments[1].numbers!, item.arguments[2].numbers,
         item.arguments[3].integer!, item.arguments[4].integer!)
    }

    // MARK: Cases

    static func make(_ x: Numbers, _ w: Numbers, bias: [Double]? = nil, stride: Int = 1, padding: Int = 0,
                     _ es: String? = nil, _ en: String? = nil) -> CodeCase {
        let shapes = "x \(x.shapeText), w \(w.shapeText)" + (bias == nil ? "" : ", bias \(bias!.count)")
        let summary = Bilingual(es: (es.map { $0 + ": " } ?? "") + shapes + ", paso \(stride), relleno \(padding)",
                                en: (en.map { $0 + ": " } ?? "") + shapes + ", stride \(stride), padding \(padding)")
        return CodeCase(arguments: [.tensor(x), .tensor(w), bias.map { .tensor(Numbers(shape: [$0.count], values: $0)) } ?? .none,
                                    .integer(stride), .integer(padding)], summary: summary)
    }

    static func image(_ rows: [[Double]]) -> Numbers {
        Numbers(shape: [1, 1, rows.count, rows[0].count], values: rows.flatMap { $0 })
    }

    /// Small integers: sums stay exact, mistakes stay visible.
    static func integers(_ shape: [Int], seed: UInt64, limit: Int = 3) -> Numbers {
        var generator = CaseGenerator(seed: seed)
        return Numbers(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in generator.small(limit) })
    }

    static let worked: [CodeCase] = [
        make(image([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]),
             image([[1, 0, 1], [0, 1, 0], [1, 0, 1]]),
             "ejemplo del curso, imagen 5×5 y filtro 3×3", "the course's example, 5×5 image and 3×3 kernel"),
        make(image([[1, 1, 0, 0, 1], [1, 0, 0, 1, 1], [0, 0, 1, 1, 1], [1, 0, 0, 1, 1], [1, 1, 0, 0, 1]]),
             image([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]), padding: 1,
             "detector de bordes del curso", "the course's edge detector"),
    ]

    static let strideCases: [CodeCase] = [
        make(integers([1, 1, 7, 7], seed: 11), integers([1, 1, 3, 3], seed: 12), stride: 2),
        make(integers([1, 1, 6, 6], seed: 13), integers([1, 1, 3, 3], seed: 14), stride: 2,
             "la última ventana no cabe", "the last window does not fit"),
        make(integers([1, 1, 8, 9], seed: 15), integers([1, 1, 2, 3], seed: 16), stride: 3, padding: 1,
             "filtro rectangular", "rectangular kernel"),
        make(integers([1, 2, 5, 5], seed: 17), integers([2, 2, 3, 3], seed: 18), bias: [1, -1], stride: 2, padding: 1),
    ]

    static let paddingCases: [CodeCase] = [
        make(integers([1, 1, 4, 4], seed: 21), integers([1, 1, 3, 3], seed: 22), padding: 1, "relleno «same»", "“same” padding"),
        make(integers([1, 1, 5, 5], seed: 23), integers([1, 1, 5, 5], seed: 24), padding: 2),
        make(integers([1, 1, 6, 5], seed: 25), integers([1, 1, 3, 3], seed: 26), padding: 2,
             "relleno «full»", "“full” padding"),
        make(integers([1, 2, 4, 6], seed: 27), integers([3, 2, 3, 3], seed: 28), bias: [0.5, -1, 2], padding: 1),
    ]

    static let channelCases: [CodeCase] = [
        make(integers([1, 3, 5, 5], seed: 31), integers([2, 3, 3, 3], seed: 32), bias: [1, -2],
             "imagen RGB, dos filtros", "RGB image, two filters"),
        make(integers([1, 2, 4, 4], seed: 33), integers([4, 2, 2, 2], seed: 34), bias: [0, 1, 2, 3], stride: 2),
        make(integers([1, 3, 6, 6], seed: 35), integers([1, 3, 3, 3], seed: 36), padding: 1,
             "suma sobre los canales", "sum over the channels"),
        make(integers([2, 3, 4, 5], seed: 37), integers([2, 3, 3, 2], seed: 38), bias: [-1.5, 2.5]),
    ]

    static let edgeCases: [CodeCase] = [
        make(integers([1, 3, 4, 5], seed: 41), integers([2, 3, 1, 1], seed: 42), bias: [1, 2], "filtro 1×1", "1×1 kernel"),
        make(integers([1, 2, 4, 4], seed: 43), integers([3, 2, 4, 4], seed: 44), bias: [1, 0, -1],
             "filtro del tamaño de la entrada", "kernel as large as the input"),
        make(integers([3, 1, 5, 5], seed: 45), integers([1, 1, 3, 3], seed: 46), "lote de 3", "batch of 3"),
        make(integers([1, 1, 3, 6], seed: 47), integers([2, 1, 1, 3], seed: 48), "filtro 1×3", "1×3 kernel"),
        make(integers([1, 1, 6, 3], seed: 49), integers([1, 1, 3, 1], seed: 50), padding: 1, "filtro 3×1", "3×1 kernel"),
        make(integers([1, 1, 7, 7], seed: 51), integers([1, 1, 2, 2], seed: 52), stride: 3,
             "paso mayor que el filtro", "stride larger than the kernel"),
        make(Numbers(shape: [1, 1, 1, 1], values: [2]), Numbers(shape: [2, 1, 1, 1], values: [3, -1]), bias: [0.5, 1],
             padding: 1, "entrada 1×1 con relleno: el borde es solo el sesgo", "1×1 input with padding: the border is the bias alone"),
    ]

    static func randomCase(_ g: inout CaseGenerator) -> CodeCase {
        let n = g.int(1...2), c = g.int(1...3), k = g.int(1...3)
        let h = g.int(3...9), w = g.int(3...9)
        let p = g.int(0...2), s = g.int(1...3)
        let fh = g.int(1...min(5, h + 2 * p)), fw = g.int(1...min(5, w + 2 * p))
        func random(_ shape: [Int]) -> Numbers {
            Numbers(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in g.value() })
        }
        let x = random([n, c, h, w]), weight = random([k, c, fh, fw])
        let bias: [Double]? = g.int(0...2) > 0 ? (0..<k).map { _ in g.value() } : nil
        return make(x, weight, bias: bias, stride: s, padding: p)
    }
}

/// The optional part of exercise 05: grouped and depthwise convolution,
/// `func conv2dGroups(_ input: Tensor, _ weight: Tensor, bias: Tensor?,
/// stride: Int, padding: Int, groups: Int) -> Tensor` with weight
/// K×(C/groups)×FH×FW: filter k sees only the input channels of its group.
struct Conv2DGroupsFunction: CodeFunction {
    let name = "conv2d_groups"
    let learnerFunction = "conv2dGroups"
    let call = "conv2dGroups(capasHarnessTensor(0), capasHarnessTensor(1), bias: capasHarnessOptionalTensor(2), "
        + "stride: capasHarnessInt(3), padding: capasHarnessInt(4), groups: capasHarnessInt(5))"
    let mistakes: [KnownMistake] = []

    func cases(_ set: String, count: Int, generator g: inout CaseGenerator) throws -> [CodeCase] {
        switch set {
        case "groups":
            return [
                Self.make(Conv2DFunction.integers([1, 3, 5, 5], seed: 91), Conv2DFunction.integers([3, 1, 3, 3], seed: 92),
                          bias: [1, 0, -1], stride: 1, padding: 1, groups: 3,
                          "en profundidad (depthwise): un filtro por canal", "depthwise: one filter per channel"),
                Self.make(Conv2DFunction.integers([2, 4, 6, 6], seed: 93), Conv2DFunction.integers([6, 2, 3, 3], seed: 94),
                          bias: nil, stride: 2, padding: 0, groups: 2, "dos grupos", "two groups"),
                Self.make(Conv2DFunction.integers([1, 2, 4, 4], seed: 95), Conv2DFunction.integers([2, 2, 3, 3], seed: 96),
                          bias: [0.5, -0.5], stride: 1, padding: 0, groups: 1, "un grupo: conv2d normal", "one group: plain conv2d"),
                Self.make(Conv2DFunction.integers([1, 4, 5, 5], seed: 97), Conv2DFunction.integers([8, 1, 3, 3], seed: 98),
                          bias: nil, stride: 1, padding: 1, groups: 4,
                          "en profundidad con multiplicador 2", "depthwise with multiplier 2"),
            ]
        case "random":
            return (0..<count).map { _ in
                let groups = g.int(1...3), n = g.int(1...2)
                let c = groups * g.int(1...2), k = groups * g.int(1...2)
                let h = g.int(3...7), w = g.int(3...7), p = g.int(0...1), s = g.int(1...2)
                let fh = g.int(1...min(3, h + 2 * p)), fw = g.int(1...min(3, w + 2 * p))
                let x = Definitions.random([n, c, h, w], &g), weight = Definitions.random([k, c / groups, fh, fw], &g)
                let bias: [Double]? = g.bool() ? (0..<k).map { _ in Double(Float(g.value())) } : nil
                return Self.make(x, weight, bias: bias, stride: s, padding: p, groups: groups)
            }
        default:
            throw Definitions.unknownSet(name, set, ["groups", "random"])
        }
    }

    static func make(_ x: Numbers, _ w: Numbers, bias: [Double]?, stride: Int, padding: Int, groups: Int,
                     _ es: String? = nil, _ en: String? = nil) -> CodeCase {
        let shapes = "x \(x.shapeText), w \(w.shapeText)" + (bias == nil ? "" : ", bias \(bias!.count)")
        return CodeCase(
            arguments: [.tensor(x), .tensor(w), bias.map { .tensor(Numbers(shape: [$0.count], values: $0)) } ?? .none,
                        .integer(stride), .integer(padding), .integer(groups)],
            summary: Bilingual(es: (es.map { $0 + ": " } ?? "") + shapes + ", paso \(stride), relleno \(padding), grupos \(groups)",
                               en: (en.map { $0 + ": " } ?? "") + shapes + ", stride \(stride), padding \(padding), groups \(groups)"))
    }

    /// The definition in float64: conv2d's, with the groups.
    func reference(_ item: CodeCase) -> Numbers {
        Conv2DFunction.convolve(item, Conv2DFunction.Variant(), groups: item.arguments[5].integer!)!
    }

    func mistaken(_ mistake: String, _ item: CodeCase) -> Numbers? { nil }
}
