@testable import CapasGrader
import CapasSandbox
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Every submission under Tests/GraderSubmissions/conv2d is graded and
/// must get exactly what its `expected.json` says: the score it would get
/// without its trick, the status and reason of each check, the named
/// mistake. Tricks that target the grader's files, processes or network are
/// then looked for on this side and must have left nothing.
final class CodeHostileTests: XCTestCase {
    struct Expected: Decodable {
        struct Check: Decodable {
            var status: CheckStatus
            var contains: String?
            var file: String?
            var line: Int?
            /// Any of these lines (a loop's signal may land on its condition or its body).
            var lines: [Int]?
            var mistake: String?
        }
        var about: String
        var points: Double?
        var defaultStatus: CheckStatus?
        var mistake: String?
        var checks: [String: Check]?
        enum CodingKeys: String, CodingKey {
            case about, points, mistake, checks
            case defaultStatus = "default_status"
        }
    }

    /// The course rubric with small limits, so that the hostile suite stays fast.
    static func testRubric() throws -> Rubric {
        var rubric = try CodeSupport.rubric()
        for i in rubric.checks.indices {
            rubric.checks[i].limits = Rubric.Limits(wallSeconds: 8, cpuSeconds: 1, memoryMB: 512)
        }
        return rubric
    }

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: CodeSupport.submissions.path)) ?? []).sorted()
    }

    /// Grades one submission.
    func grade(_ name: String, rubric: Rubric, options: CodeGrader.Options = CodeGrader.Options()) throws -> (ExerciseReport, Double) {
        let started = Date()
        let report = try CodeSupport.grade(CodeSupport.submissions.appendingPathComponent(name), rubric: rubric, options: options)
        return (report, Date().timeIntervalSince(started))
    }

    /// Grades submissions two at a time (compiling is most of the work), in order of name.
    func gradeAll(_ names: [String], rubric: Rubric, options: CodeGrader.Options = CodeGrader.Options()) -> [(ExerciseReport, Double)?] {
        let lock = NSLock()
        var results = [(ExerciseReport, Double)?](repeating: nil, count: names.count)
        var next = 0
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            while true {
                lock.lock()
                let index = next
                next += 1
                lock.unlock()
                guard index < names.count else { return }
                let result = try? grade(names[index], rubric: rubric, options: options)
                lock.lock()
                results[index] = result
                lock.unlock()
            }
        }
        return results
    }

    /// Checks a report against the submission's expected.json.
    func check(_ name: String, _ graded: (ExerciseReport, Double)?, rubric: Rubric,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let folder = CodeSupport.submissions.appendingPathComponent(name)
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        guard let (report, seconds) = graded else { return XCTFail("\(name): not graded", file: file, line: line) }
        print("[\(name)] \(String(format: "%.2f", seconds)) s, \(report.points)/\(report.maxPoints)\n\(report.summary)\n")
        XCTAssertEqual(report.checks.count, rubric.checks.count, name, file: file, line: line)
        if let points = expected.points {
            XCTAssertEqual(report.points, points, "\(name): points\n\(report.summary)", file: file, line: line)
        }
        for check in report.checks {
            if let want = expected.checks?[check.id] {
                XCTAssertEqual(check.status, want.status, "\(name)/\(check.id): \(check.feedback.en)", file: file, line: line)
                if let text = want.contains {
                    XCTAssertTrue(check.feedback.en.contains(text), "\(name)/\(check.id): \(check.feedback.en) lacks \(text)",
                                  file: file, line: line)
                }
                if let want = want.file { XCTAssertEqual(check.file, want, "\(name)/\(check.id) file", file: file, line: line) }
                if let want = want.line { XCTAssertEqual(check.line, want, "\(name)/\(check.id) line", file: file, line: line) }
                if let want = want.lines {
                    XCTAssertTrue(check.line.map(want.contains) ?? false, "\(name)/\(check.id) line \(String(describing: check.line)) not in \(want)",
                                  file: file, line: line)
                }
                if let want = want.mistake { XCTAssertEqual(check.mistake, want, "\(name)/\(check.id) mistake", file: file, line: line) }
            } else if let mistake = expected.mistake {
                // A mistake submission: every check either passes (the mistake does not show) or fails naming it.
                if check.status != .passed {
                    XCTAssertEqual(check.status, .failed, "\(name)/\(check.id): \(check.feedback.en)", file: file, line: line)
                    XCTAssertEqual(check.mistake, mistake, "\(name)/\(check.id): \(check.feedback.en)", file: file, line: line)
                }
            } else {
                XCTAssertEqual(check.status, expected.defaultStatus ?? .passed, "\(name)/\(check.id): \(check.feedback.en)",
                               file: file, line: line)
            }
            XCTAssertEqual(check.points, check.status == .passed ? check.maxPoints : 0, "\(name)/\(check.id): all or nothing",
                           file: file, line: line)
        }
        if expected.mistake != nil {
            XCTAssertTrue(report.checks.contains { $0.mistake == expected.mistake }, "\(name): mistake never named", file: file, line: line)
        }
    }

    func testEverySubmissionHasAnExpectation() {
        XCTAssertGreaterThanOrEqual(Self.names.count, 20)
        for name in Self.names {
            XCTAssertTrue(FileManager.default.fileExists(atPath: CodeSupport.submissions.appendingPathComponent(name + "/expected.json").path), name)
        }
    }

    /// A decoy course the test makes outside the grader's folders, readable
    /// by everyone (as a course carelessly left world-readable would be), and
    /// a decoy variable in the grader's environment: `snoop` answers wrong if
    /// it can read either. Removed by the caller.
    static func plantDecoys() -> String? {
        setenv("CAPAS_DECOY_SECRET", "decoy", 1)
        guard geteuid() == 0 else { return nil }
        let folder = "/srv/capas-decoy-\(getpid())"
        let grading = folder + "/grading"
        guard (try? FileManager.default.createDirectory(atPath: grading, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o755])) != nil else { return nil }
        chmod(folder, 0o755)
        guard FileManager.default.createFile(atPath: grading + "/secret", contents: Data("decoy course secret\n".utf8),
                                             attributes: [.posixPermissions: 0o644]) else { return nil }
        return folder
    }

    func testHostileSubmissions() throws {
        let decoy = Self.plantDecoys()
        defer { if let decoy { try? FileManager.default.removeItem(atPath: decoy) } }
        let rubric = try Self.testRubric()
        let listener = try? TCPListener(port: 47913)
        defer { listener?.close() }
        let watched = Self.watchedFolders()
        let before = Dictionary(uniqueKeysWithValues: watched.map { ($0, Self.planted(in: $0)) })
        let runFoldersBefore = Self.runFolders()
        let started = Date()
        let names = Self.names
        let graded = gradeAll(names, rubric: rubric)
        print("hostile suite: \(names.count) submissions in \(Date().timeIntervalSince(started)) s")
        for (name, result) in zip(names, graded) { try check(name, result, rubric: rubric) }

        // Nothing planted in the grader's folders, no shell ran, no connection arrived, we are alive.
        for folder in watched {
            XCTAssertEqual(Self.planted(in: folder), before[folder] ?? [], "results files appeared in \(folder)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/capas-shell-ran"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/big"))
        if let listener { XCTAssertFalse(listener.accepted(), "a submission connected to 127.0.0.1:47913") }
        // Every process of every run is gone (counted: runs have uids of their own), and every run folder.
        XCTAssertEqual(Self.runProcesses(), [], "processes of runs outlived their grading")
        XCTAssertEqual(Self.runFolders(), runFoldersBefore, "run folders left behind")
    }

    /// Processes (zombies included) with the uid of one of this process's runs.
    static func runProcesses() -> [String] {
        var found: [String] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(entry) != nil {
            var info = stat()
            guard stat("/proc/\(entry)", &info) == 0 else { continue }
            if RunIdentity.ownRange.contains(info.st_uid) {
                found.append("\(entry) (uid \(info.st_uid))")
            }
        }
        return found
    }

    /// What is left in the folder where builds and their runs go.
    static func runFolders() -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: CodeSupport.runsRoot)) ?? [])
    }

    /// The child keeps the grader's own user (what an unprivileged grader
    /// gets, and a root grader told not to switch): the seccomp lockdown,
    /// the limits, the private /tmp and the read-only root still contain
    /// the tricks. (The grader's own /proc entries are then readable: same
    /// user, so `snoop` is left out here.)
    func testContainmentWithoutUserSwitch() throws {
        let rubric = try Self.testRubric()
        let listener = try? TCPListener(port: 47913)
        defer { listener?.close() }
        let watched = Self.watchedFolders()
        let before = Dictionary(uniqueKeysWithValues: watched.map { ($0, Self.planted(in: $0)) })
        let names = ["correct", "kill_parent", "fork_bomb", "spawn_shell", "tcp_connect", "results_files", "memory_64g"]
        let graded = gradeAll(names, rubric: rubric, options: CodeGrader.Options(user: .current))
        for (name, result) in zip(names, graded) { try check(name, result, rubric: rubric) }
        for folder in watched {
            XCTAssertEqual(Self.planted(in: folder), before[folder] ?? [], "results files appeared in \(folder)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/capas-shell-ran"))
        if let listener { XCTAssertFalse(listener.accepted(), "a submission connected to 127.0.0.1:47913") }
    }

    /// The grader running as a normal user (the child keeps that user's ids;
    /// private /tmp and read-only root through a user namespace). Runs
    /// directly as a normal user; as root, `testContainmentAsNobody` runs it
    /// again as nobody (65534) via setpriv.
    func testContainmentAsNormalUser() throws {
        try XCTSkipIf(geteuid() == 0, "runs as a normal user (testContainmentAsNobody does that from root)")
        _ = Self.plantDecoys()
        let rubric = try Self.testRubric()
        let listener = try? TCPListener(port: 47913)
        defer { listener?.close() }
        let watched = Self.watchedFolders()
        let before = Dictionary(uniqueKeysWithValues: watched.map { ($0, Self.planted(in: $0)) })
        let names = ["correct", "kill_parent", "fork_bomb", "spawn_shell", "tcp_connect", "results_files", "snoop",
                     "memory_64g", "infinite_loop", "out_of_bounds", "before_main", "sigio_neighbour", "build_path"]
        let graded = gradeAll(names, rubric: rubric)
        for (name, result) in zip(names, graded) { try check(name, result, rubric: rubric) }
        for folder in watched {
            XCTAssertEqual(Self.planted(in: folder), before[folder] ?? [], "results files appeared in \(folder)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/capas-shell-ran"))
        if let listener { XCTAssertFalse(listener.accepted(), "a submission connected to 127.0.0.1:47913") }
    }

    func testContainmentAsNobody() throws {
        try XCTSkipUnless(geteuid() == 0, "already a normal user: testContainmentAsNormalUser runs directly")
        let setpriv = "/usr/bin/setpriv"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: setpriv), "no setpriv")
        let decoy = Self.plantDecoys()
        defer { if let decoy { try? FileManager.default.removeItem(atPath: decoy) } }
        let bundle = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        // Builds go beside the products (the child's /tmp is private), in a folder nobody may write.
        let runs = (bundle as NSString).deletingLastPathComponent + "/capas-grader-runs-nobody"
        try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
        chmod(runs, 0o1777)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: setpriv)
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                             bundle, "CapasGraderTests.CodeHostileTests/testContainmentAsNormalUser"]
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                               "HOME": "/tmp", "LANG": "C.UTF-8", "CAPAS_GRADER_RUNS": runs,
                               "CAPAS_DECOY_SECRET": "decoy"]
        process.currentDirectoryURL = URL(fileURLWithPath: "/tmp")
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, String(text.suffix(6000)))
        XCTAssertTrue(text.contains("Executed 1 test, with 0 failures"), String(text.suffix(6000)))
        XCTAssertFalse(text.contains("skipped"), "the run as nobody skipped its test")
    }

    /// Folders a submission would love to write results into, on the grader's side.
    static func watchedFolders() -> [String] {
        var folders = [FileManager.default.currentDirectoryPath, NSHomeDirectory(), "/tmp", "/var/tmp", "/dev/shm", "/",
                       "/autograder/results", "/autograder"]
        var folder = CodeSupport.submissions.path
        while folder != "/" {
            folders.append(folder)
            folder = (folder as NSString).deletingLastPathComponent
        }
        return Array(Set(folders)).sorted()
    }

    static func planted(in folder: String) -> Set<String> {
        var found = Set<String>()
        for name in ["results.json", "junit.xml"] where FileManager.default.fileExists(atPath: folder + "/" + name) {
            let path = folder + "/" + name
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if text.contains("\"score\": 100") || text.contains("<testcase name=\"all\"/>") { found.insert(path) }
        }
        return found
    }
}

/// A TCP listener on 127.0.0.1 that can tell whether anyone connected.
struct TCPListener {
    let fd: Int32

    init(port: UInt16) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        address.sin_port = port.bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 && listen(fd, 8) == 0
            }
        }
        guard bound else { Glibc.close(fd); throw POSIXError(.EADDRINUSE) }
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        self.fd = fd
    }

    func accepted() -> Bool {
        let connection = accept(fd, nil, nil)
        if connection >= 0 { Glibc.close(connection); return true }
        return false
    }

    func close() { _ = Glibc.close(fd) }
}
