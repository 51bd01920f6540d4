import XCTest
import CapasMessages
@testable import CapasGrader

final class AnswersTests: XCTestCase {
    let rubric = try! course.rubric("02-sizes-and-parameters")
    let secret = try! course.secret()!

    func context(_ mode: GradingContext.Mode = .grade) -> GradingContext {
        GradingContext(mode: mode, language: .en, workFolder: FileManager.default.temporaryDirectory)
    }

    func grade(_ text: String, _ variant: Variant, mode: GradingContext.Mode = .grade) -> ExerciseReport {
        AnswersGrader.grade(rubric: rubric, notebookText: text, notebookPath: "notebook.md", variant: variant, context: context(mode))
    }

    func referenceAnswers(_ variant: Variant) throws -> [String: String] {
        var answers: [String: String] = [:]
        for check in rubric.checks { answers[check.answer!] = Assign.literal(try variant.expected(check)!) }
        return answers
    }

    /// Every randomized exercise is self-tested on 200 variants: the reference
    /// scores full, every catalogued mistake scores less and is named, and no
    /// variant is degenerate.
    func testTwoHundredVariantsOfEveryRandomizedExercise() throws {
        let randomized = try course.exerciseIDs().map(course.rubric).filter { $0.kind == .answers && !($0.parameters ?? [:]).isEmpty }
        XCTAssertGreaterThanOrEqual(randomized.count, 3)
        for rubric in randomized { try selfTest(rubric) }
    }

    func testTheSizesExerciseAlwaysNeedsFlooring() throws {
        for i in 0..<200 {
            let variant = try Variant.generate(rubric, secret: secret, learner: "learner\(i)@example.org")
            let n = variant.parameters["n"]!, f = variant.parameters["f"]!, p = variant.parameters["p"]!, s = variant.parameters["s"]!
            XCTAssertNotEqual((n + 2 * p - f) % s, 0, "the stride question must need flooring")
        }
    }

    func selfTest(_ rubric: Rubric) throws {
        func grade(_ text: String, _ variant: Variant) -> ExerciseReport {
            AnswersGrader.grade(rubric: rubric, notebookText: text, notebookPath: "notebook.md", variant: variant, context: context())
        }
        func referenceAnswers(_ variant: Variant) throws -> [String: String] {
            var answers: [String: String] = [:]
            for check in rubric.checks { answers[check.answer!] = Assign.literal(try variant.expected(check)!) }
            return answers
        }
        var distinct = Set<String>()
        for i in 0..<200 {
            let variant = try Variant.generate(rubric, secret: secret, learner: "learner\(i)@example.org")
            distinct.insert(variant.header.replacingOccurrences(of: variant.learner, with: ""))
            XCTAssertEqual(try variant.problems(in: rubric), [], "\(rubric.exercise) variant \(i)")
            let reference = try referenceAnswers(variant)
            let full = grade(try notebook(for: rubric, variant: variant, answers: reference), variant)
            XCTAssertEqual(full.points, rubric.maxPoints, "variant \(i): \(full.checks.filter { $0.status != .passed }.map(\.id))")
            for check in rubric.checks {
                for mistake in check.mistakes ?? [] {
                    var answers = reference
                    answers[check.answer!] = Assign.literal(try variant.evaluate(mistake.expression!))
                    let report = grade(try notebook(for: rubric, variant: variant, answers: answers), variant)
                    let result = report.checks.first { $0.id == check.id }!
                    XCTAssertLessThan(report.points, rubric.maxPoints, "\(rubric.exercise) variant \(i), \(check.id) \(mistake.id)")
                    XCTAssertEqual(result.status, .failed)
                    XCTAssertEqual(result.mistake, mistake.id, "variant \(i), \(check.id)")
                    XCTAssertFalse(result.feedback.es.isEmpty || result.feedback.en.isEmpty)
                    XCTAssertNotEqual(result.feedback.es, result.feedback.en)
                }
            }
        }
        XCTAssertGreaterThan(distinct.count, 190, "\(rubric.exercise): variants should differ between learners")
    }

    func testTheHandoutVariantIsNotDegenerateEither() throws {
        for id in course.exerciseIDs() {
            let rubric = try course.rubric(id)
            guard rubric.kind == .answers else { continue }
            XCTAssertEqual(try Variant.example(rubric).problems(in: rubric), [], id)
        }
    }

    func testVariantsAreStableAcrossRuns() throws {
        // Pinned: a change here changes every learner's numbers mid-course.
        let variant = try Variant.generate(rubric, secret: Array("pinned secret for this test only".utf8), learner: "ana")
        let again = try Variant.generate(rubric, secret: Array("pinned secret for this test only".utf8), learner: "ana")
        XCTAssertEqual(variant, again)
        XCTAssertEqual(Variant.read(from: variant.header), variant)
    }

