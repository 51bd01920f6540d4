import XCTest
import CapasCheckpoint
import CapasCore
import CapasModel
import CapasTraining
@testable import CapasGrader

/// Model checks on a small generated CIFAR-format dataset whose class is
/// written in the image (a bright band of rows in one channel), so a linear
/// model learns it in a moment.
final class ModelTests: XCTestCase {
    static var root: URL!
    static let fnn = "input 32x32x3\nflatten\ndense 10\n"

    override class func setUp() {
        root = temporaryFolder("capas-model-course")
        let data = root.appendingPathComponent("data")
        try! FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        var random = SplitMix64(seed: 1)
        func batch(_ count: Int) -> Data {
            var bytes = [UInt8]()
            for _ in 0..<count {
                let label = random.int(in: 0...9)
                bytes.append(UInt8(label))
                for channel in 0..<3 {
                    for pixel in 0..<1024 {
                        let row = pixel / 32
                        let base = channel == 0 && row / 3 == label ? 200 : 40
                        bytes.append(UInt8(base + random.int(in: -30...30)))
                    }
                }
            }
            return Data(bytes)
        }
        for name in (1...5).map({ "data_batch_\($0).bin" }) { try! batch(60).write(to: data.appendingPathComponent(name)) }
        try! batch(200).write(to: data.appendingPathComponent("test_batch.bin"))
        let grading = root.appendingPathComponent("grading/09-fnn")
        try! FileManager.default.createDirectory(at: grading, withIntermediateDirectories: true)
        try! FileManager.default.createDirectory(at: root.appendingPathComponent("solutions"), withIntermediateDirectories: true)
        try! Data("""
        {"exercise": "09-fnn", "title": {"es": "FNN", "en": "FNN"}, "kind": "model", "dataset": "\(data.path)",
         "checks": [
          {"id": "fnn", "rule": "no_conv", "points": 1, "visibility": "visible", "name": {"es": "sin convoluciones", "en": "no convolutions"}},
          {"id": "size", "rule": "parameters_max", "threshold": 40000, "points": 1, "visibility": "visible", "name": {"es": "tamaño", "en": "size"}},
          {"id": "loss", "rule": "first_loss", "threshold": 0.5, "points": 1, "visibility": "visible", "name": {"es": "pérdida inicial", "en": "first loss"}},
          {"id": "acc", "rule": "accuracy", "threshold": 0.8, "points": 3, "visibility": "hidden", "name": {"es": "exactitud", "en": "accuracy"}},
          {"id": "retrain", "rule": "verify_training", "threshold": 0.15, "points": 1, "visibility": "hidden", "limits": {"wall_seconds": 60},
           "name": {"es": "reentrenar", "en": "retrain"}}
         ]}
        """.utf8).write(to: grading.appendingPathComponent("rubric.json"))
    }

    override class func tearDown() { try? FileManager.default.removeItem(at: root) }

    var course: Course { Course(root: Self.root) }
    var data: String { Self.root.appendingPathComponent("data").path }

    /// A submission folder with this model, a recipe, and a checkpoint trained for `epochs`.
    func submission(model: String = ModelTests.fnn, epochs: Int = 3, checkpointModel: String? = nil,
                    metadata: [String: String] = [:]) throws -> URL {
        let folder = temporaryFolder("capas-model-sub")
        let exercise = folder.appendingPathComponent("09-fnn")
        try FileManager.default.createDirectory(at: exercise, withIntermediateDirectories: true)
        try Data(model.utf8).write(to: exercise.appendingPathComponent("model.capas"))
        // The recipe asks for at least one epoch; with `epochs` 0 there is no checkpoint.
        try Data("epochs = \(max(1, epochs))\nbatch = 32\noptimizer = adam\nlr = 0.01\nseed = 3\n".utf8)
            .write(to: exercise.appendingPathComponent("recipe.txt"))
        if epochs > 0 {
            let analysis = try ModelAnalysis(text: checkpointModel ?? model)
            var options = TrainingOptions(); options.learningRate = 0.01; options.batchSize = 32; options.seed = 3; options.epochs = epochs
            let trainer = try Trainer(analysis: analysis, options: options)
            let sets = try DataSets.load(data)
            let loader = sets.loader(.train, batchSize: 32, seed: 3, augment: false)
            try trainer.train(trainBatches: { loader.batches(epoch: $0) }, batchesPerEpoch: loader.batchCount, evaluate: nil) { _ in }
            let checkpoint = CheckpointIO.checkpoint(of: trainer.network, metadata: metadata)
            try Data(Safetensors.encode(checkpoint)).write(to: exercise.appendingPathComponent("checkpoint.safetensors"))
        }
        return folder
    }

