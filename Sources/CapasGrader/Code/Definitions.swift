// Shared pieces of the code exercises' references: float64 definitions
// written from the formulas (independent of CapasCore's optimised layers),
// float64 central differences for gradient checks, and case building.

import Foundation

enum Definitions {
    /// ∂/∂xᵢ Σⱼ gⱼ·f(x)ⱼ by central differences in float64 (CS231n's
    /// `eval_numerical_gradient_array`): the gradient a backward function
    /// must return for the upstream gradient `g`. `h` is small enough for
    /// float64 and the inputs of the cases stay further than `h` from every
    /// kink (ReLU's 0, ties in a max).
    static func numericGradient(at x: [Double], upstream g: [Double], h: Double = 1e-6,
                                _ f: ([Double]) -> [Double]) -> [Double] {
        var x = x
        var gradient = [Double](repeating: 0, count: x.count)
        for i in x.indices {
            let saved = x[i]
            x[i] = saved + h
            let plus = zip(f(x), g).reduce(0) { $0 + $1.0 * $1.1 }
            x[i] = saved - h
            let minus = zip(f(x), g).reduce(0) { $0 + $1.0 * $1.1 }
            x[i] = saved
            gradient[i] = (plus - minus) / (2 * h)
        }
        return gradient
    }

    /// Values rounded to float32, as the learner's code sees them.
    static func float32(_ values: [Double]) -> [Double] { values.map { Double(Float($0)) } }

    /// A tensor of uniform values in [-1, 1) (rounded to float32).
    static func random(_ shape: [Int], _ g: inout CaseGenerator, scale: Double = 1) -> Numbers {
        Numbers(shape: shape, values: float32((0..<shape.reduce(1, *)).map { _ in g.value() * scale }))
    }

    /// Distinct values (a shuffled ladder with steps of 0.05): maxima without
    /// ties, far from each other compared with a central difference's step.
    static func distinct(_ shape: [Int], _ g: inout CaseGenerator) -> Numbers {
        let count = shape.reduce(1, *)
        var ladder = (0..<count).map { Double($0) * 0.05 - Double(count) * 0.025 }
        for i in stride(from: count - 1, to: 0, by: -1) { ladder.swapAt(i, g.int(0...i)) }
        return Numbers(shape: shape, values: float32(ladder))
    }

    /// Values in ±[0.05, 1): far from ReLU's kink at 0.
    static func awayFromZero(_ shape: [Int], _ g: inout CaseGenerator) -> Numbers {
        Numbers(shape: shape, values: float32((0..<shape.reduce(1, *)).map { _ in
            let magnitude = 0.05 + 0.95 * abs(g.value())
            return g.bool() ? magnitude : -magnitude
        }))
    }

    static func tensor(_ rows: [[Double]]) -> Numbers {
        Numbers(shape: [rows.count, rows[0].count], values: rows.flatMap { $0 })
    }

    static func image(_ rows: [[Double]]) -> Numbers {
        Numbers(shape: [1, 1, rows.count, rows[0].count], values: rows.flatMap { $0 })
    }

    /// Class indices travel as a tensor of their values.
    static func labels(_ values: [Int]) -> CodeArgument {
        .tensor(Numbers(shape: [values.count], values: values.map(Double.init)))
    }

    static func shapes(_ named: [(String, Numbers)]) -> String {
        named.map { "\($0.0) \($0.1.shapeText)" }.joined(separator: ", ")
    }

    /// The error for a case set a function does not have.
    static func unknownSet(_ function: String, _ set: String, _ sets: [String]) -> GraderError {
        GraderError.internalError(Bilingual(
            es: "\(function) no tiene el conjunto de casos `\(set)` (hay: \(sets.joined(separator: ", ")))",
            en: "\(function) has no case set `\(set)` (there are: \(sets.joined(separator: ", ")))"))
    }
}

/// A code function defined by closures: enough for the many small
/// functions of the pooling, dense and normalisation exercises.
struct DefinedFunction: CodeFunction {
    let name: String
    let learnerFunction: String
    let call: String
    let sets: [String: @Sendable (Int, inout CaseGenerator) -> [CodeCase]]
    let referenceOf: @Sendable (CodeCase) -> Numbers
    let mistakes: [KnownMistake]
    let variants: [String: @Sendable (CodeCase) -> Numbers?]

    func cases(_ set: String, count: Int, generator: inout CaseGenerator) throws -> [CodeCase] {
        guard let make = sets[set] else { throw Definitions.unknownSet(name, set, sets.keys.sorted()) }
        return make(count, &generator)
    }

    func reference(_ item: CodeCase) -> Numbers { referenceOf(item) }

    func mistaken(_ mistake: String, _ item: CodeCase) -> Numbers? { variants[mistake]?(item) }
}
