import Foundation

/// One exercise's rubric, `grading/<exercise>/rubric.json`: its checks,
/// points, tolerances, limits and visibility. A rubric is instructor data;
/// it is validated when it loads so that a broken rubric is a grader error
/// with its file named, never a learner's zero.
public struct Rubric: Codable, Sendable {
    public enum Kind: String, Codable, Sendable { case answers, code, model }

    public var exercise: String
    public var title: Bilingual
    public var kind: Kind
    /// Answers exercises: the notebook, relative to the exercise folder.
    public var notebook: String?
    /// Answers exercises: calculator functions may not be called in answer cells.
    public var forbidFunctions: Bool?
    /// Answers exercises: per-learner numbers (see `Variant`).
    public var parameters: [String: ParameterRange]?
    /// Conditions every variant must meet, as calculator expressions that
    /// must evaluate to a non-zero number, e.g. `(n + 2*p - f) - s*floor((n + 2*p - f)/s)`.
    public var constraints: [String]?
    /// Code exercises: the Swift files the learner writes, relative to the exercise folder.
    public var files: [String]?
    /// Model exercises: the model text, the checkpoint and the training recipe
    /// (defaults `model.capas`, `checkpoint.safetensors`, `recipe.txt`) and the dataset.
    public var model: String?
    public var checkpoint: String?
    public var recipe: String?
    public var dataset: String?
    public var checks: [Check]
    /// Read from a learner's `checks.json` (hidden checks stripped of their
    /// cases and references), not from the instructor's `grading/`. Not saved.
    public var isPublicCopy = false

    /// A per-learner number, or a matrix of them (`shape`), drawn from `from`…`to` by `step`.
    public struct ParameterRange: Codable, Sendable, Equatable {
        public var from: Int
        public var to: Int
        /// Only `from`, `from + step`, … (e.g. odd kernel sizes).
        public var step: Int?
        /// A matrix parameter: its shape (e.g. `[5, 5]` for a 5×5 image, `[2, 3, 3]` for two channels).
        public var shape: [Int]?
        /// The handout's value (the slides' numbers): a number, or a matrix's values in row-major order.
        public var example: [Int]

        public var values: [Int] { Array(stride(from: from, through: to, by: max(1, step ?? 1))) }
        public var count: Int { shape?.reduce(1, *) ?? 1 }

