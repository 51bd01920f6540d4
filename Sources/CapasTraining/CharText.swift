import CapasCore
import CapasMessages
import Foundation

// Character-level language modelling: a UTF-8 text, its vocabulary of
// characters, windows of `length` characters whose targets are the next
// character at every step (cross-entropy at every step), and sampling.

/// A UTF-8 text as character ids.
public struct CharText: Sendable {
    /// The largest text file read (16 MiB).
    public static let maximumBytes = 16 << 20
    /// The characters of the text, sorted; a character's id is its index.
    public let vocabulary: [Character]
    /// The text as ids.
    public let ids: [Int]

    public struct Problem: LocalizedMessage {
        public enum Kind: Equatable { case unreadable, missing, folder, empty, tooLarge(bytes: Int), notUTF8, tooShort(characters: Int, needed: Int) }
        public let file: String, kind: Kind
        public func message(in L: Language) -> String {
            switch kind {
            case .unreadable:
                return L.pick(es: "no se puede leer el archivo de texto \(file)", en: "cannot read the text file \(file)")
            case .missing:
                return L.pick(es: "no existe el archivo de texto \(file)", en: "there is no text file \(file)")
            case .folder:
                return L.pick(es: "\(file) es una carpeta: indica un archivo de texto (UTF-8)",
                              en: "\(file) is a folder: give a text file (UTF-8)")
            case .empty:
                return L.pick(es: "\(file) está vacío: no hay texto del que aprender", en: "\(file) is empty: there is no text to learn from")
            case let .tooLarge(bytes):
                return L.pick(es: "\(file) tiene \(bytes) bytes: el máximo para un texto es \(CharText.maximumBytes) (16 MiB)",
                              en: "\(file) has \(bytes) bytes: the maximum for a text is \(CharText.maximumBytes) (16 MiB)")
            case .notUTF8:
                return L.pick(es: "\(file) no es texto UTF-8", en: "\(file) is not UTF-8 text")
            case let .tooShort(characters, needed):
                return L.pick(es: "\(file) tiene \(characters) caracteres: hacen falta al menos \(needed) (una secuencia más el siguiente carácter)",
                              en: "\(file) has \(characters) characters: at least \(needed) are needed (one sequence plus the next character)")
            }
        }
    }

    public init(text: String) {
        let characters = Array(text)
        vocabulary = Array(Set(characters)).sorted()
        var index: [Character: Int] = [:]
        for (i, c) in vocabulary.enumerated() { index[c] = i }
        ids = characters.map { index[$0]! }
    }

    /// Reads a UTF-8 file of at most `maximumBytes`.
    public static func load(_ path: String) throws -> CharText {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw Problem(file: path, kind: .missing) }
        guard !isDirectory.boolValue else { throw Problem(file: path, kind: .folder) }
        guard let handle = try? FileHandle(forReadingFrom: url) else { throw Problem(file: path, kind: .unreadable) }
        defer { try? handle.close() }
        // `read` gives nil at the end of the file: an empty file.
        let data: Data
        do { data = try handle.read(upToCount: maximumBytes + 1) ?? Data() } catch { throw Problem(file: path, kind: .unreadable) }
        guard data.count <= maximumBytes else {
            let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
            throw Problem(file: path, kind: .tooLarge(bytes: size ?? data.count))
        }
        guard !data.isEmpty else { throw Problem(file: path, kind: .empty) }
        guard let text = String(data: data, encoding: .utf8) else { throw Problem(file: path, kind: .notUTF8) }
        return CharText(text: text)
    }

    /// Throws unless the text holds at least one window of `length` plus its next character.
    public func check(length: Int, file: String) throws {
        guard ids.count >= length + 1 else { throw Problem(file: file, kind: .tooShort(characters: ids.count, needed: length + 1)) }
    }

    /// Non-overlapping windows: inputs [B, length] and the next character of
    /// every step, in the order of the logits rows (sequence, then step).
    public func batches(length: Int, batchSize: Int, seed: UInt64, epoch: Int) -> [LabeledBatch] {
        let windows = (ids.count - 1) / length
        var starts = (0..<windows).map { $0 * length }
        var generator = SeededGenerator(seed: seed &+ UInt64(epoch))
        starts.shuffle(using: &generator)
        var batches: [LabeledBatch] = []
        var i = 0
        while i < starts.count {
            let chosen = starts[i..<min(starts.count, i + batchSize)]
            var x = Tensor(zeros: [chosen.count, length])
            var labels: [Int] = []
            labels.reserveCapacity(chosen.count * length)
            for (b, s) in chosen.enumerated() {
                for t in 0..<length { x.data[b * length + t] = Float(ids[s + t]); labels.append(ids[s + t + 1]) }
            }
            batches.append(LabeledBatch(images: x, labels: labels))
            i += batchSize
        }
        return batches
    }
}

