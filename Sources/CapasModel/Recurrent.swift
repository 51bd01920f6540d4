import CapasCore

// Recurrent layers as the model language writes them; `makeNetwork` builds
// them as CapasCore's `RecurrentLayer` (PyTorch's nn.RNN / nn.LSTM, one layer).
//
//   rnn UNITS      Keras SimpleRNN:  h_t = tanh(W·x_t + U·h_{t−1} + b)
//   lstm UNITS     Keras LSTM: four gates (input, forget, cell, output), each
//                  with its own W, U and b
//
// Shapes (L steps of i features, u units):
//   input   L×i (a sequence)
//   output  u (the last step's h, Keras' default), or L×u with `sequences=yes`
//           (Keras' return_sequences=True; PyTorch's output tensor)
// Parameters, gates g = 1 (rnn) or 4 (lstm):
//   **Keras' convention (the default): one bias vector per gate**
//       g·u·(u + i + 1)          rnn 32 on 32 inputs: 32·(32 + 32 + 1) = 2,080
//                                lstm 32 on 32 inputs: 4·32·(32 + 32 + 1) = 8,320
//   `bias=pytorch`: PyTorch's nn.RNN and nn.LSTM keep two bias vectors per gate
//   (b_ih and b_hh, which always add up, so one is redundant)
//       g·u·(u + i + 2)          2,112 and 8,448 for the examples above
//   `bias=no`: g·u·(u + i)
// Multiply-adds: every weight and bias is used once per step, L·parameters
// (torchinfo's convention for nn.RNN and nn.LSTM); the sigmoids, tanhs and
// the LSTM's elementwise products are not counted.

/// A recurrent layer as written: `rnn 64`, `lstm 128 sequences=yes bias=pytorch`.
public struct RecurrentSpec: Hashable, Sendable {
    public enum Cell: String, Hashable, Sendable {
        /// Keras' SimpleRNN, PyTorch's nn.RNN (tanh).
        case simple = "rnn"
        case lstm

        /// Weight matrices per input: 1 for a simple RNN, 4 gates for an LSTM.
        public var gates: Int { self == .simple ? 1 : 4 }
        public var torchName: String { self == .simple ? "RNN" : "LSTM" }
    }

    /// How many bias vectors each gate has.
    public enum Bias: String, Hashable, Sendable {
        /// One (Keras, the course's formula).
        case keras
        /// Two, b_ih and b_hh (PyTorch).
        case pytorch
        /// None.
        case no

        public var vectors: Int { self == .keras ? 1 : (self == .pytorch ? 2 : 0) }
    }

    public var cell: Cell
    public var units: Int
    /// Return every step's output (L×units) instead of the last one (units).
    public var returnSequences = false
    public var bias: Bias = .keras

    public init(cell: Cell, units: Int) { self.cell = cell; self.units = units }

    /// The model-language line: `lstm 64 sequences=yes bias=pytorch` (defaults omitted).
    public var text: String {
        var words = [cell.rawValue, String(units)]
        if returnSequences { words.append("sequences=yes") }
        if bias != .keras { words.append("bias=\(bias.rawValue)") }
        return words.joined(separator: " ")
    }
}

/// A recurrent layer resolved against its input sequence.
public struct RecurrentConfig: Hashable, Sendable {
    public var spec: RecurrentSpec
    /// Features per step (i).
    public var inputFeatures: Int
    /// Steps (L).
    public var length: Int

    public init(_ spec: RecurrentSpec, input: FeatureShape) throws {
        guard input.isSequence else {
            throw ShapeError.wrongInputKind(layer: spec.cell.rawValue, expected: .sequence, got: input)
        }
        self.spec = spec
        inputFeatures = input.channels
        length = input.width
    }

    public var outputShape: FeatureShape {
        spec.returnSequences ? .sequence(length: length, channels: spec.units) : .vector(spec.units)
    }

    /// g·u·(u + i + b): b bias vectors (1 Keras, 2 PyTorch, 0 without bias).
    public func parameterCount() throws -> Int {
        let u = spec.units
        let perUnit = try Checked.add(try Checked.add(u, inputFeatures, "recurrent parameters"), spec.bias.vectors,
                                      "recurrent parameters")
        return try Checked.mul(try Checked.mul(spec.cell.gates, u, "recurrent parameters"), perUnit, "recurrent parameters")
    }

    /// L·parameters: each weight and bias once per step (torchinfo's convention).
    public func multiplyAdds() throws -> Int {
        try Checked.mul(length, try parameterCount(), "recurrent multiply-adds")
    }
}
