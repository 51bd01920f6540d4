import CapasCore
import CapasData
import CapasMessages
import Foundation

// Dataset images in the REPL:
//
//   :show fashion-mnist test 0        draws an image with its class (also :muestra, `prueba`, `entrenamiento`)
//   :show cifar10 train 12
//   img = image(fashion-mnist, test, 0)    the image as a calculator value (H×W, or 3×H×W for CIFAR-10), x/255
//   :show conv(img, K)                 any matrix or C×H×W tensor, each plane scaled to grey levels
//
// Splits are loaded once per session, from the folders `capas data` searches.

/// Dataset splits, loaded on first use and kept for the session.
final class DatasetCache {
    var environment: [String: String]
    private var splits: [String: Dataset] = [:]

    init(environment: [String: String]) { self.environment = environment }

    func dataset(_ name: DatasetName, _ split: Split) throws -> Dataset {
        let key = name.rawValue + "/" + split.rawValue
        if let loaded = splits[key] { return loaded }
        let folder: URL
        do { folder = try DataLocator(environment: environment).require(name) } catch let error as DataError {
            throw MissingDataset(error: error)
        }
        let loaded = try name.load(split, from: folder)
        splits[key] = loaded
        return loaded
    }

    /// The split a word names, in either language.
    static func split(_ word: String) -> Split? {
        switch word.lowercased() {
        case "train", "training", "entrenamiento", "entrena": return .train
        case "test", "prueba": return .test
        default: return nil
        }
    }
}

/// A dataset that is nowhere to be found: where it was looked for, how to get it,
/// and how to point the REPL at a folder (it has no --data-dir).
struct MissingDataset: LocalizedMessage {
    let error: DataError
    func message(in L: Language) -> String {
        error.message(in: L) + "\n" + L.pick(es: "En el REPL, una carpeta propia se indica al iniciarlo: CAPAS_DATA=CARPETA capas",
                                             en: "For the REPL, give a folder of your own when starting it: CAPAS_DATA=FOLDER capas")
    }
}

/// Where a calculator value came from, when it is a dataset image.
struct ImageReference: Equatable {
    let dataset: DatasetName
    let split: Split
    let index: Int
    let label: Int
    let className: String
    let channels: Int

    func describe(_ L: Language) -> String {
        let split = self.split == .train ? L.pick(es: "entrenamiento", en: "train") : L.pick(es: "prueba", en: "test")
        return "\(dataset.rawValue) \(split) \(index): \(className) " + L.pick(es: "(clase \(label))", en: "(class \(label))")
    }
}

extension Evaluator {
    /// `image(DATASET, SPLIT, INDEX)` (or `imagen`; the split may be left out: test). The
    /// arguments are words, not values: `fashion-mnist` is a name, not a subtraction.
    func image(_ positional: [Expression], _ named: [(String, Expression)], column: Int, function: String) throws -> Value {
        func fail(_ en: String, _ es: String) -> CalculatorError {
            CalculatorError(.wrongArgument(function: function, detail: en, detailSpanish: es), column: column)
        }
        guard let datasets else {
            throw fail("reads a dataset: it works in the REPL and in notebooks, not here",
                       "lee un conjunto de datos: funciona en el REPL y en los cuadernos, no aquí")
        }
        let usage = ("use \(function)(fashion-mnist, test, 0) or \(function)(cifar10, train, 12)",
                     "use \(function)(fashion-mnist, prueba, 0) o \(function)(cifar10, entrenamiento, 12)")
        guard named.isEmpty, positional.count == 2 || positional.count == 3 else { throw fail(usage.0, usage.1) }
        guard let word = Evaluator.word(positional[0]), let name = DatasetName(word: word) else {
            throw fail("the first argument is the dataset, fashion-mnist or cifar10; " + usage.0,
                       "el primer argumento es el conjunto de datos, fashion-mnist o cifar10; " + usage.1)
        }
        var split = Split.test
        if positional.count == 3 {
            guard let w = Evaluator.word(positional[1]), let s = DatasetCache.split(w) else {
                throw fail("the second argument is the split: train or test", "el segundo argumento es la partición: entrenamiento o prueba (train o test)")
            }
            split = s
        }
        guard case let .number(x) = try evaluate(positional[positional.count - 1]), x == x.rounded(), abs(x) < 1e9 else {
            throw fail("the last argument is the image's index, a whole number from 0", "el último argumento es el número de la imagen, un entero desde 0")
        }
        let (tensor, reference) = try Evaluator.image(datasets, name, split, Int(x), language: language, fail: fail)
        lastImage = reference
        return .tensor(tensor)
    }

    /// One image of a split as a tensor of x/255: H×W for one channel, C×H×W otherwise.
    static func image(_ datasets: DatasetCache, _ name: DatasetName, _ split: Split, _ index: Int, language L: Language,
                      fail: (String, String) -> CalculatorError) throws -> (Tensor, ImageReference) {
        let data = try datasets.dataset(name, split)
        guard index >= 0 && index < data.count else {
            let splitName = split == .train ? "entrenamiento" : "prueba"
            throw fail("\(name.rawValue) \(split.rawValue) has \(data.count) images: the index goes from 0 to \(data.count - 1)",
                       "\(name.rawValue) \(splitName) tiene \(data.count) imágenes: el número va de 0 a \(data.count - 1)")
        }
        let pixels = data.images[(index * data.imageSize)..<((index + 1) * data.imageSize)].map { Float($0) / 255 }
        let shape = data.channels == 1 ? [data.height, data.width] : [data.channels, data.height, data.width]
        let label = Int(data.labels[index])
        let names = data.classNames(in: L)
        let reference = ImageReference(dataset: name, split: split, index: index, label: label,
                                       className: label < names.count ? names[label] : String(label), channels: data.channels)
        return (Tensor(shape: shape, data: pixels), reference)
    }

