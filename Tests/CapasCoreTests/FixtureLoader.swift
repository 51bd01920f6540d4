import CapasCore
import Foundation
import XCTest

// Reads the PyTorch fixtures written by Fixtures/make_fixtures.py
// (Fixtures/torch/*.json; the script's docstring describes the format).

/// A tensor as the fixtures store it: shape and row-major float32 data.
struct FixtureTensor: Decodable {
    let shape: [Int]
    let data: [Float]

    var tensor: Tensor { Tensor(shape: shape, data: data) }
}

/// A JSON value of a case's `params`.
enum JSONValue: Decodable, CustomStringConvertible {
    case bool(Bool), int(Int), double(Double), string(String), array([JSONValue]), object([String: JSONValue]), null

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let v = try? c.decode(Bool.self) { self = .bool(v); return }
        if let v = try? c.decode(Int.self) { self = .int(v); return }
        if let v = try? c.decode(Double.self) { self = .double(v); return }
        if let v = try? c.decode(String.self) { self = .string(v); return }
        if let v = try? c.decode([JSONValue].self) { self = .array(v); return }
        self = .object(try c.decode([String: JSONValue].self))
    }

    var description: String {
        switch self {
        case let .bool(v): return String(v)
        case let .int(v): return String(v)
        case let .double(v): return String(v)
        case let .string(v): return v
        case let .array(v): return "[" + v.map(\.description).joined(separator: ", ") + "]"
        case let .object(v): return "{" + v.map { "\($0): \($1)" }.sorted().joined(separator: ", ") + "}"
        case .null: return "null"
        }
    }
}

/// A case's configuration, with typed accessors that fail loudly.
struct FixtureParams: Decodable {
    let values: [String: JSONValue]

    init(from decoder: Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: JSONValue].self)
    }

    func value(_ key: String) -> JSONValue {
        guard let v = values[key] else { preconditionFailure("fixture params have no \(key): \(values)") }
        return v
    }
    func int(_ key: String) -> Int {
        guard case let .int(v) = value(key) else { preconditionFailure("\(key) is not an integer") }
        return v
    }
    func ints(_ key: String) -> [Int] {
        guard case let .array(a) = value(key) else { preconditionFailure("\(key) is not an array") }
        return a.map { element -> Int in
            guard case let .int(v) = element else { preconditionFailure("\(key) holds a non-integer") }
            return v
        }
    }
    func double(_ key: String) -> Double {
        switch value(key) {
        case let .double(v): return v
        case let .int(v): return Double(v)
        default: preconditionFailure("\(key) is not a number")
        }
    }
    func float(_ key: String) -> Float { Float(double(key)) }
    func bool(_ key: String) -> Bool {
        guard case let .bool(v) = value(key) else { preconditionFailure("\(key) is not a boolean") }
        return v
    }
    func string(_ key: String) -> String {
        guard case let .string(v) = value(key) else { preconditionFailure("\(key) is not a string") }
        return v
    }
    func has(_ key: String) -> Bool { values[key] != nil }
}

struct OptimizerStepRecord: Decodable {
    let grad: FixtureTensor
    let param: FixtureTensor
}

/// One recorded PyTorch computation.
struct FixtureCase: Decodable {
    let name: String
    let op: String
    let params: FixtureParams
    let inputs: [FixtureTensor]?
    let parameters: [String: FixtureTensor]?
    let buffers: [String: FixtureTensor]?
    let grad_output: FixtureTensor?
    let output: FixtureTensor?
    let grad_inputs: [FixtureTensor]?
    let grad_parameters: [String: FixtureTensor]?
    let buffers_after: [String: FixtureTensor]?
    let labels: [Int]?
    let initial: FixtureTensor?
    let steps: [OptimizerStepRecord]?
    /// The same computation in float64 (large_logits.json), as plain numbers.
    let output64: Reference64?
}

/// A float64 tensor from a fixture, kept in Double.
struct Reference64: Decodable {
    let shape: [Int]
    let data: [Double]
}

/// One fixture file: who wrote it, with which versions, and its cases.
struct FixtureFile: Decodable {
    let generator: String
    let torch_version: String
    let numpy_version: String
    let cases: [FixtureCase]

    func cases(op: String) -> [FixtureCase] { cases.filter { $0.op == op } }
}

enum Fixtures {
    /// Every file make_fixtures.py writes.
    static let fileNames = ["convolution", "winograd", "pooling", "linear", "activation", "batch_norm", "loss", "blocks", "optimizer",
                                 "pooling_count_pad", "large_logits"]

    nonisolated(unsafe) private static var cache: [String: FixtureFile] = [:]

    static var directory: URL {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            preconditionFailure("the Fixtures resource folder is missing from the test bundle")
        }
        return url
    }

    /// Fixtures/torch/<name>.json, decoded (once per test run).
    static func load(_ name: String) throws -> FixtureFile {
        if let file = cache[name] { return file }
        let url = directory.appendingPathComponent("torch").appendingPathComponent(name + ".json")
        let data = try Data(contentsOf: url)
        let file = try JSONDecoder().decode(FixtureFile.self, from: data)
        cache[name] = file
        return file
    }

    /// The cases of one op, failing the test when there are none (a fixture went missing).
    static func cases(_ file: String, op: String, atLeast minimum: Int = 1,
                      file sourceFile: StaticString = #filePath, line: UInt = #line) throws -> [FixtureCase] {
        let found = try load(file).cases(op: op)
        XCTAssertGreaterThanOrEqual(found.count, minimum, "\(file).json: expected at least \(minimum) \(op) cases",
                                    file: sourceFile, line: line)
        return found
    }
}
