@testable import CapasREPL
import CapasCore
import CapasModel
import Foundation
import XCTest

/// `:network`'s numbers, checked against what the layers compute by hand
/// for a model small enough to write out: dense logits W·x + b, the
/// gradient of the cross-entropy softmax(z) − onehot(label), the gradient
/// at the flattened input Wᵀ(softmax(z) − onehot), and the weight gradient
/// (softmax(z) − onehot)·xᵀ.
final class NetworkViewTests: XCTestCase {
    func testEveryNumberMatchesTheLayersComputedByHand() throws {
        let analysis = try ModelAnalysis(text: "input 2x2x1\nflatten\ndense 3")
        let network = try analysis.makeNetwork(seed: 7)
        let image = Tensor(shape: [1, 2, 2], data: [0.1, 0.9, -0.4, 0.5])
        let label = 2
        let inspection = try NetworkInspector.inspect(network, analysis: analysis, image: image, label: label, language: .en)

        let parameters = Dictionary(uniqueKeysWithValues: network.namedParameters.map { ($0.name, $0.parameter.value) })
        let w = try XCTUnwrap(parameters["1.weight"]), b = try XCTUnwrap(parameters["1.bias"])
        let x = image.data.map(Double.init)
        var z = [Double](repeating: 0, count: 3)
        for k in 0..<3 { z[k] = Double(b.data[k]) + (0..<4).reduce(0.0) { $0 + Double(w.data[k * 4 + $1]) * x[$1] } }
        let top = z.max()!
        let e = z.map { Foundation.exp($0 - top) }
        let p = e.map { $0 / e.reduce(0, +) }
        let dz = (0..<3).map { p[$0] - ($0 == label ? 1 : 0) }
        let dx = (0..<4).map { i in (0..<3).reduce(0.0) { $0 + Double(w.data[$1 * 4 + i]) * dz[$1] } }

        XCTAssertEqual(inspection.layers.count, 2)
        let flatten = inspection.layers[0], dense = inspection.layers[1]
        XCTAssertEqual(flatten.activation.data, image.data)
        for i in 0..<4 { XCTAssertEqual(Double(flatten.gradient.data[i]), dx[i], accuracy: 1e-6) }
        for k in 0..<3 {
            XCTAssertEqual(Double(dense.activation.data[k]), z[k], accuracy: 1e-5)
            XCTAssertEqual(Double(dense.gradient.data[k]), dz[k], accuracy: 1e-6)
            XCTAssertEqual(Double(inspection.probabilities[k]), p[k], accuracy: 1e-6)
            for i in 0..<4 {
                XCTAssertEqual(Double(try XCTUnwrap(dense.weightGradients).data[k * 4 + i]), dz[k] * x[i], accuracy: 1e-6)
            }
        }
        XCTAssertEqual(Double(inspection.loss), -Foundation.log(p[label]), accuracy: 1e-5)
        XCTAssertEqual(dense.activation.finiteRange?.max, dense.activation.data.max())
        // Looking leaves the model as it was: no gradient left behind.
        XCTAssertTrue(network.namedParameters.allSatisfy { $0.parameter.grad.data.allSatisfy { $0 == 0 } })
    }

    func testBatchNormIsLookedAtInEvaluationModeAndKeepsItsStatistics() throws {
        let analysis = try ModelAnalysis(text: "input 2x2x2\nbatchnorm\nflatten\ndense 2")
        let network = try analysis.makeNetwork(seed: 1)
        let before = network.namedParameters.map { $0.parameter.value }
        let image = Tensor(shape: [2, 2, 2], data: [1, 2, 3, 4, 5, 6, 7, 8])
        let inspection = try NetworkInspector.inspect(network, analysis: analysis, image: image, label: 0, language: .en)
        // Running mean 0 and variance 1 at the start: evaluation's batch norm is x/√(1 + ε) (γ = 1, β = 0).
        for (got, x) in zip(inspection.layers[0].activation.data, image.data) {
            XCTAssertEqual(got, x / (1 + 1e-5).squareRoot(), accuracy: 1e-5)
        }
        XCTAssertEqual(network.namedParameters.map { $0.parameter.value }, before, "running statistics changed")
    }
}

final class NumberFormatTests: XCTestCase {
    func testTinyNumbersAreNeitherMinusZeroNorLost() {
        XCTAssertEqual(format(-0.00001), "0")
        XCTAssertEqual(format(0.00001), "0")
        XCTAssertEqual(format(-0.5), "-0.5")
        XCTAssertEqual(significant(-3.776e-5, .en), "-3.776e-5")
        XCTAssertEqual(significant(-3.776e-5, .es), "-3,776e-5")
        XCTAssertEqual(significant(0.25, .en), "0.25")
    }
}
