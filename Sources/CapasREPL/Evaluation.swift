import CapasCore
import CapasMessages

/// The calculator as a library, for the grader: answer cells are evaluated
/// with the same parser and functions the learner used in the REPL.
public enum Calculator {
    /// One evaluated entry: `name = expr` gives the name.
    public struct Entry {
        public var name: String?
        public var value: Value
        /// The functions the entry calls (`conv`, `softmax`…), in order of appearance.
        public var functions: [String]
    }

    /// Evaluates `text` (`name = expr` or `expr`) with `variables` in scope.
    /// Every tensor it creates is charged to `budget` before it is allocated
    /// (a fresh one per call when none is given; the grader shares one across
    /// a notebook's answers): see `CalculatorLimits`.
    public static func evaluate(_ text: String, variables: [String: Value] = [:],
                                language: Language = .en, budget: CalculatorBudget = CalculatorBudget()) throws -> Entry {
        var parser = try CalcParser(text)
        let (name, expression) = try parser.parseEntry()
        let value = try Evaluator(variables: variables, language: language, budget: budget).evaluate(expression)
        return Entry(name: name, value: value, functions: functionsCalled(expression))
    }

    /// The functions an entry calls, without evaluating it.
    public static func functions(in text: String) throws -> [String] {
        var parser = try CalcParser(text)
        return functionsCalled(try parser.parseEntry().expression)
    }

    public static var functionNames: [String] { Functions.names }

    static func functionsCalled(_ e: Expression) -> [String] {
        switch e {
        case .number, .variable: return []
        case let .list(items, _): return items.flatMap(functionsCalled)
        case let .negate(inner): return functionsCalled(inner)
        case let .binary(_, a, b, _): return functionsCalled(a) + functionsCalled(b)
        case let .chain(first, links): return functionsCalled(first) + links.flatMap { functionsCalled($0.operand) }
        case let .call(name, positional, named, _):
            return [name] + positional.flatMap(functionsCalled) + named.flatMap { functionsCalled($0.1) }
        }
    }
}

extension Value {
    /// The shape (empty for a number) and the values in row-major order.
    public var shapeAndValues: (shape: [Int], values: [Double]) {
        switch self {
        case let .number(x): return ([], [x])
        case let .tensor(t): return (t.shape, t.data.map(Double.init))
        }
    }
}
