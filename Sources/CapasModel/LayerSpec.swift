import CapasCore

// What a learner writes on one line, as a value. A specification knows how
// to print itself back as the exact line that recreates it; the shapes,
// counts and the trainable layer come from `ModelAnalysis`.

/// Padding as written: a number (`pad=1`, `pad=1x2` for height×width), `same` or `valid`.
public enum PaddingSpec: Hashable, Sendable {
    case explicit(Size2D)
    /// Output size ⌈n/s⌉, padding split evenly with the extra pixel at the
    /// bottom/right (Keras and TensorFlow; PyTorch's `same` for stride 1).
    case same
    /// No padding (the same as `pad=0`).
    case valid

    public var text: String {
        switch self {
        case .same: return "same"
        case .valid: return "valid"
        case let .explicit(s): return s.isSquare ? String(s.height) : "\(s.height)x\(s.width)"
        }
    }
}

public struct ConvSpec: Hashable, Sendable {
    /// Number of filters (output channels); nil for `depthwise`, where it is C_in·multiplier.
    public var filters: Int?
    public var depthwiseMultiplier: Int = 1
    public var kernel: Size2D
    public var stride = Size2D(1, 1)
    public var padding: PaddingSpec = .explicit(Size2D(0, 0))
    public var dilation = Size2D(1, 1)
    public var groups = 1
    public var bias = true
    public var oneDimensional = false
    public init(filters: Int?, kernel: Size2D) { self.filters = filters; self.kernel = kernel }
}

public struct PoolSpec: Hashable, Sendable {
    public var kind: PoolingConfig.Kind
    public var kernel: Size2D
    public var stride: Size2D?
    public var padding = Size2D(0, 0)
    /// `ceil=yes`: round the output size up (PyTorch's ceil_mode=True, GoogLeNet's pooling).
    public var ceil = false
    /// `count_pad=no` (avgpool): padded zeros do not count in the divisor
    /// (PyTorch's count_include_pad=False, Keras' padding="same").
    public var countPadding = true
    public init(kind: PoolingConfig.Kind, kernel: Size2D) { self.kind = kind; self.kernel = kernel }
}

public enum LayerSpec: Hashable, Sendable {
    case conv(ConvSpec)
    case pool(PoolSpec)
    case globalAveragePool
    /// The maximum of each channel over all positions (max-over-time for a sequence).
    case globalMaxPool
    case flatten
    case dense(units: Int, bias: Bool)
    /// `embedding VOCAB DIM`: a vector of token ids → a sequence of DIM-channel vectors.
    case embedding(vocabulary: Int, dimension: Int)
    /// `rnn UNITS`, `lstm UNITS`: analysed, not trained (see Recurrent.swift).
    case recurrent(RecurrentSpec)
    case activation(ActivationFunction)
    case softmax
    case logSoftmax
    case maxout(pieces: Int)
    case batchNorm(momentum: Float, epsilon: Float)
    case dropout(Float)

    /// The model-language line that recreates this layer (defaults omitted).
    public var text: String {
        switch self {
        case let .conv(c):
            var words: [String]
            if let filters = c.filters {
                words = [c.oneDimensional ? "conv1d" : "conv", String(filters),
                         c.oneDimensional ? String(c.kernel.width) : sizeText(c.kernel)]
            } else {
                words = ["depthwise", sizeText(c.kernel)]
                if c.depthwiseMultiplier != 1 { words.append("multiplier=\(c.depthwiseMultiplier)") }
            }
            // A conv1d stores its sizes as height 1 (stride, dilation) or 0 (padding): print the width only.
            func size(_ s: Size2D) -> String { c.oneDimensional ? String(s.width) : sizeText(s, short: true) }
            if c.stride != Size2D(1, 1) { words.append("stride=" + size(c.stride)) }
            switch c.padding {
            case .explicit(Size2D(0, 0)): break
            case let .explicit(p) where c.oneDimensional: words.append("pad=\(p.width)")
            default: words.append("pad=" + c.padding.text)
            }
            if c.dilation != Size2D(1, 1) { words.append("dilation=" + size(c.dilation)) }
            if c.groups != 1 { words.append("groups=\(c.groups)") }
            if !c.bias { words.append("bias=no") }
            return words.joined(separator: " ")
        case let .pool(p):
            var words = [p.kind == .max ? "maxpool" : "avgpool", sizeText(p.kernel, short: true)]
            if let s = p.stride, s != p.kernel { words.append("stride=" + sizeText(s, short: true)) }
            if p.padding != Size2D(0, 0) { words.append("pad=" + sizeText(p.padding, short: true)) }
            if p.ceil { words.append("ceil=yes") }
            if !p.countPadding { words.append("count_pad=no") }
            return words.joined(separator: " ")
        case .globalAveragePool: return "globalavgpool"
        case .globalMaxPool: return "globalmaxpool"
        case .flatten: return "flatten"
        case let .dense(units, bias): return "dense \(units)" + (bias ? "" : " bias=no")
        case let .embedding(vocabulary, dimension): return "embedding \(vocabulary) \(dimension)"
        case let .recurrent(r): return r.text
        case let .activation(f): return activationText(f)
        case .softmax: return "softmax"
        case .logSoftmax: return "logsoftmax"
        case let .maxout(pieces): return "maxout \(pieces)"
        case let .batchNorm(momentum, epsilon):
            var words = ["batchnorm"]
            if momentum != 0.1 { words.append("momentum=\(formatNumber(momentum))") }
            if epsilon != 1e-5 { words.append("eps=\(formatNumber(epsilon))") }
            return words.joined(separator: " ")
        case let .dropout(p): return "dropout \(formatNumber(p))"
        }
    }

    /// True for layers that may be written inline after another (`conv 32 3x3 relu`).
    public var isInlineActivation: Bool {
        switch self {
        case .activation, .softmax, .logSoftmax: return true
        default: return false
        }
    }
}

func activationText(_ f: ActivationFunction) -> String {
    switch f {
    case .relu: return "relu"
    case .relu6: return "relu6"
    case let .leakyReLU(slope): return slope == 0.01 ? "leakyrelu" : "leakyrelu \(formatNumber(slope))"
    case let .elu(alpha): return alpha == 1 ? "elu" : "elu \(formatNumber(alpha))"
    case .sigmoid: return "sigmoid"
    case .tanh: return "tanh"
    }
}

/// `5x5`, or `2` when `short` and square (strides, pooling windows).
func sizeText(_ s: Size2D, short: Bool = false) -> String {
    short && s.isSquare ? String(s.height) : "\(s.height)x\(s.width)"
}

/// Shortest text that reads back as the same Float.
func formatNumber(_ x: Float) -> String {
    if x == x.rounded() && abs(x) < 1e7 { return String(Int(x)) }
    return "\(x)"
}
