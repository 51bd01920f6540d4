import Foundation
import CapasCheckpoint
import CapasCore
import CapasModel
import CapasTraining
import CapasMessages
import CapasREPL

/// Model exercises: a model in the model language, a checkpoint and a
/// training recipe. Everything is recomputed here from the files: the
/// parameters from the model text, the accuracy from the checkpoint on the
/// test set itself; what a checkpoint's metadata claims is ignored.
public enum ModelGrader {
    /// Models beyond this are refused before any memory is allocated for them (see `GraderLimits`).
    public static let maximumParameters = GraderLimits.parameters
    public static let maximumCheckpointBytes = 512 << 20

    struct Submission {
        var text: String
        var analysis: ModelAnalysis
    }

    public static func grade(rubric: Rubric, exerciseFolder: URL, submission: URL, context: GradingContext) -> ExerciseReport {
        var report = ExerciseReport(exercise: rubric.exercise, title: rubric.title)
        let modelFile = rubric.model ?? "model.capas"
        let loaded = load(exerciseFolder.appendingPathComponent(modelFile), name: modelFile)
        func data() throws -> DataSets {
            do {
                return try loadedData(rubric.dataset ?? "fashion-mnist", directory: context.dataDirectory)
            } catch {
                // The machine lacks the dataset: the grader's environment, never the learner's fault.
                // A self-check says so and moves on; grading stops the class with exit status 3.
                let why = bilingual(error, prefix: nil)
                throw ModelProblem(status: context.mode == .selfCheck ? .skipped : .graderError, message: Bilingual(
                    es: "no se puede medir aquí: \(why.es)", en: "cannot be measured here: \(why.en)"))
            }
        }
        var checkpointAccuracy: Double?
        // The notebook's answers are read and parsed once for all the checks that need them.
        var sheet: Result<AnswerSheet, Refusal>?
        func notebook() -> Result<AnswerSheet, Refusal> {
            if let sheet { return sheet }
            let name = NotebookSubmission.choose(rubric.notebook ?? "notebook.md", in: exerciseFolder).name
            let loaded: Result<AnswerSheet, Refusal>
            switch SubmissionFiles.data(name, in: exerciseFolder, limit: NotebookSubmission.limit(name)) {
            case let .success(data):
                loaded = NotebookSubmission.text(of: data, name: name).map { AnswerSheet(notebook: $0.text, places: $0.places) }
            case let .failure(refusal) where refusal.kind == .missing:
                loaded = .failure(Refusal(Bilingual(es: "no se puede leer `\(name)`", en: "cannot read `\(name)`")))
            case let .failure(refusal):
                loaded = .failure(Refusal(refusal.message))
            }
            sheet = loaded
            return loaded
        }
        // Another exercise's model (`than`) is read and analysed once, however many checks compare with it.
        var others: [String: Loaded] = [:]
        func otherModel(_ url: URL, _ name: String) -> Loaded {
            if let loaded = others[url.path] { return loaded }
            let loaded = load(url, name: name)
            others[url.path] = loaded
            return loaded
        }

        for check in rubric.checks {
            let start = Date()
            guard context.runs(check) else { report.checks.append(.skipped(check, exercise: rubric.exercise)); continue }
            var result = CheckResult(exercise: rubric.exercise, id: check.id, name: check.name, points: 0, maxPoints: check.points,
                                     status: .failed, visibility: check.visibility, feedback: Bilingual(""), file: modelFile,
                                     tags: check.tags ?? [])
            switch loaded {
            case let .failure(problem):
                result.status = .notGradable
                result.tags.append("missing")
                result.feedback = problem
            case let .success(model):
                do {
                    let (passed, feedback, leaderboard) = try run(check, model: model, rubric: rubric, folder: exerciseFolder,
                                                                  submission: submission, context: context, data: data,
                                                                  notebook: notebook, loadModel: otherModel,
                                                                  accuracy: &checkpointAccuracy)
                    if let passed {
                        result.status = passed ? .passed : .failed
                        result.points = passed ? check.points : 0
                    } else {
                        result.status = .skipped
                    }
                    result.feedback = feedback
                    report.leaderboard += leaderboard
                } catch let problem as ModelProblem {
                    result.status = problem.status
                    result.feedback = problem.message
                } catch let error as GraderError {
                    result.status = .graderError
                    result.feedback = error.message
                } catch {
                    result.status = .notGradable
                    result.feedback = bilingual(error, prefix: modelFile)
                }
            }
            result.seconds = Date().timeIntervalSince(start)
            report.checks.append(result)
        }
        return report
    }

