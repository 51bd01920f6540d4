import CapasCore
import CapasMessages

// Replacing the head of a model for transfer learning: the last layers are
// dropped and new ones written in their place (another number of classes).

extension ModelText {
    /// The model with its last top-level items dropped and `head` (model-language
    /// lines) appended. `dropping` counts top-level lines from the end; by default
    /// everything from the last layer with weights (the final `dense`, with a
    /// trailing softmax or dropout) is dropped.
    public func replacingHead(with head: String, dropping: Int? = nil) throws -> ModelText {
        let parsed = try ModelText(parsing: head)
        guard parsed.input == nil else { throw ModelError(.inputNotFirst, at: parsed.inputSpan) }
        guard !parsed.items.isEmpty else { throw HeadError(problem: .emptyHead) }
        let count: Int
        if let dropping {
            guard dropping >= 0, dropping < items.count else {
                throw HeadError(problem: .dropTooMany(asked: dropping, lines: items.count))
            }
            count = dropping
        } else {
            guard let last = items.lastIndex(where: \.hasWeights) else { throw HeadError(problem: .noWeightedLayer) }
            count = items.count - last
        }
        var model = self
        model.items = Array(items.dropLast(count)) + parsed.items
        // Lines are renumbered by printing and parsing the whole text again.
        return try ModelText(parsing: model.text)
    }
}

extension ModelText {
    /// Top-level layer numbers the items take (a layer with an inline activation
    /// takes two, a block one), as the state-dict names count them.
    public var topLevelNodeCount: Int {
        items.reduce(0) { total, item in
            if case let .layer(line) = item { return total + (line.activation == nil ? 1 : 2) }
            return total + 1
        }
    }
}

extension ModelItem {
    /// A layer line (or block) with trainable weights: conv, dense, embedding, batchnorm.
    var hasWeights: Bool {
        switch self {
        case let .layer(line):
            switch line.spec {
            case .conv, .dense, .embedding, .batchNorm, .recurrent: return true
            default: return false
            }
        case .residual, .concat: return true
        }
    }
}

/// Why a head could not be replaced.
public struct HeadError: Error, LocalizedMessage, Equatable, Sendable {
    public enum Problem: Equatable, Sendable {
        case emptyHead
        case noWeightedLayer
        case dropTooMany(asked: Int, lines: Int)
    }
    public let problem: Problem

    public func message(in L: Language) -> String {
        switch problem {
        case .emptyHead:
            return L.pick(es: "la cabeza nueva está vacía: escribe sus capas, como \"dense 5\"",
                          en: "the new head is empty: write its layers, like \"dense 5\"")
        case .noWeightedLayer:
            return L.pick(es: "el modelo no tiene ninguna capa con pesos que reemplazar; indica cuántas líneas quitar",
                          en: "the model has no layer with weights to replace; say how many lines to drop")
        case let .dropTooMany(asked, lines):
            return L.pick(es: "no puedo quitar \(asked) líneas de un modelo de \(lines): quedaría sin capas (máximo \(lines - 1))",
                          en: "cannot drop \(asked) lines from a model of \(lines): no layer would be left (at most \(lines - 1))")
        }
    }
}
