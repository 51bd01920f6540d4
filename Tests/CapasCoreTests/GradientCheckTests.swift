import CapasCore
import Foundation
import XCTest

/// Finite-difference checks of every layer's backward pass, independent of
/// PyTorch: central differences of L = Σ output ⊙ R (R fixed and random), with
/// the forward in Float32 and L accumulated in Double (see `GradientCheck`).
///
/// Step and threshold: h = 1e-2 unless noted. Linear layers (conv, dense,
/// pooling, flatten, add, concat) are exact under central differences, so the
/// only error is float32 rounding of L, ≈ 1e-7·|L|/h; smooth nonlinearities add
/// h²·f‴/6 ≈ 2e-5·f‴. The relative error |a − n|/max(|a|, |n|, 1e-3) must stay
/// ≤ 1e-2 (CS231n's "probably right" band for float32). Inputs keep away from
/// kinks: relu-like inputs satisfy |x| ≥ 0.05 > h, and max pooling / maxout
/// inputs are distinct with spacing ≥ 0.05 > 2h, so no ±h step changes a winner.
final class GradientCheckTests: XCTestCase {
    let check = GradientCheck()

    func conv(_ config: ConvolutionConfig, seed: UInt64 = 1) -> Conv2D {
        var gen = SeededGenerator(seed: seed)
        return Conv2D(config, generator: &gen)
    }

    // MARK: - Convolution

    func testConv2DGradients() {
        var gen = SeededGenerator(seed: 10)
        let configs: [(String, ConvolutionConfig, [Int])] = [
            ("3x3", ConvolutionConfig(inChannels: 2, outChannels: 3, kernel: Size2D(3, 3)), [2, 2, 5, 5]),
            ("3x5 stride 2 pad (1,2)", ConvolutionConfig(inChannels: 2, outChannels: 2, kernel: Size2D(3, 5),
                                                         stride: Size2D(2, 2), padding: Padding2D(1, 2)), [1, 2, 6, 7]),
            ("stride (2,1) asymmetric pad, no bias",
             ConvolutionConfig(inChannels: 2, outChannels: 2, kernel: Size2D(3, 3), stride: Size2D(2, 1),
                               padding: Padding2D(top: 0, bottom: 2, left: 1, right: 0), bias: false), [2, 2, 5, 4]),
            ("dilation 2 pad 2", ConvolutionConfig(inChannels: 1, outChannels: 2, kernel: Size2D(3, 3),
                                                   padding: Padding2D(2, 2), dilation: Size2D(2, 2)), [1, 1, 6, 6]),
            ("groups 2", ConvolutionConfig(inChannels: 4, outChannels: 2, kernel: Size2D(2, 2), padding: Padding2D(1, 1),
                                           groups: 2), [1, 4, 4, 4]),
            ("depthwise stride 2", ConvolutionConfig(inChannels: 3, outChannels: 3, kernel: Size2D(3, 3),
                                                     stride: Size2D(2, 2), padding: Padding2D(1, 1), groups: 3), [2, 3, 5, 5]),
            ("1x1 pointwise", ConvolutionConfig(inChannels: 3, outChannels: 2, kernel: Size2D(1, 1)), [2, 3, 3, 3]),
        ]
        for (i, (name, config, shape)) in configs.enumerated() {
            let layer = conv(config, seed: UInt64(i))
            check.run("conv2d \(name)", layer: layer, inputs: [gen.normalTensor(shape)])
        }
    }