/// Logits [N, V, T] as rows [N·T, V] (sequence, then step), and back.
public enum StepLogits {
    public static func rows(_ z: Tensor) -> Tensor {
        let n = z.shape[0], v = z.shape[1], t = z.shape[2]
        var r = Tensor(zeros: [n * t, v])
        for b in 0..<n { for c in 0..<v { for s in 0..<t { r.data[(b * t + s) * v + c] = z.data[(b * v + c) * t + s] } } }
        return r
    }
    public static func sequences(_ r: Tensor, steps t: Int) -> Tensor {
        let v = r.shape[1], n = r.shape[0] / t
        var z = Tensor(zeros: [n, v, t])
        for b in 0..<n { for c in 0..<v { for s in 0..<t { z.data[(b * v + c) * t + s] = r.data[(b * t + s) * v + c] } } }
        return z
    }
}

/// Scales the gradients so that their joint L2 norm is at most `maxNorm`
/// (PyTorch's clip_grad_norm_); returns the norm before clipping.
@discardableResult
public func clipGradients(_ parameters: [Parameter], maxNorm: Float) -> Float {
    var sum = 0.0
    for p in parameters { for g in p.grad.data { sum += Double(g) * Double(g) } }
    let norm = Float(sum.squareRoot())
    if norm > maxNorm, norm.isFinite {
        let scale = maxNorm / (norm + 1e-6)
        for p in parameters { for i in 0..<p.grad.count { p.grad.data[i] *= scale } }
    }
    return norm
}

/// Trains a network whose output is one set of logits per step, [N, V, T].
public final class LanguageModelTrainer {
    public let network: Network
    public let optimizer: Optimizer
    /// Largest gradient norm (nil: no clipping).
    public var clip: Float?

    public init(network: Network, optimizer: Optimizer, clip: Float?) {
        self.network = network; self.optimizer = optimizer; self.clip = clip
        network.skipUnneededInputGradients()
    }

    /// One step; the mean loss per character in nats.
    public func step(_ batch: LabeledBatch) throws -> Float {
        let z = try network.forward(batch.images, mode: .training)
        let steps = z.shape[2]
        let (loss, gradient) = Loss.crossEntropy(logits: StepLogits.rows(z), labels: batch.labels)
        network.zeroGradients()
        network.backward(StepLogits.sequences(gradient, steps: steps))
        if let clip { clipGradients(network.trainableParameters, maxNorm: clip) }
        optimizer.step(network.trainableParameters)
        return loss
    }

    /// Writes `length` characters after `prime`: each one drawn from
    /// softmax(logits / temperature) of the last step, the model reading the
    /// last `window` characters (left-padded with the prime's first character).
    /// `stop` is asked before each character: true ends the text there (Ctrl-C).
    public static func sample(network: Network, vocabulary: [Character], window: Int, prime: [Int], length: Int,
                              temperature: Float, seed: UInt64, stop: () -> Bool = { false }) throws -> String {
        var generator = SeededGenerator(seed: seed)
        var context = prime.isEmpty ? [Int(generator.next() % UInt64(vocabulary.count))] : prime
        var out = ""
        for _ in 0..<length where !stop() {
            let recent = context.suffix(window)
            let padded = Array(repeating: recent.first!, count: window - recent.count) + recent
            let x = Tensor(shape: [1, window], data: padded.map(Float.init))
            let z = try network.forward(x, mode: .evaluation)
            let v = z.shape[1], t = z.shape[2]
            var logits = (0..<v).map { Double(z.data[$0 * t + (t - 1)]) / Double(temperature) }
            let m = logits.max() ?? 0
            logits = logits.map { Foundation.exp($0 - m) }
            let total = logits.reduce(0, +)
            var u = Double(generator.uniform(0, 1)) * total
            var pick = v - 1
            for (i, p) in logits.enumerated() { u -= p; if u <= 0 { pick = i; break } }
            context.append(pick)
            out.append(vocabulary[pick])
        }
        return out
    }
}
