import CapasCore
import CapasMessages

/// Everything that can be wrong with model text, with the place it happened.
public struct ModelError: Error, LocalizedMessage, Equatable {
    public enum Problem: Equatable {
        case unknownLayer(String, suggestion: String?)
        case missingArgument(layer: String, what: Argument, example: String)
        case badNumber(String, what: Argument)
        case badSize(String, what: Argument)
        case unknownOption(layer: String, option: String, valid: [String])
        case duplicateOption(String)
        case unexpected(String)
        case unclosedBlock(String)
        case unexpectedClose
        case branchOutsideConcat
        case emptyBlock(String)
        case missingInput
        case duplicateInput
        case inputNotFirst
        case emptyModel
        case shape(ShapeError)
        /// The layer is analysed (shapes, counts) but capas cannot train it.
        case notTrainable(layer: String)
        /// Blocks nested deeper than `limit`; the span is the block that goes too deep.
        case nestedTooDeep(limit: Int)
        /// The text has `bytes`; the parser reads at most `limit`.
        case textTooLong(bytes: Int, limit: Int)
        /// The analysed model would have more than `limit` nodes; the span is the first one past it.
        case tooManyLayers(limit: Int)
    }

    /// What an argument was supposed to be, for messages.
    public enum Argument: String, Equatable, Sendable {
        case filters, units, kernel, size, stride, padding, dilation, groups, probability, pieces, slope, alpha,
             momentum, epsilon, bias, multiplier, vocabulary, dimension, sequences, ceil,
             countPadding
    }

    public let problem: Problem
    /// Where it happened; nil when the text is missing something as a whole.
    public let span: SourceSpan?
    /// The source line, for the caret display.
    public var sourceLine: String?

    public init(_ problem: Problem, at span: SourceSpan?, sourceLine: String? = nil) {
        self.problem = problem; self.span = span; self.sourceLine = sourceLine
    }

    /// The message with the place and, when the line is known, the line with `^~~` under the span.
    public func message(in L: Language) -> String {
        var text = L.pick(es: "error", en: "error")
        if let span {
            text += L.pick(es: " en la línea \(span.line), columna \(span.column)",
                           en: " at line \(span.line), column \(span.column)")
        }
        text += ": " + describe(L)
        if let span, let sourceLine {
            let number = String(span.line)
            let gutter = String(repeating: " ", count: number.count)
            // A long line is shown as a window of 120 characters around the place, the caret still under it.
            var shown = sourceLine, column = span.column, length = span.length
            if sourceLine.count > 120 {
                let start = max(0, min(column - 1 - 40, sourceLine.count - 120))
                let window = sourceLine.dropFirst(start).prefix(120)
                shown = (start > 0 ? "…" : "") + window + (start + 120 < sourceLine.count ? "…" : "")
                column = column - start + (start > 0 ? 1 : 0)
                length = min(length, 120 - (column - 1 - (start > 0 ? 1 : 0)))
            }
            text += "\n \(number) | \(shown)\n \(gutter) | "
                + String(repeating: " ", count: max(0, column - 1))
                + "^" + String(repeating: "~", count: max(0, length - 1))
        }
        if let hint = hint(L) { text += "\n" + hint }
        return text
    }

