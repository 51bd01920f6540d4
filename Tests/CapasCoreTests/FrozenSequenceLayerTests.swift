import CapasCore
import XCTest

/// Frozen parameters of the sequence layers (fine-tuning, pretrained word
/// vectors): backward leaves their gradient at zero and still gives the input
/// and the parameters that train exactly what it gives with nothing frozen.
final class FrozenSequenceLayerTests: XCTestCase {
    func recurrent(_ cell: RecurrentLayer.Cell, sequences: Bool) -> RecurrentLayer {
        var generator = SeededGenerator(seed: 11)
        return RecurrentLayer(cell: cell, inputFeatures: 3, units: 4, biasVectors: 2,
                              returnSequences: sequences, generator: &generator)
    }

    func testFrozenRecurrentParametersGetNoGradientAndChangeNothingElse() {
        var generator = SeededGenerator(seed: 5)
        let x = generator.normalTensor([2, 3, 5])
        for cell in [RecurrentLayer.Cell.simple, .lstm] {
            for sequences in [true, false] {
                let dy = generator.normalTensor(sequences ? [2, 4, 5] : [2, 4])
                let reference = recurrent(cell, sequences: sequences)
                _ = reference.forward(x, mode: .training)
                let expected = reference.backward(dy)
                let names = reference.parameters.map(\.name)
                XCTAssertEqual(names.count, 4)
                // Each parameter frozen alone, the weights together, and all of them.
                let frozenSets: [Set<String>] = names.map { [$0] } + [["weight_ih_l0", "weight_hh_l0"], Set(names)]
                for frozenNames in frozenSets {
                    let label = "\(cell) sequences=\(sequences) frozen=\(frozenNames.sorted())"
                    let layer = recurrent(cell, sequences: sequences)
                    for p in layer.parameters where frozenNames.contains(p.name) { p.frozen = true }
                    _ = layer.forward(x, mode: .training)
                    let dx = layer.backward(dy)
                    XCTAssertEqual(dx.data, expected.data, "\(label): input gradient")
                    for (p, q) in zip(layer.parameters, reference.parameters) {
                        if p.frozen {
                            XCTAssertTrue(p.grad.data.allSatisfy { $0 == 0 }, "\(label): \(p.name) is frozen")
                        } else {
                            XCTAssertTrue(q.grad.data.contains { $0 != 0 }, "\(label): \(q.name) has a gradient")
                            XCTAssertEqual(p.grad.data, q.grad.data, "\(label): \(p.name)")
                        }
                    }
                }
            }
        }
    }

    func testAFrozenEmbeddingGetsNoGradient() {
        func embedding() -> Embedding {
            var generator = SeededGenerator(seed: 3)
            return Embedding(EmbeddingConfig(vocabulary: 5, dimension: 3), generator: &generator)
        }
        // Token 1 twice (accumulated when trainable), an id out of range.
        let ids = Tensor(shape: [2, 4], data: [1, 0, 1, 4, 2, 7, 3, 1])
        var generator = SeededGenerator(seed: 8)
        let dy = generator.normalTensor([2, 3, 4])
        let free = embedding(), frozen = embedding()
        frozen.weight.frozen = true
        XCTAssertEqual(frozen.forward(ids, mode: .training).data, free.forward(ids, mode: .training).data)
        let expected = free.backward(dy)
        XCTAssertTrue(free.weight.grad.data.contains { $0 != 0 })
        for _ in 0..<2 {
            let dx = frozen.backward(dy)
            XCTAssertEqual(dx.shape, expected.shape)
            XCTAssertEqual(dx.data, expected.data)
        }
        XCTAssertTrue(frozen.weight.grad.data.allSatisfy { $0 == 0 }, "\(frozen.weight.grad.data)")
        // Unfrozen again, it trains as before.
        frozen.weight.frozen = false
        _ = frozen.backward(dy)
        XCTAssertEqual(frozen.weight.grad.data, free.weight.grad.data)
    }
}
