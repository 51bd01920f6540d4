import CapasTraining
import Foundation
import XCTest

/// The text files CharText refuses, each with its own reason in both languages.
final class CharTextFileTests: XCTestCase {
    func testAFolderAndAnEmptyFileAreNamedAsSuch() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capas-chartext-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        XCTAssertThrowsError(try CharText.load(folder.path)) { error in
            let problem = error as? CharText.Problem
            XCTAssertEqual(problem?.kind, .folder)
            XCTAssertEqual(problem?.message(in: .en), "\(folder.path) is a folder: give a text file (UTF-8)")
            XCTAssertEqual(problem?.message(in: .es), "\(folder.path) es una carpeta: indica un archivo de texto (UTF-8)")
        }
        let empty = folder.appendingPathComponent("vacío.txt")
        XCTAssertTrue(FileManager.default.createFile(atPath: empty.path, contents: Data()))
        XCTAssertThrowsError(try CharText.load(empty.path)) { error in
            let problem = error as? CharText.Problem
            XCTAssertEqual(problem?.kind, .empty)
            XCTAssertEqual(problem?.message(in: .es), "\(empty.path) está vacío: no hay texto del que aprender")
        }
        XCTAssertThrowsError(try CharText.load(folder.appendingPathComponent("no.txt").path)) { error in
            XCTAssertEqual((error as? CharText.Problem)?.message(in: .en), "there is no text file \(folder.path)/no.txt")
        }
        let one = folder.appendingPathComponent("uno.txt")
        XCTAssertTrue(FileManager.default.createFile(atPath: one.path, contents: Data("ñ".utf8)))
        XCTAssertEqual(try CharText.load(one.path).vocabulary, ["ñ"])
    }
}
