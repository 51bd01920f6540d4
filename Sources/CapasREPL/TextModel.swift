import CapasCore
import CapasMessages
import CapasModel
import CapasTraining
import Foundation

// Character-level language models in the REPL, with the same code as
// `capas train char-lstm --data FILE.txt` and `capas sample`:
//
//   :preset char-lstm
//   :train data=fortunes.txt epochs=1 [batch=64] [lr=…] [clip=5] [seed=0]
//   :sample 300 [temperature=0.8] [start="En un lugar"] [seed=0]
//
// The char-lstm preset takes the file's number of characters; another model
// must already have it (`embedding V …` and a last layer of V channels).

extension Interpreter {
    /// The most characters one :sample writes.
    static let maximumSample = 10_000

    func trainText(_ settings: TrainSettings, analysis given: ModelAnalysis) throws -> String {
        guard let file = settings.data else {
            throw CommandError(es: "¿con qué texto? El modelo lee identificadores de carácter: indica datos=ARCHIVO.txt (cualquier texto UTF-8)",
                               en: "which text? The model reads character ids: give data=FILE.txt (any UTF-8 text)")
        }
        for (es, en, used) in [("límite=", "limit=", settings.limit != nil), ("aumento=", "augment=", settings.augment)] where used {
            throw CommandError(es: "\(es) es para imágenes: no se usa al entrenar con un texto",
                               en: "\(en) is for images: it cannot be used when training on a text")
        }
        let path = (file as NSString).expandingTildeInPath
        let text = try CharText.load(path)
        let vocabulary = text.vocabulary.count
        var analysis = given
        var lines: [String] = []
        guard CharModel.reads(analysis) else {
            throw CommandError(es: "el modelo `\(current)` recibe \(analysis.input) y da \(analysis.output): para aprender un texto debe leer identificadores de carácter (input N) y dar una secuencia con un canal por carácter, como :preset char-lstm",
                               en: "model `\(current)` takes \(analysis.input) and gives \(analysis.output): to learn a text it must read character ids (input N) and give a sequence with one channel per character, like :preset char-lstm")
        }
        let length = analysis.input.channels
        if analysis.output.channels != vocabulary {
            // The char-lstm preset follows the file's vocabulary, as `capas train char-lstm` does.
            let preset = { (v: Int) in try? ModelText(parsing: Presets.charLSTM(vocabulary: v, length: length)).text }
            guard let canonical = try? ModelText(parsing: model.text).text, canonical == preset(analysis.output.channels) else {
                throw CommandError(es: "\(file) tiene \(vocabulary) caracteres distintos y el modelo da \(analysis.output.channels) por paso: pon \(vocabulary) en `embedding` y en la última capa (o usa :preset char-lstm, que se ajusta solo)",
                                   en: "\(file) has \(vocabulary) distinct characters and the model gives \(analysis.output.channels) per step: put \(vocabulary) in `embedding` and in the last layer (or use :preset char-lstm, which adapts itself)")
            }
            _ = try load(modelText: Presets.charLSTM(vocabulary: vocabulary, length: length))
            analysis = try requireAnalysis()
            lines.append(L.pick(es: "char-lstm con los \(vocabulary) caracteres de \(file): embedding \(vocabulary) 32 y conv1d \(vocabulary) 1 (:model muestra el texto)",
                                en: "char-lstm with the \(vocabulary) characters of \(file): embedding \(vocabulary) 32 and conv1d \(vocabulary) 1 (:model shows the text)"))
        }
        try CharModel.check(analysis, vocabulary: vocabulary)
        try text.check(length: length, file: file)

        // Continue from the weights this model already has for the same characters (or from :init or
        // :freeze, which give no vocabulary), or start afresh.
        let previous = run(of: current).flatMap { $0.vocabulary == nil || $0.vocabulary == text.vocabulary ? $0 : nil }
        let network = try previous?.network ?? analysis.makeNetwork(seed: settings.seed)
        let run = previous.flatMap { $0.vocabulary == nil ? nil : $0 }
            ?? TrainingRun(model: current, text: model.text, analysis: analysis, network: network, dataset: file,
                           trainImages: text.ids.count, testImages: 0)
        run.vocabulary = text.vocabulary
        runs[current] = run
        lastRun = run
        if previous != nil {
            lines.append(L.pick(es: "se sigue entrenando desde los pesos que ya tenía `\(current)` (el optimizador empieza de nuevo)",
                                en: "training continues from the weights `\(current)` already has (the optimizer starts afresh)"))
        }
        let trainer = LanguageModelTrainer(
            network: network,
            optimizer: Optimizer(settings.optimizer, learningRate: settings.learningRate, weightDecay: settings.weightDecay),
            clip: settings.clip)
        let live = progress
        func say(_ line: String) { if let live { live(line + "\n") } else { lines.append(line) } }
        say(L.pick(es: "\(grouped(text.ids.count, language: L)) caracteres, \(vocabulary) distintos, secuencias de \(length)",
                   en: "\(grouped(text.ids.count, language: L)) characters, \(vocabulary) distinct, sequences of \(length)"))
        let offset = run.epochs.count, total = offset + settings.epochs
        let shouldStop = interruptRequested
        var stopped = false
        for epoch in (offset + 1)...total {
            do {
                var record = try trainer.epoch(text, length: length, batchSize: settings.batch, seed: settings.seed, epoch: epoch,
                                               stop: shouldStop, observe: { run.stepLoss.append(Double($0)) })
                record.epoch = epoch
                run.epochs.append(record)
                run.epochEndSteps.append(run.steps)
                say(L.pick(es: "época \(epoch)/\(total): \(L.decimal(String(format: "%.3f", record.bitsPerCharacter))) bits por carácter, \(L.decimal(String(format: "%.1f", record.seconds))) s",
                           en: "epoch \(epoch)/\(total): \(String(format: "%.3f", record.bitsPerCharacter)) bits per character, \(String(format: "%.1f", record.seconds)) s"))
            } catch let error as TrainingError {
                guard case .interrupted = error.problem else { throw error }
                stopped = true
                break
            }
        }
        let epochs = run.epochs.count == 1 ? L.pick(es: "1 época completa", en: "1 complete epoch")
            : "\(run.epochs.count) " + L.pick(es: "épocas completas", en: "complete epochs")
        let steps = run.steps == 1 ? L.pick(es: "1 paso", en: "1 step")
            : "\(grouped(run.steps, language: L)) " + L.pick(es: "pasos", en: "steps")
        if stopped {
            lines.append(L.pick(es: "entrenamiento interrumpido tras \(steps); se conservan los pesos entrenados hasta aquí",
                                en: "training interrupted after \(steps); the weights trained so far are kept"))
        }
        lines.append(L.pick(es: "`\(current)` entrenado en \(file): \(epochs), \(steps); :sample 300 escribe texto",
                            en: "`\(current)` trained on \(file): \(epochs), \(steps); :sample 300 writes text"))
        return lines.joined(separator: "\n")
    }

