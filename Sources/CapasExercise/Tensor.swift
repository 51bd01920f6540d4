// CapasExercise: lo mínimo para escribir las funciones de los ejercicios de
// código. Un tensor y poco más: las implementaciones de referencia viven en
// el corrector, no aquí.
//
// CapasExercise: the least needed to write the code exercises' functions.
// A tensor and little else: the reference implementations live in the
// grader, not here.

/// Un tensor de `Float` (32 bits) con forma `shape`, guardado por filas
/// (*row-major*): para una imagen NCHW, el último índice (la columna) es el
/// que cambia más deprisa.
///
/// A tensor of `Float` (32-bit) values with shape `shape`, stored row-major:
/// for an NCHW image the last index (the column) changes fastest.
///
///     var x = Tensor(shape: [1, 1, 2, 3], repeating: 0)   // N, C, H, W
///     x[0, 0, 1, 2] = 5                                    // fila 1, columna 2 / row 1, column 2
///     x.values                                             // [0, 0, 0, 0, 0, 5]
public struct Tensor: CustomStringConvertible {
    /// Las dimensiones, p. ej. `[N, C, H, W]`. / The dimensions, e.g. `[N, C, H, W]`.
    public let shape: [Int]
    /// Todos los valores, por filas; `values.count == count`.
    /// All the values, row-major; `values.count == count`.
    public var values: [Float]

    /// Un tensor con todos sus valores iguales a `value`.
    /// A tensor with every value equal to `value`.
    public init(shape: [Int], repeating value: Float) {
        self.shape = shape
        self.values = [Float](repeating: value, count: Tensor.elementCount(shape))
    }

    /// Un tensor con estos valores, por filas. Hacen falta exactamente
    /// tantos valores como indica la forma.
    /// A tensor with these values, row-major. Exactly as many values as the
    /// shape says are needed.
    public init(shape: [Int], values: [Float]) {
        let expected = Tensor.elementCount(shape)
        if values.count != expected {
            fatalError("Tensor(shape: \(shape), values:): la forma pide \(expected) valores y hay \(values.count) / "
                       + "the shape needs \(expected) values, got \(values.count)")
        }
        self.shape = shape
        self.values = values
    }

    /// Número de valores (el producto de la forma). / Number of values (the product of the shape).
    public var count: Int { values.count }

    /// Número de dimensiones. / Number of dimensions.
    public var rank: Int { shape.count }

    /// Posición en `values` de un índice múltiple.
    /// Position in `values` of a multi-index.
    public func offset(_ index: [Int]) -> Int {
        if index.count != shape.count {
            fatalError("Tensor: \(index.count) índice(s) para un tensor de \(shape.count) dimensiones \(shape) / "
                       + "\(index.count) index(es) for a \(shape.count)-dimensional tensor \(shape)")
        }
        var flat = 0
        for axis in 0..<shape.count {
            let i = index[axis]
            if i < 0 || i >= shape[axis] {
                fatalError("Tensor: índice \(index) fuera de la forma \(shape) (eje \(axis)) / "
                           + "index \(index) out of the shape \(shape) (axis \(axis))")
            }
            flat = flat * shape[axis] + i
        }
        return flat
    }

    /// `x[i]`: un tensor de una dimensión. / A one-dimensional tensor.
    public subscript(_ i: Int) -> Float {
        get { values[offset([i])] }
        set { values[offset([i])] = newValue }
    }

    /// `x[i, j]`: una matriz (fila, columna). / A matrix (row, column).
    public subscript(_ i: Int, _ j: Int) -> Float {
        get { values[offset([i, j])] }
        set { values[offset([i, j])] = newValue }
    }

    /// `x[c, i, j]`: canales, fila, columna. / Channels, row, column.
    public subscript(_ c: Int, _ i: Int, _ j: Int) -> Float {
        get { values[offset([c, i, j])] }
        set { values[offset([c, i, j])] = newValue }
    }

    /// `x[n, c, i, j]`: muestra, canal, fila, columna (NCHW).
    /// Sample, channel, row, column (NCHW).
    public subscript(_ n: Int, _ c: Int, _ i: Int, _ j: Int) -> Float {
        get { values[offset([n, c, i, j])] }
        set { values[offset([n, c, i, j])] = newValue }
    }

    public var description: String { "Tensor(shape: \(shape), values: \(values))" }

    static func elementCount(_ shape: [Int]) -> Int {
        var product = 1
        for dimension in shape {
            if dimension < 0 {
                fatalError("Tensor: la forma \(shape) tiene una dimensión negativa / the shape \(shape) has a negative dimension")
            }
            let (result, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { fatalError("Tensor: la forma \(shape) es demasiado grande / the shape \(shape) is too large") }
            product = result
        }
        return product
    }
}
