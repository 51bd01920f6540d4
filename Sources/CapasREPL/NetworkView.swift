import CapasCore
import CapasData
import CapasMessages
import CapasModel
import Foundation

// :network [DATASET] [SPLIT] [N] [FILE.png] — ConvNetJS's "Network
// Visualization" for one image: every layer with its output size, the
// smallest and largest activation and gradient, its activations drawn one
// tile per channel, its weights and their gradients, the parameter count
// with its formula, and the image's three most likely classes.
//
// The pass is PyTorch's `model.eval()` followed by `loss.backward()` for
// the image's own label: dropout off, batch norm with its running
// statistics, and the gradient of the cross-entropy (natural log) with
// respect to each layer's output.

/// What one layer did with one image.
struct LayerInspection {
    var index: Int
    var name: String
    var text: String
    var outputShape: FeatureShape
    var parameters: Int
    var parameterFormula: String
    /// The layer's output for the image: [C, H, W], [F] …
    var activation: Tensor
    /// d loss / d output, same shape.
    var gradient: Tensor
    var weights: Tensor?
    var weightGradients: Tensor?
    /// A frozen layer (:freeze) computes no weight gradient.
    var frozen = false
}

/// One image through a network, forward and back.
struct NetworkInspection {
    var layers: [LayerInspection]
    var probabilities: [Float]
    var label: Int
    var loss: Float
}

extension Tensor {
    /// Smallest and largest finite value (nil when there is none).
    var finiteRange: (min: Float, max: Float)? {
        var low = Float.infinity, high = -Float.infinity
        for x in data where x.isFinite {
            low = Swift.min(low, x)
            high = Swift.max(high, x)
        }
        return low <= high ? (low, high) : nil
    }
}

enum NetworkInspector {
    /// Runs `image` (without its batch axis) through `network` and back from
    /// the cross-entropy of `label`. Parameter gradients are left at zero.
    static func inspect(_ network: Network, analysis: ModelAnalysis, image: Tensor, label: Int,
                        language L: Language) throws -> NetworkInspection {
        let batched = Tensor(shape: [1] + analysis.input.dims, data: image.data)
        network.keepsEverything = true
        network.zeroGradients()
        defer {
            network.keepsEverything = false
            network.zeroGradients()
        }
        // Frozen layers and those below them get their gradients too: a trained
        // network's plan skips them, but d loss / d output is shown for every layer.
        return try network.withEveryGradient {
            try inspectAll(network, analysis: analysis, batched: batched, label: label, language: L)
        }
    }

    private static func inspectAll(_ network: Network, analysis: ModelAnalysis, batched: Tensor, label: Int,
                                   language L: Language) throws -> NetworkInspection {
        let logits = try network.forward(batched, mode: .inspection)
        guard logits.count >= 1, label >= 0, label < logits.count else {
            throw CommandError(es: "la salida del modelo tiene \(logits.count) valores y la clase de la imagen es \(label)",
                               en: "the model's output has \(logits.count) values and the image's class is \(label)")
        }
        let (loss, gradient) = Loss.crossEntropy(logits: Tensor(shape: [1, logits.count], data: logits.data), labels: [label])
        network.backward(Tensor(shape: logits.shape, data: gradient.data))
        // Softmax with the maximum subtracted first.
        let top = logits.data.max() ?? 0
        let exps = logits.data.map { Foundation.exp($0 - top) }
        let total = exps.reduce(0, +)
        let probabilities = exps.map { $0 / total }

        var layers: [LayerInspection] = []
        for (i, layer) in analysis.layers.enumerated() where i < network.nodes.count {
            guard let output = network.keptOutputs[i] else { continue }
            let gradient = network.keptGradients[i] ?? Tensor(repeating: 0, shape: output.shape)
            let parameters = network.nodes[i].layer.parameters.filter(\.trainable)
            let weight = parameters.first { $0.name == "weight" }
            layers.append(LayerInspection(
                index: i, name: layer.name, text: layer.spec?.text ?? layer.resolved.torchName,
                outputShape: layer.outputShape, parameters: layer.parameters,
                parameterFormula: layer.explanation(language: L).parameters,
                activation: Tensor(shape: Array(output.shape.dropFirst()), data: output.data),
                gradient: Tensor(shape: Array(gradient.shape.dropFirst()), data: gradient.data),
                weights: weight?.value, weightGradients: weight.flatMap { $0.frozen ? nil : $0.grad },
                frozen: network.nodes[i].layer.isFrozen))
        }
        return NetworkInspection(layers: layers, probabilities: probabilities, label: label, loss: loss)
    }
}

