// SandboxProbe: a stand-in for the grader's harness. Like the generated
// main, its first statement is the lockdown; then it misbehaves in the one
// way argv[1] names, and reports on stdout as `key: value` lines.
//
//     SandboxProbe <behaviour> [--lockdown=errno|kill|none] [argument]
//
// `--lockdown=none` exists only to show what the uid switch and the limits
// do on their own.

import CSandbox
#if canImport(Glibc)
import Glibc
#endif
import Dispatch

let arguments = CommandLine.arguments
let lockdownMode = arguments.first { $0.hasPrefix("--lockdown=") }?.dropFirst("--lockdown=".count) ?? "errno"
let operands = arguments.dropFirst().filter { !$0.hasPrefix("--") }
let behaviour = operands.first ?? "hello"
let argument = operands.dropFirst().first ?? ""

switch lockdownMode {
case "none":
    break
case "kill":
    let code = capas_sandbox_lockdown_with(CAPAS_DENY_KILL)
    if code != 0 { fputs("lockdown failed: \(code)\n", stderr); exit(100) }
default:
    let code = capas_sandbox_lockdown()
    if code != 0 { fputs("lockdown failed: \(code)\n", stderr); exit(100) }
}

setvbuf(stdout, nil, _IOLBF, 0)

func errnoName(_ code: Int32) -> String {
    let names: [Int32: String] = [
        EPERM: "EPERM", EACCES: "EACCES", ENOENT: "ENOENT", EROFS: "EROFS", EFBIG: "EFBIG",
        ENOSYS: "ENOSYS", ECONNREFUSED: "ECONNREFUSED", EAGAIN: "EAGAIN", ENOMEM: "ENOMEM",
        ESRCH: "ESRCH", EBADF: "EBADF", EPIPE: "EPIPE",
    ]
    return names[code] ?? "errno \(code)"
}

func report(_ key: String, _ value: String) {
    print("\(key): \(value)")
}

/// "ok" or the errno name of a system call's result.
func outcome(_ result: Int32) -> String {
    result >= 0 ? "ok" : errnoName(errno)
}

/// Writes all of `bytes` to `fd`; returns false on an error.
@discardableResult
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written < 0 { if errno == EINTR { continue }; return false }
        offset += written
    }
    return true
}

func readFile(_ path: String) -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return errnoName(errno) }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = read(fd, &buffer, buffer.count)
    return count < 0 ? errnoName(errno) : "ok \(count) bytes"
}

func statusField(_ name: String) -> String {
    let fd = open("/proc/self/status", O_RDONLY)
    guard fd >= 0 else { return "unreadable" }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(fd, &buffer, buffer.count)
        if count <= 0 { break }
        bytes += buffer[..<count]
    }
    let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(name + ":") }
    return line.map { $0.dropFirst(name.count + 1).trimmingCharacters() } ?? "absent"
}