    struct ModelProblem: Error {
        var status: CheckStatus
        var message: Bilingual
    }

    enum Loaded { case success(Submission), failure(Bilingual) }

    static func load(_ url: URL, name: String) -> Loaded {
        let data: Data
        switch SubmissionFiles.data(url.lastPathComponent, in: url.deletingLastPathComponent(), limit: GraderLimits.modelBytes) {
        case let .success(bytes): data = bytes
        case let .failure(refusal) where refusal.kind == .missing:
            return .failure(Bilingual(es: "no se puede leer `\(name)` (¿falta?)", en: "cannot read `\(name)` (missing?)"))
        case let .failure(refusal): return .failure(refusal.message)
        }
        let text: String
        switch GraderLimits.text(of: data, name: name, limit: GraderLimits.modelBytes) {
        case let .success(t): text = t
        case let .failure(why): return .failure(why.message)
        }
        do {
            let analysis = try ModelAnalysis(text: text)
            let parameters = try analysis.totalParameters()
            guard parameters <= maximumParameters else {
                return .failure(Bilingual(
                    es: "el modelo tiene \(parameters) parámetros; el corrector acepta hasta \(maximumParameters)",
                    en: "the model has \(parameters) parameters; the grader accepts up to \(maximumParameters)"))
            }
            return .success(Submission(text: text, analysis: analysis))
        } catch {
            return .failure(bilingual(error, prefix: name))
        }
    }

