import CapasCore
import Foundation
import XCTest

/// capas against PyTorch: each fixture case (Fixtures/make_fixtures.py) is rebuilt
/// as a capas layer with PyTorch's parameters, run forward in training mode (or
/// evaluation, where the case says so), backpropagated with the recorded
/// upstream gradient, and compared: output, input gradients, parameter
/// gradients and updated buffers, |got − ref| ≤ 1e-5 + 1e-4·|ref| unless noted.
final class TorchAgreementTests: XCTestCase {

    // MARK: - Building layers from cases

    func convolution(_ c: FixtureCase) -> Conv2D {
        let p = c.params
        let config: ConvolutionConfig
        if c.op == "conv1d" {
            let pad = p.ints("padding")
            config = ConvolutionConfig(inChannels: p.int("in_channels"), outChannels: p.int("out_channels"),
                                       kernel: Size2D(1, p.int("kernel")), stride: Size2D(1, p.int("stride")),
                                       padding: Padding2D(top: 0, bottom: 0, left: pad[0], right: pad[1]),
                                       dilation: Size2D(1, p.int("dilation")), groups: p.int("groups"),
                                       bias: p.bool("bias"), oneDimensional: true)
        } else {
            let k = p.ints("kernel"), s = p.ints("stride"), pad = p.ints("padding"), d = p.ints("dilation")
            config = ConvolutionConfig(inChannels: p.int("in_channels"), outChannels: p.int("out_channels"),
                                       kernel: Size2D(k[0], k[1]), stride: Size2D(s[0], s[1]),
                                       padding: Padding2D(top: pad[0], bottom: pad[1], left: pad[2], right: pad[3]),
                                       dilation: Size2D(d[0], d[1]), groups: p.int("groups"), bias: p.bool("bias"))
        }
        var gen = SeededGenerator(seed: 0)
        return Conv2D(config, generator: &gen)
    }

    func pooling(_ c: FixtureCase) -> Pool2D {
        let p = c.params
        let k = p.ints("kernel"), s = p.ints("stride"), pad = p.ints("padding")
        return Pool2D(PoolingConfig(kind: p.string("kind") == "max" ? .max : .average,
                                    kernel: Size2D(k[0], k[1]), stride: Size2D(s[0], s[1]),
                                    padding: Size2D(pad[0], pad[1]), oneDimensional: p.bool("one_dimensional")))
    }

    func activation(_ c: FixtureCase) -> Activation {
        let p = c.params
        switch p.string("function") {
        case "relu": return Activation(.relu)
        case "leaky_relu": return Activation(.leakyReLU(slope: p.float("slope")))
        case "elu": return Activation(.elu(alpha: p.float("alpha")))
        case "sigmoid": return Activation(.sigmoid)
        case "tanh": return Activation(.tanh)
        case let other: preconditionFailure("unknown activation \(other)")
        }
    }

    func dense(_ c: FixtureCase) -> Dense {
        var gen = SeededGenerator(seed: 0)
        return Dense(DenseConfig(inFeatures: c.params.int("in_features"), outFeatures: c.params.int("out_features"),
                                 bias: c.params.bool("bias")), generator: &gen)
    }

    // MARK: - Running a case

