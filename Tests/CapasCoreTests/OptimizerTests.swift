import CapasCore
import Foundation
import XCTest

/// Optimizer updates against torch.optim (Fixtures/torch/optimizer.json): the
/// same parameter, the same gradient at each step, the parameter after each step.
///
/// Tolerance: 1e-6 + 1e-6·|θ|, tighter than the layers' 1e-5 + 1e-4·|ref|
/// because an Adam step is only ~1e-3: the default would hide an error of 10 %
/// in the step. Float32 rounding of θ ≈ 1 is ~1e-7 per operation.
final class OptimizerTests: XCTestCase {
    static let atol: Float = 1e-6, rtol: Float = 1e-6

    func kind(_ name: String) -> OptimizerKind {
        switch name {
        case "sgd": return .sgd
        case "momentum": return .momentum
        case "adam": return .adam
        case "adadelta": return .adadelta
        default: preconditionFailure("unknown optimizer \(name)")
        }
    }

    func testOptimizersMatchPyTorch() throws {
        let cases = try Fixtures.cases("optimizer", op: "optimizer", atLeast: 8)
        for c in cases {
            let p = c.params
            let optimizer = Optimizer(kind(p.string("kind")), learningRate: p.float("lr"), weightDecay: p.float("weight_decay"))
            if p.has("momentum") { XCTAssertEqual(optimizer.momentum, p.float("momentum"), c.name) }
            if p.has("beta1") {
                XCTAssertEqual(optimizer.beta1, p.float("beta1"), c.name)
                XCTAssertEqual(optimizer.beta2, p.float("beta2"), c.name)
                XCTAssertEqual(optimizer.epsilon, p.float("eps"), c.name)
            }
            if p.has("rho") {
                XCTAssertEqual(optimizer.rho, p.float("rho"), c.name)
                XCTAssertEqual(optimizer.adadeltaEpsilon, p.float("eps"), c.name)
            }
            let theta = Parameter("weight", c.initial!.tensor)
            var previous = theta.value
            for (i, step) in c.steps!.enumerated() {
                theta.grad = step.grad.tensor
                optimizer.step([theta])
                let label = "\(c.name): parameter after step \(i + 1)"
                assertClose(theta.value, step.param.tensor, atol: Self.atol, rtol: Self.rtol, label)
                // The parameter really moved (a no-op optimizer would pass a loose tolerance).
                XCTAssertNotEqual(theta.value, previous, label)
                previous = theta.value
            }
            XCTAssertEqual(optimizer.steps, c.steps!.count, c.name)
        }
        let kinds = Set(cases.map { $0.params.string("kind") })
        XCTAssertEqual(kinds, ["sgd", "momentum", "adam", "adadelta"])
        XCTAssertTrue(cases.contains { $0.params.string("kind") == "adam" && $0.params.double("weight_decay") == 0.01 })
    }

    /// A hand-checked SGD step: θ − η·g, and weight decay adds λ·θ to g.
    func testSGDByHand() {
        let p = Parameter("w", Tensor([1, -2, 0.5]))
        p.grad = Tensor([0.5, 0.25, -1])
        Optimizer(.sgd, learningRate: 0.1).step([p])
        assertClose(p.value, Tensor([0.95, -2.025, 0.6]), atol: 1e-7, rtol: 1e-7, "sgd")

        let q = Parameter("w", Tensor([1, -2]))
        q.grad = Tensor([0, 0])
        Optimizer(.sgd, learningRate: 0.5, weightDecay: 0.1).step([q])
        assertClose(q.value, Tensor([0.95, -1.9]), atol: 1e-7, rtol: 1e-7, "sgd weight decay")
    }

    /// Adam's first step moves each weight by ≈ lr·sign(g), whatever |g| is.
    func testAdamFirstStepIsLearningRateTimesSign() {
        let p = Parameter("w", Tensor([0, 0, 0, 0]))
        p.grad = Tensor([1e-3, -5, 100, -0.2])
        Optimizer(.adam, learningRate: 0.01).step([p])
        assertClose(p.value, Tensor([-0.01, 0.01, -0.01, 0.01]), atol: 1e-6, rtol: 1e-4, "adam step 1")
    }

    /// Buffers (non-trainable parameters) are never updated.
    func testNonTrainableParametersAreSkipped() {
        let bn = BatchNorm(channels: 2)
        for p in bn.trainableParameters { p.grad = Tensor(repeating: 1, shape: p.value.shape) }
        let optimizer = Optimizer(.adam)
        optimizer.step(bn.parameters)
        XCTAssertEqual(bn.runningMean.value, Tensor(zeros: [2]))
        XCTAssertEqual(bn.runningVar.value, Tensor(repeating: 1, shape: [2]))
        XCTAssertEqual(bn.batchesTracked.value.data, [0])
        XCTAssertNotEqual(bn.weight.value, Tensor(repeating: 1, shape: [2]))
    }
}
