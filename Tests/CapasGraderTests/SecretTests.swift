import CapasData
import XCTest
@testable import CapasGrader

final class SecretTests: XCTestCase {
    func testSHA256KnownDigests() {
        XCTAssertEqual(SHA256.hex(SHA256.hash(Array("abc".utf8))),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(SHA256.hash([])),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // Two blocks: FIPS 180-2 example.
        XCTAssertEqual(SHA256.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testHMACMatchesRFC4231() {
        // Test case 1.
        XCTAssertEqual(SHA256.hex(SHA256.hmac(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))),
                       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        // Test case 2.
        XCTAssertEqual(SHA256.hex(SHA256.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 6: a key longer than the block is hashed first.
        XCTAssertEqual(SHA256.hex(SHA256.hmac(key: [UInt8](repeating: 0xaa, count: 131),
                                              message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))),
                       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    func testSeedsDependOnEverySecretInput() {
        let secret = Array("a course secret of some length".utf8)
        let base = CourseSecret.seed(secret: secret, exercise: "e", learner: "ana")
        XCTAssertEqual(base, CourseSecret.seed(secret: secret, exercise: "e", learner: "ana"))
        XCTAssertNotEqual(base, CourseSecret.seed(secret: secret, exercise: "e", learner: "ane"))
        XCTAssertNotEqual(base, CourseSecret.seed(secret: secret, exercise: "f", learner: "ana"))
        XCTAssertNotEqual(base, CourseSecret.seed(secret: secret + [1], exercise: "e", learner: "ana"))
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        XCTAssertNotEqual(CourseSecret.seed(secret: secret, exercise: "ab", learner: "c"),
                          CourseSecret.seed(secret: secret, exercise: "a", learner: "bc"))
    }

    func testSplitMixIsUniformEnoughAndFixed() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        XCTAssertEqual((0..<5).map { _ in a.next() }, (0..<5).map { _ in b.next() })
        // SplitMix64's published first output for seed 0.
        var zero = SplitMix64(seed: 0)
        XCTAssertEqual(zero.next(), 0xe220a8397b1dcdaf)
        var counts = [Int](repeating: 0, count: 3)
        var g = SplitMix64(seed: 7)
        for _ in 0..<3000 { counts[g.int(in: 0...2)] += 1 }
        XCTAssertTrue(counts.allSatisfy { (900...1100).contains($0) }, "\(counts)")
    }

    func testShortSecretIsRejectedWithItsFile() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("secret")
        try Data("short\n".utf8).write(to: file)
        XCTAssertThrowsError(try CourseSecret.load(file)) { error in
            XCTAssertTrue((error as! GraderError).message.en.contains(file.path))
        }
    }
}
