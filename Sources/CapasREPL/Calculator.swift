import CapasCore
import CapasMessages

// The calculator: numbers, matrix and tensor literals, variables, + − × ÷,
// and calls of the course's functions (see Functions.swift).
//
//   entry      := NAME '=' expr | expr
//   expr       := term (('+' | '-') term)*
//   term       := unary (('*' | '/') unary)*
//   unary      := '-' unary | primary ('^' unary)?
//   primary    := NUMBER | NAME | NAME '(' arguments ')' | '[' items ']' | '(' expr ')'
//   arguments  := (expr | NAME '=' expr) (',' …)*
//
// Literals nest like NumPy's: `[1, 2]` is a vector, `[[1, 2], [3, 4]]` a 2×2
// matrix, a list of matrices a C×H×W tensor (channels first, as in the core).

/// A calculator value: a number or an n-dimensional array.
public enum Value: Equatable {
    case number(Double)
    case tensor(Tensor)

    var asTensor: Tensor {
        switch self {
        case let .number(x): return Tensor(shape: [], data: [Float(x)])
        case let .tensor(t): return t
        }
    }
}

/// A calculator error with the column it refers to (1-based, in the entry).
public struct CalculatorError: Error, LocalizedMessage, Equatable {
    public enum Problem: Equatable {
        case unexpected(String)
        case expected(String, found: String)
        case unknownName(String, suggestion: String?)
        case unknownFunction(String, suggestion: String?)
        case ragged(depth: Int)
        case emptyList
        case wrongArgument(function: String, detail: String, detailSpanish: String)
        case shapesDiffer(operation: String, [Int], [Int])
        case reservedName(String)
        case notANumber(String)
        case endsTooSoon
        /// The entry has `characters`; the calculator reads at most `limit`.
        case entryTooLong(characters: Int, limit: Int)
        /// Brackets, calls, signs or powers nested deeper than `limit` levels.
        case nestedTooDeep(limit: Int)
        /// A tensor of `count` elements (nil: too many to count) would be created.
        case tooManyElements(Int?, limit: Int)
        /// The evaluation (or the notebook) has created `used` elements and needs `needed` more.
        case budgetSpent(used: Int, needed: Int, limit: Int)
        /// `done` multiply-adds so far and `needed` more (nil: too many to count).
        case tooMuchWork(done: Int, needed: Int?, limit: Int)
    }
    public let problem: Problem
    public let column: Int?

    public init(_ problem: Problem, column: Int? = nil) { self.problem = problem; self.column = column }