    /// The word an argument spells: `fashion-mnist` parses as fashion − mnist, `cifar-10` as cifar − 10.
    static func word(_ e: Expression) -> String? {
        switch e {
        case let .variable(name, _): return name
        case let .number(x, _): return format(x)
        case let .chain(first, links):
            guard var text = word(first) else { return nil }
            for link in links {
                guard link.op == "-", let right = word(link.operand) else { return nil }
                text += "-" + right
            }
            return text
        default: return nil
        }
    }
}

extension Interpreter {
    /// `:show DATASET [SPLIT] INDEX` or `:show EXPRESSION`.
    func show(_ argument: String) throws -> String {
        let usage = CommandError(es: "uso: :show fashion-mnist prueba 0, :show cifar10 entrenamiento 12, o :show EXPRESIÓN (una matriz o un tensor C×H×W, p. ej. :show conv(img, K))",
                                 en: "usage: :show fashion-mnist test 0, :show cifar10 train 12, or :show EXPRESSION (a matrix or a C×H×W tensor, e.g. :show conv(img, K))")
        let words = argument.split(separator: " ").map(String.init)
        guard let first = words.first else { throw usage }
        if let name = DatasetName(word: first), variables[first] == nil {
            guard words.count == 2 || words.count == 3, let index = Int(words[words.count - 1]) else { throw usage }
            var split = Split.test
            if words.count == 3 {
                guard let s = DatasetCache.split(words[1]) else {
                    throw CommandError(es: "la partición es entrenamiento o prueba (train o test), no `\(words[1])`",
                                       en: "the split is train or test, not `\(words[1])`")
                }
                split = s
            }
            let (tensor, reference) = try Evaluator.image(datasets, name, split, index, language: L) { en, es in
                CalculatorError(.wrongArgument(function: ":show", detail: en, detailSpanish: es))
            }
            return drawing(of: tensor, image: reference)
        }
        var parser = try CalcParser(argument)
        let (assigned, expression) = try parser.parseEntry()
        guard assigned == nil else { throw usage }
        let evaluator = Evaluator(variables: variables, language: L, datasets: datasets, budget: calculatorBudget ?? CalculatorBudget())
        let value = try evaluator.evaluate(expression)
        var reference: ImageReference?
        switch expression {
        case let .variable(name, _): reference = imageVariables[name]
        case let .call(name, _, _, _) where Evaluator.imageFunctions.contains(name): reference = evaluator.lastImage
        default: break
        }
        guard case let .tensor(tensor) = value, tensor.rank >= 2 else {
            throw CommandError(es: ":show dibuja matrices (H×W) y tensores (C×H×W); esto es " + describeShape(value),
                               en: ":show draws matrices (H×W) and tensors (C×H×W); this is " + describeShape(value))
        }
        return drawing(of: tensor, image: reference)
    }

    func describeShape(_ value: Value) -> String {
        switch value {
        case let .number(x): return L.pick(es: "el número \(format(x, L))", en: "the number \(format(x))")
        case let .tensor(t): return L.pick(es: "un vector de \(t.count) valores", en: "a vector of \(t.count) values")
        }
    }

    /// A tensor as pictures: a dataset image as it is (RGB when it has 3 channels), anything
    /// else one grey picture per plane, each from its lowest value (black) to its highest (white).
    func drawing(of tensor: Tensor, image: ImageReference?) -> String {
        let (h, w) = (tensor.shape[tensor.rank - 2], tensor.shape[tensor.rank - 1])
        let plane = h * w
        if let image, image.channels == tensor.count / max(plane, 1), image.channels == 1 || image.channels == 3 {
            let picture = Picture(width: w, height: h, channels: image.channels, values: tensor.data).fitted(columns: columns, style: pictureStyle)
            return image.describe(L) + "\n" + picture.lines(pictureStyle).joined(separator: "\n")
        }
        let planes = tensor.count / max(plane, 1)
        let outer = Array(tensor.shape.dropLast(2))
        var panels: [Panel] = []
        for p in 0..<planes {
            let values = tensor.data[(p * plane)..<((p + 1) * plane)]
            let finite = values.filter { $0.isFinite }
            let low = finite.min() ?? 0, high = finite.max() ?? 0
            let picture = Picture.grey(values, width: w, height: h, low: low, high: high)
            if tensor.rank == 2 {
                let text = low == high
                    ? L.pick(es: "todos los valores son \(format(Double(low), L)) (gris)", en: "every value is \(format(Double(low))) (grey)")
                    : L.pick(es: "valores de \(format(Double(low), L)) (negro) a \(format(Double(high), L)) (blanco)",
                             en: "values from \(format(Double(low))) (black) to \(format(Double(high))) (white)")
                return text + "\n" + picture.fitted(columns: columns, style: pictureStyle).lines(pictureStyle).joined(separator: "\n")
            }
            var index: [Int] = [], rest = p
            for size in outer.reversed() { index.insert(rest % size, at: 0); rest /= size }
            let caption = tensor.rank == 3 ? L.pick(es: "canal \(index[0])", en: "channel \(index[0])")
                                           : "[" + index.map(String.init).joined(separator: ", ") + "]"
            panels.append(Panel(caption: [caption, rangeText(low, high, L)], picture: picture.fitted(columns: columns, style: pictureStyle)))
        }
        return Panel.layout(panels, style: pictureStyle, columns: columns) + "\n"
            + L.pick(es: "cada plano va de su valor más bajo (negro) a su valor más alto (blanco)",
                     en: "each plane goes from its lowest value (black) to its highest (white)")
    }
}
