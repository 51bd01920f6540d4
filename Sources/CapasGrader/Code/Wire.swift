// What crosses the sandbox's boundary, both ways.
//
// Inputs (a file the harness reads; inputs only, never an expected value):
//
//     "CAPI" u32 version=1, u32 cases
//     per case: u32 arguments; per argument a u8 tag then
//         'T' tensor: u32 rank, rank × i64 dims, product × f32
//         'I' integer: i64
//         'F' number: f64 (the harness hands the learner a Float)
//         'N' nil (an absent optional tensor)
//
// Outputs (the harness writes them on descriptor 3, the private channel):
//
//     "CAPO" u32 cases
//     per case: 'B' u32 index                     — the case starts
//               'R' u32 index, u32 rank, rank × i64 dims, u64 count, count × f32
//     'E' u32 cases                               — every case returned
//     'T' u32 signal, u64 image base, u32 frames, frames × u64 — a crash's return addresses
//
// All little-endian. The grader trusts none of it: every length is checked
// against what arrived, and only a complete, well-formed record of every
// case counts.

import Foundation

/// One argument of a learner's function.
public enum CodeArgument: Sendable, Equatable {
    case tensor(Numbers)
    case integer(Int)
    case scalar(Double)
    case none

    var numbers: Numbers? { if case let .tensor(n) = self { return n } else { return nil } }
    var integer: Int? { if case let .integer(i) = self { return i } else { return nil } }
    var scalar: Double? { if case let .scalar(x) = self { return x } else { return nil } }
}

/// One call of the learner's function.
public struct CodeCase: Sendable {
    public var arguments: [CodeArgument]
    /// Shown in feedback ("5×5 input, 3×3 kernel, stride 2").
    public var summary: Bilingual
    public init(arguments: [CodeArgument], summary: Bilingual) { self.arguments = arguments; self.summary = summary }
}

enum Wire {
    static func encodeInputs(_ cases: [CodeCase]) -> [UInt8] {
        var out: [UInt8] = Array("CAPI".utf8)
        append(UInt32(1), to: &out)
        append(UInt32(cases.count), to: &out)
        for item in cases {
            append(UInt32(item.arguments.count), to: &out)
            for argument in item.arguments {
                switch argument {
                case let .tensor(numbers):
                    out.append(UInt8(ascii: "T"))
                    append(UInt32(numbers.shape.count), to: &out)
                    for dim in numbers.shape { append(Int64(dim), to: &out) }
                    for value in numbers.values { append(Float(value).bitPattern, to: &out) }
                case let .integer(value):
                    out.append(UInt8(ascii: "I"))
                    append(Int64(value), to: &out)
                case let .scalar(value):
                    out.append(UInt8(ascii: "F"))
                    append(value.bitPattern, to: &out)
                case .none:
                    out.append(UInt8(ascii: "N"))
                }
            }
        }
        return out
    }

    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// What the channel held, as far as it was well formed.
    struct Outputs {
        /// The outputs of the cases that returned, in order.
        var results: [Numbers] = []
        /// The case that had started when the channel ended (nil if none).
        var running: Int?
        /// The `E` record arrived after every case.
        var complete = false
        /// The first thing wrong with the bytes, if any.
        var problem: Bilingual?
        /// A crash's return addresses, relative to the executable's base.
        var trace: [UInt64] = []
        var traceSignal: Int32?
    }

