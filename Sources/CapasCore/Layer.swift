// Layer: one forward/backward pair, in the style of Caffe and llm.c.
//
// forward(inputs) caches what backward needs; backward(dOut) returns the
// gradient for each input and *accumulates* the gradients of the layer's
// parameters into `Parameter.grad` (call `zeroGradients()` between steps).

/// A tensor that a layer owns: a trainable parameter (weight, bias) or a
/// non-trainable buffer (batch norm's running statistics).
public final class Parameter {
    /// The name within its layer, as in a PyTorch state_dict (`weight`, `running_mean`).
    public let name: String
    public var value: Tensor
    public var grad: Tensor
    public let trainable: Bool
    /// Set on the parameters of a frozen layer (fine-tuning): the optimizer
    /// leaves it alone and the layer skips computing its gradient.
    public var frozen = false

    public init(_ name: String, _ value: Tensor, trainable: Bool = true) {
        self.name = name
        self.value = value
        self.grad = trainable ? Tensor(zeros: value.shape) : Tensor(zeros: [0])
        self.trainable = trainable
    }
}

/// Whether a forward pass is for training (batch statistics, dropout on) or evaluation.
public enum Mode: Sendable {
    case training
    case evaluation
    /// Evaluation's numbers (running statistics, no dropout) with training's
    /// memory: every layer keeps what its backward needs, so the gradients
    /// of one image's loss can be looked at (PyTorch's `model.eval()`
    /// followed by `loss.backward()`). Changes no running statistic.
    case inspection

    /// Does a layer keep its input (or what stands for it) for backward?
    public var keepsForBackward: Bool { self != .evaluation }
}

/// A differentiable operation with optional parameters.
public protocol Layer: AnyObject {
    /// The PyTorch-like name of the operation (`Conv2d`, `ReLU`), for summaries and errors.
    var kind: String { get }
    /// Trainable parameters followed by buffers, in state_dict order.
    var parameters: [Parameter] { get }
    /// Computes the output for a batch; caches what `backward` needs when training.
    func forward(_ inputs: [Tensor], mode: Mode) -> Tensor
    /// Gradients for each input; accumulates parameter gradients.
    func backward(_ gradOutput: Tensor) -> [Tensor]
}

/// A layer with exactly one input.
public protocol UnaryLayer: Layer {
    func forward(_ input: Tensor, mode: Mode) -> Tensor
    func backward(_ gradOutput: Tensor) -> Tensor
}

extension UnaryLayer {
    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        precondition(inputs.count == 1, "\(kind) takes one input")
        return forward(inputs[0], mode: mode)
    }
    public func backward(_ gradOutput: Tensor) -> [Tensor] { [backward(gradOutput) as Tensor] }
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var trainableParameters: [Parameter] { parameters.filter(\.trainable) }
    public func zeroGradients() {
        for p in parameters where p.trainable && !p.frozen { p.grad.zero() }
    }
    /// True when the layer has trainable parameters and all of them are frozen.
    public var isFrozen: Bool {
        let trainable = parameters.filter(\.trainable)
        return !trainable.isEmpty && trainable.allSatisfy(\.frozen)
    }
}

/// PyTorch's default initialisation for conv and linear layers
/// (kaiming_uniform with a = √5): weights and biases uniform in ±1/√fan_in.
public func defaultInitialization(shape: [Int], fanIn: Int, generator: inout SeededGenerator) -> Tensor {
    let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
    var t = Tensor(zeros: shape)
    for i in 0..<t.count { t.data[i] = generator.uniform(-bound, bound) }
    return t
}

/// Padding on each side of a 2-D input.
public struct Padding2D: Hashable, Sendable {
    public var top: Int, bottom: Int, left: Int, right: Int
    public init(top: Int, bottom: Int, left: Int, right: Int) {
        self.top = top; self.bottom = bottom; self.left = left; self.right = right
    }
    public init(_ height: Int, _ width: Int) { self.init(top: height, bottom: height, left: width, right: width) }
    public static let zero = Padding2D(0, 0)
    public var isSymmetric: Bool { top == bottom && left == right }
}

/// A pair of sizes (height, width); a sequence uses height 1.
public struct Size2D: Hashable, Sendable, CustomStringConvertible {
    public var height: Int, width: Int
    public init(_ height: Int, _ width: Int) { self.height = height; self.width = width }
    public init(square: Int) { self.init(square, square) }
    public var description: String { "\(height)x\(width)" }
    public var isSquare: Bool { height == width }
}

/// The sliding-window output size along one axis:
/// **floor**((n + p_before + p_after − d·(f − 1) − 1)/s) + 1.
public func windowOutputSize(layer: String, axis: ShapeError.Axis, input n: Int, padBefore: Int, padAfter: Int,
                             kernel f: Int, stride s: Int, dilation d: Int) throws -> Int {
    let padded = try Checked.add(try Checked.add(n, padBefore, "padded size"), padAfter, "padded size")
    let span = try Checked.add(try Checked.mul(d, f - 1, "dilated kernel"), 1, "dilated kernel")
    guard padded >= span else {
        throw ShapeError.kernelDoesNotFit(layer: layer, axis: axis, input: n, padBefore: padBefore,
                                          padAfter: padAfter, kernel: f, dilation: d, stride: s)
    }
    return (padded - span) / s + 1
}
