import CapasSandbox
import Foundation
import XCTest

/// The grader running as a normal user: the child keeps that user's ids.
/// These tests run directly when the suite runs as a normal user; as root,
/// `testSuiteAsNobody` runs this class again as nobody (65534) via setpriv.
final class UnprivilegedGraderTests: ProbeTestCase {
    override func setUpWithError() throws {
        try XCTSkipIf(geteuid() == 0, "runs as a normal user (testSuiteAsNobody does that from root)")
        try super.setUpWithError()
    }

    func probe(_ behaviour: String, _ extra: [String] = [], limits: SandboxLimits = relaxed,
               file: StaticString = #filePath, line: UInt = #line) throws -> SandboxOutcome {
        try probe(behaviour, extra, limits: limits, user: .current, file: file, line: line)
    }

    func testSwitchingUserNeedsRoot() throws {
        XCTAssertThrowsError(try sandbox(user: .unprivileged).run(executable: Self.probe)) { error in
            XCTAssertEqual(error as? SandboxError, .cannotSwitchUser(uid: 65534))
        }
    }

    func testChildKeepsTheUserAndGetsAPrivateTmpThroughAUserNamespace() throws { try eachIsolation(checkChildKeepsTheUserAndGetsAPrivateTmpThroughAUserNamespace) }

    func checkChildKeepsTheUserAndGetsAPrivateTmpThroughAUserNamespace() throws {
        let outcome = try probe("identity")
        let report = outcome.report
        XCTAssertEqual(report["uid"], "\(getuid())")
        XCTAssertEqual(report["NoNewPrivs"], "1")
        XCTAssertEqual(report["Seccomp"], "2")
        XCTAssertEqual(report["fds"], "0,1,2,3")
        XCTAssertEqual(report["environment"], "6")
        XCTAssertFalse(outcome.protections.contains(.userSwitch))
        if bubblewrap {
            // bubblewrap's pid namespace hides every other process.
            XCTAssertEqual(outcome.protections,
                           [.privateTmp, .readOnlyRoot, .hiddenProc, .filter, .namespaces, .privateView, .userNamespace])
            XCTAssertEqual(report["cwd"], "/tmp")
            XCTAssertEqual(report["pid"], "2")
        } else if Sandbox.userNamespacesAvailable {
            XCTAssertEqual(outcome.protections, [.privateTmp, .readOnlyRoot, .userNamespace, .filter])
            XCTAssertEqual(report["cwd"], "/tmp")
        } else {
            XCTAssertEqual(outcome.protections, [.filter])
            XCTAssertEqual(report["cwd"]?.hasPrefix(runRoot + "/capas-sandbox-"), true)
        }
    }

    func testLockdownStillRefusesProcessesExecNetworkAndSignals() throws { try eachIsolation(checkLockdownStillRefusesProcessesExecNetworkAndSignals) }

    func checkLockdownStillRefusesProcessesExecNetworkAndSignals() throws {
        let forks = try probe("forkbomb").report
        XCTAssertEqual(forks["fork"], "EPERM")
        XCTAssertEqual(forks["posix_spawn"], "EPERM")
        XCTAssertEqual(try probe("exec").report["execve"], "EPERM")
        XCTAssertEqual(try probe("connect", ["9"]).report["socket inet"], "EPERM")
        // Same uid as the grader: only the seccomp filter stands between
        // this SIGKILL and the test process.
        let kills = try probe("kill-parent").report
        XCTAssertEqual(kills["kill parent"], "EPERM")
        XCTAssertEqual(kills["kill everyone"], "EPERM")
    }

    func testForkIsRefusedWithoutTheProgramsOwnLockdown() throws { try eachIsolation(checkForkIsRefusedWithoutTheProgramsOwnLockdown) }

    func checkForkIsRefusedWithoutTheProgramsOwnLockdown() throws {
        // The filter comes from the spawner (or bubblewrap), not the program.
        let outcome = try probe("forkbomb", ["--lockdown=none"])
        XCTAssertEqual(outcome.report["fork"], "EPERM")
        XCTAssertEqual(outcome.report["children"], "0")
    }

