/// Flatten: [N, C, H, W] → [N, C·H·W], in NCHW order (channel-major, like
/// PyTorch's nn.Flatten), so weights trained in PyTorch load unchanged.
public final class Flatten: UnaryLayer {
    public var kind: String { "Flatten" }
    private var inputShape: [Int] = []
    public init() {}

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        inputShape = x.shape
        var y = x
        y.setShape([x.shape[0], x.count / max(1, x.shape[0])])
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var dx = dy
        dx.setShape(inputShape)
        return dx
    }
}

/// Passes its input through unchanged (an empty residual shortcut).
public final class Identity: UnaryLayer {
    public var kind: String { "Identity" }
    public init() {}
    public func forward(_ x: Tensor, mode: Mode) -> Tensor { x }
    public func backward(_ dy: Tensor) -> Tensor { dy }
}
