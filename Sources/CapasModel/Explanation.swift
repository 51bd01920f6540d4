import CapasCore
import CapasMessages

// The course's formulas with the learner's own numbers, for one analysed layer:
//
//   output size   ⌊(n + 2p − f)/s⌋ + 1        (**floor**: a partial window is dropped)
//   conv params   (f·f·c + 1)·k                (f·f·c weights and one bias per filter)
//   dense params  (inputs + 1)·outputs
//   multiply-adds one per weight per output value, plus one per bias (torchinfo's convention)
//
// Nothing here runs the layer: the numbers come from the analysis, and the
// text is only a rendering of them.

/// The formulas behind one layer's shape and counts.
public struct LayerExplanation: Sendable, Equatable {
    /// How the output shape follows from the input (one line per axis when they differ).
    public var shape: [String]
    /// How the parameters are counted ("no parameters" for pooling, flatten, activations).
    public var parameters: String
    /// How the multiply-adds are counted, when the layer has any.
    public var multiplyAdds: String?
    /// Flooring, dropped border pixels, buffers and other remarks.
    public var notes: [String]
}

extension AnalyzedLayer {
    /// The formulas for this layer with its numbers, in the given language.
    public func explanation(language L: Language) -> LayerExplanation {
        var shapeLines: [String] = []
        var notes: [String] = []
        var params = L.pick(es: "sin parámetros", en: "no parameters")
        var macs: String?
        let arrow = "\(inputShape) → \(outputShape)"

        switch resolved {
        case let .conv(c):
            let axes = windowAxes(kernel: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation,
                                  oneDimensional: c.oneDimensional)
            shapeLines = axes.lines(L)
            shapeLines.append(L.pick(es: "salida \(outputShape): \(c.outChannels) filtros dan \(c.outChannels) canales",
                                     en: "output \(outputShape): \(c.outChannels) filters give \(c.outChannels) channels"))
            notes += axes.notes(L)
            let perGroup = c.inChannels / max(c.groups, 1)
            let kernelText = c.oneDimensional ? "\(c.kernel.width)" : "\(c.kernel.height)·\(c.kernel.width)"
            let weights = "\(kernelText)·\(perGroup)"
            let formula = c.oneDimensional ? (c.bias ? "(f·c + 1)·k" : "f·c·k") : (c.bias ? "(f·f·c + 1)·k" : "f·f·c·k")
            params = c.bias ? "\(formula) = (\(weights) + 1)·\(c.outChannels) = \(grouped(parameters, language: L))"
                            : "\(formula) = \(weights)·\(c.outChannels) = \(grouped(parameters, language: L))"
            if c.groups > 1 {
                notes.append(L.pick(es: "groups=\(c.groups): cada filtro ve solo c = \(c.inChannels)/\(c.groups) = \(perGroup) canales de entrada",
                                    en: "groups=\(c.groups): each filter sees only c = \(c.inChannels)/\(c.groups) = \(perGroup) input channels"))
            }
            let positions = outputShape.dims.dropFirst().map(String.init).joined(separator: "·")
            macs = "\(positions)·\(c.outChannels)·(\(weights)\(c.bias ? " + 1" : "")) = \(grouped(multiplyAdds, language: L))"
        case let .pool(p):
            var axes = windowAxes(kernel: p.kernel, stride: p.stride, padding: Padding2D(p.padding.height, p.padding.width),
                                  dilation: Size2D(1, 1), oneDimensional: p.oneDimensional, ceil: p.ceilMode)
            axes.zeros = false
            shapeLines = axes.lines(L)
            shapeLines.append(L.pick(es: "los \(outputShape.channels) canales se reducen por separado: \(arrow)",
                                     en: "each of the \(outputShape.channels) channels is pooled on its own: \(arrow)"))
            notes += axes.notes(L)
            if p.padding.height > 0 || p.padding.width > 0 {
                notes.append(p.kind == .max
                    ? L.pick(es: "el relleno cuenta como −∞: nunca es el máximo (como PyTorch)",
                             en: "padding counts as −∞: it is never the maximum (as in PyTorch)")
                    : !p.countPadding
                    ? L.pick(es: "count_pad=no: el relleno no cuenta en la media; se divide por los valores de la entrada que cubre la ventana (count_include_pad=False de PyTorch, padding=\"same\" de Keras)",
                             en: "count_pad=no: padding does not count in the mean; it divides by the input values the window covers (PyTorch's count_include_pad=False, Keras' padding=\"same\")")
                    : L.pick(es: "el relleno son ceros que cuentan en la media: se divide por la ventana entera (count_include_pad=True de PyTorch)",
                             en: "padding is zeros that count in the mean: it divides by the whole window (PyTorch's count_include_pad=True)"))
            }
            params = L.pick(es: "sin parámetros: \(p.kind == .max ? "el máximo" : "la media") de cada ventana no se aprende",
                            en: "no parameters: the \(p.kind == .max ? "maximum" : "mean") of each window is not learned")
        case .globalAveragePool:
            shapeLines = [L.pick(es: "la media de cada canal sobre \(inputShape.height)·\(inputShape.width) posiciones: \(arrow)",
                                 en: "the mean of each channel over \(inputShape.height)·\(inputShape.width) positions: \(arrow)")]
        case .globalMaxPool:
            shapeLines = [L.pick(es: "el máximo de cada canal sobre \(inputShape.height)·\(inputShape.width) posiciones: \(arrow)",
                                 en: "the maximum of each channel over \(inputShape.height)·\(inputShape.width) positions: \(arrow)")]
        case let .embedding(e):
            shapeLines = [L.pick(es: "cada uno de los \(inputShape.channels) identificadores de token se cambia por su vector de \(e.dimension) valores: \(arrow)",
                                 en: "each of the \(inputShape.channels) token ids is replaced by its vector of \(e.dimension) values: \(arrow)")]
            params = L.pick(es: "vocabulario·dimensión = \(e.vocabulary)·\(e.dimension) = \(grouped(parameters, language: L))",
                            en: "vocabulary·dimension = \(e.vocabulary)·\(e.dimension) = \(grouped(parameters, language: L))")
            notes.append(L.pick(es: "buscar una fila de la tabla no multiplica nada: 0 multiplicaciones-sumas (torchinfo cuenta V·D)",
                                en: "looking up a row of the table multiplies nothing: 0 multiply-adds (torchinfo counts V·D)"))
        case let .recurrent(r):
            let u = r.spec.units, i = r.inputFeatures, b = r.spec.bias
            let g = r.spec.cell.gates
            let gates = g == 1 ? "" : "4·"
            let biasText = b == .keras ? " + 1" : (b == .pytorch ? " + 2" : "")
            shapeLines = [r.spec.returnSequences
                ? L.pick(es: "\(r.length) pasos de \(i) valores → \(r.length) pasos de \(u) unidades: \(arrow)",
                         en: "\(r.length) steps of \(i) values → \(r.length) steps of \(u) units: \(arrow)")
                : L.pick(es: "\(r.length) pasos de \(i) valores → el estado del último paso, \(u) unidades: \(arrow)",
                         en: "\(r.length) steps of \(i) values → the last step's state, \(u) units: \(arrow)")]
            params = "\(gates)u·(u + i\(biasText)) = \(gates)\(u)·(\(u) + \(i)\(biasText)) = \(grouped(parameters, language: L))"
            macs = "L·\(L.pick(es: "parámetros", en: "parameters")) = \(r.length)·\(grouped(parameters, language: L)) = \(grouped(multiplyAdds, language: L))"
            switch b {
            case .keras:
                notes.append(L.pick(es: "un vector de sesgo por compuerta, como Keras; PyTorch tiene dos (bias=pytorch): \(gates)u·(u + i + 2)",
                                    en: "one bias vector per gate, as in Keras; PyTorch has two (bias=pytorch): \(gates)u·(u + i + 2)"))
            case .pytorch:
                notes.append(L.pick(es: "dos vectores de sesgo por compuerta (b_ih y b_hh), como PyTorch; Keras tiene uno: \(gates)u·(u + i + 1)",
                                    en: "two bias vectors per gate (b_ih and b_hh), as in PyTorch; Keras has one: \(gates)u·(u + i + 1)"))
            case .no: break
            }
            notes.append(r.spec.cell == .lstm
                ? L.pick(es: "compuertas en el orden de PyTorch (i, f, g, o); se entrena con retropropagación a través del tiempo",
                         en: "gates in PyTorch's order (i, f, g, o); trained with backpropagation through time")
                : L.pick(es: "h_t = tanh(W·x_t + U·h_{t−1} + b); se entrena con retropropagación a través del tiempo",
                         en: "h_t = tanh(W·x_t + U·h_{t−1} + b); trained with backpropagation through time"))
        case .flatten:
            let factors = inputShape.dims.map(String.init).joined(separator: "·")
            shapeLines = [L.pick(es: "\(inputShape) se aplana en un vector de \(factors) = \(outputShape) valores",
                                 en: "\(inputShape) is laid out as a vector of \(factors) = \(outputShape) values")]
            if inputShape.isImage {
                notes.append(L.pick(es: "en el orden canal, fila, columna (C·H·W, como nn.Flatten de PyTorch); Keras aplana H·W·C, así que sus pesos densos vienen en otro orden",
                                    en: "in the order channel, row, column (C·H·W, as PyTorch's nn.Flatten); Keras flattens H·W·C, so its dense weights come in another order"))
            }
            notes.append(L.pick(es: "desde aquí cada valor es solo una entrada más: las capas siguientes ya no saben qué píxeles eran vecinos (una capa densa aprende un peso aparte para cada posición)",
                                en: "from here on each value is just one more input: the next layers no longer know which pixels were neighbours (a dense layer learns a separate weight for each position)"))
        case let .dense(d):
            shapeLines = [L.pick(es: "\(d.inFeatures) entradas → \(d.outFeatures) unidades", en: "\(d.inFeatures) inputs → \(d.outFeatures) units")]
            let formula = d.bias ? L.pick(es: "(entradas + 1)·salidas", en: "(inputs + 1)·outputs")
                                 : L.pick(es: "entradas·salidas", en: "inputs·outputs")
            params = d.bias ? "\(formula) = (\(d.inFeatures) + 1)·\(d.outFeatures) = \(grouped(parameters, language: L))"
                            : "\(formula) = \(d.inFeatures)·\(d.outFeatures) = \(grouped(parameters, language: L))"
            macs = "\(d.inFeatures)·\(d.outFeatures)\(d.bias ? " + \(d.outFeatures)" : "") = \(grouped(multiplyAdds, language: L))"
        case let .activation(function):
            shapeLines = [L.pick(es: "\(function.formula(L)), aplicada a cada valor por separado; la forma no cambia: \(arrow)",
                                 en: "\(function.formula(L)), applied to every value on its own; the shape does not change: \(arrow)")]
        case let .softmax(logarithmic):
            let formula = logarithmic ? "zᵢ − ln Σⱼ e^zⱼ" : "e^zᵢ / Σⱼ e^zⱼ"
            let c = inputShape.channels
            if inputShape.isVector {
                shapeLines = [L.pick(es: "\(formula) sobre los \(c) valores del vector (las clases: dim=1 de [N, \(c)] en PyTorch, el último eje en Keras)\(logarithmic ? "" : ", que pasan a sumar 1"); la forma no cambia: \(arrow)",
                                     en: "\(formula) across the \(c) values of the vector (the classes: dim=1 of [N, \(c)] in PyTorch, the last axis in Keras)\(logarithmic ? "" : ", which then add up to 1"); the shape does not change: \(arrow)")]
            } else {
                let positions = inputShape.isImage ? L.pick(es: "en cada uno de los \(inputShape.height)·\(inputShape.width) píxeles", en: "at each of the \(inputShape.height)·\(inputShape.width) pixels")
                                                   : L.pick(es: "en cada una de las \(inputShape.width) posiciones", en: "at each of the \(inputShape.width) positions")
                shapeLines = [L.pick(es: "\(formula) sobre los \(c) canales, \(positions) por separado; la forma no cambia: \(arrow)",
                                     en: "\(formula) across the \(c) channels, \(positions) on its own; the shape does not change: \(arrow)")]
                notes.append(L.pick(
                    es: "como nn.\(logarithmic ? "LogSoftmax" : "Softmax")(dim=1) de PyTorch sobre [N, C, H, W], y como Keras, que normaliza el último eje (los canales en NHWC); para clasificar la imagen entera, primero flatten o globalavgpool y dense",
                    en: "as PyTorch's nn.\(logarithmic ? "LogSoftmax" : "Softmax")(dim=1) on [N, C, H, W], and as Keras, which normalises the last axis (the channels in NHWC); to classify the whole image, flatten or globalavgpool and dense first"))
            }
        case let .maxout(pieces):
            shapeLines = [L.pick(es: "el máximo de cada grupo de \(pieces) canales: \(inputShape.channels)/\(pieces) = \(outputShape.channels)",
                                 en: "the maximum of each group of \(pieces) channels: \(inputShape.channels)/\(pieces) = \(outputShape.channels)")]
        case let .batchNorm(channels, _, _):
            shapeLines = [inputShape.isVector
                ? L.pick(es: "γ·(x − μ)/√(σ² + ε) + β en cada una de las \(channels) características; la forma no cambia",
                         en: "γ·(x − μ)/√(σ² + ε) + β on each of the \(channels) features; the shape does not change")
                : L.pick(es: "γ·(x − μ)/√(σ² + ε) + β en cada uno de los \(channels) canales; la forma no cambia",
                         en: "γ·(x − μ)/√(σ² + ε) + β on each of the \(channels) channels; the shape does not change")]
            notes.append(inputShape.isVector
                ? L.pick(es: "al entrenar, μ y σ² son la media y la varianza de cada característica sobre el lote",
                         en: "in training, μ and σ² are each feature's mean and variance over the batch")
                : L.pick(es: "al entrenar, μ y σ² son la media y la varianza de cada canal sobre el lote, en todas sus imágenes y posiciones",
                         en: "in training, μ and σ² are each channel's mean and variance over the batch, across every image and position"))
            params = L.pick(es: "2·c = 2·\(channels) = \(grouped(parameters, language: L)) entrenables (γ y β)",
                            en: "2·c = 2·\(channels) = \(grouped(parameters, language: L)) trainable (γ and β)")
            notes.append(L.pick(es: "y 2·c = \(grouped(buffers, language: L)) no entrenables: la media y la varianza móviles, que se usan en su lugar al evaluar",
                                en: "and 2·c = \(grouped(buffers, language: L)) non-trainable: the running mean and variance, used instead in evaluation"))
        case let .dropout(p):
            shapeLines = [L.pick(es: "la forma no cambia: \(arrow)", en: "the shape does not change: \(arrow)")]
            notes.append(L.pick(es: "al entrenar apaga cada valor con probabilidad \(L.decimal(formatNumber(p))) y multiplica los demás por 1/(1 − p); en evaluación no hace nada",
                                en: "while training it zeroes each value with probability \(formatNumber(p)) and scales the rest by 1/(1 − p); in evaluation it does nothing"))
        case .add:
            shapeLines = [L.pick(es: "suma elemento a elemento del bloque y del atajo: \(outputShape)",
                                 en: "elementwise sum of the block and its shortcut: \(outputShape)")]
        case .concat:
            shapeLines = [L.pick(es: "apila los canales de las ramas: \(outputShape.channels) canales en total",
                                 en: "stacks the branches' channels: \(outputShape.channels) channels in all")]
        }
        return LayerExplanation(shape: shapeLines, parameters: params, multiplyAdds: macs, notes: notes)
    }

