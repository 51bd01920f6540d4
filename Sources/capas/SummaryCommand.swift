import ArgumentParser
import CapasMessages
import CapasModel
import CapasTraining

struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per-layer output shape, parameters and multiply-adds, with totals (torchinfo's conventions).")

    @Argument(help: "A model file (model language) or a preset: fnn-small, fnn-deep, cnn-lenet, cnn-medium, cnn-cifar.")
    var model: String

    @Option(help: "Batch size for the activation-memory estimate.")
    var batch: Int = 1

    @Flag(help: "Number the layers (the numbers --freeze takes).")
    var numbered = false

    @Option(help: ArgumentHelp("Mark these layers frozen and count their parameters apart, e.g. 0-5.", valueName: "layers"))
    var freeze: String?

    @Option(help: ArgumentHelp("Replace the head first, as `capas train --head`.", valueName: "layers"))
    var head: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        try guarded {
            var analysis = try ModelSource(model).analyze()
            if let head { analysis = try ModelAnalysis(analysis.model.replacingHead(with: head)) }
            let frozen = try freeze.map { Set(try LayerSelection($0, count: analysis.topLevelCount).indices) }
            print(try analysis.summary(language: Messages.language, batchSize: max(1, batch),
                                       frozen: frozen ?? (numbered ? [] : nil)), terminator: "")
        }
    }
}
