import CapasMessages
@testable import CapasData
import Foundation
import XCTest

final class MD5Tests: XCTestCase {
    func testRFC1321Vectors() {
        // RFC 1321, appendix A.5.
        let vectors = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
            ("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
             "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (text, digest) in vectors { XCTAssertEqual(MD5.hex(Array(text.utf8)), digest, text) }
    }

    func testPaddingBoundariesAndStreaming() {
        // Lengths around the 56- and 64-byte padding boundaries (values from Python's hashlib).
        let expected = [55: "ef1772b6dff9a122358552954ad0df65", 56: "3b0c8ac703f828b04c6c197006d17218",
                        63: "b06521f39153d618550606be297466d5", 64: "014842d480b571495a4a0363793f7367",
                        65: "c743a45e0d2e6a95cb859adae0248435", 128: "e510683b3f5ffe4093d021808bc6ff70"]
        for (n, digest) in expected { XCTAssertEqual(MD5.hex([UInt8](repeating: 0x61, count: n)), digest, "\(n)") }

        // Fed in uneven pieces, the digest is the same.
        let bytes = (0..<100_000).map { UInt8($0 % 251) }
        var md5 = MD5(), start = 0, piece = 1
        while start < bytes.count {
            let end = min(bytes.count, start + piece)
            md5.update(Array(bytes[start..<end]))
            start = end
            piece = piece * 3 % 97 + 1
        }
        XCTAssertEqual(md5.finalize(), "28cb595c158e9b74e34ae9e8da710fff")
        XCTAssertEqual(MD5.hex([UInt8](repeating: 0x61, count: 1_000_000)), "7707d6ae4e027c70eea2a935c2296f21")
    }
}

final class FetchTests: FolderTestCase {
    /// A CIFAR-10 archive like the official one: a folder of six batch files of one record each.
    func cifarArchive(label: UInt8 = 5) -> [UInt8] {
        let records = Make.cifar(images: [UInt8](repeating: 7, count: 3072), labels: [label])
        let files = (CIFAR10.trainFiles + CIFAR10.testFiles).map { (path: "cifar-10-batches-bin/" + $0, contents: records) }
        return Gzip.compress(Array(Make.tar([(path: "cifar-10-batches-bin", contents: [])], type: "5").dropLast(1024)) + Make.tar(files))
    }

    /// A transport that serves `bytes` for any URL and counts its calls.
    final class FakeServer: @unchecked Sendable {
        var bytes: [UInt8]
        var calls = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        var transport: Fetcher.Transport {
            { _, destination, progress in
                self.calls += 1
                try Data(self.bytes).write(to: destination)
                progress(Int64(self.bytes.count), Int64(self.bytes.count))
            }
        }
    }

    func testPublishedChecksums() {
        XCTAssertEqual(Fetcher.remotes(.cifar10), [Fetcher.Remote(url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                                                                  md5: "c32a1d4ab5d03f1284b67883e8d87530")])
        XCTAssertEqual(Fetcher.remotes(.fashionMNIST).map(\.md5), ["8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
                                                                   "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83fd310"])
        XCTAssertEqual(Fetcher.remotes(.fashionMNIST).map(\.fileName),
                       FashionMNIST.allFileNames.map { $0 + ".gz" })
    }

    func testVerify() throws {
        let url = try write(Array("abc".utf8), "abc.txt")
        XCTAssertNoThrow(try Fetcher.verify(file: url, md5: "900150983CD24FB0D6963F7D28E17F72"))
        let e = try XCTUnwrap(dataError { try Fetcher.verify(file: url, md5: "0123456789abcdef0123456789abcdef") })
        XCTAssertEqual(e.problem, .checksumMismatch(expected: "0123456789abcdef0123456789abcdef",
                                                    actual: "900150983cd24fb0d6963f7d28e17f72", removed: false))
        XCTAssertTrue(e.message(in: .en).contains("expected 0123456789abcdef0123456789abcdef, got 900150983cd24fb0d6963f7d28e17f72"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), "verify alone leaves the file")
        XCTAssertEqual(dataError { try Fetcher.verify(file: self.folder.appendingPathComponent("none"), md5: "") }?.problem, .missing)
    }

