import CapasCheckpoint
import CapasCore
import CapasData
import CapasMessages
import CapasModel
import CapasTraining
import Foundation

// Transfer learning in the REPL:
//
//   :init CKPT            weights from a checkpoint into the current model, layer by
//                         layer where names and shapes match (PyTorch state_dict names)
//   :freeze 0-3           those layers keep their weights in the next :train
//   :unfreeze [0-3]       all layers (or those) train again
//   :replace-head dense 5 drop the last layer with weights (and what follows) and add
//                         these; the weights of the layers kept stay
//
// The weights live in the model's training run, as after :train, so the next
// :train on the same data continues from them.

extension Interpreter {
    /// The current model's network: the trained one, or a fresh one (seed 0) that the next :train will continue from.
    func networkForTransfer() throws -> TrainingRun {
        let analysis = try requireAnalysis()
        if let run = run(of: current) { return run }
        let network = try analysis.makeNetwork(seed: 0)
        // The data the next :train will use: the model's default, or a registered set that fits it.
        let sets = (try? trainingData(TrainSettings(), for: analysis))
            ?? registeredData.keys.sorted().lazy.compactMap { name -> DataSets? in
                guard let sets = self.registeredData[name], (try? sets.check(against: analysis)) != nil else { return nil }
                return sets
            }.first
        let run = TrainingRun(model: current, text: model.text, analysis: analysis, network: network,
                              dataset: sets?.name ?? DatasetName.fashionMNIST.rawValue,
                              trainImages: sets?.train.count ?? 0, testImages: sets?.test.count ?? 0)
        runs[current] = run
        return run
    }

    func initWeights(_ path: String) throws -> String {
        guard !path.isEmpty else {
            throw CommandError(es: "uso: :init ARCHIVO.safetensors (o la carpeta de capas train --out)",
                               en: "usage: :init FILE.safetensors (or the folder of capas train --out)")
        }
        var url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            url.appendPathComponent("model.safetensors")
        }
        let checkpoint: Checkpoint
        do { checkpoint = try Safetensors.read(from: url) } catch let error as CheckpointError {
            throw CommandError(es: error.message(in: .es), en: error.message(in: .en))
        }
        let run = try networkForTransfer()
        let report = CheckpointIO.transfer(checkpoint, into: run.network)
        var lines = [report.message(in: L, source: path, describe: run.analysis.describe(layer:))]
        if report.matched.isEmpty {
            lines.append(L.pick(es: "ningún tensor encaja: el modelo queda como estaba. ¿Es el archivo de otra arquitectura?",
                                en: "no tensor fits: the model stays as it was. Is it the file of another architecture?"))
        } else {
            lines.append(L.pick(es: "el próximo :train (con data=\(run.dataset)) sigue desde estos pesos",
                                en: "the next :train (with data=\(run.dataset)) continues from these weights"))
        }
        return lines.joined(separator: "\n")
    }

    func freezeLayers(_ argument: String, frozen: Bool) throws -> String {
        let run = try networkForTransfer()
        let analysis = run.analysis
        if argument.isEmpty && frozen {
            return try analysis.summary(language: L, frozen: Set(frozenTopLevel(run)))
        }
        let nodes: [Int]
        if argument.isEmpty {
            nodes = Array(run.network.nodes.indices)
        } else {
            do {
                nodes = try LayerSelection(argument, count: analysis.topLevelCount).nodes(of: run.network)
            } catch let error as LayerSelection.SelectionError {
                throw CommandError(es: error.message(in: .es), en: error.message(in: .en))
            }
        }
        run.network.setFrozen(frozen, nodes: nodes)
        let counts = run.network.parameterCounts
        return try analysis.summary(language: L, frozen: Set(frozenTopLevel(run)))
            + L.pick(es: "el próximo :train entrena \(grouped(counts.trainable, language: L)) parámetros; \(grouped(counts.frozen, language: L)) quedan congelados (batchnorm congelada usa sus medias y varianzas móviles, como trainable=False en Keras)",
                     en: "the next :train trains \(grouped(counts.trainable, language: L)) parameters; \(grouped(counts.frozen, language: L)) stay frozen (a frozen batchnorm uses its running means and variances, as Keras' trainable=False)")
    }

    /// Top-level numbers of the frozen layers.
    func frozenTopLevel(_ run: TrainingRun) -> [Int] {
        run.network.frozenNodes.compactMap { run.network.nodes[$0].name.split(separator: ".").first.flatMap { Int($0) } }
    }

    func replaceHead(_ argument: String) throws -> String {
        guard !argument.isEmpty else {
            throw CommandError(es: "uso: :replace-head CAPAS, como :replace-head dense 5 (separa varias con ;)",
                               en: "usage: :replace-head LAYERS, like :replace-head dense 5 (separate several with ;)")
        }
        let replaced: ModelText
        do { replaced = try requireAnalysis().model.replacingHead(with: argument) } catch let error as HeadError {
            throw CommandError(es: error.message(in: .es), en: error.message(in: .en))
        }
        // Without weights (no :train, :init or :freeze yet) only the text changes.
        guard let old = run(of: current) else {
            try load(modelText: replaced.text)
            return try requireAnalysis().summary(language: L)
        }
        try load(modelText: replaced.text)
        let analysis = try requireAnalysis()
        let network = try analysis.makeNetwork(seed: 0)
        let report = CheckpointIO.transfer(CheckpointIO.checkpoint(of: old.network, metadata: [:]), into: network)
        // Frozen layers stay frozen where they were kept.
        let frozenNames = Set(old.network.frozenNodes.map { old.network.nodes[$0].name })
        network.setFrozen(true, nodes: network.nodes.indices.filter { frozenNames.contains(network.nodes[$0].name) })
        let run = TrainingRun(model: current, text: model.text, analysis: analysis, network: network, dataset: old.dataset,
                              trainImages: old.trainImages, testImages: old.testImages)
        runs[current] = run
        return try analysis.summary(language: L, frozen: Set(frozenTopLevel(run)))
            + report.message(in: L, source: L.pick(es: "el modelo anterior", en: "the previous model"),
                             describe: analysis.describe(layer:))
    }
}
