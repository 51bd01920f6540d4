import ArgumentParser
import CapasCheckpoint
import CapasCore
import CapasMessages
import CapasModel
import CapasTraining
import Foundation

// Character-level language models: `capas train char-lstm --data FILE.txt`
// and `capas sample CKPT`.

/// An option of image training given to text training.
struct NotForText: LocalizedMessage {
    let option: String
    func message(in L: Language) -> String {
        L.pick(es: "\(option) es para imágenes: no se puede usar al entrenar con un texto",
               en: "\(option) is for images: it cannot be used when training on a text")
    }
}

extension Train {
    func trainText() throws {
        try guarded {
            let L = Messages.language
            let unsupported = [("--init", initialWeights != nil), ("--head", head != nil), ("--freeze", freeze != nil),
                               ("--classes", classes != nil), ("--per-class", perClass != nil), ("--limit", limit != nil),
                               ("--augment", augment)].filter(\.1).map(\.0)
            if let first = unsupported.first { throw NotForText(option: first) }
            let text = try CharText.load(data)
            let analysis: ModelAnalysis
            if model.lowercased() == "char-lstm" {
                analysis = try ModelAnalysis(text: Presets.charLSTM(vocabulary: text.vocabulary.count, length: seq))
            } else {
                analysis = try ModelSource(model).analyze()
            }
            try CharModel.check(analysis, vocabulary: text.vocabulary.count)
            let length = analysis.input.channels
            try text.check(length: length, file: data)
            let network = try analysis.makeNetwork(seed: seed)
            let trainer = LanguageModelTrainer(
                network: network,
                optimizer: Optimizer(OptimizerKind(rawValue: optimizer)!, learningRate: lr, weightDecay: weightDecay),
                clip: clip)
            print(L.pick(es: "Entrenando \(model) en \(data): \(grouped(text.ids.count, language: L)) caracteres, \(text.vocabulary.count) distintos, secuencias de \(length)",
                         en: "Training \(model) on \(data): \(grouped(text.ids.count, language: L)) characters, \(text.vocabulary.count) distinct, sequences of \(length)"))
            var history: [EpochRecord] = []
            for epoch in 1...epochs {
                let record: EpochRecord
                do {
                    record = try trainer.epoch(text, length: length, batchSize: batch, seed: seed, epoch: epoch)
                } catch let error as TrainingError { fail(error) }
                history.append(record)
                print(L.pick(es: "época \(epoch)/\(epochs): \(String(format: "%.3f", record.bitsPerCharacter)) bits por carácter, \(String(format: "%.1f", record.seconds)) s",
                             en: "epoch \(epoch)/\(epochs): \(String(format: "%.3f", record.bitsPerCharacter)) bits per character, \(String(format: "%.1f", record.seconds)) s"))
                fflush(stdout)
            }
            if let out {
                let url = URL(fileURLWithPath: out, isDirectory: true)
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
                let vocabulary = String(data: try JSONEncoder().encode(text.vocabulary.map(String.init)), encoding: .utf8)!
                let metadata = ["format": "pt", "capas_model": analysis.model.text, "capas_dataset": data,
                                "capas_vocabulary": vocabulary, "capas_epochs": String(epochs), "capas_seed": String(seed)]
                try Safetensors.write(CheckpointIO.checkpoint(of: network, metadata: metadata),
                                      to: url.appendingPathComponent("model.safetensors"))
                try analysis.model.text.write(to: url.appendingPathComponent("model.capas"), atomically: true, encoding: .utf8)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(history).write(to: url.appendingPathComponent("history.json"), options: .atomic)
                print(L.pick(es: "Guardado en \(out)/model.safetensors", en: "Saved to \(out)/model.safetensors"))
            }
        }
    }
}

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write text with a character-level language model trained by `capas train char-lstm --data FILE.txt --out DIR`.")

    @Argument(help: "The checkpoint: a folder with model.safetensors, or the file.")
    var checkpoint: String

    @Option(help: "Characters to write.")
    var length: Int = 300

    @Option(help: "Softmax temperature: low is safe and repetitive, high is varied and wild.")
    var temperature: Float = 0.8

    @Option(help: "Seed for the random choices.")
    var seed: UInt64 = 0

    @Option(help: "Text to start from (only characters of the training text).")
    var prime: String = ""

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (1...100_000).contains(length) else { throw ValidationError("--length must be between 1 and 100000") }
        guard temperature > 0, temperature.isFinite, temperature <= 100 else {
            throw ValidationError("--temperature must be a positive number up to 100")
        }
        guard prime.count <= 10_000 else { throw ValidationError("--prime must have at most 10000 characters") }
    }

    struct NotACharModel: LocalizedMessage {
        let file: String
        func message(in L: Language) -> String {
            L.pick(es: "\(file) no es un modelo de lenguaje por caracteres de capas (le falta el vocabulario): entrénalo con capas train char-lstm --data TEXTO.txt --out CARPETA",
                   en: "\(file) is not a capas character-level language model (it has no vocabulary): train one with capas train char-lstm --data TEXT.txt --out FOLDER")
        }
    }

    func run() throws {
        try global.apply()
        try guarded {
            let url = Train.checkpointURL(checkpoint)
            let file = try Safetensors.read(from: url)
            guard let text = file.metadata["capas_model"], let vocabularyJSON = file.metadata["capas_vocabulary"],
                  let strings = try? JSONDecoder().decode([String].self, from: Data(vocabularyJSON.utf8)),
                  !strings.isEmpty, strings.allSatisfy({ $0.count == 1 }) else {
                throw NotACharModel(file: checkpoint)
            }
            let vocabulary = strings.map { Character($0) }
            let analysis = try ModelAnalysis(text: text)
            guard analysis.input.isVector, analysis.output.isSequence, analysis.output.channels == vocabulary.count else {
                throw NotACharModel(file: checkpoint)
            }
            let network = try analysis.makeNetwork(seed: 0)
            try CheckpointIO.load(file, into: network)
            let primeIDs = try CharModel.ids(of: prime, vocabulary: vocabulary, option: "--prime")
            let written = try LanguageModelTrainer.sample(network: network, vocabulary: vocabulary, window: analysis.input.channels,
                                                          prime: primeIDs, length: length, temperature: temperature, seed: seed)
            print(prime + written)
        }
    }
}
