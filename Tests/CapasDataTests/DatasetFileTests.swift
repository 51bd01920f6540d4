import CapasCore
import CapasMessages
@testable import CapasData
import Foundation
import XCTest

final class DatasetFileTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("capas-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    func dataError(_ body: () throws -> Void) -> DataError? {
        do { try body(); return nil } catch let e as DataError { return e } catch { return nil }
    }

    /// A tiny FashionMNIST folder: 3 training and 2 test images of 2×3 pixels.
    func writeFashion(gzip: Bool) throws {
        let suffix = gzip ? ".gz" : ""
        func pack(_ b: [UInt8]) -> [UInt8] { gzip ? Gzip.compress(b) : b }
        _ = try write(pack(IDX.encodeImages(Array(0..<18), count: 3, rows: 2, columns: 3)), "train-images-idx3-ubyte" + suffix)
        _ = try write(pack(IDX.encodeLabels([4, 0, 9])), "train-labels-idx1-ubyte" + suffix)
        _ = try write(pack(IDX.encodeImages(Array(100..<112), count: 2, rows: 2, columns: 3)), "t10k-images-idx3-ubyte" + suffix)
        _ = try write(pack(IDX.encodeLabels([1, 2])), "t10k-labels-idx1-ubyte" + suffix)
    }

    func testIDXRawAndGzipReadTheSame() throws {
        for gzip in [false, true] {
            try writeFashion(gzip: gzip)
            let train = try FashionMNIST.load(split: .train, from: folder)
            XCTAssertEqual(train.count, 3)
            XCTAssertEqual([train.channels, train.height, train.width], [1, 2, 3])
            XCTAssertEqual(train.images, Array(0..<18))
            XCTAssertEqual(train.labels, [4, 0, 9])
            XCTAssertEqual(try FashionMNIST.load(split: .test, from: folder).labels, [1, 2])
            for f in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
                try FileManager.default.removeItem(at: folder.appendingPathComponent(f))
            }
        }
    }

    func testBadIDXFilesNameTheFileAndTheProblem() throws {
        let wrongMagic = try write(IDX.encodeLabels([1, 2]), "images")
        var e = try XCTUnwrap(dataError { _ = try IDX.readImages(wrongMagic) })
        XCTAssertEqual(e.problem, .wrongMagic(expected: 2051, found: 2049))
        XCTAssertTrue(e.message(in: .en).contains(wrongMagic.path))
        XCTAssertTrue(e.message(in: .es).contains("número mágico"))

        let truncated = try write(Array(IDX.encodeImages(Array(0..<18), count: 3, rows: 2, columns: 3).dropLast(5)), "short")
        e = try XCTUnwrap(dataError { _ = try IDX.readImages(truncated) })
        XCTAssertEqual(e.problem, .truncated(expectedBytes: 18, actualBytes: 13))
        XCTAssertTrue(e.message(in: .en).contains("truncated"))

        let corrupt = try write(Array(Gzip.compress(IDX.encodeLabels([1, 2, 3])).prefix(12)), "labels.gz")
        e = try XCTUnwrap(dataError { _ = try IDX.readLabels(corrupt) })
        guard case .corruptGzip = e.problem else { return XCTFail("\(e)") }
        XCTAssertTrue(e.message(in: .en).contains(corrupt.path))

        let missing = folder.appendingPathComponent("nothing")
        XCTAssertEqual(dataError { _ = try IDX.readLabels(missing) }?.problem, .missing)

        let tiny = try write([0, 0], "tiny")
        XCTAssertEqual(dataError { _ = try IDX.readLabels(tiny) }?.problem, .truncated(expectedBytes: 8, actualBytes: 2))
    }

    func testCIFARReaderOnGeneratedFiles() throws {
        // 7 records per file with known pixels and labels.
        var allLabels: [UInt8] = []
        for (index, name) in (CIFAR10.trainFiles + CIFAR10.testFiles).enumerated() {
            let labels = (0..<7).map { UInt8(($0 + index) % 10) }
            let images = (0..<(7 * 3072)).map { UInt8(truncatingIfNeeded: $0 &+ index) }
            _ = try write(CIFAR10.encode(images: images, labels: labels), name)
            if index < 5 { allLabels += labels }
        }
        let train = try CIFAR10.load(split: .train, from: folder)
        XCTAssertEqual(train.count, 35)
        XCTAssertEqual(train.labels, allLabels)
        XCTAssertEqual([train.channels, train.height, train.width], [3, 32, 32])
        // Record 0 of batch 2 (index 1): pixel (channel 1, row 0, column 5) is byte 1024 + 5 of its image.
        XCTAssertEqual(train.images[7 * 3072 + 1024 + 5], UInt8(truncatingIfNeeded: 1024 + 5 + 1))
        XCTAssertEqual(try CIFAR10.load(split: .test, from: folder).count, 7)
        XCTAssertNotNil(DataLocator(explicit: folder.path, environment: [:]).locate(.cifar10))

        let truncated = try write(Array(CIFAR10.encode(images: [UInt8](repeating: 0, count: 3072), labels: [3]).dropLast()), "test_batch.bin")
        XCTAssertEqual(dataError { _ = try CIFAR10.readBatch(truncated) }?.problem, .truncated(expectedBytes: 3073, actualBytes: 3072))
        let badLabel = try write(CIFAR10.encode(images: [UInt8](repeating: 0, count: 6144), labels: [3, 12]), "bad.bin")
        let e = try XCTUnwrap(dataError { _ = try CIFAR10.readBatch(badLabel) })
        XCTAssertEqual(e.problem, .labelOutOfRange(index: 1, label: 12, classes: 10))
        XCTAssertTrue(e.message(in: .en).contains("bad.bin"))
    }

    func testLocatorOrder() throws {
        try writeFashion(gzip: true)
        let env = ["CAPAS_DATA": "/nonexistent/capas-data", "HOME": "/nonexistent/home"]
        let locator = DataLocator(explicit: folder.path, environment: env)
        XCTAssertEqual(locator.bases.map(\.path), [folder.path, "/nonexistent/capas-data", "/nonexistent/home/.cache/capas", "/usr/share/datasets"])
        XCTAssertEqual(locator.locate(.fashionMNIST)?.path, folder.path)
        // CAPAS_DATA with a fashion-mnist subfolder is found when no folder is given.
        let sub = folder.appendingPathComponent("fashion-mnist")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        for f in try FileManager.default.contentsOfDirectory(atPath: folder.path) where f.hasSuffix(".gz") {
            try FileManager.default.moveItem(at: folder.appendingPathComponent(f), to: sub.appendingPathComponent(f))
        }
        XCTAssertEqual(DataLocator(environment: ["CAPAS_DATA": folder.path, "HOME": "/nonexistent"]).locate(.fashionMNIST)?.path, sub.path)
        let nowhere = DataLocator(explicit: "/nonexistent/a", environment: ["HOME": "/nonexistent"])
        if nowhere.locate(.cifar10) == nil {
            let e = try XCTUnwrap(dataError { _ = try nowhere.require(.cifar10) })
            XCTAssertTrue(e.message(in: .en).contains("/nonexistent/a"))
            XCTAssertTrue(e.message(in: .en).contains("capas data fetch cifar10"))
        }
    }

    func testMD5KnownAnswers() {
        // RFC 1321, appendix A.5.
        XCTAssertEqual(MD5.hex([]), "d41d8cd98f00b204e9800998ecf8427e")
        XCTAssertEqual(MD5.hex(Array("a".utf8)), "0cc175b9c0f1b6a831c399e269772661")
        XCTAssertEqual(MD5.hex(Array("abc".utf8)), "900150983cd24fb0d6963f7d28e17f72")
        XCTAssertEqual(MD5.hex(Array("message digest".utf8)), "f96b697d7cb7938d525a2f31aaf161d0")
        XCTAssertEqual(MD5.hex(Array("12345678901234567890123456789012345678901234567890123456789012345678901234567890".utf8)),
                       "57edf4a22be3c955ac49da2e2107b67a")
        var streaming = MD5()
        streaming.update(Array("message ".utf8))
        streaming.update(Array("digest".utf8))
        XCTAssertEqual(streaming.finalize(), "f96b697d7cb7938d525a2f31aaf161d0")
    }

    func testFetchVerifiesChecksumsAndExtractsWithoutNetwork() throws {
        // A CIFAR-10 archive built here, served by a fake transport.
        let records = CIFAR10.encode(images: [UInt8](repeating: 7, count: 3072), labels: [5])
        let files = (CIFAR10.trainFiles + CIFAR10.testFiles).map { (path: "cifar-10-batches-bin/" + $0, contents: records) }
        let archive = Gzip.compress(Tar.archive(files))
        let goodSum = MD5.hex(archive)
        XCTAssertEqual(Fetcher.remotes(.cifar10).first?.md5, "c32a1d4ab5d03f1284b67883e8d87530")

        // Wrong checksum: error with both sums, nothing left behind.
        let e = try XCTUnwrap(dataError { _ = try Fetcher.fetch(.cifar10, into: self.folder, transport: { _, _ in archive }) })
        XCTAssertEqual(e.problem, .checksumMismatch(expected: "c32a1d4ab5d03f1284b67883e8d87530", actual: goodSum))
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("cifar10").path)
        XCTAssertEqual(left, [])

        // The verification itself and the extraction, on local files.
        let saved = try write(archive, "cifar.tar.gz")
        XCTAssertNoThrow(try Fetcher.verify(file: saved, md5: goodSum))
        let written = try Tar.extract(try Gzip.decompress(archive, file: saved.path), into: folder, file: saved.path)
        XCTAssertEqual(written.count, 6)
        XCTAssertEqual(try CIFAR10.load(split: .train, from: folder).labels, [5, 5, 5, 5, 5])

        // An archive that tries to escape its folder is refused.
        let evil = Tar.archive([(path: "../escape.txt", contents: [1, 2, 3])])
        XCTAssertEqual(dataError { _ = try Tar.extract(evil, into: self.folder, file: "evil.tar") }?.problem, .unsafeArchivePath("../escape.txt"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.deletingLastPathComponent().appendingPathComponent("escape.txt").path))
    }

    func testLoaderShufflesBySeedAndCoversEveryImage() throws {
        let n = 10
        let dataset = Dataset(name: "t", images: (0..<(n * 4)).map { UInt8($0 * 6 % 256) }, labels: (0..<n).map { UInt8($0 % 10) },
                              channels: 1, height: 2, width: 2, classNames: (0..<10).map(String.init))
        let loader = Loader(dataset: dataset, batchSize: 4, shuffle: true, seed: 3)
        let batches = Array(loader.epoch(1))
        XCTAssertEqual(batches.map(\.labels.count), [4, 4, 2])
        XCTAssertEqual(batches.flatMap(\.indices).sorted(), Array(0..<n))
        XCTAssertEqual(loader.order(epoch: 1), Loader(dataset: dataset, batchSize: 4, shuffle: true, seed: 3).order(epoch: 1))
        XCTAssertNotEqual(loader.order(epoch: 1), loader.order(epoch: 2))
        XCTAssertNotEqual(loader.order(epoch: 1), Loader(dataset: dataset, batchSize: 4, shuffle: true, seed: 4).order(epoch: 1))
        let first = batches[0]
        XCTAssertEqual(first.images.shape, [4, 1, 2, 2])
        let i = first.indices[0]
        XCTAssertEqual(first.images.data[0], Float(dataset.images[i * 4]) / 255, accuracy: 1e-7)
        XCTAssertEqual(first.labels[0], Int(dataset.labels[i]))
        let standardized = Loader(dataset: dataset, batchSize: 1, shuffle: false, seed: 0,
                                  normalization: .standardize(mean: [0.5], std: [0.25])).makeBatch([1])
        XCTAssertEqual(standardized.images.data[0], (Float(dataset.images[4]) / 255 - 0.5) / 0.25, accuracy: 1e-5)
    }

    func testFlipAndShiftMoveKnownPixels() throws {
        // One 1×5×5 image whose pixel at (y, x) is 10·y + x + 1.
        let pixels: [UInt8] = (0..<25).map { (i: Int) -> UInt8 in UInt8(10 * (i / 5) + i % 5 + 1) }
        let dataset = Dataset(name: "t", images: pixels, labels: [0], channels: 1, height: 5, width: 5, classNames: ["a"])
        let loader = Loader(dataset: dataset, batchSize: 1, shuffle: false, seed: 0, augmentation: .flipAndShift)
        var sawFlip = false, sawShift = false
        for seed in 0..<64 as Range<UInt64> {
            let image = loader.makeBatch([0], augmentSeed: seed).images.data.map { Int(($0 * 255).rounded()) }
            // Every output pixel is either zero or some input pixel of the same row shifted, mirrored or not.
            let nonzero = image.filter { $0 != 0 }
            XCTAssertGreaterThanOrEqual(nonzero.count, 9)   // at most 2 of 5 rows and columns shift out
            XCTAssertTrue(nonzero.allSatisfy { pixels.contains(UInt8($0)) })
            if image[0] != 1 { sawShift = sawShift || image.contains(0) }
            if let a = image.firstIndex(of: 11), let b = image.firstIndex(of: 12), a > b { sawFlip = true }
        }
        XCTAssertTrue(sawFlip)
        XCTAssertTrue(sawShift)
    }

    func testRealFashionMNISTWhenInstalled() throws {
        let folder = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")
        guard FashionMNIST.isPresent(in: folder) else { throw XCTSkip("dataset-fashion-mnist is not installed") }
        let test = try FashionMNIST.load(split: .test, from: folder)
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual([test.height, test.width], [28, 28])
        var histogram = [Int](repeating: 0, count: 10)
        for label in test.labels { histogram[Int(label)] += 1 }
        XCTAssertEqual(histogram, [Int](repeating: 1000, count: 10))
    }
}
