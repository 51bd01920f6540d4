import CapasCore

// Shape inference and counting, without running anything: every layer's
// input and output shape, parameters and multiply-adds, from the text alone.
// The same analysis builds the trainable network, so what the learner sees
// in a summary is exactly what trains.

/// A layer resolved against its input shape: the core configuration it builds.
public enum ResolvedLayer: Hashable, Sendable {
    case conv(ConvolutionConfig)
    case pool(PoolingConfig)
    case globalAveragePool
    case globalMaxPool
    case flatten
    case dense(DenseConfig)
    case embedding(EmbeddingConfig)
    /// An rnn or lstm layer (`RecurrentLayer` in the core).
    case recurrent(RecurrentConfig)
    case activation(ActivationFunction)
    case softmax(logarithmic: Bool)
    case maxout(pieces: Int)
    case batchNorm(channels: Int, momentum: Float, epsilon: Float)
    case dropout(Float)
    /// The addition at the end of a residual block.
    case add
    /// The concatenation at the end of a concat block.
    case concat

    /// PyTorch's module name, for summaries.
    public var torchName: String {
        switch self {
        case let .conv(c): return c.oneDimensional ? "Conv1d" : "Conv2d"
        case let .pool(p): return (p.kind == .max ? "MaxPool" : "AvgPool") + (p.oneDimensional ? "1d" : "2d")
        case .globalAveragePool: return "AdaptiveAvgPool"
        case .globalMaxPool: return "AdaptiveMaxPool"
        case .flatten: return "Flatten"
        case .dense: return "Linear"
        case .embedding: return "Embedding"
        case let .recurrent(r): return r.spec.cell.torchName
        case let .activation(f): return f.torchName
        case let .softmax(log): return log ? "LogSoftmax" : "Softmax"
        case .maxout: return "Maxout"
        case .batchNorm: return "BatchNorm"
        case .dropout: return "Dropout"
        case .add: return "Add"
        case .concat: return "Concat"
        }
    }
}

/// One node of the analysed model.
public struct AnalyzedLayer: Hashable, Sendable {
    /// The state-dict prefix of its tensors: `"0"`, `"4.body.1"`, `"7.branches.2.0"`.
    public let name: String
    /// The spec as written (nil for the add/concat that closes a block).
    public let spec: LayerSpec?
    public let resolved: ResolvedLayer
    /// Where it was written.
    public let span: SourceSpan
    /// Nesting depth inside blocks (0 at the top level).
    public let depth: Int
    /// Nodes it reads (−1 is the model input).
    public let inputs: [Int]
    public let inputShape: FeatureShape
    public let outputShape: FeatureShape
    /// Trainable parameters.
    public let parameters: Int
    /// Non-trainable values saved with the model (batch norm's running mean and variance).
    public let buffers: Int
    /// Multiply-adds per sample, torchinfo's convention (a bias is one MAC per output value).
    public let multiplyAdds: Int
}

public struct ModelAnalysis: Sendable {
    public let model: ModelText
    public let input: FeatureShape
    public let layers: [AnalyzedLayer]

    public var output: FeatureShape { layers.last?.outputShape ?? input }

    /// Analyses a model; `input` overrides (or supplies) the `input` line.
    public init(_ model: ModelText, input: FeatureShape? = nil, sourceText: String? = nil) throws {
        self.model = model
        let sourceLines = sourceText.map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        guard let shape = input ?? model.input else { throw ModelError(.missingInput, at: nil) }
        guard !model.items.isEmpty else { throw ModelError(.emptyModel, at: model.inputSpan) }
        try ModelAnalysis.validateInput(shape, span: model.inputSpan)
        self.input = shape
        var walker = Walker(sourceLines: sourceLines)
        _ = try walker.walk(model.items, from: -1, shape: shape, prefix: "", depth: 0)
        layers = walker.layers
    }

