import CapasMessages
@testable import CapasData
import Foundation
import XCTest

final class CIFARTests: FolderTestCase {
    /// Pixel bytes of record `r` in file `f`: each byte says where it is.
    func pixels(file f: Int, record r: Int) -> [UInt8] {
        (0..<3072).map { UInt8(truncatingIfNeeded: $0 &+ 31 &* r &+ 97 &* f) }
    }

    /// Six batch files of 7 records each, in `subfolder`; returns the labels per file.
    @discardableResult
    func writeBatches(in subfolder: String = "") throws -> [[UInt8]] {
        var all: [[UInt8]] = []
        for (f, name) in (CIFAR10.trainFiles + CIFAR10.testFiles).enumerated() {
            let labels = (0..<7).map { UInt8(($0 * 3 + f) % 10) }
            let images = (0..<7).flatMap { pixels(file: f, record: $0) }
            try write(Make.cifar(images: images, labels: labels), subfolder.isEmpty ? name : subfolder + "/" + name)
            all.append(labels)
        }
        return all
    }

    func testReadsRecordsInOrder() throws {
        let labels = try writeBatches()
        let train = try CIFAR10.load(split: .train, from: folder)
        XCTAssertEqual(train.name, "cifar10")
        XCTAssertEqual(train.count, 35)
        XCTAssertEqual([train.channels, train.height, train.width], [3, 32, 32])
        XCTAssertEqual(train.labels, Array(labels[0..<5].joined()))
        // Image 9 is record 2 of data_batch_2.bin; its green pixel at row 4, column 5 is byte 1024 + 4·32 + 5.
        let offset = 1024 + 4 * 32 + 5
        XCTAssertEqual(train.images[9 * 3072 + offset], pixels(file: 1, record: 2)[offset])
        XCTAssertEqual(Array(train.images[(34 * 3072)...]), pixels(file: 4, record: 6))

        let test = try CIFAR10.load(split: .test, from: folder)
        XCTAssertEqual(test.labels, labels[5])
        XCTAssertEqual(test.classNames(in: .en)[0], "airplane")
        XCTAssertEqual(test.classNames(in: .es)[9], "camión")
    }

    func testAcceptsTheExtractedFolder() throws {
        try writeBatches(in: "cifar-10-batches-bin")
        XCTAssertEqual(try CIFAR10.load(split: .test, from: folder).count, 7)
        XCTAssertEqual(try CIFAR10.load(split: .train, from: folder).count, 35)
    }

    func testTruncatedFile() throws {
        try writeBatches()
        let name = "data_batch_3.bin"
        let full = try Data(contentsOf: folder.appendingPathComponent(name))
        let url = try write(Array(full.dropLast(100)), name)
        let e = try XCTUnwrap(dataError { _ = try CIFAR10.load(split: .train, from: self.folder) })
        XCTAssertEqual(e.file, url.path)
        XCTAssertEqual(e.problem, .sizeMismatch(.records(size: 3073), expectedBytes: 7 * 3073, actualBytes: 7 * 3073 - 100))
        XCTAssertTrue(e.message(in: .en).contains("not a whole number of 3073-byte records"), e.message(in: .en))
        XCTAssertTrue(e.message(in: .es).contains("truncado"))

        let empty = try write([], "empty.bin")
        XCTAssertTrue(try XCTUnwrap(dataError { _ = try CIFAR10.readBatch(empty) }).message(in: .en).contains("empty"))
    }

    func testBadLabelNamesFileAndRecord() throws {
        let images = [UInt8](repeating: 0, count: 3 * 3072)
        let url = try write(Make.cifar(images: images, labels: [3, 9, 12]), "bad.bin")
        let e = try XCTUnwrap(dataError { _ = try CIFAR10.readBatch(url) })
        XCTAssertEqual(e.problem, .labelOutOfRange(index: 2, label: 12, classes: 10))
        XCTAssertTrue(e.message(in: .en).contains("bad.bin: item 2 has label 12"))
        XCTAssertTrue(e.message(in: .es).contains("el elemento 2 tiene la etiqueta 12"))
    }

    func testMissingBatchesAreListed() throws {
        try writeBatches()
        for name in ["data_batch_2.bin", "data_batch_5.bin"] {
            try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
        let e = try XCTUnwrap(dataError { _ = try CIFAR10.load(split: .train, from: self.folder) })
        XCTAssertEqual(e.problem, .missingFiles(["data_batch_2.bin", "data_batch_5.bin"]))
        XCTAssertEqual(e.file, folder.path)
        XCTAssertTrue(e.message(in: .en).contains("missing data_batch_2.bin, data_batch_5.bin"))
        XCTAssertTrue(e.message(in: .es).contains("faltan data_batch_2.bin, data_batch_5.bin"))
        XCTAssertEqual(try CIFAR10.load(split: .test, from: folder).count, 7)
    }
}