    public func message(in L: Language) -> String {
        let q = quoted
        switch problem {
        case let .unexpected(text):
            return L.pick(es: "no se esperaba `\(q(text))`", en: "`\(q(text))` was not expected here")
        case let .expected(what, found):
            return L.pick(es: "se esperaba \(what) y se encontró `\(q(found))`", en: "expected \(what), found `\(q(found))`")
        case let .unknownName(name, suggestion):
            return L.pick(es: "`\(q(name))` no está definido", en: "`\(q(name))` is not defined")
                + (suggestion.map { L.pick(es: "; ¿querías decir `\($0)`?", en: "; did you mean `\($0)`?") }
                    ?? L.pick(es: " (defínelo con \(q(name)) = …; :vars lista las variables)",
                              en: " (define it with \(q(name)) = …; :vars lists the variables)"))
        case let .unknownFunction(name, suggestion):
            return L.pick(es: "no hay una función `\(q(name))`", en: "there is no function `\(q(name))`")
                + (suggestion.map { L.pick(es: "; ¿querías decir `\($0)`?", en: "; did you mean `\($0)`?") }
                    ?? L.pick(es: " (ver :help functions)", en: " (see :help functions)"))
        case let .ragged(depth):
            return L.pick(es: "las filas de la matriz no tienen la misma longitud (nivel \(depth))",
                          en: "the rows of the matrix do not all have the same length (level \(depth))")
        case .emptyList:
            return L.pick(es: "una matriz no puede estar vacía", en: "a matrix cannot be empty")
        case let .wrongArgument(function, detail, detailSpanish):
            return "\(function): " + L.pick(es: detailSpanish, en: detail)
        case let .shapesDiffer(operation, a, b):
            return L.pick(es: "\(operation): las formas \(a) y \(b) no coinciden (no se difunden: deben ser iguales, o una un número)",
                          en: "\(operation): shapes \(a) and \(b) differ (no broadcasting: they must match, or one must be a number)")
        case let .reservedName(name):
            return L.pick(es: "`\(q(name))` es el nombre de una capa o función; elige otro nombre de variable",
                          en: "`\(q(name))` is the name of a layer or function; choose another variable name")
        case .endsTooSoon:
            return L.pick(es: "la expresión termina antes de tiempo", en: "the expression ends too soon")
        case let .notANumber(what):
            return L.pick(es: "el resultado de \(q(what)) no es un número finito", en: "the result of \(q(what)) is not a finite number")
        case let .entryTooLong(characters, limit):
            return L.pick(es: "la expresión tiene \(characters) caracteres; la calculadora lee como mucho \(limit)",
                          en: "the expression is \(characters) characters long; the calculator reads at most \(limit)")
        case let .nestedTooDeep(limit):
            return L.pick(es: "hay más de \(limit) niveles anidados (corchetes, paréntesis, llamadas, signos o potencias); la calculadora admite hasta \(limit) niveles",
                          en: "more than \(limit) levels are nested (brackets, parentheses, calls, signs or powers); the calculator allows up to \(limit) levels")
        case let .tooManyElements(count, limit):
            let es = count.map { "\($0) valores" } ?? "demasiados valores para contarlos"
            let en = count.map { "\($0) values" } ?? "too many values to count"
            return L.pick(es: "demasiado grande para la calculadora: el resultado tendría \(es) y se admiten como mucho \(limit) por matriz (es para las matrices chicas del curso)",
                          en: "too large for the calculator: the result would have \(en) and at most \(limit) are allowed per array (it is meant for the course's small matrices)")
        case let .budgetSpent(used, needed, limit):
            return L.pick(es: "se llevan creados \(used) valores y harían falta \(needed) más; el límite es \(limit) valores en total",
                          en: "\(used) values have been created and \(needed) more are needed; the limit is \(limit) values in all")
        case let .tooMuchWork(done, needed, limit):
            let es = needed.map { "\($0) multiplicaciones-sumas más" } ?? "más multiplicaciones-sumas de las que se pueden contar"
            let en = needed.map { "\($0) more multiply-adds" } ?? "more multiply-adds than can be counted"
            return L.pick(es: "van \(done) multiplicaciones-sumas y harían falta \(es); el límite es \(limit)",
                          en: "\(done) multiply-adds so far, and this needs \(en); the limit is \(limit)")
        }
    }

    /// At most `CalculatorLimits.quotedCharacters` of a learner's text, so a message stays short.
    func quoted(_ text: String) -> String {
        let limit = CalculatorLimits.quotedCharacters
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + "…"
    }
}

// MARK: - Tokens

struct CalcToken: Equatable {
    enum Kind: Equatable { case number(Double), name(String), symbol(Character), end }
    let kind: Kind
    let column: Int
    let text: String
}

