// CapasSandbox: run one untrusted program in a child process and get back
// what it printed, what it wrote on its private result pipe, and why it ended.
//
// The whole API:
//
//     public struct Sandbox: Sendable {
//         public enum User { case perRun, unprivileged, current, account(uid:gid:) }   // .automatic: perRun as root
//         public enum Profile { case program, tool }       // what the program may still start
//         public enum Isolation { case bubblewrap(String), direct }   // Sandbox.isolation: probed once
//         public var limits: SandboxLimits, user: User, profile: Profile, view: SandboxView,
//                    temporaryRoot: String, isolation: Isolation, runInPlace: Bool
//         public func run(executable:arguments:environment:standardInput:collect:) throws(SandboxError) -> SandboxOutcome
//     }
//     SandboxLimits, SandboxOutcome, SandboxViolation, SandboxProtections, SandboxError: below.
//     SandboxView (View.swift): the mounts a run sees under bubblewrap, as a value.
//
// What one `run` does:
//
// 1. Gives the run a uid of its own (`RunIdentity`, as root) and a fresh
//    empty directory under `temporaryRoot`, owned by that uid.
// 2. `capas_spawn` (C): fork; in the child its own session, resource limits
//    (CPU, address space, file size, processes, open files, no core files),
//    stdin, stdout and stderr, the result channel on descriptor 3, every
//    other descriptor closed, the uid switch, no-new-privileges.
//    - Under **bubblewrap** the child then starts bubblewrap, which makes
//      fresh user (for a normal user), pid, network, IPC and UTS namespaces
//      and a root with only the run's directory (as /tmp), the program (at
//      /sandbox/NAME) and what `view` lists, read-only; installs the seccomp
//      filter it reads from descriptor 6; and starts the program.
//    - **Alone** (`.direct`: no bubblewrap, or no user namespaces) the child
//      makes a private mount namespace where it can (the directory is /tmp,
//      the rest of / read-only, as root a /proc without other users),
//      installs the filter itself and starts the program with execveat on
//      the descriptor it holds, the one exec the filter lets through.
//    Either way the filter is in force at the program's first instruction:
//    code that runs before main, or replaces the C library's symbols, is
//    held like the rest. The `program` profile refuses new processes, exec
//    (beyond the start), network, tracing, signals to others, setsid,
//    namespaces and mounts; the `tool` profile (the compiler) allows
//    processes and exec.
// 3. Reads stdout, stderr and the channel together with poll(), so a child
//    that fills one pipe never blocks on it: stdout and stderr keep only
//    their first `outputBytes` (the rest is read and dropped); more than
//    `channelBytes` on the channel kills the child.
// 4. At `wallClock`, SIGKILLs the child's whole process group. Always kills
//    what is left, reaps what this process adopted (it is a child
//    subreaper), kills every process of the run's uid, lets `collect` read
//    the directory through its descriptor, then removes it through
//    descriptors (never following a link).
//
// `outcome.protections` says what applied. SECURITY.md is the threat
// model. **Not bounded:** the total disk the child fills in its private
// directory within the wall clock (each file is capped by `fileSizeBytes`).

import CSandbox
#if canImport(Glibc)
import Glibc
#endif

/// Limits of one run. Zero means "not limited" for the rlimit-backed fields.
public struct SandboxLimits: Sendable, Equatable {
    /// Real time before the whole process group is killed.
    public var wallClock: Duration
    /// RLIMIT_CPU: SIGXCPU at this many seconds of CPU, SIGKILL one second later.
    public var cpuSeconds: Int
    /// RLIMIT_AS: **address space**, not resident memory; thread stacks and
    /// mapped libraries count, so leave room beyond the data itself.
    public var memoryBytes: Int
    /// RLIMIT_FSIZE: the largest file the child may write (SIGXFSZ, then EFBIG).
    public var fileSizeBytes: Int
    /// Bytes of stdout, and separately of stderr, that are kept.
    public var outputBytes: Int
    /// Bytes the child may write on descriptor 3; one more kills it.
    public var channelBytes: Int
    /// RLIMIT_NOFILE.
    public var openFiles: Int
    /// RLIMIT_NPROC: threads included, counted per user, **not enforced for root**.
    public var processes: Int

