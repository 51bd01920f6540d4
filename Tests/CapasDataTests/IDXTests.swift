import CapasMessages
@testable import CapasData
import Foundation
import XCTest

final class IDXTests: FolderTestCase {
    /// A tiny FashionMNIST folder: 3 training and 2 test images of 2×3 pixels.
    func writeFashion(gzip: Bool, in subfolder: String = "") throws {
        let prefix = subfolder.isEmpty ? "" : subfolder + "/", suffix = gzip ? ".gz" : ""
        func pack(_ b: [UInt8]) -> [UInt8] { gzip ? Gzip.compress(b) : b }
        try write(pack(Make.idxImages(Array(0..<18), count: 3, rows: 2, columns: 3)), prefix + "train-images-idx3-ubyte" + suffix)
        try write(pack(Make.idxLabels([4, 0, 9])), prefix + "train-labels-idx1-ubyte" + suffix)
        try write(pack(Make.idxImages(Array(100..<112), count: 2, rows: 2, columns: 3)), prefix + "t10k-images-idx3-ubyte" + suffix)
        try write(pack(Make.idxLabels([1, 2])), prefix + "t10k-labels-idx1-ubyte" + suffix)
    }

    func testRawAndGzipFilesReadTheSame() throws {
        for gzip in [false, true] {
            try writeFashion(gzip: gzip)
            let train = try FashionMNIST.load(split: .train, from: folder)
            XCTAssertEqual(train.name, "fashion-mnist")
            XCTAssertEqual(train.count, 3)
            XCTAssertEqual([train.channels, train.height, train.width], [1, 2, 3])
            XCTAssertEqual(train.images, Array(0..<18))
            XCTAssertEqual(train.labels, [4, 0, 9])
            let test = try FashionMNIST.load(split: .test, from: folder)
            XCTAssertEqual(test.images, Array(100..<112))
            XCTAssertEqual(test.labels, [1, 2])
            for name in try contents(folder) { try FileManager.default.removeItem(at: folder.appendingPathComponent(name)) }
        }
    }

    func testGzipIsDetectedByContentNotName() throws {
        let gzipped = try write(Gzip.compress(Make.idxLabels([7, 8])), "labels-without-gz-suffix")
        XCTAssertEqual(try IDX.readLabels(gzipped), [7, 8])
        let plain = try write(Make.idxLabels([3]), "labels.gz")
        XCTAssertEqual(try IDX.readLabels(plain), [3])
    }

