@testable import CapasGrader
import Foundation
import XCTest

/// A self-check grades no hidden check, but reads every hidden answer: one
/// that cannot be read or has the wrong shape is reported now (as
/// nbgrader's validate runs every cell), not discovered at grading time.
final class HiddenAnswerTests: XCTestCase {
    func testSelfCheckReportsAHiddenAnswerThatCannotBeReadOrHasTheWrongShape() throws {
        let id = "04-pooling-softmax-crossentropy"
        var template = Array((NSTemporaryDirectory() + "capas-hidden-XXXXXX").utf8CString)
        let root = URL(fileURLWithPath: String(cString: try XCTUnwrap(mkdtemp(&template))))
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent(id)
        try FileManager.default.copyItem(at: course.exercises.appendingPathComponent(id), to: folder)
        let notebook = folder.appendingPathComponent("notebook.md")
        var text = try String(contentsOf: notebook, encoding: .utf8)
        text = text.replacingOccurrences(of: "m2 = ?", with: "m2 = [[6, 5], [9, 7]")   // a bracket never closed
            .replacingOccurrences(of: "s2 = ?", with: "s2 = 0.5")                      // a number, not a vector of 3
        try text.write(to: notebook, atomically: true, encoding: .utf8)

        let report = Grader.grade(submission: root, course: course, options: .init(mode: .selfCheck, language: .en, exercises: [id]))
        let checks = Dictionary(uniqueKeysWithValues: report.checks.map { ($0.id, $0) })
        let m2 = try XCTUnwrap(checks["m2"]), s2 = try XCTUnwrap(checks["s2"]), e2 = try XCTUnwrap(checks["e2"])
        XCTAssertEqual(m2.status, .invalid, m2.feedback.en)
        XCTAssertTrue(m2.feedback.en.hasPrefix("`m2` cannot be read:"), m2.feedback.en)
        XCTAssertTrue(m2.feedback.es.hasPrefix("`m2` no se puede leer:"), m2.feedback.es)
        XCTAssertNotNil(m2.line)
        XCTAssertEqual(s2.status, .invalid, s2.feedback.en)
        XCTAssertTrue(s2.feedback.en.contains("expected an array of shape 3, the answer is a number"), s2.feedback.en)
        // Nothing of a hidden check's reference shows, and no points are given now.
        XCTAssertEqual(e2.status, .skipped)
        XCTAssertTrue(e2.feedback.en.contains("no answer `e2 = …` yet"), e2.feedback.en)
        XCTAssertEqual(m2.points + s2.points + e2.points, 0)
        // Graded for real, the same answers simply fail.
        let graded = Grader.grade(submission: root, course: course, options: .init(mode: .grade, language: .en, exercises: [id]))
        XCTAssertEqual(graded.checks.first { $0.id == "m2" }?.status, .failed)
    }
}

/// `[0,13, 0,87, 0,00]` reads as six numbers, not three: graded, the
/// answer's feedback starts by naming the decimal comma, in both languages.
final class DecimalCommaAnswerTests: XCTestCase {
    func testADecimalCommaInAnAnswerIsNamed() throws {
        let id = "04-pooling-softmax-crossentropy"
        var template = Array((NSTemporaryDirectory() + "capas-comma-XXXXXX").utf8CString)
        let root = URL(fileURLWithPath: String(cString: try XCTUnwrap(mkdtemp(&template))))
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent(id)
        try FileManager.default.copyItem(at: course.exercises.appendingPathComponent(id), to: folder)
        let notebook = folder.appendingPathComponent("notebook.md")
        let text = try String(contentsOf: notebook, encoding: .utf8).replacingOccurrences(of: "s1 = ?", with: "s1 = [0,13, 0,87, 0,00]")
        try text.write(to: notebook, atomically: true, encoding: .utf8)
        let report = Grader.grade(submission: root, course: course, options: .init(mode: .grade, language: .en, exercises: [id]))
        let s1 = try XCTUnwrap(report.checks.first { $0.id == "s1" })
        XCTAssertEqual(s1.status, .failed)
        XCTAssertTrue(s1.feedback.en.hasPrefix("numbers are written with a decimal point: 0.13, not 0,13"), s1.feedback.en)
        XCTAssertTrue(s1.feedback.es.hasPrefix("los números se escriben con punto decimal: 0.13, no 0,13"), s1.feedback.es)
    }
}