    /// The problem alone, without the place.
    public func describe(_ L: Language) -> String {
        let q = ModelError.quoted
        switch problem {
        case let .unknownLayer(word, _):
            return L.pick(es: "capa desconocida `\(q(word))`", en: "unknown layer `\(q(word))`")
        case let .missingArgument(layer, what, _):
            return L.pick(es: "a `\(layer)` le falta \(what.spanish)", en: "`\(layer)` is missing its \(what.english)")
        case let .badNumber(word, what):
            return L.pick(es: "`\(q(word))` no es un valor válido para \(what.spanish): \(what.rule(L))",
                          en: "`\(q(word))` is not a valid \(what.english): \(what.rule(L))")
        case let .badSize(word, what):
            // A conv1d kernel written as a size: `3x5` is two valid numbers, one too many.
            let parts = splitSize(word).map { Int($0) }
            let rule = what == .kernel && parts.count == 2 && parts.allSatisfy({ ($0 ?? 0) >= 1 })
                ? L.pick(es: "el núcleo de conv1d es una sola longitud, como 5", en: "a conv1d kernel is one length, like 5")
                : what.rule(L)
            return L.pick(es: "`\(q(word))` no es un valor válido para \(what.spanish): \(rule)",
                          en: "`\(q(word))` is not a valid \(what.english): \(rule)")
        case let .unknownOption(layer, option, _):
            return L.pick(es: "`\(layer)` no tiene la opción `\(q(option))`", en: "`\(layer)` has no option `\(q(option))`")
        case let .duplicateOption(option):
            return L.pick(es: "la opción `\(q(option))` aparece dos veces", en: "option `\(q(option))` is given twice")
        case let .unexpected(word):
            return L.pick(es: "no se esperaba `\(q(word))` aquí", en: "`\(q(word))` was not expected here")
        case let .unclosedBlock(block):
            return L.pick(es: "el bloque `\(block) {` no se cierra con `}`", en: "block `\(block) {` is never closed with `}`")
        case .unexpectedClose:
            return L.pick(es: "`}` sin un bloque abierto", en: "`}` without an open block")
        case .branchOutsideConcat:
            return L.pick(es: "`branch` solo puede ir dentro de `concat { … }`", en: "`branch` can only appear inside `concat { … }`")
        case let .emptyBlock(block):
            return L.pick(es: "el bloque `\(block)` está vacío", en: "block `\(block)` is empty")
        case .missingInput:
            return L.pick(es: "el modelo necesita una línea `input` al principio", en: "the model needs an `input` line first")
        case .duplicateInput:
            return L.pick(es: "el modelo ya tiene una línea `input`", en: "the model already has an `input` line")
        case .inputNotFirst:
            return L.pick(es: "`input` debe ser la primera línea del modelo", en: "`input` must be the model's first line")
        case .emptyModel:
            return L.pick(es: "el modelo no tiene capas", en: "the model has no layers")
        case let .shape(error):
            return error.message(in: L)
        case let .notTrainable(layer):
            return L.pick(es: "capas todavía no puede entrenar `\(layer)`: solo calcula sus formas, parámetros y multiplicaciones-sumas",
                          en: "capas cannot train `\(layer)` yet: it only works out its shapes, parameters and multiply-adds")
        case let .nestedTooDeep(limit):
            return L.pick(es: "este bloque queda a más de \(limit) niveles de anidamiento; se admiten hasta \(limit) bloques uno dentro de otro",
                          en: "this block is nested more than \(limit) levels deep; at most \(limit) blocks may be nested inside each other")
        case let .textTooLong(bytes, limit):
            return L.pick(es: "el modelo tiene \(bytes) bytes; se leen como mucho \(limit) (\(limit >> 20) MiB)",
                          en: "the model is \(bytes) bytes long; at most \(limit) (\(limit >> 20) MiB) are read")
        case let .tooManyLayers(limit):
            return L.pick(es: "el modelo pasa de \(limit) capas (contando una suma o concatenación por bloque); se admiten hasta \(limit)",
                          en: "the model goes past \(limit) layers (counting one add or concat per block); at most \(limit) are allowed")
        }
    }

    /// At most `ModelLimits.quotedCharacters` of a learner's word.
    static func quoted(_ word: String) -> String {
        word.count > ModelLimits.quotedCharacters ? String(word.prefix(ModelLimits.quotedCharacters)) + "…" : word
    }

    func hint(_ L: Language) -> String? {
        switch problem {
        case let .unknownLayer(_, suggestion?):
            return L.pick(es: "¿querías decir `\(suggestion)`? (ver :help layers)", en: "did you mean `\(suggestion)`? (see :help layers)")
        case .unknownLayer:
            return L.pick(es: "capas conocidas: \(Parser.layerNames.joined(separator: ", "))",
                          en: "known layers: \(Parser.layerNames.joined(separator: ", "))")
        case let .missingArgument(_, _, example):
            return L.pick(es: "por ejemplo: \(example)", en: "for example: \(example)")
        case let .unknownOption(_, _, valid):
            return valid.isEmpty ? L.pick(es: "esta capa no tiene opciones", en: "this layer takes no options")
                : L.pick(es: "opciones válidas: \(valid.joined(separator: ", "))", en: "valid options: \(valid.joined(separator: ", "))")
        case .missingInput:
            return L.pick(es: "por ejemplo: input 28x28x1 (alto×ancho×canales)", en: "for example: input 28x28x1 (height×width×channels)")
        case .notTrainable:
            return L.pick(es: "sus cuentas se ven con :summary (o capas summary); para entrenar, quita esa capa",
                          en: "its counts are shown by :summary (or capas summary); to train, remove that layer")
        default:
            return nil
        }
    }
}

