import CapasCore
import CapasMessages
@testable import CapasModel
import XCTest

/// relu6, globalmaxpool, ceil-mode pooling, embedding and the recurrent layers:
/// parsing, canonical text, shapes, counts, and what the builder does with them.
final class NewLayerTests: XCTestCase {
    func testNewLayersRoundTrip() throws {
        for line in ["relu6", "globalmaxpool", "maxpool 3 stride=2 ceil=yes", "avgpool 2 ceil=yes", "conv 8 3x3 relu6"] {
            XCTAssertEqual(try ModelText(parsing: "input 16x16x4\n" + line).text, "input 16x16x4\n\(line)\n", line)
        }
        for line in ["rnn 16", "lstm 16 sequences=yes bias=pytorch", "rnn 8 bias=no", "globalmaxpool", "conv1d 4 3 relu6"] {
            XCTAssertEqual(try ModelText(parsing: "input 20x8\n" + line).text, "input 20x8\n\(line)\n", line)
        }
        XCTAssertEqual(try ModelText(parsing: "input 50\nembedding 1000 16").text, "input 50\nembedding 1000 16\n")
        // Defaults and other spellings print canonically.
        XCTAssertEqual(try ModelText(parsing: "input 20x8\nLSTM 16 bias=keras sequences=no\nSimpleRNN 4 bias=torch").text,
                       "input 20x8\nlstm 16\nrnn 4 bias=pytorch\n")
        XCTAssertEqual(try ModelText(parsing: "input 9x9x1\nmaxpool 2 ceil=no").text, "input 9x9x1\nmaxpool 2\n")
    }

    func testShapesAndCounts() throws {
        let a = try ModelAnalysis(text: "input 100\nembedding 5000 64\nconv1d 32 5 relu6\nglobalmaxpool\ndense 4")
        XCTAssertEqual(a.layers.map(\.outputShape.description), ["100x64", "96x32", "96x32", "32", "4"])
        XCTAssertEqual(a.layers[0].parameters, 320_000)
        XCTAssertEqual(a.layers[0].multiplyAdds, 0)
        XCTAssertEqual(a.layers[2].resolved.torchName, "ReLU6")
        // Keras: u·(u + i + 1) and 4·u·(u + i + 1); PyTorch: + 2. MACs: L·parameters (torchinfo).
        let counts: [(String, Int, String)] = [
            ("rnn 32", 32 * (32 + 8 + 1), "32"), ("rnn 32 bias=pytorch", 32 * (32 + 8 + 2), "32"),
            ("lstm 32", 4 * 32 * (32 + 8 + 1), "32"), ("lstm 32 bias=pytorch sequences=yes", 4 * 32 * (32 + 8 + 2), "200x32"),
            ("lstm 32 bias=no", 4 * 32 * (32 + 8), "32"),
        ]
        for (line, parameters, output) in counts {
            let layer = try ModelAnalysis(text: "input 200x8\n" + line).layers[0]
            XCTAssertEqual(layer.parameters, parameters, line)
            XCTAssertEqual(layer.multiplyAdds, 200 * parameters, line)
            XCTAssertEqual(layer.outputShape.description, output, line)
        }
        // torchinfo on nn.LSTM(32, 32) over 200 steps: 8,448 parameters, 1,689,600 multiply-adds.
        let torch = try ModelAnalysis(text: "input 200x32\nlstm 32 bias=pytorch").layers[0]
        XCTAssertEqual([torch.parameters, torch.multiplyAdds], [8_448, 1_689_600])
        // Stacked recurrent layers: the first returns the sequence.
        XCTAssertEqual(try ModelAnalysis(text: "input 10x4\nlstm 8 sequences=yes\nlstm 6").output.description, "6")
    }