    static func decodeOutputs(_ bytes: [UInt8], expectedCases: Int) -> Outputs {
        var reader = Reader(bytes: bytes)
        var outputs = Outputs()
        func fail(_ es: String, _ en: String) -> Outputs {
            outputs.problem = Bilingual(es: es + " (el descriptor 3 es solo del corrector: no escribas en él ni lo cierres)",
                                        en: en + " (descriptor 3 belongs to the grader: do not write to it or close it)")
            return outputs
        }
        guard bytes.count >= 8 else {
            return bytes.isEmpty ? fail("el canal de resultados está vacío", "the result channel is empty")
                                 : fail("el canal de resultados se cortó en la cabecera", "the result channel ended inside its header")
        }
        guard Array(bytes[0..<4]) == Array("CAPO".utf8), let count = reader.u32(at: 4), Int(count) == expectedCases else {
            return fail("el canal de resultados no empieza como debe",
                        "the result channel does not start as it should")
        }
        reader.position = 8
        while !reader.atEnd {
            guard let tag = reader.u8() else { break }
            switch tag {
            case UInt8(ascii: "B"):
                guard let index = reader.u32(), Int(index) == outputs.results.count, outputs.running == nil,
                      !outputs.complete else {
                    return fail("registro de inicio de caso fuera de orden", "case start record out of order")
                }
                outputs.running = Int(index)
            case UInt8(ascii: "R"):
                guard let index = reader.u32(), Int(index) == outputs.results.count, outputs.running == Int(index),
                      let rank = reader.u32(), rank <= 8 else {
                    return fail("registro de resultado fuera de orden o mal formado", "result record out of order or malformed")
                }
                var shape: [Int] = []
                var product = 1
                for _ in 0..<rank {
                    guard let dim = reader.i64(), dim >= 0, dim < 1 << 31 else {
                        return fail("registro de resultado con una forma imposible", "result record with an impossible shape")
                    }
                    shape.append(Int(dim))
                    product = product.multipliedReportingOverflow(by: Int(dim)).overflow ? Int.max : product * Int(dim)
                }
                guard let count = reader.u64(), UInt64(product) == count, product <= reader.remaining / 4 else {
                    return fail("registro de resultado truncado o con la cuenta equivocada",
                                "result record truncated or with the wrong count")
                }
                var values: [Double] = []
                values.reserveCapacity(product)
                for _ in 0..<product { values.append(Double(Float(bitPattern: reader.u32()!))) }
                outputs.results.append(Numbers(shape: shape, values: values))
                outputs.running = nil
            case UInt8(ascii: "E"):
                guard let count = reader.u32(), Int(count) == expectedCases, outputs.results.count == expectedCases,
                      outputs.running == nil else {
                    return fail("registro final antes de tiempo", "end record too early")
                }
                outputs.complete = true
            case UInt8(ascii: "T"):
                guard let signal = reader.u32(), let base = reader.u64(), let frames = reader.u32(), frames <= 256 else {
                    return outputs   // a crash report cut short: the crash itself is what matters
                }
                var trace: [UInt64] = []
                for _ in 0..<frames {
                    guard let address = reader.u64() else { break }
                    trace.append(address &- base)
                }
                outputs.traceSignal = Int32(bitPattern: signal)
                outputs.trace = trace
                return outputs
            default:
                return fail("byte inesperado en el canal de resultados", "unexpected byte on the result channel")
            }
        }
        if !outputs.complete && outputs.problem == nil && reader.position < bytes.count {
            return fail("el canal de resultados se cortó a mitad de un registro", "the result channel ended inside a record")
        }
        return outputs
    }

    struct Reader {
        let bytes: [UInt8]
        var position = 0
        var atEnd: Bool { position >= bytes.count }
        var remaining: Int { bytes.count - position }

        func u32(at offset: Int) -> UInt32? {
            guard offset + 4 <= bytes.count else { return nil }
            return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
        }
        mutating func u8() -> UInt8? {
            guard position < bytes.count else { return nil }
            defer { position += 1 }
            return bytes[position]
        }
        mutating func u32() -> UInt32? {
            guard let value = u32(at: position) else { position = bytes.count + 1; return nil }
            position += 4
            return value
        }
        mutating func u64() -> UInt64? {
            guard let low = u32(), let high = u32() else { return nil }
            return UInt64(low) | UInt64(high) << 32
        }
        mutating func i64() -> Int64? { u64().map { Int64(bitPattern: $0) } }
    }
}
