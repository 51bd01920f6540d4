@testable import CapasGrader
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
            rubric.checks[i].limits = Rubric.Limits(wallSeconds: 2, cpuSeconds: 2, memoryMB: 512)
        }
        return rubric
    }

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: CodeSupport.submissions.path)) ?? []).sorted()
    }

    /// Grades one submission and checks it against its expected.json.
    func gradeAndCheck(_ name: String, rubric: Rubric, options: CodeGrader.Options = CodeGrader.Options(),
                       file: StaticString = #filePath, line: UInt = #line) throws -> ExerciseReport {
        let folder = CodeSupport.submissions.appendingPathComponent(name)
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        let started = Date()
        let report = try CodeSupport.grade(folder, rubric: rubric, options: options)
        let seconds = Date().timeIntervalSince(started)
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
        return report
    }

    func testEverySubmissionHasAnExpectation() {
        XCTAssertGreaterThanOrEqual(Self.names.count, 20)
        for name in Self.names {
            XCTAssertTrue(FileManager.default.fileExists(atPath: CodeSupport.submissions.appendingPathComponent(name + "/expected.json").path), name)
        }
    }

    func testHostileSubmissions() throws {
        let rubric = try Self.testRubric()
        let listener = try? TCPListener(port: 47913)
        defer { listener?.close() }
        let watched = Self.watchedFolders()
        let before = Dictionary(uniqueKeysWithValues: watched.map { ($0, Self.planted(in: $0)) })
        let started = Date()
        for name in Self.names {
            _ = try gradeAndCheck(name, rubric: rubric)
        }
        print("hostile suite: \(Self.names.count) submissions in \(Date().timeIntervalSince(started)) s")

        // Nothing planted in the grader's folders, no shell ran, no connection arrived, we are alive.
        for folder in watched {
            XCTAssertEqual(Self.planted(in: folder), before[folder] ?? [], "results files appeared in \(folder)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/capas-shell-ran"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/big"))
        if let listener { XCTAssertFalse(listener.accepted(), "a submission connected to 127.0.0.1:47913") }
    }

    /// The child keeps the grader's own user (what an unprivileged grader
    /// gets, and a root grader told not to switch): the seccomp lockdown,
    /// the limits, the private /tmp and the read-only root still contain
    /// the tricks. (Reading the grader's /proc is then possible: same user.)
    func testContainmentWithoutUserSwitch() throws {
        let rubric = try Self.testRubric()
        let listener = try? TCPListener(port: 47913)
        defer { listener?.close() }
        let watched = Self.watchedFolders()
        let before = Dictionary(uniqueKeysWithValues: watched.map { ($0, Self.planted(in: $0)) })
        for name in ["correct", "kill_parent", "fork_bomb", "spawn_shell", "tcp_connect", "results_files", "memory_64g"] {
            _ = try gradeAndCheck(name, rubric: rubric, options: CodeGrader.Options(user: .current))
        }
        for folder in watched {
            XCTAssertEqual(Self.planted(in: folder), before[folder] ?? [], "results files appeared in \(folder)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/capas-shell-ran"))
        if let listener { XCTAssertFalse(listener.accepted(), "a submission connected to 127.0.0.1:47913") }
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