    func testWrongInputsAreExplained() throws {
        func problem(_ text: String) -> ModelError.Problem? {
            do { _ = try ModelAnalysis(text: text); return nil } catch let e as ModelError { return e.problem } catch { return nil }
        }
        XCTAssertEqual(problem("input 28x28x1\nlstm 8"),
                       .shape(.wrongInputKind(layer: "lstm", expected: .sequence, got: .image(height: 28, width: 28, channels: 1))))
        XCTAssertEqual(problem("input 20x8\nembedding 10 4"),
                       .shape(.wrongInputKind(layer: "embedding", expected: .vector, got: .sequence(length: 20, channels: 8))))
        XCTAssertEqual(problem("input 64\nglobalmaxpool"),
                       .shape(.wrongInputKind(layer: "globalmaxpool", expected: .imageOrSequence, got: .vector(64))))
        XCTAssertEqual(problem("input 20x8\nrnn 8 bias=maybe"), .badNumber("maybe", what: .bias))
        XCTAssertEqual(problem("input 20x8\nrnn 8 sequences=2"), .badNumber("2", what: .sequences))
        XCTAssertEqual(problem("input 9x9x1\nmaxpool 2 ceil=up"), .badNumber("up", what: .ceil))
        XCTAssertEqual(problem("input 50\nembedding 10"), .missingArgument(layer: "embedding", what: .dimension, example: "embedding 10000 32"))
        XCTAssertEqual(problem("input 20x8\nlstm"), .missingArgument(layer: "lstm", what: .units, example: "lstm 32"))
        XCTAssertEqual(problem("input 20x8\nlsmt 8"), .unknownLayer("lsmt", suggestion: "lstm"))
        // Absurd sizes are overflow errors, not traps.
        for text in ["input 10\nembedding 9223372036854775807 2", "input 4x9223372036854775807\nlstm 2",
                     "input 4611686018427387904x2\nrnn 2", "input 4x2\nlstm 4611686018427387904"] {
            XCTAssertThrowsError(try ModelAnalysis(text: text).totalMultiplyAdds(), text) { error in
                XCTAssertTrue(error is ModelError || error is ShapeError, "\(error)")
            }
        }
    }

    /// Recurrent layers build: the built network has the analysis' parameter
    /// count (PyTorch's two biases, Keras' one, none) and the analysed output shape.
    func testRecurrentLayersBuild() throws {
        for (text, shape) in [("input 30\nembedding 100 8\nlstm 16 bias=pytorch\ndense 2", [3, 2]),
                              ("input 30\nembedding 100 8\nrnn 16 sequences=yes\nlstm 5 bias=no sequences=yes", [3, 5, 30]),
                              ("input 30\nembedding 100 8\nlstm 7 sequences=yes\nlstm 4", [3, 4])] {
            let a = try ModelAnalysis(text: text)
            let network = try a.makeNetwork(seed: 0)
            let built = network.nodes.reduce(0) { $0 + $1.layer.parameters.filter(\.trainable).reduce(0) { $0 + $1.value.count } }
            XCTAssertEqual(built, try a.totalParameters(), text)
            var ids = Tensor(zeros: [3, 30])
            for i in 0..<ids.count { ids.data[i] = Float(i % 100) }
            XCTAssertEqual(try network.forward(ids, mode: .evaluation).shape, shape, text)
        }
    }

    /// The trainable new layers build, run forward and backward, and keep their counts.
    func testTrainableNewLayersBuildAndRun() throws {
        let a = try ModelAnalysis(text: """
        input 12
        embedding 20 6
        conv1d 4 3 relu6
        concat { branch { globalmaxpool } branch { globalavgpool } }
        dense 3
        """)
        let network = try a.makeNetwork(seed: 2)
        XCTAssertEqual(network.trainableParameters.reduce(0) { $0 + $1.value.count }, try a.totalParameters())
        let ids = Tensor(shape: [2, 12], data: (0..<24).map { Float($0 % 20) })
        let y = try network.forward(ids, mode: .training)
        XCTAssertEqual(y.shape, [2, 3])
        XCTAssertEqual(network.backward(Tensor(repeating: 1, shape: [2, 3]))?.shape, [2, 12])
        XCTAssertNotEqual(network.namedParameters[0].parameter.grad.data.reduce(0) { $0 + abs($1) }, 0)

        let pooled = try ModelAnalysis(text: "input 9x9x2\nmaxpool 2 ceil=yes\navgpool 2 ceil=yes")
        XCTAssertEqual(pooled.layers.map(\.outputShape.description), ["5x5x2", "3x3x2"])
        let output = try pooled.makeNetwork(seed: 0).forward(Tensor(repeating: 1, shape: [1, 2, 9, 9]), mode: .evaluation)
        XCTAssertEqual(output, Tensor(repeating: 1, shape: [1, 2, 3, 3]))
    }

    func testExplanations() throws {
        let a = try ModelAnalysis(text: "input 200x8\nlstm 32")
        let e = a.layers[0].explanation(language: .en)
        XCTAssertEqual(e.parameters, "4·u·(u + i + 1) = 4·32·(32 + 8 + 1) = 5,248")
        XCTAssertEqual(e.multiplyAdds, "L·parameters = 200·5,248 = 1,049,600")
        XCTAssertTrue(e.notes.contains { $0.contains("bias=pytorch") })
        let pool = try ModelAnalysis(text: "input 112x112x64\nmaxpool 3 stride=2 ceil=yes").layers[0].explanation(language: .en)
        XCTAssertEqual(pool.shape.first, "height and width: ⌈(112 + 2·0 − 3)/2⌉ + 1 = ⌈54.5⌉ + 1 = 56")
    }
}
