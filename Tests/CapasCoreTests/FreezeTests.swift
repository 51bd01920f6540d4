import CapasCore
import XCTest

/// Freezing layers for fine-tuning: frozen weights stay put, get no gradient
/// computed, frozen batch norm keeps its running statistics, and layers in
/// front of a frozen one still receive the gradient they need.
final class FreezeTests: XCTestCase {

    /// conv 4 3x3 pad=1 → batchnorm → relu → flatten → dense 6 → relu → dense 3, on 5x5x2.
    func makeNetwork(seed: UInt64 = 1) -> Network {
        var generator = SeededGenerator(seed: seed)
        let conv = Conv2D(ConvolutionConfig(inChannels: 2, outChannels: 4, kernel: Size2D(3, 3),
                                            padding: Padding2D(1, 1)), generator: &generator)
        let layers: [any Layer] = [conv, BatchNorm(channels: 4), Activation(.relu), Flatten(),
                                   Dense(DenseConfig(inFeatures: 100, outFeatures: 6), generator: &generator),
                                   Activation(.relu), Dense(DenseConfig(inFeatures: 6, outFeatures: 3), generator: &generator)]
        return Network(inputShape: .image(height: 5, width: 5, channels: 2),
                       nodes: layers.enumerated().map { Network.Node(name: String($0), layer: $1, inputs: [$0 - 1]) })
    }

    func batch(seed: UInt64 = 7) -> (Tensor, [Int]) {
        var generator = SeededGenerator(seed: seed)
        let x = Tensor(shape: [4, 2, 5, 5], data: (0..<200).map { _ in generator.uniform(-1, 1) })
        return (x, [0, 2, 1, 2])
    }

    func step(_ network: Network, _ optimizer: Optimizer) throws {
        let (x, labels) = batch()
        let z = try network.forward(x, mode: .training)
        let (_, gradient) = Loss.crossEntropy(logits: z, labels: labels)
        network.zeroGradients()
        network.backward(gradient)
        optimizer.step(network.trainableParameters)
    }

    func testFrozenBottomKeepsWeightsAndStatisticsAndComputesNoGradient() throws {
        let network = makeNetwork()
        network.skipUnneededInputGradients()
        network.setFrozen(true, nodes: 0...1)
        XCTAssertEqual(network.frozenNodes, [0, 1])
        let before = network.namedParameters.map { ($0.name, $0.parameter.value) }
        let optimizer = Optimizer(.adam, learningRate: 0.01)
        for _ in 0..<3 { try step(network, optimizer) }
        let after = Dictionary(uniqueKeysWithValues: network.namedParameters.map { ($0.name, $0.parameter) })
        for (name, value) in before {
            let changed = after[name]!.value.data != value.data
            if name.hasPrefix("0.") || name.hasPrefix("1.") {
                XCTAssertFalse(changed, "\(name) is frozen (batch norm's running statistics too)")
            } else if name.hasPrefix("4.") || name.hasPrefix("6.") {
                XCTAssertTrue(changed, "\(name) trains")
            }
        }
        // No gradient was ever computed for the frozen weights.
        XCTAssertTrue(after["0.weight"]!.grad.data.allSatisfy { $0 == 0 })
        XCTAssertTrue(after["1.weight"]!.grad.data.allSatisfy { $0 == 0 })
        XCTAssertEqual(network.parameterCounts.frozen, 4 * 2 * 9 + 4 + 4 + 4)
        XCTAssertEqual(network.parameterCounts.trainable, 100 * 6 + 6 + 6 * 3 + 3)
        XCTAssertEqual(network.trainableParameters.count, 4)
    }

    func testUnfreezingTrainsAgain() throws {
        let network = makeNetwork()
        network.skipUnneededInputGradients()
        network.setFrozen(true, nodes: 0...6)
        network.setFrozen(false, nodes: 0...6)
        XCTAssertEqual(network.frozenNodes, [])
        let conv = network.nodes[0].layer.parameters[0]
        let before = conv.value.data
        try step(network, Optimizer(.sgd, learningRate: 0.1))
        XCTAssertNotEqual(conv.value.data, before)
    }

    /// Freezing a layer in the middle leaves the gradients of the layers below
    /// it exactly as without freezing: it still passes the gradient on.
    func testFrozenMiddleLayerStillPassesTheGradient() throws {
        let reference = makeNetwork(), frozen = makeNetwork()
        for network in [reference, frozen] { network.skipUnneededInputGradients() }
        frozen.setFrozen(true, nodes: [4])
        let (x, labels) = batch()
        for network in [reference, frozen] {
            let (_, gradient) = Loss.crossEntropy(logits: try network.forward(x, mode: .training), labels: labels)
            network.zeroGradients()
            network.backward(gradient)
        }
        let convReference = reference.nodes[0].layer.parameters[0].grad, convFrozen = frozen.nodes[0].layer.parameters[0].grad
        XCTAssertTrue(convReference.data.contains { $0 != 0 })
        XCTAssertEqual(convFrozen.data, convReference.data)
        XCTAssertTrue(frozen.nodes[4].layer.parameters[0].grad.data.allSatisfy { $0 == 0 })
    }

    /// A frozen batch norm normalises with its running statistics while training,
    /// so its output equals the evaluation-mode output.
    func testFrozenBatchNormRunsInEvaluationMode() throws {
        let network = makeNetwork()
        let bn = network.nodes[1].layer as! BatchNorm
        // The same convolution path in both modes (evaluation may compute a first layer directly),
        // so that any difference would be batch norm's.
        (network.nodes[0].layer as! Conv2D).algorithm = .im2col
        bn.runningMean.value = Tensor(shape: [4], data: [0.1, -0.2, 0.3, 0])
        bn.runningVar.value = Tensor(shape: [4], data: [2, 0.5, 1, 3])
        network.setFrozen(true, nodes: [1])
        let (x, _) = batch()
        let training = try network.forward(x, mode: .training, upTo: 1)
        let evaluation = try network.forward(x, mode: .evaluation, upTo: 1)
        XCTAssertEqual(training.data, evaluation.data)
        XCTAssertEqual(bn.batchesTracked.value.data, [0])
    }
}