extension Interpreter {
    /// Tiles drawn per layer at most (one per channel).
    static let maximumNetworkTiles = 16

    func network(_ argument: String) throws -> String {
        let analysis = try requireAnalysis()
        var words = argument.split(separator: " ").map(String.init)
        var file: String?
        if let last = words.last, last.lowercased().hasSuffix(".png") || last.lowercased().hasSuffix(".svg") {
            file = last
            words.removeLast()
        }
        let usage = CommandError(
            es: "uso: :network [fashion-mnist|cifar10] [prueba|entrenamiento] [N] [ARCHIVO.png], p. ej. :network fashion-mnist prueba 0",
            en: "usage: :network [fashion-mnist|cifar10] [test|train] [N] [FILE.png], e.g. :network fashion-mnist test 0")
        var dataset: DatasetName?
        var split = Split.test
        var index = 0
        for word in words {
            if let name = DatasetName(word: word) { dataset = name } else if let s = DatasetCache.split(word) { split = s }
            else if let n = Int(word), n >= 0 { index = n } else { throw usage }
        }
        if dataset == nil {
            switch analysis.input {
            case .image(height: 28, width: 28, channels: 1): dataset = .fashionMNIST
            case .image(height: 32, width: 32, channels: 3): dataset = .cifar10
            default:
                throw CommandError(es: "el modelo recibe \(analysis.input); :network muestra imágenes de FashionMNIST (28x28x1) o CIFAR-10 (32x32x3)",
                                   en: "the model takes \(analysis.input); :network shows FashionMNIST (28x28x1) or CIFAR-10 (32x32x3) images")
            }
        }
        guard let dataset else { throw usage }
        let language = L
        let fail: (String, String) -> CalculatorError = { en, es in CalculatorError(.unexpected(language == .es ? es : en)) }
        let (image, reference) = try Evaluator.image(datasets, dataset, split, index, language: L, fail: fail)
        guard image.count == analysis.input.dims.reduce(1, *) else {
            throw CommandError(es: "las imágenes de \(dataset.rawValue) no tienen la forma de la entrada del modelo (\(analysis.input))",
                               en: "\(dataset.rawValue) images do not have the model's input shape (\(analysis.input))")
        }
        let trained = run(of: current)
        let network = try trained?.network ?? analysis.makeNetwork(seed: 0)
        let names = (try? datasets.dataset(dataset, split))?.classNames(in: L) ?? []
        let title = L.pick(
            es: "`\(current)`\(trained == nil ? " sin entrenar (pesos al azar, semilla 0)" : " entrenado") con \(dataset.rawValue) \(split == .test ? "prueba" : "entrenamiento") \(index) (\(reference.className))",
            en: "`\(current)`\(trained == nil ? " untrained (random weights, seed 0)" : " trained") on \(dataset.rawValue) \(split.rawValue) \(index) (\(reference.className))")
        let (text, inspection) = try NetworkView.render(network: network, analysis: analysis, image: image, label: reference.label,
                                                        channels: reference.channels, classNames: names, title: title,
                                                        columns: columns, style: pictureStyle, language: L)
        var lines = [text]
        if let file {
            let url = URL(fileURLWithPath: file, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            let page = NetworkPage.render(inspection, image: image, channels: reference.channels)
            do { try page.png().write(to: url) } catch {
                throw CommandError(es: "no se pudo escribir \(file): \(error.localizedDescription)",
                                   en: "could not write \(file): \(error.localizedDescription)")
            }
            lines.append(L.pick(es: "página guardada en \(file) (\(page.width)×\(page.height))",
                                en: "page saved to \(file) (\(page.width)×\(page.height))"))
        }
        return lines.joined(separator: "\n")
    }

}

/// Four significant digits, so a gradient of 3·10⁻⁵ is not written 0.
func significant(_ x: Float, _ L: Language) -> String {
    guard x.isFinite, x != 0, abs(x) < 1e-3 || abs(x) >= 1e6 else { return format(Double(x), L) }
    return L.decimal(String(format: "%.3e", Double(x)).replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e+"))
}

/// The text of the network view, for the REPL and `capas evaluate --show`.
public enum NetworkView {
    /// One image (without its batch axis, values x/255) through `network`
    /// and back from the cross-entropy of `label`, as text (and pictures in
    /// `style`) at most `columns` wide.
    static func render(network: Network, analysis: ModelAnalysis, image: Tensor, label: Int, channels: Int,
                       classNames names: [String], title: String, columns: Int, style pictureStyle: PictureStyle,
                       language L: Language) throws -> (String, NetworkInspection) {
        let inspection = try NetworkInspector.inspect(network, analysis: analysis, image: image, label: label, language: L)
        func className(_ k: Int) -> String { k < names.count ? names[k] : "\(k)" }
        var lines: [String] = []
        lines.append(title + L.pick(es: "; pérdida \(significant(inspection.loss, L)) (entropía cruzada, log natural)",
                                    en: "; loss \(significant(inspection.loss, L)) (cross-entropy, natural log)"))
        let (height, width) = (image.shape[image.rank - 2], image.shape[image.rank - 1])
        lines.append(Picture(width: width, height: height, channels: channels, values: image.data)
            .fitted(columns: min(columns, 32), style: pictureStyle).lines(pictureStyle).joined(separator: "\n"))
        for layer in inspection.layers {
            lines.append("")
            lines.append("[\(layer.name)] \(layer.text)   \(layer.outputShape)")
            let activation = layer.activation.finiteRange, gradient = layer.gradient.finiteRange
            func range(_ r: (min: Float, max: Float)?) -> String {
                guard let r else { return L.pick(es: "sin valores finitos", en: "no finite values") }
                return "min \(significant(r.min, L))  max \(significant(r.max, L))"
            }
            lines.append("    " + L.pick(es: "activaciones: ", en: "activations: ") + range(activation)
                         + "   " + L.pick(es: "gradientes: ", en: "gradients: ") + range(gradient))
            if layer.parameters > 0 {
                lines.append("    " + L.pick(es: "parámetros: ", en: "parameters: ") + layer.parameterFormula)
                if let weights = layer.weights {
                    let grads = layer.frozen
                        ? L.pick(es: "capa congelada (:freeze), sin gradiente de los pesos", en: "layer frozen (:freeze), no weight gradient")
                        : L.pick(es: "gradientes de los pesos: ", en: "weight gradients: ") + range(layer.weightGradients?.finiteRange)
                    lines.append("    " + L.pick(es: "pesos: ", en: "weights: ") + range(weights.finiteRange) + "   " + grads)
                }
            }
            if let tiles = tiles(layer.activation, columns: columns, style: pictureStyle, language: L) { lines.append(tiles) }
        }
        let order = inspection.probabilities.indices.sorted { inspection.probabilities[$0] > inspection.probabilities[$1] }
        lines.append("")
        lines.append(L.pick(es: "predicción: ", en: "prediction: ") + order.prefix(3).enumerated().map { rank, k in
            "\(rank + 1). \(className(k)) \(format(Double(inspection.probabilities[k]), L))"
        }.joined(separator: "   ") + L.pick(es: "   (clase verdadera: \(className(label)))", en: "   (true class: \(className(label)))"))
        return (lines.joined(separator: "\n"), inspection)
    }

    /// For `capas evaluate --show N`: image `index` of `dataset`'s split.
    public static func text(network: Network, analysis: ModelAnalysis, dataset: Dataset, index: Int, title: String,
                            outputIsTerminal: Bool, columns: Int, language L: Language) throws -> String {
        guard index >= 0, index < dataset.count else {
            throw CommandError(es: "el conjunto tiene \(dataset.count) imágenes: el número va de 0 a \(dataset.count - 1)",
                               en: "the set has \(dataset.count) images: the index goes from 0 to \(dataset.count - 1)")
        }
        let pixels = dataset.images[(index * dataset.imageSize)..<((index + 1) * dataset.imageSize)].map { Float($0) / 255 }
        let shape = dataset.channels == 1 ? [dataset.height, dataset.width] : [dataset.channels, dataset.height, dataset.width]
        let style = PictureStyle.choose(outputIsTerminal: outputIsTerminal, environment: ProcessInfo.processInfo.environment)
        return try render(network: network, analysis: analysis, image: Tensor(shape: shape, data: pixels),
                          label: Int(dataset.labels[index]), channels: dataset.channels, classNames: dataset.classNames(in: L),
                          title: title, columns: columns, style: style, language: L).0
    }

    /// One tile per channel of a [C, H, W] activation (each scaled on its
    /// own), or a strip for a vector; nil for what cannot be drawn.
    static func tiles(_ activation: Tensor, columns: Int, style pictureStyle: PictureStyle, language L: Language) -> String? {
        let shape = activation.shape
        var panels: [Panel] = []
        if shape.count == 3, shape[1] * shape[2] > 1 {
            let (channels, height, width) = (shape[0], shape[1], shape[2])
            for c in 0..<min(channels, Interpreter.maximumNetworkTiles) {
                let plane = activation.data[(c * height * width)..<((c + 1) * height * width)]
                let finite = plane.filter(\.isFinite)
                let low = finite.min() ?? 0, high = finite.max() ?? 0
                panels.append(Panel(caption: ["\(c)"], picture: Picture.grey(plane, width: width, height: height, low: low,
                                                                              high: high > low ? high : low + 1)
                    .fitted(columns: min(columns, 24), style: pictureStyle)))
            }
        } else {
            let values = activation.data.prefix(64)
            let finite = values.filter(\.isFinite)
            let low = finite.min() ?? 0, high = finite.max() ?? 0
            panels.append(Panel(caption: [L.pick(es: "\(activation.count) valores", en: "\(activation.count) values")],
                                picture: Picture.grey(values, width: values.count, height: 1, low: low, high: high > low ? high : low + 1)
                                    .fitted(columns: min(columns, 64), style: pictureStyle)))
        }
        return Panel.layout(panels, style: pictureStyle, columns: columns)
    }
}

/// The same view as one PNG page: per layer a row of tiles (activations),
/// grey, each tile scaled on its own.
struct NetworkPage {
    var width: Int
    var height: Int
    var pixels: [UInt8]   // RGB

    static func render(_ inspection: NetworkInspection, image: Tensor, channels: Int) -> NetworkPage {
        let scale = 2, gap = 4, rowGap = 10
        var rows: [[(width: Int, height: Int, values: [Float])]] = []
        rows.append([(image.shape.last ?? 1, image.count / max(1, (image.shape.last ?? 1) * channels),
                      channels == 3 ? Array(image.data.prefix(image.count / 3)) : image.data)])
        for layer in inspection.layers {
            let shape = layer.activation.shape
            if shape.count == 3 {
                let plane = shape[1] * shape[2]
                rows.append((0..<min(shape[0], Interpreter.maximumNetworkTiles)).map { c in
                    (shape[2], shape[1], Array(layer.activation.data[(c * plane)..<((c + 1) * plane)]))
                })
            } else {
                let values = Array(layer.activation.data.prefix(256))
                rows.append([(values.count, 1, values)])
            }
        }
        let width = max(64, rows.map { row in row.reduce(0) { $0 + $1.width * scale + gap } }.max() ?? 64) + gap
        let height = rows.reduce(gap) { $0 + ($1.map(\.height).max() ?? 1) * scale + rowGap }
        var pixels = [UInt8](repeating: 255, count: width * height * 3)
        var y = gap
        for row in rows {
            var x = gap
            for tile in row {
                let finite = tile.values.filter(\.isFinite)
                let low = finite.min() ?? 0, high = finite.max() ?? 0
                let span = high > low ? high - low : 1
                for r in 0..<tile.height {
                    for c in 0..<tile.width {
                        let v = tile.values[r * tile.width + c]
                        let level = UInt8(max(0, min(255, ((v.isFinite ? v : low) - low) / span * 255)))
                        for dy in 0..<scale {
                            for dx in 0..<scale {
                                let px = x + c * scale + dx, py = y + r * scale + dy
                                guard px < width, py < height else { continue }
                                let at = (py * width + px) * 3
                                pixels[at] = level; pixels[at + 1] = level; pixels[at + 2] = level
                            }
                        }
                    }
                }
                x += tile.width * scale + gap
            }
            y += (row.map(\.height).max() ?? 1) * scale + rowGap
        }
        return NetworkPage(width: width, height: height, pixels: pixels)
    }

    func png() -> Data {
        var raster = Raster(width: width, height: height, background: Figure.Color(r: 255, g: 255, b: 255))
        raster.pixels = pixels
        return Data(PNG.encode(raster))
    }
}
