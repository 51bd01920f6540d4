import CapasSandbox
import Foundation
import XCTest

/// The grader as CI runs it: as root, the child under a uid of its own.
/// Each test is one misbehaviour of the harness, and the parent must get a
/// clean outcome with a named reason; each runs under bubblewrap (where the
/// machine allows it) and again with the spawner alone.
final class HostileChildTests: ProbeTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(geteuid() == 0, "the grader runs as root here; UnprivilegedGraderTests cover a normal user")
        try super.setUpWithError()
    }

    func probe(_ behaviour: String, _ extra: [String] = [], limits: SandboxLimits = relaxed,
               file: StaticString = #filePath, line: UInt = #line) throws -> SandboxOutcome {
        try probe(behaviour, extra, limits: limits, user: .perRun, file: file, line: line)
    }

    func testWellBehavedHarnessDeliversStdoutAndChannel() throws { try eachIsolation(checkWellBehavedHarnessDeliversStdoutAndChannel) }

    func checkWellBehavedHarnessDeliversStdoutAndChannel() throws {
        let outcome = try probe("hello")
        XCTAssertEqual(outcome.termination, .exited(0))
        XCTAssertNil(outcome.reason)
        XCTAssertTrue(outcome.succeeded)
        XCTAssertEqual(outcome.stdout, "hello: from the sandbox\n")
        XCTAssertEqual(outcome.stderr, "")
        XCTAssertFalse(outcome.outputTruncated)
        XCTAssertEqual(outcome.channel, Array("tensor 2x2: 1 2 3 4".utf8) + [0, 255])
        XCTAssertEqual(outcome.protections, bubblewrap
                       ? [.userSwitch, .privateTmp, .readOnlyRoot, .hiddenProc, .filter, .namespaces, .privateView]
                       : [.userSwitch, .privateTmp, .readOnlyRoot, .hiddenProc, .filter])
    }

    func testChildStartsAsNobodyInAnEmptyPrivateDirectoryWithLimits() throws { try eachIsolation(checkChildStartsAsNobodyInAnEmptyPrivateDirectoryWithLimits) }

    func checkChildStartsAsNobodyInAnEmptyPrivateDirectoryWithLimits() throws {
        var limits = Self.relaxed
        limits.cpuSeconds = 7
        limits.memoryBytes = 3 << 30
        limits.fileSizeBytes = 5 << 20
        limits.openFiles = 32
        limits.processes = 100
        setenv("CAPAS_GRADER_SECRET", "do not leak", 1)
        defer { unsetenv("CAPAS_GRADER_SECRET") }
        let report = try probe("identity", limits: limits).report
        let uid = try XCTUnwrap(UInt32(report["uid"] ?? ""))
        XCTAssertGreaterThanOrEqual(uid, RunIdentity.base)
        XCTAssertEqual(report["gid"], report["uid"])
        XCTAssertEqual(report["groups"], "0")
        XCTAssertEqual(report["cwd"], "/tmp")
        XCTAssertEqual(report["home"], "/tmp")
        XCTAssertEqual(report["tmpdir"], "/tmp")
        // PATH, LANG, SWIFT_BACKTRACE, HOME, TMPDIR, PWD: nothing of the grader's.
        XCTAssertEqual(report["environment"], "6")
        // Under bubblewrap the child is pid 2 of a pid namespace of its own
        // (bubblewrap's reaper is 1); alone, it leads its own process group.
        if bubblewrap { XCTAssertEqual(report["pid"], "2") } else { XCTAssertEqual(report["pgid"], "own") }
        XCTAssertEqual(report["limit cpu"], "7")
        XCTAssertEqual(report["limit as"], "\(3 << 30)")
        XCTAssertEqual(report["limit fsize"], "\(5 << 20)")
        XCTAssertEqual(report["limit nofile"], "32")
        XCTAssertEqual(report["limit nproc"], "100")
        XCTAssertEqual(report["limit core"], "0")
        XCTAssertEqual(report["fds"], "0,1,2,3")
        XCTAssertEqual(report["stdin"], "ok 0 bytes")
        XCTAssertEqual(report["NoNewPrivs"], "1")
        XCTAssertEqual(report["Seccomp"], "2")
    }

    func testThreadsStillWorkUnderLockdown() throws { try eachIsolation(checkThreadsStillWorkUnderLockdown) }

    func checkThreadsStillWorkUnderLockdown() throws {
        let outcome = try probe("threads")
        XCTAssertEqual(outcome.termination, .exited(0))
        XCTAssertEqual(outcome.report["threads"], "49999500000")
        XCTAssertEqual(outcome.report["pthread_create"], "ok")
    }

    func testEndlessLoopIsKilledAtTheWallClock() throws { try eachIsolation(checkEndlessLoopIsKilledAtTheWallClock) }

    func checkEndlessLoopIsKilledAtTheWallClock() throws {
        var limits = Self.relaxed
        limits.wallClock = .seconds(2)
        let outcome = try probe("spin", limits: limits)
        XCTAssertEqual(outcome.termination, .timedOut)
        XCTAssertEqual(outcome.reason, .wallClock)
        XCTAssertLessThan(outcome.wallTime, .seconds(30))
    }

    func testSleepingChildIsKilledAtTheWallClock() throws { try eachIsolation(checkSleepingChildIsKilledAtTheWallClock) }

    func checkSleepingChildIsKilledAtTheWallClock() throws {
        var limits = Self.relaxed
        limits.wallClock = .seconds(1)
        let outcome = try probe("sleep", limits: limits)
        XCTAssertEqual(outcome.termination, .timedOut)
        XCTAssertEqual(outcome.reason, .wallClock)
    }

    func testEndlessLoopRunsOutOfCPU() throws { try eachIsolation(checkEndlessLoopRunsOutOfCPU) }

    func checkEndlessLoopRunsOutOfCPU() throws {
        var limits = Self.relaxed
        limits.cpuSeconds = 1
        let outcome = try probe("spin", limits: limits)
        XCTAssertEqual(outcome.termination, .signaled(SIGXCPU))
        XCTAssertEqual(outcome.reason, .cpuTime)
        // The kernel's limit is what ended it (no assertion on the time
        // itself: under bubblewrap the program's rusage does not reach the grader).
    }

    func testHugeAllocationIsRefused() throws { try eachIsolation(checkHugeAllocationIsRefused) }

    func checkHugeAllocationIsRefused() throws {
        var limits = Self.relaxed
        limits.memoryBytes = 1 << 30
        let outcome = try probe("allocate", limits: limits)
        XCTAssertEqual(outcome.reason, .memory, outcome.stderr)
        XCTAssertNotEqual(outcome.termination, .exited(0))
        XCTAssertNil(outcome.report["allocated"])
        XCTAssertEqual(outcome.channel, [])
    }

    func testForkBombFailsWithEPERMAndLeavesNoProcess() throws { try eachIsolation(checkForkBombFailsWithEPERMAndLeavesNoProcess) }

    func checkForkBombFailsWithEPERMAndLeavesNoProcess() throws {
        // `probe` also checks that the process group is gone afterwards.
        let outcome = try probe("forkbomb")
        XCTAssertEqual(outcome.termination, .exited(0))
        XCTAssertEqual(outcome.report["fork"], "EPERM")
        XCTAssertEqual(outcome.report["children"], "0")
        XCTAssertEqual(outcome.report["posix_spawn"], "EPERM")
        XCTAssertNil(outcome.reason)
    }

    func testForkUnderTheKillingLockdownIsANamedViolation() throws { try eachIsolation(checkForkUnderTheKillingLockdownIsANamedViolation) }

    func checkForkUnderTheKillingLockdownIsANamedViolation() throws {
        let outcome = try probe("forkbomb", ["--lockdown=kill"])
        XCTAssertEqual(outcome.termination, .signaled(SIGSYS))
        XCTAssertEqual(outcome.reason, .forbiddenSyscall)
    }

    func testShellIsRefused() throws { try eachIsolation(checkShellIsRefused) }

    func checkShellIsRefused() throws {
        let outcome = try probe("exec")
        XCTAssertEqual(outcome.termination, .exited(0))
        XCTAssertEqual(outcome.report["execve"], "EPERM")
        XCTAssertFalse(outcome.stdout.contains("escaped"))
    }

    func testHugeFileStopsAtTheSizeLimitInsideThePrivateDirectory() throws { try eachIsolation(checkHugeFileStopsAtTheSizeLimitInsideThePrivateDirectory) }

    func checkHugeFileStopsAtTheSizeLimitInsideThePrivateDirectory() throws {
        var limits = Self.relaxed
        limits.fileSizeBytes = 8 << 20
        let before = modificationTime("/tmp/big.bin")
        let killed = try probe("bigfile", limits: limits)
        XCTAssertEqual(killed.termination, .signaled(SIGXFSZ))
        XCTAssertEqual(killed.reason, .fileSize)

        // A child that ignores SIGXFSZ gets EFBIG at exactly the limit.
        let refused = try probe("bigfile", ["ignore"], limits: limits)
        XCTAssertEqual(refused.termination, .exited(0))
        XCTAssertEqual(refused.report["write"], "EFBIG")
        XCTAssertEqual(refused.report["written MiB"], "8")
        XCTAssertNil(refused.reason)

        // The file was written in the child's /tmp, which is the run
        // directory (checked empty by `probe`), never the real one.
        XCTAssertEqual(modificationTime("/tmp/big.bin"), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/big.bin"))
    }

    func testTCPToLoopbackIsRefused() throws { try eachIsolation(checkTCPToLoopbackIsRefused) }

    func checkTCPToLoopbackIsRefused() throws {
        let listener = try Listener()
        defer { listener.close() }
        let outcome = try probe("connect", ["\(listener.port)"])
        XCTAssertEqual(outcome.termination, .exited(0))
        XCTAssertEqual(outcome.report["socket inet"], "EPERM")
        XCTAssertEqual(outcome.report["socket inet6"], "EPERM")
        XCTAssertEqual(outcome.report["socket netlink"], "EPERM")
        XCTAssertEqual(outcome.report["socketpair unix"], "ok")
        XCTAssertFalse(listener.accepted())
    }

    func testResultsFileLandsOnlyInThePrivateDirectory() throws { try eachIsolation(checkResultsFileLandsOnlyInThePrivateDirectory) }

    func checkResultsFileLandsOnlyInThePrivateDirectory() throws {
        try assertResultsFileLandsOnlyInThePrivateDirectory(user: .unprivileged)
    }

    /// The child's working directory, $HOME, /tmp, /var/tmp and /dev/shm are
    /// all the one private directory; everything else (its parents, the
    /// grader's directory, the world-writable /run/lock) is read-only to it.
    func assertResultsFileLandsOnlyInThePrivateDirectory(user: Sandbox.User,
                                                         line: UInt = #line) throws {
        let here = FileManager.default.currentDirectoryPath
        let watched = ["/tmp/results.json", "/var/tmp/results.json", "/dev/shm/results.json",
                       "/results.json", "/run/lock/results.json", here + "/results.json",
                       runRoot + "/results.json"]
        let before = watched.map(modificationTime)
        let report = try probe("write-everywhere", [here], user: user).report
        // Under bubblewrap /var/tmp, /run and the grader's folder do not exist at all.
        let writable = bubblewrap ? ["./results.json", "/tmp/results.json", "/dev/shm/results.json"]
            : ["./results.json", "/tmp/results.json", "/var/tmp/results.json", "/dev/shm/results.json"]
        for place in writable {
            XCTAssertEqual(report[place], "ok", place, line: line)
        }
        for place in ["../results.json", "../../results.json", "//results.json"] {
            XCTAssertEqual(report[place], "EROFS", place, line: line)
        }
        XCTAssertEqual(report["/run/lock/results.json"], bubblewrap ? "ENOENT" : "EROFS", line: line)
        XCTAssertEqual(report[here + "/results.json"], bubblewrap ? "ENOENT" : Self.refusal(writingTo: here), here, line: line)
        XCTAssertEqual(watched.map(modificationTime), before, "a results.json appeared or changed outside",
                       line: line)
    }

    func testGraderProcessIsInvisibleInProc() throws { try eachIsolation(checkGraderProcessIsInvisibleInProc) }

    func checkGraderProcessIsInvisibleInProc() throws {
        setenv("CAPAS_GRADER_SECRET", "do not leak", 1)
        defer { unsetenv("CAPAS_GRADER_SECRET") }
        let outcome = try probe("proc", ["\(getpid())"])
        XCTAssertEqual(outcome.report["environ"], "ENOENT")
        XCTAssertEqual(outcome.report["cmdline"], "ENOENT")
        XCTAssertEqual(outcome.report["self"]?.hasPrefix("ok"), true)
        XCTAssertFalse(outcome.stdout.contains("do not leak"))
    }

    func testTenMegabytesOfStdoutAreCappedWithoutBlockingTheChild() throws { try eachIsolation(checkTenMegabytesOfStdoutAreCappedWithoutBlockingTheChild) }

    func checkTenMegabytesOfStdoutAreCappedWithoutBlockingTheChild() throws {
        let outcome = try probe("flood")
        XCTAssertEqual(outcome.termination, .exited(0))
        XCTAssertEqual(outcome.stdout.utf8.count, 4096)
        XCTAssertTrue(outcome.outputTruncated)
        XCTAssertEqual(outcome.channelText, "done")
    }

    func testTooLargeResultIsKilledAtTheChannelLimit() throws { try eachIsolation(checkTooLargeResultIsKilledAtTheChannelLimit) }

    func checkTooLargeResultIsKilledAtTheChannelLimit() throws {
        var limits = Self.relaxed
        limits.channelBytes = 1 << 20
        let outcome = try probe("channel-flood", limits: limits)
        XCTAssertEqual(outcome.termination, .channelOverflow)
        XCTAssertEqual(outcome.reason, .channelLimit)
        XCTAssertEqual(outcome.channel.count, 1 << 20)
        XCTAssertNil(outcome.report["channel-flood"])
    }

    func testGarbageBytesArriveIntact() throws { try eachIsolation(checkGarbageBytesArriveIntact) }

    func checkGarbageBytesArriveIntact() throws {
        let outcome = try probe("garbage")
        let bytes: [UInt8] = [0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80, 10]
        XCTAssertEqual(outcome.termination, .exited(0))
        XCTAssertEqual(outcome.channel, bytes)
        XCTAssertEqual(outcome.stdout, String(decoding: bytes, as: UTF8.self))
        XCTAssertEqual(outcome.stderr, outcome.stdout)
    }

    func testClosingTheChannelEarlyGivesAnEmptyResult() throws { try eachIsolation(checkClosingTheChannelEarlyGivesAnEmptyResult) }

    func checkClosingTheChannelEarlyGivesAnEmptyResult() throws {
        let outcome = try probe("close-channel")
        XCTAssertEqual(outcome.termination, .exited(3))
        XCTAssertEqual(outcome.channel, [])
        XCTAssertEqual(outcome.report["close"], "ok")
        XCTAssertEqual(outcome.report["write after close"], "EBADF")
    }

    func testChildCannotSignalTheGrader() throws { try eachIsolation(checkChildCannotSignalTheGrader) }

    func checkChildCannotSignalTheGrader() throws {
        // The probe sends SIGKILL to its parent, this test process.
        let outcome = try probe("kill-parent")
        let report = outcome.report
        XCTAssertEqual(report["kill parent"], "EPERM")
        XCTAssertEqual(report["kill group 0"], "EPERM")
        XCTAssertEqual(report["kill everyone"], "EPERM")
        XCTAssertEqual(report["kill self"], "ok")
        XCTAssertEqual(outcome.termination, .signaled(SIGUSR1))
        XCTAssertNil(outcome.reason)
    }

    func testUserSwitchAloneAlreadyStopsSignalsToTheGrader() throws { try eachIsolation(checkUserSwitchAloneAlreadyStopsSignalsToTheGrader) }

    func checkUserSwitchAloneAlreadyStopsSignalsToTheGrader() throws {
        // No seccomp filter: the kernel's permission check refuses nobody →
        // root (signal 0 performs exactly that check and nothing else).
        let report = try probe("kill-parent", ["probe", "--lockdown=none"]).report
        XCTAssertEqual(report["kill parent"], "EPERM")
    }

    func testImmediateExitHasAnEmptyChannel() throws { try eachIsolation(checkImmediateExitHasAnEmptyChannel) }

    func checkImmediateExitHasAnEmptyChannel() throws {
        let outcome = try probe("exit0")
        XCTAssertEqual(outcome.termination, .exited(0))
        XCTAssertEqual(outcome.channel, [])
        XCTAssertEqual(outcome.stdout, "")
        XCTAssertNil(outcome.reason)
    }

    func testCrashIsASignalButNoViolation() throws { try eachIsolation(checkCrashIsASignalButNoViolation) }

    func checkCrashIsASignalButNoViolation() throws {
        let outcome = try probe("crash")
        XCTAssertEqual(outcome.termination, .signaled(SIGILL))
        XCTAssertNil(outcome.reason)
        XCTAssertTrue(outcome.stderr.contains("Index out of range"), outcome.stderr)
    }

    func testMissingExecutableIsAnErrorNotAnOutcome() throws { try eachIsolation(checkMissingExecutableIsAnErrorNotAnOutcome) }

    func checkMissingExecutableIsAnErrorNotAnOutcome() throws {
        XCTAssertThrowsError(try sandbox(user: .unprivileged).run(executable: "/nonexistent/harness")) { error in
            XCTAssertEqual(error as? SandboxError, .spawn(stage: "execve", errno: ENOENT))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: runRoot), [])
    }

    // MARK: - A root grader that keeps its own uid (`.current`)

    /// Without the uid switch the child is root: the seccomp filter, the
    /// limits, the private /tmp and the read-only root still hold; /proc
    /// is not protected (root sees every process) and neither are other
    /// mounts (/sys, /proc/sys): not a configuration for untrusted code.
    func testCurrentUserAsRootKeepsLockdownLimitsAndPrivateTmp() throws { try eachIsolation(checkCurrentUserAsRootKeepsLockdownLimitsAndPrivateTmp) }

    func checkCurrentUserAsRootKeepsLockdownLimitsAndPrivateTmp() throws {
        let identity = try probe("identity", user: .current)
        XCTAssertEqual(identity.report["uid"], "0")
        XCTAssertEqual(identity.protections, bubblewrap
                       ? [.privateTmp, .readOnlyRoot, .hiddenProc, .filter, .namespaces, .privateView, .userNamespace]
                       : [.privateTmp, .readOnlyRoot, .hiddenProc, .filter])
        XCTAssertEqual(identity.report["cwd"], "/tmp")
        XCTAssertEqual(identity.report["Seccomp"], "2")

        let forks = try probe("forkbomb", user: .current).report
        XCTAssertEqual(forks["fork"], "EPERM")
        XCTAssertEqual(try probe("exec", user: .current).report["execve"], "EPERM")
        XCTAssertEqual(try probe("connect", ["9"], user: .current).report["socket inet"], "EPERM")
        XCTAssertEqual(try probe("kill-parent", user: .current).report["kill parent"], "EPERM")

        var limits = Self.relaxed
        limits.fileSizeBytes = 1 << 20
        XCTAssertEqual(try probe("bigfile", limits: limits, user: .current).reason, .fileSize)
        try assertResultsFileLandsOnlyInThePrivateDirectory(user: .current)
    }

    func testProcessLimitHoldsForARunsOwnUser() throws { try eachIsolation(checkProcessLimitHoldsForARunsOwnUser) }

    func checkProcessLimitHoldsForARunsOwnUser() throws {
        // A tool's profile allows processes: RLIMIT_NPROC, counted for the
        // run's own uid alone, is what stops the bomb (no other process on
        // the machine draws on that budget).
        var limits = Self.relaxed
        limits.processes = 16
        limits.wallClock = .seconds(3)
        let outcome = try probe("forkbomb", ["--lockdown=none"], limits: limits, user: .perRun, profile: .tool)
        XCTAssertEqual(outcome.report["fork"], "EAGAIN")
        XCTAssertLessThan(Int(outcome.report["children"] ?? "") ?? 99, 16)
        // `probe` checked that no member of the bomb's process group is left.
    }

    func testFilterHoldsWhenTheProgramSkipsItsOwnLockdown() throws {
        try eachIsolation(checkFilterHoldsWhenTheProgramSkipsItsOwnLockdown)
    }

    /// The filter is the spawner's, installed before the program's first
    /// instruction: a program that never locks itself down (as code that
    /// runs before main, or replaces the lockdown's symbols, would) is held
    /// all the same.
    func checkFilterHoldsWhenTheProgramSkipsItsOwnLockdown() throws {
        let forks = try probe("forkbomb", ["--lockdown=none"]).report
        XCTAssertEqual(forks["fork"], "EPERM")
        XCTAssertEqual(forks["children"], "0")
        XCTAssertEqual(try probe("exec", ["--lockdown=none"]).report["execve"], bubblewrap ? "ENOENT" : "EPERM")
        let listener = try Listener()
        defer { listener.close() }
        let connect = try probe("connect", ["\(listener.port)", "--lockdown=none"]).report
        XCTAssertEqual(connect["socket inet"], "EPERM")
        XCTAssertFalse(listener.accepted())
        let identity = try probe("identity", ["--lockdown=none"]).report
        XCTAssertEqual(identity["Seccomp"], "2")
        XCTAssertEqual(identity["NoNewPrivs"], "1")
    }

    func testDeepFoldersAndLockedFoldersAreRemoved() throws { try eachIsolation(checkDeepFoldersAndLockedFoldersAreRemoved) }

    /// Removal goes through descriptors, so depth and modes do not matter:
    /// `probe` checks that the run's folder is gone.
    func checkDeepFoldersAndLockedFoldersAreRemoved() throws {
        let report = try probe("deep-folders").report
        XCTAssertEqual(report["depth"], "3000")
        XCTAssertEqual(report["locked"], "ok")
    }

    func testMemoryBackedFoldersAreSmallOrReadOnly() throws { try eachIsolation(checkMemoryBackedFoldersAreSmallOrReadOnly) }

    /// Under bubblewrap /dev is a tmpfs in memory: /dev/shm holds 1 MiB and
    /// /dev takes no new file, so a run cannot fill the machine's memory.
    /// (Alone, /dev/shm is the run's folder on disk.)
    func checkMemoryBackedFoldersAreSmallOrReadOnly() throws {
        let report = try probe("shm").report
        if bubblewrap {
            XCTAssertEqual(report["shm bytes"], "\(SandboxView.sharedMemoryBytes)")
            XCTAssertEqual(report["dev file"], "EROFS")
        } else {
            XCTAssertEqual(report["shm bytes"], "\(8 << 20)")
        }
    }
}
