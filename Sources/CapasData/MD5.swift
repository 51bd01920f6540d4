/// MD5 (RFC 1321), for checking downloads against the published checksums.
/// Not for security: the datasets publish MD5 sums, so MD5 is what can be checked.
public struct MD5 {
    private var state: (UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476)
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    public init() {}

    private static let shifts: [UInt32] = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                           5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                                           4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                           6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21]
    private static let constants: [UInt32] = (0..<64).map { i in
        UInt32(truncatingIfNeeded: Int64((abs(sinDouble(Double(i + 1))) * 4_294_967_296.0).rounded(.down)))
    }

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            buffer.append(byte)
            length &+= 1
            if buffer.count == 64 { compress(buffer); buffer.removeAll(keepingCapacity: true) }
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        var start = 0
        length &+= UInt64(bytes.count)
        if !buffer.isEmpty {
            let take = min(64 - buffer.count, bytes.count)
            buffer += bytes[0..<take]
            start = take
            if buffer.count == 64 { compress(buffer); buffer.removeAll(keepingCapacity: true) }
        }
        while start + 64 <= bytes.count {
            compress(bytes[start..<(start + 64)])
            start += 64
        }
        buffer += bytes[start...]
    }

    public mutating func finalize() -> String {
        let bits = length &* 8
        var tail = buffer + [0x80]
        while tail.count % 64 != 56 { tail.append(0) }
        for i in 0..<8 { tail.append(UInt8((bits >> (8 * UInt64(i))) & 0xFF)) }
        var offset = 0
        while offset < tail.count { compress(tail[offset..<(offset + 64)]); offset += 64 }
        buffer = []
        var hex = ""
        for word in [state.0, state.1, state.2, state.3] {
            for i: UInt32 in 0..<4 { hex += format2hex(UInt8((word >> (8 * i)) & 0xFF)) }
        }
        return hex
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        var md5 = MD5()
        md5.update(bytes)
        return md5.finalize()
    }

    private mutating func compress(_ block: some Collection<UInt8>) {
        let b = Array(block)
        var m = [UInt32](repeating: 0, count: 16)
        for i in 0..<16 {
            m[i] = UInt32(b[4 * i]) | UInt32(b[4 * i + 1]) << 8 | UInt32(b[4 * i + 2]) << 16 | UInt32(b[4 * i + 3]) << 24
        }
        var (a, bb, c, d) = state
        for i in 0..<64 {
            var f: UInt32, g: Int
            switch i {
            case 0..<16: f = (bb & c) | (~bb & d); g = i
            case 16..<32: f = (d & bb) | (~d & c); g = (5 * i + 1) % 16
            case 32..<48: f = bb ^ c ^ d; g = (3 * i + 5) % 16
            default: f = c ^ (bb | ~d); g = (7 * i) % 16
            }
            f = f &+ a &+ MD5.constants[i] &+ m[g]
            a = d; d = c; c = bb
            bb = bb &+ ((f << MD5.shifts[i]) | (f >> (32 - MD5.shifts[i])))
        }
        state = (state.0 &+ a, state.1 &+ bb, state.2 &+ c, state.3 &+ d)
    }
}

private func format2hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}

#if canImport(Glibc)
import Glibc
private func sinDouble(_ x: Double) -> Double { Glibc.sin(x) }
#else
import Darwin
private func sinDouble(_ x: Double) -> Double { Darwin.sin(x) }
#endif
