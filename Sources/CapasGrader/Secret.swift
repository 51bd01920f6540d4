import Foundation
import CapasData

// Per-learner numbers: HMAC-SHA256(course secret, exercise ‖ 0 ‖ learner)
// seeds the variant, so every machine derives the same numbers and nobody
// without the secret can predict another learner's.

// SHA-256 and HMAC-SHA256 are CapasData's (one implementation for the
// course secret, downloads and the Jupyter kernel's signatures).
extension SHA256 {
    /// HMAC-SHA256 (RFC 2104).
    public static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] { HMACSHA256.mac(key: key, message: message) }
    public static func hex(_ bytes: [UInt8]) -> String { hexString(bytes) }
}

/// The course secret, `grading/secret`: any bytes; whitespace at the ends is ignored.
public enum CourseSecret {
    public static func load(_ url: URL) throws -> [UInt8] {
        guard let data = try? Data(contentsOf: url) else {
            throw GraderError.secret(path: url.path, problem: Bilingual(es: "no se puede leer", en: "cannot be read"))
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count >= 16 else {
            throw GraderError.secret(path: url.path, problem: Bilingual(
                es: "es demasiado corto (al menos 16 caracteres; `capas assign --new-secret` crea uno)",
                en: "is too short (at least 16 characters; `capas assign --new-secret` makes one)"))
        }
        return Array(text.utf8)
    }

    /// A fresh random secret, hex.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// The 64-bit seed of (exercise, learner, purpose) under `secret`.
    public static func seed(secret: [UInt8], exercise: String, learner: String, purpose: String = "variant") -> UInt64 {
        let message = Array(purpose.utf8) + [0] + Array(exercise.utf8) + [0] + Array(learner.utf8)
        let mac = SHA256.hmac(key: secret, message: message)
        return mac.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// SplitMix64: a tiny generator with a fixed, documented output for a seed,
/// so variants are identical on every machine and Swift version.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9e3779b97f4a7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
        z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
        return z ^ (z >> 31)
    }
    /// Uniform in `range` by rejection (no modulo bias), independent of the standard library's algorithm.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        let limit = UInt64.max - UInt64.max % span
        var x = next()
        while x >= limit { x = next() }
        return range.lowerBound + Int(x % span)
    }
}
