import Foundation
import CapasModel

// What one submission may contain. The grader parses and evaluates every
// learner's notebook and model in its own process (the code exercises run
// in the sandbox, with limits of their own), so each limit here is checked
// before the work or the memory it guards, and its message names the
// limit and the learner's own number: the check gets 0 points
// (`not_gradable`), never a crash or a hang of the whole class.
//
// The calculator's own limits (characters, nesting, elements and
// multiply-adds per answer) are in `CalculatorLimits`; the model language's
// (text size, nesting) in `ModelLimits`.

/// Why a submission's file is refused, in both languages.
public struct Refusal: Error, Sendable {
    public let message: Bilingual
    public init(_ message: Bilingual) { self.message = message }
}

public enum GraderLimits {
    /// Bytes of a notebook (`notebook.md`): 4 MiB. The course's are under 20 KiB.
    public static let notebookBytes = 4 << 20
    /// Bytes of a model file (`model.capas`): 1 MiB, the model language's own limit.
    public static let modelBytes = ModelLimits.textBytes
    /// Bytes of a training recipe (`recipe.txt`): 64 KiB.
    public static let recipeBytes = 64 << 10

    /// Answers (`name = expression`, a later one replacing an earlier one of
    /// the same name) in one notebook. The course asks for at most 30.
    public static let answers = 2_000

    /// Trainable parameters of a submitted model (50 million; the course's
    /// largest trained model has 1.1 million).
    public static let parameters = 50_000_000
    /// Values one sample produces through all the layers of a model that the
    /// grader runs (2^21 = 2,097,152, 8 MiB; the course's largest: 214,000).
    /// Checked from the shapes before the network is built.
    public static let activationsPerSample = 1 << 21
    /// Values a whole batch keeps in memory when the grader runs or retrains
    /// a model: per-sample values × batch size, twice when training for the
    /// gradients (2^30 = 1,073,741,824, 4 GiB).
    public static let activationsPerBatch = 1 << 30
    /// Multiply-adds per sample of a model the grader runs (2^28 =
    /// 268,435,456; the course's largest: 25.6 million). The test set has
    /// 10,000 images: this keeps one pass over it to minutes, not hours.
    public static let multiplyAddsPerSample = 1 << 28

    /// The text of a submitted file from its bytes, or why it is refused: over
    /// `limit` bytes, the size and the limit are named. Takes the bytes, not
    /// a path: how the file is opened is the reader's business.
    public static func text(of data: Data, name: String, limit: Int) -> Result<String, Refusal> {
        guard data.count <= limit else {
            return .failure(Refusal(Bilingual(
                es: "`\(name)` pesa \(data.count) bytes; el corrector lee como mucho \(limit) (\(size(limit)))",
                en: "`\(name)` is \(data.count) bytes; the grader reads at most \(limit) (\(size(limit)))")))
        }
        return .success(String(decoding: data, as: UTF8.self))
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB"
    }

    /// Why the grader will not build and run `analysis` with batches of
    /// `batch` (nil when it may): parameters, values per sample and per batch,
    /// multiply-adds per sample, all from the shapes with overflow-checked sums.
    static func refusalToRun(_ analysis: ModelAnalysis, batch: Int, training: Bool) -> Bilingual? {
        guard let parameters = try? analysis.totalParameters() else {
            return Bilingual(es: "el modelo tiene demasiados parámetros para contarlos", en: "the model has too many parameters to count")
        }
        if parameters > GraderLimits.parameters {
            return Bilingual(es: "el modelo tiene \(parameters) parámetros; el corrector acepta hasta \(GraderLimits.parameters)",
                             en: "the model has \(parameters) parameters; the grader accepts up to \(GraderLimits.parameters)")
        }
        guard let values = try? analysis.activationValues() else {
            return Bilingual(es: "las capas del modelo producen demasiados valores para contarlos",
                             en: "the model's layers produce too many values to count")
        }
        if values > activationsPerSample {
            return Bilingual(
                es: "las capas del modelo producen \(values) valores por imagen; el corrector ejecuta modelos de hasta \(activationsPerSample) (revisa el relleno y el número de filtros)",
                en: "the model's layers produce \(values) values per image; the grader runs models of up to \(activationsPerSample) (check the padding and the number of filters)")
        }
        let (perBatch, overflow) = values.multipliedReportingOverflow(by: batch * (training ? 2 : 1))
        if overflow || perBatch > activationsPerBatch {
            return Bilingual(
                es: "con lotes de \(batch) el modelo guardaría \(overflow ? "demasiados" : String(perBatch)) valores\(training ? " (con los gradientes)" : ""); el corrector admite hasta \(activationsPerBatch): usa un lote más chico",
                en: "with batches of \(batch) the model would keep \(overflow ? "too many" : String(perBatch)) values\(training ? " (gradients included)" : ""); the grader allows up to \(activationsPerBatch): use a smaller batch")
        }
        guard let macs = try? analysis.totalMultiplyAdds() else {
            return Bilingual(es: "el modelo tiene demasiadas multiplicaciones-sumas para contarlas", en: "the model has too many multiply-adds to count")
        }
        if macs > multiplyAddsPerSample {
            return Bilingual(
                es: "el modelo hace \(macs) multiplicaciones-sumas por imagen; el corrector ejecuta modelos de hasta \(multiplyAddsPerSample)",
                en: "the model does \(macs) multiply-adds per image; the grader runs models of up to \(multiplyAddsPerSample)")
        }
        return nil
    }
}
