import CapasCore
import CapasMessages
import CapasModel

// :filters N — the filters a trained convolution learned, as small pictures:
// one per filter when it sees one channel (grey) or three (colour, RGB), or
// one per filter and input channel otherwise. All weights of the layer share
// one scale, symmetric around zero: grey is 0, black the most negative weight
// of the layer, white the most positive.

extension Interpreter {
    /// Planes drawn at most (filters × channels); `:filters N K` shows filter K alone.
    static let maximumFilterPlanes = 64

    func filters(_ argument: String) throws -> String {
        let analysis = try requireAnalysis()
        let words = argument.split(separator: " ").map(String.init)
        let convolutions = analysis.layers.filter { if case .conv = $0.resolved { return true } else { return false } }.map(\.name)
        let listed = convolutions.map { "[\($0)]" }.joined(separator: ", ")
        guard (1...2).contains(words.count),
              let index = analysis.layers.firstIndex(where: { $0.name == words[0] })
                ?? Int(words[0]).flatMap({ $0 >= 0 && $0 < analysis.layers.count ? $0 : nil }) else {
            throw CommandError(es: "uso: :filters N [K], con N el número entre corchetes de una capa conv" + (listed.isEmpty ? "" : " (\(listed))"),
                               en: "usage: :filters N [K], with N the number in brackets of a conv layer" + (listed.isEmpty ? "" : " (\(listed))"))
        }
        let layer = analysis.layers[index]
        guard case .conv = layer.resolved else {
            let what = layer.spec?.text ?? layer.resolved.torchName
            throw CommandError(
                es: "la capa [\(layer.name)] es `\(what)`, no una convolución: no tiene filtros. " + (listed.isEmpty ? "El modelo no tiene capas conv." : "Las capas conv son \(listed)."),
                en: "layer [\(layer.name)] is `\(what)`, not a convolution: it has no filters. " + (listed.isEmpty ? "The model has no conv layers." : "The conv layers are \(listed)."))
        }
        guard let run = run(of: current) else {
            let changed = runs[current] != nil
            throw CommandError(
                es: "`\(current)` no tiene pesos entrenados" + (changed ? " (el modelo cambió después de :train)" : "")
                    + ": entrénelo con :train (antes de entrenar, los filtros son números al azar)",
                en: "`\(current)` has no trained weights" + (changed ? " (the model changed after :train)" : "")
                    + ": train it with :train first (before training, the filters are random numbers)")
        }
        guard let conv = run.network.nodes[index].layer as? Conv2D else {
            throw CommandError(es: "la capa [\(layer.name)] no es una convolución en la red", en: "layer [\(layer.name)] is not a convolution in the network")
        }
        let w = conv.weight.value
        let (count, channels, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        var chosen = Array(0..<count)
        if words.count == 2 {
            guard let k = Int(words[1]), k >= 0, k < count else {
                throw CommandError(es: "la capa [\(layer.name)] tiene \(count) filtros: K va de 0 a \(count - 1)",
                                   en: "layer [\(layer.name)] has \(count) filters: K goes from 0 to \(count - 1)")
            }
            chosen = [k]
        }
        let planesPerFilter = channels == 3 ? 1 : channels
        let shown = Array(chosen.prefix(max(1, Interpreter.maximumFilterPlanes / planesPerFilter)))
        let scale = w.data.map { abs($0) }.filter(\.isFinite).max() ?? 0
        let plane = kh * kw
        var panels: [Panel] = []
        for k in shown {
            let start = k * channels * plane
            if channels == 3 {
                let values = w.data[start..<(start + 3 * plane)].map { scale > 0 ? ($0 + scale) / (2 * scale) : 0.5 }
                panels.append(Panel(caption: ["\(k)"], picture: Picture(width: kw, height: kh, channels: 3, values: values)
                    .fitted(columns: columns, style: pictureStyle)))
            } else {
                for c in 0..<channels {
                    let values = w.data[(start + c * plane)..<(start + (c + 1) * plane)]
                    let caption = channels == 1 ? "\(k)" : "\(k).\(c)"
                    panels.append(Panel(caption: [caption], picture: Picture.grey(values, width: kw, height: kh, low: -scale, high: scale)
                        .fitted(columns: columns, style: pictureStyle)))
                }
            }
        }
        var lines = [L.pick(
            es: "[\(layer.name)] \(layer.spec?.text ?? "conv"): \(count) filtros de \(kh)×\(kw)" + (channels == 1 ? "" : channels == 3 ? " sobre 3 canales, en color (R, G, B)" : " sobre \(channels) canales; K.C es el canal C del filtro K"),
            en: "[\(layer.name)] \(layer.spec?.text ?? "conv"): \(count) filters of \(kh)×\(kw)" + (channels == 1 ? "" : channels == 3 ? " over 3 channels, in colour (R, G, B)" : " over \(channels) channels; K.C is channel C of filter K"))]
        lines.append(Panel.layout(panels, style: pictureStyle, columns: columns))
        lines.append(L.pick(es: "escala común: negro −\(format(Double(scale), L)), gris 0, blanco +\(format(Double(scale), L))",
                            en: "one scale for all: black −\(format(Double(scale))), grey 0, white +\(format(Double(scale)))"))
        if shown.count < chosen.count {
            lines.append(L.pick(es: "se muestran \(shown.count) de \(count) filtros; :filters \(layer.name) K muestra el filtro K",
                                en: "showing \(shown.count) of \(count) filters; :filters \(layer.name) K shows filter K"))
        }
        return lines.joined(separator: "\n")
    }
}