    /// The Winograd path's backward (adjoint transforms) against finite differences,
    /// with partial tiles and asymmetric padding.
    func testWinogradConvolutionGradients() {
        var gen = SeededGenerator(seed: 12)
        let configs: [(String, ConvolutionConfig, [Int])] = [
            ("pad 1", ConvolutionConfig(inChannels: 3, outChannels: 2, kernel: Size2D(3, 3), padding: Padding2D(1, 1)),
             [2, 3, 5, 6]),
            ("asymmetric pad, no bias",
             ConvolutionConfig(inChannels: 2, outChannels: 3, kernel: Size2D(3, 3),
                               padding: Padding2D(top: 2, bottom: 0, left: 0, right: 1), bias: false), [1, 2, 4, 7]),
        ]
        for (i, (name, config, shape)) in configs.enumerated() {
            let layer = conv(config, seed: UInt64(20 + i))
            layer.algorithm = .winograd
            XCTAssertTrue(layer.usesWinograd(forInputShape: shape), name)
            check.run("conv2d winograd \(name)", layer: layer, inputs: [gen.normalTensor(shape)])
        }
    }

    func testConv1DGradients() {
        var gen = SeededGenerator(seed: 11)
        let plain = ConvolutionConfig(inChannels: 2, outChannels: 3, kernel: Size2D(1, 3),
                                      padding: Padding2D(top: 0, bottom: 0, left: 1, right: 1), oneDimensional: true)
        check.run("conv1d k3 pad 1", layer: conv(plain), inputs: [gen.normalTensor([2, 2, 8])])
        let fancy = ConvolutionConfig(inChannels: 4, outChannels: 2, kernel: Size2D(1, 3), stride: Size2D(1, 2),
                                      padding: Padding2D(top: 0, bottom: 0, left: 2, right: 0),
                                      dilation: Size2D(1, 2), groups: 2, bias: false, oneDimensional: true)
        check.run("conv1d stride 2 dilation 2 groups 2 asymmetric pad", layer: conv(fancy), inputs: [gen.normalTensor([2, 4, 9])])
    }

    // MARK: - Pooling

    func testMaxPoolGradients() {
        var gen = SeededGenerator(seed: 12)
        let cases: [(String, PoolingConfig, [Int])] = [
            ("2x2", PoolingConfig(kind: .max, kernel: Size2D(2, 2)), [2, 2, 4, 6]),
            ("3x3 s2 p1", PoolingConfig(kind: .max, kernel: Size2D(3, 3), stride: Size2D(2, 2), padding: Size2D(1, 1)),
             [1, 2, 5, 5]),
            ("3x3 s1 overlapping", PoolingConfig(kind: .max, kernel: Size2D(3, 3), stride: Size2D(1, 1)), [1, 2, 5, 5]),
            ("1d k3 s2 p1", PoolingConfig(kind: .max, kernel: Size2D(1, 3), stride: Size2D(1, 2), padding: Size2D(0, 1),
                                          oneDimensional: true), [2, 2, 9]),
        ]
        for (name, config, shape) in cases {
            check.run("max pool \(name)", layer: Pool2D(config), inputs: [gen.distinctTensor(shape, spacing: 0.05)])
        }
    }

    /// ceil=yes: the last window hangs over the edge (GoogLeNet's pooling).
    func testCeilModePoolingGradients() {
        var gen = SeededGenerator(seed: 27)
        let cases: [(String, PoolingConfig.Kind, Size2D, Size2D, Size2D, [Int])] = [
            ("3x3 s2", .max, Size2D(3, 3), Size2D(2, 2), Size2D(0, 0), [1, 2, 6, 6]),
            ("2x2 s2 p1", .max, Size2D(2, 2), Size2D(2, 2), Size2D(1, 1), [2, 1, 5, 5]),
            ("2x2 s2", .average, Size2D(2, 2), Size2D(2, 2), Size2D(0, 0), [1, 2, 5, 5]),
            ("3x3 s2 p1", .average, Size2D(3, 3), Size2D(2, 2), Size2D(1, 1), [1, 2, 6, 5]),
        ]
        for (name, kind, kernel, stride, padding, shape) in cases {
            let config = PoolingConfig(kind: kind, kernel: kernel, stride: stride, padding: padding, ceilMode: true)
            let x = kind == .max ? gen.distinctTensor(shape, spacing: 0.05) : gen.normalTensor(shape)
            check.run("\(kind) pool ceil \(name)", layer: Pool2D(config), inputs: [x])
        }
    }

