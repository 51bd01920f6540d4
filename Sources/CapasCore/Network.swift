#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

// Network: a directed acyclic graph of layers, evaluated in order.
//
// Node i reads the outputs of earlier nodes (or the network input, index −1);
// the last node is the output. A sequential model is the chain 0 → 1 → 2 …;
// a residual block adds an `Add` node reading two earlier nodes; an Inception
// block a `Concat` reading several. Backward walks the nodes in reverse and
// sums the gradients of any output that feeds several nodes.

public final class Network {
    public struct Node {
        /// The prefix of this node's tensors in a state dict (`"3"`, `"4.body.0"`).
        public let name: String
        public let layer: any Layer
        /// Indices of the nodes this one reads; −1 is the network input.
        public let inputs: [Int]
        public init(name: String, layer: any Layer, inputs: [Int]) {
            self.name = name; self.layer = layer; self.inputs = inputs
        }
    }

    /// The shape of one input sample.
    public let inputShape: FeatureShape
    public let nodes: [Node]
    /// When set, forward and backward add each node's wall time to it (`capas bench --profile`).
    public var profile: Profile?

    /// Seconds spent in each node, forward and backward, summed over calls.
    public final class Profile {
        public var forward: [Double]
        public var backward: [Double]
        /// What is measured: wall time, or the process's CPU time (which
        /// other work on a shared machine does not inflate; meaningful with one thread).
        public let clock: BenchClock
        public init(nodes: Int, clock: BenchClock = .wall) {
            forward = [Double](repeating: 0, count: nodes); backward = forward
            self.clock = clock
        }
    }

    public init(inputShape: FeatureShape, nodes: [Node]) {
        precondition(!nodes.isEmpty, "a network needs at least one layer")
        for (i, node) in nodes.enumerated() {
            precondition(node.inputs.allSatisfy { $0 >= -1 && $0 < i }, "node \(i) reads a later node")
        }
        self.inputShape = inputShape
        self.nodes = nodes
        // Pairs (layer, relu) where the relu is the only reader of a layer that can rectify its own output.
        var readers = [[Int]](repeating: [], count: nodes.count)
        for (i, node) in nodes.enumerated() { for j in node.inputs where j >= 0 { readers[j].append(i) } }
        reluFusions = nodes.indices.compactMap { i in
            guard nodes[i].layer is ReLUFusing, readers[i].count == 1, let r = readers[i].first,
                  nodes[r].inputs == [i], let relu = nodes[r].layer as? Activation, relu.function == .relu
            else { return nil }
            return (i, r)
        }
        poolFusions = reluFusions.compactMap { producer, relu in
            guard nodes[producer].layer is Conv2D, readers[relu].count == 1, let p = readers[relu].first,
                  nodes[p].inputs == [relu], let pool = nodes[p].layer as? Pool2D, pool.fusesIntoConvolution
            else { return nil }
            return (producer, p)
        }
    }

    /// (producer, relu) node pairs whose relu runs inside the producer's forward.
    private let reluFusions: [(producer: Int, relu: Int)]
    /// (convolution, pooling) node pairs where the convolution's fused relu
    /// is read only by that max pooling: the convolution pools each chunk of
    /// its output while it is in cache, and the relu and pooling nodes pass
    /// the pooled tensor on (backward is unchanged: the relu masks the
    /// pooled gradient by the pooled values, the pooling sends it to its winners).
    private let poolFusions: [(convolution: Int, pool: Int)]

    /// Turns the fusions on for a forward pass that runs the relu too (up to
    /// `last`), so an output read before its relu is never rectified.
    private func setFusions(through last: Int?) {
        for (producer, relu) in reluFusions {
            let on = last.map { relu <= $0 } ?? false
            (nodes[producer].layer as? ReLUFusing)?.fusesReLU = on
            (nodes[relu].layer as? Activation)?.inputIsRectified = on
        }
        for (convolution, pool) in poolFusions {
            let on = poolingFusion && (last.map { pool <= $0 } ?? false)
            let pooling = nodes[pool].layer as? Pool2D
            (nodes[convolution].layer as? Conv2D)?.fusedPool = on ? pooling : nil
            pooling?.inputIsPooled = false
            if let relu = nodes[pool].inputs.first { (nodes[relu].layer as? Activation)?.outputIsPooled = on }
        }
    }

