import CapasCheckpoint
import CapasCore
import Foundation
import XCTest

/// Files that are broken or malicious: each must give its own precise error,
/// naming the file, and none may crash or allocate what the header claims.
final class HostileFileTests: XCTestCase {
    let eight = floatBytes([1, 2])  // 8 bytes of data

    func testTooShort() {
        assertProblem([], .tooShort(size: 0))
        assertProblem([1, 0, 0, 0], .tooShort(size: 4))
        assertProblem([0, 0, 0, 0, 0, 0, 0], .tooShort(size: 7))
    }

    func testHeaderLength() {
        assertProblem(rawFile("{}", declaredLength: 1 << 63), .oversizedHeader(length: 1 << 63, limit: 100_000_000))
        assertProblem(rawFile("{}", declaredLength: .max), .oversizedHeader(length: .max, limit: 100_000_000))
        assertProblem(rawFile("{}", declaredLength: 200_000_000),
                      .oversizedHeader(length: 200_000_000, limit: 100_000_000))
        assertProblem(rawFile("{}", data: [UInt8](repeating: 0, count: 18), declaredLength: 100),
                      .headerBeyondFile(length: 100, available: 20))
        assertProblem(rawFile("", declaredLength: 1), .headerBeyondFile(length: 1, available: 0))
        // The limit itself is allowed (and then this file is too short for it); one more is not.
        assertProblem(rawFile("{}", declaredLength: 100_000_000), .headerBeyondFile(length: 100_000_000, available: 2))
        assertProblem(rawFile("{}", declaredLength: 100_000_001),
                      .oversizedHeader(length: 100_000_001, limit: 100_000_000))
    }

    func testHeaderNotJSON() {
        assertProblem(rawFile("{not json}"), .headerNotJSON(offset: 1, problem: .unexpectedCharacter(UInt8(ascii: "n"))))
        assertProblem(rawFile(""), .headerNotJSON(offset: 0, problem: .unexpectedEnd))
        assertProblem(rawFile("        "), .headerNotJSON(offset: 8, problem: .unexpectedEnd))
        assertProblem(rawFile("{\"a\":{}"), .headerNotJSON(offset: 7, problem: .unexpectedEnd))
        assertProblem(rawFile("{} x"), .headerNotJSON(offset: 3, problem: .trailingContent))
        assertProblem(rawFile("{}\0\0"), .headerNotJSON(offset: 2, problem: .trailingContent))
        assertProblem(rawFile("{\"a\":01}"), .headerNotJSON(offset: 6, problem: .invalidNumber))
        assertProblem(rawFile("{\"a\":\"\\x\"}"), .headerNotJSON(offset: 6, problem: .invalidEscape))
        assertProblem(rawFile("{\"a\":\"\\ud800\"}"), .headerNotJSON(offset: 6, problem: .invalidUnicodeEscape))
        assertProblem(rawFile("{\"a\":\"\n\"}"), .headerNotJSON(offset: 6, problem: .controlCharacterInString))
        let deep = String(repeating: "[", count: 100_000)
        assertProblem(rawFile(deep), .headerNotJSON(offset: 64, problem: .tooDeep(limit: 64)))
        var bytes = rawFile("{\"a\":\"xx\"}")
        bytes[14] = 0xFF  // inside the string
        assertProblem(bytes, .headerNotUTF8(offset: 6))
    }

    func testHeaderNotObject() {
        assertProblem(rawFile("[1,2]"), .headerNotObject(found: .array))
        assertProblem(rawFile("\"text\""), .headerNotObject(found: .string))
        assertProblem(rawFile("null"), .headerNotObject(found: .null))
    }

    func testHugeOffsets() {
        assertProblem(rawFile("{" + entry("a", shape: "[2]", offsets: "[0,1000000000000000000]") + "}", data: eight),
                      .offsetsOutOfRange(tensor: "a", begin: 0, end: 1_000_000_000_000_000_000, bufferSize: 8))
        assertProblem(rawFile("{" + entry("a", shape: "[2]", offsets: "[0,100000000000000000000]") + "}", data: eight),
                      .numberTooLarge(tensor: "a", field: "data_offsets", text: "100000000000000000000"))
    }

    func testOffsetsBeyondBuffer() {
        let header = "{" + entry("a", shape: "[2]", offsets: "[0,8]") + "," + entry("b", shape: "[2]", offsets: "[16,24]") + "}"
        assertProblem(rawFile(header, data: eight), .offsetsOutOfRange(tensor: "b", begin: 16, end: 24, bufferSize: 8))
    }