    func testAveragePoolGradients() {
        var gen = SeededGenerator(seed: 13)
        let cases: [(String, PoolingConfig, [Int])] = [
            ("2x2", PoolingConfig(kind: .average, kernel: Size2D(2, 2)), [2, 2, 4, 6]),
            ("3x3 s2 p1", PoolingConfig(kind: .average, kernel: Size2D(3, 3), stride: Size2D(2, 2), padding: Size2D(1, 1)),
             [1, 2, 5, 5]),
            ("3x2 s(1,2) p(1,0)", PoolingConfig(kind: .average, kernel: Size2D(3, 2), stride: Size2D(1, 2),
                                               padding: Size2D(1, 0)), [1, 3, 4, 5]),
            ("1d k4 s2", PoolingConfig(kind: .average, kernel: Size2D(1, 4), stride: Size2D(1, 2), oneDimensional: true),
             [2, 2, 9]),
        ]
        for (name, config, shape) in cases {
            check.run("average pool \(name)", layer: Pool2D(config), inputs: [gen.normalTensor(shape)])
        }
    }

    func testGlobalAveragePoolGradients() {
        var gen = SeededGenerator(seed: 14)
        check.run("global average pool", layer: GlobalAveragePool(), inputs: [gen.normalTensor([2, 3, 4, 5])])
    }

    func testGlobalMaxPoolGradients() {
        var gen = SeededGenerator(seed: 28)
        check.run("global max pool [N,C,H,W]", layer: GlobalMaxPool(), inputs: [gen.distinctTensor([2, 3, 3, 4], spacing: 0.05)])
        check.run("global max pool [N,C,L]", layer: GlobalMaxPool(), inputs: [gen.distinctTensor([2, 4, 7], spacing: 0.05)])
    }

    // MARK: - Embedding

    /// Only the table is differentiable; a token used twice gets both gradients.
    func testEmbeddingGradients() {
        var initGen = SeededGenerator(seed: 29)
        let layer = Embedding(EmbeddingConfig(vocabulary: 6, dimension: 3), generator: &initGen)
        let ids = Tensor(shape: [2, 4], data: [0, 3, 3, 5, 1, 0, 2, 3])
        let report = check.run("embedding", inputs: [], parameters: layer.parameters,
                               forward: { _ in layer.forward(ids, mode: .training) },
                               backward: { dy in
                                   XCTAssertEqual(layer.backward(dy), Tensor(zeros: [2, 4]))
                                   return []
                               })
        XCTAssertEqual(report.checked, 18)
        // Token 4 never appears: its row gets no gradient.
        XCTAssertEqual(Array(layer.weight.grad.data[12..<15]), [0, 0, 0])
    }

    // MARK: - Dense

    func testDenseGradients() {
        var gen = SeededGenerator(seed: 15)
        var init1 = SeededGenerator(seed: 1), init2 = SeededGenerator(seed: 2)
        check.run("dense 7->4", layer: Dense(DenseConfig(inFeatures: 7, outFeatures: 4), generator: &init1),
                  inputs: [gen.normalTensor([3, 7])])
        check.run("dense 5->6 no bias", layer: Dense(DenseConfig(inFeatures: 5, outFeatures: 6, bias: false), generator: &init2),
                  inputs: [gen.normalTensor([2, 5])])
    }

    // MARK: - Activations

