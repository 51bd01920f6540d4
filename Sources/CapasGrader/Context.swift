import Foundation
import CapasMessages

/// What every kind of check needs to know about this grading run.
public struct GradingContext: Sendable {
    public enum Mode: String, Sendable {
        /// `capas check`: a learner's self-check; only visible checks run.
        case selfCheck
        /// `capas grade`: every check runs.
        case grade
    }
    public var mode: Mode
    public var language: Language
    /// The learner's id (randomized answers, hidden seeds); nil in a self-check
    /// without one, where the variant written in the notebook is used.
    public var learner: String?
    /// The course secret from `grading/secret`; nil when `grading/` is absent.
    public var secret: [UInt8]?
    /// `grading/<exercise>/`, when present: hidden data lives there.
    public var gradingFolder: URL?
    /// Scratch space for builds; removed by the caller.
    public var workFolder: URL
    /// Model exercises: retrain from the learner's recipe (`--verify-training`).
    public var verifyTraining = false
    /// Where datasets are looked up first (`--data-dir`).
    public var dataDirectory: String?

    public init(mode: Mode, language: Language, learner: String? = nil, secret: [UInt8]? = nil,
                gradingFolder: URL? = nil, workFolder: URL) {
        self.mode = mode; self.language = language; self.learner = learner; self.secret = secret
        self.gradingFolder = gradingFolder; self.workFolder = workFolder
    }

    public func runs(_ check: Rubric.Check) -> Bool { mode == .grade || check.visibility.runsInSelfCheck }
}

extension CheckResult {
    /// A hidden check during a self-check: listed, not run, no points either way.
    public static func skipped(_ check: Rubric.Check, exercise: String) -> CheckResult {
        CheckResult(exercise: exercise, id: check.id, name: check.name, points: 0, maxPoints: check.points,
                    status: .skipped, visibility: check.visibility,
                    feedback: Bilingual(es: "se corrige más tarde", en: "graded later"), tags: check.tags ?? [])
    }
}
