import CapasCore

/// Named tensors plus string metadata: what a safetensors file holds.
///
/// Names follow PyTorch's state_dict (`0.weight`, `4.running_var`), so a
/// checkpoint written by capas loads in PyTorch and the other way round.
public struct Checkpoint: Sendable {
    /// Every tensor, by name. All are Float32 in memory, whatever the file stored.
    public var tensors: [String: Tensor]
    /// The order to write tensors in (and, after reading, their order in the file's
    /// byte buffer). Names missing from `tensors` are ignored when writing; tensors
    /// missing from `order` are written after the others, sorted by name.
    public var order: [String]
    /// The header's `__metadata__`: free-form strings (capas stores the model text
    /// under `capas_model`).
    public var metadata: [String: String]
    /// The element type each tensor had in the file it was read from (reading
    /// converts all of them to Float). Empty for a checkpoint built in memory.
    public var storedTypes: [String: Safetensors.DType]
    /// The file (or other source) this checkpoint was read from, named in errors.
    public var source: String?

    public init(tensors: [String: Tensor] = [:], order: [String] = [], metadata: [String: String] = [:],
                storedTypes: [String: Safetensors.DType] = [:], source: String? = nil) {
        self.tensors = tensors
        self.order = order
        self.metadata = metadata
        self.storedTypes = storedTypes
        self.source = source
    }

    /// Adds (or replaces) a tensor, keeping `order` in step.
    public mutating func append(_ name: String, _ tensor: Tensor) {
        if tensors.updateValue(tensor, forKey: name) == nil { order.append(name) }
    }

    public subscript(name: String) -> Tensor? { tensors[name] }

    /// The names in writing order: `order` (without repeats or unknown names),
    /// then any other tensors sorted by name.
    public var orderedNames: [String] {
        var seen = Set<String>()
        var names: [String] = []
        names.reserveCapacity(tensors.count)
        for name in order where tensors[name] != nil && seen.insert(name).inserted { names.append(name) }
        if names.count < tensors.count {
            names += tensors.keys.filter { !seen.contains($0) }.sorted()
        }
        return names
    }

    /// The tensor a model needs, checked against the shape the model expects.
    /// Throws `missingTensor` ("missing tensor conv.weight") or `wrongShape`
    /// ("tensor 0.weight has shape [10,1,5,5], the model needs [20,1,5,5]").
    public func requireTensor(_ name: String, shape: [Int]) throws -> Tensor {
        guard let tensor = tensors[name] else {
            throw CheckpointError(file: source, .missingTensor(name: name, available: orderedNames))
        }
        guard tensor.shape == shape else {
            throw CheckpointError(file: source, .wrongShape(name: name, found: tensor.shape, needed: shape))
        }
        return tensor
    }
}

extension Checkpoint: Equatable {
    /// Two checkpoints are equal when they hold the same tensors (same shapes
    /// and bit-for-bit values, NaN aside), in the same order, with the same
    /// metadata — wherever they came from (`source` and `storedTypes` are not compared).
    public static func == (a: Checkpoint, b: Checkpoint) -> Bool {
        a.tensors == b.tensors && a.orderedNames == b.orderedNames && a.metadata == b.metadata
    }
}
