import CapasCore
import XCTest

// rnn and lstm against PyTorch (Fixtures/torch/recurrent.json, written by
// Fixtures/make_recurrent_fixtures.py) and against finite differences.
final class RecurrentTests: XCTestCase {
    func layer(for c: FixtureCase) -> RecurrentLayer {
        var generator = SeededGenerator(seed: 0)
        let layer = RecurrentLayer(cell: c.op == "rnn" ? .simple : .lstm, inputFeatures: c.params.int("features"),
                                   units: c.params.int("units"), biasVectors: 2,
                                   returnSequences: c.params.bool("sequences"), generator: &generator)
        for p in layer.parameters {
            guard let value = c.parameters?[p.name] else { XCTFail("\(c.name): no \(p.name)"); continue }
            XCTAssertEqual(p.value.shape, value.shape, "\(c.name): \(p.name)")
            p.value = value.tensor
        }
        return layer
    }

    func testAgreesWithPyTorch() throws {
        for op in ["lstm", "rnn"] {
            let cases = try Fixtures.cases("recurrent", op: op, atLeast: 6)
            XCTAssertTrue(cases.contains { $0.params.bool("sequences") } && cases.contains { !$0.params.bool("sequences") })
            for c in cases {
                let layer = layer(for: c)
                let x = c.inputs![0].tensor
                let y = layer.forward(x, mode: .training)
                assertClose(y, c.output!.tensor, atol: 1e-5, rtol: 1e-4, c.name + " output")
                layer.zeroGradients()
                let dx = layer.backward(c.grad_output!.tensor)
                assertClose(dx, c.grad_inputs![0].tensor, atol: 1e-5, rtol: 1e-4, c.name + " input gradient")
                for p in layer.parameters {
                    assertClose(p.grad, c.grad_parameters![p.name]!.tensor, atol: 1e-5, rtol: 1e-4, "\(c.name) \(p.name) gradient")
                }
            }
        }
    }

    func testFiniteDifferences() {
        for cell in [RecurrentLayer.Cell.lstm, .simple] {
            for sequences in [true, false] {
                for biases in [2, 1, 0] {
                    var generator = SeededGenerator(seed: 7)
                    let layer = RecurrentLayer(cell: cell, inputFeatures: 3, units: 4, biasVectors: biases,
                                               returnSequences: sequences, generator: &generator)
                    XCTAssertEqual(layer.parameters.count, 2 + biases)
                    let x = generator.normalTensor([2, 3, 6])
                    GradientCheck(h: 1e-2, tolerance: 2e-2).run("\(cell) sequences=\(sequences) biases=\(biases)",
                                                               layer: layer, inputs: [x])
                }
            }
        }
    }

    /// Evaluation gives the same output as training and keeps nothing for backward.
    func testEvaluationMatchesTraining() {
        var generator = SeededGenerator(seed: 3)
        let layer = RecurrentLayer(cell: .lstm, inputFeatures: 2, units: 3, returnSequences: true, generator: &generator)
        let x = generator.normalTensor([2, 2, 4])
        XCTAssertEqual(layer.forward(x, mode: .evaluation).data, layer.forward(x, mode: .training).data)
    }
}
