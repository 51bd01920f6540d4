@testable import CapasREPL
import CapasCore
import CapasMessages
import CapasModel
import XCTest

/// `:network` on a model with frozen layers: they say so instead of showing
/// weight gradients of zero, and every layer still gets its gradient
/// d loss / d output even after a training plan skipped the frozen ones.
final class NetworkViewFrozenTests: XCTestCase {
    let text = "input 6x6x1\nconv 2 3x3 pad=1 relu\nflatten\ndense 3"

    func testFrozenLayersAreShownFrozenWithTheirActivationGradients() throws {
        let analysis = try ModelAnalysis(text: text)
        let free = try analysis.makeNetwork(seed: 3)
        let frozen = try analysis.makeNetwork(seed: 3)
        frozen.setFrozen(true, nodes: [0])
        // As after :train: the plan skips the backward of the frozen layer and of the flatten above it.
        frozen.skipUnneededInputGradients()
        let image = Tensor(shape: [6, 6], data: (0..<36).map { Float($0 % 7) / 7 })
        let expected = try NetworkInspector.inspect(free, analysis: analysis, image: image, label: 1, language: .en)
        let got = try NetworkInspector.inspect(frozen, analysis: analysis, image: image, label: 1, language: .en)

        XCTAssertFalse(expected.layers[0].frozen)
        XCTAssertNotNil(expected.layers[0].weightGradients)
        XCTAssertTrue(got.layers[0].frozen)
        XCTAssertNil(got.layers[0].weightGradients, "a frozen layer computes no weight gradient")
        XCTAssertFalse(got.layers[2].frozen)
        for (a, b) in zip(got.layers, expected.layers) {
            XCTAssertEqual(a.gradient.data, b.gradient.data, "gradient at the output of [\(a.name)]")
        }
        XCTAssertTrue(got.layers[0].gradient.data.contains { $0 != 0 }, "the frozen layer's output gradient is computed")
        // The plan is back: the frozen layer's weights still get no gradient in training.
        let conv = try XCTUnwrap(frozen.nodes[0].layer as? Conv2D)
        XCTAssertTrue(conv.skipsInputGradient)

        for (language, frozenText, gradientText) in [(Language.en, "layer frozen (:freeze), no weight gradient", "weight gradients: "),
                                                     (.es, "capa congelada (:freeze), sin gradiente de los pesos", "gradientes de los pesos: ")] {
            let (view, _) = try NetworkView.render(network: frozen, analysis: analysis, image: image, label: 1, channels: 1,
                                                   classNames: [], title: "t", columns: 80, style: .plain, language: language)
            let lines = view.split(separator: "\n").map(String.init)
            let conv = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("[0] conv") })
            let dense = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("[3] dense") })
            XCTAssertTrue(lines[conv..<dense].contains { $0.contains(frozenText) }, view)
            XCTAssertFalse(lines[conv..<dense].contains { $0.contains(gradientText) }, view)
            XCTAssertTrue(lines[dense...].contains { $0.contains(gradientText) }, view)
        }
    }

    func testTheREPLShowsFrozenLayersAfterFreeze() throws {
        let s = Interpreter(language: .en, environment: ["HOME": "/nonexistent"])
        for line in ["input 28x28x1", "conv 2 3x3 relu", "flatten", "dense 10"] { XCTAssertFalse(s.execute(line).isError) }
        XCTAssertFalse(s.execute(":freeze 0").isError)
        let reply = s.execute(":network fashion-mnist test 0")
        try XCTSkipIf(reply.isError && reply.text.contains("fashion"), "FashionMNIST is not installed: \(reply.text)")
        XCTAssertFalse(reply.isError, reply.text)
        XCTAssertTrue(reply.text.contains("layer frozen (:freeze), no weight gradient"), reply.text)
    }
}