    private func windowAxes(kernel: Size2D, stride: Size2D, padding: Padding2D, dilation: Size2D,
                            oneDimensional: Bool, ceil: Bool = false) -> WindowAxes {
        if oneDimensional {
            return WindowAxes(axes: [WindowAxis(name: .length, n: inputShape.width, before: padding.left, after: padding.right,
                                                f: kernel.width, s: stride.width, d: dilation.width, out: outputShape.width,
                                                ceil: ceil)])
        }
        let height = WindowAxis(name: .height, n: inputShape.height, before: padding.top, after: padding.bottom,
                                f: kernel.height, s: stride.height, d: dilation.height, out: outputShape.height, ceil: ceil)
        let width = WindowAxis(name: .width, n: inputShape.width, before: padding.left, after: padding.right,
                               f: kernel.width, s: stride.width, d: dilation.width, out: outputShape.width, ceil: ceil)
        return WindowAxes(axes: height.sameNumbers(as: width) ? [height] : [height, width], square: height.sameNumbers(as: width))
    }
}

/// One axis of a sliding window, with the numbers of the output-size formula.
struct WindowAxis {
    let name: ShapeError.Axis
    let n, before, after, f, s, d, out: Int
    /// Pooling with `ceil=yes`: the division is rounded up.
    var ceil = false

