// FeatureShape: the shape of one sample, without the batch dimension.
//
//   image     [C, H, W]  written H×W×C, as in the course ("28x28x1")
//   sequence  [C, L]     written L×C ("200x64": 200 steps of 64 channels)
//   vector    [F]        written F ("784")
//
// Inside the core dimensions are channels-first (PyTorch's NCHW without N).

/// The shape of one sample; the batch dimension is never part of it.
public struct FeatureShape: Hashable, Sendable, CustomStringConvertible {
    /// Channels-first dimensions: `[C, H, W]`, `[C, L]` or `[F]`.
    public let dims: [Int]

    public init(dims: [Int]) { self.dims = dims }

    public static func image(height: Int, width: Int, channels: Int) -> FeatureShape {
        FeatureShape(dims: [channels, height, width])
    }
    public static func sequence(length: Int, channels: Int) -> FeatureShape {
        FeatureShape(dims: [channels, length])
    }
    public static func vector(_ features: Int) -> FeatureShape { FeatureShape(dims: [features]) }

    public var isImage: Bool { dims.count == 3 }
    public var isSequence: Bool { dims.count == 2 }
    public var isVector: Bool { dims.count == 1 }

    /// Channels (or features, for a vector).
    public var channels: Int { dims[0] }
    public var height: Int { dims.count == 3 ? dims[1] : 1 }
    /// Width of an image, length of a sequence.
    public var width: Int { dims.count == 3 ? dims[2] : (dims.count == 2 ? dims[1] : 1) }

    /// Values per sample, or nil when the product overflows.
    public var elementCount: Int? { dims.checkedProduct }

    /// The shape of a batch of `n` samples (NCHW).
    public func batched(_ n: Int) -> [Int] { [n] + dims }

    /// The course's notation: `28x28x1`, `200x64`, `784`.
    public var description: String {
        switch dims.count {
        case 3: return "\(dims[1])x\(dims[2])x\(dims[0])"
        case 2: return "\(dims[1])x\(dims[0])"
        default: return dims.map(String.init).joined(separator: "x")
        }
    }

    /// PyTorch's notation for a batch of one: `[1, 1, 28, 28]`.
    public var torchDescription: String { "[1, " + dims.map(String.init).joined(separator: ", ") + "]" }
}

/// Overflow-checked integer arithmetic for shapes and counts: absurd sizes
/// become an error, never a trap.
public enum Checked {
    @inlinable
    public static func mul(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws -> Int {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        if o { throw ShapeError.overflow(what: what()) }
        return r
    }
    @inlinable
    public static func add(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws -> Int {
        let (r, o) = a.addingReportingOverflow(b)
        if o { throw ShapeError.overflow(what: what()) }
        return r
    }
    @inlinable
    public static func product(_ values: [Int], _ what: @autoclosure () -> String) throws -> Int {
        guard let p = values.checkedProduct else { throw ShapeError.overflow(what: what()) }
        return p
    }
}
