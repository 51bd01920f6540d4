import CapasCore
import CapasData
import CapasMessages
import CapasModel
import CapasTraining
import Foundation

// :train — the current model trained on a dataset, with the same trainer,
// loader and progress bar as `capas train`:
//
//   :train [epochs=1] [batch=64] [optimizer=adam] [lr=…] [seed=0] [data=fashion-mnist|cifar10|FOLDER]
//          [limit=N] [augment=yes] [weight-decay=0]
//
// The weights stay with the named model while its text does not change (a
// second :train continues from them); :compare shows their test accuracy,
// :filters their convolution filters, :plot the curves. Ctrl-C stops after the
// current step and keeps what was trained.

/// The training a model has had: its network, its curves, where it was trained.
final class TrainingRun {
    let model: String
    /// The model text the weights belong to: a change of the model leaves them behind.
    let text: String
    let analysis: ModelAnalysis
    var network: Network
    let dataset: String
    let trainImages: Int, testImages: Int
    /// Loss and accuracy of every training step (each mini-batch's own).
    var stepLoss: [Double] = []
    var stepAccuracy: [Double] = []
    /// Every finished epoch, numbered across successive :train commands.
    var epochs: [EpochRecord] = []
    /// The number of steps at the end of each finished epoch.
    var epochEndSteps: [Int] = []
    var steps: Int { stepLoss.count }
    /// For a model trained on a text (:train data=FILE.txt): its characters, a character's id its index.
    var vocabulary: [Character]?

    init(model: String, text: String, analysis: ModelAnalysis, network: Network, dataset: String, trainImages: Int,
         testImages: Int) {
        self.model = model; self.text = text; self.analysis = analysis; self.network = network
        self.dataset = dataset; self.trainImages = trainImages; self.testImages = testImages
    }

    /// Test accuracy after the last finished epoch.
    var testAccuracy: Double? { epochs.last?.testAccuracy }
}

/// The settings of one :train.
struct TrainSettings: Equatable {
    var epochs = 1
    var batch = 64
    var optimizer = OptimizerKind.adam
    var learningRate: Float?
    var seed: UInt64 = 0
    var data: String?
    var limit: Int?
    var augment = false
    var weightDecay: Float = 0
    /// Largest gradient norm (text training only).
    var clip: Float?

    static let keys = ["epochs", "batch", "optimizer", "lr", "seed", "data", "limit", "augment", "weight-decay", "clip"]
    /// Spanish spellings of the keys.
    static let spanish = ["épocas": "epochs", "epocas": "epochs", "lote": "batch", "optimizador": "optimizer",
                          "semilla": "seed", "datos": "data", "límite": "limit", "limite": "limit", "aumento": "augment",
                          "decaimiento": "weight-decay", "recorte": "clip"]

    init() {}

    init(parsing argument: String) throws {
        for word in argument.split(whereSeparator: { $0 == " " || $0 == "," }) {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            let given = parts[0].lowercased()
            let key = TrainSettings.spanish[given] ?? given
            guard parts.count == 2, TrainSettings.keys.contains(key), !parts[1].isEmpty else {
                throw CommandError(es: "`\(word)` no es una opción de :train; opciones: épocas= (epochs=), lote= (batch=), optimizador= (optimizer=), lr=, semilla= (seed=), datos= (data=), límite= (limit=), aumento= (augment=), decaimiento= (weight-decay=), recorte= (clip=)",
                                   en: "`\(word)` is not a :train option; options: epochs=, batch=, optimizer=, lr=, seed=, data=, limit=, augment=, weight-decay=, clip=")
            }
            let value = parts[1]
            func integer(_ range: ClosedRange<Int>) throws -> Int {
                guard let n = Int(value), range.contains(n) else {
                    throw CommandError(es: "\(given) debe ser un entero entre \(range.lowerBound) y \(range.upperBound), no \(value)",
                                       en: "\(given) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(value)")
                }
                return n
            }
            func number() throws -> Float {
                guard let x = Float(value), x.isFinite, x >= 0 else {
                    throw CommandError(es: "\(given) debe ser un número ≥ 0, no \(value)", en: "\(given) must be a number ≥ 0, not \(value)")
                }
                return x
            }
            switch key {
            case "epochs": epochs = try integer(1...1000)
            case "batch": batch = try integer(1...65536)
            case "optimizer":
                guard let kind = OptimizerKind(rawValue: value.lowercased()) else {
                    throw CommandError(es: "el optimizador es sgd, momentum, adam o adadelta, no \(value)",
                                       en: "the optimizer is sgd, momentum, adam or adadelta, not \(value)")
                }
                optimizer = kind
            case "lr":
                let x = try number()
                guard x > 0 else { throw CommandError(es: "lr debe ser positivo", en: "lr must be positive") }
                learningRate = x
            case "seed": seed = UInt64(try integer(0...Int.max))
            case "data": data = value
            case "limit": limit = try integer(1...Int.max)
            case "augment":
                switch value.lowercased() {
                case "yes", "sí", "si", "true", "1": augment = true
                case "no", "false", "0": augment = false
                default: throw CommandError(es: "\(given) es sí o no", en: "\(given) is yes or no")
                }
            case "clip":
                let x = try number()
                guard x > 0 else { throw CommandError(es: "\(given) debe ser positivo", en: "\(given) must be positive") }
                clip = x
            default: weightDecay = try number()
            }
        }
    }
}

