// What the grader knows about each function a code exercise asks for: how
// the harness calls it, its cases, its reference (computed here, in the
// grader's process, after the learner's child has exited) and the wrong
// implementations the course has seen, so that a wrong output can be named.

import CapasData
import Foundation

/// A catalogued wrong implementation, recognised by its output.
struct KnownMistake: Sendable {
    var id: String
    var feedback: Bilingual
}

protocol CodeFunction: Sendable {
    /// What a rubric's `function` names (`conv2d`, `dense_backward_weight`).
    var name: String { get }
    /// The Swift function the learner writes (`denseBackward`); `name` by default.
    var learnerFunction: String { get }
    /// A Swift expression of type `Tensor` calling it on the harness's arguments.
    var call: String { get }
    /// The cases of a rubric check's `cases` set; `random` uses `generator`.
    func cases(_ set: String, count: Int, generator: inout CaseGenerator) throws -> [CodeCase]
    /// The correct output.
    func reference(_ item: CodeCase) -> Numbers
    /// The mistakes this function is known for.
    var mistakes: [KnownMistake] { get }
    /// The output of `mistake`'s wrong implementation, or nil when it does
    /// not apply to this case.
    func mistaken(_ mistake: String, _ item: CodeCase) -> Numbers?
}

extension CodeFunction {
    var learnerFunction: String { name }
}

enum CodeFunctions {
    static let all: [any CodeFunction] = [Conv2DFunction(), Conv2DGroupsFunction()] + PoolingFunctions.all + DenseFunctions.all
        + NormalizationFunctions.all
    static func named(_ name: String) -> (any CodeFunction)? { all.first { $0.name == name } }
}

/// Seeded numbers for random cases: SplitMix64, the same on every machine.
struct CaseGenerator: Sendable {
    private var numbers: SplitMix64
    init(seed: UInt64) { numbers = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { numbers.next() }

    /// Uniform in `range` (inclusive). By modulo, not `SplitMix64.int(in:)`'s
    /// rejection: the published cases of every rubric were drawn this way.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// Uniform in [-1, 1), rounded to float32.
    mutating func value() -> Double {
        Double(Float(Double(next() >> 11) / Double(1 << 53) * 2 - 1))
    }

    /// Small integers in -limit...limit: worked-style cases with exact sums.
    mutating func small(_ limit: Int) -> Double { Double(int(-limit...limit)) }

    mutating func bool() -> Bool { next() & 1 == 1 }

    /// The seed of a hidden check: HMAC-SHA-256 of the course secret over
    /// the exercise and the check, mixed with the rubric's seed. Without
    /// the secret the inputs cannot be known in advance.
    static func hiddenSeed(secret: [UInt8]?, exercise: String, check: String, seed: UInt64) -> UInt64 {
        let digest = SHA256.hmac(key: secret ?? [], message: Array("capas code check\u{0}\(exercise)\u{0}\(check)\u{0}\(seed)".utf8))
        return digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}
