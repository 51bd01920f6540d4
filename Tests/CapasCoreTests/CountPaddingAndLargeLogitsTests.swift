import CapasCore
import Foundation
import XCTest

/// Average pooling that leaves the padding out of the divisor (PyTorch's
/// count_include_pad=False), and log-softmax / cross-entropy at logits of
/// ±1000 and ±10⁴, against Fixtures/torch/pooling_count_pad.json and
/// large_logits.json (make_fixtures.py).
final class CountPaddingAndLargeLogitsTests: XCTestCase {

    func pooling(_ c: FixtureCase) -> Pool2D {
        let p = c.params
        let k = p.ints("kernel"), s = p.ints("stride"), pad = p.ints("padding")
        return Pool2D(PoolingConfig(kind: .average, kernel: Size2D(k[0], k[1]), stride: Size2D(s[0], s[1]),
                                    padding: Size2D(pad[0], pad[1]), oneDimensional: p.bool("one_dimensional"),
                                    ceilMode: p.bool("ceil_mode"), countPadding: p.bool("count_include_pad")))
    }

    func testAveragePoolingWithoutCountingPaddingMatchesPyTorch() throws {
        let cases = try Fixtures.cases("pooling_count_pad", op: "avg_pool", atLeast: 5)
        XCTAssertTrue(cases.contains { !$0.params.bool("count_include_pad") && $0.params.bool("ceil_mode") })
        XCTAssertTrue(cases.contains { $0.params.bool("one_dimensional") })
        for c in cases {
            let layer = pooling(c)
            let x = c.inputs![0].tensor
            let y = layer.forward(x, mode: .training)
            assertClose(y, c.output!.tensor, "\(c.name): output")
            let dx = layer.backward(c.grad_output!.tensor)
            assertClose(dx, c.grad_inputs![0].tensor, "\(c.name): input gradient")
        }
    }

    /// Direct computation: an image of ones stays all ones when the padding is
    /// not counted, and darkens at the border when it is.
    func testOnesStayOnesWithoutCountingPadding() {
        let ones = Tensor(repeating: 1, shape: [1, 1, 5, 5])
        let keras = Pool2D(PoolingConfig(kind: .average, kernel: Size2D(3, 3), stride: Size2D(1, 1),
                                         padding: Size2D(1, 1), countPadding: false))
        XCTAssertEqual(keras.forward(ones, mode: .evaluation).data, [Float](repeating: 1, count: 25))
        let torch = Pool2D(PoolingConfig(kind: .average, kernel: Size2D(3, 3), stride: Size2D(1, 1), padding: Size2D(1, 1)))
        let corner = torch.forward(ones, mode: .evaluation).data[0]
        XCTAssertEqual(corner, 4 / 9, accuracy: 1e-7)
    }

    /// Float32 rounding of the exact value: one unit in the last place of the
    /// result, and never less than 10⁻⁶ (the rounding of ln Σ near 0).
    func roundingTolerance(_ reference: Double) -> Double {
        max(Double(Float(reference).ulp), 1e-6)
    }

    func testLogSoftmaxAtLargeLogitsStaysWithinRoundingOfFloat64() throws {
        let cases = try Fixtures.cases("large_logits", op: "softmax", atLeast: 2)
        XCTAssertTrue(cases.contains { $0.inputs![0].data.contains(1e4) })
        for c in cases {
            let layer = Softmax(logarithmic: true)
            let y = layer.forward(c.inputs![0].tensor, mode: .training)
            let exact = c.output64!.data
            XCTAssertEqual(y.count, exact.count)
            for (got, want) in zip(y.data, exact) {
                XCTAssertLessThanOrEqual(abs(Double(got) - want), roundingTolerance(want), "\(c.name): \(got) vs \(want)")
            }
            // PyTorch in float32 agrees to the same rounding.
            for (got, torch) in zip(y.data, c.output!.data) {
                XCTAssertLessThanOrEqual(abs(Double(got) - Double(torch)), 2 * roundingTolerance(Double(torch)), c.name)
            }
            assertClose(layer.backward(c.grad_output!.tensor), c.grad_inputs![0].tensor, "\(c.name): gradient")
        }
    }

    func testCrossEntropyAtLargeLogitsStaysWithinRoundingOfFloat64() throws {
        let cases = try Fixtures.cases("large_logits", op: "cross_entropy", atLeast: 2)
        for c in cases {
            let (loss, gradient) = Loss.crossEntropy(logits: c.inputs![0].tensor, labels: c.labels!)
            let exact = c.output64!.data[0]
            XCTAssertLessThanOrEqual(abs(Double(loss) - exact), max(1e-6 * abs(exact), 1e-6), "\(c.name): \(loss) vs \(exact)")
            assertClose(gradient, c.grad_inputs![0].tensor, "\(c.name): gradient")
        }
    }

    /// Without fixtures: two logits near 10⁴ that differ by d give the larger
    /// one −log softmax = ln(1 + e^−d), about 0.405 for d ≈ ln 2, which the
    /// float32 spacing at 10⁴ (0.001) would swamp if 10⁴ were added back in.
    func testCrossEntropyOfTwoCloseHugeLogitsIsExact() {
        let big: Float = 10_000, rival = 10_000 - Float(M_LN2)
        let (loss, _) = Loss.crossEntropy(logits: Tensor(shape: [1, 2], data: [big, rival]), labels: [0])
        let d = Double(big) - Double(rival)
        XCTAssertEqual(Double(loss), log(1 + exp(-d)), accuracy: 1e-6)
    }
}
