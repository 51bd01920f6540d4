@testable import CapasREPL
import Foundation
import XCTest

/// Random and mutated entries never crash the interpreter: every one gets a
/// reply or an error. The test runs a few thousand; `bench/repl-fuzz.sh`
/// pipes 100,000 through the release build and prints the time.
final class ReplFuzzTests: XCTestCase {
    /// SplitMix64: the same lines on every run.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Commands that write files, train or quit are left out: the rest only compute and print.
    static let skipped = [":train", ":entrena", ":save", ":guarda", ":load", ":carga", ":plot", ":grafica", ":gráfica",
                          ":quit", ":q", ":exit", ":salir", "exit", "quit", "salir"]

    static func seeds() -> [String] {
        var lines: [String] = []
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Transcripts")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasSuffix(".in") {
            let text = (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
            lines += text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
        }
        lines += Interpreter.commands + Interpreter.commands.map { $0 + " 1" }
        lines += ["input 28x28x1", "conv 10 5x5 stride=2 pad=same relu", "maxpool 2", "flatten", "dense 10", "residual { conv 8 3x3 pad=1 }",
                  "A = [[1, 2], [3, 4]]", "K = [[1, 0], [0, -1]]", "conv(A, K)", "maxpool(A, 2)", "softmax([1, 2, 3])", ":preset resnet18",
                  ":preset lstm", ":show A", ":step conv(A, K) at 0 0", ":explain 0", ":summary batch=4", ":lang es", ":lang en", "help conv",
                  "conv?", "_ + 1", ":time A * 2", "p = 0,5", ":history", ":filters 0", ":undo", ":reset"]
        return lines
    }

    static let alphabet = Array("0123456789abcxyz xX=,.;:[](){}-+*/^_#?!\"'\\|<>ñé東京\u{0301}\t×·→") + ["\u{1B}", "\n", "\u{0}"]

    static func mutate(_ line: String, _ random: inout Generator) -> String {
        var chars = Array(line)
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            switch Int.random(in: 0..<8, using: &random) {
            case 0 where !chars.isEmpty: chars.remove(at: Int.random(in: 0..<chars.count, using: &random))
            case 1: chars.insert(alphabet.randomElement(using: &random)!, at: Int.random(in: 0...chars.count, using: &random))
            case 2 where !chars.isEmpty:
                let i = Int.random(in: 0..<chars.count, using: &random)
                if chars[i].isNumber {
                    let big = ["0", "-1", "99999999999999999999", "1e308", "65536", "3000000000", "-0", "nan", "1e-320"]
                    chars.replaceSubrange(i...i, with: Array(big.randomElement(using: &random)!))
                }
            case 3 where chars.count > 2:
                let a = Int.random(in: 0..<chars.count, using: &random), b = Int.random(in: a..<chars.count, using: &random)
                chars.insert(contentsOf: chars[a...b], at: Int.random(in: 0...chars.count, using: &random))
            case 4 where !chars.isEmpty: chars = Array(chars.prefix(Int.random(in: 0..<chars.count, using: &random)))
            case 5: chars += Array(" " + (seedsCache.randomElement(using: &random) ?? ""))
            case 6: chars = Array(["(", "[", "{", "", ":time ", "help ", "?"].randomElement(using: &random)!) + chars
            default: chars.append(alphabet.randomElement(using: &random)!)
            }
        }
        return String(chars)
    }

    nonisolated(unsafe) static var seedsCache: [String] = []

    /// Entries: seeds, mutated seeds and random text, never a skipped command.
    static func entries(count: Int, seed: UInt64) -> [String] {
        seedsCache = seeds()
        var random = Generator(state: seed)
        var out: [String] = []
        while out.count < count {
            var line: String
            switch Int.random(in: 0..<10, using: &random) {
            case 0: line = String((0..<Int.random(in: 0...40, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            case 1, 2: line = seedsCache.randomElement(using: &random)!
            default: line = mutate(seedsCache.randomElement(using: &random)!, &random)
            }
            let lower = line.lowercased()
            if skipped.contains(where: { lower.contains($0) }) { continue }
            out.append(line)
        }
        return out
    }

    func testThousandsOfFuzzedEntriesNeverCrash() {
        let count = Int(ProcessInfo.processInfo.environment["CAPAS_FUZZ_LINES"] ?? "") ?? 3000
        let lines = ReplFuzzTests.entries(count: count, seed: 20261206)
        var interpreter = Interpreter(language: .en)
        var errors = 0
        for (i, line) in lines.enumerated() {
            // A fresh session now and then, so that models and variables do not grow without end.
            if i % 500 == 0 { interpreter = Interpreter(language: i % 1000 == 0 ? .en : .es) }
            let reply = interpreter.execute(line)
            if reply.isError { errors += 1; XCTAssertFalse(reply.text.isEmpty, "an error without a message for \(line.debugDescription)") }
            // What a terminal shows is fitted too: that must not trap either.
            _ = TerminalFit.fit(reply.text, width: 20 + i % 100)
        }
        XCTAssertGreaterThan(errors, 0, "the fuzzer should reach errors")
        XCTAssertLessThan(errors, lines.count, "the fuzzer should reach valid entries")
    }
}

/// A script with a bracket that never closes: the entry is dropped after 1,000
/// lines with an error, and the lines after it run (before, the rest of the
/// script became one entry, re-scanned at every line).
final class UnclosedEntryTests: XCTestCase {
    func testAnUnclosedBracketInAScriptIsDroppedAndTheScriptGoesOn() throws {
        let capas = try capasExecutable()
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("capas-unclosed-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: input) }
        let lines = ["A = [1, 2"] + Array(repeating: "3,", count: 1200) + ["1 + 1"]
        try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        let result = try runCapas(capas, input: input, environment: ["LANG": "C.UTF-8"])
        let errors = String(decoding: result.stderr, as: UTF8.self)
        XCTAssertTrue(errors.contains("still open after 1000 lines"), errors)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(String(decoding: result.stdout, as: UTF8.self).contains("2"), "the line after the dropped entry runs")
    }
}

/// What the fuzzer found: a huge padding overflowed the size check of the calculator's conv and pooling.
final class FuzzFindingsTests: XCTestCase {
    func testAHugePaddingIsAnErrorNotAnOverflow() {
        let interpreter = Interpreter(language: .en)
        for entry in ["conv([[1, 2], [3, 4]], [[1]], pad=3000000000)", "conv([[1, 2], [3, 4]], [[1]], pad=4611686018427387904)",
                      "avgpool([[1, 2], [3, 4]], 2, pad=3000000000)", "maxpool([[1, 2], [3, 4]], 3000000000)"] {
            let reply = interpreter.execute(entry)
            XCTAssertTrue(reply.isError, "\(entry): \(reply.text)")
            XCTAssertFalse(reply.text.isEmpty)
        }
    }
}