extension Interpreter {
    /// The training of model `name`, if its text is still the one that was trained.
    func run(of name: String) -> TrainingRun? {
        guard let run = runs[name], let model = models[name], run.text == model.text else { return nil }
        return run
    }

    /// Makes a dataset available to :train by its name (tests use small made-up ones).
    func register(_ sets: DataSets) { registeredData[sets.name] = sets }

    func trainingData(_ settings: TrainSettings, for analysis: ModelAnalysis) throws -> DataSets {
        var name = settings.data
        if name == nil {
            switch analysis.input {
            case .image(height: 28, width: 28, channels: 1): name = DatasetName.fashionMNIST.rawValue
            case .image(height: 32, width: 32, channels: 3): name = DatasetName.cifar10.rawValue
            default:
                throw CommandError(es: "¿con qué datos? El modelo recibe \(analysis.input); FashionMNIST es 28x28x1 y CIFAR-10 32x32x3. Indica data=CARPETA o cambia la línea `input`",
                                   en: "which data? The model takes \(analysis.input); FashionMNIST is 28x28x1 and CIFAR-10 32x32x3. Give data=FOLDER or change the `input` line")
            }
        }
        var sets: DataSets
        if let registered = registeredData[name!] {
            sets = registered
        } else if let dataset = DatasetName(word: name!) {
            sets = DataSets(name: dataset.rawValue, train: try datasets.dataset(dataset, .train), test: try datasets.dataset(dataset, .test))
        } else {
            sets = try DataSets.load(name!, environment: environment)
        }
        if let limit = settings.limit, limit < sets.train.count {
            sets = DataSets(name: sets.name, train: sets.train.subset(Array(0..<limit)), test: sets.test)
        }
        try sets.check(against: analysis)
        return sets
    }