extension Substring {
    func trimmingCharacters() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

switch behaviour {
case "deep-folders":
    // 3,000 nested folders (deeper than PATH_MAX can name) and a folder of
    // mode 000 with a file in it, left for the grader to remove.
    let start = open(".", O_RDONLY | O_DIRECTORY)
    var current = start
    var depth = 0
    for _ in 0..<3000 {
        guard mkdirat(current, "d", 0o755) == 0 else { break }
        let next = openat(current, "d", O_RDONLY | O_DIRECTORY)
        if current != start { close(current) }
        guard next >= 0 else { break }
        current = next
        depth += 1
    }
    if current != start { close(current) }
    mkdir("locked", 0o755)
    close(open("locked/file", O_CREAT | O_WRONLY, 0o644))
    report("depth", "\(depth)")
    report("locked", outcome(chmod("locked", 0)))

case "shm":
    // Memory-backed places: how much of 8 MiB fits in /dev/shm, and whether
    // /dev itself takes a new file.
    let fd = open("/dev/shm/fill", O_WRONLY | O_CREAT, 0o600)
    var total = 0
    if fd >= 0 {
        let chunk = [UInt8](repeating: 7, count: 1 << 16)
        while total < 8 << 20 {
            let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            total += n
        }
        close(fd)
    }
    report("shm bytes", "\(total)")
    report("dev file", outcome(open("/dev/capas-fill", O_WRONLY | O_CREAT, 0o600)))

case "hello":
    // The well-behaved harness: a line of output and a result on fd 3.
    report("hello", "from the sandbox")
    writeAll(CAPAS_CHANNEL_FD, Array("tensor 2x2: 1 2 3 4".utf8) + [0, 255])

case "identity":
    // What the child was given: ids, directory, environment, limits, descriptors.
    var cwd = [CChar](repeating: 0, count: 4096)
    report("uid", "\(getuid())")
    report("gid", "\(getgid())")
    report("groups", "\(getgroups(0, nil))")
    report("cwd", getcwd(&cwd, cwd.count) != nil ? String(cString: cwd) : errnoName(errno))
    report("home", String(cString: getenv("HOME") ?? strdup("unset")))
    report("tmpdir", String(cString: getenv("TMPDIR") ?? strdup("unset")))
    var count = 0
    while environ[count] != nil { count += 1 }
    report("environment", "\(count)")
    report("pgid", getpgrp() == getpid() ? "own" : "shared")
    report("pid", "\(getpid())")
    let resources: [(String, __rlimit_resource)] = [("cpu", RLIMIT_CPU), ("as", RLIMIT_AS), ("fsize", RLIMIT_FSIZE),
                             ("nproc", __RLIMIT_NPROC), ("nofile", RLIMIT_NOFILE), ("core", RLIMIT_CORE)]
    for (name, resource) in resources {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(resource.rawValue), &limit)
        report("limit \(name)", "\(limit.rlim_cur)")
    }
    var open: [Int32] = []
    for fd in Int32(0)..<1024 where fcntl(fd, F_GETFD) >= 0 { open.append(fd) }
    report("fds", open.map(String.init).joined(separator: ","))
    report("stdin", readFile("/dev/stdin"))
    report("NoNewPrivs", statusField("NoNewPrivs"))
    report("Seccomp", statusField("Seccomp"))

case "threads":
    // The Swift runtime and Dispatch need threads: clone with CLONE_THREAD.
    var sums = [Int](repeating: 0, count: 4)
    sums.withUnsafeMutableBufferPointer { sums in
        nonisolated(unsafe) let sums = sums
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            sums[i] = (0..<100_000).reduce(0) { $0 &+ $1 &* (i + 1) }
        }
    }
    var thread = pthread_t()
    let created = pthread_create(&thread, nil, { _ in nil }, nil)
    if created == 0 { pthread_join(thread, nil) }
    report("threads", "\(sums.reduce(0, &+))")
    report("pthread_create", created == 0 ? "ok" : errnoName(created))

case "spin":
    // `while true {}`: only the CPU or wall-clock limit ends it.
    var counter: UInt64 = 0
    while true { counter &+= 1; if counter == 0 { print(counter) } }

case "sleep":
    // Uses no CPU: only the wall clock ends it.
    while true { pause() }

case "allocate":
    // 64 GiB, touched, as learner code would: a Swift array.
    let count = 64 << 30
    var huge = [UInt8](repeating: 1, count: count)
    huge[count - 1] = 2
    report("allocated", "\(huge.count)")

case "forkbomb":
    var children = 0
    var failure = "none"
    for _ in 0..<64 {
        let pid = fork()
        if pid == 0 {
            // Should never run: every descendant forks again, then sleeps.
            while true { _ = fork(); sleep(1) }
        }
        if pid < 0 { failure = errnoName(errno); break }
        children += 1
    }
    report("fork", failure)
    report("children", "\(children)")
    var spawned = pid_t()
    let spawnWords: [String] = ["/bin/sh", "-c", "exit 0"]
    let spawnArguments = spawnWords.map { word in strdup(word) } + [nil]
    let spawn = posix_spawn(&spawned, "/bin/sh", nil, nil, spawnArguments, environ)
    report("posix_spawn", spawn == 0 ? "ok" : errnoName(spawn))

case "exec":
    // Running another program (a shell) instead of the harness.
    let shellWords: [String] = ["/bin/sh", "-c", "echo escaped"]
    let shellArguments = shellWords.map { word in strdup(word) } + [nil]
    let result = execv("/bin/sh", shellArguments)
    report("execve", outcome(result))

