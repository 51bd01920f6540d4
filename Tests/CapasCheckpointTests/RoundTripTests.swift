import CapasCheckpoint
import CapasCore
import Foundation
import XCTest

final class RoundTripTests: XCTestCase {
    func testEncodeDecodeRoundTrip() throws {
        let original = sampleCheckpoint()
        let bytes = Safetensors.encode(original)
        let decoded = try Safetensors.decode(bytes, source: "memory")
        XCTAssertEqual(decoded, original)
        XCTAssertEqual(decoded.order, original.order)
        XCTAssertEqual(decoded.metadata, original.metadata)
        XCTAssertEqual(decoded.source, "memory")
        XCTAssertEqual(Set(decoded.storedTypes.values), [.f32])
        for name in original.order {
            XCTAssertEqual(decoded.tensors[name]?.shape, original.tensors[name]?.shape, name)
            XCTAssertEqual(decoded.tensors[name]?.data.map(\.bitPattern), original.tensors[name]?.data.map(\.bitPattern), name)
        }
        // Encoding is deterministic: same checkpoint, same bytes.
        XCTAssertEqual(Safetensors.encode(decoded), bytes)
    }

    func testNaNPayloadsSurvive() throws {
        let nan = Float(bitPattern: 0x7FC0_1234)
        var checkpoint = Checkpoint()
        checkpoint.append("x", Tensor([nan, -.nan, .signalingNaN]))
        let decoded = try Safetensors.decode(Safetensors.encode(checkpoint), source: "memory")
        XCTAssertEqual(decoded.tensors["x"]?.data.map(\.bitPattern), checkpoint.tensors["x"]?.data.map(\.bitPattern))
    }

    func testHeaderIsAlignedAndLooksLikeTheReference() throws {
        for count in 0..<10 {
            var checkpoint = Checkpoint()
            for i in 0..<count { checkpoint.append(String(repeating: "n", count: i + 1), Tensor([Float(i)])) }
            let bytes = Safetensors.encode(checkpoint)
            let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            XCTAssertEqual(length % 8, 0, "header of \(count) tensors")
            XCTAssertEqual((8 + length) % 8, 0)
            XCTAssertEqual(bytes.count, 8 + length + 4 * count)
            let header = bytes[8..<(8 + length)]
            // Padding is spaces after the closing brace, as the reference writes it.
            let text = String(decoding: header, as: UTF8.self)
            XCTAssertTrue(text.hasPrefix("{"))
            XCTAssertEqual(text.trimmingCharacters(in: .whitespaces).last, "}")
            XCTAssertLessThan(text.count - text.trimmingCharacters(in: .whitespaces).count, 8)
        }
    }

    func testHeaderIsValidJSONWithTheExpectedFields() throws {
        let bytes = Safetensors.encode(sampleCheckpoint())
        let length = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        let weight = try XCTUnwrap(object["0.weight"] as? [String: Any])
        XCTAssertEqual(weight["dtype"] as? String, "F32")
        XCTAssertEqual(weight["shape"] as? [Int], [2, 1, 3, 3])
        XCTAssertEqual(weight["data_offsets"] as? [Int], [0, 72])
        let scalar = try XCTUnwrap(object["4.num_batches_tracked"] as? [String: Any])
        XCTAssertEqual(scalar["shape"] as? [Int], [])
        XCTAssertEqual((object["__metadata__"] as? [String: String])?["nota"], sampleCheckpoint().metadata["nota"])
        XCTAssertNotNil(object["名前 \"quoted\"\n"])
    }

    func testEmptyCheckpoint() throws {
        let bytes = Safetensors.encode(Checkpoint())
        XCTAssertEqual(bytes, rawFile("{}      "))
        let decoded = try Safetensors.decode(bytes, source: "empty")
        XCTAssertTrue(decoded.tensors.isEmpty)
        XCTAssertTrue(decoded.metadata.isEmpty)
    }

    func testOrderDecidesWritingOrder() throws {
        var checkpoint = Checkpoint(tensors: ["a": Tensor([1]), "b": Tensor([2]), "c": Tensor([3]), "d": Tensor([4])],
                                    order: ["c", "zzz", "a", "c"])
        XCTAssertEqual(checkpoint.orderedNames, ["c", "a", "b", "d"])
        let decoded = try Safetensors.decode(Safetensors.encode(checkpoint), source: "memory")
        XCTAssertEqual(decoded.order, ["c", "a", "b", "d"])
        checkpoint.append("a", Tensor([5]))  // replacing keeps its place
        XCTAssertEqual(checkpoint.order, ["c", "zzz", "a", "c"])
        XCTAssertEqual(checkpoint["a"], Tensor([5]))
    }

    /// Reading keeps the byte buffer's order, whatever the order of the header's keys.
    func testDecodedOrderFollowsTheBuffer() throws {
        let header = "{" + entry("second", shape: "[1]", offsets: "[4,8]") + ","
            + "\"__metadata__\":null," + entry("first", shape: "[1]", offsets: "[0,4]") + ","
            + entry("nothing", shape: "[0]", offsets: "[8,8]") + "}"
        let decoded = try Safetensors.decode(rawFile(header, data: floatBytes([1, 2])), source: "x")
        XCTAssertEqual(decoded.order, ["first", "second", "nothing"])
        XCTAssertEqual(decoded["first"], Tensor([1]))
        XCTAssertEqual(decoded["second"], Tensor([2]))
        XCTAssertEqual(decoded["nothing"], Tensor(shape: [0], data: []))
        XCTAssertEqual(decoded.metadata, [:])
    }