    func grade(_ folder: URL, verify: Bool = false) -> ExerciseReport {
        var options = Grader.Options(mode: .grade, language: .en, learner: "ana")
        options.verifyTraining = verify
        return Grader.grade(submission: folder, course: course, options: options).exercises[0]
    }

    func testAGoodModelPassesEveryCheckAndGoesToTheLeaderboard() throws {
        let folder = try submission()
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = grade(folder, verify: true)
        for check in report.checks { XCTAssertEqual(check.status, .passed, "\(check.id): \(check.feedback.en)") }
        XCTAssertEqual(report.leaderboard.count, 1)
        XCTAssertGreaterThanOrEqual(report.leaderboard[0].value, 0.8)
        // Without --verify-training the retraining check is listed, not run.
        XCTAssertEqual(grade(folder).checks.first { $0.id == "retrain" }?.status, .skipped)
    }

    func testAccuracyIsMeasuredNotClaimed() throws {
        // Fresh weights, a metadata claim of 0.99: the grader measures chance level.
        let folder = try submission(epochs: 0)
        defer { try? FileManager.default.removeItem(at: folder) }
        let exercise = folder.appendingPathComponent("09-fnn")
        let network = try ModelAnalysis(text: Self.fnn).makeNetwork(seed: 0)
        let checkpoint = CheckpointIO.checkpoint(of: network, metadata: ["accuracy": "0.99", "test_accuracy": "0.99"])
        try Data(Safetensors.encode(checkpoint)).write(to: exercise.appendingPathComponent("checkpoint.safetensors"))
        let acc = grade(folder).checks.first { $0.id == "acc" }!
        XCTAssertEqual(acc.status, .failed)
        XCTAssertTrue(acc.feedback.en.contains("measured by the grader"))
    }

    func testAConvolutionInTheFNNIsNamedWithItsLine() throws {
        let model = "input 32x32x3\nconv 2 3x3\nflatten\ndense 10\n"
        let folder = try submission(model: model, epochs: 0)
        defer { try? FileManager.default.removeItem(at: folder) }
        let check = grade(folder).checks.first { $0.id == "fnn" }!
        XCTAssertEqual(check.status, .failed)
        XCTAssertTrue(check.feedback.en.contains("line 2"), check.feedback.en)
    }

    func testParametersAreRecountedFromTheModelText() throws {
        let folder = try submission(model: "input 32x32x3\nflatten\ndense 16\nrelu\ndense 10\n", epochs: 0)
        defer { try? FileManager.default.removeItem(at: folder) }
        let check = grade(folder).checks.first { $0.id == "size" }!
        XCTAssertEqual(check.status, .failed)   // 3072·16 + 16 + 170 = 49,338 > 40,000
        XCTAssertTrue(check.feedback.en.contains("49338"), check.feedback.en)
    }

    func testACheckpointOfAnotherModelIsInvalidNotACrash() throws {
        let folder = try submission(epochs: 1, checkpointModel: "input 32x32x3\nflatten\ndense 12\nrelu\ndense 10\n")
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = grade(folder)
        let acc = report.checks.first { $0.id == "acc" }!
        XCTAssertEqual(acc.status, .invalid, acc.feedback.en)
        XCTAssertEqual(report.checks.first { $0.id == "fnn" }?.status, .passed, "other checks still run")
    }