    func testActivationGradients() {
        var gen = SeededGenerator(seed: 16)
        let functions: [ActivationFunction] = [.relu, .leakyReLU(slope: 0.01), .leakyReLU(slope: 0.2), .elu(alpha: 1),
                                               .sigmoid, .tanh]
        for f in functions {
            check.run("\(f)", layer: Activation(f), inputs: [gen.awayFromZero([2, 3, 3, 3], scale: 1.5)])
        }
        // relu6 has kinks at 0 and 6: values near both, none within h of either.
        var x = gen.awayFromZero([2, 3, 3, 3], scale: 4)
        for i in 0..<x.count where abs(abs(x.data[i]) - 6) < 0.05 { x.data[i] += 0.1 }
        for i in stride(from: 0, to: x.count, by: 3) { x.data[i] = 6 + (x.data[i] > 0 ? 0.5 : -0.5) }
        check.run("relu6", layer: Activation(.relu6), inputs: [x])
    }

    func testSoftmaxGradients() {
        var gen = SeededGenerator(seed: 17)
        for logarithmic in [false, true] {
            let name = logarithmic ? "log-softmax" : "softmax"
            check.run("\(name) [N,K]", layer: Softmax(logarithmic: logarithmic), inputs: [gen.normalTensor([3, 5], scale: 2)])
            check.run("\(name) [N,C,H,W]", layer: Softmax(logarithmic: logarithmic),
                      inputs: [gen.normalTensor([2, 4, 2, 3], scale: 2)])
        }
    }

    func testMaxoutGradients() {
        var gen = SeededGenerator(seed: 18)
        check.run("maxout [N,F] pieces 3", layer: Maxout(pieces: 3), inputs: [gen.distinctTensor([3, 9], spacing: 0.05)])
        check.run("maxout [N,C,H,W] pieces 2", layer: Maxout(pieces: 2),
                  inputs: [gen.distinctTensor([2, 4, 3, 3], spacing: 0.05)])
    }

    // MARK: - Batch normalization

    /// Training mode: the batch statistics depend on every input, so the
    /// gradient has the two extra terms; γ and β are checked too.
    func testBatchNormTrainingGradients() {
        var gen = SeededGenerator(seed: 19)
        for shape in [[4, 3, 2, 2], [5, 4]] {
            let bn = BatchNorm(channels: shape[1])
            bn.weight.value = gen.uniformTensor([shape[1]], 0.5, 1.5)
            bn.bias.value = gen.normalTensor([shape[1]], scale: 0.5)
            let x = gen.normalTensor(shape, scale: 1.5)
            check.run("batch norm training \(shape)", layer: bn, inputs: [x])
        }
    }

    func testBatchNormEvaluationGradients() {
        var gen = SeededGenerator(seed: 20)
        let bn = BatchNorm(channels: 3)
        bn.weight.value = gen.uniformTensor([3], 0.5, 1.5)
        bn.bias.value = gen.normalTensor([3])
        bn.runningMean.value = gen.normalTensor([3])
        bn.runningVar.value = gen.uniformTensor([3], 0.5, 2)
        check.run("batch norm evaluation", inputs: [gen.normalTensor([3, 3, 2, 2])], parameters: bn.parameters,
                  forward: { bn.forward($0, mode: .evaluation) }, backward: { bn.backward($0) })
    }

    // MARK: - Dropout, flatten, add, concat

    /// Dropout's mask is random; a fresh layer with the same seed replays it, so
    /// the function being differentiated is fixed.
    func testDropoutGradientsWithFixedMask() {
        var gen = SeededGenerator(seed: 21)
        var layer = Dropout(probability: 0.4, seed: 77)
        let x = gen.normalTensor([3, 4, 2, 2])
        check.run("dropout p=0.4", inputs: [x],
                  forward: { inputs in
                      layer = Dropout(probability: 0.4, seed: 77)
                      return layer.forward(inputs[0], mode: .training)
                  },
                  backward: { [layer.backward($0)] })

        // The mask itself: each value is dropped or scaled by 1/(1 − p).
        let y = Dropout(probability: 0.4, seed: 77).forward(x, mode: .training)
        var dropped = 0
        for i in 0..<x.count {
            if y.data[i] == 0 { dropped += 1 } else { XCTAssertEqual(y.data[i], x.data[i] / 0.6, accuracy: 1e-6) }
        }
        XCTAssertGreaterThan(dropped, 5)
        XCTAssertLessThan(dropped, 35)
        // Evaluation is the identity.
        XCTAssertEqual(Dropout(probability: 0.4, seed: 77).forward(x, mode: .evaluation), x)
    }