    func testLengthDoesNotMatchShape() {
        assertProblem(rawFile("{" + entry("a", shape: "[3]", offsets: "[0,8]") + "}", data: eight),
                      .sizeMismatch(tensor: "a", dtype: "F32", shape: [3], expected: 12, actual: 8))
        assertProblem(rawFile("{" + entry("a", "I64", shape: "[2]", offsets: "[0,8]") + "}", data: eight),
                      .sizeMismatch(tensor: "a", dtype: "I64", shape: [2], expected: 16, actual: 8))
    }

    func testOverlappingOffsets() {
        let header = "{" + entry("a", shape: "[2]", offsets: "[0,8]") + "," + entry("b", shape: "[2]", offsets: "[4,12]") + "}"
        assertProblem(rawFile(header, data: floatBytes([1, 2, 3])),
                      .overlappingOffsets(tensor: "b", begin: 4, other: "a", otherEnd: 8))
        let same = "{" + entry("a", shape: "[2]", offsets: "[0,8]") + "," + entry("b", shape: "[2]", offsets: "[0,8]") + "}"
        assertProblem(rawFile(same, data: eight), .overlappingOffsets(tensor: "b", begin: 0, other: "a", otherEnd: 8))
    }

    func testGapsAndUncoveredBytes() {
        let header = "{" + entry("a", shape: "[2]", offsets: "[0,8]") + "," + entry("b", shape: "[2]", offsets: "[12,20]") + "}"
        assertProblem(rawFile(header, data: floatBytes([1, 2, 3, 4, 5])),
                      .gapBetweenTensors(previous: "a", next: "b", from: 8, to: 12))
        assertProblem(rawFile("{" + entry("a", shape: "[1]", offsets: "[4,8]") + "}", data: eight),
                      .gapBetweenTensors(previous: nil, next: "a", from: 0, to: 4))
        assertProblem(rawFile("{" + entry("a", shape: "[1]", offsets: "[0,4]") + "}", data: eight),
                      .trailingBytes(from: 4, bufferSize: 8))
        assertProblem(rawFile("{}", data: [0]), .trailingBytes(from: 0, bufferSize: 1))
        assertProblem(rawFile("{" + entry("a", shape: "[1]", offsets: "[8,4]") + "}", data: eight),
                      .reversedOffsets(tensor: "a", begin: 8, end: 4))
    }

    func testUnknownDType() {
        assertProblem(rawFile("{" + entry("a", "F8_E9", shape: "[2]", offsets: "[0,8]") + "}", data: eight),
                      .unknownDType(tensor: "a", dtype: "F8_E9"))
        assertProblem(rawFile("{" + entry("a", "f32", shape: "[2]", offsets: "[0,8]") + "}", data: eight),
                      .unknownDType(tensor: "a", dtype: "f32"))
    }

    func testBadShapes() {
        assertProblem(rawFile("{" + entry("a", shape: "[-1,2]", offsets: "[0,8]") + "}", data: eight),
                      .negativeDimension(tensor: "a", shape: [-1, 2]))
        assertProblem(rawFile("{" + entry("a", shape: "[4294967296,4294967296]", offsets: "[0,8]") + "}", data: eight),
                      .shapeOverflow(tensor: "a", shape: [4_294_967_296, 4_294_967_296]))
        // The element count fits but the byte count does not.
        assertProblem(rawFile("{" + entry("a", shape: "[4611686018427387904]", offsets: "[0,8]") + "}", data: eight),
                      .shapeOverflow(tensor: "a", shape: [4_611_686_018_427_387_904]))
        // Overflow before a zero still overflows (as in the reference's checked product).
        assertProblem(rawFile("{" + entry("a", shape: "[4294967296,4294967296,0]", offsets: "[0,0]") + "}"),
                      .shapeOverflow(tensor: "a", shape: [4_294_967_296, 4_294_967_296, 0]))
        assertProblem(rawFile("{" + entry("a", shape: "[2.0]", offsets: "[0,8]") + "}", data: eight),
                      .malformedField(tensor: "a", field: "shape", found: "[2.0]"))
        assertProblem(rawFile("{" + entry("a", shape: "\"2\"", offsets: "[0,8]") + "}", data: eight),
                      .malformedField(tensor: "a", field: "shape", found: "\"2\""))
        assertProblem(rawFile("{" + entry("a", shape: "[99999999999999999999]", offsets: "[0,8]") + "}", data: eight),
                      .numberTooLarge(tensor: "a", field: "shape", text: "99999999999999999999"))
    }