    /// Parses and analyses model text in one step, with the source lines in errors.
    public init(text: String, input: FeatureShape? = nil) throws {
        try self.init(try ModelText(parsing: text), input: input, sourceText: text)
    }

    static func validateInput(_ shape: FeatureShape, span: SourceSpan?) throws {
        guard shape.elementCount != nil else {
            throw ModelError(.shape(.overflow(what: "input \(shape)")), at: span)
        }
    }

    // MARK: totals (overflow is reported, not trapped)

    public func totalParameters() throws -> Int { try sum(\.parameters, "parameters") }
    public func totalBuffers() throws -> Int { try sum(\.buffers, "buffers") }
    public func totalMultiplyAdds() throws -> Int { try sum(\.multiplyAdds, "multiply-adds") }

    private func sum(_ key: KeyPath<AnalyzedLayer, Int>, _ what: String) throws -> Int {
        try layers.reduce(0) { try Checked.add($0, $1[keyPath: key], "total \(what)") }
    }

    /// Values produced by all layers for one sample (activation memory ≈ 4 bytes each, twice when training).
    public func activationValues() throws -> Int {
        try layers.reduce(0) { try Checked.add($0, try Checked.product($1.outputShape.dims, "activations"), "activations") }
    }
}

private struct Walker {
    var layers: [AnalyzedLayer] = []
    let sourceLines: [String]?

    init(sourceLines: [String]?) { self.sourceLines = sourceLines }

    func error(_ e: ShapeError, _ span: SourceSpan) -> ModelError { error(.shape(e), span) }

    func error(_ problem: ModelError.Problem, _ span: SourceSpan) -> ModelError {
        var line: String?
        if let lines = sourceLines, span.line >= 1, span.line <= lines.count { line = lines[span.line - 1] }
        return ModelError(problem, at: span, sourceLine: line)
    }

    /// Before each node is appended: at most `ModelLimits.layers`.
    func roomForOneMore(_ span: SourceSpan) throws {
        guard layers.count < ModelLimits.layers else { throw error(.tooManyLayers(limit: ModelLimits.layers), span) }
    }

    /// Appends the nodes of `items`, reading node `from`; returns the last node and its shape.
    mutating func walk(_ items: [ModelItem], from: Int, shape: FeatureShape, prefix: String, depth: Int) throws
        -> (node: Int, shape: FeatureShape) {
        var node = from, shape = shape, index = 0
        for item in items {
            switch item {
            case let .layer(line):
                (node, shape) = try add(line.spec, line.span, from: node, shape: shape, name: prefix + String(index), depth: depth)
                index += 1
                if let activation = line.activation {
                    (node, shape) = try add(activation, line.span, from: node, shape: shape, name: prefix + String(index), depth: depth)
                    index += 1
                }
            case let .residual(body, shortcut, span):
                let start = node, startShape = shape
                let (bodyEnd, bodyShape) = try walk(body, from: start, shape: startShape, prefix: prefix + "\(index).body.", depth: depth + 1)
                var (shortEnd, shortShape) = (start, startShape)
                if !shortcut.isEmpty {
                    (shortEnd, shortShape) = try walk(shortcut, from: start, shape: startShape, prefix: prefix + "\(index).shortcut.", depth: depth + 1)
                }
                guard bodyShape == shortShape else {
                    throw error(.branchesDiffer(block: "residual", shapes: [bodyShape, shortShape]), span)
                }
                try roomForOneMore(span)
                layers.append(AnalyzedLayer(name: prefix + String(index), spec: nil, resolved: .add, span: span, depth: depth,
                                            inputs: [bodyEnd, shortEnd], inputShape: bodyShape, outputShape: bodyShape,
                                            parameters: 0, buffers: 0, multiplyAdds: 0))
                node = layers.count - 1
                index += 1
            case let .concat(branches, span):
                let start = node, startShape = shape
                var ends: [Int] = [], shapes: [FeatureShape] = []
                for (b, branch) in branches.enumerated() {
                    let (end, endShape) = branch.isEmpty ? (start, startShape)
                        : try walk(branch, from: start, shape: startShape, prefix: prefix + "\(index).branches.\(b).", depth: depth + 1)
                    ends.append(end)
                    shapes.append(endShape)
                }
                // Same kind and the same spatial size; channels add up.
                let first = shapes[0]
                guard shapes.allSatisfy({ $0.dims.count == first.dims.count && $0.dims.dropFirst() == first.dims.dropFirst() }) else {
                    throw error(.branchesDiffer(block: "concat", shapes: shapes), span)
                }
                var channels = 0
                for s in shapes { channels = try Checked.add(channels, s.channels, "concatenated channels") }
                var dims = first.dims
                dims[0] = channels
                let out = FeatureShape(dims: dims)
                try roomForOneMore(span)
                layers.append(AnalyzedLayer(name: prefix + String(index), spec: nil, resolved: .concat, span: span, depth: depth,
                                            inputs: ends, inputShape: first, outputShape: out,
                                            parameters: 0, buffers: 0, multiplyAdds: 0))
                node = layers.count - 1
                shape = out
                index += 1
                continue
            }
            if case .residual = item { shape = layers[node].outputShape }
        }
        return (node, shape)
    }