    public init(wallClock: Duration = .seconds(10), cpuSeconds: Int = 10,
                memoryBytes: Int = 4 << 30, fileSizeBytes: Int = 16 << 20,
                outputBytes: Int = 4096, channelBytes: Int = 64 << 20,
                openFiles: Int = 64, processes: Int = 256) {
        self.wallClock = wallClock
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
        self.fileSizeBytes = fileSizeBytes
        self.outputBytes = outputBytes
        self.channelBytes = channelBytes
        self.openFiles = openFiles
        self.processes = processes
    }
}

/// Why the sandbox (not the program's own logic) ended a run.
public enum SandboxViolation: Sendable, Equatable, CustomStringConvertible {
    /// Still running after `wallClock`: killed.
    case wallClock
    /// Used up `cpuSeconds` (SIGXCPU, or SIGKILL at the hard limit).
    case cpuTime
    /// An allocation failed under `memoryBytes`: recognised by the Swift
    /// runtime's message on stderr ("failed to allocate … bytes"), or a
    /// SIGKILL we did not send with the resident size near the limit.
    case memory
    /// Wrote past `fileSizeBytes` (SIGXFSZ).
    case fileSize
    /// Made a system call the lockdown kills for (SIGSYS; only with
    /// `CAPAS_DENY_KILL`, the default lockdown answers EPERM instead).
    case forbiddenSyscall
    /// Wrote more than `channelBytes` on the result channel: killed.
    case channelLimit

    public var description: String {
        switch self {
        case .wallClock: "wall-clock limit exceeded"
        case .cpuTime: "CPU time limit exceeded"
        case .memory: "memory limit exceeded"
        case .fileSize: "file size limit exceeded"
        case .forbiddenSyscall: "forbidden system call"
        case .channelLimit: "result channel limit exceeded"
        }
    }
}

/// What actually isolated a run (depends on who runs the grader and the kernel).
public struct SandboxProtections: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The child ran as another uid/gid with no supplementary groups.
    public static let userSwitch = SandboxProtections(rawValue: UInt32(CAPAS_PROTECT_USER_SWITCH))
    /// /tmp, /var/tmp and /dev/shm were the run's own directory.
    public static let privateTmp = SandboxProtections(rawValue: UInt32(CAPAS_PROTECT_PRIVATE_TMP))
    /// /proc showed no processes of other users.
    public static let hiddenProc = SandboxProtections(rawValue: UInt32(CAPAS_PROTECT_HIDDEN_PROC))
    /// The root file system was read-only (only the private /tmp was writable).
    public static let readOnlyRoot = SandboxProtections(rawValue: UInt32(CAPAS_PROTECT_READ_ONLY_ROOT))
    /// The private mounts came from an unprivileged user namespace.
    public static let userNamespace = SandboxProtections(rawValue: UInt32(CAPAS_PROTECT_USER_NS))
    /// The seccomp filter was installed from outside, before the program's first instruction.
    public static let filter = SandboxProtections(rawValue: UInt32(CAPAS_PROTECT_FILTER))
    /// Fresh pid, network, IPC and UTS namespaces (bubblewrap).
    public static let namespaces = SandboxProtections(rawValue: 1 << 16)
    /// A root file system of its own: the run's directory, the program and
    /// the libraries it needs, nothing of /home, /srv, /work or the course.
    public static let privateView = SandboxProtections(rawValue: 1 << 17)
}

/// Everything the parent learned about one run.
public struct SandboxOutcome: Sendable {
    public enum Termination: Sendable, Equatable {
        /// The program exited with this status.
        case exited(Int32)
        /// A signal the sandbox did not send ended it (SIGXCPU, SIGSYS, a crash…).
        case signaled(Int32)
        /// The sandbox killed it at the wall-clock limit.
        case timedOut
        /// The sandbox killed it for writing more than `channelBytes` on descriptor 3.
        case channelOverflow
    }