case "bigfile":
    // 4 GiB in 1 MiB writes. argv: "ignore" to ignore SIGXFSZ and see EFBIG.
    if argument == "ignore" { signal(SIGXFSZ, SIG_IGN) }
    let fd = open("big.bin", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if fd < 0 { report("open", errnoName(errno)); exit(1) }
    let chunk = [UInt8](repeating: 7, count: 1 << 20)
    var written = 0
    while written < 4096 {
        if !writeAll(fd, chunk) { report("write", errnoName(errno)); break }
        written += 1
    }
    report("written MiB", "\(written)")

case "connect":
    // TCP to 127.0.0.1:<argument>, where the test listens; then IPv6.
    let port = UInt16(argument) ?? 9
    let tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    report("socket inet", outcome(tcp))
    if tcp >= 0 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(tcp, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        report("connect", outcome(connected))
    }
    report("socket inet6", outcome(socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)))
    report("socket netlink", outcome(socket(AF_NETLINK, Int32(SOCK_RAW.rawValue), 0)))
    var pair: [Int32] = [0, 0]
    report("socketpair unix", outcome(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair)))

case "write-everywhere":
    // results.json in every place a submission might try; argument: one more directory.
    let home = String(cString: getenv("HOME") ?? strdup("."))
    var places = [".", home, "/tmp", "/var/tmp", "/dev/shm", "..", "../..", "/", "/run/lock"]
    if !argument.isEmpty { places.append(argument) }
    for place in places {
        let path = place + "/results.json"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd >= 0 {
            writeAll(fd, Array("{\"score\": 100}".utf8))
            close(fd)
        }
        report(path, fd >= 0 ? "ok" : errnoName(errno))
    }

case "proc":
    // The grader's secrets: its environment and command line.
    let parent = Int32(argument) ?? getppid()
    report("environ", readFile("/proc/\(parent)/environ"))
    report("cmdline", readFile("/proc/\(parent)/cmdline"))
    report("self", readFile("/proc/self/cmdline"))

case "flood":
    // 10 MB on stdout, then a result: the child must not block on the pipe.
    let line = [UInt8](repeating: UInt8(ascii: "x"), count: 999) + [10]
    for _ in 0..<10_000 { writeAll(1, line) }
    writeAll(CAPAS_CHANNEL_FD, Array("done".utf8))

case "channel-flood":
    // More than any channel limit: 256 MiB of result bytes.
    let chunk = [UInt8](repeating: 1, count: 1 << 20)
    for _ in 0..<256 { if !writeAll(CAPAS_CHANNEL_FD, chunk) { break } }
    report("channel-flood", "finished")

case "garbage":
    // Invalid UTF-8 on every stream.
    let bytes: [UInt8] = [0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80, 10]
    writeAll(1, bytes)
    writeAll(2, bytes)
    writeAll(CAPAS_CHANNEL_FD, bytes)

case "close-channel":
    // Closes its result pipe early, then carries on printing.
    report("close", outcome(close(CAPAS_CHANNEL_FD)))
    report("write after close", writeAll(CAPAS_CHANNEL_FD, [1]) ? "ok" : errnoName(errno))
    report("closed stdout next", "yes")
    close(1)
    close(2)
    usleep(100_000)
    exit(3)

case "kill-parent":
    // The grader itself, its process group, everyone (signal 0 only probes
    // permission), and then itself, which must still work.
    let parent = Int32(argument) ?? getppid()
    report("kill parent", outcome(kill(parent, argument == "probe" ? 0 : SIGKILL)))
    report("kill group 0", outcome(kill(0, 0)))
    report("kill everyone", outcome(kill(-1, 0)))
    report("kill self", outcome(kill(getpid(), 0)))
    raise(SIGUSR1)   // default action: the child ends by SIGUSR1

case "crash":
    // An out-of-range index, as in learner code: a trap, not a named reason.
    let values = [1, 2, 3]
    let index = Int(argument) ?? 7
    report("value", "\(values[index])")

case "exit0":
    exit(0)

default:
    fputs("unknown behaviour \(behaviour)\n", stderr)
    exit(2)
}
