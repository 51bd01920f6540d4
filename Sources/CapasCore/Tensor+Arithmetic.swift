// Elementwise helpers used by layers, optimizers and tests.

extension Tensor {
    /// Elementwise sum; shapes must match exactly (no broadcasting).
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "+: shapes \(a.shape) and \(b.shape) do not match")
        var out = a
        out.add(b)
        return out
    }

    /// Elementwise difference; shapes must match exactly.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "-: shapes \(a.shape) and \(b.shape) do not match")
        var out = a
        out.data.withUnsafeMutableBufferPointer { o in
            b.data.withUnsafeBufferPointer { bp in
                for i in 0..<o.count { o[i] -= bp[i] }
            }
        }
        return out
    }

    /// Multiplies every element by a scalar.
    public static func * (a: Tensor, s: Float) -> Tensor {
        var out = a
        out.scale(by: s)
        return out
    }

    /// In-place `self += other`.
    public mutating func add(_ other: Tensor) {
        precondition(shape == other.shape, "add: shapes \(shape) and \(other.shape) do not match")
        data.withUnsafeMutableBufferPointer { o in
            other.data.withUnsafeBufferPointer { b in
                for i in 0..<o.count { o[i] += b[i] }
            }
        }
    }

    /// In-place `self *= s`.
    public mutating func scale(by s: Float) {
        data.withUnsafeMutableBufferPointer { o in
            for i in 0..<o.count { o[i] *= s }
        }
    }

    /// Sets every element to zero, keeping the storage.
    public mutating func zero() {
        data.withUnsafeMutableBufferPointer { o in
            o.update(repeating: 0)
        }
    }

    /// The largest absolute difference to another tensor of the same shape.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape)
        var worst: Float = 0
        for i in 0..<count {
            let d = abs(data[i] - other.data[i])
            if d.isNaN { return .nan }
            worst = max(worst, d)
        }
        return worst
    }

    /// True when every element is finite (no NaN, no ±Inf).
    public var isFinite: Bool { data.allSatisfy { $0.isFinite } }

    /// Sum of all elements (in Double, for accuracy).
    public func sum() -> Double {
        data.reduce(0.0) { $0 + Double($1) }
    }

    /// Index of the largest element in each row of a [N, K] tensor.
    public func argmaxRows() -> [Int] {
        precondition(rank == 2)
        let n = shape[0], k = shape[1]
        return (0..<n).map { row in
            var best = 0
            var bestValue = -Float.infinity
            for j in 0..<k where data[row * k + j] > bestValue {
                bestValue = data[row * k + j]
                best = j
            }
            return best
        }
    }
}