    func sameNumbers(as other: WindowAxis) -> Bool {
        (n, before, after, f, s, d) == (other.n, other.before, other.after, other.f, other.s, other.d)
    }
    /// The dilated kernel's span.
    var span: Int { d * (f - 1) + 1 }
    /// What is left over after the last full window: the pixels the floor drops.
    var remainder: Int { (n + before + after - span) % s }

    /// Which positions the windows read, and which image pixels they never see.
    var coverage: WindowCoverage? {
        WindowCoverage(n: n, before: before, after: after, kernel: f, stride: s, dilation: d, outputs: out)
    }

    /// `(28 + 2·0 − 5)/1 + 1 = 24`, or with ⌊ ⌋ when the division is not exact (⌊3,5⌋ in Spanish).
    func formula(_ L: Language) -> String {
        let pad = before == after ? "2·\(before)" : "\(before) + \(after)"
        let numerator = n + before + after - span
        let fText = d > 1 ? "\(span)" : "\(f)"
        if remainder == 0 {
            return "(\(n) + \(pad) − \(fText))/\(s) + 1 = \(numerator)/\(s) + 1 = \(out)"
        }
        let exact = Double(numerator) / Double(s)
        let shown = L.decimal(exact == exact.rounded() ? String(Int(exact)) : String(format: "%.2f", exact)
            .replacingOccurrences(of: "0+$", with: "", options: .regularExpression))
        if ceil {
            // PyTorch drops a last window that would start in the right padding.
            let dropped = numerator / s + 2 != out ? " − 1" : ""
            return "⌈(\(n) + \(pad) − \(fText))/\(s)⌉ + 1\(dropped) = ⌈\(shown)⌉ + 1\(dropped) = \(out)"
        }
        return "⌊(\(n) + \(pad) − \(fText))/\(s)⌋ + 1 = ⌊\(shown)⌋ + 1 = \(out)"
    }
}

