import XCTest
@testable import CapasGrader

final class AutograderTests: XCTestCase {
    func bashSyntaxOK(_ file: URL) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-n", file.path]
        try process.run(); process.waitUntilExit()
        return process.terminationStatus == 0
    }

    func testGradescopeBundleHasExecutableScriptsTheCourseAndTheSource() throws {
        let out = temporaryFolder("capas-bundle")
        defer { try? FileManager.default.removeItem(at: out) }
        try Autograder.writeGradescope(course: course, capasSource: repositoryRoot, exercise: nil, swiftVersion: "6.0.3", to: out)
        for script in ["setup.sh", "run_autograder"] {
            let url = out.appendingPathComponent(script)
            let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as! Int
            XCTAssertEqual(mode & 0o111, 0o111, "\(script) must be executable")
            XCTAssertTrue(try bashSyntaxOK(url), script)
        }
        let run = try String(contentsOf: out.appendingPathComponent("run_autograder"), encoding: .utf8)
        XCTAssertTrue(run.contains("root=\"${AUTOGRADER_ROOT:-/autograder}\""))
        XCTAssertTrue(run.contains("--format gradescope --output \"$root/results/results.json\""))
        XCTAssertTrue(run.contains("submission_metadata.json"))
        for id in course.exerciseIDs() {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("course/grading/\(id)/rubric.json").path))
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("capas/Package.swift").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("capas/.build").path))
    }

    func testGitHubWorkflowSelfChecksAndReportsJUnit() throws {
        let out = temporaryFolder("capas-workflow")
        defer { try? FileManager.default.removeItem(at: out) }
        let file = try Autograder.writeGitHubWorkflow(capasRepository: "school/capas", swiftVersion: "6.0.3", to: out)
        XCTAssertEqual(file.path, out.appendingPathComponent(".github/workflows/capas-check.yml").path)
        let text = try String(contentsOf: file, encoding: .utf8)
        XCTAssertTrue(text.contains("CAPAS_REPOSITORY: \"school/capas\""))
        XCTAssertTrue(text.contains("capas check --submission . --format junit --output capas-junit.xml"))
        XCTAssertTrue(text.contains("report_paths: capas-junit.xml"))
        XCTAssertFalse(text.contains("\t"), "YAML forbids tabs")
    }
}
