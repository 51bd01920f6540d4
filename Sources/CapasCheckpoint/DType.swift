// The element types of a safetensors file, and their conversion to Float.

extension Safetensors {
    /// A safetensors element type, by its name in the header. capas keeps
    /// every tensor as Float32; reading converts the others (like PyTorch's
    /// `.float()`), writing always writes `F32`.
    public enum DType: String, CaseIterable, Sendable, Equatable {
        case f64 = "F64"
        case f32 = "F32"
        case f16 = "F16"
        case bf16 = "BF16"
        /// 8-bit float with 4 exponent bits, no infinities (PyTorch's `float8_e4m3fn`).
        case f8e4m3 = "F8_E4M3"
        /// 8-bit float with 5 exponent bits (PyTorch's `float8_e5m2`).
        case f8e5m2 = "F8_E5M2"
        case i64 = "I64"
        case i32 = "I32"
        case i16 = "I16"
        case i8 = "I8"
        case u64 = "U64"
        case u32 = "U32"
        case u16 = "U16"
        case u8 = "U8"
        /// One byte per element, 0 false and anything else true (read as 0 or 1).
        case bool = "BOOL"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .f64, .i64, .u64: return 8
            case .f32, .i32, .u32: return 4
            case .f16, .bf16, .i16, .u16: return 2
            case .f8e4m3, .f8e5m2, .i8, .u8, .bool: return 1
            }
        }

        /// The header names capas reads, for messages.
        static let supportedList = allCases.map(\.rawValue).joined(separator: ", ")
    }
}

extension Safetensors.DType {
    /// Converts `count` little-endian elements starting at `source` into `destination`.
    /// The caller guarantees that `source` holds `count * size` bytes.
    func convert(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>) {
        let count = destination.count
        precondition(source.count == count * size)
        @inline(__always) func u16(_ i: Int) -> UInt16 {
            UInt16(littleEndian: source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
        }
        @inline(__always) func u32(_ i: Int) -> UInt32 {
            UInt32(littleEndian: source.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
        }
        @inline(__always) func u64(_ i: Int) -> UInt64 {
            UInt64(littleEndian: source.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
        }
        switch self {
        case .f32:
            #if _endian(little)
            if count > 0, let base = destination.baseAddress, let from = source.baseAddress {
                UnsafeMutableRawPointer(base).copyMemory(from: from, byteCount: count * 4)
            }
            #else
            for i in 0..<count { destination[i] = Float(bitPattern: u32(i)) }
            #endif
        case .f64: for i in 0..<count { destination[i] = Float(Double(bitPattern: u64(i))) }
        case .f16: for i in 0..<count { destination[i] = Self.half(u16(i)) }
        case .bf16: for i in 0..<count { destination[i] = Float(bitPattern: UInt32(u16(i)) << 16) }
        case .f8e4m3: for i in 0..<count { destination[i] = Self.float8e4m3(source[i]) }
        case .f8e5m2: for i in 0..<count { destination[i] = Self.half(UInt16(source[i]) << 8) }
        case .i64: for i in 0..<count { destination[i] = Float(Int64(bitPattern: u64(i))) }
        case .i32: for i in 0..<count { destination[i] = Float(Int32(bitPattern: u32(i))) }
        case .i16: for i in 0..<count { destination[i] = Float(Int16(bitPattern: u16(i))) }
        case .i8: for i in 0..<count { destination[i] = Float(Int8(bitPattern: source[i])) }
        case .u64: for i in 0..<count { destination[i] = Float(u64(i)) }
        case .u32: for i in 0..<count { destination[i] = Float(u32(i)) }
        case .u16: for i in 0..<count { destination[i] = Float(u16(i)) }
        case .u8: for i in 0..<count { destination[i] = Float(source[i]) }
        case .bool: for i in 0..<count { destination[i] = source[i] == 0 ? 0 : 1 }
        }
    }

    /// IEEE 754 half precision to Float, exactly (written out rather than
    /// using `Float16`, which is missing on macOS x86_64).
    static func half(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits) & 0x3FF
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa · 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            // Infinity or NaN (the payload is kept).
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// float8 e4m3fn: bias 7, no infinities, S.1111.111 is NaN.
    static func float8e4m3(_ bits: UInt8) -> Float {
        let negative = bits & 0x80 != 0
        let exponent = Int((bits >> 3) & 0x0F)
        let mantissa = Float(bits & 0x07)
        let magnitude: Float
        if exponent == 0x0F && bits & 0x07 == 0x07 {
            return .nan
        } else if exponent == 0 {
            magnitude = mantissa * 0x1p-9  // (m/8) · 2^-6
        } else {
            magnitude = (1 + mantissa / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1)
        }
        return negative ? -magnitude : magnitude
    }
}