    public var termination: Termination
    /// Which limit ended the run, when one can be named; nil for a normal
    /// exit, a crash, or an exit code after a refused system call.
    public var reason: SandboxViolation?
    /// The first `outputBytes` of each stream, decoded as UTF-8 with
    /// replacement characters for invalid bytes.
    public var stdout: String
    public var stderr: String
    /// More than `outputBytes` arrived on stdout or stderr.
    public var outputTruncated: Bool
    /// The bytes the child wrote on descriptor 3: its result. Empty after an
    /// early exit; the grader treats that as "no result".
    public var channel: [UInt8]
    public var wallTime: Duration
    /// User plus system CPU time of the child.
    public var cpuTime: Duration
    /// Largest resident set size of the child.
    public var peakMemoryBytes: Int
    public var protections: SandboxProtections
    /// The child's pid, also its process-group id (gone by the time you read it).
    public var pid: Int32

    /// Is this the normal, expected end: `.exited(0)` with no violation?
    public var succeeded: Bool { termination == .exited(0) && reason == nil }
}

public enum SandboxError: Error, Equatable, CustomStringConvertible {
    /// `.unprivileged` or `.account` asked for while the grader is not root.
    case cannotSwitchUser(uid: UInt32)
    /// The run's directory could not be prepared.
    case workDirectory(path: String, errno: Int32)
    /// The child could not be started; `stage` names the failing step.
    case spawn(stage: String, errno: Int32)

    public var description: String {
        switch self {
        case .cannotSwitchUser(let uid):
            "running the child as uid \(uid) needs a grader running as root"
        case .workDirectory(let path, let code):
            "cannot prepare the sandbox directory \(path): \(String(cString: strerror(code)))"
        case .spawn(let stage, let code):
            "cannot start the sandboxed program (\(stage)): \(String(cString: strerror(code)))"
        }
    }
}

public struct Sandbox: Sendable {
    public enum User: Sendable, Equatable {
        /// A uid and gid of the run's own, from a reserved range (see
        /// `RunIdentity`): no two runs on the machine share a process budget,
        /// can signal each other or read each other's files. Needs root; the
        /// default as root.
        case perRun
        /// nobody:nogroup (65534:65534); needs a grader running as root.
        case unprivileged
        /// The grader's own uid and gid (as root: root, with only the filter,
        /// limits and namespaces as protection). The default as a normal user.
        case current
        /// Any other uid/gid; needs a grader running as root.
        case account(uid: UInt32, gid: UInt32)

        /// `.perRun` as root, `.current` otherwise.
        public static var automatic: User { geteuid() == 0 ? .perRun : .current }
    }

    /// What the program may still start, and so which filter it gets.
    public enum Profile: Sendable, Equatable {
        /// A learner's program: no processes, no exec, no network; the filter
        /// is installed before its first instruction.
        case program
        /// One of the grader's tools run on learner input (the compiler, the
        /// symbolizer): it starts its own helpers, so processes and exec are
        /// allowed; no network, tracing, mounts or namespaces.
        case tool
    }

    /// PATH, a UTF-8 locale, and Swift's crash backtracer off (it would need
    /// to exec a helper, which the filter refuses). The sandbox adds HOME,
    /// TMPDIR and PWD pointing at the run's directory unless given.
    public static let minimalEnvironment: [String: String] = [
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "SWIFT_BACKTRACE": "enable=no",
    ]

    public var limits: SandboxLimits
    public var user: User
    public var profile: Profile
    /// What the run sees besides its own directory (bubblewrap only).
    public var view: SandboxView
    /// Where run directories are created (outside the child's view of /tmp
    /// whenever the private mount namespace applies). Every folder on the
    /// way must be searchable by the run's user (bubblewrap binds by path).
    public var temporaryRoot: String
    /// bubblewrap when this machine allows it (`Sandbox.isolation`), else the spawner alone.
    public var isolation: Isolation
    /// Under bubblewrap: the program is bound read-only at /sandbox/NAME
    /// (false), or started at its own path, which the view must show (true:
    /// a tool that finds its helpers next to itself, like the compiler).
    public var runInPlace = false

