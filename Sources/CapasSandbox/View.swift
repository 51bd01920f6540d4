// What a run sees of the file system under bubblewrap: a declarative list
// of mounts, turned into bubblewrap's arguments in one place, so one look
// (or one test) says everything the child can reach.

import CSandbox
#if canImport(Glibc)
import Glibc
#endif

public struct SandboxView: Sendable, Equatable {
    public enum Mount: Sendable, Equatable {
        /// `source` visible read-only at `destination`.
        case readOnly(String, at: String)
        /// `source` visible read-write at `destination`.
        case writable(String, at: String)
        /// A symbolic link `destination` → `target`.
        case symlink(String, at: String)
        /// An empty tmpfs at `destination`.
        case tmpfs(String)
    }

    public var mounts: [Mount]

    /// The size of a run's /dev/shm under bubblewrap.
    public static let sharedMemoryBytes = 1 << 20

    public init(mounts: [Mount]) { self.mounts = mounts }

    /// A learner's program: the system's shared libraries and the folders of
    /// the Swift runtime this grader was built with, nothing else of the host
    /// (no /usr/bin: there is no shell or tool to start).
    public static func program(libraries extra: [String] = []) -> SandboxView {
        var mounts = systemLibraries()
        for folder in runtimeLibraryFolders() + extra where !mounts.contains(.readOnly(folder, at: folder)) {
            mounts.append(.readOnly(folder, at: folder))
        }
        return SandboxView(mounts: mounts)
    }

    /// A tool: all of /usr (compilers, linkers, headers), `extra` mounts
    /// (a toolchain under /opt at its own path, the inputs where the tool
    /// expects them), and the run's folder as /tmp.
    public static func tool(_ extra: [Mount]) -> SandboxView {
        var mounts: [Mount] = [.readOnly("/usr", at: "/usr")] + rootLinks()
        for file in ["/etc/ld.so.cache", "/etc/alternatives"] where exists(file) {
            mounts.append(.readOnly(file, at: file))
        }
        for mount in extra {
            if case .readOnly(let source, let destination) = mount, source == destination,
               source == "/usr" || source.hasPrefix("/usr/") { continue }
            mounts.append(mount)
        }
        return SandboxView(mounts: mounts)
    }

    /// bubblewrap's arguments for this view, with the folder open on
    /// `workDescriptor` as the writable /tmp and the program open on
    /// `programDescriptor` visible read-only at `inside`.
    public func bubblewrapArguments(workDescriptor: Int32, programDescriptor: Int32?, at inside: String) -> [String] {
        // /dev is bubblewrap's own tmpfs, in memory: its /dev/shm gets 1 MiB
        // and the rest is made read-only below, so a run cannot fill the
        // machine's memory there (its /tmp is its folder on disk).
        var arguments = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                         "--proc", "/proc", "--dev", "/dev", "--size", String(SandboxView.sharedMemoryBytes), "--tmpfs", "/dev/shm"]
        for mount in mounts {
            switch mount {
            case .readOnly(let source, let destination): arguments += ["--ro-bind", source, destination]
            case .writable(let source, let destination): arguments += ["--bind", source, destination]
            case .symlink(let target, let destination): arguments += ["--symlink", target, destination]
            case .tmpfs(let destination): arguments += ["--tmpfs", destination]
            }
        }
        arguments += ["--bind-fd", String(workDescriptor), "/tmp"]
        if let programDescriptor { arguments += ["--ro-bind-fd", String(programDescriptor), inside] }
        // Everything above stays; nothing new can be made outside /tmp and /dev/shm.
        arguments += ["--remount-ro", "/dev", "--remount-ro", "/"]
        return arguments
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// /lib, /lib64, /bin, /sbin as the host has them: links into /usr on a
    /// merged-/usr system, else the folders themselves, read-only.
    static func rootLinks() -> [Mount] {
        var mounts: [Mount] = []
        for name in ["/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin"] where exists(name) {
            var buffer = [CChar](repeating: 0, count: 4096)
            let count = readlink(name, &buffer, buffer.count - 1)
            if count > 0 {
                let target = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                mounts.append(.symlink(target, at: name))
            } else {
                mounts.append(.readOnly(name, at: name))
            }
        }
        return mounts
    }

    /// The folders of shared libraries: /usr/lib*, the root links to them,
    /// and the loader's cache.
    static func systemLibraries() -> [Mount] {
        var mounts: [Mount] = []
        for folder in ["/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/libx32"] where exists(folder) {
            mounts.append(.readOnly(folder, at: folder))
        }
        for link in rootLinks() {
            switch link {
            case .symlink(_, let name) where name.hasPrefix("/lib"): mounts.append(link)
            case .readOnly(let name, _) where name.hasPrefix("/lib"): mounts.append(link)
            default: break
            }
        }
        if exists("/etc/ld.so.cache") { mounts.append(.readOnly("/etc/ld.so.cache", at: "/etc/ld.so.cache")) }
        return mounts
    }