extension ModelError.Argument {
    /// What a valid value is, with an example.
    func rule(_ L: Language) -> String {
        switch self {
        case .stride, .dilation:
            let key = self == .stride ? "stride" : "dilation"
            return L.pick(es: "debe ser un entero ≥ 1, como \(key)=2 (o \(key)=2x1: alto, ancho)",
                          en: "it must be a whole number ≥ 1, like \(key)=2 (or \(key)=2x1: height, width)")
        case .padding:
            return L.pick(es: "debe ser un entero ≥ 0, como pad=1 (o pad=1x2: alto, ancho); las convoluciones también aceptan pad=same y pad=valid",
                          en: "it must be a whole number ≥ 0, like pad=1 (or pad=1x2: height, width); convolutions also take pad=same and pad=valid")
        case .kernel:
            return L.pick(es: "enteros ≥ 1, escritos como 5x5, 3x5 (alto, ancho) o 5",
                          en: "whole numbers ≥ 1, written like 5x5, 3x5 (height, width) or 5")
        case .size:
            return L.pick(es: "enteros ≥ 1, escritos como 28x28x1 (alto, ancho, canales), 200x32 (largo, canales) o 784",
                          en: "whole numbers ≥ 1, written like 28x28x1 (height, width, channels), 200x32 (length, channels) or 784")
        case .filters, .units, .groups, .pieces, .multiplier, .vocabulary, .dimension:
            return L.pick(es: "debe ser un entero ≥ 1", en: "it must be a whole number ≥ 1")
        case .probability:
            return L.pick(es: "debe ser un número ≥ 0 y < 1, como 0.5", en: "it must be a number ≥ 0 and < 1, like 0.5")
        case .slope, .momentum:
            return L.pick(es: "debe ser un número entre 0 y 1", en: "it must be a number from 0 to 1")
        case .alpha:
            return L.pick(es: "debe ser un número entre 0 y 100", en: "it must be a number from 0 to 100")
        case .epsilon:
            return L.pick(es: "debe ser un número > 0 y ≤ 1, como 1e-5", en: "it must be a number > 0 and ≤ 1, like 1e-5")
        case .bias, .sequences, .ceil, .countPadding:
            return L.pick(es: "yes o no", en: "yes or no")
        }
    }

    var spanish: String {
        switch self {
        case .filters: return "el número de filtros"
        case .units: return "el número de unidades"
        case .kernel: return "el tamaño del núcleo"
        case .size: return "la forma de la entrada"
        case .stride: return "el paso (stride)"
        case .padding: return "el relleno (padding)"
        case .dilation: return "la dilatación"
        case .groups: return "el número de grupos"
        case .probability: return "la probabilidad"
        case .pieces: return "el número de piezas"
        case .slope: return "la pendiente"
        case .alpha: return "alfa"
        case .momentum: return "el momentum"
        case .epsilon: return "épsilon"
        case .bias: return "el sesgo (bias)"
        case .multiplier: return "el multiplicador"
        case .vocabulary: return "el tamaño del vocabulario"
        case .dimension: return "la dimensión de los vectores"
        case .sequences: return "sequences"
        case .ceil: return "ceil"
        case .countPadding: return "count_pad"
        }
    }
    var english: String {
        switch self {
        case .filters: return "number of filters"
        case .units: return "number of units"
        case .kernel: return "kernel size"
        case .size: return "input shape"
        case .stride: return "stride"
        case .padding: return "padding"
        case .dilation: return "dilation"
        case .groups: return "number of groups"
        case .probability: return "probability"
        case .pieces: return "number of pieces"
        case .slope: return "slope"
        case .alpha: return "alpha"
        case .momentum: return "momentum"
        case .epsilon: return "epsilon"
        case .bias: return "bias"
        case .multiplier: return "multiplier"
        case .vocabulary: return "vocabulary size"
        case .dimension: return "vector dimension"
        case .sequences: return "sequences value"
        case .ceil: return "ceil value"
        case .countPadding: return "count_pad value"
        }
    }
}