func calculatorTokens(_ text: String) throws -> [CalcToken] {
    var tokens: [CalcToken] = []
    let chars = Array(text)
    var i = 0
    while i < chars.count {
        let c = chars[i]
        if c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1; continue }
        if c == "#" { break }
        let start = i
        if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
            while i < chars.count, chars[i].isNumber || chars[i] == "." { i += 1 }
            if i < chars.count, chars[i] == "e" || chars[i] == "E" {
                var j = i + 1
                if j < chars.count, chars[j] == "+" || chars[j] == "-" { j += 1 }
                if j < chars.count, chars[j].isNumber {
                    i = j
                    while i < chars.count, chars[i].isNumber { i += 1 }
                }
            }
            let word = String(chars[start..<i])
            guard let value = Double(word), value.isFinite else { throw CalculatorError(.notANumber(word), column: start + 1) }
            tokens.append(CalcToken(kind: .number(value), column: start + 1, text: word))
        } else if c.isLetter || c == "_" {
            while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" { i += 1 }
            let word = String(chars[start..<i])
            tokens.append(CalcToken(kind: .name(word), column: start + 1, text: word))
        } else if "+-*/^()[],=×·−".contains(c) {
            // The course's typography is accepted: × and · multiply, − subtracts.
            let symbol: Character = (c == "×" || c == "·") ? "*" : (c == "−" ? "-" : c)
            tokens.append(CalcToken(kind: .symbol(symbol), column: start + 1, text: String(c)))
            i += 1
        } else {
            throw CalculatorError(.unexpected(String(c)), column: start + 1)
        }
    }
    tokens.append(CalcToken(kind: .end, column: chars.count + 1, text: ""))
    return tokens
}

// MARK: - Syntax tree

indirect enum Expression: Equatable {
    case number(Double, column: Int)
    case variable(String, column: Int)
    case list([Expression], column: Int)
    case call(String, positional: [Expression], named: [(String, Expression)], column: Int)
    case negate(Expression)
    /// `^` only: a power is right-associative and nests (its depth is counted).
    case binary(Character, Expression, Expression, column: Int)
    /// `a + b − c` or `a * b / c`: operands applied left to right. **A flat
    /// list**, so a sum of 30,000 terms is one level, not 30,000 nested calls.
    case chain(Expression, [ChainLink])

    static func == (a: Expression, b: Expression) -> Bool { "\(a)" == "\(b)" }
}

struct ChainLink {
    let op: Character
    let operand: Expression
    let column: Int
}

struct CalcParser {
    var tokens: [CalcToken]
    var position = 0
    /// Nesting limit: a pasted `[[[[…` of thousands of brackets is an error, not a stack overflow.
    static let maxDepth = CalculatorLimits.nesting
    var depth = 0

    init(_ text: String) throws {
        let characters = text.count
        guard characters <= CalculatorLimits.entryCharacters else {
            throw CalculatorError(.entryTooLong(characters: characters, limit: CalculatorLimits.entryCharacters))
        }
        tokens = try calculatorTokens(text)
    }

    var current: CalcToken { tokens[position] }
    mutating func advance() { if position < tokens.count - 1 { position += 1 } }
    func isSymbol(_ c: Character) -> Bool { current.kind == .symbol(c) }

    mutating func expect(_ c: Character) throws {
        guard isSymbol(c) else { throw CalculatorError(.expected("`\(c)`", found: current.text.isEmpty ? "⏎" : current.text), column: current.column) }
        advance()
    }

    /// `NAME = expr` gives the name; the expression follows.
    mutating func parseEntry() throws -> (assignTo: String?, expression: Expression) {
        var name: String?
        if case let .name(n) = current.kind, tokens.count > position + 1, tokens[position + 1].kind == .symbol("=") {
            name = n
            advance(); advance()
        }
        let e = try parseExpression()
        guard current.kind == .end else { throw CalculatorError(.unexpected(current.text), column: current.column) }
        return (name, e)
    }