    func testGzipLargeAndMultiMember() throws {
        // Larger than the inflater's output buffer, and two members back to back (as `cat a.gz b.gz` makes).
        let pixels = (0..<600_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) }
        let whole = Make.idxImages(pixels, count: 6000, rows: 10, columns: 10)
        let url = try write(Gzip.compress(Array(whole[..<1000])) + Gzip.compress(Array(whole[1000...])), "two-members")
        let read = try IDX.readImages(url)
        XCTAssertEqual(read.count, 6000)
        XCTAssertEqual(read.pixels, pixels)
        var streamed: [UInt8] = []
        try Gzip.decompress(file: url) { streamed += $0 }
        XCTAssertEqual(streamed, whole)
    }

    func testWrongMagicSaysExpectedAndFound() throws {
        let labels = try write(Make.idxLabels([1, 2]), "labels-as-images")
        let e = try XCTUnwrap(dataError { _ = try IDX.readImages(labels) })
        XCTAssertEqual(e.problem, .wrongMagic(expected: 2051, found: 2049))
        XCTAssertEqual(e.file, labels.path)
        XCTAssertTrue(e.message(in: .en).contains("expected 2051"))
        XCTAssertTrue(e.message(in: .en).contains("Is this an IDX images file?"))
        XCTAssertTrue(e.message(in: .es).contains("¿Es un archivo IDX de imágenes?"))

        let text = try write(Array("hello, world\n".utf8), "notes.txt")
        XCTAssertEqual(dataError { _ = try IDX.readLabels(text) }?.problem, .wrongMagic(expected: 2049, found: 0x6865_6C6C))
    }

    func testTruncatedAndOverlongFiles() throws {
        let short = try write(Array(Make.idxImages(Array(0..<18), count: 3, rows: 2, columns: 3).dropLast(5)), "short")
        let e = try XCTUnwrap(dataError { _ = try IDX.readImages(short) })
        XCTAssertEqual(e.problem, .sizeMismatch(.idxImages(count: 3, rows: 2, columns: 3), expectedBytes: 18, actualBytes: 13))
        XCTAssertTrue(e.message(in: .en).contains("truncated: the header says 3 images of 2×3 = 18 bytes, but only 13"), e.message(in: .en))
        XCTAssertTrue(e.message(in: .es).contains("truncado"))

        let long = try write(Make.idxLabels([1, 2]) + [9, 9, 9], "long")
        let extra = try XCTUnwrap(dataError { _ = try IDX.readLabels(long) })
        XCTAssertEqual(extra.problem, .sizeMismatch(.idxLabels(count: 2), expectedBytes: 2, actualBytes: 5))
        XCTAssertTrue(extra.message(in: .en).contains("3 too many"))

        let tiny = try write([0, 0, 8], "tiny")
        XCTAssertEqual(dataError { _ = try IDX.readLabels(tiny) }?.problem,
                       .sizeMismatch(.idxHeader(bytes: 8), expectedBytes: 8, actualBytes: 3))
        let empty = try write([], "empty")
        XCTAssertNotNil(dataError { _ = try IDX.readImages(empty) })
    }

    func testHostileHeadersDoNotCrash() throws {
        // 2^32−1 images of (2^32−1)×(2^32−1): the product overflows.
        let huge = try write(Make.word(2051) + Make.word(.max) + Make.word(.max) + Make.word(.max) + [1, 2, 3], "huge")
        guard case .badDimensions = dataError({ _ = try IDX.readImages(huge) })?.problem else { return XCTFail() }
        let zero = try write(Make.idxImages([], count: 5, rows: 0, columns: 28), "zero")
        guard case .badDimensions = dataError({ _ = try IDX.readImages(zero) })?.problem else { return XCTFail() }
        let many = try write(Make.word(2049) + Make.word(.max), "many-labels")
        XCTAssertEqual(dataError { _ = try IDX.readLabels(many) }?.problem,
                       .sizeMismatch(.idxLabels(count: Int(UInt32.max)), expectedBytes: Int(UInt32.max), actualBytes: 0))
    }

    func testCorruptGzip() throws {
        let compressed = Gzip.compress(Make.idxLabels(Array(repeating: 3, count: 100)))
        let cut = try write(Array(compressed.prefix(compressed.count / 2)), "cut.gz")
        let e = try XCTUnwrap(dataError { _ = try IDX.readLabels(cut) })
        guard case .corruptGzip = e.problem else { return XCTFail("\(e)") }
        XCTAssertTrue(e.message(in: .en).contains("corrupt gzip"))
        XCTAssertTrue(e.message(in: .es).contains("gzip dañado"))

        var flipped = compressed
        for i in 10..<min(30, flipped.count - 8) { flipped[i] ^= 0xA5 }
        let garbled = try write(flipped, "garbled.gz")
        guard case .corruptGzip = dataError({ _ = try IDX.readLabels(garbled) })?.problem else { return XCTFail() }

        let header = try write([0x1F, 0x8B], "magic-only.gz")
        guard case .corruptGzip = dataError({ _ = try IDX.readLabels(header) })?.problem else { return XCTFail() }
    }

    func testMissingFilesAndFolders() throws {
        let missing = folder.appendingPathComponent("nothing")
        let e = try XCTUnwrap(dataError { _ = try IDX.readLabels(missing) })
        XCTAssertEqual(e.problem, .missing)
        XCTAssertEqual(e.file, missing.path)
        XCTAssertTrue(e.message(in: .en).hasSuffix("no such file"))
        XCTAssertTrue(e.message(in: .es).hasSuffix("el archivo no existe"))

        guard case .unreadable = dataError({ _ = try IDX.readLabels(self.folder) })?.problem else { return XCTFail() }

        let load = try XCTUnwrap(dataError { _ = try FashionMNIST.load(split: .test, from: self.folder) })
        XCTAssertEqual(load.problem, .missing)
        XCTAssertTrue(load.file.hasSuffix("t10k-images-idx3-ubyte(.gz)"))
    }

    func testLabelsMustMatchImagesAndClasses() throws {
        try writeFashion(gzip: false)
        let labels = try write(Make.idxLabels([1, 2, 3]), "t10k-labels-idx1-ubyte")
        let e = try XCTUnwrap(dataError { _ = try FashionMNIST.load(split: .test, from: self.folder) })
        XCTAssertEqual(e.problem, .countMismatch(images: 2, labels: 3, imagesFile: folder.appendingPathComponent("t10k-images-idx3-ubyte").path))
        XCTAssertEqual(e.file, labels.path)

        try write(Make.idxLabels([1, 10]), "t10k-labels-idx1-ubyte")
        let range = try XCTUnwrap(dataError { _ = try FashionMNIST.load(split: .test, from: self.folder) })
        XCTAssertEqual(range.problem, .labelOutOfRange(index: 1, label: 10, classes: 10))
        XCTAssertTrue(range.message(in: .en).contains("item 1 has label 10, outside 0…9"))
    }

    func testClassNamesInBothLanguages() throws {
        try writeFashion(gzip: true)
        let train = try FashionMNIST.load(split: .train, from: folder)
        XCTAssertEqual(train.classNames(in: .en).first, "T-shirt/top")
        XCTAssertEqual(train.classNames(in: .en).last, "Ankle boot")
        XCTAssertEqual(train.classNames(in: .es)[1], "Pantalón")
        XCTAssertEqual(train.classNames(in: .es).count, 10)
        let sub = train.subset([2, 0])
        XCTAssertEqual(sub.labels, [9, 4])
        XCTAssertEqual(sub.images, Array(12..<18) + Array(0..<6))
        XCTAssertEqual(sub.classNames(in: .es), FashionMNIST.spanishClassNames)
    }

    func testRealFashionMNISTWhenInstalled() throws {
        let system = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")
        guard FashionMNIST.isPresent(in: system) else { throw XCTSkip("dataset-fashion-mnist is not installed") }
        let test = try FashionMNIST.load(split: .test, from: system)
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual([test.channels, test.height, test.width], [1, 28, 28])
        XCTAssertEqual(test.images.count, 10_000 * 784)
        var histogram = [Int](repeating: 0, count: 10)
        for label in test.labels { histogram[Int(label)] += 1 }
        XCTAssertEqual(histogram, [Int](repeating: 1000, count: 10))
    }
}