    public init(limits: SandboxLimits = SandboxLimits(), user: User = .automatic, profile: Profile = .program,
                view: SandboxView = .program(), temporaryRoot: String = "/tmp",
                isolation: Isolation = Sandbox.isolation) {
        self.isolation = isolation
        self.limits = limits
        self.user = user
        self.profile = profile
        self.view = view
        self.temporaryRoot = temporaryRoot
    }

    /// Runs `executable` (an absolute path the child's user can read and
    /// execute) with `arguments` (argv[1...]).
    /// Returns whatever the child does; throws only if it could not start.
    /// `standardInput` names a file the child reads as its standard input
    /// (opened here, so the child needs no path to it); nil gives /dev/null.
    public func run(executable: String, arguments: [String] = [],
                    environment: [String: String] = Sandbox.minimalEnvironment,
                    standardInput: String? = nil,
                    collect: ((_ workDirectory: Int32) -> Void)? = nil) throws(SandboxError) -> SandboxOutcome {
        let ids = try childIDs()
        defer { ids.release() }
        let directory = try WorkDirectory(root: temporaryRoot, owner: ids)
        defer { directory.remove() }

        var config = capas_spawn_config()
        config.cpu_seconds = UInt64(max(0, limits.cpuSeconds))
        config.memory_bytes = UInt64(max(0, limits.memoryBytes))
        config.file_size_bytes = UInt64(max(0, limits.fileSizeBytes))
        config.open_files = UInt64(max(0, limits.openFiles))
        config.switch_user = ids.switchUser ? 1 : 0
        config.uid = ids.uid
        config.gid = ids.gid
        config.deny_action = CAPAS_DENY_ERRNO

        var program = executable
        var argv = [executable] + arguments
        var passed: [Int32] = []
        var infoRead: Int32 = -1
        defer {
            for fd in passed { close(fd) }
            if infoRead >= 0 { close(infoRead) }
        }
        let privateTmp: Bool
        switch isolation {
        case .bubblewrap(let bubblewrap):
            // bubblewrap makes the namespaces and the view, binds the run's
            // folder and the program from descriptors opened here (the run's
            // user needs no path to either), installs the filter it reads
            // from descriptor 6 and starts the program.
            privateTmp = true
            let filter = try Sandbox.filterDescriptor(profile: profile)
            passed.append(filter)
            let work = open(directory.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard work >= 0 else { throw SandboxError.workDirectory(path: directory.path, errno: errno) }
            passed.append(work)
            let image = open(executable, 0o10000000 | O_CLOEXEC)   // O_PATH
            guard image >= 0 else { throw SandboxError.spawn(stage: "execve", errno: errno) }
            passed.append(image)
            // bubblewrap's --info-fd: the pid of its process inside, to reap.
            var info: [Int32] = [-1, -1]
            let piped = info.withUnsafeMutableBufferPointer { capas_pipe_cloexec($0.baseAddress) }
            guard piped == 0 else { throw SandboxError.spawn(stage: "pipes", errno: piped) }
            infoRead = info[0]
            passed.append(info[1])
            config.pass_count = 4
            config.pass_fds = (filter, work, image, info[1])
            Sandbox.becomeSubreaper
            let inside = runInPlace ? executable
                : "/sandbox/" + (executable.split(separator: "/").last.map(String.init) ?? "program")
            argv = [bubblewrap] + view.bubblewrapArguments(workDescriptor: CAPAS_PASSED_FD + 1,
                                                          programDescriptor: runInPlace ? nil : CAPAS_PASSED_FD + 2,
                                                          at: inside)
                + ["--seccomp", String(CAPAS_PASSED_FD), "--info-fd", String(CAPAS_PASSED_FD + 3),
                   "--chdir", "/tmp", "--", inside] + arguments
            program = bubblewrap
            // RLIMIT_NPROC counts per user: with a uid of the run's own it is
            // the run's budget. Under the grader's own uid it would be shared
            // with every process of that user (and checked against this value
            // in the parent namespace too), so it is left alone: the filter
            // refuses new processes, the address-space limit bounds threads
            // and the pid namespace ends with the run.
            config.processes = ids.switchUser ? UInt64(max(0, limits.processes)) : 0
        case .direct:
            // A container that takes CAP_SYS_ADMIN away from root (and allows
            // no user namespace) gets no private mounts: the run then works in
            // its folder's real path, with the filter, its uid and the limits.
            privateTmp = Sandbox.privateMountsAvailable
            config.private_tmp = privateTmp ? 1 : 0
            config.impose_filter = profile == .program ? 1 : 2
            config.processes = ids.switchUser || privateTmp ? UInt64(max(0, limits.processes)) : 0
        }

        // Inside the private namespace the directory is /tmp; without it, its real path.
        let home = privateTmp ? "/tmp" : directory.path
        var environment = environment
        for key in ["HOME", "TMPDIR", "PWD"] where environment[key] == nil {
            environment[key] = home
        }

        let started = ContinuousClock.now
        var child = capas_child()
        var stage = CAPAS_STAGE_NONE
        let envp = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        // bubblewrap starts in / and moves into the run's folder by itself.
        let startIn = privateTmp && config.private_tmp == 0 ? "/" : directory.path
        func spawn(_ config: inout capas_spawn_config) -> Int32 {
            startIn.withCString { workDir in
                config.work_dir = workDir
                return withCStrings(argv) { argvPointer in
                    withCStrings(envp) { envpPointer in
                        capas_spawn(program, argvPointer, envpPointer, &config, &child, &stage)
                    }
                }
            }
        }
        let code: Int32 = if let standardInput {
            standardInput.withCString { path in
                config.stdin_path = path
                return spawn(&config)
            }
        } else {
            spawn(&config)
        }
        for fd in passed { close(fd) }
        passed = []
        guard code == 0 else { throw SandboxError.spawn(stage: Sandbox.name(of: stage), errno: code) }

        var supervisor = Supervisor(child: child, limits: limits, deadline: started + limits.wallClock)
        var result = supervisor.superviseAndReap()
        let wallTime = ContinuousClock.now - started
        // bubblewrap's own process inside the namespaces outlives the one we
        // started by a moment and is then orphaned: this process, a child
        // subreaper, adopts it; it is killed and reaped here, not left a zombie.
        if infoRead >= 0, let inner = Sandbox.childPid(fromInfo: infoRead) {
            Sandbox.killAndReap(inner)
        }
        // Nothing of the run's uid survives it, whatever it started, and
        // what this process adopted of it is reaped.
        if ids.switchUser && ids.ownUID {
            _ = capas_kill_user(ids.uid, ids.gid)
            Sandbox.reapAdopted(uid: ids.uid)
        }
        // What the run left for the caller, read before its folder goes.
        collect?(directory.fd)

        let stderr = String(decoding: supervisor.stderr.kept, as: UTF8.self)
        var protections = SandboxProtections(rawValue: child.protections)
        if case .bubblewrap = isolation {
            if case .exited(1) = result.termination, stderr.hasPrefix("bwrap: "), supervisor.channel.kept.isEmpty {
                // bubblewrap itself could not build the sandbox: no learner code ran.
                var message = String(stderr.dropFirst(7).prefix(300))
                while message.last?.isNewline == true { message.removeLast() }
                throw SandboxError.spawn(stage: "bubblewrap: " + message, errno: EPERM)
            }
            // bubblewrap exits with 128 + n when the program died of signal n.
            if case .exited(let status) = result.termination, status > 128, status < 128 + 65 {
                result.termination = .signaled(status - 128)
            }
            protections.formUnion([.namespaces, .privateTmp, .readOnlyRoot, .hiddenProc, .filter, .privateView])
            if !ids.switchUser { protections.insert(.userNamespace) }
        }
        let reason = Sandbox.violation(termination: result.termination, cpuTime: result.cpuTime,
                                       peakMemory: result.peakMemoryBytes, limits: limits, stderr: stderr)
        return SandboxOutcome(
            termination: result.termination, reason: reason,
            stdout: String(decoding: supervisor.stdout.kept, as: UTF8.self), stderr: stderr,
            outputTruncated: supervisor.stdout.dropped > 0 || supervisor.stderr.dropped > 0,
            channel: supervisor.channel.kept, wallTime: wallTime, cpuTime: result.cpuTime,
            peakMemoryBytes: result.peakMemoryBytes,
            protections: protections, pid: child.pid)
    }

    /// Makes this process the reaper of its orphaned descendants (once).
    static let becomeSubreaper: Void = { _ = capas_become_subreaper() }()

    /// "child-pid" from bubblewrap's --info-fd JSON.
    static func childPid(fromInfo fd: Int32) -> pid_t? {
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while bytes.count < 8192 {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        let key = Array("\"child-pid\"".utf8)
        guard bytes.count >= key.count,
              let start = (0...(bytes.count - key.count)).first(where: { Array(bytes[$0..<($0 + key.count)]) == key }) else {
            return nil
        }
        let digits = bytes[(start + key.count)...].drop { !(48...57).contains($0) }.prefix { (48...57).contains($0) }
        return pid_t(String(decoding: digits, as: UTF8.self)).flatMap { $0 > 1 ? $0 : nil }
    }

    /// Reaps this process's children that run as `uid` (a run's own uid:
    /// orphans of the run adopted by this subreaper), found in /proc.
    static func reapAdopted(uid: uid_t) {
        guard let proc = opendir("/proc") else { return }
        defer { closedir(proc) }
        let me = getpid()
        var candidates: [pid_t] = []
        while let entry = readdir(proc) {
            let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
            let name = String(cString: (UnsafeRawPointer(entry) + offset).assumingMemoryBound(to: CChar.self))
            guard let pid = pid_t(name) else { continue }
            var info = stat()
            guard stat("/proc/\(name)", &info) == 0, info.st_uid == uid else { continue }
            // The fourth field of /proc/PID/stat is the parent's pid.
            guard let file = fopen("/proc/\(name)/stat", "r") else { continue }
            var line = [CChar](repeating: 0, count: 512)
            let read = fgets(&line, Int32(line.count), file) != nil
            fclose(file)
            guard read else { continue }
            let text = String(cString: line)
            guard let close = text.lastIndex(of: ")") else { continue }
            let fields = text[text.index(after: close)...].split(separator: " ")
            if fields.count > 1, pid_t(fields[1]) == me { candidates.append(pid) }
        }
        for pid in candidates { killAndReap(pid) }
    }

    /// SIGKILL to `pid`, then reap it if it is (now) our child; a few
    /// hundred milliseconds at most.
    static func killAndReap(_ pid: pid_t) {
        _ = kill(pid, SIGKILL)
        var status: Int32 = 0
        for _ in 0..<100 {
            let result = waitpid(pid, &status, WNOHANG | __WALL)
            if result == pid { return }
            if result < 0 && errno != EINTR {
                // Not our child (yet): it may be being reparented.
                if errno == ECHILD && kill(pid, 0) != 0 { return }
            }
            usleep(2_000)
        }
    }

    /// Can this process give children private mounts (as root: is
    /// CAP_SYS_ADMIN there; otherwise: user namespaces)? Probed once.
    public static let privateMountsAvailable: Bool = capas_private_mounts_available() != 0

    /// Can this process give children a private /tmp without being root?
    /// Probed once, in a short-lived child.
    public static let userNamespacesAvailable: Bool = capas_user_namespaces_available() != 0

    /// How runs are isolated on this machine: bubblewrap when it is
    /// installed and can make its namespaces here, otherwise the spawner
    /// alone. `CAPAS_SANDBOX=direct` forces the spawner alone (to test the
    /// fallback); `CAPAS_BWRAP` names another bubblewrap.
    public enum Isolation: Sendable, Equatable {
        case bubblewrap(String)
        case direct
    }

    public static let isolation: Isolation = {
        func variable(_ name: String) -> String? { getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } }
        if variable("CAPAS_SANDBOX") == "direct" { return .direct }
        let candidates = [variable("CAPAS_BWRAP"), "/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"]
        guard let bubblewrap = candidates.compactMap({ $0 }).first(where: { access($0, X_OK) == 0 }) else { return .direct }
        return BubblewrapProbe.works(bubblewrap) ? .bubblewrap(bubblewrap) : .direct
    }()

    /// A memfd holding the filter for bubblewrap's --seccomp: the program
    /// will be pid 2 of its pid namespace (bubblewrap's reaper is 1).
    static func filterDescriptor(profile: Profile) throws(SandboxError) -> Int32 {
        var fd: Int32 = -1
        let code = capas_sandbox_filter_fd(profile == .program ? CAPAS_FILTER_EXEC_BY_PATH : CAPAS_FILTER_TOOL,
                                           CAPAS_DENY_ERRNO, 2, &fd)
        guard code == 0 else { throw SandboxError.spawn(stage: "seccomp filter", errno: code) }
        return fd
    }

    struct ChildIDs {
        var uid: uid_t
        var gid: gid_t
        var switchUser: Bool
        /// A uid of this run alone (safe to sweep with kill(-1) afterwards).
        var ownUID = false

        func release() { if ownUID { RunIdentity.release(uid) } }
    }

    func childIDs() throws(SandboxError) -> ChildIDs {
        switch user {
        case .current:
            return ChildIDs(uid: geteuid(), gid: getegid(), switchUser: false)
        case .perRun:
            guard geteuid() == 0 else { throw SandboxError.cannotSwitchUser(uid: RunIdentity.base) }
            let uid = RunIdentity.acquire()
            return ChildIDs(uid: uid, gid: uid, switchUser: true, ownUID: true)
        case .unprivileged:
            return try switching(to: 65534, 65534)
        case .account(let uid, let gid):
            return try switching(to: uid, gid)
        }
    }

    private func switching(to uid: UInt32, _ gid: UInt32) throws(SandboxError) -> ChildIDs {
        guard geteuid() == 0 else { throw SandboxError.cannotSwitchUser(uid: uid) }
        return ChildIDs(uid: uid, gid: gid, switchUser: true)
    }

    /// Names the limit behind a termination, when the evidence allows.
    static func violation(termination: SandboxOutcome.Termination, cpuTime: Duration, peakMemory: Int,
                          limits: SandboxLimits, stderr: String) -> SandboxViolation? {
        switch termination {
        case .timedOut: return .wallClock
        case .channelOverflow: return .channelLimit
        case .signaled(SIGXCPU): return .cpuTime
        case .signaled(SIGKILL) where limits.cpuSeconds > 0 && cpuTime >= .seconds(limits.cpuSeconds):
            return .cpuTime
        case .signaled(SIGXFSZ): return .fileSize
        case .signaled(SIGSYS): return .forbiddenSyscall
        case .exited(0): return nil
        case .signaled(SIGKILL) where limits.memoryBytes > 0 && peakMemory >= limits.memoryBytes / 10 * 9:
            return .memory   // the kernel's OOM killer, near the limit
        case .signaled, .exited:
            // Swift's runtime reports a failed allocation first thing on
            // stderr, then aborts: "Fatal error: failed to allocate
            // 68719476768 bytes of memory with alignment 8".
            let markers = ["failed to allocate", "Could not allocate memory", "std::bad_alloc"]
            return markers.contains { stderr.contains($0) } ? .memory : nil
        }
    }

    static func name(of stage: capas_stage) -> String {
        switch stage {
        case CAPAS_STAGE_PIPE: "pipes"
        case CAPAS_STAGE_FORK: "fork"
        case CAPAS_STAGE_NAMESPACE: "namespace"
        case CAPAS_STAGE_MOUNT: "private /tmp"
        case CAPAS_STAGE_RLIMIT: "resource limits"
        case CAPAS_STAGE_DESCRIPTORS: "descriptors"
        case CAPAS_STAGE_USER: "user switch"
        case CAPAS_STAGE_NO_NEW_PRIVS: "no-new-privileges"
        case CAPAS_STAGE_CHDIR: "working directory"
        case CAPAS_STAGE_EXEC: "execve"
        case CAPAS_STAGE_FILTER: "seccomp filter"
        default: "setup"
        }
    }
}

/// Runs `body` with a NULL-terminated C array of copies of `strings`.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
