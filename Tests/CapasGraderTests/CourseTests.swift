import XCTest
import CapasTraining
@testable import CapasGrader

/// Model exercises whose dataset this machine lacks (CIFAR-10 cannot be downloaded here):
/// their masters are graded where the data is installed.
let exercisesWithoutData: Set<String> = Set(course.exerciseIDs().filter { id in
    guard let rubric = try? course.rubric(id), rubric.kind == .model else { return false }
    return (try? DataSets.load(rubric.dataset ?? "fashion-mnist")) == nil
})

/// The course's own bar: the masters get full marks, the handout zero, and nothing crashes.
final class CourseTests: XCTestCase {
    func testSolutionsGetFullMarks() {
        let ids = course.exerciseIDs().filter { !exercisesWithoutData.contains($0) }
        let report = Grader.grade(submission: course.solutions, course: course, options: .init(mode: .grade, language: .en, exercises: ids))
        XCTAssertFalse(report.exercises.isEmpty)
        for check in report.checks {
            // Retraining runs only with --verify-training (a benchmark measures it, not the tests).
            let expected: CheckStatus = check.id == "retrain" ? .skipped : .passed
            XCTAssertEqual(check.status, expected, "\(check.exercise)/\(check.id): \(check.feedback.en)")
        }
        XCTAssertEqual(report.points, report.checks.filter { $0.status == .passed }.reduce(0) { $0 + $1.maxPoints })
        XCTAssertGreaterThan(report.maxPoints, 0)
    }

    func testSolutionsGetFullMarksForAnyLearner() {
        let ids = course.exerciseIDs().filter { !exercisesWithoutData.contains($0) }
        let report = Grader.grade(submission: course.solutions, course: course, options: .init(mode: .grade, language: .es, learner: "ana@example.org", exercises: ids))
        XCTAssertTrue(report.checks.allSatisfy { $0.status == .passed || $0.id == "retrain" },
                      "\(report.checks.filter { $0.status != .passed }.map { "\($0.id): \($0.feedback.es)" })")
    }

    func testTheHandoutScoresZeroWithoutGraderErrors() {
        let report = Grader.grade(submission: course.exercises, course: course, options: .init(mode: .grade, language: .en))
        XCTAssertEqual(report.exercises.count, course.exerciseIDs().count)
        XCTAssertEqual(report.points, 0)
        XCTAssertFalse(report.hasGraderError, "\(report.checks.filter { $0.status == .graderError }.map(\.feedback.en))")
        XCTAssertTrue(report.checks.allSatisfy { $0.status != .passed })
    }

    /// Without the dataset a self-check says the accuracy cannot be measured here; grading is a grader error (exit 3).
    func testAMissingDatasetIsTheGradersProblemNotTheLearners() throws {
        guard let id = exercisesWithoutData.first else { throw XCTSkip("every dataset is installed here") }
        let checked = Grader.grade(submission: course.solutions, course: course, options: .init(mode: .selfCheck, language: .es, exercises: [id]))
        let graded = Grader.grade(submission: course.solutions, course: course, options: .init(mode: .grade, language: .es, exercises: [id]))
        let firstLoss = { (r: GradeReport) in r.checks.first { $0.id == "first-loss" }! }
        XCTAssertEqual(firstLoss(checked).status, .skipped)
        XCTAssertTrue(firstLoss(checked).feedback.es.contains("no se puede medir aquí"))
        XCTAssertEqual(firstLoss(graded).status, .graderError)
        XCTAssertTrue(graded.hasGraderError)
    }

    /// A learner's copy of exercises/ has only checks.json: grading it runs the
    /// visible checks and lists the hidden ones, without the course.
    func testALearnersCopyGradesWithoutTheCourse() throws {
        let copy = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.copyItem(at: course.exercises, to: copy.appendingPathComponent("exercises"))
        let ids = course.exerciseIDs().filter { FileManager.default.fileExists(atPath: course.exercises.appendingPathComponent($0).path) }
        for mode in [GradingContext.Mode.grade, .selfCheck] {
            let report = Grader.grade(submission: copy, course: nil, options: .init(mode: mode, language: .en, exercises: ids))
            XCTAssertEqual(report.exercises.count, ids.count)
            XCTAssertFalse(report.hasGraderError, "\(report.checks.filter { $0.status == .graderError }.map(\.feedback.en))")
            if mode == .selfCheck {
                for check in report.checks where check.visibility != .visible { XCTAssertEqual(check.status, .skipped) }
            }
        }
    }

    /// The written comparison is checked against the learner's own models, recomputed from their files.
    func testComparisonNumbersAreCheckedAgainstTheLearnersModels() throws {
        let copy = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: copy) }
        for id in ["09-fnn-fashion-mnist", "10-cnn-fashion-mnist"] {
            try FileManager.default.copyItem(at: course.solutions.appendingPathComponent(id), to: copy.appendingPathComponent(id))
        }
        let notebook = copy.appendingPathComponent("10-cnn-fashion-mnist/notebook.md")
        var text = try String(contentsOf: notebook, encoding: .utf8)
        text = text.replacingOccurrences(of: "cnn_params = 50186", with: "cnn_params = 50000")
            .replacingOccurrences(of: "fnn_acc = 0.8703", with: "fnn_acc = 0.8723")
        try Data(text.utf8).write(to: notebook)
        let report = Grader.grade(submission: copy, course: course, options: .init(
            mode: .grade, language: .en, exercises: ["10-cnn-fashion-mnist"]))
        let byID = Dictionary(uniqueKeysWithValues: report.checks.map { ($0.id, $0) })
        XCTAssertEqual(byID["cnn-params"]?.status, .failed)
        XCTAssertTrue(byID["cnn-params"]?.feedback.en.contains("gives 50186, not 50000") == true, byID["cnn-params"]?.feedback.en ?? "")
        XCTAssertEqual(byID["fnn-accuracy"]?.status, .passed, "within 0.005 of the measured accuracy")
        XCTAssertEqual(byID["fnn-params"]?.status, .passed)
        XCTAssertEqual(byID["cnn-macs"]?.status, .passed)
    }

    func testEveryRubricLoadsAndEveryCheckIsBilingual() throws {
        for id in course.exerciseIDs() {
            let rubric = try course.rubric(id)
            for check in rubric.checks {
                XCTAssertFalse(check.name.es.isEmpty || check.name.en.isEmpty, "\(id)/\(check.id)")
            }
            XCTAssertTrue(rubric.checks.contains { $0.visibility == .visible }, "\(id) needs visible checks for self-checks")
            XCTAssertTrue(rubric.checks.contains { $0.visibility != .visible }, "\(id) needs hidden checks")
        }
    }

    func testABrokenRubricIsAGraderErrorNamingTheFile() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let grading = root.appendingPathComponent("grading/x")
        try FileManager.default.createDirectory(at: grading, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("solutions/x"), withIntermediateDirectories: true)
        try Data(#"{"exercise": "x", "title": {"es": "x", "en": "x"}, "kind": "answers", "checks": [{"id": "a", "name": {"es": "a", "en": "a"}, "points": -1, "visibility": "visible", "answer": "a", "reference": "1"}]}"#.utf8)
            .write(to: grading.appendingPathComponent("rubric.json"))
        let report = Grader.grade(submission: root.appendingPathComponent("solutions"), course: Course(root: root),
                                  options: .init(mode: .grade, language: .en))
        XCTAssertTrue(report.hasGraderError)
        XCTAssertTrue(report.checks[0].feedback.en.contains("rubric.json"), report.checks[0].feedback.en)
        XCTAssertTrue(report.checks[0].feedback.en.contains("points"))
    }
}