    func testCalculatorFunctionsAreForbiddenInAnswerCells() throws {
        let variant = Variant.example(rubric)
        var answers = try referenceAnswers(variant)
        answers["s1"] = "outsize(n=28, f=5, p=1)"
        let report = grade(try notebook(for: rubric, variant: variant, answers: answers), variant)
        let s1 = report.checks.first { $0.id == "s1" }!
        XCTAssertEqual(s1.status, .failed)
        XCTAssertEqual(s1.points, 0)
        XCTAssertEqual(s1.mistake, "calculator_used")
        XCTAssertTrue(s1.feedback.en.contains("`outsize`"))
        XCTAssertEqual(report.points, rubric.maxPoints - 1)
    }

    func testArithmeticAndEarlierAnswersAreAllowed() throws {
        let variant = Variant.example(rubric)
        var answers = try referenceAnswers(variant)
        answers["s1"] = "(28 + 2*1 - 5)/1 + 1"
        answers["s4"] = "s1 / 2"
        let report = grade(try notebook(for: rubric, variant: variant, answers: answers), variant)
        XCTAssertEqual(report.points, rubric.maxPoints, "\(report.checks.filter { $0.status != .passed })")
    }

    func testNaNAndGarbageNeverPass() throws {
        let variant = Variant.example(rubric)
        var answers = try referenceAnswers(variant)
        answers["s1"] = "0/0"
        answers["s2"] = "[[13"
        answers["p1"] = "1216 1216"
        let report = grade(try notebook(for: rubric, variant: variant, answers: answers), variant)
        for id in ["s1", "s2", "p1"] {
            let check = report.checks.first { $0.id == id }!
            XCTAssertEqual(check.points, 0, id)
            XCTAssertNotEqual(check.status, .passed, id)
        }
    }

    func testUnansweredIsNotGradableAndHiddenChecksAreSkippedInSelfCheck() throws {
        let variant = Variant.example(rubric)
        let text = try notebook(for: rubric, variant: variant, answers: [:])
        let graded = grade(text, variant)
        XCTAssertTrue(graded.checks.allSatisfy { $0.status == .notGradable && $0.points == 0 })
        let checked = grade(text, variant, mode: .selfCheck)
        let hidden = rubric.checks.filter { $0.visibility != .visible }.map(\.id)
        XCTAssertFalse(hidden.isEmpty)
        for check in checked.checks {
            XCTAssertEqual(check.status == .skipped, hidden.contains(check.id), check.id)
        }
    }

    func testALaterAnswerReplacesAnEarlierOneAndMalformedLinesAreNoted() {
        let sheet = AnswerSheet(notebook: "```answer\ns1 = 3\njust words\ns1 = [[1, 2],\n [3, 4]]\n```\n")
        XCTAssertEqual(sheet.answers.count, 1)
        XCTAssertEqual(sheet.answers[0].expression, "[[1, 2], [3, 4]]")
        XCTAssertEqual(sheet.answers[0].line, 4)
        XCTAssertEqual(sheet.malformed.map(\.line), [3])
    }

    func testGradingWithTheLearnerIdIgnoresNumbersEditedIntoTheNotebook() throws {
        // A learner who edits the header to easier numbers is graded on their own.
        let own = try Variant.generate(rubric, secret: secret, learner: "bea")
        let easy = Variant(learner: "bea", parameters: Variant.example(rubric).parameters)
        let text = try notebook(for: rubric, variant: easy, answers: try referenceAnswers(easy))
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let exercise = folder.appendingPathComponent(rubric.exercise)
        try FileManager.default.createDirectory(at: exercise, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: exercise.appendingPathComponent("notebook.md"))
        let report = Grader.grade(submission: folder, course: course, options: .init(
            mode: .grade, language: .en, learner: "bea", exercises: [rubric.exercise]))
        XCTAssertNotEqual(own.parameters, easy.parameters)
        XCTAssertLessThan(report.points, rubric.maxPoints)
        XCTAssertTrue(report.exercises[0].notes.contains { $0.en.contains("another variant") })
    }

    /// Whatever a learner types into answer cells, grading ends with a result for every check.
    func testRandomAnswerCellsNeverCrashTheGrader() throws {
        let pieces = ["[", "]", "(", ")", ",", "=", "+", "-", "*", "/", "^", "1", "0.5", "1e308", "-1e308", "nan", "inf", "s1", "s2",
                      "conv", "maxpool", "softmax", "outsize", "n=", "pad=", "?", " ", "\n", "```", "#", "é", "\u{0}", "[[1,2],[3,4]]"]
        var random = SplitMix64(seed: 99)
        let variant = Variant.example(rubric)
        for round in 0..<1500 {
            var cell = ""
            for _ in 0..<random.int(in: 1...24) { cell += pieces[random.int(in: 0...(pieces.count - 1))] }
            let name = ["s1", "s2", "p1", "p3"][round % 4]
            let text = "```answer\n\(name) = \(cell)\n```\n```answer\n\(cell)\n```\n"
            let report = grade(text, variant)
            XCTAssertEqual(report.checks.count, rubric.checks.count)
            XCTAssertTrue(report.checks.allSatisfy { $0.status != .graderError }, cell)
        }
    }
}