struct WindowAxes {
    let axes: [WindowAxis]
    var square = false
    /// Convolutions pad with zeros; poolings with values that never win (max) or are left out (average).
    var zeros = true

    func lines(_ L: Language) -> [String] {
        axes.map { axis in
            let label: String
            if square {
                label = L.pick(es: "alto y ancho", en: "height and width")
            } else {
                label = L.pick(es: axis.name.spanish, en: axis.name.rawValue)
            }
            return "\(label): \(axis.formula(L))"
        }
    }

    func notes(_ L: Language) -> [String] {
        var notes: [String] = []
        for axis in axes where axis.remainder != 0 && axis.ceil {
            notes.append(L.pick(
                es: "ceil=yes: (n + 2p − f)/s = \(axis.n + axis.before + axis.after - axis.span)/\(axis.s) se redondea hacia arriba, y la última ventana sobresale del borde y promedia o compara solo los valores que cubre",
                en: "ceil=yes: (n + 2p − f)/s = \(axis.n + axis.before + axis.after - axis.span)/\(axis.s) is rounded up, and the last window hangs over the edge and sees only the values it covers"))
        }
        for axis in axes {
            let which = square ? (es: "en cada eje", en: "on each axis")
                               : (es: "en \(axis.name.spanish)", en: "in \(axis.name.rawValue)")
            let coverage = axis.coverage
            if axis.remainder != 0 && !axis.ceil {
                let numerator = axis.n + axis.before + axis.after - axis.span
                let end = coverage?.endNote(which: which, zeros: zeros, language: L) ?? ""
                notes.append(L.pick(
                    es: "(n + 2p − f) = \(numerator) no es divisible por s = \(axis.s): el resultado se redondea hacia abajo\(end)",
                    en: "(n + 2p − f) = \(numerator) is not divisible by s = \(axis.s): the result is floored\(end)"))
            }
            if let skip = coverage?.skipNote(which: which, f: axis.f, s: axis.s, d: axis.d, language: L) {
                notes.append(skip)
            }
        }
        if axes.count == 2 || square, let h = axes.first?.coverage, let w = (axes.count == 2 ? axes[1] : axes[0]).coverage,
           h.lostPixels > 0 || w.lostPixels > 0 {
            let (all, o1) = h.pixels.multipliedReportingOverflow(by: w.pixels)
            let (seen, o2) = h.seenPixels.multipliedReportingOverflow(by: w.seenPixels)
            if !o1 && !o2 {
                let lost = grouped(all - seen, language: L), total = grouped(all, language: L)
                notes.append(L.pick(
                    es: "en total, ninguna ventana lee \(lost) de los \(h.pixels)·\(w.pixels) = \(total) píxeles de cada canal",
                    en: "in all, no window reads \(lost) of the \(h.pixels)·\(w.pixels) = \(total) pixels of each channel"))
            }
        }
        if axes.contains(where: { $0.d > 1 }) {
            notes.append(L.pick(es: "con dilatación d, el núcleo abarca d·(f − 1) + 1 píxeles",
                                en: "with dilation d, the kernel spans d·(f − 1) + 1 pixels"))
        }
        return notes
    }
}

extension ShapeError.Axis {
    public var spanish: String {
        switch self {
        case .height: return "alto"
        case .width: return "ancho"
        case .length: return "largo"
        }
    }
}

extension ActivationFunction {
    /// The function's formula with its constants: `max(0, x)`, `x if x > 0, else 0.01·x`.
    func formula(_ L: Language) -> String {
        switch self {
        case .relu: return "relu(x) = max(0, x)"
        case .relu6: return "relu6(x) = min(max(0, x), 6)"
        case let .leakyReLU(slope):
            return L.pick(es: "leakyrelu(x) = x si x > 0, si no \(L.decimal("\(slope)"))·x", en: "leakyrelu(x) = x if x > 0, else \(slope)·x")
        case let .elu(alpha):
            return L.pick(es: "elu(x) = x si x > 0, si no \(L.decimal("\(alpha)"))·(eˣ − 1)", en: "elu(x) = x if x > 0, else \(alpha)·(eˣ − 1)")
        case .sigmoid: return "sigmoid(x) = 1/(1 + e⁻ˣ)"
        case .tanh: return "tanh(x) = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ)"
        }
    }
}
