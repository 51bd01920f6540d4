// Tensor: a dense Float32 array with a shape.
//
// Layout is row-major and follows PyTorch's NCHW convention:
//   images     [N, C, H, W]   (batch, channels, height, width)
//   sequences  [N, C, L]      (batch, channels, length)  — for conv1d
//   vectors    [N, F]         (batch, features)
// The course writes image sizes as H×W×C ("28x28x1"); `FeatureShape`
// converts between the two. Inside the core everything is NCHW.

/// A dense, contiguous Float32 tensor with value semantics (copy on write).
public struct Tensor: Equatable, Sendable {
    /// The size of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// The elements in row-major order; `data.count == shape.product`.
    public var data: [Float]

    /// A tensor with the given shape and elements.
    /// - Precondition: `data.count` equals the product of `shape`. Code that
    ///   handles input from outside (files, learners) uses `init(validating:data:)`.
    public init(shape: [Int], data: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == data.count,
                     "Tensor: \(data.count) elements do not fill shape \(shape)")
        self.shape = shape
        self.data = data
    }

    /// A tensor checked against its shape, for data that comes from outside.
    public init(validating shape: [Int], data: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }), let count = shape.checkedProduct, count == data.count else {
            throw TensorError.elementCount(shape: shape, count: data.count)
        }
        self.shape = shape
        self.data = data
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    /// A tensor whose elements are filled by `initialize`, which must write every one of them.
    /// Saves the zero-filling pass of `init(zeros:)` on the hot paths.
    init(shape: [Int], filling initialize: (UnsafeMutablePointer<Float>, Int) -> Void) {
        let count = shape.reduce(1, *)
        self.shape = shape
        self.data = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { initialize(buffer.baseAddress!, count) }
            initialized = count
        }
    }

    /// Samples `range` of a batch (along the first axis).
    func samples(_ range: Range<Int>) -> Tensor {
        let per = shape.dropFirst().reduce(1, *)
        return Tensor(shape: [range.count] + shape.dropFirst()) { out, _ in
            data.withUnsafeBufferPointer { src in
                out.update(from: src.baseAddress! + range.lowerBound * per, count: range.count * per)
            }
        }
    }

    /// Batches one after the other along the first axis (their other axes equal).
    init(joiningSamples pieces: [Tensor]) {
        let rest = Array(pieces[0].shape.dropFirst())
        precondition(pieces.allSatisfy { Array($0.shape.dropFirst()) == rest }, "joined batches differ in shape")
        self.init(shape: [pieces.reduce(0) { $0 + $1.shape[0] }] + rest) { out, _ in
            var at = out
            for piece in pieces where piece.count > 0 {
                piece.data.withUnsafeBufferPointer { at.update(from: $0.baseAddress!, count: $0.count) }
                at += piece.count
            }
        }
    }

    /// A tensor whose every element is `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// A 1-D tensor.
    public init(_ values: [Float]) {
        self.init(shape: [values.count], data: values)
    }

    /// A 2-D tensor from rows (all rows must have the same length).
    public init(rows: [[Float]]) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns }, "Tensor(rows:): ragged rows")
        self.init(shape: [rows.count, columns], data: rows.flatMap { $0 })
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// The same elements under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard newShape.allSatisfy({ $0 >= 0 }), newShape.checkedProduct == count else {
            throw TensorError.reshape(from: shape, to: newShape)
        }
        var copy = self
        copy.shape = newShape
        return copy
    }

    /// Reshape without checks, for the core's own bookkeeping.
    @inlinable
    public mutating func setShape(_ newShape: [Int]) {
        precondition(newShape.reduce(1, *) == data.count)
        self = Tensor(shape: newShape, data: data)
    }

    /// The element at a multi-dimensional index.
    public subscript(_ index: Int...) -> Float {
        get { data[offset(index)] }
        set { data[offset(index)] = newValue }
    }

    @inlinable
    func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) for shape \(shape)")
        var flat = 0
        for (i, size) in zip(index, shape) {
            precondition(i >= 0 && i < size, "index \(index) out of range for shape \(shape)")
            flat = flat * size + i
        }
        return flat
    }

    /// Checks that two tensors have the same shape, naming both in the error.
    public static func checkSameShape(_ a: Tensor, _ b: Tensor, _ operation: String) throws {
        guard a.shape == b.shape else { throw TensorError.shapeMismatch(operation: operation, a.shape, b.shape) }
    }
}

/// Errors about tensors themselves (not about layers' geometry).
public enum TensorError: Error, Equatable, CustomStringConvertible {
    case shapeMismatch(operation: String, [Int], [Int])
    case elementCount(shape: [Int], count: Int)
    case reshape(from: [Int], to: [Int])
    case rank(operation: String, expected: String, got: [Int])

    public var description: String {
        switch self {
        case let .shapeMismatch(operation, a, b):
            return "\(operation): shapes \(a) and \(b) do not match"
        case let .elementCount(shape, count):
            return "\(count) elements cannot fill shape \(shape)"
        case let .reshape(from, to):
            return "cannot reshape \(from) into \(to): element counts differ"
        case let .rank(operation, expected, got):
            return "\(operation): expected \(expected), got shape \(got)"
        }
    }
}

extension Array where Element == Int {
    /// The product of the elements, or nil on overflow.
    public var checkedProduct: Int? {
        var product = 1
        for value in self {
            let (result, overflow) = product.multipliedReportingOverflow(by: value)
            if overflow { return nil }
            product = result
        }
        return product
    }
}
