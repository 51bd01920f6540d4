// What one calculator entry may contain and allocate.
//
// The grader evaluates every learner's answers in its own process with this
// calculator (and the REPL and `capas run` share it), so each limit is
// checked before the work or the memory it guards: a hostile entry gets an
// error that names the limit and its own number, never a crash or a hang.

public enum CalculatorLimits {
    /// Characters in one entry (an answer's expression, a REPL line). A 28×28
    /// image written out is about 4,000; a pasted 200 KB sum is refused.
    public static let entryCharacters = 65_536

    /// Levels of nesting in one entry: brackets, parentheses, function calls,
    /// signs (`--1`) and powers (`2^2^2`) each add one. **Counted while parsing**,
    /// so the parser and the evaluator recurse at most this deep. Real
    /// matrices nest 2–4 levels.
    public static let nesting = 200

    /// Elements of any one tensor the calculator would create (2^24 =
    /// 16,777,216, 64 MiB of Float32), checked from the shapes before it is
    /// allocated. conv's and pooling's windows unrolled to one row per output
    /// value count as one such tensor.
    public static let elementsPerValue = 1 << 24

    /// Elements all the tensors of one evaluation add up to, intermediate
    /// results included (2^25 = 33,554,432).
    public static let elementsPerEvaluation = 1 << 25

    /// Elements all the answers of one graded notebook add up to together
    /// (2^26 = 67,108,864, 256 MiB of Float32): 300 lines of a large `conv`
    /// run out of this budget, not of memory.
    public static let elementsPerNotebook = 1 << 26

    /// Multiply-adds of one evaluation (conv and pooling windows; 2^30 ≈ 1.1
    /// billion, about a second of work) and of a whole graded notebook (2^32).
    public static let multiplyAddsPerEvaluation = 1 << 30
    public static let multiplyAddsPerNotebook = 1 << 32

    /// An unknown name gets a "did you mean" among at most this many
    /// variables, and only when it is at most `suggestedNameLength` long:
    /// edit distance costs the product of the lengths.
    public static let suggestionCandidates = 2_000
    public static let suggestedNameLength = 64
    /// "Did you mean" searches in one budget (a notebook of answers): each
    /// costs up to 2,000 × 64 × 64 steps, so 2,000 answers naming unknown
    /// variables must not each pay it.
    public static let suggestionsPerBudget = 100

    /// Values of one result the REPL and notebooks print; a larger result is described by its shape.
    public static let printedValues = 10_000

    /// Characters of a learner's text quoted in an error message.
    public static let quotedCharacters = 40
}

/// The elements an evaluation (or a whole notebook of answers) may still
/// create. Shared by reference: the grader passes one budget to every
/// answer of a notebook, so the total is bounded, not only each entry.
public final class CalculatorBudget {
    public let limit: Int
    public private(set) var used = 0
    public let multiplyAddLimit: Int
    public private(set) var multiplyAdds = 0
    /// "Did you mean" searches left (see `CalculatorLimits.suggestionsPerBudget`).
    private var suggestionsLeft = CalculatorLimits.suggestionsPerBudget

    /// Whether one more "did you mean" search may run; counts it.
    func takeSuggestion() -> Bool {
        guard suggestionsLeft > 0 else { return false }
        suggestionsLeft -= 1
        return true
    }

    public init(elements: Int = CalculatorLimits.elementsPerEvaluation,
                multiplyAdds: Int = CalculatorLimits.multiplyAddsPerEvaluation) {
        limit = elements; multiplyAddLimit = multiplyAdds
    }

    /// A budget for every answer of one notebook together.
    public static func notebook() -> CalculatorBudget {
        CalculatorBudget(elements: CalculatorLimits.elementsPerNotebook, multiplyAdds: CalculatorLimits.multiplyAddsPerNotebook)
    }

    /// Records the multiply-adds of one operation (nil: too many to count) before it runs.
    func chargeWork(_ count: Int?, column: Int?) throws {
        let (total, overflow) = multiplyAdds.addingReportingOverflow(count ?? Int.max)
        guard count != nil, !overflow, total <= multiplyAddLimit else {
            throw CalculatorError(.tooMuchWork(done: multiplyAdds, needed: count, limit: multiplyAddLimit), column: column)
        }
        multiplyAdds = total
    }

    /// Records `count` new elements (nil: too many to count); throws before the limit is passed.
    func charge(_ count: Int?, column: Int?) throws {
        guard let count, count <= CalculatorLimits.elementsPerValue else {
            throw CalculatorError(.tooManyElements(count, limit: CalculatorLimits.elementsPerValue), column: column)
        }
        let (total, overflow) = used.addingReportingOverflow(count)
        guard !overflow, total <= limit else {
            throw CalculatorError(.budgetSpent(used: used, needed: count, limit: limit), column: column)
        }
        used = total
    }
}
