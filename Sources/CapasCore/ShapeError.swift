import CapasMessages

/// Why a layer cannot take an input of a given shape. Each case carries the
/// numbers involved, so the message can show the course's formula with them.
public enum ShapeError: Error, Equatable, LocalizedMessage {
    /// The (dilated) kernel is larger than the padded input along one axis.
    case kernelDoesNotFit(layer: String, axis: Axis, input: Int, padBefore: Int, padAfter: Int,
                          kernel: Int, dilation: Int, stride: Int)
    /// A size or count does not fit in a 64-bit integer.
    case overflow(what: String)
    /// The layer needs an input of another kind (e.g. dense after an image).
    case wrongInputKind(layer: String, expected: InputKind, got: FeatureShape)
    /// Channels (or filters) are not divisible by `groups`.
    case groupsDoNotDivide(channels: Int, filters: Int, groups: Int)
    /// Maxout needs the features to be divisible by the number of pieces.
    case piecesDoNotDivide(features: Int, pieces: Int)
    /// The branches of a residual or concat block end in incompatible shapes.
    case branchesDiffer(block: String, shapes: [FeatureShape])
    /// A parameter has a value the layer cannot use.
    case invalidValue(layer: String, parameter: String, value: String, requirement: Requirement)
    /// Padding larger than half the kernel (PyTorch's rule for pooling).
    case poolingPaddingTooLarge(padding: Int, kernel: Int)
    /// A layer made for `expected` input channels is given another number.
    case channelsDiffer(layer: String, expected: Int, got: Int)

    public enum Axis: String, Sendable { case height, width, length }
    public enum InputKind: String, Sendable { case image, sequence, vector, imageOrSequence }
    public enum Requirement: String, Sendable { case positive, nonNegative, probability, lessThanOne }

    public func message(in language: Language) -> String {
        let L = language
        switch self {
        case let .kernelDoesNotFit(layer, axis, n, pb, pa, f, d, s):
            let fe = d * (f - 1) + 1
            let padded = n + pb + pa
            let axisName = L.pick(es: axis.spanish, en: axis.rawValue)
            let pText = pb == pa ? "2·\(pb)" : "\(pb)+\(pa)"
            var text = L.pick(
                es: "\(layer): el núcleo de \(fe) no cabe en la \(axisName) de entrada \(n) con relleno \(pb == pa ? String(pb) : "\(pb)+\(pa)"): ",
                en: "\(layer): a kernel of \(fe) does not fit an input \(axis.rawValue) of \(n) with padding \(pb == pa ? String(pb) : "\(pb)+\(pa)"): ")
            // Floor division, as in the output-size formula (Swift's `/` truncates toward zero).
            let quotient = (padded - fe) >= 0 ? (padded - fe) / s : -((fe - padded + s - 1) / s)
            text += "(n + 2p − f)/s + 1 = (\(n) + \(pText) − \(fe))/\(s) + 1 = \(quotient + 1)"
            text += L.pick(es: ", y la salida necesita al menos 1.", en: ", and the output needs at least 1.")
            let need = (fe - n + 1) / 2
            text += L.pick(es: " Usa pad=\(need) (o más), o un núcleo de como mucho \(padded).",
                           en: " Use pad=\(need) (or more), or a kernel of at most \(padded).")
            if d > 1 {
                text += L.pick(es: " Con dilatación \(d), el núcleo \(f) abarca d·(f − 1) + 1 = \(fe).",
                               en: " With dilation \(d), the kernel \(f) spans d·(f − 1) + 1 = \(fe).")
            }
            return text
        case let .overflow(what):
            return L.pick(es: "desbordamiento: \(what) no cabe en un entero de 64 bits",
                          en: "overflow: \(what) does not fit in a 64-bit integer")
        case let .wrongInputKind(layer, expected, got):
            let hint: String
            if expected == .vector && got.isImage {
                let values = got.elementCount.map(String.init) ?? "?"
                hint = L.pick(es: " Agrega `flatten` antes (\(got) = \(values) valores).",
                              en: " Add `flatten` before it (\(got) = \(values) values).")
            } else { hint = "" }
            return L.pick(es: "\(layer) necesita \(expected.spanish) y recibe \(got) (\(got.kindName(.es))).",
                          en: "\(layer) needs \(expected.english) but gets \(got) (\(got.kindName(.en))).") + hint
        case let .groupsDoNotDivide(c, k, g):
            return L.pick(es: "groups=\(g) debe dividir los canales de entrada (\(c)) y los filtros (\(k)).",
                          en: "groups=\(g) must divide the input channels (\(c)) and the filters (\(k)).")
        case let .piecesDoNotDivide(features, pieces):
            return L.pick(es: "maxout \(pieces): \(features) canales no se dividen en grupos de \(pieces).",
                          en: "maxout \(pieces): \(features) channels do not split into groups of \(pieces).")
        case let .branchesDiffer(block, shapes):
            let list = shapes.map(\.description).joined(separator: ", ")
            return L.pick(es: "\(block): las ramas terminan en formas incompatibles: \(list).",
                          en: "\(block): the branches end in incompatible shapes: \(list).")
        case let .invalidValue(layer, parameter, value, requirement):
            return L.pick(es: "\(layer): \(parameter)=\(value) no es válido; debe ser \(requirement.spanish).",
                          en: "\(layer): \(parameter)=\(value) is not valid; it must be \(requirement.english).")
        case let .poolingPaddingTooLarge(p, k):
            return L.pick(es: "el relleno (\(p)) de un pooling no puede superar la mitad del núcleo (\(k)/2).",
                          en: "a pooling's padding (\(p)) cannot exceed half its kernel (\(k)/2).")
        case let .channelsDiffer(layer, expected, got):
            return L.pick(es: "\(layer): se creó para \(expected) canales de entrada y recibe \(got).",
                          en: "\(layer): made for \(expected) input channels but gets \(got).")
        }
    }
}

extension ShapeError.Axis {
    var spanish: String {
        switch self { case .height: return "altura"; case .width: return "anchura"; case .length: return "longitud" }
    }
}

extension ShapeError.InputKind {
    var spanish: String {
        switch self {
        case .image: return "una imagen (alto×ancho×canales)"
        case .sequence: return "una secuencia (longitud×canales)"
        case .vector: return "un vector"
        case .imageOrSequence: return "una imagen o una secuencia"
        }
    }
    var english: String {
        switch self {
        case .image: return "an image (height×width×channels)"
        case .sequence: return "a sequence (length×channels)"
        case .vector: return "a vector"
        case .imageOrSequence: return "an image or a sequence"
        }
    }
}

extension ShapeError.Requirement {
    var spanish: String {
        switch self {
        case .positive: return "un entero ≥ 1"
        case .nonNegative: return "un entero ≥ 0"
        case .probability: return "una probabilidad en [0, 1)"
        case .lessThanOne: return "un número en [0, 1)"
        }
    }
    var english: String {
        switch self {
        case .positive: return "an integer ≥ 1"
        case .nonNegative: return "an integer ≥ 0"
        case .probability: return "a probability in [0, 1)"
        case .lessThanOne: return "a number in [0, 1)"
        }
    }
}

extension FeatureShape {
    func kindName(_ language: Language) -> String {
        switch dims.count {
        case 3: return language.pick(es: "imagen", en: "image")
        case 2: return language.pick(es: "secuencia", en: "sequence")
        default: return language.pick(es: "vector", en: "vector")
        }
    }
}
