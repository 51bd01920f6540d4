import XCTest
@testable import CapasREPL

final class CalculatorLimitsTests: XCTestCase {
    /// Huge outputs are refused before memory is allocated (the grader evaluates answers in its own process).
    func testHugePaddingIsRefusedNotAllocated() {
        for entry in ["conv([[1]], [[1]], pad=30000)", "maxpool([[1]], 60000, pad=30000)", "avgpool([[1, 2]], 10000, pad=5000)"] {
            XCTAssertThrowsError(try Calculator.evaluate(entry), entry) { error in
                XCTAssertTrue((error as! CalculatorError).message(in: .en).contains("too large"), entry)
                XCTAssertTrue((error as! CalculatorError).message(in: .es).contains("demasiado grande"), entry)
            }
        }
        XCTAssertNoThrow(try Calculator.evaluate("conv([[1]], [[1]], pad=100)"))
    }

    func testRot180FloorCeilAndFunctionListing() throws {
        let r = try Calculator.evaluate("rot180([[1, 2], [3, 4]])").value.shapeAndValues
        XCTAssertEqual(r.shape, [2, 2]); XCTAssertEqual(r.values, [4, 3, 2, 1])
        let stack = try Calculator.evaluate("rot180([[[1, 2]], [[3, 4]]])").value.shapeAndValues
        XCTAssertEqual(stack.values, [2, 1, 4, 3])
        XCTAssertEqual(try Calculator.evaluate("floor(-2.5) + ceil(2.1) + round(2.5)").value.shapeAndValues.values, [-3 + 3 + 3])
        XCTAssertEqual(try Calculator.functions(in: "a = 1 + sum(conv(A, [[1]])) * 2"), ["sum", "conv"])
        XCTAssertEqual(try Calculator.functions(in: "[[1, 2], [3, -4]]"), [])
    }
}
