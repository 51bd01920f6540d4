import CapasMessages

// What grading produces. A score is computed only here, in the grader's
// process, from raw outputs; nothing a submission prints or writes can
// become a `CheckResult`.

/// Text a learner reads, in both languages.
public struct Bilingual: Codable, Sendable, Equatable {
    public var es: String
    public var en: String
    public init(es: String, en: String) { self.es = es; self.en = en }
    /// The same text in both languages (numbers, file names, compiler output).
    public init(_ both: String) { self.es = both; self.en = both }
    public func text(_ language: Language) -> String { language == .es ? es : en }

    public static func + (a: Bilingual, b: Bilingual) -> Bilingual { Bilingual(es: a.es + b.es, en: a.en + b.en) }
    public static func joined(_ parts: [Bilingual], separator: String = "\n") -> Bilingual {
        Bilingual(es: parts.map(\.es).joined(separator: separator), en: parts.map(\.en).joined(separator: separator))
    }
}

/// Who may see a check and when: Gradescope's four levels.
public enum Visibility: String, Codable, Sendable, CaseIterable {
    case visible
    case hidden
    case afterDueDate = "after_due_date"
    case afterPublished = "after_published"

    /// `capas check` (a learner's self-check) runs only these.
    public var runsInSelfCheck: Bool { self == .visible }
}

/// How one check ended.
public enum CheckStatus: String, Codable, Sendable {
    /// Every case matched.
    case passed
    /// Ran to the end and some case did not match (or partial credit).
    case failed
    /// The submission could not be graded for this check: it does not compile,
    /// a function is missing or still a stub, an answer cell is missing.
    case notGradable = "not_gradable"
    /// Wall clock or CPU time ran out.
    case timeout
    /// The child died: a trap, a signal, a forbidden system call, memory.
    case crash
    /// The output was malformed or incomplete (pipe closed early, wrong count).
    case invalid
    /// Not run in this mode (hidden checks during a self-check).
    case skipped
    /// The grader itself failed (a bug or a broken rubric), never the learner's fault.
    case graderError = "grader_error"
}

/// The outcome of one check of one exercise.
public struct CheckResult: Codable, Sendable, Equatable {
    public var exercise: String
    public var id: String
    public var name: Bilingual
    public var points: Double
    public var maxPoints: Double
    public var status: CheckStatus
    public var visibility: Visibility
    /// What the learner reads: first differing elements, shape diagnosis, named mistake…
    public var feedback: Bilingual
    /// A catalogued mistake recognised in the output (`flipped_kernel`, `log10`…).
    public var mistake: String?
    /// Where the problem is, relative to the submission (a notebook or Swift file).
    public var file: String?
    public var line: Int?
    /// In a Jupyter notebook: the cell (1-based) that `line` is in.
    public var cell: Int?
    public var tags: [String]
    public var seconds: Double

    /// An optional check (worth 0 points) the learner did not attempt: it
    /// neither fails a submission nor shows as failed on a platform.
    public var isOptionalNotAttempted: Bool { maxPoints == 0 && status == .notGradable }

    public init(exercise: String, id: String, name: Bilingual, points: Double, maxPoints: Double,
                status: CheckStatus, visibility: Visibility, feedback: Bilingual, mistake: String? = nil,
                file: String? = nil, line: Int? = nil, tags: [String] = [], seconds: Double = 0) {
        self.exercise = exercise; self.id = id; self.name = name; self.points = points; self.maxPoints = maxPoints
        self.status = status; self.visibility = visibility; self.feedback = feedback; self.mistake = mistake
        self.file = file; self.line = line; self.tags = tags; self.seconds = seconds
    }
}

/// All checks of one exercise for one submission.
public struct ExerciseReport: Codable, Sendable {
    public var exercise: String
    public var title: Bilingual
    /// The exercise's folder relative to the submission root (`""` when the
    /// submission is the exercise itself), for file paths in CI reports.
    public var folder: String?
    public var checks: [CheckResult]
    /// Exercise-wide notes: compiler output, variant mismatch, …
    public var notes: [Bilingual]
    /// Values for a leaderboard (e.g. test accuracy of a trained model).
    public var leaderboard: [LeaderboardEntry]

    public init(exercise: String, title: Bilingual, folder: String? = nil, checks: [CheckResult] = [], notes: [Bilingual] = [],
                leaderboard: [LeaderboardEntry] = []) {
        self.exercise = exercise; self.title = title; self.folder = folder; self.checks = checks; self.notes = notes
        self.leaderboard = leaderboard
    }

    public var points: Double { checks.reduce(0) { $0 + $1.points } }
    public var maxPoints: Double { checks.reduce(0) { $0 + $1.maxPoints } }
}

public struct LeaderboardEntry: Codable, Sendable, Equatable {
    public var name: String
    public var value: Double
    /// Gradescope sorts descending unless told `asc`.
    public var order: String?
    public init(name: String, value: Double, order: String? = nil) { self.name = name; self.value = value; self.order = order }
}
