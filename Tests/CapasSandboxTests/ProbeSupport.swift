import CapasSandbox
import Foundation
import XCTest

/// Runs SandboxProbe (built next to this test bundle) and reads its report.
class ProbeTestCase: XCTestCase {
    /// The products directory: where the test bundle, and the probe, are.
    static let productsDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (executable as NSString).deletingLastPathComponent
    }()

    static var probe: String { productsDirectory + "/SandboxProbe" }

    /// What writing to one of the grader's own paths gives inside the private
    /// namespace: read-only (EROFS), or gone (ENOENT) when the path lies under
    /// /tmp, /var/tmp or /dev/shm, which the child's directory covers (a clone
    /// of the course under /tmp).
    static func refusal(writingTo path: String) -> String {
        let resolved = (path as NSString).resolvingSymlinksInPath
        let covered = ["/tmp", "/var/tmp", "/dev/shm"].contains { resolved.hasPrefix($0 + "/") }
        return covered ? "ENOENT" : "EROFS"
    }

    /// Generous limits: no test depends on timing beyond them.
    static let relaxed = SandboxLimits(wallClock: .seconds(60), cpuSeconds: 60, memoryBytes: 4 << 30,
                                       fileSizeBytes: 16 << 20)

    /// A private root for run directories, so a test can see that nothing is left.
    var runRoot = ""

    /// The isolation under test: what this machine offers, and, where that
    /// is bubblewrap, each test runs a second time with the spawner alone
    /// (the fallback for machines without user namespaces).
    var isolation: Sandbox.Isolation = Sandbox.isolation
    var bubblewrap: Bool { if case .bubblewrap = isolation { true } else { false } }
    static var isolations: [Sandbox.Isolation] {
        if case .bubblewrap = Sandbox.isolation { return [Sandbox.isolation, .direct] }
        return [.direct]
    }

    /// Runs `check` once per isolation in `isolations`.
    func eachIsolation(_ check: () throws -> Void) rethrows {
        for each in Self.isolations {
            isolation = each
            try check()
        }
        isolation = Sandbox.isolation
    }

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.probe),
                          "SandboxProbe not built next to the tests (\(Self.probe))")
        var template = Array("/tmp/capas-sandbox-test-XXXXXX".utf8CString)
        let made = try XCTUnwrap(mkdtemp(&template))
        runRoot = String(cString: made)
        // Searchable by the runs' users (as /tmp is): bubblewrap, running as them, binds folders by path.
        chmod(runRoot, 0o711)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: runRoot)
    }

    func sandbox(limits: SandboxLimits = relaxed, user: Sandbox.User, profile: Sandbox.Profile = .program) -> Sandbox {
        Sandbox(limits: limits, user: user, profile: profile, temporaryRoot: runRoot, isolation: isolation)
    }

    func probe(_ behaviour: String, _ extra: [String] = [], limits: SandboxLimits = relaxed,
               user: Sandbox.User, profile: Sandbox.Profile = .program,
               file: StaticString = #filePath, line: UInt = #line) throws -> SandboxOutcome {
        let outcome = try sandbox(limits: limits, user: user, profile: profile).run(executable: Self.probe,
                                                                                    arguments: [behaviour] + extra)
        // Every run: its directory is gone, and nothing of its process group is left.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: runRoot), [],
                       "run directory left behind", file: file, line: line)
        XCTAssertEqual(kill(-outcome.pid, 0), -1, "process group still exists", file: file, line: line)
        XCTAssertEqual(errno, ESRCH, file: file, line: line)
        return outcome
    }
}

extension SandboxOutcome {
    /// The probe's `key: value` lines.
    var report: [String: String] {
        var result: [String: String] = [:]
        for line in stdout.split(separator: "\n") {
            guard let colon = line.range(of: ": ") else { continue }
            result[String(line[..<colon.lowerBound])] = String(line[colon.upperBound...])
        }
        return result
    }

    var channelText: String { String(decoding: channel, as: UTF8.self) }
}

/// A TCP listener on 127.0.0.1 that can tell whether anyone connected.
struct Listener {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { Glibc.close(fd); throw POSIXError(.EADDRINUSE) }
        port = UInt16(bigEndian: address.sin_port)
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
    }

    /// Did a connection arrive? (Non-blocking accept.)
    func accepted() -> Bool {
        let connection = accept(fd, nil, nil)
        if connection >= 0 { Glibc.close(connection); return true }
        return false
    }

    func close() { _ = Glibc.close(fd) }
}

/// A file's modification time, or nil if it does not exist.
func modificationTime(_ path: String) -> Date? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
}
