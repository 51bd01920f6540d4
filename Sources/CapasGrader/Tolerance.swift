import Foundation

/// |got − expected| ≤ atol + rtol·|expected|, elementwise, after an exact
/// shape match (no broadcasting). NaN or ±∞ in the learner's output always
/// fails, whatever the reference holds.
public struct Tolerance: Codable, Sendable, Equatable {
    public var atol: Double
    public var rtol: Double
    public init(atol: Double = 1e-5, rtol: Double = 1e-4) { self.atol = atol; self.rtol = rtol }

    public func accepts(got: Double, expected: Double) -> Bool {
        guard got.isFinite, expected.isFinite else { return false }
        return abs(got - expected) <= atol + rtol * abs(expected)
    }
}

/// An array of numbers with its shape: what a learner's answer or function
/// returned, or what the reference says.
public struct Numbers: Sendable, Equatable, Codable {
    public var shape: [Int]
    public var values: [Double]
    public init(shape: [Int], values: [Double]) { self.shape = shape; self.values = values }
    public init(scalar: Double) { self.shape = []; self.values = [scalar] }

    /// The multi-index of a flat position, row-major.
    public func index(of flat: Int) -> [Int] {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for axis in shape.indices.reversed() where shape[axis] > 0 {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }

    public var shapeText: String { shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: "×") }
}

/// The result of comparing a learner's numbers with the reference.
public struct Comparison: Sendable, Equatable {
    public struct Difference: Sendable, Equatable {
        public var index: [Int]
        public var expected: Double
        public var got: Double
        public var error: Double { abs(got - expected) }
    }
    public enum Outcome: Sendable, Equatable {
        case match
        case shapeMismatch(expected: [Int], got: [Int])
        /// Positions (flat) where the learner's output is NaN or ±∞.
        case nonFinite(count: Int, first: [Int])
        case values(mismatched: Int, of: Int)
    }
    public var outcome: Outcome
    /// The first differing elements, at most `limit`.
    public var differences: [Difference]
    public var matches: Bool { outcome == .match }

    public static func compare(got: Numbers, expected: Numbers, tolerance: Tolerance, limit: Int = 5) -> Comparison {
        guard got.shape == expected.shape, got.values.count == expected.values.count else {
            return Comparison(outcome: .shapeMismatch(expected: expected.shape, got: got.shape), differences: [])
        }
        var nonFinite = 0, firstNonFinite: [Int] = []
        var mismatched = 0
        var differences: [Difference] = []
        for i in got.values.indices {
            let g = got.values[i], e = expected.values[i]
            if !g.isFinite {
                nonFinite += 1
                if firstNonFinite.isEmpty { firstNonFinite = got.index(of: i) }
            }
            if !tolerance.accepts(got: g, expected: e) {
                mismatched += 1
                if differences.count < limit {
                    differences.append(Difference(index: got.index(of: i), expected: e, got: g))
                }
            }
        }
        if nonFinite > 0 {
            return Comparison(outcome: .nonFinite(count: nonFinite, first: firstNonFinite), differences: differences)
        }
        if mismatched > 0 {
            return Comparison(outcome: .values(mismatched: mismatched, of: got.values.count), differences: differences)
        }
        return Comparison(outcome: .match, differences: [])
    }

    /// What the learner reads: the shape diagnosis or the first differing elements.
    public func feedback(tolerance: Tolerance) -> Bilingual {
        switch outcome {
        case .match:
            return Bilingual(es: "coincide", en: "matches")
        case let .shapeMismatch(expected, got):
            let e = Numbers(shape: expected, values: []).shapeText, g = Numbers(shape: got, values: []).shapeText
            var text = Bilingual(es: "forma incorrecta: se esperaba \(e) y se obtuvo \(g)",
                                 en: "wrong shape: expected \(e), got \(g)")
            if expected.count == 2, got == [expected[1], expected[0]], expected[0] != expected[1] {
                text = text + Bilingual(es: " (¿filas y columnas intercambiadas?)", en: " (rows and columns swapped?)")
            } else if expected.count == got.count, zip(expected, got).allSatisfy({ $0 >= $1 }),
                      let d = zip(expected, got).map({ $0 - $1 }).first(where: { $0 > 0 }) {
                text = text + Bilingual(es: " (\(d) menos: ¿falta el relleno, o se usó techo en vez de piso?)",
                                        en: " (\(d) fewer: padding missing, or ceil where floor belongs?)")
            }
            return text
        case let .nonFinite(count, first):
            return Bilingual(es: "\(count) valor(es) NaN o infinito(s), el primero en \(first); NaN e ∞ nunca pasan",
                             en: "\(count) NaN or infinite value(s), the first at \(first); NaN and ∞ never pass")
                + table
        case let .values(mismatched, total):
            return Bilingual(
                es: "\(mismatched) de \(total) valores fuera de la tolerancia (atol \(tolerance.atol), rtol \(tolerance.rtol))",
                en: "\(mismatched) of \(total) values outside the tolerance (atol \(tolerance.atol), rtol \(tolerance.rtol))")
                + table
        }
    }

    private var table: Bilingual {
        guard !differences.isEmpty else { return Bilingual("") }
        let rows = differences.map { d in
            "  \(d.index)  \(Self.format(d.expected))  \(Self.format(d.got))  \(Self.format(d.error))"
        }.joined(separator: "\n")
        return Bilingual(es: "\n  índice  esperado  obtenido  error\n" + rows,
                         en: "\n  index  expected  got  error\n" + rows)
    }

    public static func format(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "∞" : "−∞" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return String(format: "%.6g", x)
    }
}
