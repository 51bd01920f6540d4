import CapasCheckpoint
import CapasCore
import Foundation
import XCTest

/// The PyTorch-made fixtures (see Fixtures/make_fixtures.py).
enum Fixtures {
    static func url(_ name: String) throws -> URL {
        guard let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw XCTSkip("the Fixtures folder is not in the test bundle")
        }
        return folder.appendingPathComponent(name)
    }

    static func read(_ name: String) throws -> Checkpoint {
        try Safetensors.read(from: url(name))
    }
}

/// A safetensors file built by hand: the 8-byte length (the header's real
/// length unless `declaredLength` says otherwise), the header, the data.
func rawFile(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
    let headerBytes = Array(header.utf8)
    var bytes: [UInt8] = []
    withUnsafeBytes(of: (declaredLength ?? UInt64(headerBytes.count)).littleEndian) { bytes += $0 }
    return bytes + headerBytes + data
}

/// The little-endian bytes of some Float32 values.
func floatBytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
}

/// A header entry, `"name":{"dtype":…,"shape":…,"data_offsets":[…]}`.
func entry(_ name: String, _ dtype: String = "F32", shape: String, offsets: String) -> String {
    "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":\(offsets)}"
}

/// A small checkpoint with every kind of tensor the writer must handle.
func sampleCheckpoint() -> Checkpoint {
    var checkpoint = Checkpoint(metadata: [
        "capas_model": "input 12x12x1\nconv 4 3x3 pad=1\nrelu\n",
        "nota": "ñandú, \"comillas\", barra \\ y tab\t y control \u{01}",
        "": "clave vacía",
    ])
    checkpoint.append("0.weight", Tensor(shape: [2, 1, 3, 3], data: (0..<18).map { Float($0) * 0.25 - 2 }))
    checkpoint.append("0.bias", Tensor([0.5, -1.5]))
    checkpoint.append("4.num_batches_tracked", Tensor(shape: [], data: [7]))
    checkpoint.append("empty", Tensor(shape: [0, 3], data: []))
    checkpoint.append("special", Tensor([.infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude]))
    checkpoint.append("名前 \"quoted\"\n", Tensor([1, 2, 3]))
    return checkpoint
}

/// Asserts that decoding `bytes` fails with exactly `expected`, and that the
/// message (in both languages) names the file.
func assertProblem(_ bytes: [UInt8], _ expected: CheckpointError.Problem,
                   source: String = "hostile.safetensors",
                   file: StaticString = #filePath, line: UInt = #line) {
    do {
        let checkpoint = try Safetensors.decode(bytes, source: source)
        XCTFail("decoded \(checkpoint.orderedNames) instead of failing with \(expected)", file: file, line: line)
    } catch let error as CheckpointError {
        XCTAssertEqual(error.problem, expected, file: file, line: line)
        XCTAssertEqual(error.file, source, file: file, line: line)
        XCTAssertTrue(error.message(spanish: false).hasPrefix(source + ": "), error.description, file: file, line: line)
        XCTAssertTrue(error.message(spanish: true).hasPrefix(source + ": "), file: file, line: line)
        XCTAssertNotEqual(error.message(spanish: true), error.message(spanish: false), file: file, line: line)
    } catch {
        XCTFail("unexpected error type \(type(of: error)): \(error)", file: file, line: line)
    }
}

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("capas-checkpoint-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
