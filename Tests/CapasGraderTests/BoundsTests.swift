import XCTest
import CapasCore
import CapasModel
import CapasREPL
@testable import CapasGrader

/// Hostile submissions against the limits the grader applies in its own
/// process: each gets 0 for the checks it touches, with a message naming the
/// limit and the submission's own number, and the grading finishes.
final class BoundsTests: XCTestCase {
    let rubric = try! course.rubric("02-sizes-and-parameters")

    func grade(answers lines: [String], rubric: Rubric? = nil) -> ExerciseReport {
        let rubric = rubric ?? self.rubric
        let text = "# notebook\n\n```answer\n" + lines.joined(separator: "\n") + "\n```\n"
        return AnswersGrader.grade(rubric: rubric, notebookText: text, notebookPath: "notebook.md",
                                   variant: Variant.example(rubric),
                                   context: GradingContext(mode: .grade, language: .en, workFolder: FileManager.default.temporaryDirectory))
    }

    /// The check that reads answer `name`.
    var first: (id: String, answer: String) { (rubric.checks[0].id, rubric.checks[0].answer!) }

    func result(_ report: ExerciseReport) -> CheckResult { report.checks.first { $0.id == first.id }! }

    func testA200KBSumIsRefusedNotACrash() {
        let sum = Array(repeating: "1", count: 100_000).joined(separator: "+")
        let check = result(grade(answers: ["\(first.answer) = \(sum)"]))
        XCTAssertEqual(check.points, 0)
        XCTAssertEqual(check.status, .failed)
        XCTAssertTrue(check.feedback.en.contains("199999") && check.feedback.en.contains("\(CalculatorLimits.entryCharacters)"), check.feedback.en)
        XCTAssertTrue(check.feedback.es.contains("199999") && check.feedback.es.contains("\(CalculatorLimits.entryCharacters)"), check.feedback.es)
    }

    func testDeeplyNestedAnswersAreRefusedNamingTheLimit() {
        for (open, close) in [("(", ")"), ("[", "]")] {
            let deep = String(repeating: open, count: 30_000) + "1" + String(repeating: close, count: 30_000)
            let check = result(grade(answers: ["\(first.answer) = \(deep)"]))
            XCTAssertEqual(check.points, 0)
            XCTAssertTrue(check.feedback.en.contains("\(CalculatorLimits.nesting) levels"), check.feedback.en)
            XCTAssertTrue(check.feedback.es.contains("\(CalculatorLimits.nesting) niveles"), check.feedback.es)
        }
    }

    /// 300 large convolutions share one notebook budget: the later ones are refused, nothing is allocated for them.
    func testThreeHundredLargeConvolutionsRunOutOfTheNotebookBudget() {
        // An exercise whose softmax answers may use the calculator's functions.
        let rubric = try! course.rubric("04-pooling-softmax-crossentropy")
        let allowed = rubric.checks.first { $0.forbidFunctions != true && rubric.forbidFunctions != true }!
        var lines = (0..<300).map { "c\($0) = conv([[1]], [[1]], pad=999)" }
        lines.append("\(allowed.answer!) = conv([[1]], [[1]], pad=999)")
        let check = grade(answers: lines, rubric: rubric).checks.first { $0.id == allowed.id }!
        XCTAssertEqual(check.points, 0)
        XCTAssertTrue(check.feedback.en.contains("\(CalculatorLimits.elementsPerNotebook)"), check.feedback.en)
        XCTAssertTrue(check.feedback.es.contains("\(CalculatorLimits.elementsPerNotebook)"), check.feedback.es)
    }

    func testHundredsOfThousandsOfNamesAreRefusedNamingTheCount() {
        let lines = (0..<430_000).map { "n\($0) = 1" }
        let report = grade(answers: lines)
        for check in report.checks {
            XCTAssertEqual(check.status, .notGradable)
            XCTAssertEqual(check.points, 0)
            XCTAssertTrue(check.feedback.en.contains("430000") && check.feedback.en.contains("\(GraderLimits.answers)"), check.feedback.en)
            XCTAssertTrue(check.feedback.es.contains("430000") && check.feedback.es.contains("\(GraderLimits.answers)"), check.feedback.es)
        }
    }

    /// Reading the answers is linear: many names, repeated names and a bracket never closed.
    func testTheAnswerSheetIsReadInOnePass() {
        var lines = (0..<100_000).map { "n\($0) = \($0)" }
        lines += ["n5 = 7", "open = [1,"] + Array(repeating: "2,", count: 100_000)
        let sheet = AnswerSheet(notebook: "```answer\n" + lines.joined(separator: "\n") + "\n```\n")
        XCTAssertEqual(sheet.answers.count, 100_001)
        // A later answer replaces the earlier one and takes its place in the order.
        XCTAssertEqual(sheet.answer("n5")?.expression, "7")
        XCTAssertEqual(sheet.answers[sheet.answers.count - 2].name, "n5")
        XCTAssertEqual(sheet.answer("n99999")?.line, 100_001)
        XCTAssertEqual(sheet.answers.last?.name, "open")
        XCTAssertNotNil(sheet.refusal(name: "notebook.md"), "over \(GraderLimits.answers) answers")
    }

