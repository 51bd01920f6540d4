import CapasCheckpoint
import CapasCore
import Foundation
import XCTest

/// Random damage to valid files: every mutant either decodes or throws a
/// CheckpointError; none crashes (a crash fails the whole test run).
final class FuzzTests: XCTestCase {
    func testRandomMutationsNeverCrash() throws {
        var generator = SeededGenerator(seed: 20_240_601)
        var small = Checkpoint(metadata: ["capas_model": "input 4x4x1\ndense 2\n", "epochs": "3"])
        small.append("0.weight", Tensor(shape: [2, 16], data: (0..<32).map { Float($0) / 7 }))
        small.append("0.bias", Tensor([0.5, -0.5]))
        small.append("1.num_batches_tracked", Tensor(shape: [], data: [3]))
        let seeds: [[UInt8]] = [Safetensors.encode(small),
                                try Array(Data(contentsOf: Fixtures.url("torch_small_cnn_io.safetensors")))]
        let significant = Array("{}[]\",:-0123456789.eE \\u\0nultrfa".utf8)

        var decoded = 0, rejected = 0
        var problems = Set<String>()
        for iteration in 0..<2_000 {
            var bytes = seeds[iteration % seeds.count]
            let headerEnd = min(bytes.count, 8 + Int(bytes[0]) + Int(bytes[1]) << 8)
            for _ in 0...Int.random(in: 0...2, using: &generator) {
                mutate(&bytes, headerEnd: headerEnd, significant: significant, using: &generator)
            }
            do {
                let checkpoint = try Safetensors.decode(bytes, source: "mutant-\(iteration)")
                for (name, tensor) in checkpoint.tensors {
                    XCTAssertEqual(tensor.shape.checkedProduct, tensor.count, name)
                }
                decoded += 1
            } catch let error as CheckpointError {
                XCTAssertEqual(error.file, "mutant-\(iteration)")
                XCTAssertFalse(error.message(spanish: true).isEmpty)
                problems.insert(String(describing: error.problem).prefix { $0 != "(" }.description)
                rejected += 1
            } catch {
                XCTFail("mutant \(iteration): unexpected \(type(of: error)): \(error)")
            }
        }
        print("fuzz: \(decoded) decoded, \(rejected) rejected: \(problems.sorted())")
        XCTAssertEqual(decoded + rejected, 2_000)
        XCTAssertGreaterThan(decoded, 0)
        XCTAssertGreaterThan(rejected, 0)
        XCTAssertGreaterThan(problems.count, 8, "the mutations reach many checks: \(problems.sorted())")
    }

    func mutate(_ bytes: inout [UInt8], headerEnd: Int, significant: [UInt8], using g: inout SeededGenerator) {
        guard !bytes.isEmpty else { bytes = [UInt8](repeating: 0, count: Int.random(in: 0...16, using: &g)); return }
        let inHeader = Int.random(in: 8..<max(9, min(bytes.count, headerEnd)), using: &g) % bytes.count
        let anywhere = Int.random(in: 0..<bytes.count, using: &g)
        switch Int.random(in: 0..<10, using: &g) {
        case 0: bytes[anywhere] ^= 1 << UInt8.random(in: 0...7, using: &g)
        case 1: bytes[anywhere] = .random(in: 0...255, using: &g)
        case 2, 3: bytes[inHeader] = significant.randomElement(using: &g)!
        case 4: bytes.removeLast(Int.random(in: 0...bytes.count, using: &g))
        case 5:
            let count = Int.random(in: 1...16, using: &g)
            bytes.insert(contentsOf: (0..<count).map { _ in significant.randomElement(using: &g)! }, at: inHeader)
        case 6:
            let end = min(bytes.count, inHeader + Int.random(in: 1...24, using: &g))
            bytes.removeSubrange(inHeader..<end)
        case 7:
            // A new header length: small, near the real one, or huge.
            let length: UInt64
            switch Int.random(in: 0..<3, using: &g) {
            case 0: length = .random(in: 0...64, using: &g)
            case 1: length = UInt64(max(0, headerEnd - 8 + Int.random(in: -16...16, using: &g)))
            default: length = .random(in: 0...UInt64.max, using: &g)
            }
            if bytes.count >= 8 { withUnsafeBytes(of: length.littleEndian) { bytes.replaceSubrange(0..<8, with: $0) } }
        case 8:
            // A digit run in the header becomes a large or negative number.
            let replacement = Array(["18446744073709551616", "-1", "9223372036854775807", "4294967296", "0",
                                     "1e3", "100000000000000000000000"].randomElement(using: &g)!.utf8)
            if let digit = bytes[inHeader...].firstIndex(where: { (48...57).contains($0) }) {
                var end = digit
                while end < bytes.count, (48...57).contains(bytes[end]) { end += 1 }
                bytes.replaceSubrange(digit..<end, with: replacement)
            }
        default:
            // Duplicate a slice of the header (names, entries, brackets).
            let end = min(bytes.count, inHeader + Int.random(in: 1...40, using: &g))
            bytes.insert(contentsOf: bytes[inHeader..<end], at: end)
        }
    }
}