    /// Whether convolutions may pool for the max pooling that reads their relu
    /// (on by default; the tests run both ways).
    public var poolingFusion = true

    /// When set, `forward` and `backward` keep every node's output and the
    /// gradient with respect to it (`keptOutputs`, `keptGradients`), and no
    /// relu is fused (so each node's own output is what is kept): for
    /// looking inside one image's pass (the REPL's `:network`), never for training.
    public var keepsEverything = false
    public private(set) var keptOutputs: [Tensor?] = []
    public private(set) var keptGradients: [Tensor?] = []

    /// Every parameter and buffer with its state-dict name (`"0.weight"`), in order.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        nodes.flatMap { node in node.layer.parameters.map { (node.name + "." + $0.name, $0) } }
    }

    /// What the optimizer updates: trainable parameters not frozen.
    public var trainableParameters: [Parameter] {
        namedParameters.map(\.parameter).filter { $0.trainable && !$0.frozen }
    }

    // MARK: freezing (fine-tuning)

    /// Freezes (or unfreezes) the parameters of the given nodes. A frozen node
    /// keeps its weights, computes no weight gradient, and a frozen batch norm
    /// normalises with its running statistics while training (Keras'
    /// BatchNormalization with trainable=False; PyTorch's `.eval()` on it).
    /// Nodes that nothing trainable lies behind run no backward at all.
    public func setFrozen(_ frozen: Bool, nodes indices: some Sequence<Int>) {
        for i in indices where nodes.indices.contains(i) {
            for p in nodes[i].layer.parameters where p.trainable { p.frozen = frozen }
        }
        if gradientPlan != nil { skipUnneededInputGradients() }
    }

    /// Indices of the nodes whose trainable parameters are all frozen.
    public var frozenNodes: [Int] { nodes.indices.filter { nodes[$0].layer.isFrozen } }

    /// Parameter counts split as torchinfo and Keras print them: trainable and
    /// frozen (batch norm's running statistics are in neither).
    public var parameterCounts: (trainable: Int, frozen: Int) {
        var trainable = 0, frozen = 0
        for (_, p) in namedParameters where p.trainable {
            if p.frozen { frozen += p.value.count } else { trainable += p.value.count }
        }
        return (trainable, frozen)
    }

    public func zeroGradients() {
        for node in nodes { node.layer.zeroGradients() }
    }

    /// Runs a batch [N, …inputShape] through the network (up to node `last`, by default the output).
    public func forward(_ input: Tensor, mode: Mode, upTo last: Int? = nil) throws -> Tensor {
        let last = last ?? nodes.count - 1
        precondition(last >= 0 && last < nodes.count)
        guard input.rank == inputShape.dims.count + 1, Array(input.shape.dropFirst()) == inputShape.dims else {
            throw TensorError.shapeMismatch(operation: "network input", input.shape, inputShape.batched(input.shape.first ?? 0))
        }
        setFusions(through: keepsEverything ? nil : last)
        defer { setFusions(through: nil) }
        let n = input.shape[0]
        if mode == .evaluation, !keepsEverything, microBatching, let cut = convolutionalPrefix(through: last) {
            let key = Array(input.shape.dropFirst())
            guard let size = microBatchSizes[key] else {
                // The first batch of this shape runs whole and measures the prefix's largest output.
                let (output, largest) = run(input, mode: mode, through: last, measuringThrough: cut)
                let perSample = largest / max(1, n) * MemoryLayout<Float>.size
                microBatchSizes[key] = max(2 * Parallel.threads, Network.microBatchBytes / max(1, perSample))
                return output
            }
            if n >= 2 * size {
                // The convolutional part a few samples at a time, so that each layer's output is still in
                // cache when the next reads it; the dense part on the whole batch. The same numbers: every
                // sample's convolutions are computed alone.
                let convolutions = nodes[...cut].compactMap { $0.layer as? Conv2D }
                for conv in convolutions { conv.holdsTransformedWeights = true }
                defer { for conv in convolutions { conv.holdsTransformedWeights = false } }
                var pieces: [Tensor] = []
                for start in stride(from: 0, to: n, by: size) {
                    pieces.append(run(input.samples(start..<min(n, start + size)), mode: mode, through: cut).output)
                }
                return run(Tensor(joiningSamples: pieces), mode: mode, through: last, after: cut).output
            }
        }
        return run(input, mode: mode, through: last).output
    }

    /// Whether evaluation passes run the convolutional part of a network in
    /// micro-batches (see `forward`); on by default, the tests run both ways.
    public var microBatching = true

    /// Bytes of activations a micro-batch may have in flight: its largest
    /// layer output across the batch (about the second-level caches of two cores).
    static let microBatchBytes = 2 << 20

    /// Micro-batch sizes found per input sample shape (see `forward`).
    private var microBatchSizes: [[Int]: Int] = [:]
    func microBatchSize(forSampleShape shape: [Int]) -> Int? { microBatchSizes[shape] }

    /// For an evaluation pass through `last`: the node where the network's
    /// convolutional beginning ends (convolutions, activations, pooling,
    /// normalization, residual sums), when nothing after it reads anything
    /// before it. Nil when the network starts otherwise.
    func convolutionalPrefix(through last: Int) -> Int? {
        func local(_ layer: any Layer) -> Bool {
            layer is Conv2D || layer is Activation || layer is Pool2D || layer is BatchNorm || layer is Dropout
                || layer is Add || layer is Concat || layer is Identity
        }
        guard let end = nodes.indices.first(where: { !local(nodes[$0].layer) }), end <= last, end > 0 else { return nil }
        let cut = end - 1
        for node in nodes[end...last] where node.inputs.contains(where: { $0 < cut }) { return nil }
        return nodes[...cut].contains(where: { $0.layer is Conv2D }) ? cut : nil
    }

    /// Nodes `after + 1 ... last` on `input` (the network input, or the output of node `after`),
    /// and the element count of the largest output of the nodes up to `measured`.
    private func run(_ input: Tensor, mode: Mode, through last: Int, after first: Int = -1,
                     measuringThrough measured: Int = -1) -> (output: Tensor, largest: Int) {
        var largest = 0
        var outputs = [Tensor?](repeating: nil, count: nodes.count)
        if first >= 0 { outputs[first] = input }
        if keepsEverything { keptOutputs = [Tensor?](repeating: nil, count: nodes.count) }
        var remainingReads = readCounts(output: last)
        for (i, node) in nodes.enumerated() where i > first && i <= last {
            let args = node.inputs.map { $0 < 0 ? input : outputs[$0]! }
            let start = profile?.clock.now() ?? 0
            // A frozen batch norm keeps its running statistics: evaluation mode even in training.
            let nodeMode = mode == .training && node.layer is BatchNorm && node.layer.isFrozen ? .evaluation : mode
            outputs[i] = node.layer.forward(args, mode: nodeMode)
            if let profile { profile.forward[i] += profile.clock.now() - start }
            if i <= measured { largest = max(largest, outputs[i]!.count) }
            if keepsEverything { keptOutputs[i] = outputs[i] }
            // Free what no later node reads (the layers keep their own caches).
            for j in node.inputs where j >= 0 {
                remainingReads[j] -= 1
                if remainingReads[j] == 0 { outputs[j] = nil }
            }
        }
        return (outputs[last]!, largest)
    }

    /// Backpropagates the gradient of the output; accumulates parameter
    /// gradients and returns the gradient with respect to the input.
    /// `from` names the node whose output `gradOutput` belongs to (by default the last).
    @discardableResult
    public func backward(_ gradOutput: Tensor, from last: Int? = nil) -> Tensor? {
        let last = last ?? nodes.count - 1
        var grads = [Tensor?](repeating: nil, count: nodes.count)
        grads[last] = gradOutput
        var inputGradient: Tensor?
        if keepsEverything { keptGradients = [Tensor?](repeating: nil, count: nodes.count) }
        for i in stride(from: last, through: 0, by: -1) {
            guard let g = grads[i] else { continue }
            grads[i] = nil
            if keepsEverything { keptGradients[i] = g }
            // Training plan: nothing trainable at or behind this node (frozen layers at the bottom).
            if let plan = gradientPlan, !plan[i] { continue }
            let node = nodes[i]
            let start = profile?.clock.now() ?? 0
            let inputGrads = node.layer.backward(g)
            if let profile { profile.backward[i] += profile.clock.now() - start }
            for (j, dx) in zip(node.inputs, inputGrads) {
                if j < 0 {
                    if inputGradient == nil { inputGradient = dx } else { inputGradient!.add(dx) }
                } else if grads[j] == nil {
                    grads[j] = dx
                } else {
                    grads[j]!.add(dx)
                }
            }
        }
        return inputGradient
    }

    /// Tells the layers that only parameter gradients are wanted: a layer
    /// whose input carries no gradient anyone needs (the network input, or a
    /// parameter-free chain from it, like `flatten`) skips computing it.
    /// `backward` then returns a zero input gradient, or none when no node
    /// reaching the input runs its backward. Used by training.
    /// Frozen parameters count as having no gradient to compute, so a frozen
    /// stack at the bottom of the network runs no backward at all.
    public func skipUnneededInputGradients() {
        var needsOutputGradient = [Bool](repeating: false, count: nodes.count)
        for (i, node) in nodes.enumerated() {
            // Node i must pass a gradient back if some input has parameters or passes one further back.
            let needed = node.inputs.contains { $0 >= 0 && needsOutputGradient[$0] }
            let ownParameters = node.layer.parameters.contains { $0.trainable && !$0.frozen }
            needsOutputGradient[i] = needed || ownParameters
            (node.layer as? Conv2D)?.skipsInputGradient = !needed
            (node.layer as? Dense)?.skipsInputGradient = !needed
        }
        gradientPlan = needsOutputGradient
    }

    /// Runs `body` with every node's backward and every input gradient on
    /// (as before any training plan), then puts the plan back: for looking
    /// at d loss / d output of every layer, frozen ones included.
    public func withEveryGradient<T>(_ body: () throws -> T) rethrows -> T {
        let planned = gradientPlan != nil
        gradientPlan = nil
        for node in nodes {
            (node.layer as? Conv2D)?.skipsInputGradient = false
            (node.layer as? Dense)?.skipsInputGradient = false
        }
        defer { if planned { skipUnneededInputGradients() } }
        return try body()
    }

    /// Set by `skipUnneededInputGradients`: whether each node's backward runs.
    private var gradientPlan: [Bool]?

    private func readCounts(output: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: nodes.count)
        for node in nodes.prefix(output + 1) { for j in node.inputs where j >= 0 { counts[j] += 1 } }
        counts[output] += 1   // the output is read by the caller
        return counts
    }
}

/// Seconds from an arbitrary fixed point, for measuring intervals.
public func monotonicSeconds() -> Double { BenchClock.wall.now() }

/// The clock a benchmark reads.
public enum BenchClock: String, Sendable, CaseIterable {
    /// Elapsed time (what a user waits).
    case wall
    /// CPU time of the whole process, all threads: with one thread it is the
    /// work done, whatever else the machine runs at the same time.
    case cpu

    /// Seconds from an arbitrary fixed point.
    public func now() -> Double {
        var ts = timespec()
        clock_gettime(self == .wall ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
