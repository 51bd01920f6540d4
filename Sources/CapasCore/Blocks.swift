// Layers with several inputs, for graph models (ResNet, Inception).
//
//   Add:     y = x₁ + x₂ + …           all inputs the same shape
//   Concat:  y = [x₁, x₂, …] along channels (dimension 1); other dimensions equal

public final class Add: Layer {
    public var kind: String { "Add" }
    private var inputCount = 0
    public init() {}

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        precondition(!inputs.isEmpty)
        inputCount = inputs.count
        var y = inputs[0]
        for x in inputs.dropFirst() { y.add(x) }
        return y
    }

    public func backward(_ dy: Tensor) -> [Tensor] { Array(repeating: dy, count: inputCount) }
}

public final class Concat: Layer {
    public var kind: String { "Concat" }
    private var channelCounts: [Int] = []
    public init() {}

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        precondition(!inputs.isEmpty)
        let n = inputs[0].shape[0]
        let inner = inputs[0].count / max(1, n * inputs[0].shape[1])
        channelCounts = inputs.map { $0.shape[1] }
        var shape = inputs[0].shape
        shape[1] = channelCounts.reduce(0, +)
        var y = Tensor(zeros: shape)
        let total = shape[1]
        for s in 0..<n {
            var offset = 0
            for (x, c) in zip(inputs, channelCounts) {
                precondition(x.count == n * c * inner, "Concat: input shapes \(inputs.map(\.shape))")
                let src = s * c * inner, dst = (s * total + offset) * inner
                y.data.replaceSubrange(dst..<(dst + c * inner), with: x.data[src..<(src + c * inner)])
                offset += c
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) -> [Tensor] {
        let n = dy.shape[0], total = dy.shape[1], inner = dy.count / max(1, n * total)
        var offset = 0
        return channelCounts.map { c in
            var shape = dy.shape
            shape[1] = c
            var dx = Tensor(zeros: shape)
            for s in 0..<n {
                let src = (s * total + offset) * inner, dst = s * c * inner
                dx.data.replaceSubrange(dst..<(dst + c * inner), with: dy.data[src..<(src + c * inner)])
            }
            offset += c
            return dx
        }
    }
}