    mutating func add(_ spec: LayerSpec, _ span: SourceSpan, from: Int, shape: FeatureShape, name: String, depth: Int) throws
        -> (Int, FeatureShape) {
        do {
            let (resolved, out, params, buffers, macs) = try resolve(spec, shape)
            try roomForOneMore(span)
            layers.append(AnalyzedLayer(name: name, spec: spec, resolved: resolved, span: span, depth: depth, inputs: [from],
                                        inputShape: shape, outputShape: out, parameters: params, buffers: buffers,
                                        multiplyAdds: macs))
            return (layers.count - 1, out)
        } catch let e as ShapeError {
            throw error(e, span)
        }
    }

    func resolve(_ spec: LayerSpec, _ input: FeatureShape) throws
        -> (ResolvedLayer, FeatureShape, Int, Int, Int) {
        switch spec {
        case let .conv(c):
            if c.oneDimensional {
                guard input.isSequence else { throw ShapeError.wrongInputKind(layer: "conv1d", expected: .sequence, got: input) }
            } else {
                guard input.isImage else {
                    throw ShapeError.wrongInputKind(layer: c.filters == nil ? "depthwise" : "conv", expected: .image, got: input)
                }
            }
            let depthwise = c.filters == nil
            let filters = try c.filters ?? Checked.mul(input.channels, c.depthwiseMultiplier, "filters")
            let groups = depthwise ? input.channels : c.groups
            let padding = try resolvePadding(c, input)
            let config = ConvolutionConfig(inChannels: input.channels, outChannels: filters, kernel: c.kernel, stride: c.stride,
                                           padding: padding, dilation: c.dilation, groups: groups, bias: c.bias,
                                           oneDimensional: c.oneDimensional)
            let out = try config.outputShape(for: input)
            return (.conv(config), out, try config.parameterCount(), 0, try config.multiplyAdds(output: out))
        case let .pool(p):
            let one = input.isSequence
            let config = PoolingConfig(kind: p.kind, kernel: one ? Size2D(1, p.kernel.width) : p.kernel,
                                       stride: p.stride.map { one ? Size2D(1, $0.width) : $0 },
                                       padding: one ? Size2D(0, p.padding.width) : p.padding, oneDimensional: one,
                                       ceilMode: p.ceil, countPadding: p.countPadding)
            return (.pool(config), try config.outputShape(for: input), 0, 0, 0)
        case .globalAveragePool:
            guard input.isImage || input.isSequence else {
                throw ShapeError.wrongInputKind(layer: "globalavgpool", expected: .imageOrSequence, got: input)
            }
            return (.globalAveragePool, .vector(input.channels), 0, 0, 0)
        case .globalMaxPool:
            guard input.isImage || input.isSequence else {
                throw ShapeError.wrongInputKind(layer: "globalmaxpool", expected: .imageOrSequence, got: input)
            }
            return (.globalMaxPool, .vector(input.channels), 0, 0, 0)
        case let .embedding(vocabulary, dimension):
            // A lookup copies one row per token: no multiply-adds. (torchinfo
            // counts V·D for nn.Embedding, as if every weight were multiplied once.)
            let config = EmbeddingConfig(vocabulary: vocabulary, dimension: dimension)
            let out = try config.outputShape(for: input)
            return (.embedding(config), out, try config.parameterCount(), 0, 0)
        case let .recurrent(r):
            let config = try RecurrentConfig(r, input: input)
            return (.recurrent(config), config.outputShape, try config.parameterCount(), 0, try config.multiplyAdds())
        case .flatten:
            return (.flatten, .vector(try Checked.product(input.dims, "flattened size of \(input)")), 0, 0, 0)
        case let .dense(units, bias):
            let config = DenseConfig(inFeatures: input.channels, outFeatures: units, bias: bias)
            let out = try config.outputShape(for: input)
            return (.dense(config), out, try config.parameterCount(), 0, try config.multiplyAdds())
        case let .activation(f):
            return (.activation(f), input, 0, 0, 0)
        case .softmax:
            return (.softmax(logarithmic: false), input, 0, 0, 0)
        case .logSoftmax:
            return (.softmax(logarithmic: true), input, 0, 0, 0)
        case let .maxout(pieces):
            return (.maxout(pieces: pieces), try Maxout.outputShape(for: input, pieces: pieces), 0, 0, 0)
        case let .batchNorm(momentum, epsilon):
            let c = input.channels
            let two = try Checked.mul(2, c, "batch-norm parameters")
            // torchinfo counts γ and β as one multiply-add each per channel.
            return (.batchNorm(channels: c, momentum: momentum, epsilon: epsilon), input, two, two, two)
        case let .dropout(p):
            guard p >= 0 && p < 1 else {
                throw ShapeError.invalidValue(layer: "dropout", parameter: "p", value: "\(p)", requirement: .probability)
            }
            return (.dropout(p), input, 0, 0, 0)
        }
    }