    func testFlattenAndIdentityGradients() {
        var gen = SeededGenerator(seed: 22)
        let flatten = Flatten()
        let x = gen.normalTensor([2, 3, 2, 2])
        XCTAssertEqual(flatten.forward(x, mode: .training).shape, [2, 12])
        check.run("flatten", layer: flatten, inputs: [x])
        check.run("identity", layer: Identity(), inputs: [x])
    }

    func testAddAndConcatGradients() {
        var gen = SeededGenerator(seed: 23)
        check.run("add of 2", layer: Add(), inputs: [gen.normalTensor([2, 3, 2, 2]), gen.normalTensor([2, 3, 2, 2])])
        check.run("add of 3", layer: Add(), inputs: [gen.normalTensor([2, 5]), gen.normalTensor([2, 5]), gen.normalTensor([2, 5])])
        check.run("concat", layer: Concat(),
                  inputs: [gen.normalTensor([2, 1, 2, 3]), gen.normalTensor([2, 3, 2, 3]), gen.normalTensor([2, 2, 2, 3])])
        check.run("concat [N,F]", layer: Concat(), inputs: [gen.normalTensor([3, 2]), gen.normalTensor([3, 4])])
    }

    // MARK: - Losses

    /// L is the loss itself (R = 1): the gradient a loss returns is ∂L/∂prediction.
    func testCrossEntropyGradient() {
        var gen = SeededGenerator(seed: 24)
        let labels = [2, 0, 4]
        for scale: Float in [1, 4] {
            var lossCheck = check
            lossCheck.seed = 0
            let logits = gen.normalTensor([3, 5], scale: scale)
            var gradient = Tensor(zeros: [0])
            lossCheck.run("cross-entropy, logits × \(scale)", inputs: [logits],
                          forward: { inputs in
                              let (loss, g) = Loss.crossEntropy(logits: inputs[0], labels: labels)
                              gradient = g
                              return Tensor(shape: [], data: [loss])
                          },
                          backward: { r in [gradient * r.data[0]] })
        }
    }

    func testMeanSquaredErrorGradient() {
        var gen = SeededGenerator(seed: 25)
        let target = gen.normalTensor([2, 3, 2])
        var gradient = Tensor(zeros: [0])
        check.run("mse", inputs: [gen.normalTensor([2, 3, 2])],
                  forward: { inputs in
                      let (loss, g) = Loss.meanSquaredError(prediction: inputs[0], target: target)
                      gradient = g
                      return Tensor(shape: [], data: [loss])
                  },
                  backward: { r in [gradient * r.data[0]] })
    }

    // MARK: - The checker itself

    /// A wrong gradient must fail the check (so a passing check means something).
    func testCheckerCatchesAWrongGradient() {
        var gen = SeededGenerator(seed: 26)
        let layer = Activation(.tanh)
        var quiet = check
        quiet.failsTest = false
        let wrong = quiet.run("tanh with a doubled gradient", inputs: [gen.normalTensor([2, 3])],
                              forward: { layer.forward($0[0], mode: .training) },
                              backward: { [layer.backward($0) * 2] })
        XCTAssertEqual(wrong.failureCount, 6, "every element of a doubled gradient is wrong")
        XCTAssertGreaterThan(wrong.worst, 0.3)
        let right = quiet.run("tanh", inputs: [gen.normalTensor([2, 3])],
                              forward: { layer.forward($0[0], mode: .training) },
                              backward: { [layer.backward($0)] })
        XCTAssertEqual(right.failureCount, 0)
        XCTAssertEqual(right.checked, 6)
    }
}