    func testReaderAcceptsWhatTheFormatAllows() throws {
        // Whitespace and padding, escapes, extra fields, no metadata, a scalar.
        let header = " {\n \"a\\u00f1o\\\"\" : { \"shape\" : [ ] , \"data_offsets\" : [ 0 , 4 ], \"dtype\":\"F32\","
            + " \"extra\": {\"ignored\": [1.5e3, true, null]} } ,"
            + "\"__metadata__\": {\"k\\n\": \"v\\ud83d\\ude00\"} }   "
        let decoded = try Safetensors.decode(rawFile(header, data: floatBytes([42])), source: "x")
        XCTAssertEqual(decoded["año\""], Tensor(shape: [], data: [42]))
        XCTAssertEqual(decoded.metadata, ["k\n": "v😀"])
    }

    func testWriteAndReadFile() throws {
        let folder = try temporaryDirectory(self)
        let url = folder.appendingPathComponent("model.safetensors")
        try Safetensors.write(sampleCheckpoint(), to: url)
        let read = try Safetensors.read(from: url)
        XCTAssertEqual(read, sampleCheckpoint())
        XCTAssertEqual(read.source, url.path)
        XCTAssertEqual(try Data(contentsOf: url), Data(Safetensors.encode(sampleCheckpoint())))
        // Overwriting replaces the file and leaves no temporary files behind.
        var smaller = Checkpoint()
        smaller.append("only", Tensor([1, 2]))
        try Safetensors.write(smaller, to: url)
        XCTAssertEqual(try Safetensors.read(from: url), smaller)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["model.safetensors"])
    }

    func testFailedWriteKeepsTheOldFile() throws {
        let folder = try temporaryDirectory(self)
        let missing = folder.appendingPathComponent("no-such-dir/model.safetensors")
        XCTAssertThrowsError(try Safetensors.write(sampleCheckpoint(), to: missing)) { error in
            guard let error = error as? CheckpointError, case .cannotWrite = error.problem else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(error.file, missing.path)
            XCTAssertTrue(error.description.contains(missing.path), error.description)
        }
        // A tensor named __metadata__ cannot be written; the existing file stays as it was.
        let url = folder.appendingPathComponent("model.safetensors")
        try Safetensors.write(sampleCheckpoint(), to: url)
        var bad = Checkpoint()
        bad.append("__metadata__", Tensor([1]))
        XCTAssertThrowsError(try Safetensors.write(bad, to: url)) { error in
            XCTAssertEqual((error as? CheckpointError)?.problem, .reservedName)
        }
        XCTAssertEqual(try Safetensors.read(from: url), sampleCheckpoint())
        // A directory in the way.
        XCTAssertThrowsError(try Safetensors.write(sampleCheckpoint(), to: folder)) { error in
            XCTAssertEqual((error as? CheckpointError)?.problem, .isDirectory)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["model.safetensors"])
    }

    func testReadErrorsNameTheFile() throws {
        let folder = try temporaryDirectory(self)
        let missing = folder.appendingPathComponent("missing.safetensors")
        XCTAssertThrowsError(try Safetensors.read(from: missing)) { error in
            XCTAssertEqual(error as? CheckpointError, CheckpointError(file: missing.path, .notFound))
            XCTAssertEqual("\(error)", "\(missing.path): no such file")
        }
        XCTAssertThrowsError(try Safetensors.read(from: folder)) { error in
            XCTAssertEqual((error as? CheckpointError)?.problem, .isDirectory)
        }
        let short = folder.appendingPathComponent("short.safetensors")
        try Data([1, 2, 3, 4]).write(to: short)
        XCTAssertThrowsError(try Safetensors.read(from: short)) { error in
            XCTAssertEqual(error as? CheckpointError, CheckpointError(file: short.path, .tooShort(size: 4)))
        }
    }

    func testRequireTensor() throws {
        var checkpoint = Checkpoint()
        checkpoint.append("0.weight", Tensor(zeros: [10, 1, 5, 5]))
        checkpoint.append("0.bias", Tensor(zeros: [10]))
        XCTAssertEqual(try checkpoint.requireTensor("0.bias", shape: [10]), Tensor(zeros: [10]))

        XCTAssertThrowsError(try checkpoint.requireTensor("conv.weight", shape: [20, 1, 5, 5])) { error in
            let error = error as? CheckpointError
            XCTAssertEqual(error?.problem, .missingTensor(name: "conv.weight", available: ["0.weight", "0.bias"]))
            XCTAssertEqual(error?.description, "missing tensor conv.weight (the checkpoint has 2: 0.weight, 0.bias)")
            XCTAssertEqual(error?.message(spanish: true), "falta el tensor conv.weight (el checkpoint tiene 2: 0.weight, 0.bias)")
        }
        XCTAssertThrowsError(try checkpoint.requireTensor("0.weight", shape: [20, 1, 5, 5])) { error in
            let error = error as? CheckpointError
            XCTAssertEqual(error?.description, "tensor 0.weight has shape [10,1,5,5], the model needs [20,1,5,5]")
            XCTAssertEqual(error?.message(spanish: true),
                           "el tensor 0.weight tiene forma [10,1,5,5] y el modelo necesita [20,1,5,5]")
        }
        // Read from a file, the errors name it.
        let read = try Safetensors.decode(Safetensors.encode(checkpoint), source: "model.safetensors")
        XCTAssertThrowsError(try read.requireTensor("x", shape: [])) { error in
            XCTAssertTrue("\(error)".hasPrefix("model.safetensors: missing tensor x"), "\(error)")
        }
        XCTAssertThrowsError(try Checkpoint().requireTensor("x", shape: [1])) { error in
            XCTAssertEqual("\(error)", "missing tensor x (the checkpoint has no tensors)")
        }
    }
}