    mutating func nested<T>(_ body: (inout CalcParser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= CalcParser.maxDepth else {
            throw CalculatorError(.nestedTooDeep(limit: CalcParser.maxDepth), column: current.column)
        }
        return try body(&self)
    }

    mutating func parseExpression() throws -> Expression {
        try nested { p in
            let first = try p.parseTerm()
            var links: [ChainLink] = []
            while case let .symbol(op) = p.current.kind, op == "+" || op == "-" {
                let column = p.current.column
                p.advance()
                links.append(ChainLink(op: op, operand: try p.parseTerm(), column: column))
            }
            return links.isEmpty ? first : .chain(first, links)
        }
    }

    mutating func parseTerm() throws -> Expression {
        let first = try parseUnary()
        var links: [ChainLink] = []
        while case let .symbol(op) = current.kind, op == "*" || op == "/" {
            let column = current.column
            advance()
            links.append(ChainLink(op: op, operand: try parseUnary(), column: column))
        }
        return links.isEmpty ? first : .chain(first, links)
    }

    mutating func parseUnary() throws -> Expression {
        if isSymbol("-") { advance(); return .negate(try nested { try $0.parseUnary() }) }
        if isSymbol("+") { advance(); return try nested { try $0.parseUnary() } }
        let base = try parsePrimary()
        if isSymbol("^") {
            let column = current.column
            advance()
            return .binary("^", base, try nested { try $0.parseUnary() }, column: column)
        }
        return base
    }

    mutating func parsePrimary() throws -> Expression {
        let token = current
        switch token.kind {
        case let .number(x):
            advance()
            return .number(x, column: token.column)
        case let .name(name):
            advance()
            guard isSymbol("(") else { return .variable(name, column: token.column) }
            advance()
            var positional: [Expression] = [], named: [(String, Expression)] = []
            while !isSymbol(")") {
                if case let .name(key) = current.kind, position + 1 < tokens.count, tokens[position + 1].kind == .symbol("=") {
                    advance(); advance()
                    named.append((key, try parseExpression()))
                } else {
                    guard named.isEmpty else {
                        throw CalculatorError(.expected("name=value", found: current.text), column: current.column)
                    }
                    positional.append(try parseExpression())
                }
                if isSymbol(",") { advance() } else { break }
            }
            try expect(")")
            return .call(name, positional: positional, named: named, column: token.column)
        case .symbol("["):
            advance()
            var items: [Expression] = []
            while !isSymbol("]") {
                items.append(try parseExpression())
                if isSymbol(",") { advance() } else { break }
            }
            try expect("]")
            return .list(items, column: token.column)
        case .symbol("("):
            advance()
            let e = try parseExpression()
            try expect(")")
            return e
        case .end:
            throw CalculatorError(.endsTooSoon, column: token.column)
        default:
            throw CalculatorError(.unexpected(token.text), column: token.column)
        }
    }
}

// MARK: - Evaluation

final class Evaluator {
    let variables: [String: Value]
    let language: Language
    /// Where `image(…)` reads datasets; nil outside the REPL and notebooks.
    let datasets: DatasetCache?
    /// Remarks the functions make about their result (the base-10 logarithm, a floored size…).
    var notes: [String] = []
    /// The dataset image the last `image(…)` call read.
    var lastImage: ImageReference?
    static let imageFunctions = ["image", "imagen"]
    /// The elements this evaluation may still create.
    let budget: CalculatorBudget

    init(variables: [String: Value], language: Language, datasets: DatasetCache? = nil, budget: CalculatorBudget = CalculatorBudget()) {
        self.variables = variables; self.language = language; self.datasets = datasets; self.budget = budget
    }

