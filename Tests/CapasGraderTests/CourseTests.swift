import XCTest
@testable import CapasGrader

/// The course's own bar: the masters get full marks, the handout zero, and nothing crashes.
final class CourseTests: XCTestCase {
    func testSolutionsGetFullMarks() {
        let report = Grader.grade(submission: course.solutions, course: course, options: .init(mode: .grade, language: .en))
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
        let report = Grader.grade(submission: course.solutions, course: course, options: .init(mode: .grade, language: .es, learner: "ana@example.org"))
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