        enum CodingKeys: String, CodingKey { case from, to, step, shape, example }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            from = try c.decode(Int.self, forKey: .from)
            to = try c.decode(Int.self, forKey: .to)
            step = try c.decodeIfPresent(Int.self, forKey: .step)
            shape = try c.decodeIfPresent([Int].self, forKey: .shape)
            if let single = try? c.decode(Int.self, forKey: .example) { example = [single] }
            else if let nested = try? c.decode([[Int]].self, forKey: .example) { example = nested.flatMap { $0 } }
            else if let nested = try? c.decode([[[Int]]].self, forKey: .example) { example = nested.flatMap { $0.flatMap { $0 } } }
            else { example = try c.decode([Int].self, forKey: .example) }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(from, forKey: .from); try c.encode(to, forKey: .to)
            try c.encodeIfPresent(step, forKey: .step); try c.encodeIfPresent(shape, forKey: .shape)
            if shape == nil, example.count == 1 { try c.encode(example[0], forKey: .example) } else { try c.encode(example, forKey: .example) }
        }
    }

    public struct Limits: Codable, Sendable, Equatable {
        public var wallSeconds: Double?
        public var cpuSeconds: Int?
        public var memoryMB: Int?
        public init(wallSeconds: Double? = nil, cpuSeconds: Int? = nil, memoryMB: Int? = nil) {
            self.wallSeconds = wallSeconds; self.cpuSeconds = cpuSeconds; self.memoryMB = memoryMB
        }
        enum CodingKeys: String, CodingKey { case wallSeconds = "wall_seconds", cpuSeconds = "cpu_seconds", memoryMB = "memory_mb" }
    }

    /// A wrong answer the course has seen before, recognised and named.
    public struct Mistake: Codable, Sendable, Equatable {
        public var id: String
        /// Answers: the calculator expression that gives the wrong value.
        public var expression: String?
        public var feedback: Bilingual?
    }

    public struct Check: Codable, Sendable {
        public var id: String
        public var name: Bilingual
        public var points: Double
        public var visibility: Visibility
        public var atol: Double?
        public var rtol: Double?
        public var limits: Limits?
        public var tags: [String]?

        // Answers checks.
        /// The variable the learner assigns in an answer cell (`q1 = …`).
        public var answer: String?
        /// The reference, a calculator expression with `{{name}}` parameters.
        public var reference: String?
        /// Or: the reference computed from a model-language text (with `{{name}}`
        /// parameters) by the same analysis `capas summary` and the presets use.
        public var referenceModel: String?
        /// What of `reference_model`: `parameters`, `buffers`, `multiply_adds`, `output_shape` (height, width, channels).
        public var quantity: String?
        public var mistakes: [Mistake]?
        /// Overrides the exercise's `forbid_functions` for this answer.
        public var forbidFunctions: Bool?

        // Code checks.
        /// The function under test (`conv2d`, `conv2dBackward`, …).
        public var function: String?
        /// Which cases: `worked`, `edge`, `random`, `gradient`.
        public var cases: String?
        /// How many seeded random cases.
        public var count: Int?
        /// The seed of random cases (hidden cases draw theirs from the course secret too).
        public var seed: UInt64?
        /// Relative error bound for central-difference gradient checks.
        public var gradientThreshold: Double?

        // Model checks.
        /// `accuracy`, `parameters_max`, `no_conv`, `smaller_than`, `first_loss`, `verify_training`, and
        /// `answer_parameters`, `answer_multiply_adds`, `answer_accuracy`: a number the learner wrote in the
        /// exercise notebook's answer cell `answer`, checked against their own model (`than`: another exercise's).
        public var rule: String?
        /// The bound the rule compares with (an accuracy, a parameter count, a loss distance, an accuracy gap).
        public var threshold: Double?
        /// `smaller_than`: the other exercise whose model must be larger.
        public var than: String?

        public var tolerance: Tolerance { Tolerance(atol: atol ?? 1e-4, rtol: rtol ?? 1e-4) }

        /// What a code check compares with. A gradient check's threshold is
        /// CS231n's relative error |a − b| / (|a| + |b|) ≤ t, which for
        /// close values is |a − b| ≤ 2t·|b|; `atol` (default 1e-5) covers
        /// gradients that are zero or nearly so.
        public var comparisonTolerance: Tolerance {
            guard let threshold = gradientThreshold else { return tolerance }
            return Tolerance(atol: atol ?? 1e-5, rtol: 2 * threshold)
        }
    }

    enum CodingKeys: String, CodingKey {
        case exercise, title, kind, notebook, parameters, constraints, files, checks, model, checkpoint, recipe, dataset
        case forbidFunctions = "forbid_functions"
    }

    public var maxPoints: Double { checks.reduce(0) { $0 + $1.points } }

    /// What learners may hold (`checks.json` next to their exercise): visible
    /// checks whole; the others only by id, name, points and visibility.
    public var publicVersion: Rubric {
        var copy = self
        copy.checks = checks.map { check in
            guard check.visibility != .visible else { return check }
            var stub = check
            stub.reference = nil; stub.referenceModel = nil; stub.mistakes = nil; stub.cases = nil; stub.count = nil; stub.seed = nil
            stub.atol = nil; stub.rtol = nil; stub.gradientThreshold = nil
            return stub
        }
        copy.constraints = nil
        return copy
    }

    /// Loads and validates `url`; errors name the file and the check.
    public static func load(_ url: URL, isPublic: Bool = false) throws -> Rubric {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw GraderError.rubric(file: url.path, problem: Bilingual(es: "no se puede leer", en: "cannot be read"))
        }
        let rubric: Rubric
        do { rubric = try JSONDecoder().decode(Rubric.self, from: data) } catch {
            throw GraderError.rubric(file: url.path, problem: Bilingual("\(error)"))
        }
        try rubric.validate(file: url.path, isPublic: isPublic)
        var loaded = rubric
        loaded.isPublicCopy = isPublic
        return loaded
    }

    public func validate(file: String, isPublic: Bool = false) throws {
        func bad(_ es: String, _ en: String) -> GraderError {
            .rubric(file: file, problem: Bilingual(es: es, en: en))
        }
        var seen = Set<String>()
        guard !checks.isEmpty else { throw bad("no tiene comprobaciones", "has no checks") }
        for check in checks {
            guard seen.insert(check.id).inserted else {
                throw bad("la comprobación `\(check.id)` aparece dos veces", "check `\(check.id)` appears twice")
            }
            guard check.points.isFinite, check.points >= 0 else {
                throw bad("`\(check.id)`: los puntos deben ser un número ≥ 0", "`\(check.id)`: points must be a number ≥ 0")
            }
            for (name, value) in [("atol", check.atol), ("rtol", check.rtol), ("gradient_threshold", check.gradientThreshold),
                                  ("threshold", check.threshold)] {
                if let value, !(value.isFinite && value >= 0 && value <= 1e15) {
                    throw bad("`\(check.id)`: \(name) debe ser un número entre 0 y 10¹⁵", "`\(check.id)`: \(name) must be a number from 0 to 10¹⁵")
                }
            }
            switch kind {
            case .answers:
                if check.referenceModel != nil, !["parameters", "buffers", "multiply_adds", "output_shape"].contains(check.quantity ?? "") {
                    throw bad("`\(check.id)`: `quantity` debe ser parameters, buffers, multiply_adds u output_shape",
                              "`\(check.id)`: `quantity` must be parameters, buffers, multiply_adds or output_shape")
                }
                guard check.answer != nil, check.reference != nil || check.referenceModel != nil || (isPublic && check.visibility != .visible) else {
                    throw bad("`\(check.id)`: una comprobación de respuesta necesita `answer` y `reference`",
                              "`\(check.id)`: an answer check needs `answer` and `reference`")
                }
            case .code:
                guard check.function != nil else {
                    throw bad("`\(check.id)`: una comprobación de código necesita `function`",
                              "`\(check.id)`: a code check needs `function`")
                }
            case .model:
                let rules = ["accuracy", "parameters_max", "no_conv", "smaller_than", "first_loss", "verify_training",
                             "answer_parameters", "answer_multiply_adds", "answer_accuracy"]
                guard let rule = check.rule, rules.contains(rule) else {
                    throw bad("`\(check.id)`: `rule` debe ser uno de \(rules.joined(separator: ", "))",
                              "`\(check.id)`: `rule` must be one of \(rules.joined(separator: ", "))")
                }
                if ["accuracy", "parameters_max", "first_loss", "verify_training"].contains(rule), check.threshold == nil {
                    throw bad("`\(check.id)`: la regla \(rule) necesita `threshold`", "`\(check.id)`: rule \(rule) needs `threshold`")
                }
                if rule.hasPrefix("answer_"), check.answer == nil {
                    throw bad("`\(check.id)`: la regla \(rule) necesita `answer`", "`\(check.id)`: rule \(rule) needs `answer`")
                }
                if rule == "smaller_than", check.than == nil {
                    throw bad("`\(check.id)`: smaller_than necesita `than`", "`\(check.id)`: smaller_than needs `than`")
                }
            }
        }
        for (name, range) in parameters ?? [:] {
            guard range.from <= range.to, (range.step ?? 1) >= 1, range.to - range.from <= 1_000_000 else {
                throw bad("el parámetro `\(name)` tiene un rango vacío o enorme", "parameter `\(name)` has an empty or huge range")
            }
            guard (range.shape ?? [1]).allSatisfy({ (1...64).contains($0) }), range.example.count == range.count,
                  range.example.allSatisfy(range.values.contains) else {
                throw bad("el ejemplo de `\(name)` no tiene \(range.count) valor(es) del rango \(range.from)…\(range.to)",
                          "the example of `\(name)` is not \(range.count) value(s) from \(range.from)…\(range.to)")
            }
        }
    }
}

extension Rubric.Check {
    enum CodingKeys: String, CodingKey {
        case id, name, points, visibility, atol, rtol, limits, tags, answer, reference, mistakes, function, cases, count, seed
        case rule, threshold, than, quantity
        case forbidFunctions = "forbid_functions"
        case referenceModel = "reference_model"
        case gradientThreshold = "gradient_threshold"
    }
}

/// A failure of the grader or of the instructor's material, never the learner's.
public enum GraderError: Error, Sendable {
    case rubric(file: String, problem: Bilingual)
    case exercise(path: String, problem: Bilingual)
    case secret(path: String, problem: Bilingual)
    case internalError(Bilingual)

    public var message: Bilingual {
        switch self {
        case let .rubric(file, problem):
            return Bilingual(es: "rúbrica \(file): ", en: "rubric \(file): ") + problem
        case let .exercise(path, problem):
            return Bilingual(es: "ejercicio \(path): ", en: "exercise \(path): ") + problem
        case let .secret(path, problem):
            return Bilingual(es: "secreto del curso \(path): ", en: "course secret \(path): ") + problem
        case let .internalError(problem):
            return Bilingual(es: "error interno del corrector: ", en: "internal grader error: ") + problem
        }
    }
}
