import CapasCore
import CapasMessages
import CapasModel
import Foundation

// What `capas train … --data FILE.txt`, `capas sample` and the REPL's
// `:train data=FILE.txt` / `:sample` share: the check that a model can model
// a text, an epoch over the text's windows, and the characters of a start
// text as ids.

/// The model is not a language model for this text.
public struct NotALanguageModel: LocalizedMessage {
    public let reason: String
    public init(reason: String) { self.reason = reason }
    public func message(in L: Language) -> String {
        L.pick(es: "el modelo no sirve para modelar texto: debe leer un vector de identificadores de carácter y dar una secuencia de \(reason) canales (uno por carácter)",
               en: "the model cannot model this text: it must read a vector of character ids and give a sequence of \(reason) channels (one per character)")
    }
}

/// A character of a start text that the training text does not have.
public struct UnknownCharacter: LocalizedMessage {
    /// Where the start text was given: `--prime`, `start=`.
    public let option: String
    public let character: Character
    public init(option: String, character: Character) { self.option = option; self.character = character }
    public func message(in L: Language) -> String {
        L.pick(es: "\(option): el carácter «\(character)» no aparece en el texto de entrenamiento",
               en: "\(option): the character “\(character)” does not appear in the training text")
    }
}

public enum CharModel {
    /// Whether `analysis` reads a vector of character ids and gives logits at every step ([V, T], T the input length).
    public static func reads(_ analysis: ModelAnalysis) -> Bool {
        analysis.input.isVector && analysis.output.isSequence && analysis.output.width == analysis.input.channels
    }

    /// Throws unless `analysis` models a text of `vocabulary` characters.
    public static func check(_ analysis: ModelAnalysis, vocabulary: Int) throws {
        guard reads(analysis), analysis.output.channels == vocabulary else {
            throw NotALanguageModel(reason: String(vocabulary))
        }
    }

    /// The ids of `text`'s characters in `vocabulary`.
    public static func ids(of text: String, vocabulary: [Character], option: String) throws -> [Int] {
        var index: [Character: Int] = [:]
        for (i, c) in vocabulary.enumerated() { index[c] = i }
        return try text.map { c -> Int in
            guard let id = index[c] else { throw UnknownCharacter(option: option, character: c) }
            return id
        }
    }
}

extension LanguageModelTrainer {
    /// One pass over the windows of `text` (epoch `epoch`, numbered from 1,
    /// shuffles them): `observe` gets every step's loss per character (nats);
    /// `stop` is asked after each step (then `TrainingError.interrupted`).
    /// A loss that is not finite ends it with `TrainingError.diverged`.
    public func epoch(_ text: CharText, length: Int, batchSize: Int, seed: UInt64, epoch: Int,
                      stop: () -> Bool = { false }, observe: (Float) -> Void = { _ in }) throws -> EpochRecord {
        let start = Date()
        var sum = 0.0, count = 0, steps = 0
        for b in text.batches(length: length, batchSize: batchSize, seed: seed, epoch: epoch) {
            let loss = try step(b)
            steps += 1
            guard loss.isFinite else {
                throw TrainingError(problem: .diverged(epoch: epoch, batch: steps, learningRate: optimizer.learningRate))
            }
            sum += Double(loss) * Double(b.labels.count); count += b.labels.count
            observe(loss)
            if stop() { throw TrainingError(problem: .interrupted) }
        }
        let seconds = Date().timeIntervalSince(start)
        return EpochRecord(epoch: epoch, trainLoss: sum / Double(max(count, 1)), trainAccuracy: 0, testAccuracy: nil,
                           seconds: seconds, imagesPerSecond: Double(count) / max(seconds, 1e-9))
    }
}

extension EpochRecord {
    /// The loss per character in bits (the text loss is in nats).
    public var bitsPerCharacter: Double { trainLoss / log(2.0) }
}