    /// `same`: output ⌈n/s⌉, total padding max((out − 1)·s + d·(f − 1) + 1 − n, 0),
    /// half before and the rest after (TensorFlow and Keras; PyTorch's `same` for stride 1).
    func resolvePadding(_ c: ConvSpec, _ input: FeatureShape) throws -> Padding2D {
        switch c.padding {
        case .valid: return .zero
        case let .explicit(s): return c.oneDimensional ? Padding2D(top: 0, bottom: 0, left: s.width, right: s.width) : Padding2D(s.height, s.width)
        case .same:
            func split(_ n: Int, _ f: Int, _ s: Int, _ d: Int) throws -> (Int, Int) {
                guard s >= 1, f >= 1, d >= 1 else { return (0, 0) }
                let out = n / s + (n % s == 0 ? 0 : 1)
                let span = try Checked.add(try Checked.mul(d, f - 1, "kernel span"), 1, "kernel span")
                let needed = try Checked.add(try Checked.mul(max(out - 1, 0), s, "padding"), span, "padding") - n
                let total = max(needed, 0)
                return (total / 2, total - total / 2)
            }
            let (l, r) = try split(input.width, c.kernel.width, c.stride.width, c.dilation.width)
            if c.oneDimensional { return Padding2D(top: 0, bottom: 0, left: l, right: r) }
            let (t, b) = try split(input.height, c.kernel.height, c.stride.height, c.dilation.height)
            return Padding2D(top: t, bottom: b, left: l, right: r)
        }
    }
}