    func train(_ argument: String) throws -> String {
        let settings = try TrainSettings(parsing: argument)
        let analysis = try requireAnalysis()
        // A model that reads character ids learns a text; `.txt` names one too.
        if CharModel.reads(analysis) || settings.data?.lowercased().hasSuffix(".txt") == true {
            return try trainText(settings, analysis: analysis)
        }
        if settings.clip != nil {
            throw CommandError(es: "recorte= (clip=) es para entrenar con un texto (:train datos=ARCHIVO.txt)",
                               en: "clip= is for training on a text (:train data=FILE.txt)")
        }
        let sets = try trainingData(settings, for: analysis)
        var options = TrainingOptions()
        options.epochs = settings.epochs
        options.batchSize = settings.batch
        options.optimizer = settings.optimizer
        options.learningRate = settings.learningRate
        options.weightDecay = settings.weightDecay
        options.seed = settings.seed

        // Continue from the weights this model already has (trained on the same data), or start afresh.
        let previous = run(of: current).flatMap { $0.dataset == sets.name ? $0 : nil }
        let trainer = try Trainer(analysis: analysis, options: options, network: previous?.network)
        let run = previous ?? TrainingRun(model: current, text: model.text, analysis: analysis, network: trainer.network,
                                          dataset: sets.name, trainImages: sets.train.count, testImages: sets.test.count)
        runs[current] = run
        lastRun = run
        let offset = run.epochs.count
        let trainLoader = sets.loader(.train, batchSize: settings.batch, seed: settings.seed, augment: settings.augment)
        let testLoader = sets.loader(.test, batchSize: 256, seed: settings.seed, augment: false)

        var lines: [String] = []
        if previous != nil {
            lines.append(L.pick(es: "se sigue entrenando desde los pesos que ya tenía `\(current)` (el optimizador empieza de nuevo)",
                                en: "training continues from the weights `\(current)` already has (the optimizer starts afresh)"))
        }
        let live = progress
        var reporter = ProgressReporter(language: L, totalEpochs: offset + settings.epochs, terminal: live != nil && progressIsTerminal,
                                        bar: { [columns] in live?(TerminalFit.fitBar($0, width: columns)) },
                                        line: { line in if let live { live(line + "\n") } else { lines.append(line) } })
        var steps = 0, position = (epoch: offset + 1, batch: 0, of: trainLoader.batchCount)
        var stopped = false
        let shouldStop = interruptRequested
        do {
            try trainer.train(trainBatches: { trainLoader.batches(epoch: $0 + offset) },
                              batchesPerEpoch: trainLoader.batchCount,
                              evaluate: {
                                  try Evaluation.run({ try trainer.logits($0, mode: .evaluation) }, classes: sets.classCount,
                                                     batches: testLoader.batches(epoch: 0)).accuracy
                              },
                              observe: { event in
                                  switch event {
                                  case let .batch(epoch, index, of, loss, accuracy, batchLoss, batchAccuracy):
                                      run.stepLoss.append(batchLoss)
                                      run.stepAccuracy.append(batchAccuracy)
                                      steps += 1
                                      position = (epoch + offset, index, of)
                                      if shouldStop() { trainer.stopRequested = true }
                                      reporter.handle(.batch(epoch: epoch + offset, batch: index, of: of, loss: loss, accuracy: accuracy,
                                                             batchLoss: batchLoss, batchAccuracy: batchAccuracy))
                                  case var .epoch(record):
                                      record.epoch += offset
                                      run.epochs.append(record)
                                      run.epochEndSteps.append(run.steps)
                                      reporter.handle(.epoch(record))
                                  }
                              })
        } catch let error as TrainingError {
            if live != nil && progressIsTerminal { live?("\r\u{1B}[K") }
            guard case .interrupted = error.problem else { throw error }
            stopped = true
        }
        if stopped {
            lines.append(L.pick(
                es: "entrenamiento interrumpido tras \(steps) pasos (época \(position.epoch), lote \(position.batch) de \(position.of)); se conservan los pesos entrenados hasta aquí",
                en: "training interrupted after \(steps) steps (epoch \(position.epoch), batch \(position.batch) of \(position.of)); the weights trained so far are kept"))
        }
        let images = grouped(sets.train.count, language: L), tests = grouped(sets.test.count, language: L)
        let epochs = run.epochs.count == 1 ? L.pick(es: "1 época completa", en: "1 complete epoch")
            : "\(run.epochs.count) " + L.pick(es: "épocas completas", en: "complete epochs")
        let stepsText = run.steps == 1 ? L.pick(es: "1 paso", en: "1 step")
            : "\(grouped(run.steps, language: L)) " + L.pick(es: "pasos", en: "steps")
        var summary = L.pick(es: "`\(current)` entrenado en \(sets.name) (\(images) imágenes): \(epochs), \(stepsText)",
                             en: "`\(current)` trained on \(sets.name) (\(images) images): \(epochs), \(stepsText)")
        if let accuracy = run.testAccuracy {
            summary += L.pick(es: "; exactitud en prueba \(L.decimal(String(format: "%.4f", accuracy))) (\(tests) imágenes)",
                              en: "; test accuracy \(String(format: "%.4f", accuracy)) (\(tests) images)")
        }
        lines.append(summary)
        if run.steps > 0 { lines.append(curves(run)) }
        lines.append(L.pick(es: ":plot curva.svg o curva.png guarda las curvas; :filters N muestra los filtros de la capa conv [N]; :compare, la exactitud",
                            en: ":plot curve.svg or curve.png saves the curves; :filters N shows the filters of conv layer [N]; :compare, the accuracy"))
        return lines.joined(separator: "\n")
    }

    /// Loss and accuracy per step as braille charts, the test accuracy of each epoch marked ●.
    func curves(_ run: TrainingRun) -> String {
        if case let .pixels(sink) = pictureStyle {
            let epochs = run.epochs.count == 1 ? L.pick(es: "1 época", en: "1 epoch")
                : "\(run.epochs.count) " + L.pick(es: "épocas", en: "epochs")
            let steps = run.steps == 1 ? L.pick(es: "1 paso", en: "1 step")
                : "\(grouped(run.steps, language: L)) " + L.pick(es: "pasos", en: "steps")
            sink.keep(Figure.training(run, language: L), description: L.pick(
                es: "curvas de entrenamiento de `\(run.model)` en \(run.dataset) (\(steps), \(epochs)): pérdida y exactitud por paso, exactitud de prueba por época",
                en: "training curves of `\(run.model)` on \(run.dataset) (\(steps), \(epochs)): loss and accuracy per step, test accuracy per epoch"))
            return ""
        }
        let width = max(20, min(60, columns - 12)), step = L.pick(es: "paso", en: "step")
        let last = String(run.steps)
        let loss = Chart(lines: [run.stepLoss], title: L.pick(es: "pérdida de entrenamiento (entropía cruzada) por paso",
                                                              en: "training loss (cross-entropy) per step"),
                         xLabel: step, xFirst: "1", xLast: last, language: L)
        var accuracy = Chart(lines: [run.stepAccuracy],
                             title: L.pick(es: "exactitud: ⠿ lotes de entrenamiento, ● prueba al final de cada época",
                                           en: "accuracy: ⠿ training batches, ● test set after each epoch"),
                             xLabel: step, xFirst: "1", xLast: last, language: L)
        for (record, end) in zip(run.epochs, run.epochEndSteps) {
            if let test = record.testAccuracy {
                accuracy.marks.append((x: run.steps > 1 ? Double(end - 1) / Double(run.steps - 1) : 0, y: test))
            }
        }
        return loss.render(width: width, height: 8) + "\n" + accuracy.render(width: width, height: 6)
    }
}