    /// Folders outside /usr of the shared libraries mapped into this
    /// process (the Swift runtime of a toolchain under /opt, say): a
    /// program built by the same toolchain needs the same ones.
    static func runtimeLibraryFolders() -> [String] {
        guard let maps = fopen("/proc/self/maps", "r") else { return [] }
        defer { fclose(maps) }
        var folders: [String] = []
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), maps) != nil {
            let text = String(cString: line).trimmingNewline()
            guard let slash = text.firstIndex(of: "/") else { continue }
            let path = String(text[slash...])
            guard path.contains(".so"), !path.hasPrefix("/usr/"), !path.hasPrefix("/lib") else { continue }
            guard let end = path.lastIndex(of: "/") else { continue }
            let folder = String(path[..<end])
            if !folder.isEmpty && !folders.contains(folder) { folders.append(folder) }
        }
        return folders
    }
}

extension String {
    fileprivate func trimmingNewline() -> String {
        var text = self
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}

/// uids of runs: one per run, from a range no system or container tool
/// hands out (systemd reserves 0x70000000–0x7FFEFFFF for nothing), keyed
/// by the grader's pid so that two graders on one machine never meet.
public enum RunIdentity {
    public static let base: UInt32 = 0x7000_0000
    static let slotsPerProcess: UInt32 = 32
    nonisolated(unsafe) static var inUse = Set<UInt32>()
    nonisolated(unsafe) static var lock = pthread_mutex_t()
    nonisolated(unsafe) static var next: UInt32 = 0

    static func withLock<R>(_ body: () -> R) -> R {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return body()
    }

    /// A uid no other run of any grader on this machine holds now. More than
    /// `slotsPerProcess` runs at once in one grader wait for a free slot.
    public static func acquire() -> UInt32 {
        let processBase = base + (UInt32(getpid()) & 0x3F_FFFF) * slotsPerProcess
        while true {
            let uid: UInt32? = withLock {
                for _ in 0..<slotsPerProcess {
                    let candidate = processBase + next % slotsPerProcess
                    next &+= 1
                    if !inUse.contains(candidate) {
                        inUse.insert(candidate)
                        return candidate
                    }
                }
                return nil
            }
            if let uid { return uid }
            usleep(10_000)
        }
    }

    /// The uids this process's runs can have.
    public static var ownRange: Range<UInt32> {
        let first = base + (UInt32(getpid()) & 0x3F_FFFF) * slotsPerProcess
        return first..<(first + slotsPerProcess)
    }

    public static func release(_ uid: UInt32) {
        _ = withLock { inUse.remove(uid) }
    }
}

/// Does bubblewrap work here (installed, allowed to make its namespaces,
/// as the users runs will have)? One short run of /usr/bin/true.
enum BubblewrapProbe {
    static func works(_ bubblewrap: String) -> Bool {
        let paths: [String] = ["/usr/bin/true", "/bin/true"]
        let truth = paths.first { access($0, X_OK) == 0 }
        guard let truth else { return false }
        var config = capas_spawn_config()
        let asRoot = geteuid() == 0
        let uid = asRoot ? RunIdentity.acquire() : geteuid()
        defer { if asRoot { RunIdentity.release(uid) } }
        config.switch_user = asRoot ? 1 : 0
        config.uid = uid
        config.gid = asRoot ? uid : getegid()
        let argv = [bubblewrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                    "--ro-bind", "/usr", "/usr"] + SandboxView.rootLinks().flatMap { mount -> [String] in
                        switch mount {
                        case .symlink(let target, let name): ["--symlink", target, name]
                        case .readOnly(let source, let name): ["--ro-bind", source, name]
                        default: []
                        }
                    } + ["--proc", "/proc", "--dev", "/dev", "--size", "1048576", "--tmpfs", "/dev/shm",
                         "--remount-ro", "/dev", "--tmpfs", "/tmp", "--", truth]
        return probeRun(bubblewrap, argv, &config)
    }
}

/// Starts `argv` with `config` and says whether it exited 0 within 10 s.
private func probeRun(_ program: String, _ argv: [String], _ config: inout capas_spawn_config) -> Bool {
    var child = capas_child()
    var stage = CAPAS_STAGE_NONE
    let code: Int32 = "/".withCString { root in
        config.work_dir = root
        return withProbeCStrings(argv) { argvPointer in
            withProbeCStrings(["PATH=/usr/bin:/bin"]) { envp in
                capas_spawn(program, argvPointer, envp, &config, &child, &stage)
            }
        }
    }
    guard code == 0 else { return false }
    defer { close(child.stdout_fd); close(child.stderr_fd); close(child.channel_fd) }
    var status: Int32 = 0
    for _ in 0..<1000 {
        let result = waitpid(child.pid, &status, WNOHANG)
        if result == child.pid { return status & 0x7f == 0 && (status >> 8) & 0xff == 0 }
        if result < 0 && errno != EINTR { return false }
        usleep(10_000)
    }
    kill(-child.pid, SIGKILL)
    while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
    return false
}

private func withProbeCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
