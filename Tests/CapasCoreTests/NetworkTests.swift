import CapasCore
import Foundation
import XCTest

/// A small graph: conv → relu → conv → residual add → concat (with a 1x1 branch
/// from the input) → flatten → dense. Finite differences check the whole
/// backward pass, including gradients summed where one output feeds two nodes
/// (the relu output, and the network input).
final class NetworkTests: XCTestCase {
    struct Graph {
        let network: Network
        let convA: Conv2D, convB: Conv2D, pointwise: Conv2D, dense: Dense
    }

    static let inputShape = FeatureShape.image(height: 4, width: 4, channels: 2)

    func makeGraph(seed: UInt64) -> Graph {
        var gen = SeededGenerator(seed: seed)
        let convA = Conv2D(ConvolutionConfig(inChannels: 2, outChannels: 3, kernel: Size2D(3, 3), padding: Padding2D(1, 1)),
                           generator: &gen)
        let convB = Conv2D(ConvolutionConfig(inChannels: 3, outChannels: 3, kernel: Size2D(3, 3), padding: Padding2D(1, 1)),
                           generator: &gen)
        let pointwise = Conv2D(ConvolutionConfig(inChannels: 2, outChannels: 2, kernel: Size2D(1, 1)), generator: &gen)
        let dense = Dense(DenseConfig(inFeatures: 5 * 4 * 4, outFeatures: 3), generator: &gen)
        let network = Network(inputShape: Self.inputShape, nodes: [
            .init(name: "0", layer: convA, inputs: [-1]),
            .init(name: "1", layer: Activation(.relu), inputs: [0]),
            .init(name: "2", layer: convB, inputs: [1]),
            .init(name: "3", layer: Add(), inputs: [2, 1]),           // residual: conv(relu) + relu
            .init(name: "4", layer: pointwise, inputs: [-1]),        // a second branch from the input
            .init(name: "5", layer: Concat(), inputs: [3, 4]),        // 3 + 2 channels
            .init(name: "6", layer: Flatten(), inputs: [5]),
            .init(name: "7", layer: dense, inputs: [6]),
        ])
        return Graph(network: network, convA: convA, convB: convB, pointwise: pointwise, dense: dense)
    }

    func testNetworkGradientsByFiniteDifferences() throws {
        let graph = makeGraph(seed: 5)
        let net = graph.network
        var gen = SeededGenerator(seed: 6)
        let x = gen.normalTensor(Self.inputShape.batched(2))
        // Finite differences of a relu network: skip the (few, ≈1 %) elements whose ±h
        // step moves a pre-activation across 0, where the function has a kink.
        // h = 1e-2 rather than 1e-3: with 1e-3 float32 rounding of L (~3e-5 on the
        // gradient) pushes gradients of ~1e-3 past the 1e-2 relative bound.
        var checker = GradientCheck()
        checker.h = 1e-2
        checker.kinks = { inputs in (try? net.forward(inputs[0], mode: .training, upTo: 0).data) ?? [] }
        let parameters = net.trainableParameters
        XCTAssertEqual(parameters.count, 8)
        let report = checker.run("network", inputs: [x], parameters: parameters,
                                 forward: { inputs in
                                     do { return try net.forward(inputs[0], mode: .training) } catch {
                                         XCTFail("\(error)"); return Tensor(zeros: [0])
                                     }
                                 },
                                 backward: { dy in [net.backward(dy) ?? Tensor(zeros: [0])] })
        XCTAssertGreaterThan(report.checked, 430)
    }

    /// The graph computes what the layers compute by hand, and its backward equals
    /// the hand-written chain rule through the same layers.
    func testNetworkMatchesTheLayersByHand() throws {
        let graph = makeGraph(seed: 7)
        var gen = SeededGenerator(seed: 8)
        let x = gen.normalTensor(Self.inputShape.batched(3))
        let y = try graph.network.forward(x, mode: .training)
        XCTAssertEqual(y.shape, [3, 3])

        let relu = Activation(.relu), add = Add(), concat = Concat(), flatten = Flatten()
        let a = relu.forward(graph.convA.forward(x, mode: .training), mode: .training)
        let r = add.forward([graph.convB.forward(a, mode: .training), a], mode: .training)
        let c = concat.forward([r, graph.pointwise.forward(x, mode: .training)], mode: .training)
        let manual = graph.dense.forward(flatten.forward(c, mode: .training), mode: .training)
        assertClose(y, manual, atol: 0, rtol: 0, "network forward")

        // Backward by hand, with the gradients of shared tensors summed.
        let dy = gen.normalTensor([3, 3])
        graph.network.zeroGradients()
        let dxNetwork = try XCTUnwrap(graph.network.backward(dy))
        let networkGrads = graph.network.trainableParameters.map(\.grad)

        graph.network.zeroGradients()
        let dc = concat.backward(flatten.backward(graph.dense.backward(dy)))
        let dr = add.backward(dc[0])
        var da = graph.convB.backward(dr[0])
        da.add(dr[1])
        var dx = graph.convA.backward(relu.backward(da))
        dx.add(graph.pointwise.backward(dc[1]))
        assertClose(dxNetwork, dx, atol: 1e-6, rtol: 1e-6, "network input gradient")
        for (got, expected) in zip(networkGrads, graph.network.trainableParameters.map(\.grad)) {
            assertClose(got, expected, atol: 1e-6, rtol: 1e-6, "network parameter gradient")
        }
    }

    func testNamedParametersFollowStateDictOrder() {
        let graph = makeGraph(seed: 9)
        XCTAssertEqual(graph.network.namedParameters.map(\.name),
                       ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias", "7.weight", "7.bias"])
    }

    func testWrongInputShapeNamesBothShapes() {
        let graph = makeGraph(seed: 10)
        XCTAssertThrowsError(try graph.network.forward(Tensor(zeros: [1, 3, 4, 4]), mode: .training)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("[1, 3, 4, 4]"), text)
            XCTAssertTrue(text.contains("[1, 2, 4, 4]"), text)
        }
    }
}