    func testChecksumMismatchLeavesNothingBehind() throws {
        let archive = cifarArchive()
        let server = FakeServer(archive)
        let e = try XCTUnwrap(dataError { _ = try Fetcher.fetch(.cifar10, into: self.folder, transport: server.transport) })
        XCTAssertEqual(e.problem, .checksumMismatch(expected: "c32a1d4ab5d03f1284b67883e8d87530", actual: MD5.hex(archive), removed: true))
        XCTAssertEqual(e.file, "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz")
        XCTAssertTrue(e.message(in: .en).contains("the download was deleted"))
        XCTAssertTrue(e.message(in: .es).contains("la descarga se borró"))
        XCTAssertEqual(try contents(folder.appendingPathComponent("cifar10")), [])
    }

    func testFailedTransferLeavesNothingBehind() throws {
        let failing: Fetcher.Transport = { url, destination, _ in
            try Data([1, 2, 3]).write(to: destination)  // a partial file, then a failure
            throw DataError(.download("connection reset"), file: url.absoluteString)
        }
        let e = try XCTUnwrap(dataError { _ = try Fetcher.fetch(.fashionMNIST, into: self.folder, transport: failing) })
        XCTAssertEqual(e.problem, .download("connection reset"))
        XCTAssertEqual(try contents(folder.appendingPathComponent("fashion-mnist")), [])
    }

