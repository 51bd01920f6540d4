@testable import CapasGrader
import CapasCore
import Foundation
import XCTest

final class CodeGraderTests: XCTestCase {
    func testMasterSolutionGetsFullMarks() throws {
        let rubric = try CodeSupport.rubric()
        let started = Date()
        let report = try CodeSupport.grade(CodeSupport.solution, rubric: rubric)
        print("graded the conv2d solution in \(Date().timeIntervalSince(started)) s\n\(report.summary)")
        XCTAssertEqual(report.checks.count, rubric.checks.count)
        for check in report.checks {
            XCTAssertEqual(check.status, .passed, "\(check.id): \(check.feedback.en)")
        }
        XCTAssertEqual(report.points, rubric.maxPoints)
    }
}
