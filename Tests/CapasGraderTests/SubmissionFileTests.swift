@testable import CapasGrader
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A submission whose trick is in the file system: links to decoys the test
/// makes (the "master solution", a course secret), /dev/zero, hard links,
/// FIFOs, folders in a file's place, an exercise folder that is a link.
/// Each is refused with a message naming the file, costs its own checks
/// only, never follows the link, and changes nothing on the other side.
final class SubmissionFileTests: XCTestCase {
    var root = URL(fileURLWithPath: "/")

    override func setUpWithError() throws {
        var template = Array((NSTemporaryDirectory() + "capas-links-XXXXXX").utf8CString)
        root = URL(fileURLWithPath: String(cString: try XCTUnwrap(mkdtemp(&template))))
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: root)
    }

    /// A decoy "master solution": the correct submission's file, mode 0600.
    func decoy() throws -> URL {
        let folder = root.appendingPathComponent("master")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("Conv2D.swift")
        try FileManager.default.copyItem(at: CodeSupport.submissions.appendingPathComponent("correct/Conv2D.swift"), to: file)
        chmod(file.path, 0o600)
        return file
    }

    func submission(_ name: String, make: (URL) throws -> Void) throws -> URL {
        let folder = root.appendingPathComponent("submissions").appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try make(folder.appendingPathComponent("Conv2D.swift"))
        return folder
    }

    func assertRefused(_ folder: URL, saying text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let rubric = try CodeHostileTests.testRubric()
        let started = Date()
        let report = try CodeSupport.grade(folder, rubric: rubric)
        XCTAssertLessThan(Date().timeIntervalSince(started), 60, "took too long: a FIFO or device was waited on?", file: file, line: line)
        XCTAssertEqual(report.points, 0, report.summary, file: file, line: line)
        for check in report.checks {
            XCTAssertEqual(check.status, .notGradable, "\(check.id): \(check.feedback.en)", file: file, line: line)
            XCTAssertTrue(check.feedback.en.contains(text), "\(check.id): \(check.feedback.en) lacks \(text)", file: file, line: line)
            XCTAssertFalse(check.feedback.es.isEmpty, file: file, line: line)
        }
    }

    func testSymbolicLinkToTheMasterSolutionIsRefused() throws {
        let master = try decoy()
        let folder = try submission("link_to_master") { try FileManager.default.createSymbolicLink(at: $0, withDestinationURL: master) }
        try assertRefused(folder, saying: "is a symbolic link")
        // Nothing was done through the link: the decoy keeps its mode.
        var info = stat()
        XCTAssertEqual(stat(master.path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
    }

    func testSymbolicLinkToDevZeroIsRefused() throws {
        let folder = try submission("link_to_zero") { try FileManager.default.createSymbolicLink(atPath: $0.path, withDestinationPath: "/dev/zero") }
        try assertRefused(folder, saying: "is a symbolic link")
    }

    func testHardLinkToAFileOutsideIsRefused() throws {
        let master = try decoy()
        let folder = try submission("hard_link") { XCTAssertEqual(link(master.path, $0.path), 0) }
        try assertRefused(folder, saying: "hard links")
    }

    func testFIFOIsRefusedWithoutWaiting() throws {
        let folder = try submission("fifo") { XCTAssertEqual(mkfifo($0.path, 0o644), 0) }
        try assertRefused(folder, saying: "pipe (FIFO)")
    }

    func testFolderInTheFilesPlaceIsRefused() throws {
        let folder = try submission("folder") { try FileManager.default.createDirectory(at: $0, withIntermediateDirectories: false) }
        try assertRefused(folder, saying: "a folder")
    }

    func testExerciseFolderThatIsALinkToTheMasterIsRefused() throws {
        let master = try decoy().deletingLastPathComponent()
        let linked = root.appendingPathComponent("linked_folder")
        try FileManager.default.createSymbolicLink(at: linked, withDestinationURL: master)
        try assertRefused(linked, saying: "is a symbolic link")
    }

    func testOversizedFileIsRefusedWithItsSize() throws {
        let folder = try submission("huge") { url in
            let fd = open(url.path, O_WRONLY | O_CREAT, 0o644)
            XCTAssertEqual(ftruncate(fd, 8 << 20), 0)
            close(fd)
        }
        try assertRefused(folder, saying: "`Conv2D.swift` is 8388608 bytes; the grader reads at most 1048576 (1 MiB)")
    }

    /// The reader itself, without the compiler: a link anywhere on the way is refused.
    func testLinksOnTheWayAreRefused() throws {
        let master = try decoy().deletingLastPathComponent()
        let folder = root.appendingPathComponent("way")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("sub"), withDestinationURL: master)
        XCTAssertThrowsError(try SubmissionFiles.read("sub/Conv2D.swift", in: folder)) { error in
            XCTAssertTrue((error as? SubmissionFiles.Refusal)?.message.en.contains("`sub` is a symbolic link") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try SubmissionFiles.read("../master/Conv2D.swift", in: folder))
        XCTAssertFalse(SubmissionFiles.exists("sub/Conv2D.swift", in: folder))
        XCTAssertTrue(SubmissionFiles.exists("sub", in: folder))
    }
}

/// The same refusals for answers and models: a notebook, a model or a
/// checkpoint that is a link to the master copy is refused, never graded
/// as the master.
final class SubmissionFileCourseTests: XCTestCase {
    func testLinkedNotebookModelAndCheckpointAreRefused() throws {
        var template = Array((NSTemporaryDirectory() + "capas-links-XXXXXX").utf8CString)
        let root = URL(fileURLWithPath: String(cString: try XCTUnwrap(mkdtemp(&template))))
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        // Answers: the notebook links to the master solution's.
        let answers = root.appendingPathComponent("01-convolution-by-hand")
        try fm.createDirectory(at: answers, withIntermediateDirectories: true)
        try fm.createSymbolicLink(at: answers.appendingPathComponent("notebook.md"),
                                  withDestinationURL: course.solutions.appendingPathComponent("01-convolution-by-hand/notebook.md"))
        // Model: every file links to the master's.
        let model = root.appendingPathComponent("09-fnn-fashion-mnist")
        try fm.createDirectory(at: model, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: course.solutions.appendingPathComponent("09-fnn-fashion-mnist").path) {
            try fm.createSymbolicLink(at: model.appendingPathComponent(name),
                                      withDestinationURL: course.solutions.appendingPathComponent("09-fnn-fashion-mnist/\(name)"))
        }
        let report = Grader.grade(submission: root, course: course, options: .init(
            mode: .grade, language: .en, exercises: ["01-convolution-by-hand", "09-fnn-fashion-mnist"]))
        XCTAssertEqual(report.points, 0, report.exercises.map(\.summary).joined(separator: "\n"))
        let feedback = report.checks.map(\.feedback.en).joined(separator: "\n")
        XCTAssertTrue(feedback.contains("`notebook.md` is a symbolic link"), feedback)
        XCTAssertTrue(feedback.contains("is a symbolic link"), feedback)
        XCTAssertFalse(report.checks.contains { $0.status == .passed }, feedback)
    }
}