    /// Loads the case's parameters and buffers into `layer`, runs forward and
    /// backward, and compares everything PyTorch recorded.
    func check(_ c: FixtureCase, _ layer: any Layer, mode: Mode = .training,
               atol: Float = Tolerance.atol, rtol: Float = Tolerance.rtol,
               file: StaticString = #filePath, line: UInt = #line) {
        let label = "\(c.name) [\(c.op)]"
        let byName = Dictionary(uniqueKeysWithValues: layer.parameters.map { ($0.name, $0) })
        for (name, t) in (c.parameters ?? [:]).merging(c.buffers ?? [:], uniquingKeysWith: { a, _ in a }) {
            guard let parameter = byName[name] else {
                XCTFail("\(label): capas layer has no parameter \(name)", file: file, line: line); return
            }
            // Same layout as PyTorch's state_dict, so the tensor drops in unchanged.
            XCTAssertEqual(parameter.value.shape, t.shape, "\(label): \(name) shape", file: file, line: line)
            parameter.value = t.tensor
        }
        layer.zeroGradients()
        guard let inputs = c.inputs?.map(\.tensor), let output = c.output?.tensor,
              let gradOutput = c.grad_output?.tensor, let gradInputs = c.grad_inputs else {
            XCTFail("\(label): incomplete case", file: file, line: line); return
        }
        let y = layer.forward(inputs, mode: mode)
        assertClose(y, output, atol: atol, rtol: rtol, "\(label): output", file: file, line: line)
        let dx = layer.backward(gradOutput)
        XCTAssertEqual(dx.count, gradInputs.count, "\(label): number of input gradients", file: file, line: line)
        for (k, (got, ref)) in zip(dx, gradInputs).enumerated() {
            assertClose(got, ref.tensor, atol: atol, rtol: rtol, "\(label): grad_input[\(k)]", file: file, line: line)
        }
        for (name, ref) in c.grad_parameters ?? [:] {
            guard let parameter = byName[name] else { continue }
            assertClose(parameter.grad, ref.tensor, atol: atol, rtol: rtol, "\(label): grad \(name)", file: file, line: line)
        }
        for (name, ref) in c.buffers_after ?? [:] {
            guard let parameter = byName[name] else {
                XCTFail("\(label): capas layer has no buffer \(name)", file: file, line: line); continue
            }
            assertClose(parameter.value, ref.tensor, atol: atol, rtol: rtol, "\(label): \(name) after forward",
                        file: file, line: line)
        }
    }

    // MARK: - The fixtures themselves

    func testFixtureFilesRecordTheirOrigin() throws {
        var total = 0
        for name in Fixtures.fileNames {
            let file = try Fixtures.load(name)
            XCTAssertEqual(file.generator, "make_fixtures.py", name)
            XCTAssertTrue(file.torch_version.hasPrefix("2."), "\(name): torch \(file.torch_version)")
            XCTAssertFalse(file.numpy_version.isEmpty, name)
            XCTAssertFalse(file.cases.isEmpty, name)
            total += file.cases.count
            // Every recorded tensor is finite and fills its shape.
            for c in file.cases {
                let tensors = (c.inputs ?? []) + (c.grad_inputs ?? []) + [c.output, c.grad_output, c.initial].compactMap { $0 }
                    + Array((c.parameters ?? [:]).values) + Array((c.grad_parameters ?? [:]).values)
                for t in tensors {
                    XCTAssertEqual(t.shape.reduce(1, *), t.data.count, "\(c.name)")
                    XCTAssertTrue(t.data.allSatisfy(\.isFinite), "\(c.name)")
                }
            }
        }
        XCTAssertGreaterThan(total, 60)
        let script = Fixtures.directory.appendingPathComponent("make_fixtures.py")
        XCTAssertTrue(FileManager.default.fileExists(atPath: script.path), "the generator ships beside its fixtures")
    }

    // MARK: - Convolution

    func testConv2DMatchesPyTorch() throws {
        let cases = try Fixtures.cases("convolution", op: "conv2d", atLeast: 10)
        for c in cases { check(c, convolution(c)) }
        // The configurations the suite promises to cover are really there.
        let ps = cases.map(\.params)
        XCTAssertTrue(ps.contains { $0.ints("kernel") == [3, 5] })
        XCTAssertTrue(ps.contains { $0.ints("stride") == [2, 1] })
        XCTAssertTrue(ps.contains { $0.ints("stride") == [2, 2] })
        XCTAssertTrue(ps.contains { let p = $0.ints("padding"); return p[0] != p[1] || p[2] != p[3] })
        XCTAssertTrue(ps.contains { $0.ints("dilation") == [2, 2] })
        XCTAssertTrue(ps.contains { $0.int("groups") == 2 })
        XCTAssertTrue(ps.contains { $0.int("groups") == $0.int("in_channels") && $0.int("groups") > 1 })
        XCTAssertTrue(ps.contains { !$0.bool("bias") })
    }

