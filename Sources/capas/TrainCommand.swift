import ArgumentParser
import CapasCheckpoint
import CapasCore
import CapasData
import CapasMessages
import CapasModel
import CapasTraining
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on FashionMNIST or CIFAR-10, with cross-entropy.")

    @Argument(help: "A model file (model language) or a preset name.")
    var model: String

    @Option(help: "Dataset: fashion-mnist or cifar10, or a folder that holds one.")
    var data: String = "fashion-mnist"

    @Option(name: .customLong("data-dir"), help: "Where to look for the dataset first.")
    var dataDirectory: String?

    @Option(help: "Passes over the training set.")
    var epochs: Int = 5

    @Option(help: "Mini-batch size.")
    var batch: Int = 64

    @Option(help: "sgd, momentum, adam or adadelta.")
    var optimizer: String = "adam"

    @Option(help: "Learning rate (default: 0.01 sgd/momentum, 0.001 adam, 1.0 adadelta).")
    var lr: Float?

    @Option(name: .customLong("weight-decay"), help: "L2 penalty added to the gradients.")
    var weightDecay: Float = 0

    @Option(help: "Seed for weights, shuffling, dropout and augmentation.")
    var seed: UInt64 = 0

    @Flag(help: "Random horizontal flips and shifts of up to 2 pixels (the ConvNetJS CIFAR-10 demo).")
    var augment = false

    @Option(help: "Use only the first N training images (quick experiments).")
    var limit: Int?

    @Option(help: "Folder for the checkpoint (model.safetensors), the model text and the history.")
    var out: String?

    @Option(name: .customLong("init"), help: ArgumentHelp(
        "Start from the weights of a checkpoint (a .safetensors file, or a folder with model.safetensors): every layer whose name and shape match is loaded, the others start at random.",
        valueName: "checkpoint"))
    var initialWeights: String?

    @Option(help: ArgumentHelp("Replace the head: drop the last layer with weights (and what follows it) and add these layers, e.g. \"dense 5\".", valueName: "layers"))
    var head: String?

    @Option(help: "With --head: drop this many top-level lines from the end instead.")
    var drop: Int?

    @Option(help: ArgumentHelp("Freeze layers by number (the # column of `capas summary --numbered`), e.g. 0-5: they keep their weights and their batch norm its statistics.", valueName: "layers"))
    var freeze: String?

    @Option(help: ArgumentHelp("Train and test on these classes only, relabelled 0, 1, 2…, e.g. 0-4 or 5-9.", valueName: "classes"))
    var classes: String?

    @Option(name: .customLong("per-class"), help: "Use at most N training images of each class (the first ones in the file).")
    var perClass: Int?

    @Option(help: "With a text file (--data FILE.txt): characters per training sequence.")
    var seq: Int = 64

    @Option(help: "Clip the gradients to this L2 norm (PyTorch's clip_grad_norm_).")
    var clip: Float?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (1...4096).contains(seq) else { throw ValidationError("--seq must be between 1 and 4096") }
        if let clip { guard clip > 0, clip.isFinite else { throw ValidationError("--clip must be a positive number") } }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard OptimizerKind(rawValue: optimizer) != nil else {
            throw ValidationError("--optimizer must be sgd, momentum, adam or adadelta, not \(optimizer)")
        }
        if let lr { guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number") } }
        guard weightDecay >= 0, weightDecay.isFinite else { throw ValidationError("--weight-decay must be ≥ 0") }
        if let limit { guard limit >= 1 else { throw ValidationError("--limit must be at least 1") } }
        if let perClass { guard perClass >= 1 else { throw ValidationError("--per-class must be at least 1") } }
        if let drop { guard drop >= 0 else { throw ValidationError("--drop must be 0 or more") } }
        if drop != nil && head == nil { throw ValidationError("--drop goes with --head (the layers that replace the dropped ones)") }
    }

    func run() throws {
        try global.apply()
        if model.lowercased() == "char-lstm" || data.lowercased().hasSuffix(".txt") { return try trainText() }
        try guarded {
            let L = Messages.language
            let source = try ModelSource(model)
            var analysis = try source.analyze()
            if let head {
                do {
                    analysis = try ModelAnalysis(analysis.model.replacingHead(with: head, dropping: drop))
                } catch let error as ModelError {
                    throw InHead(head: head, error: error)
                }
            }
            var sets = try DataSets.load(data, directory: dataDirectory, limit: limit)
            if classes != nil || perClass != nil {
                let chosen = try classes.map { try LayerSelection($0, count: sets.classCount, of: .classes).indices }
                    ?? Array(0..<sets.classCount)
                sets = try sets.selecting(classes: chosen, perClass: perClass)
                print(L.pick(es: "Clases: ", en: "Classes: ")
                      + sets.train.classNames(in: L).enumerated().map { "\($0) \($1)" }.joined(separator: ", "))
            }
            try sets.check(against: analysis)
            let network = try analysis.makeNetwork(seed: seed)
            if let initialWeights {
                let checkpoint = try Safetensors.read(from: Self.checkpointURL(initialWeights))
                // A replaced head starts afresh even where its shapes match the old one.
                let headLayers = try head.map { try ModelText(parsing: $0).topLevelNodeCount } ?? 0
                let report = CheckpointIO.transfer(checkpoint, into: network,
                                                   fresh: { analysis.isInLast(headLayers, name: $0) })
                print(report.message(in: L, source: initialWeights, describe: analysis.describe(layer:)))
                guard !report.matched.isEmpty else { throw NothingMatched(file: initialWeights) }
            }
            if let freeze {
                let selection = try LayerSelection(freeze, count: analysis.topLevelCount)
                network.setFrozen(true, nodes: selection.nodes(of: network))
                let counts = network.parameterCounts
                print(L.pick(es: "Congeladas: capas \(freeze) (\(grouped(counts.frozen, language: L)) parámetros); entrenables: \(grouped(counts.trainable, language: L))",
                             en: "Frozen: layers \(freeze) (\(grouped(counts.frozen, language: L)) parameters); trainable: \(grouped(counts.trainable, language: L))"))
            }

            var options = TrainingOptions()
            options.epochs = epochs
            options.batchSize = batch
            options.optimizer = OptimizerKind(rawValue: optimizer)!
            options.learningRate = lr
            options.weightDecay = weightDecay
            options.seed = seed
            options.clip = clip
            let trainer = try Trainer(analysis: analysis, options: options, network: network)
            let started = Date()

            let (train, test) = (grouped(sets.train.count, language: L), grouped(sets.test.count, language: L))
            let threads = Parallel.threads
            print(L.pick(es: "Entrenando \(source.name) en \(sets.name): \(train) imágenes, \(test) de prueba, \(threads) \(threads == 1 ? "hilo" : "hilos")",
                         en: "Training \(source.name) on \(sets.name): \(train) images, \(test) for testing, \(threads) \(threads == 1 ? "thread" : "threads")"))
            let trainLoader = sets.loader(.train, batchSize: batch, seed: seed, augment: augment)
            let testLoader = sets.loader(.test, batchSize: 256, seed: seed, augment: false)
            var progress = ProgressReporter(language: L, totalEpochs: epochs, terminal: isTerminal(STDERR_FILENO),
                                            bar: { writeError($0) }, line: { print($0); fflush(stdout) })
            do {
                try trainer.train(trainBatches: { epoch in trainLoader.batches(epoch: epoch) },
                                  batchesPerEpoch: trainLoader.batchCount,
                                  evaluate: {
                                      try Evaluation.run({ try trainer.logits($0, mode: .evaluation) }, classes: sets.classCount,
                                                         batches: testLoader.batches(epoch: 0)).accuracy
                                  },
                                  observe: { progress.handle($0) })
            } catch let error as TrainingError {
                // Keep what was trained: the checkpoint is still written.
                writeError("\n")
                if let out { try save(trainer, source: source, sets: sets, to: out) }
                fail(error)
            }
            let total = Date().timeIntervalSince(started)
            if let last = trainer.history.last?.testAccuracy {
                print(L.pick(es: "Tiempo total \(String(format: "%.1f", total)) s; exactitud final en prueba \(String(format: "%.4f", last))",
                             en: "Total time \(String(format: "%.1f", total)) s; final test accuracy \(String(format: "%.4f", last))"))
            }
            if let out { try save(trainer, source: source, sets: sets, to: out) }
        }
    }

    /// A checkpoint file, or the model.safetensors in a training folder.
    static func checkpointURL(_ path: String) -> URL {
        var isDirectory: ObjCBool = false
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return url.appendingPathComponent("model.safetensors")
        }
        return url
    }

    /// An error in the text of --head, said to be there (its lines count from the head's first).
    struct InHead: LocalizedMessage {
        let head: String, error: ModelError
        func message(in L: Language) -> String {
            L.pick(es: "en --head \"\(head)\": ", en: "in --head \"\(head)\": ") + error.message(in: L)
        }
    }

    struct NothingMatched: LocalizedMessage {
        let file: String
        func message(in L: Language) -> String {
            L.pick(es: "ningún tensor de \(file) encaja en el modelo (ni nombre ni forma): ¿es el archivo de otra arquitectura?",
                   en: "no tensor of \(file) fits the model (neither name nor shape): is it the file of another architecture?")
        }
    }

    func save(_ trainer: Trainer, source: ModelSource, sets: DataSets, to folder: String) throws {
        let L = Messages.language
        let url = URL(fileURLWithPath: folder, isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var metadata = [
            "format": "pt",
            "capas_model": trainer.analysis.model.text,
            "capas_dataset": sets.name,
            "capas_optimizer": optimizer,
            "capas_seed": String(seed),
            "capas_epochs": String(trainer.history.count),
        ]
        if let lr { metadata["capas_lr"] = String(lr) }
        if let initialWeights { metadata["capas_init"] = initialWeights }
        if let freeze { metadata["capas_frozen"] = freeze }
        if let classes { metadata["capas_classes"] = classes }
        let checkpoint = CheckpointIO.checkpoint(of: trainer.network, metadata: metadata)
        try Safetensors.write(checkpoint, to: url.appendingPathComponent("model.safetensors"))
        try trainer.analysis.model.text.write(to: url.appendingPathComponent("model.capas"), atomically: true, encoding: .utf8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(trainer.history).write(to: url.appendingPathComponent("history.json"), options: .atomic)
        print(L.pick(es: "Guardado en \(folder)/model.safetensors", en: "Saved to \(folder)/model.safetensors"))
    }
}