    func testProcessLimitHoldsForAToolInItsOwnUserNamespace() throws {
        // Alone, the spawner sets RLIMIT_NPROC after making the run's user
        // namespace, where the count is the run's own. (Under bubblewrap a
        // normal user's tool runs have no count: the namespace is made
        // after the limit would be set, so the pid namespace and the wall
        // clock bound them instead.)
        try XCTSkipUnless(Sandbox.userNamespacesAvailable, "no user namespaces")
        isolation = .direct
        var limits = Self.relaxed
        limits.processes = 16
        limits.wallClock = .seconds(3)
        let outcome = try probe("forkbomb", ["--lockdown=none"], limits: limits, user: .current, profile: .tool)
        XCTAssertEqual(outcome.report["fork"], "EAGAIN")
        XCTAssertLessThan(Int(outcome.report["children"] ?? "") ?? 99, 16)
        // `probe` checked that no member of the bomb's process group is left.
    }

    func testLimitsHold() throws { try eachIsolation(checkLimitsHold) }

    func checkLimitsHold() throws {
        var limits = Self.relaxed
        limits.cpuSeconds = 1
        limits.fileSizeBytes = 1 << 20
        XCTAssertEqual(try probe("spin", limits: limits).reason, .cpuTime)
        XCTAssertEqual(try probe("bigfile", limits: limits).reason, .fileSize)
        limits.memoryBytes = 1 << 30
        XCTAssertEqual(try probe("allocate", limits: limits).reason, .memory)
        limits.wallClock = .seconds(1)
        XCTAssertEqual(try probe("sleep", limits: limits).termination, .timedOut)
    }

    func testResultsFileStaysPrivate() throws { try eachIsolation(checkResultsFileStaysPrivate) }

    func checkResultsFileStaysPrivate() throws {
        try XCTSkipUnless(Sandbox.userNamespacesAvailable, "no user namespaces: /tmp is shared")
        let before = modificationTime("/tmp/results.json")
        let lockBefore = modificationTime("/run/lock/results.json")
        defer { XCTAssertEqual(modificationTime("/run/lock/results.json"), lockBefore) }
        let report = try probe("write-everywhere", [Self.productsDirectory]).report
        XCTAssertEqual(report["/tmp/results.json"], "ok")
        XCTAssertEqual(report["../results.json"], "EROFS")
        XCTAssertEqual(report["/run/lock/results.json"], bubblewrap ? "ENOENT" : "EROFS")
        XCTAssertEqual(report[Self.productsDirectory + "/results.json"],
                       bubblewrap ? "ENOENT" : Self.refusal(writingTo: Self.productsDirectory))
        XCTAssertEqual(modificationTime("/tmp/results.json"), before)
    }

    func testFloodAndEarlyExitAreHandled() throws { try eachIsolation(checkFloodAndEarlyExitAreHandled) }

    func checkFloodAndEarlyExitAreHandled() throws {
        let flood = try probe("flood")
        XCTAssertEqual(flood.stdout.utf8.count, 4096)
        XCTAssertEqual(flood.channelText, "done")
        XCTAssertEqual(try probe("exit0").channel, [])
    }

    /// Tasks (processes and threads) the user has now.
    static func processCount(uid: uid_t) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var count = 0
        for entry in entries where Int(entry) != nil {
            var info = stat()
            guard stat("/proc/\(entry)", &info) == 0, info.st_uid == uid else { continue }
            count += (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(entry)/task"))?.count ?? 1
        }
        return count
    }
}

/// From root: the class above, run as nobody in a process of its own.
final class UnprivilegedGraderFromRootTests: XCTestCase {
    func testSuiteAsNobody() throws {
        try XCTSkipUnless(geteuid() == 0, "already a normal user: UnprivilegedGraderTests run directly")
        let bundle = try XCTUnwrap(FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        let setpriv = "/usr/bin/setpriv"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: setpriv), "no setpriv")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: setpriv)
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                             bundle, "CapasSandboxTests.UnprivilegedGraderTests"]
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"]
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()

        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("with 0 failures"), text)
        XCTAssertFalse(text.contains("skipped"), text)
    }
}