    /// :sample N [temperature=T] [start="…"] [seed=S]
    func sample(_ argument: String) throws -> String {
        let usage = CommandError(es: "uso: :sample N [temperatura=0.8] [inicio=\"texto\"] [semilla=0], N de 1 a \(Interpreter.maximumSample)",
                                 en: "usage: :sample N [temperature=0.8] [start=\"text\"] [seed=0], N from 1 to \(Interpreter.maximumSample)")
        let words = try Interpreter.sampleWords(argument)
        guard let first = words.first else { throw usage }
        guard let count = Int(first), (1...Interpreter.maximumSample).contains(count) else {
            throw CommandError(es: "N es el número de caracteres que escribir, un entero de 1 a \(Interpreter.maximumSample), no \(first)",
                               en: "N is the number of characters to write, a whole number from 1 to \(Interpreter.maximumSample), not \(first)")
        }
        var temperature: Float = 0.8, start = "", seed = UInt64(samples)
        for word in words.dropFirst() {
            let parts = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { throw usage }
            switch parts[0].lowercased() {
            case "temperature", "temperatura", "t":
                guard let t = Float(parts[1]), t.isFinite, t > 0, t <= 100 else {
                    throw CommandError(es: "la temperatura es un número mayor que 0 (hasta 100), no \(parts[1]): baja es prudente y repetitiva, alta es variada y loca",
                                       en: "the temperature is a number above 0 (up to 100), not \(parts[1]): low is safe and repetitive, high is varied and wild")
                }
                temperature = t
            case "start", "inicio":
                guard parts[1].count <= 10_000 else {
                    throw CommandError(es: "inicio= tiene como mucho 10000 caracteres", en: "start= has at most 10000 characters")
                }
                start = parts[1]
            case "seed", "semilla":
                guard let s = UInt64(parts[1]) else {
                    throw CommandError(es: "la semilla es un entero ≥ 0, no \(parts[1])", en: "the seed is a whole number ≥ 0, not \(parts[1])")
                }
                seed = s
            default: throw usage
            }
        }
        let analysis = try requireAnalysis()
        guard CharModel.reads(analysis) else {
            throw CommandError(es: "el modelo `\(current)` recibe \(analysis.input), no una secuencia de identificadores de carácter: :sample escribe con un modelo de lenguaje, como :preset char-lstm entrenado con :train datos=ARCHIVO.txt",
                               en: "model `\(current)` takes \(analysis.input), not a sequence of character ids: :sample writes with a language model, like :preset char-lstm trained with :train data=FILE.txt")
        }
        guard let run = run(of: current), let vocabulary = run.vocabulary else {
            throw CommandError(es: "el modelo `\(current)` no está entrenado con un texto todavía: primero :train datos=ARCHIVO.txt",
                               en: "model `\(current)` has not been trained on a text yet: first :train data=FILE.txt")
        }
        let prime = try CharModel.ids(of: start, vocabulary: vocabulary, option: L.pick(es: "inicio=", en: "start="))
        samples += 1
        var stopped = false
        let shouldStop = interruptRequested
        let written = try LanguageModelTrainer.sample(network: run.network, vocabulary: vocabulary, window: analysis.input.channels,
                                                      prime: prime, length: count, temperature: temperature, seed: seed,
                                                      stop: { stopped = stopped || shouldStop(); return stopped })
        guard stopped else { return start + written }
        return start + written + "\n" + L.pick(es: "(interrumpido tras \(written.count) caracteres)",
                                                en: "(interrupted after \(written.count) characters)")
    }

    /// The words of a :sample line; a value in double quotes may hold spaces (`start="Había una vez"`).
    static func sampleWords(_ argument: String) throws -> [String] {
        var words: [String] = [], word = "", quoted = false, hadQuote = false
        for c in argument {
            if c == "\"" { quoted.toggle(); hadQuote = true; continue }
            if !quoted, c == " " || c == "\t" {
                if !word.isEmpty || hadQuote { words.append(word) }
                word = ""; hadQuote = false
                continue
            }
            word.append(c)
        }
        guard !quoted else {
            throw CommandError(es: "falta cerrar las comillas de \(argument)", en: "a closing quote is missing in \(argument)")
        }
        if !word.isEmpty || hadQuote { words.append(word) }
        return words
    }
}
