// Running the grader's own tools (the Swift compiler, the symbolizer) with
// a deadline: a process group of their own, output into files (no pipe can
// fill up), the whole group killed when time runs out.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ToolRun {
    var status: Int32
    var timedOut: Bool
    var output: String
    var seconds: Double
}

enum ToolProcess {
    /// Runs `executable` with `arguments` in `directory`; stdout and stderr
    /// together, at most `outputLimit` bytes kept.
    static func run(_ executable: String, _ arguments: [String], directory: String,
                    environment: [String: String]? = nil, timeout: Double,
                    outputLimit: Int = 64 << 10) throws -> ToolRun {
        let started = Date()
        let outputPath = directory + "/.tool-output-\(UUID().uuidString)"
        defer { unlink(outputPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let environmentList = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = [executable] + arguments
        var pid: pid_t = 0
        let code = withCStringArray(argv) { argvPointer in
            withCStringArray(environmentList) { envPointer in
                posix_spawn(&pid, executable, &actions, &attributes, argvPointer, envPointer)
            }
        }
        guard code == 0 else {
            throw GraderError.internalError(Bilingual("cannot start \(executable): \(String(cString: strerror(code)))"))
        }

        var status: Int32 = 0
        var timedOut = false
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR { break }
            if Date() >= deadline {
                timedOut = true
                kill(-pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                break
            }
            usleep(5_000)
        }
        // Whatever the compiler started (frontends, the linker) goes with it.
        kill(-pid, SIGKILL)

        var output = (try? Data(contentsOf: URL(fileURLWithPath: outputPath))) ?? Data()
        if output.count > outputLimit { output = output.prefix(outputLimit) }
        let exitStatus: Int32 = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ToolRun(status: exitStatus, timedOut: timedOut, output: String(decoding: output, as: UTF8.self),
                       seconds: Date().timeIntervalSince(started))
    }

    /// The first executable called `name` on PATH, or among `fallbacks`.
    static func find(_ name: String, fallbacks: [String] = []) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let candidates = path.split(separator: ":").map { "\($0)/\(name)" } + fallbacks
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
