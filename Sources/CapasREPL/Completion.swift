import CapasData
import CapasModel
import Foundation

// Tab completion: what may come at the cursor, from the same vocabulary the
// interpreter understands. The line editor asks; this answers.

extension Interpreter {
    /// The start (in characters) of the word being completed and its candidates, sorted.
    public func completions(lineBeforeCursor line: String) -> (wordStart: Int, candidates: [String]) {
        let chars = Array(line)
        var start = chars.count
        while start > 0, !" \t(,[=".contains(chars[start - 1]) { start -= 1 }
        // `stride=` is one word: the `=` belongs to it when completing options.
        let word = String(chars[start...])
        let before = String(chars[..<start]).trimmingCharacters(in: .whitespaces)
        func matching(_ options: [String]) -> (Int, [String]) {
            (start, Array(Set(options.filter { $0.hasPrefix(word) })).sorted())
        }
        if before.isEmpty {
            if word.hasPrefix(":") { return matching(Interpreter.commands) }
            return matching(Vocabulary.layers + Array(Vocabulary.aliases.keys) + Array(variables.keys) + Functions.names)
        }
        let first = before.split(separator: " ").first.map(String.init)?.lowercased() ?? ""
        switch first {
        case ":load", ":save", ":carga", ":guarda", ":plot", ":grafica", ":gráfica":
            return fileCompletions(word, start: start)
        case ":preset":
            return matching(Presets.all.map(\.name))
        case ":use", ":usar", ":compare", ":compara":
            return matching(modelOrder)
        case ":help", ":ayuda":
            return matching(Array(Set(Help.names)).sorted())
        case ":lang", ":idioma":
            return matching(["es", "en"])
        case ":train", ":entrena":
            // After data= a file name (a text for a language model).
            if let equals = before.lastIndex(of: "="), before[equals...].count == 1,
               ["data", "datos"].contains(before[..<equals].split(separator: " ").last.map(String.init) ?? "") {
                return fileCompletions(word, start: start)
            }
            return matching(language == .es ? ["épocas=", "lote=", "optimizador=", "lr=", "semilla=", "datos=", "límite=", "aumento=", "recorte="]
                                            : TrainSettings.keys.map { $0 + "=" })
        case ":sample", ":genera":
            if before.split(separator: " ").count < 2 { return (start, []) }
            return matching(language == .es ? ["temperatura=", "inicio=", "semilla="] : ["temperature=", "start=", "seed="])
        case ":filters", ":filtros":
            return matching((model.analysis?.layers ?? []).filter { if case .conv = $0.resolved { return true } else { return false } }.map(\.name))
        case ":show", ":muestra":
            let words = before.split(separator: " ")
            if words.count == 1 { return matching(["fashion-mnist", "cifar10"] + Array(variables.keys) + Functions.names) }
            if words.count == 2, DatasetName(word: String(words[1])) != nil {
                return matching(language == .es ? ["prueba", "entrenamiento"] : ["test", "train"])
            }
        default:
            break
        }
        if Vocabulary.isLayerWord(first) && !line.contains("(") {
            let layer = Vocabulary.aliases[first] ?? first
            // After `pad=`, `bias=`…: the values that option takes on this layer.
            if before.hasSuffix("=") {
                let key = before.split(separator: " ").last.map { String($0.dropLast()).lowercased() } ?? ""
                return matching(Interpreter.optionValues(layer: layer, option: key))
            }
            let words = before.split(separator: " ").map { $0.lowercased() }
            // An inline activation ends the line.
            if words.count > 1, let last = words.last, Interpreter.inlineActivations.contains(last) { return (start, []) }
            // Options already given are not offered again.
            let given = Set(words.filter { $0.contains("=") }.map { String($0.prefix { $0 != "=" }) + "=" })
            let options = Interpreter.layerOptions[layer] ?? []
            let activations = Interpreter.takesInlineActivation.contains(layer) ? Interpreter.inlineActivations : []
            return matching(options.filter { !given.contains($0) } + activations)
        }
        return matching(Array(variables.keys) + Functions.names + ["stride=", "pad=", "bias=", "slope=", "alpha="])
    }

    /// The options each layer accepts (the parser's lists), for completion.
    static let layerOptions: [String: [String]] = [
        "conv": ["stride=", "pad=", "dilation=", "groups=", "bias="],
        "conv1d": ["stride=", "pad=", "dilation=", "groups=", "bias="],
        "depthwise": ["stride=", "pad=", "dilation=", "multiplier=", "bias="],
        "maxpool": ["stride=", "pad=", "ceil="],
        "avgpool": ["stride=", "pad=", "ceil="],
        "dense": ["bias="],
        "rnn": ["sequences=", "bias="],
        "lstm": ["sequences=", "bias="],
        "batchnorm": ["momentum=", "eps="],
        "dropout": ["p="],
        "leakyrelu": ["slope="],
        "elu": ["alpha="],
    ]
    /// Layers usually followed by an activation on the same line (`conv 32 3x3 relu`, `dense 10 softmax`).
    static let takesInlineActivation: Set<String> = ["conv", "conv1d", "depthwise", "dense", "batchnorm"]
    static let inlineActivations = ["relu", "relu6", "leakyrelu", "elu", "sigmoid", "tanh", "softmax", "logsoftmax"]

    /// The words an option takes: `pad=` on a convolution → same, valid; on a pooling, only numbers.
    static func optionValues(layer: String, option: String) -> [String] {
        switch option {
        case "pad", "padding": return ["conv", "conv1d", "depthwise"].contains(layer) ? ["same", "valid"] : []
        case "bias": return ["rnn", "lstm"].contains(layer) ? ["yes", "no", "keras", "pytorch"] : ["yes", "no"]
        case "ceil", "sequences": return ["yes", "no"]
        default: return []
        }
    }

    private func fileCompletions(_ word: String, start: Int) -> (wordStart: Int, candidates: [String]) {
        let expanded = (word as NSString).expandingTildeInPath
        let directory = word.hasSuffix("/") ? expanded : (expanded as NSString).deletingLastPathComponent
        let prefix = word.hasSuffix("/") ? "" : (expanded as NSString).lastPathComponent
        let shownDirectory = word.hasSuffix("/") ? word : (word as NSString).deletingLastPathComponent
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory) else {
            return (start, [])
        }
        let candidates = names.filter { $0.hasPrefix(prefix) && !$0.hasPrefix(".") }.sorted().map { name -> String in
            var isDirectory: ObjCBool = false
            let full = ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent(name)
            _ = FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory)
            let shown = shownDirectory.isEmpty ? name : (shownDirectory.hasSuffix("/") ? shownDirectory + name : shownDirectory + "/" + name)
            return shown + (isDirectory.boolValue ? "/" : "")
        }
        return (start, candidates)
    }
}