    func testMalformedEntries() {
        assertProblem(rawFile("{\"a\":[1]}"), .tensorNotObject(tensor: "a", found: .array))
        assertProblem(rawFile("{\"a\":{\"shape\":[],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]),
                      .missingField(tensor: "a", field: "dtype"))
        assertProblem(rawFile("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]),
                      .missingField(tensor: "a", field: "shape"))
        assertProblem(rawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[]}}", data: [0, 0, 0, 0]),
                      .missingField(tensor: "a", field: "data_offsets"))
        assertProblem(rawFile("{" + entry("a", shape: "[1]", offsets: "[0]") + "}", data: [0, 0, 0, 0]),
                      .malformedField(tensor: "a", field: "data_offsets", found: "[0]"))
        assertProblem(rawFile("{" + entry("a", shape: "[1]", offsets: "[-4,0]") + "}", data: [0, 0, 0, 0]),
                      .malformedField(tensor: "a", field: "data_offsets", found: "[-4,0]"))
        assertProblem(rawFile("{\"a\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]),
                      .malformedField(tensor: "a", field: "dtype", found: "32"))
        assertProblem(rawFile("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                              data: [0, 0, 0, 0]),
                      .duplicateField(tensor: "a", field: "dtype"))
    }

    func testDuplicateNames() {
        let header = "{" + entry("a", shape: "[1]", offsets: "[0,4]") + "," + entry("a", shape: "[1]", offsets: "[4,8]") + "}"
        assertProblem(rawFile(header, data: eight), .duplicateName("a"))
        assertProblem(rawFile("{\"__metadata__\":{},\"__metadata__\":{}}"), .duplicateName("__metadata__"))
    }

    func testBadMetadata() {
        assertProblem(rawFile("{\"__metadata__\":{\"epochs\":5}}"), .metadataNotString(key: "epochs", found: .number))
        assertProblem(rawFile("{\"__metadata__\":{\"a\":\"x\",\"b\":null}}"), .metadataNotString(key: "b", found: .null))
        assertProblem(rawFile("{\"__metadata__\":[\"x\"]}"), .metadataNotObject(found: .array))
        assertProblem(rawFile("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}"), .duplicateMetadataKey("k"))
    }

    func testTruncatedBuffer() {
        let bytes = Safetensors.encode(sampleCheckpoint())
        let dataSize = bytes.count - 8 - (Int(bytes[0]) | Int(bytes[1]) << 8)
        assertProblem(Array(bytes.dropLast(3)), .truncated(needed: dataSize, bufferSize: dataSize - 3))
        assertProblem(Array(bytes.dropLast(dataSize)), .truncated(needed: dataSize, bufferSize: 0))
        // Cut inside the header: the length now points past the end.
        let headerLength = bytes.count - 8 - dataSize
        assertProblem(Array(bytes.prefix(20)), .headerBeyondFile(length: UInt64(headerLength), available: 12))
    }

    func testMessagesAreSpecific() throws {
        let bytes = rawFile("{" + entry("conv.weight", shape: "[3]", offsets: "[0,8]") + "}", data: eight)
        XCTAssertThrowsError(try Safetensors.decode(bytes, source: "runs/x/model.safetensors")) { error in
            let error = error as? CheckpointError
            XCTAssertEqual(error?.message(spanish: false),
                           "runs/x/model.safetensors: tensor conv.weight (F32, shape [3]) needs 12 bytes but its data_offsets span 8")
            XCTAssertEqual(error?.message(spanish: true),
                           "runs/x/model.safetensors: el tensor conv.weight (F32, forma [3]) necesita 12 bytes y sus data_offsets abarcan 8")
        }
        XCTAssertThrowsError(try Safetensors.decode(rawFile("{}", declaredLength: 200_000_000), source: "big")) { error in
            XCTAssertEqual("\(error)", "big: oversized header: it declares 200000000 bytes and the limit is 100000000")
        }
        XCTAssertThrowsError(try Safetensors.decode(rawFile("{\"a\" 1}"), source: "f")) { error in
            XCTAssertEqual("\(error)", "f: the header is not valid JSON: unexpected character '1' (byte 5 of the header)")
        }
    }
}