    /// Runs one rule. `passed` nil means not run (verification not requested).
    static func run(_ check: Rubric.Check, model: Submission, rubric: Rubric, folder: URL, submission: URL,
                    context: GradingContext, data: () throws -> DataSets,
                    notebook: () -> Result<AnswerSheet, Refusal>, loadModel: (URL, String) -> Loaded = load,
                    accuracy: inout Double?)
        throws -> (passed: Bool?, feedback: Bilingual, leaderboard: [LeaderboardEntry]) {
        let analysis = model.analysis
        let parameters = try analysis.totalParameters()
        switch check.rule! {
        case "parameters_max":
            let limit = Int(check.threshold!)
            let ok = parameters <= limit
            return (ok, Bilingual(es: "\(parameters) parámetros contados desde el texto del modelo (máximo \(limit))",
                                  en: "\(parameters) parameters counted from the model text (at most \(limit))"), [])
        case "no_conv":
            let convs = analysis.layers.filter { if case .conv = $0.resolved { return true } else { return false } }
            if let first = convs.first {
                return (false, Bilingual(es: "una red totalmente conectada no lleva convoluciones: línea \(first.span.line) tiene `\(first.name)`",
                                         en: "a fully connected network has no convolutions: line \(first.span.line) has `\(first.name)`"), [])
            }
            return (true, Bilingual(es: "sin convoluciones", en: "no convolutions"), [])
        case "smaller_than":
            let other = check.than!
            let otherFolder = Grader.folder(of: other, in: submission, only: false)
                ?? submission.deletingLastPathComponent().appendingPathComponent(other)
            let otherFile = otherFolder.appendingPathComponent(rubric.model ?? "model.capas")
            guard case let .success(otherModel) = loadModel(otherFile, "\(other)/\(rubric.model ?? "model.capas")") else {
                throw ModelProblem(status: .notGradable, message: Bilingual(
                    es: "para comparar hace falta tu modelo de \(other)", en: "comparing needs your model of \(other)"))
            }
            let otherCount = try otherModel.analysis.totalParameters()
            return (parameters < otherCount, Bilingual(
                es: "este modelo: \(parameters) parámetros; tu modelo de \(other): \(otherCount)",
                en: "this model: \(parameters) parameters; your model of \(other): \(otherCount)"), [])
        case "first_loss":
            // Refused from its shapes first: that needs no dataset.
            try checkRunnable(analysis, batch: 256, training: false)
            let sets = try data()
            try checkAgainstData(analysis, sets)
            let seed = try recipe(folder, rubric: rubric).seed
            let trainer = try Trainer(analysis: analysis, options: TrainingOptions(), network: try analysis.makeNetwork(seed: seed))
            let batch = sets.loader(.test, batchSize: 256, seed: 0, augment: false).batches(epoch: 0).first(where: { _ in true })!
            let logits = try trainer.logits(batch.images, mode: .evaluation)
            let loss = Double(Loss.crossEntropy(logits: logits, labels: batch.labels).loss)
            let expected = Foundation.log(Double(sets.classCount))
            let ok = loss.isFinite && abs(loss - expected) <= check.threshold!
            return (ok, Bilingual(
                es: "pérdida inicial con pesos nuevos \(fmt(loss)); se espera cerca de ln \(sets.classCount) = \(fmt(expected)) (±\(fmt(check.threshold!)))"
                    + (ok ? "" : ": revisa la inicialización o la escala de la entrada"),
                en: "first loss with fresh weights \(fmt(loss)); expected near ln \(sets.classCount) = \(fmt(expected)) (±\(fmt(check.threshold!)))"
                    + (ok ? "" : ": check the initialization or the input scale")), [])
        case "accuracy":
            let value = try checkpointAccuracyValue(model, rubric: rubric, folder: folder, data: data, cache: &accuracy)
            let ok = value >= check.threshold!
            return (ok, Bilingual(
                es: "exactitud medida por el corrector en el conjunto de prueba: \(fmt(value)) (mínimo \(fmt(check.threshold!)))",
                en: "accuracy measured by the grader on the test set: \(fmt(value)) (at least \(fmt(check.threshold!)))"),
                    [LeaderboardEntry(name: "\(rubric.exercise) accuracy", value: value)])
        case "answer_parameters", "answer_multiply_adds", "answer_accuracy":
            // The learner's own numbers, in the notebook's answer cells, against their own models.
            let notebookName = NotebookSubmission.choose(rubric.notebook ?? "notebook.md", in: folder).name
            let sheet: AnswerSheet
            switch notebook() {
            case let .success(s): sheet = s
            case let .failure(why): throw ModelProblem(status: .notGradable, message: why.message)
            }
            if let refusal = sheet.refusal(name: notebookName) { throw ModelProblem(status: .notGradable, message: refusal) }
            guard let answer = sheet.answer(check.answer!), answer.expression != "?" else {
                throw ModelProblem(status: .notGradable, message: Bilingual(
                    es: "falta la respuesta `\(check.answer!) = …` en una celda \(notebookName.hasSuffix(".ipynb") ? "de respuesta" : "```answer") de \(notebookName)",
                    en: "no answer `\(check.answer!) = …` in an \(notebookName.hasSuffix(".ipynb") ? "answer" : "```answer") cell of \(notebookName)"))
            }
            guard let value = try? Calculator.evaluate(answer.expression).value.shapeAndValues, value.shape.isEmpty else {
                throw ModelProblem(status: .failed, message: Bilingual(
                    es: "\(answer.place(notebookName).es): `\(check.answer!)` debe ser un número", en: "\(answer.place(notebookName).en): `\(check.answer!)` must be a number"))
            }
            var target = model
            var targetFolder = folder
            if let other = check.than {
                targetFolder = Grader.folder(of: other, in: submission, only: false)
                    ?? submission.deletingLastPathComponent().appendingPathComponent(other)
                guard case let .success(otherModel) = loadModel(targetFolder.appendingPathComponent(rubric.model ?? "model.capas"),
                                                                "\(other)/\(rubric.model ?? "model.capas")") else {
                    throw ModelProblem(status: .notGradable, message: Bilingual(
                        es: "para comprobar esta respuesta hace falta tu modelo de \(other)", en: "checking this answer needs your model of \(other)"))
                }
                target = otherModel
            }
            let truth: Double
            var otherAccuracy: Double? = nil
            switch check.rule! {
            case "answer_parameters": truth = Double(try target.analysis.totalParameters())
            case "answer_multiply_adds": truth = Double(try target.analysis.totalMultiplyAdds())
            default:
                truth = check.than == nil
                    ? try checkpointAccuracyValue(model, rubric: rubric, folder: folder, data: data, cache: &accuracy)
                    : try checkpointAccuracyValue(target, rubric: rubric, folder: targetFolder, data: data, cache: &otherAccuracy)
            }
            let tolerance = check.rule == "answer_accuracy" ? Tolerance(atol: check.atol ?? 0.005, rtol: 0) : check.tolerance
            let ok = tolerance.accepts(got: value.values[0], expected: truth)
            let whose = check.than.map { " (\($0))" } ?? ""
            return (ok, ok
                ? Bilingual(es: "coincide con tu modelo\(whose)", en: "matches your model\(whose)")
                : Bilingual(es: "\(answer.place(notebookName).es): tu modelo\(whose) da \(Comparison.format(truth)), no \(Comparison.format(value.values[0]))",
                            en: "\(answer.place(notebookName).en): your model\(whose) gives \(Comparison.format(truth)), not \(Comparison.format(value.values[0]))"), [])
        case "verify_training":
            guard context.verifyTraining else {
                return (nil, Bilingual(es: "se verifica con --verify-training", en: "verified with --verify-training"), [])
            }
            let claimed = try checkpointAccuracyValue(model, rubric: rubric, folder: folder, data: data, cache: &accuracy)
            let budget = check.limits?.wallSeconds ?? 600
            let recipe = try recipe(folder, rubric: rubric)
            try checkRunnable(analysis, batch: max(recipe.options.batchSize, 256), training: true)
            let (retrained, finished) = try retrain(analysis, recipe: recipe, data: try data(), budget: budget)
            let gap = claimed - retrained
            let ok = gap <= check.threshold!
            return (ok, Bilingual(
                es: "reentrenado desde la receta: \(fmt(retrained))\(finished ? "" : " (cortado a los \(Int(budget)) s)"); el punto de control da \(fmt(claimed)); diferencia \(fmt(gap)) (máximo \(fmt(check.threshold!)))",
                en: "retrained from the recipe: \(fmt(retrained))\(finished ? "" : " (stopped at \(Int(budget)) s)"); the checkpoint gives \(fmt(claimed)); gap \(fmt(gap)) (at most \(fmt(check.threshold!)))"), [])
        default:
            throw GraderError.rubric(file: rubric.exercise, problem: Bilingual("rule \(check.rule!)"))
        }
    }