    /// 3x3 stride-1 convolutions with 16 channels, which `.automatic` computes
    /// with Winograd F(2×2, 3×3); and the same cases on the im2col path. The
    /// small cases of the general fixtures that Winograd can take are run through it too.
    func testWinogradConvolutionMatchesPyTorch() throws {
        let cases = try Fixtures.cases("winograd", op: "conv2d", atLeast: 3)
        for c in cases {
            let automatic = convolution(c)
            XCTAssertTrue(automatic.usesWinograd(forInputShape: c.inputs![0].shape), c.name)
            check(c, automatic)
            let plain = convolution(c)
            plain.algorithm = .im2col
            check(c, plain)
        }
        var forced = 0
        for c in try Fixtures.cases("convolution", op: "conv2d", atLeast: 10) {
            let layer = convolution(c)
            layer.algorithm = .winograd
            guard layer.usesWinograd(forInputShape: c.inputs![0].shape) else { continue }
            check(c, layer)
            forced += 1
        }
        XCTAssertGreaterThanOrEqual(forced, 2)
    }

    func testConv1DMatchesPyTorch() throws {
        for c in try Fixtures.cases("convolution", op: "conv1d", atLeast: 3) {
            let conv = convolution(c)
            XCTAssertEqual(conv.weight.value.rank, 3, "conv1d weight is [C_out, C_in/groups, k]")
            check(c, conv)
        }
    }

    // MARK: - Pooling

    func testMaxPool2DMatchesPyTorch() throws {
        for c in try Fixtures.cases("pooling", op: "max_pool2d", atLeast: 3) { check(c, pooling(c)) }
    }

    func testAvgPool2DMatchesPyTorch() throws {
        for c in try Fixtures.cases("pooling", op: "avg_pool2d", atLeast: 3) { check(c, pooling(c)) }
    }

    func testPool1DMatchesPyTorch() throws {
        for c in try Fixtures.cases("pooling", op: "max_pool1d", atLeast: 2) { check(c, pooling(c)) }
        for c in try Fixtures.cases("pooling", op: "avg_pool1d", atLeast: 2) { check(c, pooling(c)) }
    }

    func testGlobalAveragePoolMatchesPyTorch() throws {
        for c in try Fixtures.cases("pooling", op: "global_avg_pool") { check(c, GlobalAveragePool()) }
    }

    // MARK: - Dense

    func testLinearMatchesPyTorch() throws {
        for c in try Fixtures.cases("linear", op: "linear", atLeast: 3) { check(c, dense(c)) }
    }

    // MARK: - Activations

    func testActivationsMatchPyTorch() throws {
        let cases = try Fixtures.cases("activation", op: "activation", atLeast: 6)
        for c in cases { check(c, activation(c)) }
        let functions = Set(cases.map { $0.params.string("function") })
        XCTAssertEqual(functions, ["relu", "leaky_relu", "elu", "sigmoid", "tanh"])
        let slopes = Set(cases.filter { $0.params.has("slope") }.map { $0.params.double("slope") })
        XCTAssertEqual(slopes, [0.01, 0.2])
    }

    func testSoftmaxAndLogSoftmaxMatchPyTorch() throws {
        for c in try Fixtures.cases("activation", op: "softmax", atLeast: 6) {
            check(c, Softmax(logarithmic: c.params.bool("logarithmic")))
        }
    }

    func testMaxoutMatchesPyTorch() throws {
        for c in try Fixtures.cases("activation", op: "maxout", atLeast: 2) {
            check(c, Maxout(pieces: c.params.int("pieces")))
        }
    }

    // MARK: - Batch normalization

    func testBatchNormTrainingMatchesPyTorch() throws {
        let cases = try Fixtures.cases("batch_norm", op: "batch_norm", atLeast: 4)
        for c in cases where c.params.bool("training") {
            let bn = BatchNorm(channels: c.params.int("channels"))
            // PyTorch's defaults, which the fixtures use.
            XCTAssertEqual(bn.momentum, c.params.float("momentum"))
            XCTAssertEqual(bn.epsilon, c.params.float("eps"))
            check(c, bn, mode: .training)
            XCTAssertEqual(bn.batchesTracked.value.data, [1], "\(c.name): num_batches_tracked after one forward")
        }
        XCTAssertTrue(cases.contains { $0.params.bool("training") && $0.inputs![0].shape.count == 4 })
        XCTAssertTrue(cases.contains { $0.params.bool("training") && $0.inputs![0].shape.count == 2 })
    }

