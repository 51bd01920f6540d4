import ArgumentParser
import CapasMessages
import CapasModel

struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per-layer output shape, parameters and multiply-adds, with totals (torchinfo's conventions).")

    @Argument(help: "A model file (model language) or a preset: fnn-small, fnn-deep, cnn-lenet, cnn-medium, cnn-cifar.")
    var model: String

    @Option(help: "Batch size for the activation-memory estimate.")
    var batch: Int = 1

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        try guarded {
            let analysis = try ModelSource(model).analyze()
            print(try analysis.summary(language: Messages.language, batchSize: max(1, batch)), terminator: "")
        }
    }
}
