import CapasCore
import XCTest

/// A frozen convolution whose backward runs (a trainable layer below it, or
/// :network looking at every gradient) passes the input gradient on and
/// writes no weight gradient anywhere: before the fix it wrote them through
/// the base address of an empty array, corrupting the heap (a crash in an
/// unrelated dictionary lookup later).
final class FrozenConvBackwardTests: XCTestCase {
    func conv(_ seed: UInt64, inChannels: Int = 2) -> Conv2D {
        var generator = SeededGenerator(seed: seed)
        return Conv2D(ConvolutionConfig(inChannels: inChannels, outChannels: 3, kernel: Size2D(3, 3),
                                        padding: Padding2D(1, 1)), generator: &generator)
    }

    func testAFrozenConvolutionPassesTheGradientOnAndLeavesEverythingElseAlone() throws {
        var generator = SeededGenerator(seed: 9)
        let x = Tensor(shape: [3, 2, 6, 6], data: (0..<216).map { _ in generator.uniform(-1, 1) })
        let dy = Tensor(shape: [3, 3, 6, 6], data: (0..<324).map { _ in generator.uniform(-1, 1) })
        let free = conv(4), frozen = conv(4)
        // The unrolled (im2col) path, where the bug was; Winograd keeps its accumulators.
        free.algorithm = .im2col; frozen.algorithm = .im2col
        frozen.weight.frozen = true
        frozen.bias?.frozen = true
        _ = free.forward(x, mode: .training)
        _ = frozen.forward(x, mode: .training)
        let expected = free.backward(dy)
        for _ in 0..<200 {
            let dx = frozen.backward(dy)
            XCTAssertEqual(dx.data, expected.data)
        }
        XCTAssertTrue(frozen.weight.grad.data.allSatisfy { $0 == 0 })
        XCTAssertTrue(frozen.bias?.grad.data.allSatisfy { $0 == 0 } ?? true)
        // Empty arrays and dictionaries still behave after many frozen backward passes.
        let empty: [Float] = []
        XCTAssertTrue(empty.isEmpty)
        var d: [String: Int] = [:]
        for i in 0..<5000 { d["k\(i)"] = i }
        XCTAssertEqual(d["k4999"], 4999)
        XCTAssertEqual([Float](repeating: 0, count: 0).reduce(0, +), 0)
    }
}