    static func fmt(_ x: Double) -> String { String(format: "%.4f", x) }

    /// Before a network is built and run: its size, from the shapes (see `GraderLimits`).
    static func checkRunnable(_ analysis: ModelAnalysis, batch: Int, training: Bool) throws {
        if let why = GraderLimits.refusalToRun(analysis, batch: batch, training: training) {
            throw ModelProblem(status: .notGradable, message: why)
        }
    }

    static func checkAgainstData(_ analysis: ModelAnalysis, _ sets: DataSets) throws {
        do { try sets.check(against: analysis) } catch {
            throw ModelProblem(status: .failed, message: bilingual(error, prefix: nil))
        }
    }

    static func checkpointAccuracyValue(_ model: Submission, rubric: Rubric, folder: URL, data: () throws -> DataSets,
                                        cache: inout Double?) throws -> Double {
        if let cache { return cache }
        let name = rubric.checkpoint ?? "checkpoint.safetensors"
        // Read once, by content, without following links (SubmissionFiles).
        let bytes: Data
        switch SubmissionFiles.data(name, in: folder, limit: maximumCheckpointBytes) {
        case let .success(read): bytes = read
        case let .failure(refusal) where refusal.kind == .missing:
            throw ModelProblem(status: .notGradable, message: Bilingual(es: "falta `\(name)`", en: "`\(name)` is missing"))
        case let .failure(refusal):
            throw ModelProblem(status: .invalid, message: refusal.message)
        }
        try checkRunnable(model.analysis, batch: 256, training: false)
        let sets = try data()
        try checkAgainstData(model.analysis, sets)
        let network = try model.analysis.makeNetwork(seed: 0)
        do {
            let file = try Safetensors.decode(bytes, source: name)
            try CheckpointIO.load(file, into: network)
        } catch {
            throw ModelProblem(status: .invalid, message: bilingual(error, prefix: name))
        }
        let trainer = try Trainer(analysis: model.analysis, options: TrainingOptions(), network: network)
        let evaluation = try trainer.evaluateTestSet(of: sets)
        cache = evaluation.accuracy
        return evaluation.accuracy
    }

