import Foundation
import CapasREPL
import CapasModel

/// One learner's numbers for a randomized exercise.
public struct Variant: Sendable, Equatable {
    public var learner: String
    public var parameters: [String: Int]
    /// Matrix parameters (a random image, a kernel).
    public var matrices: [String: Numbers]

    public init(learner: String, parameters: [String: Int], matrices: [String: Numbers] = [:]) {
        self.learner = learner; self.parameters = parameters; self.matrices = matrices
    }

    /// The handout's numbers (each parameter's `example`).
    public static func example(_ rubric: Rubric) -> Variant {
        var variant = Variant(learner: "example", parameters: [:])
        for (name, range) in rubric.parameters ?? [:] { variant.set(name, range, range.example) }
        return variant
    }

    mutating func set(_ name: String, _ range: Rubric.ParameterRange, _ values: [Int]) {
        if let shape = range.shape { matrices[name] = Numbers(shape: shape, values: values.map(Double.init)) }
        else { parameters[name] = values[0] }
    }

    /// The learner's numbers: drawn from HMAC(secret, exercise, learner),
    /// redrawn until every constraint holds and no catalogued mistake gives
    /// the reference's value (a variant where a mistake scores is degenerate).
    public static func generate(_ rubric: Rubric, secret: [UInt8], learner: String) throws -> Variant {
        var random = SplitMix64(seed: CourseSecret.seed(secret: secret, exercise: rubric.exercise, learner: learner))
        let names = (rubric.parameters ?? [:]).keys.sorted()
        for _ in 0..<10_000 {
            var variant = Variant(learner: learner, parameters: [:])
            for name in names {
                let range = rubric.parameters![name]!
                let values = range.values
                variant.set(name, range, (0..<range.count).map { _ in values[random.int(in: 0...(values.count - 1))] })
            }
            if (try? variant.problems(in: rubric).isEmpty) == true { return variant }
        }
        throw GraderError.rubric(file: rubric.exercise, problem: Bilingual(
            es: "ninguna variante cumple las restricciones en 10 000 intentos",
            en: "no variant meets the constraints in 10,000 draws"))
    }

    /// Why this variant is unusable (empty when it is fine).
    public func problems(in rubric: Rubric) throws -> [String] {
        var problems: [String] = []
        for constraint in rubric.constraints ?? [] {
            let value = try evaluate(constraint)
            if value.values.count != 1 || value.values[0] == 0 || !value.values[0].isFinite {
                problems.append("constraint \(constraint)")
            }
        }
        guard problems.isEmpty else { return problems }
        for check in rubric.checks {
            guard let expected = try expected(check) else { continue }
            if expected.values.contains(where: { !$0.isFinite }) { problems.append("\(check.id): reference not finite") }
            for mistake in check.mistakes ?? [] {
                guard let expression = mistake.expression else { continue }
                let wrong = try evaluate(expression)
                if Comparison.compare(got: wrong, expected: expected, tolerance: check.tolerance).matches {
                    problems.append("\(check.id): mistake \(mistake.id) gives the reference")
                }
            }
        }
        return problems
    }

    /// A check's reference value for this variant; nil when the rubric holds none (a learner's `checks.json`).
    public func expected(_ check: Rubric.Check) throws -> Numbers? {
        if let model = check.referenceModel {
            let analysis = try ModelAnalysis(text: Template.render(model, variant: self))
            switch check.quantity {
            case "buffers": return Numbers(scalar: Double(try analysis.totalBuffers()))
            case "multiply_adds": return Numbers(scalar: Double(try analysis.totalMultiplyAdds()))
            case "output_shape":
                let out = analysis.output
                return Numbers(shape: [3], values: [Double(out.height), Double(out.width), Double(out.channels)])
            default: return Numbers(scalar: Double(try analysis.totalParameters()))
            }
        }
        return try check.reference.map(evaluate)
    }

    /// Evaluates a rubric expression with this variant's numbers.
    public func evaluate(_ expression: String) throws -> Numbers {
        let text = Template.render(expression, variant: self)
        let entry = try Calculator.evaluate(text)
        let (shape, values) = entry.value.shapeAndValues
        return Numbers(shape: shape, values: values)
    }

    /// The header line a rendered notebook carries, so a self-check knows its numbers.
    public var header: String {
        let fields = parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" }
            + matrices.keys.sorted().map { name in
                let m = matrices[name]!
                return "\(name)=" + m.shape.map(String.init).joined(separator: "x") + ":"
                    + m.values.map { String(Int($0)) }.joined(separator: ",")
            }
        return "<!-- capas-variant: learner=\(learner) " + fields.joined(separator: " ") + " -->"
    }

    /// Reads `header` back from a notebook; nil when there is none.
    public static func read(from notebook: String) -> Variant? {
        for line in notebook.split(separator: "\n").prefix(20) {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("<!-- capas-variant:"), t.hasSuffix("-->") else { continue }
            let body = t.dropFirst("<!-- capas-variant:".count).dropLast(3)
            var variant = Variant(learner: "", parameters: [:])
            for field in body.split(separator: " ") {
                let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                if parts[0] == "learner" { variant.learner = parts[1]; continue }
                if let v = Int(parts[1]) { variant.parameters[parts[0]] = v; continue }
                // A matrix: `5x5:1,0,…`.
                let pieces = parts[1].split(separator: ":", maxSplits: 1)
                guard pieces.count == 2 else { continue }
                let shape = pieces[0].split(separator: "x").compactMap { Int($0) }
                let values = pieces[1].split(separator: ",").compactMap { Double($0) }
                // At most 4 axes of at most 64: the product is checked, never trapped (64^11 overflows Int).
                guard (1...4).contains(shape.count), shape.allSatisfy({ (1...64).contains($0) }),
                      shape.reduce(1, *) == values.count else { continue }
                variant.matrices[parts[0]] = Numbers(shape: shape, values: values)
            }
            return variant
        }
        return nil
    }
}

/// `{{name}}` placeholders in exercise text.
public enum Template {
    /// Replaces `{{name}}` with the variant's numbers; `{{answer:q}}` with
    /// `answers[q]` when given. Unknown placeholders stay as they are.
    public static func render(_ text: String, variant: Variant, answers: [String: String] = [:]) -> String {
        var out = "", rest = Substring(text)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { rest = rest[open.lowerBound...]; break }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if let value = variant.parameters[name] {
                out += String(value)
            } else if let matrix = variant.matrices[name] {
                out += Assign.literal(matrix)
            } else if name.hasPrefix("answer:"), let value = answers[String(name.dropFirst("answer:".count))] {
                out += value
            } else {
                out += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
