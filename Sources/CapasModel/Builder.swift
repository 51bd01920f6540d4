import CapasCore

extension ModelAnalysis {
    /// Builds the trainable network: one core layer per analysed node, with
    /// PyTorch's default initialisation drawn from `seed`.
    public func makeNetwork(seed: UInt64) throws -> Network {
        var generator = SeededGenerator(seed: seed)
        var nodes: [Network.Node] = []
        for layer in layers {
            let core: any Layer
            switch layer.resolved {
            case let .conv(config): core = Conv2D(config, generator: &generator)
            case let .pool(config): core = Pool2D(config)
            case .globalAveragePool: core = GlobalAveragePool()
            case .globalMaxPool: core = GlobalMaxPool()
            case .flatten: core = Flatten()
            case let .dense(config): core = Dense(config, generator: &generator)
            case let .embedding(config): core = Embedding(config, generator: &generator)
            case let .recurrent(r):
                core = RecurrentLayer(cell: r.spec.cell == .simple ? .simple : .lstm, inputFeatures: r.inputFeatures,
                                      units: r.spec.units, biasVectors: r.spec.bias.vectors,
                                      returnSequences: r.spec.returnSequences, generator: &generator)
            case let .activation(f): core = Activation(f)
            case let .softmax(log): core = Softmax(logarithmic: log)
            case let .maxout(pieces): core = Maxout(pieces: pieces)
            case let .batchNorm(channels, momentum, epsilon):
                core = BatchNorm(channels: channels, momentum: momentum, epsilon: epsilon)
            case let .dropout(p): core = Dropout(probability: p, seed: generator.next())
            case .add: core = Add()
            case .concat: core = Concat()
            }
            nodes.append(Network.Node(name: layer.name, layer: core, inputs: layer.inputs))
        }
        return Network(inputShape: input, nodes: nodes)
    }
}