    func testBatchNormEvaluationMatchesPyTorch() throws {
        let cases = try Fixtures.cases("batch_norm", op: "batch_norm").filter { !$0.params.bool("training") }
        XCTAssertGreaterThanOrEqual(cases.count, 2)
        for c in cases {
            let bn = BatchNorm(channels: c.params.int("channels"))
            check(c, bn, mode: .evaluation)
            // Evaluation leaves the running statistics and the counter alone.
            XCTAssertEqual(bn.batchesTracked.value.data, [0], c.name)
        }
    }

    // MARK: - Losses

    func testCrossEntropyMatchesPyTorch() throws {
        for c in try Fixtures.cases("loss", op: "cross_entropy", atLeast: 3) {
            let logits = c.inputs![0].tensor
            let (loss, gradient) = Loss.crossEntropy(logits: logits, labels: c.labels!)
            assertClose(loss, c.output!.data[0], "\(c.name): loss")
            assertClose(gradient, c.grad_inputs![0].tensor, "\(c.name): gradient")
        }
    }

    func testMeanSquaredErrorMatchesPyTorch() throws {
        for c in try Fixtures.cases("loss", op: "mse_loss", atLeast: 2) {
            let (loss, gradient) = Loss.meanSquaredError(prediction: c.inputs![0].tensor, target: c.inputs![1].tensor)
            assertClose(loss, c.output!.data[0], "\(c.name): loss")
            assertClose(gradient, c.grad_inputs![0].tensor, "\(c.name): gradient")
        }
    }

    // MARK: - Multi-input layers

    func testAddMatchesPyTorch() throws {
        for c in try Fixtures.cases("blocks", op: "add", atLeast: 2) { check(c, Add()) }
    }

    func testConcatMatchesPyTorch() throws {
        for c in try Fixtures.cases("blocks", op: "concat", atLeast: 2) { check(c, Concat()) }
    }

    // MARK: - Accumulation

    /// Parameter gradients accumulate across backward calls until zeroed.
    func testParameterGradientsAccumulateUntilZeroed() throws {
        let c = try Fixtures.cases("convolution", op: "conv2d")[0]
        let conv = convolution(c)
        conv.weight.value = c.parameters!["weight"]!.tensor
        conv.bias!.value = c.parameters!["bias"]!.tensor
        conv.zeroGradients()
        _ = conv.forward(c.inputs![0].tensor, mode: .training)
        _ = conv.backward(c.grad_output!.tensor)
        _ = conv.backward(c.grad_output!.tensor)
        assertClose(conv.weight.grad, c.grad_parameters!["weight"]!.tensor * 2, "twice-accumulated weight grad")
        assertClose(conv.bias!.grad, c.grad_parameters!["bias"]!.tensor * 2, "twice-accumulated bias grad")
        conv.zeroGradients()
        XCTAssertTrue(conv.weight.grad.data.allSatisfy { $0 == 0 })
        XCTAssertTrue(conv.bias!.grad.data.allSatisfy { $0 == 0 })

        let l = try Fixtures.cases("linear", op: "linear")[0]
        let fc = dense(l)
        fc.weight.value = l.parameters!["weight"]!.tensor
        fc.bias!.value = l.parameters!["bias"]!.tensor
        fc.zeroGradients()
        _ = fc.forward(l.inputs![0].tensor, mode: .training)
        for _ in 0..<3 { _ = fc.backward(l.grad_output!.tensor) }
        assertClose(fc.weight.grad, l.grad_parameters!["weight"]!.tensor * 3, "thrice-accumulated dense weight grad")
        assertClose(fc.bias!.grad, l.grad_parameters!["bias"]!.tensor * 3, "thrice-accumulated dense bias grad")

        // BatchNorm's buffers are not trainable and have no gradient to zero.
        let bn = BatchNorm(channels: 3)
        XCTAssertEqual(bn.parameters.map(\.name), ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
        XCTAssertEqual(bn.trainableParameters.map(\.name), ["weight", "bias"])
    }
}