    /// Datasets loaded once per process: a class of forty is graded against one copy.
    nonisolated(unsafe) private static var dataSets: [String: DataSets] = [:]
    private static let dataLock = NSLock()

    static func loadedData(_ name: String, directory: String?) throws -> DataSets {
        // Everything the search depends on: the name, the folder given, and where it looks by default.
        let environment = ProcessInfo.processInfo.environment
        let key = [name, directory ?? "", environment["CAPAS_DATA"] ?? "", environment["XDG_CACHE_HOME"] ?? "",
                   environment["HOME"] ?? ""].joined(separator: "\u{0}")
        dataLock.lock()
        defer { dataLock.unlock() }
        if let sets = dataSets[key] { return sets }
        let sets = try DataSets.load(name, directory: directory)
        dataSets[key] = sets
        return sets
    }

    struct Recipe {
        var options = TrainingOptions()
        var augment = false
        var seed: UInt64 { options.seed }
    }

    /// `recipe.txt`: `key = value` lines (epochs, batch, optimizer, lr, weight_decay or weight-decay, seed, augment,
    /// or their Spanish names, any case); `#` comments. No file: `capas train`'s defaults. An unknown key, a
    /// value out of range or a line that is not `key = value` is an error naming the line: a typo must not
    /// quietly train with a default.
    static func recipe(_ folder: URL, rubric: Rubric) throws -> Recipe {
        var recipe = Recipe()
        let name = rubric.recipe ?? "recipe.txt"
        let data: Data
        switch SubmissionFiles.data(name, in: folder, limit: GraderLimits.recipeBytes) {
        case let .success(read): data = read
        case let .failure(refusal) where refusal.kind == .missing: return recipe
        case let .failure(refusal): throw ModelProblem(status: .notGradable, message: refusal.message)
        }
        let text: String
        switch GraderLimits.text(of: data, name: name, limit: GraderLimits.recipeBytes) {
        case let .success(t): text = t
        case let .failure(why): throw ModelProblem(status: .notGradable, message: why.message)
        }
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let code = (line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                .trimmingCharacters(in: .whitespaces)
            if code.isEmpty { continue }
            func problem(_ es: String, _ en: String) -> ModelProblem {
                ModelProblem(status: .notGradable, message: Bilingual(es: "\(name):\(index + 1): \(es)", en: "\(name):\(index + 1): \(en)"))
            }
            let parts = code.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw problem("se espera `clave = valor`, no `\(code)`", "expected `key = value`, not `\(code)`")
            }
            let (key, value) = (parts[0], parts[1].lowercased())
            func invalid(_ es: String, _ en: String) -> ModelProblem {
                problem("`\(key)` debe ser \(es), no `\(parts[1])`", "`\(key)` must be \(en), not `\(parts[1])`")
            }
            // The keys of `capas train` and `:train`, in either language, with - or _.
            switch key.lowercased().replacingOccurrences(of: "-", with: "_") {
            case "epochs", "épocas", "epocas":
                guard let v = Int(value), (1...1000).contains(v) else { throw invalid("un entero de 1 a 1000", "a whole number from 1 to 1000") }
                recipe.options.epochs = v
            case "batch", "lote":
                guard let v = Int(value), (1...4096).contains(v) else { throw invalid("un entero de 1 a 4096", "a whole number from 1 to 4096") }
                recipe.options.batchSize = v
            case "optimizer", "optimizador":
                guard let v = OptimizerKind(rawValue: value) else {
                    throw invalid("sgd, momentum, adam o adadelta", "sgd, momentum, adam or adadelta")
                }
                recipe.options.optimizer = v
            case "lr":
                guard let v = Float(value), v.isFinite, v > 0 else { throw invalid("un número positivo", "a positive number") }
                recipe.options.learningRate = v
            case "weight_decay":
                guard let v = Float(value), v.isFinite, v >= 0 else { throw invalid("un número ≥ 0", "a number ≥ 0") }
                recipe.options.weightDecay = v
            case "seed", "semilla":
                guard let v = UInt64(value) else { throw invalid("un entero ≥ 0", "a whole number ≥ 0") }
                recipe.options.seed = v
            case "augment", "aumento":
                switch value {
                case "1", "true", "yes", "sí", "si": recipe.augment = true
                case "0", "false", "no": recipe.augment = false
                default: throw invalid("sí o no", "yes or no")
                }
            default:
                throw problem("clave desconocida `\(key)`; las claves son épocas, lote, optimizador, lr, weight_decay, semilla, aumento (o en inglés: epochs, batch, optimizer, seed, augment)",
                              "unknown key `\(key)`; the keys are epochs, batch, optimizer, lr, weight_decay, seed, augment (or in Spanish: épocas, lote, optimizador, semilla, aumento)")
            }
        }
        return recipe
    }

    static func retrain(_ analysis: ModelAnalysis, recipe: Recipe, data sets: DataSets, budget: Double) throws -> (Double, Bool) {
        try checkAgainstData(analysis, sets)
        let trainer = try Trainer(analysis: analysis, options: recipe.options)
        let loader = sets.loader(.train, batchSize: recipe.options.batchSize, seed: recipe.options.seed, augment: recipe.augment)
        let start = Date()
        var finished = true
        do {
            try trainer.train(trainBatches: { loader.batches(epoch: $0) }, batchesPerEpoch: loader.batchCount, evaluate: nil) { _ in
                if Date().timeIntervalSince(start) > budget { trainer.stopRequested = true }
            }
        } catch let error as TrainingError {
            guard case .interrupted = error.problem else { throw ModelProblem(status: .failed, message: bilingual(error, prefix: nil)) }
            finished = false
        }
        let evaluation = try trainer.evaluateTestSet(of: sets)
        return (evaluation.accuracy, finished)
    }
}

/// Capas' own errors carry both languages; anything else is shown as it is.
func bilingual(_ error: Error, prefix: String?) -> Bilingual {
    let p = prefix.map { "\($0): " } ?? ""
    if let message = error as? LocalizedMessage {
        return Bilingual(es: p + message.message(in: .es), en: p + message.message(in: .en))
    }
    return Bilingual(p + "\(error)")
}