    func evaluate(_ e: Expression) throws -> Value {
        switch e {
        case let .number(x, _):
            return .number(x)
        case let .variable(name, column):
            if let v = variables[name] { return v }
            if name == "pi" || name == "π" { return .number(Double.pi) }
            if name == "e" { return .number(M_E) }
            let suggestion = budget.takeSuggestion() ? closest(name, variables.keys) : nil
            throw CalculatorError(.unknownName(name, suggestion: suggestion), column: column)
        case let .list(items, column):
            return .tensor(try stack(items.map(evaluate), column: column))
        case let .negate(inner):
            return try elementwise(try evaluate(inner), .number(-1), "*", column: nil)
        case let .binary(op, a, b, column):
            return try elementwise(try evaluate(a), try evaluate(b), op, column: column)
        case let .chain(first, links):
            var value = try evaluate(first)
            for link in links { value = try elementwise(value, try evaluate(link.operand), link.op, column: link.column) }
            return value
        case let .call(name, positional, named, column) where Evaluator.imageFunctions.contains(name):
            return try image(positional, named, column: column, function: name)
        case let .call(name, positional, named, column):
            let args = try positional.map(evaluate)
            var options: [String: Value] = [:]
            for (key, value) in named { options[key] = try evaluate(value) }
            return try Functions.call(name, args, options, column: column, language: language, budget: budget, notes: &notes)
        }
    }

    /// `[a, b, …]`: numbers make a vector, equal-shaped tensors a tensor one rank higher.
    func stack(_ values: [Value], column: Int) throws -> Tensor {
        guard let first = values.first else { throw CalculatorError(.emptyList, column: column) }
        let shape = first.asTensor.shape
        try budget.charge(try? Checked.product([values.count] + shape, "list"), column: column)
        var data: [Float] = []
        data.reserveCapacity(values.count * max(first.asTensor.count, 1))
        for v in values {
            let t = v.asTensor
            guard t.shape == shape else { throw CalculatorError(.ragged(depth: shape.count + 1), column: column) }
            data += t.data
        }
        return Tensor(shape: [values.count] + shape, data: data)
    }

    func elementwise(_ a: Value, _ b: Value, _ op: Character, column: Int?) throws -> Value {
        func apply(_ x: Double, _ y: Double) -> Double {
            switch op {
            case "+": return x + y
            case "-": return x - y
            case "*": return x * y
            case "/": return x / y
            default: return Foundation.pow(x, y)
            }
        }
        if case let .tensor(t) = a { try budget.charge(t.count, column: column) }
        else if case let .tensor(t) = b { try budget.charge(t.count, column: column) }
        switch (a, b) {
        case let (.number(x), .number(y)):
            return .number(apply(x, y))
        case let (.tensor(t), .number(y)):
            return .tensor(Tensor(shape: t.shape, data: t.data.map { Float(apply(Double($0), y)) }))
        case let (.number(x), .tensor(t)):
            return .tensor(Tensor(shape: t.shape, data: t.data.map { Float(apply(x, Double($0))) }))
        case let (.tensor(s), .tensor(t)):
            guard s.shape == t.shape else {
                throw CalculatorError(.shapesDiffer(operation: String(op), s.shape, t.shape), column: column)
            }
            return .tensor(Tensor(shape: s.shape, data: zip(s.data, t.data).map { Float(apply(Double($0), Double($1))) }))
        }
    }
}

/// The candidate closest to `word` by edit distance, if close enough to be a likely typo.
/// **Bounded**: names longer than `CalculatorLimits.suggestedNameLength` get no
/// suggestion, and at most `CalculatorLimits.suggestionCandidates` candidates
/// are compared (a notebook of 400,000 names must not cost 400,000² steps).
func closest<S: Sequence<String>>(_ word: String, _ candidates: S) -> String? {
    guard word.count <= CalculatorLimits.suggestedNameLength else { return nil }
    let lowered = word.lowercased(), bound = max(1, word.count / 3)
    var best: (String, Int)?
    for candidate in candidates.prefix(CalculatorLimits.suggestionCandidates)
        where abs(candidate.count - word.count) <= bound && candidate.count <= CalculatorLimits.suggestedNameLength {
        let distance = editDistance(lowered, candidate.lowercased())
        if distance < best?.1 ?? Int.max { best = (candidate, distance) }
    }
    guard let (candidate, distance) = best, distance <= bound else { return nil }
    return candidate
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var row = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = row
    }
    return previous[b.count]
}

import Foundation
