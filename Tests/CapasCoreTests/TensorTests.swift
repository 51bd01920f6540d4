import CapasCore
import Foundation
import XCTest

/// Tensor construction from outside data, reshaping, and the errors' wording.
final class TensorTests: XCTestCase {
    func testValidatingRejectsAWrongElementCountAndSaysBoth() {
        XCTAssertThrowsError(try Tensor(validating: [2, 3], data: [1, 2, 3, 4, 5])) { error in
            XCTAssertEqual(error as? TensorError, .elementCount(shape: [2, 3], count: 5))
            let text = String(describing: error)
            XCTAssertTrue(text.contains("[2, 3]"), text)
            XCTAssertTrue(text.contains("5"), text)
        }
        XCTAssertThrowsError(try Tensor(validating: [-1, 2], data: [1, 2]))
        // A product that overflows is an error, not a trap.
        XCTAssertThrowsError(try Tensor(validating: [Int.max, 2], data: [1, 2]))
        XCTAssertEqual(try Tensor(validating: [2, 2], data: [1, 2, 3, 4]), Tensor(rows: [[1, 2], [3, 4]]))
        XCTAssertEqual(try Tensor(validating: [], data: [7]).count, 1)
    }

    func testReshapedErrorNamesBothShapes() throws {
        let t = Tensor(shape: [2, 3, 4], data: (0..<24).map(Float.init))
        XCTAssertThrowsError(try t.reshaped([5, 5])) { error in
            XCTAssertEqual(error as? TensorError, .reshape(from: [2, 3, 4], to: [5, 5]))
            let text = String(describing: error)
            XCTAssertTrue(text.contains("[2, 3, 4]"), text)
            XCTAssertTrue(text.contains("[5, 5]"), text)
        }
        XCTAssertThrowsError(try t.reshaped([-4, -6]))
        XCTAssertThrowsError(try t.reshaped([Int.max, 3]))
        let r = try t.reshaped([6, 4])
        XCTAssertEqual(r.shape, [6, 4])
        XCTAssertEqual(r.data, t.data)
        XCTAssertEqual(r[1, 0], 4)
    }

    func testShapeMismatchNamesBothShapes() {
        XCTAssertThrowsError(try Tensor.checkSameShape(Tensor(zeros: [2, 3]), Tensor(zeros: [3, 2]), "add")) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("add"), text)
            XCTAssertTrue(text.contains("[2, 3]") && text.contains("[3, 2]"), text)
        }
    }

    func testIndexingIsRowMajorNCHW() {
        var t = Tensor(zeros: [2, 3, 4, 5])
        t[1, 2, 3, 4] = 9
        XCTAssertEqual(t.data[((1 * 3 + 2) * 4 + 3) * 5 + 4], 9)
        XCTAssertEqual(t.data.last, 9)
        t[0, 0, 0, 1] = 1
        XCTAssertEqual(t.data[1], 1)
    }

    func testArithmeticHelpers() {
        let a = Tensor([1, -2, 3]), b = Tensor([0.5, 0.5, -1])
        XCTAssertEqual((a + b).data, [1.5, -1.5, 2])
        XCTAssertEqual((a - b).data, [0.5, -2.5, 4])
        XCTAssertEqual((a * 2).data, [2, -4, 6])
        XCTAssertEqual(a.maxAbsDifference(b), 4)
        XCTAssertTrue(a.maxAbsDifference(Tensor([.nan, 0, 0])).isNaN)
        XCTAssertFalse(Tensor([1, .infinity]).isFinite)
        XCTAssertEqual(Tensor(rows: [[1, 5, 2], [7, 0, 7]]).argmaxRows(), [1, 0])
        XCTAssertEqual(a.sum(), 2)
    }

    func testSeededGeneratorIsReproducible() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let xs = (0..<5).map { _ in a.next() }
        XCTAssertEqual(xs, (0..<5).map { _ in b.next() })
        XCTAssertNotEqual(xs, (0..<5).map { _ in c.next() })
        for _ in 0..<1000 {
            let u = a.nextUnitFloat()
            XCTAssertTrue(u >= 0 && u < 1)
        }
    }

    /// PyTorch's default initialisation bound, ±1/√fan_in, for weights and bias.
    func testDefaultInitializationBounds() {
        var gen = SeededGenerator(seed: 1)
        let conv = Conv2D(ConvolutionConfig(inChannels: 4, outChannels: 6, kernel: Size2D(3, 3), groups: 2), generator: &gen)
        XCTAssertEqual(conv.weight.value.shape, [6, 2, 3, 3])
        let bound = 1 / Float(2 * 3 * 3).squareRoot()
        XCTAssertTrue(conv.weight.value.data.allSatisfy { abs($0) <= bound })
        XCTAssertTrue(conv.bias!.value.data.allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(conv.weight.value.data.map(abs).max()!, bound * 0.8)
    }
}
