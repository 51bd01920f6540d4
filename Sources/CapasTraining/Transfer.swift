import CapasCheckpoint
import CapasCore
import CapasMessages
import CapasModel
import Foundation

// Transfer learning: starting a model from another one's weights, layer by
// layer where names and shapes agree, and choosing which layers to freeze.

/// What `CheckpointIO.transfer` did, tensor by tensor, grouped into layers for reading.
public struct TransferReport: Sendable, Equatable {
    /// A tensor the network and the checkpoint both have, with the same shape: loaded.
    public var matched: [(name: String, shape: [Int])] = []
    /// A tensor the checkpoint lacks: it keeps its fresh initialisation.
    public var new: [(name: String, shape: [Int])] = []
    /// Same name, different shape: kept fresh; both shapes named.
    public var mismatched: [(name: String, model: [Int], checkpoint: [Int])] = []
    /// Tensors in the checkpoint the network has no place for (the old head).
    public var unused: [(name: String, shape: [Int])] = []

    public static func == (a: TransferReport, b: TransferReport) -> Bool {
        a.matched.map(\.name) == b.matched.map(\.name) && a.new.map(\.name) == b.new.map(\.name)
            && a.mismatched.map(\.name) == b.mismatched.map(\.name) && a.unused.map(\.name) == b.unused.map(\.name)
    }

    /// True when every tensor of the network came from the checkpoint.
    public var isComplete: Bool { new.isEmpty && mismatched.isEmpty }

    /// The layer a tensor belongs to: `4.body.0.weight` → `4.body.0`.
    static func layer(_ name: String) -> String {
        guard let dot = name.lastIndex(of: ".") else { return name }
        return String(name[..<dot])
    }

    static func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

    /// A few lines: layers loaded, layers new, tensors that did not fit (with both
    /// shapes), tensors left unused. `describe` names a layer (`0` → `0 conv 8 3x3`).
    public func message(in L: Language, source: String, describe: (String) -> String = { $0 }) -> String {
        func layers(_ names: [String]) -> String {
            var seen = Set<String>(), ordered: [String] = []
            for name in names.map(Self.layer) where seen.insert(name).inserted { ordered.append(name) }
            return ordered.map(describe).joined(separator: "; ")
        }
        var lines: [String] = []
        let total = matched.count + new.count + mismatched.count
        lines.append(L.pick(es: "Pesos de \(source): \(matched.count) de \(total) tensores cargados",
                            en: "Weights from \(source): \(matched.count) of \(total) tensors loaded"))
        if !matched.isEmpty {
            lines.append(L.pick(es: "  cargadas: ", en: "  loaded: ") + layers(matched.map(\.name)))
        }
        let fresh = new.map(\.name)
        if !fresh.isEmpty {
            lines.append(L.pick(es: "  nuevas (el archivo no las tiene, empiezan al azar): ",
                                en: "  new (not in the file, start at random): ") + layers(fresh))
        }
        for m in mismatched {
            lines.append(L.pick(
                es: "  no encaja: \(m.name) es \(Self.shapeText(m.model)) en el modelo y \(Self.shapeText(m.checkpoint)) en el archivo; empieza al azar",
                en: "  does not fit: \(m.name) is \(Self.shapeText(m.model)) in the model and \(Self.shapeText(m.checkpoint)) in the file; it starts at random"))
        }
        if !unused.isEmpty {
            let names = unused.map { "\($0.name) \(Self.shapeText($0.shape))" }.joined(separator: ", ")
            lines.append(L.pick(es: "  sin usar del archivo: ", en: "  unused from the file: ") + names)
        }
        return lines.joined(separator: "\n")
    }
}

extension CheckpointIO {
    /// Copies into `network` every tensor whose name and shape match the
    /// checkpoint (PyTorch state_dict names; a `module.` prefix, as DataParallel
    /// writes, is ignored); the others keep their initialisation. Nothing is
    /// copied when nothing matches, so a wrong file leaves the model as it was.
    /// Tensors for which `fresh` is true (a replaced head) are never loaded and count as new.
    @discardableResult
    public static func transfer(_ checkpoint: Checkpoint, into network: Network,
                                fresh: (String) -> Bool = { _ in false }) -> TransferReport {
        var tensors: [String: Tensor] = [:]
        for name in checkpoint.orderedNames {
            let key = name.hasPrefix("module.") ? String(name.dropFirst("module.".count)) : name
            tensors[key] = checkpoint.tensors[name]
        }
        var report = TransferReport()
        var used = Set<String>()
        var loads: [(Parameter, Tensor)] = []
        for (name, parameter) in network.namedParameters {
            guard !fresh(name), let tensor = tensors[name] else { report.new.append((name, parameter.value.shape)); continue }
            used.insert(name)
            if tensor.shape == parameter.value.shape {
                loads.append((parameter, tensor))
                report.matched.append((name, tensor.shape))
            } else {
                report.mismatched.append((name, parameter.value.shape, tensor.shape))
            }
        }
        for name in checkpoint.orderedNames {
            let key = name.hasPrefix("module.") ? String(name.dropFirst("module.".count)) : name
            if !used.contains(key), let t = tensors[key] { report.unused.append((name, t.shape)) }
        }
        for (parameter, tensor) in loads { parameter.value = tensor }
        return report
    }
}