    func testFetchVerifiesExtractsAndKeepsGoodFiles() throws {
        let archive = cifarArchive()
        let server = FakeServer(archive)
        let remote = Fetcher.Remote(url: "https://example.invalid/cifar-10-binary.tar.gz", md5: MD5.hex(archive))
        var lines: [String] = [], progress: [Int64] = []
        func fetch() throws -> URL {
            try Fetcher.fetch(.cifar10, remotes: [remote], into: folder, transport: server.transport,
                              log: { lines.append($0) }, progress: { _, done, _ in progress.append(done) })
        }
        let target = try fetch()
        XCTAssertEqual(target.path, folder.appendingPathComponent("cifar10").path)
        XCTAssertEqual(try contents(target), ["cifar-10-batches-bin", "cifar-10-binary.tar.gz"])
        XCTAssertEqual(try contents(target.appendingPathComponent("cifar-10-batches-bin")), (CIFAR10.trainFiles + CIFAR10.testFiles).sorted())
        XCTAssertEqual(try CIFAR10.load(split: .train, from: target).labels, [5, 5, 5, 5, 5])
        XCTAssertEqual(progress.last, Int64(archive.count))
        XCTAssertEqual(DataLocator(explicit: folder.path, environment: ["HOME": "/nonexistent"]).locate(.cifar10)?.path,
                       target.appendingPathComponent("cifar-10-batches-bin").path)

        // A second fetch finds the archive with the right sum and downloads nothing.
        _ = try fetch()
        XCTAssertEqual(server.calls, 1)
        XCTAssertTrue(lines.contains { $0.contains("already here") })

        // A damaged archive is downloaded again.
        try write([0], "cifar10/cifar-10-binary.tar.gz")
        _ = try fetch()
        XCTAssertEqual(server.calls, 2)
        XCTAssertEqual(try Fetcher.md5(of: target.appendingPathComponent("cifar-10-binary.tar.gz")), remote.md5)
    }
}

final class TarTests: FolderTestCase {
    func testExtractsFilesAndFolders() throws {
        let tar = Make.tar([(path: "top", contents: [])], type: "5").dropLast(1024)
            + Make.tar([(path: "top/a.bin", contents: Array(0..<200)), (path: "./top/sub/b.bin", contents: []),
                        (path: "c.bin", contents: [UInt8](repeating: 9, count: 1024))])
        let written = try Tar.extract(Array(tar), into: folder, file: "test.tar")
        XCTAssertEqual(written.map(\.lastPathComponent), ["a.bin", "b.bin", "c.bin"])
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("top/a.bin")), Data(Array(0..<200)))
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("top/sub/b.bin")).count, 0)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("c.bin")).count, 1024)
    }

    func testStreamedInAnyPieces() throws {
        let tar = Make.tar([(path: "x/one", contents: Array(repeating: 1, count: 700)), (path: "x/two", contents: Array(0..<255))])
        var extractor = TarExtractor(directory: folder, file: "pieces.tar")
        var start = 0, piece = 1
        while start < tar.count {
            let end = min(tar.count, start + piece)
            try Array(tar[start..<end]).withUnsafeBytes { try extractor.consume($0) }
            start = end
            piece = piece * 7 % 601 + 1
        }
        XCTAssertEqual(try extractor.finish().count, 2)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("x/two")), Data(Array(0..<255)))
        XCTAssertEqual(try contents(folder.appendingPathComponent("x")), ["one", "two"], "no .part files left")
    }

    func testPathTraversalIsRefused() throws {
        let inside = folder.appendingPathComponent("inside")
        try FileManager.default.createDirectory(at: inside, withIntermediateDirectories: true)
        for path in ["../escape.txt", "ok/../../escape.txt", "/tmp/capas-escape-\(UUID().uuidString)"] {
            let tar = Make.tar([(path: path, contents: [1, 2, 3])])
            let e = try XCTUnwrap(dataError { try Tar.extract(tar, into: inside, file: "evil.tar") })
            XCTAssertEqual(e.problem, .unsafeArchivePath(path))
            XCTAssertTrue(e.message(in: .en).contains("unsafe path"))
            XCTAssertFalse(FileManager.default.fileExists(atPath: path.hasPrefix("/") ? path : folder.appendingPathComponent("escape.txt").path))
        }
        XCTAssertEqual(try contents(inside), [])
    }

    func testLinksAreNotCreated() throws {
        let tar = Make.tar([(path: "link", contents: [])], type: "2")
        XCTAssertEqual(try Tar.extract(tar, into: folder, file: "links.tar"), [])
        XCTAssertEqual(try contents(folder), [])
    }

    func testDamagedArchives() throws {
        let good = Make.tar([(path: "data.bin", contents: Array(repeating: 4, count: 1000))])
        // Cut inside the data: the half-written file is removed.
        let cut = try XCTUnwrap(dataError { try Tar.extract(Array(good.prefix(900)), into: self.folder, file: "cut.tar") })
        XCTAssertEqual(cut.problem, .corruptArchive("it ends inside `data.bin`, 612 bytes short"))
        XCTAssertEqual(try contents(folder), [])
        // A damaged header fails its checksum.
        var bad = good
        bad[130] = UInt8(ascii: "7")
        guard case .corruptArchive = dataError({ try Tar.extract(bad, into: self.folder, file: "bad.tar") })?.problem else {
            return XCTFail()
        }
        // Cut inside a header.
        guard case .corruptArchive = dataError({ try Tar.extract(Array(good.prefix(100)), into: self.folder, file: "h.tar") })?.problem
        else { return XCTFail() }
    }

    func testExtractGzipFromFile() throws {
        let tar = Make.tar([(path: "d/big.bin", contents: (0..<300_000).map { UInt8(truncatingIfNeeded: $0 / 7) })])
        let archive = try write(Gzip.compress(tar), "a.tar.gz")
        let out = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        XCTAssertEqual(try Tar.extractGzip(archive, into: out).count, 1)
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("d/big.bin")).count, 300_000)
        let truncated = try write(Array(Gzip.compress(tar).prefix(200)), "t.tar.gz")
        XCTAssertNotNil(dataError { try Tar.extractGzip(truncated, into: out) })
    }
}
