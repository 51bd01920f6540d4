import XCTest
@testable import CapasGrader

final class ToleranceTests: XCTestCase {
    func testNaNAndInfinityNeverPass() {
        let t = Tolerance(atol: 1e9, rtol: 1e9)
        XCTAssertFalse(t.accepts(got: .nan, expected: 1))
        XCTAssertFalse(t.accepts(got: .infinity, expected: .infinity))
        XCTAssertFalse(t.accepts(got: 1, expected: .nan))
        let c = Comparison.compare(got: Numbers(shape: [2], values: [1, .nan]), expected: Numbers(shape: [2], values: [1, 2]),
                                   tolerance: t)
        XCTAssertEqual(c.outcome, .nonFinite(count: 1, first: [1]))
    }

    func testShapeMustMatchExactly() {
        let c = Comparison.compare(got: Numbers(shape: [3, 2], values: Array(repeating: 0, count: 6)),
                                   expected: Numbers(shape: [2, 3], values: Array(repeating: 0, count: 6)),
                                   tolerance: Tolerance())
        XCTAssertEqual(c.outcome, .shapeMismatch(expected: [2, 3], got: [3, 2]))
        XCTAssertTrue(c.feedback(tolerance: Tolerance()).en.contains("swapped"))
        XCTAssertTrue(c.feedback(tolerance: Tolerance()).es.contains("intercambiadas"))
    }

    func testAbsoluteAndRelativeBound() {
        let t = Tolerance(atol: 0.01, rtol: 0.1)
        XCTAssertTrue(t.accepts(got: 110, expected: 100))      // 10 ≤ 0.01 + 10
        XCTAssertFalse(t.accepts(got: 110.1, expected: 100))
        XCTAssertTrue(t.accepts(got: 0.009, expected: 0))
        XCTAssertFalse(t.accepts(got: 0.011, expected: 0))
    }

    func testFirstDifferencesAreReportedWithIndices() {
        let expected = Numbers(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let got = Numbers(shape: [2, 3], values: [1, 2, 3, 4, 9, 6])
        let c = Comparison.compare(got: got, expected: expected, tolerance: Tolerance())
        XCTAssertEqual(c.outcome, .values(mismatched: 1, of: 6))
        XCTAssertEqual(c.differences.first?.index, [1, 1])
        XCTAssertEqual(c.differences.first?.expected, 5)
        XCTAssertEqual(c.differences.first?.got, 9)
    }
}
