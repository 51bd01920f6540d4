import ArgumentParser
import CapasCheckpoint
import CapasCore
import CapasMessages
import CapasModel
import CapasREPL
import CapasTraining
import Foundation

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accuracy, per-class accuracy and confusion matrix of a checkpoint on a test set.")

    @Argument(help: "A checkpoint (.safetensors) written by `capas train`, or by PyTorch with --model.")
    var checkpoint: String

    @Option(help: "The model text, when the checkpoint does not store it (a file or a preset).")
    var model: String?

    @Option(help: "Dataset: fashion-mnist or cifar10, or a folder that holds one.")
    var data: String?

    @Option(help: ArgumentHelp("Only these classes, relabelled 0, 1, 2… (default: the ones the checkpoint was trained on with --classes).", valueName: "classes"))
    var classes: String?

    @Option(name: .customLong("data-dir"), help: "Where to look for the dataset first.")
    var dataDirectory: String?
    @Option(help: ArgumentHelp("Also show test image N going through the network, layer by layer (as :network in the REPL).", valueName: "N"))
    var show: Int?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        try guarded {
            let L = Messages.language
            let file = try Safetensors.read(from: URL(fileURLWithPath: checkpoint))
            let text = try model.map { try ModelSource($0).text } ?? CheckpointIO.modelText(in: file, source: checkpoint)
            let analysis = try ModelAnalysis(text: text)
            let network = try analysis.makeNetwork(seed: 0)
            try CheckpointIO.load(file, into: network)
            let dataName = data ?? file.metadata["capas_dataset"] ?? "fashion-mnist"
            var sets = try DataSets.load(dataName, directory: dataDirectory)
            // A model trained with --classes is evaluated on the same classes.
            if let chosen = classes ?? file.metadata["capas_classes"] {
                let indices = try LayerSelection(chosen, count: sets.classCount, of: .classes).indices
                sets = try sets.selecting(classes: indices)
            }
            try sets.check(against: analysis)
            if let show {
                let title = L.pick(es: "\(checkpoint) con \(sets.name) prueba \(show)", en: "\(checkpoint) on \(sets.name) test \(show)")
                let columns = Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 80
                print(try NetworkView.text(network: network, analysis: analysis, dataset: sets.test, index: show, title: title,
                                           outputIsTerminal: isatty(1) != 0, columns: columns, language: L))
                print("")
            }
            let trainer = try Trainer(analysis: analysis, options: TrainingOptions(), network: network)
            let evaluation = try trainer.evaluateTestSet(of: sets)
            let names = sets.test.classNames(in: L)
            let total = grouped(evaluation.total, language: L)
            print(L.pick(es: "Exactitud en \(sets.name) (prueba, \(total) imágenes): ",
                         en: "Accuracy on \(sets.name) (test, \(total) images): ")
                  + String(format: "%.4f", evaluation.accuracy))
            print("")
            print(L.pick(es: "Por clase:", en: "Per class:"))
            let width = names.map(\.count).max() ?? 10
            for (c, accuracy) in evaluation.perClassAccuracy.enumerated() {
                let name = names[c].padding(toLength: width, withPad: " ", startingAt: 0)
                print("  \(c) \(name)  " + (accuracy.map { String(format: "%.4f", $0) } ?? "—"))
            }
            print("")
            print(L.pick(es: "Matriz de confusión (filas: clase verdadera, columnas: predicción):",
                         en: "Confusion matrix (rows: true class, columns: predicted):"))
            let cell = max(4, String(evaluation.confusion.flatMap { $0 }.max() ?? 0).count + 1)
            print(String(repeating: " ", count: 4) + (0..<sets.classCount).map { String($0).leftPadded(cell) }.joined())
            for (c, row) in evaluation.confusion.enumerated() {
                print(String(c).leftPadded(3) + " " + row.map { String($0).leftPadded(cell) }.joined())
            }
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