    func testGarbageAndAbsurdModelsAreRefusedCleanly() throws {
        for model in ["input 32x32x3\nflatten\ndense 100000000\ndense 10\n", "input 32x32x3\nconv 5 99x99\n", "\u{0}\u{1}garbage"] {
            let folder = try submission(model: model, epochs: 0)
            defer { try? FileManager.default.removeItem(at: folder) }
            let report = grade(folder)
            XCTAssertTrue(report.checks.allSatisfy { $0.points == 0 && $0.status != .passed }, model)
            XCTAssertFalse(report.checks.contains { $0.status == .graderError }, model)
        }
        let empty = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: empty) }
        let report = grade(empty)
        XCTAssertTrue(report.checks.allSatisfy { $0.status == .notGradable })
    }

    func testFirstLossIsComparedWithLnOfTheClassCount() throws {
        // A trailing softmax is skipped for the loss (logits), as in training.
        let folder = try submission(model: "input 32x32x3\nflatten\ndense 10\nsoftmax\n", epochs: 0)
        defer { try? FileManager.default.removeItem(at: folder) }
        let check = grade(folder).checks.first { $0.id == "loss" }!
        XCTAssertTrue(check.feedback.en.contains("ln 10 = 2.3026"), check.feedback.en)
    }

    /// A recipe is read with the keys of `capas train` and `:train`: either spelling of
    /// weight decay, Spanish names, any case.
    func testRecipeKeysFollowTheTrainingOptionsInBothLanguages() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let rubric = try Course(root: repositoryRoot).rubric("09-fnn-fashion-mnist")
        try "épocas = 7\nlote = 32\noptimizer = Adam\nweight-decay = 0.0005\nsemilla = 11\naumento = sí\n"
            .write(to: folder.appendingPathComponent(rubric.recipe ?? "recipe.txt"), atomically: true, encoding: .utf8)
        let recipe = try ModelGrader.recipe(folder, rubric: rubric)
        XCTAssertEqual(recipe.options.epochs, 7)
        XCTAssertEqual(recipe.options.batchSize, 32)
        XCTAssertEqual(recipe.options.optimizer, .adam)
        XCTAssertEqual(recipe.options.weightDecay, 0.0005)
        XCTAssertEqual(recipe.seed, 11)
        XCTAssertTrue(recipe.augment)
    }

    /// A typo or a bad value in a recipe is an error naming the file, the line and
    /// the problem in both languages, never a silent default.
    func testRecipeMistakesNameTheLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let rubric = try Course(root: repositoryRoot).rubric("09-fnn-fashion-mnist")
        let file = folder.appendingPathComponent(rubric.recipe ?? "recipe.txt")
        let cases: [(String, String, String)] = [
            ("# comment\nepochs = 5\nlerning_rate = 0.01\n", "recipe.txt:3:", "unknown key `lerning_rate`"),
            ("epochs = 0\n", "recipe.txt:1:", "`epochs` must be a whole number from 1 to 1000, not `0`"),
            ("\n\nlr = fast\n", "recipe.txt:3:", "`lr` must be a positive number, not `fast`"),
            ("optimizer = rmsprop\n", "recipe.txt:1:", "sgd, momentum, adam or adadelta"),
            ("augment = maybe\n", "recipe.txt:1:", "`augment` must be yes or no"),
            ("epochs 5\n", "recipe.txt:1:", "expected `key = value`, not `epochs 5`"),
        ]
        for (text, place, english) in cases {
            try text.write(to: file, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try ModelGrader.recipe(folder, rubric: rubric), text) { error in
                guard let problem = error as? ModelGrader.ModelProblem else { return XCTFail("\(error)") }
                XCTAssertTrue(problem.message.en.hasPrefix(place) && problem.message.en.contains(english), problem.message.en)
                XCTAssertTrue(problem.message.es.hasPrefix(place) && problem.message.es != problem.message.en, problem.message.es)
            }
        }
        try "augment = no   # sin aumento\n\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertFalse(try ModelGrader.recipe(folder, rubric: rubric).augment)
    }
}
