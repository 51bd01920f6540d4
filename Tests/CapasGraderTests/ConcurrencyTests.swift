@testable import CapasGrader
import CapasSandbox
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Graders side by side on one machine never share a budget. Runs once
/// had one uid (nobody) between them, so RLIMIT_NPROC, which Linux counts
/// per user, was one budget for every grader and every other process of
/// that user: with the user busy, runs failed with "execve: Resource
/// temporarily unavailable". Now each run has a uid of its own.
final class ConcurrencyTests: XCTestCase {
    func testThreeGradersAtOnceWhileTheOldSandboxUserIsBusy() throws {
        try XCTSkipUnless(geteuid() == 0, "needs root to fill nobody's process budget")
        let setpriv = "/usr/bin/setpriv"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: setpriv), "no setpriv")
        // 80 processes of nobody: more than the 64 a run may have.
        var sleepers: [Process] = []
        defer { for sleeper in sleepers { sleeper.terminate(); sleeper.waitUntilExit() } }
        for _ in 0..<80 {
            let sleeper = Process()
            sleeper.executableURL = URL(fileURLWithPath: setpriv)
            sleeper.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sleep", "120"]
            try sleeper.run()
            sleepers.append(sleeper)
        }

        let exercise = "08-batchnorm-dropout"
        let rubric = try CourseCodeTests.rubric(exercise)
        let solution = CodeSupport.repository.appendingPathComponent("solutions/\(exercise)")
        let lock = NSLock()
        var reports: [ExerciseReport] = []
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            let report = try? CodeSupport.grade(solution, rubric: rubric)
            lock.lock()
            if let report { reports.append(report) }
            lock.unlock()
        }
        // The premise: under the one shared user, the same grading fails now.
        let shared = try CodeSupport.grade(solution, rubric: rubric, options: CodeGrader.Options(user: .unprivileged))
        XCTAssertTrue(shared.checks.contains { $0.status == .graderError }, "nobody's budget was not full: \(shared.summary)")

        XCTAssertEqual(reports.count, 3)
        for report in reports {
            XCTAssertEqual(report.points, rubric.maxPoints, report.summary)
            XCTAssertFalse(report.checks.contains { $0.status == .graderError }, report.summary)
        }
    }

    func testRunsOfOneGraderHaveDistinctUIDs() {
        let first = RunIdentity.acquire(), second = RunIdentity.acquire()
        defer { RunIdentity.release(first); RunIdentity.release(second) }
        XCTAssertNotEqual(first, second)
        XCTAssertTrue(RunIdentity.ownRange.contains(first))
        XCTAssertTrue(RunIdentity.ownRange.contains(second))
        XCTAssertGreaterThanOrEqual(first, RunIdentity.base)
    }
}

/// Root in a container that takes CAP_SYS_ADMIN away (Docker's default,
/// so Gradescope's): no mount namespace can be made, and the spawner alone
/// still grades, with the filter, a uid per run and the limits.
final class NoSysAdminTests: XCTestCase {
    func testGradingWorksAsRootWithoutCapSysAdmin() throws {
        try XCTSkipUnless(geteuid() == 0, "needs root")
        let setpriv = "/usr/bin/setpriv"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: setpriv), "no setpriv")
        let capas = try capasExecutable()
        let repository = CodeSupport.repository
        for name in ["correct", "before_main", "fork_bomb"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--bounding-set", "-sys_admin", "--inh-caps", "-sys_admin", capas, "grade",
                                 repository.appendingPathComponent("Tests/GraderSubmissions/conv2d/\(name)").path,
                                 "--exercise", "05-conv2d", "--course", repository.path, "--format", "json", "--lang", "en"]
            var environment = ProcessInfo.processInfo.environment
            environment["CAPAS_SANDBOX"] = "direct"
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let report = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            let exercises = report?["exercises"] as? [[String: Any]] ?? []
            let checks = exercises.flatMap { $0["checks"] as? [[String: Any]] ?? [] }
            let score = checks.isEmpty ? nil : checks.reduce(0.0) { $0 + (($1["points"] as? Double) ?? 0) }
            XCTAssertEqual(score, 20, "\(name): \(String(decoding: data.prefix(2000), as: UTF8.self))")
        }
    }
}