    /// The variant header is the learner's text too: eleven axes of 64 overflowed the product of the shape.
    func testAVariantHeaderWithAHugeShapeIsIgnoredNotATrap() throws {
        let shape = Array(repeating: "64", count: 11).joined(separator: "x")
        let variant = Variant.read(from: "<!-- capas-variant: learner=ana n=5 A=\(shape):1 B=2x2:1,2,3,4 -->\n")
        XCTAssertEqual(variant?.parameters["n"], 5)
        XCTAssertNil(variant?.matrices["A"])
        XCTAssertEqual(variant?.matrices["B"]?.values, [1, 2, 3, 4])
    }

    func testANotebookOverTheLimitIsRefusedNamingItsSize() throws {
        let folder = temporaryFolder("capas-bounds")
        defer { try? FileManager.default.removeItem(at: folder) }
        let exercise = folder.appendingPathComponent(rubric.exercise)
        try FileManager.default.createDirectory(at: exercise, withIntermediateDirectories: true)
        let bytes = GraderLimits.notebookBytes + 1
        try Data(repeating: UInt8(ascii: "x"), count: bytes).write(to: exercise.appendingPathComponent("notebook.md"))
        let report = Grader.grade(submission: folder, course: course, options: .init(mode: .grade, language: .en, exercises: [rubric.exercise]))
        XCTAssertEqual(report.status, "invalid")
        for check in report.checks {
            XCTAssertEqual(check.status, .notGradable)
            XCTAssertTrue(check.feedback.en.contains("\(bytes) bytes") && check.feedback.en.contains("\(GraderLimits.notebookBytes)"), check.feedback.en)
            XCTAssertTrue(check.feedback.es.contains("\(bytes) bytes") && check.feedback.es.contains("\(GraderLimits.notebookBytes)"), check.feedback.es)
        }
    }
}

/// Models the grader would have to build and run: refused from their shapes, before any memory is allocated.
final class ModelBoundsTests: XCTestCase {
    static var root: URL!

    override class func setUp() {
        root = temporaryFolder("capas-bounds-course")
        let data = root.appendingPathComponent("data")
        try! FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        // A tiny CIFAR-format dataset: the checks stop before using it.
        let image = Data([3] + [UInt8](repeating: 100, count: 3 * 1024))
        for name in (1...5).map({ "data_batch_\($0).bin" }) + ["test_batch.bin"] {
            try! Data((0..<4).flatMap { _ in image }).write(to: data.appendingPathComponent(name))
        }
        let grading = root.appendingPathComponent("grading/10-cnn")
        try! FileManager.default.createDirectory(at: grading, withIntermediateDirectories: true)
        try! FileManager.default.createDirectory(at: root.appendingPathComponent("solutions"), withIntermediateDirectories: true)
        try! Data("""
        {"exercise": "10-cnn", "title": {"es": "CNN", "en": "CNN"}, "kind": "model", "dataset": "\(data.path)",
         "checks": [
          {"id": "size", "rule": "parameters_max", "threshold": 60000000, "points": 1, "visibility": "visible", "name": {"es": "tamaño", "en": "size"}},
          {"id": "loss", "rule": "first_loss", "threshold": 0.5, "points": 1, "visibility": "visible", "name": {"es": "pérdida inicial", "en": "first loss"}},
          {"id": "acc", "rule": "accuracy", "threshold": 0.8, "points": 1, "visibility": "visible", "name": {"es": "exactitud", "en": "accuracy"}},
          {"id": "params", "rule": "answer_parameters", "answer": "p", "points": 1, "visibility": "visible", "name": {"es": "parámetros", "en": "parameters"}},
          {"id": "macs", "rule": "answer_multiply_adds", "answer": "m", "points": 1, "visibility": "visible", "name": {"es": "mult-sumas", "en": "mult-adds"}}
         ]}
        """.utf8).write(to: grading.appendingPathComponent("rubric.json"))
    }

    override class func tearDown() { try? FileManager.default.removeItem(at: root) }

    func grade(model: String, notebook: Data? = nil) throws -> ExerciseReport {
        let folder = temporaryFolder("capas-bounds-sub")
        defer { try? FileManager.default.removeItem(at: folder) }
        let exercise = folder.appendingPathComponent("10-cnn")
        try FileManager.default.createDirectory(at: exercise, withIntermediateDirectories: true)
        try Data(model.utf8).write(to: exercise.appendingPathComponent("model.capas"))
        try Data("not a checkpoint".utf8).write(to: exercise.appendingPathComponent("checkpoint.safetensors"))
        try (notebook ?? Data("```answer\np = 1\nm = 1\n```\n".utf8)).write(to: exercise.appendingPathComponent("notebook.md"))
        let options = Grader.Options(mode: .grade, language: .en, learner: "ana")
        return Grader.grade(submission: folder, course: Course(root: Self.root), options: options).exercises[0]
    }

    func check(_ report: ExerciseReport, _ id: String) -> CheckResult { report.checks.first { $0.id == id }! }

