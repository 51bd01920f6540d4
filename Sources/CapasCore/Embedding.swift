// Embedding: a lookup table of learned vectors, one row per token id.
//
// Shapes:
//   input   [N, L]       token ids stored as floats (0, 1, …, V − 1)
//   weight  [V, D]       row t is the vector of token t (PyTorch's `weight`)
//   output  [N, D, L]    a sequence of L steps with D channels, channels first
//                        like every sequence in capas, ready for conv1d
//                        (PyTorch's nn.Embedding gives [N, L, D]; a text CNN
//                        then transposes it before Conv1d)
//   parameters V·D; no multiply-adds: a lookup copies a row
//
// **An id that is not one of 0..<V (or not a whole number) reads as a zero
// vector and receives no gradient**: PyTorch raises an IndexError instead.
// `Embedding.invalidIDs(in:vocabulary:)` finds them before training.

public struct EmbeddingConfig: Hashable, Sendable {
    /// Number of distinct tokens V.
    public var vocabulary: Int
    /// Length D of each token's vector.
    public var dimension: Int

    public init(vocabulary: Int, dimension: Int) { self.vocabulary = vocabulary; self.dimension = dimension }

    /// A vector of L ids becomes a sequence of length L with D channels.
    public func outputShape(for input: FeatureShape) throws -> FeatureShape {
        guard input.isVector else { throw ShapeError.wrongInputKind(layer: "embedding", expected: .vector, got: input) }
        return .sequence(length: input.channels, channels: dimension)
    }

    /// V·D: one learned vector per token.
    public func parameterCount() throws -> Int { try Checked.mul(vocabulary, dimension, "embedding parameters") }
}

public final class Embedding: UnaryLayer {
    public let config: EmbeddingConfig
    public var kind: String { "Embedding" }
    /// [V, D], initialised from N(0, 1) as in PyTorch.
    public let weight: Parameter
    private var ids: [Int] = []
    private var inputShape: [Int] = []

    public init(_ config: EmbeddingConfig, generator: inout SeededGenerator) {
        self.config = config
        var w = Tensor(zeros: [config.vocabulary, config.dimension])
        for i in 0..<w.count { w.data[i] = generator.normal() }
        weight = Parameter("weight", w)
    }

    public var parameters: [Parameter] { [weight] }

    /// The row of `value`, or nil when it is not a whole number in 0..<vocabulary.
    @inline(__always)
    static func row(_ value: Float, vocabulary: Int) -> Int? {
        guard value.isFinite, value >= 0, value < Float(vocabulary), value == value.rounded(.towardZero) else { return nil }
        let id = Int(value)
        return id < vocabulary ? id : nil
    }

    /// Positions (flat indices) of ids that are not whole numbers in 0..<vocabulary.
    public static func invalidIDs(in ids: Tensor, vocabulary: Int) -> [Int] {
        ids.data.indices.filter { row(ids.data[$0], vocabulary: vocabulary) == nil }
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        precondition(x.rank == 2, "Embedding: input shape \(x.shape)")
        let n = x.shape[0], length = x.shape[1], d = config.dimension
        var y = Tensor(zeros: [n, d, length])
        var rows = [Int](repeating: -1, count: x.count)
        for s in 0..<n {
            for t in 0..<length {
                guard let id = Embedding.row(x.data[s * length + t], vocabulary: config.vocabulary) else { continue }
                rows[s * length + t] = id
                // Channels first: channel c of step t is at (s·D + c)·L + t.
                for c in 0..<d { y.data[(s * d + c) * length + t] = weight.value.data[id * d + c] }
            }
        }
        if mode.keepsForBackward { ids = rows; inputShape = x.shape }
        return y
    }

    /// Adds each step's gradient to its token's row; the ids get a zero
    /// gradient (they are not differentiable). A frozen table (fine-tuning
    /// with pretrained vectors) gets no gradient at all: its `grad` stays zero.
    public func backward(_ dy: Tensor) -> Tensor {
        precondition(ids.count == dy.count / max(1, config.dimension), "Embedding.backward before a training forward")
        if weight.frozen { return Tensor(zeros: inputShape) }
        let n = inputShape[0], length = inputShape[1], d = config.dimension
        for s in 0..<n {
            for t in 0..<length {
                let id = ids[s * length + t]
                if id < 0 { continue }
                // A token that appears twice gets both gradients: accumulate, never assign.
                for c in 0..<d { weight.grad.data[id * d + c] += dy.data[(s * d + c) * length + t] }
            }
        }
        return Tensor(zeros: inputShape)
    }
}