/// Top-level layer numbers as a learner writes them: `0-3`, `5`, `0-2,6`.
/// They are the first number of the state-dict names (`3.weight`, `4.body.0.weight`)
/// and the `#` column of the summary.
public struct LayerSelection: Sendable, Equatable {
    public let indices: [Int]

    /// Parses `text` for a model of `count` top-level layers (0…count − 1).
    public init(_ text: String, count: Int, of kind: SelectionError.Kind = .layers) throws {
        var result: [Int] = []
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw SelectionError(text: text, problem: .empty, kind: kind) }
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let piece = part.trimmingCharacters(in: .whitespaces)
            let bounds = piece.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            // `3-` runs to the last layer; `-3` is not a range (no negative layers).
            guard let low = Int(bounds[0]), low >= 0 else { throw SelectionError(text: piece, problem: .notANumber, kind: kind) }
            var high = low
            if bounds.count == 2 {
                if bounds[1].isEmpty { high = count - 1 } else {
                    guard let h = Int(bounds[1]), h >= 0 else { throw SelectionError(text: piece, problem: .notANumber, kind: kind) }
                    high = h
                }
            }
            guard low <= high else { throw SelectionError(text: piece, problem: .backwards, kind: kind) }
            guard high < count else { throw SelectionError(text: piece, problem: .outOfRange(count: count), kind: kind) }
            for i in low...high where !result.contains(i) { result.append(i) }
        }
        indices = result
    }

    /// The network's node indices under these top-level layers (a block's inner layers too).
    public func nodes(of network: Network) -> [Int] {
        let wanted = Set(indices)
        return network.nodes.indices.filter { i in
            let top = network.nodes[i].name.split(separator: ".").first.flatMap { Int($0) }
            return top.map(wanted.contains) ?? false
        }
    }

    public struct SelectionError: Error, LocalizedMessage, Equatable {
        public enum Problem: Equatable { case empty, notANumber, backwards, outOfRange(count: Int) }
        /// Layers of a model (`--freeze`) or classes of a dataset (`--classes`).
        public enum Kind: Equatable, Sendable { case layers, classes }
        let text: String
        let problem: Problem
        var kind: Kind = .layers
        public func message(in L: Language) -> String {
            if kind == .classes {
                switch problem {
                case .empty:
                    return L.pick(es: "indica las clases por número, como 0-4 o 0,2,5", en: "give the classes by number, like 0-4 or 0,2,5")
                case .notANumber:
                    return L.pick(es: "`\(text)` no es un número de clase ni un rango como 0-4", en: "`\(text)` is not a class number or a range like 0-4")
                case .backwards:
                    return L.pick(es: "el rango `\(text)` va hacia atrás: escribe primero el número menor",
                                  en: "the range `\(text)` runs backwards: write the smaller number first")
                case let .outOfRange(count):
                    return L.pick(es: "`\(text)`: el conjunto de datos tiene las clases 0 a \(count - 1)",
                                  en: "`\(text)`: the dataset has classes 0 to \(count - 1)")
                }
            }
            switch problem {
            case .empty:
                return L.pick(es: "indica las capas por número, como 0-3 o 0,2,5",
                              en: "give the layers by number, like 0-3 or 0,2,5")
            case .notANumber:
                return L.pick(es: "`\(text)` no es un número de capa ni un rango como 0-3",
                              en: "`\(text)` is not a layer number or a range like 0-3")
            case .backwards:
                return L.pick(es: "el rango `\(text)` va hacia atrás: escribe primero el número menor",
                              en: "the range `\(text)` runs backwards: write the smaller number first")
            case let .outOfRange(count):
                return L.pick(es: "`\(text)`: el modelo tiene las capas 0 a \(count - 1) (la columna # de :freeze o de capas summary --numbered)",
                              en: "`\(text)`: the model has layers 0 to \(count - 1) (the # column of :freeze or capas summary --numbered)")
            }
        }
    }
}

extension ModelAnalysis {
    /// Top-level layers (the first number of the state-dict names).
    public var topLevelCount: Int {
        (layers.compactMap { $0.name.split(separator: ".").first.flatMap { Int($0) } }.max() ?? -1) + 1
    }

    /// True for the tensors of the last `count` top-level layers (`7.weight` when 7 is among them).
    public func isInLast(_ count: Int, name: String) -> Bool {
        guard let top = name.split(separator: ".").first.flatMap({ Int($0) }) else { return false }
        return top >= topLevelCount - count
    }

    /// `3` → `3 dense 10`: a layer's number with its line, for reports.
    public func describe(layer name: String) -> String {
        guard let layer = layers.first(where: { $0.name == name }) else { return name }
        return name + " " + (layer.spec?.text ?? layer.resolved.torchName)
    }
}
