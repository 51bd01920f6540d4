// The parent's side of a run: draining three pipes with poll(), the
// wall-clock deadline, killing the process group, reaping; and the run's
// private directory.

import CSandbox
#if canImport(Glibc)
import Glibc
#endif

/// One of the child's output pipes and what was kept from it.
struct Stream {
    var fd: Int32
    var cap: Int
    var kept: [UInt8] = []
    /// Bytes read past `cap` and thrown away (reading them keeps the child unblocked).
    var dropped = 0
    var open: Bool { fd >= 0 }

    init(fd: Int32, cap: Int) {
        self.fd = fd
        self.cap = max(0, cap)
        kept.reserveCapacity(min(self.cap, 1 << 16))
    }

    /// Reads what is available now, at most 64 buffers so that a child
    /// writing as fast as it can does not keep the supervisor from its
    /// deadline (the descriptor is non-blocking); closes it at end of file
    /// or on an error.
    mutating func drain(into buffer: UnsafeMutableRawBufferPointer) {
        var reads = 0
        while open && reads < 64 {
            reads += 1
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count > 0 {
                let room = max(0, cap - kept.count)
                let keep = min(room, count)
                kept.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<keep]))
                dropped += count - keep
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return
            } else {
                close()
            }
        }
    }

    mutating func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }
}

struct Supervisor {
    let pid: pid_t
    let limits: SandboxLimits
    let deadline: ContinuousClock.Instant
    var stdout: Stream
    var stderr: Stream
    var channel: Stream

    init(child: capas_child, limits: SandboxLimits, deadline: ContinuousClock.Instant) {
        pid = child.pid
        self.limits = limits
        self.deadline = deadline
        stdout = Stream(fd: child.stdout_fd, cap: limits.outputBytes)
        stderr = Stream(fd: child.stderr_fd, cap: limits.outputBytes)
        // One byte beyond the limit is how an overflow is noticed.
        channel = Stream(fd: child.channel_fd, cap: limits.channelBytes &+ 1)
    }

    struct Result {
        var termination: SandboxOutcome.Termination
        var cpuTime: Duration
        var peakMemoryBytes: Int
    }

    /// Reads until the child exits, overflows the channel or runs out of
    /// time; then kills the rest of its process group and reaps it. Never
    /// returns with the child unreaped.
    mutating func superviseAndReap() -> Result {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { buffer.deallocate() }
        var killedFor: SandboxOutcome.Termination?

        while true {
            if hasExited() { break }
            let now = ContinuousClock.now
            if now >= deadline { killedFor = .timedOut; break }
            // Short slices: the child may exit while a descendant keeps the
            // pipes open, and exit is noticed between slices.
            let slice = min(deadline - now, .milliseconds(50))
            pollOnce(timeout: slice, buffer: buffer)
            if channel.kept.count > limits.channelBytes { killedFor = .channelOverflow; break }
        }

        // Whatever ended the run, nothing of the group survives it. The
        // leader is not reaped yet (a zombie at worst), so its pid, which is
        // the group id, cannot have been reused.
        _ = kill(-pid, SIGKILL)
        // Take what is still buffered in the pipes; stop early if something
        // that escaped the group keeps a pipe open.
        let grace = ContinuousClock.now + .milliseconds(500)
        while (stdout.open || stderr.open || channel.open) && ContinuousClock.now < grace {
            pollOnce(timeout: .milliseconds(50), buffer: buffer)
        }
        stdout.close()
        stderr.close()
        channel.close()
        if channel.kept.count > limits.channelBytes {
            channel.kept.removeLast(channel.kept.count - limits.channelBytes)
            killedFor = killedFor ?? .channelOverflow
        }

        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        // Members of the group that were mid-fork when it was killed, or
        // are dying and not yet reaped by init, keep the group alive: kill
        // again until it is empty (bounded; only a program that skipped the
        // lockdown can have descendants at all).
        // Members orphaned by the leader's exit are this process's to reap
        // when it is a child subreaper (see Sandbox.becomeSubreaper): a
        // zombie still counts as a member of the group.
        let settle = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < settle {
            var ignored: Int32 = 0
            while waitpid(-pid, &ignored, WNOHANG | __WALL) > 0 {}
            guard kill(-pid, 0) == 0 else { break }
            _ = kill(-pid, SIGKILL)
            usleep(5_000)
        }
        let cpu = Duration.seconds(Int64(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec))
            + .microseconds(Int64(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec))
        let termination: SandboxOutcome.Termination
        if let killedFor {
            termination = killedFor
        } else if status & 0x7f == 0 {
            termination = .exited((status >> 8) & 0xff)            // WIFEXITED, WEXITSTATUS
        } else {
            termination = .signaled(status & 0x7f)                  // WTERMSIG
        }
        return Result(termination: termination, cpuTime: cpu, peakMemoryBytes: Int(usage.ru_maxrss) * 1024)
    }

