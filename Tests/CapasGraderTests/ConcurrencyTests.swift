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
