import CapasCheckpoint
import CapasCore
import CapasMessages
import CapasModel
import Foundation

/// Moving a network's tensors to and from checkpoints, with PyTorch
/// state-dict names (`0.weight`, `4.running_var`), so files load in both.
public enum CheckpointIO {
    public static func checkpoint(of network: Network, metadata: [String: String]) -> Checkpoint {
        var tensors: [String: Tensor] = [:]
        var order: [String] = []
        for (name, parameter) in network.namedParameters {
            tensors[name] = parameter.value
            order.append(name)
        }
        return Checkpoint(tensors: tensors, order: order, metadata: metadata)
    }

    /// Copies every tensor the network needs from the checkpoint; names and shapes must match.
    public static func load(_ checkpoint: Checkpoint, into network: Network) throws {
        for (name, parameter) in network.namedParameters {
            parameter.value = try checkpoint.requireTensor(name, shape: parameter.value.shape)
        }
    }

    /// The model text stored in a checkpoint's metadata.
    public static func modelText(in checkpoint: Checkpoint, source: String) throws -> String {
        guard let text = checkpoint.metadata["capas_model"] else { throw MissingModel(file: source) }
        return text
    }

    public struct MissingModel: LocalizedMessage {
        let file: String
        public func message(in L: Language) -> String {
            L.pick(es: "\(file) no guarda el texto del modelo (metadato capas_model); indica el modelo con --model",
                   en: "\(file) does not store the model text (capas_model metadata); give the model with --model")
        }
    }
}

extension CheckpointError: LocalizedMessage {
    public func message(in language: Language) -> String { message(spanish: language == .es) }
}