    /// Has the child exited? Leaves it unreaped (WNOWAIT).
    private func hasExited() -> Bool {
        var info = siginfo_t()
        while true {
            let result = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
            if result < 0 && errno == EINTR { continue }
            if result < 0 { return true }   // ECHILD: nothing left to wait for
            // With WNOHANG and no change, waitid leaves si_pid zero.
            return info._sifields._sigchld.si_pid == pid
        }
    }

    /// One poll over the open pipes, then drains those that are ready.
    private mutating func pollOnce(timeout: Duration, buffer: UnsafeMutableRawBufferPointer) {
        var fds = [stdout.fd, stderr.fd, channel.fd].map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let milliseconds = Int32(clamping: max(0, timeout.components.seconds * 1000
                                                  + timeout.components.attoseconds / 1_000_000_000_000_000))
        // A negative fd is ignored by poll, so closed streams simply drop out.
        let ready = poll(&fds, nfds_t(fds.count), milliseconds)
        guard ready > 0 else { return }
        if fds[0].revents != 0 { stdout.drain(into: buffer) }
        if fds[1].revents != 0 { stderr.drain(into: buffer) }
        if fds[2].revents != 0 { channel.drain(into: buffer) }
    }
}

/// The run's private directory: created empty, owned by the child's user,
/// mode 0700; removed with everything the child left in it.
public struct WorkDirectory {
    let path: String
    /// Held from creation: what the run left is read through it, never by path.
    let fd: Int32

    init(root: String, owner: Sandbox.ChildIDs) throws(SandboxError) {
        var template = Array((root.hasSuffix("/") ? root : root + "/").utf8CString.dropLast())
            + Array("capas-sandbox-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw SandboxError.workDirectory(path: root, errno: errno)
        }
        path = String(cString: made)
        fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 || fchmod(fd, 0o700) != 0 || (owner.switchUser && fchown(fd, owner.uid, owner.gid) != 0) {
            let code = errno
            remove()
            throw SandboxError.workDirectory(path: path, errno: code)
        }
    }

    func remove() {
        if fd >= 0 { close(fd) }
        WorkDirectory.removeTree(path)
    }

    /// `rm -rf` that never follows a symbolic link: the tree is walked
    /// through descriptors (openat with O_NOFOLLOW, unlinkat relative to the
    /// folder held open), so a child that swaps a folder for a link while
    /// this runs can only make a link be removed, never what it points to.
    /// Each folder is first made searchable, so `chmod 000` cannot leave it behind.
    public static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            unlink(path)
            return
        }
        let slash = path.lastIndex(of: "/")
        let parentPath = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let parent = open(parentPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard parent >= 0 else { return }
        defer { close(parent) }
        removeEntry(named: name, in: parent, depth: 0)
    }

    /// Removes `name` inside the folder `parent` (a descriptor), recursively.
    public static func removeEntry(named name: String, in parent: Int32, depth: Int) {
        if unlinkat(parent, name, 0) == 0 { return }          // a file, link, FIFO…
        guard errno == EISDIR || errno == EPERM else { return }
        fchmodatNoFollow(parent, name)
        let folder = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if folder >= 0 {
            // A tree deeper than this was made by a hostile child: what is
            // left is removed by the loop below as far as it can go.
            if depth < 4096, let directory = fdopendir(folder) {
                var names: [String] = []
                while let entry = readdir(directory) {
                    // Through the pointer: a record may be shorter than `dirent`,
                    // so copying the whole struct could read past readdir's buffer.
                    let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
                    let entryName = String(cString: (UnsafeRawPointer(entry) + offset).assumingMemoryBound(to: CChar.self))
                    if entryName != "." && entryName != ".." { names.append(entryName) }
                }
                let held = dirfd(directory)
                for entryName in names { removeEntry(named: entryName, in: held, depth: depth + 1) }
                closedir(directory)
            } else {
                close(folder)
            }
        }
        unlinkat(parent, name, AT_REMOVEDIR)
    }

    /// chmod 0700 of a folder entry without following a link (a link's
    /// open fails with ELOOP above, so only real folders get here).
    private static func fchmodatNoFollow(_ parent: Int32, _ name: String) {
        let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd >= 0 {
            fchmod(fd, 0o700)
            close(fd)
        } else if errno == EACCES {
            // A folder with mode 000: O_PATH (0o10000000) needs no permission on it.
            let handle = openat(parent, name, 0o10000000 | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if handle >= 0 {
                var procPath = Array("/proc/self/fd/\(handle)".utf8CString)
                chmod(&procPath, 0o700)
                close(handle)
            }
        }
    }
}
