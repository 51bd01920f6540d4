import CapasData
import CapasKernel
import XCTest

final class HMACTests: XCTestCase {
    func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = [], chars = Array(s)
        while chars.count >= 2 { out.append(UInt8(String(chars[0..<2]), radix: 16)!); chars.removeFirst(2) }
        return out
    }

    /// FIPS 180-4 (and its long-message example).
    func testSHA256Vectors() {
        XCTAssertEqual(hexString(SHA256.hash(Array("abc".utf8))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hexString(SHA256.hash([])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hexString(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(hexString(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Padding edges: 55, 56 and 64 bytes need one, two and two blocks.
    func testSHA256PaddingEdges() {
        // Hashing in pieces gives the same digest as at once.
        for n in [55, 56, 63, 64, 65, 119, 120] {
            let bytes = (0..<n).map { UInt8($0 % 251) }
            var h = SHA256()
            h.update(bytes[..<(n / 3)]); h.update(bytes[(n / 3)...])
            XCTAssertEqual(h.finish(), SHA256.hash(bytes), "\(n) bytes")
        }
        XCTAssertEqual(hexString(SHA256.hash([UInt8](repeating: 0x61, count: 56))),
                       "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
    }

    /// RFC 4231 test cases 1–4, 6 and 7 (case 5 truncates the output).
    func testRFC4231() {
        let cases: [([UInt8], [UInt8], String)] = [
            ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
             "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            (Array(1...25), [UInt8](repeating: 0xcd, count: 50),
             "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
            ([UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            ([UInt8](repeating: 0xaa, count: 131),
             Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
        ]
        for (i, (key, data, expected)) in cases.enumerated() {
            XCTAssertEqual(hexString(HMACSHA256(key: key).mac(data)), expected, "RFC 4231 case \(i + 1)")
        }
    }

    func testMACOfPartsIsMACOfTheirConcatenation() {
        let h = HMACSHA256(key: Array("secret".utf8))
        XCTAssertEqual(h.mac([Array("{\"a\":".utf8), Array("1}".utf8), []]), h.mac(Array("{\"a\":1}".utf8)))
        XCTAssertNotEqual(h.mac(Array("x".utf8)), HMACSHA256(key: Array("other".utf8)).mac(Array("x".utf8)))
    }
}
