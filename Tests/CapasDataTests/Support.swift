import CapasMessages
@testable import CapasData
import Foundation
import XCTest

/// A test case with its own temporary folder, removed afterwards.
class FolderTestCase: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("capas-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Writes `bytes` to `name` inside the folder (creating subfolders).
    @discardableResult
    func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url
    }

    /// The names in a folder, sorted.
    func contents(_ url: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}

/// The `DataError` thrown by `body`, or nil (failing the test) when none or another error is thrown.
func dataError(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) -> DataError? {
    do {
        try body()
        XCTFail("no error thrown", file: file, line: line)
    } catch let error as DataError {
        // Both languages name the file.
        XCTAssertTrue(error.message(in: .en).contains(error.file), file: file, line: line)
        XCTAssertTrue(error.message(in: .es).contains(error.file), file: file, line: line)
        return error
    } catch {
        XCTFail("not a DataError: \(error)", file: file, line: line)
    }
    return nil
}

/// Writers for the formats under test, so files can be made byte by byte.
enum Make {
    static func word(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    static func idxImages(_ pixels: [UInt8], count: Int, rows: Int, columns: Int) -> [UInt8] {
        word(2051) + word(UInt32(count)) + word(UInt32(rows)) + word(UInt32(columns)) + pixels
    }

    static func idxLabels(_ labels: [UInt8]) -> [UInt8] { word(2049) + word(UInt32(labels.count)) + labels }

    /// CIFAR-10 records: a label byte, then the image's 3,072 bytes.
    static func cifar(images: [UInt8], labels: [UInt8]) -> [UInt8] {
        precondition(images.count == labels.count * 3072)
        var out: [UInt8] = []
        for (i, label) in labels.enumerated() { out += [label] + images[(i * 3072)..<((i + 1) * 3072)] }
        return out
    }

    /// A ustar archive; `type` is the entry's type flag ("0" file, "5" folder, "2" symlink…).
    static func tar(_ entries: [(path: String, contents: [UInt8])], type: Character = "0") -> [UInt8] {
        var out: [UInt8] = []
        for (path, contents) in entries {
            out += tarHeader(path: path, size: contents.count, type: type)
            out += contents + [UInt8](repeating: 0, count: (512 - contents.count % 512) % 512)
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }

    static func tarHeader(path: String, size: Int, type: Character) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) { for (i, b) in text.utf8.enumerated() { header[offset + i] = b } }
        func octal(_ value: Int, width: Int) -> String {
            let digits = String(value, radix: 8)
            return String(repeating: "0", count: width - 1 - digits.count) + digits
        }
        put(String(path.prefix(100)), at: 0)
        put(octal(0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)
        put(String(type), at: 156)
        put("ustar", at: 257)
        put("00", at: 263)
        put("        ", at: 148)
        let sum = header.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7), at: 148)
        header[155] = 0x20
        return header
    }
}
