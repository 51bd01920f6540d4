// A small, strict JSON reader and writer for safetensors headers.
//
// Why not JSONSerialization: the header comes from a file we do not trust,
// and the format forbids duplicate keys, which JSONSerialization silently
// merges. This parser keeps objects as ordered key/value lists (so duplicates
// are visible), keeps numbers as their text (so integers are read exactly and
// overflow is reported, not rounded), limits nesting depth (no stack overflow
// on "[[[[…"), and reports the byte offset of the first problem.

/// A parsed JSON value.
enum JSONValue {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// The number's text exactly as written (RFC 8259 grammar, already checked).
    case number(String)
    case bool(Bool)
    case null

    var kind: JSONKind {
        switch self {
        case .object: return .object
        case .array: return .array
        case .string: return .string
        case .number: return .number
        case .bool: return .bool
        case .null: return .null
        }
    }

    /// A short rendering for error messages (at most `limit` characters).
    func preview(limit: Int = 40) -> String {
        var text: String
        switch self {
        case .object(let members): text = members.isEmpty ? "{}" : "{…}"
        case .array(let items):
            text = "[" + items.prefix(8).map { $0.preview(limit: 12) }.joined(separator: ",")
                + (items.count > 8 ? ",…]" : "]")
        case .string(let s): text = JSONWriter.quoted(s)
        case .number(let n): text = n
        case .bool(let b): text = b ? "true" : "false"
        case .null: text = "null"
        }
        if text.count > limit { text = String(text.prefix(limit - 1)) + "…" }
        return text
    }
}

/// The kind of a JSON value, named in error messages.
public enum JSONKind: String, Sendable, Equatable {
    case object, array, string, number, bool, null
}

/// What is wrong with a header that is not valid JSON.
public enum JSONProblem: Equatable, Sendable {
    case unexpectedEnd
    /// A byte that cannot start or continue a value here (shown as a character when printable).
    case unexpectedCharacter(UInt8)
    case invalidEscape
    /// A `\u` escape that is malformed or a lone UTF-16 surrogate.
    case invalidUnicodeEscape
    /// A raw control character (below U+0020) inside a string.
    case controlCharacterInString
    case invalidNumber
    /// Arrays and objects nested deeper than `JSONParser.maxDepth`.
    case tooDeep(limit: Int)
    /// Something other than spaces after the top-level value.
    case trailingContent
}

struct JSONSyntaxError: Error {
    var offset: Int
    var problem: JSONProblem
}

/// Parses one JSON text from UTF-8 bytes. The caller has already checked
/// that the bytes are valid UTF-8.
struct JSONParser {
    static let maxDepth = 64

    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error(.trailingContent) }
        return value
    }

    private func error(_ problem: JSONProblem) -> JSONSyntaxError {
        JSONSyntaxError(offset: index, problem: problem)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard let c = current else { throw error(.unexpectedEnd) }
        guard c == byte else { throw error(.unexpectedCharacter(c)) }
        index += 1
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard let c = current else { throw error(.unexpectedEnd) }
        switch c {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        default: throw error(.unexpectedCharacter(c))
        }
    }

    private mutating func parseLiteral(_ word: StaticString) throws {
        let text = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for expected in text {
            guard let c = current else { throw error(.unexpectedEnd) }
            guard c == expected else { throw error(.unexpectedCharacter(c)) }
            index += 1
        }
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        guard depth <= JSONParser.maxDepth else { throw error(.tooDeep(limit: JSONParser.maxDepth)) }
        index += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard let c = current else { throw error(.unexpectedEnd) }
            guard c == UInt8(ascii: "\"") else { throw error(.unexpectedCharacter(c)) }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append((key, value))
            skipWhitespace()
            guard let next = current else { throw error(.unexpectedEnd) }
            index += 1
            if next == UInt8(ascii: ",") { continue }
            if next == UInt8(ascii: "}") { return .object(members) }
            index -= 1
            throw error(.unexpectedCharacter(next))
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        guard depth <= JSONParser.maxDepth else { throw error(.tooDeep(limit: JSONParser.maxDepth)) }
        index += 1  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            guard let next = current else { throw error(.unexpectedEnd) }
            index += 1
            if next == UInt8(ascii: ",") { continue }
            if next == UInt8(ascii: "]") { return .array(items) }
            index -= 1
            throw error(.unexpectedCharacter(next))
        }
    }

    private mutating func parseNumber() throws -> String {
        let start = index
        func digits() -> Int {
            let from = index
            while let c = current, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") { index += 1 }
            return index - from
        }
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current else { throw error(.unexpectedEnd) }
        if first == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            throw error(.invalidNumber)
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error(.invalidNumber) }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error(.invalidNumber) }
        }
        // A number followed directly by a letter or digit ("01", "1x") is malformed.
        if let c = current, c == UInt8(ascii: ".") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
            || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z")) {
            throw error(.invalidNumber)
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    private mutating func hex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let c = current else { throw error(.unexpectedEnd) }
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error(.invalidUnicodeEscape)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func parseString() throws -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        while let c = current, c != UInt8(ascii: "\""), c != UInt8(ascii: "\\") {
            guard c >= 0x20 else { throw error(.controlCharacterInString) }
            index += 1
        }
        guard let stop = current else { throw error(.unexpectedEnd) }
        if stop == UInt8(ascii: "\"") {
            index += 1
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(index - 1)]), as: UTF8.self)
        }
        var scratch = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while true {
            guard let c = current else { throw error(.unexpectedEnd) }
            switch c {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                guard let e = current else { throw error(.unexpectedEnd) }
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(e)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    let escapeStart = index - 2
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        // A high surrogate must be followed by \u and a low surrogate.
                        guard current == UInt8(ascii: "\\") else {
                            throw JSONSyntaxError(offset: escapeStart, problem: .invalidUnicodeEscape)
                        }
                        index += 1
                        guard current == UInt8(ascii: "u") else {
                            throw JSONSyntaxError(offset: escapeStart, problem: .invalidUnicodeEscape)
                        }
                        index += 1
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw JSONSyntaxError(offset: escapeStart, problem: .invalidUnicodeEscape)
                        }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(code) {
                        throw JSONSyntaxError(offset: escapeStart, problem: .invalidUnicodeEscape)
                    }
                    guard let scalar = Unicode.Scalar(code) else {
                        throw JSONSyntaxError(offset: escapeStart, problem: .invalidUnicodeEscape)
                    }
                    UTF8.encode(scalar) { scratch.append($0) }
                default:
                    throw JSONSyntaxError(offset: index - 2, problem: .invalidEscape)
                }
            default:
                guard c >= 0x20 else { throw error(.controlCharacterInString) }
                scratch.append(c)
                index += 1
            }
        }
    }
}

/// Writes JSON the way serde_json (and so the reference safetensors writer) does.
enum JSONWriter {
    /// `s` as a JSON string literal: quotes, backslashes and control characters
    /// escaped; everything else (including non-ASCII) written as UTF-8.
    static func quoted(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }
}