    /// `conv 64 1x1 pad=2000` has 256 parameters and a terabyte of activations at batch 256.
    func testHugeActivationsAreRefusedBeforeTheNetworkIsBuilt() throws {
        let report = try grade(model: "input 32x32x3\nconv 64 1x1 pad=2000\nglobalavgpool\ndense 10\n")
        let values = try ModelAnalysis(text: "input 32x32x3\nconv 64 1x1 pad=2000\nglobalavgpool\ndense 10\n").activationValues()
        XCTAssertEqual(check(report, "size").status, .passed, "counting needs no network")
        for id in ["loss", "acc"] {
            let result = check(report, id)
            XCTAssertEqual(result.status, .notGradable, id)
            XCTAssertEqual(result.points, 0)
            XCTAssertTrue(result.feedback.en.contains("\(values) values per image") && result.feedback.en.contains("\(GraderLimits.activationsPerSample)"), result.feedback.en)
            XCTAssertTrue(result.feedback.es.contains("\(values) valores por imagen") && result.feedback.es.contains("\(GraderLimits.activationsPerSample)"), result.feedback.es)
        }
    }

    /// 150 large convolutions, or two very wide ones, are never run.
    func testModelsTooSlowToRunAreRefused() throws {
        let deep = "input 32x32x3\n" + String(repeating: "conv 64 3x3 pad=same\n", count: 150) + "globalavgpool\ndense 10\n"
        XCTAssertTrue(check(try grade(model: deep), "loss").feedback.en.contains("values per image"))
        let wide = "input 32x32x3\nmaxpool 8\n" + String(repeating: "conv 1024 3x3 pad=same\n", count: 3) + "globalavgpool\ndense 10\n"
        let macs = try ModelAnalysis(text: wide).totalMultiplyAdds()
        for id in ["loss", "acc"] {
            let result = check(try grade(model: wide), id)
            XCTAssertEqual(result.status, .notGradable)
            XCTAssertTrue(result.feedback.en.contains("\(macs) multiply-adds per image") && result.feedback.en.contains("\(GraderLimits.multiplyAddsPerSample)"), result.feedback.en)
            XCTAssertTrue(result.feedback.es.contains("\(macs) multiplicaciones-sumas por imagen"), result.feedback.es)
        }
    }

    func testDeeplyNestedAndOversizedModelsAreRefusedWithTheirNumbers() throws {
        let nested = "input 32x32x3\n" + String(repeating: "residual {\n", count: 5_000) + "relu\n" + String(repeating: "}\n", count: 5_000)
        let report = try grade(model: nested)
        for result in report.checks {
            XCTAssertEqual(result.status, .notGradable)
            XCTAssertTrue(result.feedback.en.contains("line \(ModelLimits.nesting + 2)") && result.feedback.en.contains("\(ModelLimits.nesting) levels"), result.feedback.en)
        }
        let big = "input 32x32x3\n" + String(repeating: "relu\n", count: GraderLimits.modelBytes / 5)
        let bytes = big.utf8.count
        for result in try grade(model: big).checks {
            XCTAssertEqual(result.status, .notGradable)
            XCTAssertTrue(result.feedback.en.contains("\(bytes) bytes") && result.feedback.en.contains("\(GraderLimits.modelBytes)"), result.feedback.en)
        }
    }

    /// Retraining keeps every value of a batch twice (values and gradients): a large batch is refused, a small one is not.
    func testRetrainingWithAHugeBatchIsRefusedNamingTheBatch() throws {
        let analysis = try ModelAnalysis(text: "input 32x32x3\nconv 64 3x3 pad=same\nrelu\nconv 64 3x3 pad=same\nrelu\nglobalavgpool\ndense 10\n")
        let values = try analysis.activationValues()   // 4 × 65,536 + 74 per image
        XCTAssertNil(GraderLimits.refusalToRun(analysis, batch: 256, training: true))
        let refusal = try XCTUnwrap(GraderLimits.refusalToRun(analysis, batch: 4096, training: true))
        XCTAssertTrue(refusal.en.contains("batches of 4096") && refusal.en.contains("\(values * 4096 * 2)")
                      && refusal.en.contains("\(GraderLimits.activationsPerBatch)"), refusal.en)
        XCTAssertTrue(refusal.es.contains("lotes de 4096") && refusal.es.contains("lote más chico"), refusal.es)
    }

    /// The notebook of a model exercise is read once, with the same size limit as an answers exercise.
    func testAnOversizedNotebookOfAModelExerciseIsRefusedNamingItsSize() throws {
        let bytes = GraderLimits.notebookBytes + 10
        let report = try grade(model: "input 32x32x3\nglobalavgpool\ndense 10\n", notebook: Data(repeating: UInt8(ascii: "a"), count: bytes))
        for id in ["params", "macs"] {
            let result = check(report, id)
            XCTAssertEqual(result.status, .notGradable)
            XCTAssertTrue(result.feedback.en.contains("\(bytes) bytes") && result.feedback.en.contains("\(GraderLimits.notebookBytes)"), result.feedback.en)
        }
        // Within the limit the same checks run.
        XCTAssertEqual(check(try grade(model: "input 32x32x3\nglobalavgpool\ndense 10\n"), "params").status, .failed)
    }
}
