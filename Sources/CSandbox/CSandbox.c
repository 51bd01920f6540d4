// CSandbox: spawning an untrusted child and locking a process down.
// See include/CSandbox.h for the contract of each function.

#define _GNU_SOURCE
#include "CSandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

// MARK: - Lockdown (seccomp-BPF, written by hand)

#if defined(__x86_64__)
#define CAPAS_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define CAPAS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "CSandbox knows the system call numbers of x86_64 and aarch64 only"
#endif

#ifndef CLONE_THREAD
#define CLONE_THREAD 0x00010000
#endif

// Where the filter reads its operands: the syscall number, the audit
// architecture, and the low 32 bits of the first argument (little endian).
// Every argument checked here is an int or flags the kernel truncates to
// 32 bits (pid_t, socket domain, clone's flags), so the low half is exactly
// what the kernel will act on.
#define OFFSET_NR   offsetof(struct seccomp_data, nr)
#define OFFSET_ARCH offsetof(struct seccomp_data, arch)
#define OFFSET_ARG0 offsetof(struct seccomp_data, args[0])

enum { CAPAS_FILTER_CAPACITY = 256 };

typedef struct {
    struct sock_filter code[CAPAS_FILTER_CAPACITY];
    unsigned short count;
    int overflow;
} filter_builder;

static void emit(filter_builder *b, struct sock_filter instruction) {
    if (b->count >= CAPAS_FILTER_CAPACITY) { b->overflow = 1; return; }
    b->code[b->count++] = instruction;
}

static void load(filter_builder *b, uint32_t offset) {
    emit(b, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset));
}

static void ret(filter_builder *b, uint32_t action) {
    emit(b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, action));
}

/// `if nr == number { return action }`; the accumulator still holds nr after.
static void refuse(filter_builder *b, long number, uint32_t action) {
    emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)number, 0, 1));
    ret(b, action);
}

/// `if nr == number { return arg0 == allowed ? ALLOW : deny }`.
static void allow_only_arg0(filter_builder *b, long number, uint32_t allowed, uint32_t deny) {
    emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)number, 0, 4));
    load(b, OFFSET_ARG0);
    emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, allowed, 0, 1));
    ret(b, SECCOMP_RET_ALLOW);
    ret(b, deny);
    // Not taken: the accumulator still holds nr.
}

/// `if nr == number && (arg0 & 0xffffffff) == a0 && (arg4 & 0xffffffff) == a4 { return ALLOW } else if nr == number { return deny }`.
static void allow_only_arg0_arg4(filter_builder *b, long number, uint32_t a0, uint32_t a4, uint32_t deny) {
    emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)number, 0, 6));
    load(b, OFFSET_ARG0);
    emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, a0, 0, 3));
    load(b, offsetof(struct seccomp_data, args[4]));
    emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, a4, 0, 1));
    ret(b, SECCOMP_RET_ALLOW);
    ret(b, deny);
}

/// Builds the filter of `profile` into `b`. `self` is the pid the program
/// will have when the filter applies (its own pid, or 2 inside
/// bubblewrap's pid namespace, where bubblewrap's reaper is 1).
static void build_filter(filter_builder *b, capas_filter_profile profile, capas_deny_action action, uint32_t self) {
    const uint32_t deny = action == CAPAS_DENY_KILL
        ? SECCOMP_RET_KILL_PROCESS
        : SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
    memset(b, 0, sizeof *b);

    // A system call made under another ABI (i386 via int 0x80) has other
    // numbers: the checks below would be meaningless, so kill.
    load(b, OFFSET_ARCH);
    emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CAPAS_AUDIT_ARCH, 1, 0));
    ret(b, SECCOMP_RET_KILL_PROCESS);
    load(b, OFFSET_NR);
#if defined(__x86_64__)
    // x32 numbers carry bit 30 and alias the x86_64 ones.
    emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1));
    ret(b, SECCOMP_RET_KILL_PROCESS);
#endif

    if (profile != CAPAS_FILTER_TOOL) {
        // New processes. Threads are clone() with CLONE_THREAD and stay allowed.
        // clone3 passes its flags in memory the filter cannot read: it fails
        // with ENOSYS, on which glibc's pthread_create falls back to clone.
#ifdef __NR_fork
        refuse(b, __NR_fork, deny);
#endif
#ifdef __NR_vfork
        refuse(b, __NR_vfork, deny);
#endif
#ifdef __NR_clone3
        refuse(b, __NR_clone3, SECCOMP_RET_ERRNO | ENOSYS);
#endif
        emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 4));
        load(b, OFFSET_ARG0);
        emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1));
        ret(b, SECCOMP_RET_ALLOW);
        ret(b, deny);

        // Other programs.
        switch (profile) {
        case CAPAS_FILTER_SELF:
            refuse(b, __NR_execve, deny);
#ifdef __NR_execveat
            refuse(b, __NR_execveat, deny);
#endif
            break;
        case CAPAS_FILTER_EXEC_ONCE:
            // The spawner's own start of the program: execveat on the
            // descriptor it holds as 5, which is close-on-exec, so the
            // program finds nothing there; any other exec is refused.
            refuse(b, __NR_execve, deny);
#ifdef __NR_execveat
            allow_only_arg0_arg4(b, __NR_execveat, CAPAS_PROGRAM_FD, AT_EMPTY_PATH, deny);
#endif
            break;
        default:
            // CAPAS_FILTER_EXEC_BY_PATH: bubblewrap installs the filter and
            // then starts the program with execve, which must pass. Inside its
            // view there is nothing else to start: no shell, no tools.
#ifdef __NR_execveat
            refuse(b, __NR_execveat, deny);
#endif
            break;
        }

        // Other processes: signals only to itself (raise and abort use
        // tgkill with our own pid). pid 0 (the process group) and -1
        // (everyone) are refused.
        allow_only_arg0(b, __NR_kill, self, deny);
        allow_only_arg0(b, __NR_tgkill, self, deny);
        allow_only_arg0(b, __NR_rt_sigqueueinfo, self, deny);
        allow_only_arg0(b, __NR_rt_tgsigqueueinfo, self, deny);
        refuse(b, __NR_tkill, deny);
#ifdef __NR_pidfd_open
        refuse(b, __NR_pidfd_open, deny);
#endif
#ifdef __NR_pidfd_send_signal
        refuse(b, __NR_pidfd_send_signal, deny);
#endif
#ifdef __NR_pidfd_getfd
        refuse(b, __NR_pidfd_getfd, deny);
#endif
        // Staying in the process group and session the grader kills.
        refuse(b, __NR_setsid, deny);
        refuse(b, __NR_setpgid, deny);
    }

    // Network: only AF_UNIX sockets (socketpair-style plumbing), and no
    // connect at all, so no TCP/UDP, netlink, vsock or packet sockets.
    allow_only_arg0(b, __NR_socket, AF_UNIX, deny);
    refuse(b, __NR_connect, deny);

    // Tracing and reading other processes' memory.
    refuse(b, __NR_ptrace, deny);
    refuse(b, __NR_process_vm_readv, deny);
    refuse(b, __NR_process_vm_writev, deny);
#ifdef __NR_kcmp
    refuse(b, __NR_kcmp, deny);
#endif

    // Namespaces and mounts (ways around the rest), and interfaces that
    // run work outside this filter's view (io_uring) or inside the kernel.
    refuse(b, __NR_unshare, deny);
    refuse(b, __NR_setns, deny);
    refuse(b, __NR_mount, deny);
    refuse(b, __NR_umount2, deny);
    refuse(b, __NR_pivot_root, deny);
    refuse(b, __NR_chroot, deny);
#ifdef __NR_open_tree
    refuse(b, __NR_open_tree, deny);
    refuse(b, __NR_move_mount, deny);
    refuse(b, __NR_fsopen, deny);
    refuse(b, __NR_fsmount, deny);
#endif
#ifdef __NR_io_uring_setup
    refuse(b, __NR_io_uring_setup, deny);
    refuse(b, __NR_io_uring_enter, deny);
    refuse(b, __NR_io_uring_register, deny);
#endif
    refuse(b, __NR_bpf, deny);
    refuse(b, __NR_perf_event_open, deny);
    refuse(b, __NR_userfaultfd, deny);
    refuse(b, __NR_keyctl, deny);
    refuse(b, __NR_add_key, deny);
    refuse(b, __NR_request_key, deny);
    refuse(b, __NR_open_by_handle_at, deny);

    ret(b, SECCOMP_RET_ALLOW);
}

int capas_sandbox_filter(capas_filter_profile profile, capas_deny_action action, uint32_t self_pid,
                         void *buffer, size_t capacity, size_t *length) {
    filter_builder b;
    build_filter(&b, profile, action, self_pid);
    if (b.overflow) return E2BIG;
    size_t bytes = (size_t)b.count * sizeof(struct sock_filter);
    if (bytes > capacity) return E2BIG;
    memcpy(buffer, b.code, bytes);
    *length = bytes;
    return 0;
}

int capas_sandbox_filter_fd(capas_filter_profile profile, capas_deny_action action, uint32_t self_pid, int *fd) {
    filter_builder b;
    build_filter(&b, profile, action, self_pid);
    if (b.overflow) return E2BIG;
    size_t bytes = (size_t)b.count * sizeof(struct sock_filter);
    int made = memfd_create("capas-seccomp", MFD_CLOEXEC);
    if (made < 0) return errno;
    const char *at = (const char *)b.code;
    size_t left = bytes;
    while (left > 0) {
        ssize_t n = write(made, at, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { int error = n < 0 ? errno : EIO; close(made); return error; }
        at += n;
        left -= (size_t)n;
    }
    if (lseek(made, 0, SEEK_SET) != 0) { int error = errno; close(made); return error; }
    *fd = made;
    return 0;
}

/// Installs `b` on the calling process (TSYNC: every thread).
static int install_filter(const filter_builder *b) {
    struct sock_fprog program = { .len = b->count, .filter = (struct sock_filter *)b->code };
    // Required for an unprivileged filter; also makes setuid binaries inert.
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
    // TSYNC: threads the runtime may already have started get the filter too.
    long result = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &program);
    if (result == 0) return 0;
    if (result > 0) return ESRCH;   // the id of a thread that could not be synchronised
    if (errno != ENOSYS) return errno;
    // Kernels before 3.17 lack seccomp(2): the prctl form covers only the
    // calling thread, which is all there is where it is called.
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) return errno;
    return 0;
}

int capas_sandbox_lockdown(void) {
    return capas_sandbox_lockdown_with(CAPAS_DENY_ERRNO);
}

int capas_sandbox_lockdown_with(capas_deny_action action) {
    static filter_builder b;   // big; built once per process, never concurrently
    build_filter(&b, CAPAS_FILTER_SELF, action, (uint32_t)getpid());
    if (b.overflow) return E2BIG;
    return install_filter(&b);
}

// MARK: - Spawn

/// What the child tells the parent over the close-on-exec status pipe: one
/// record with stage NONE just before execve, another if a step fails.
typedef struct {
    int32_t stage;
    int32_t error;
    uint32_t protections;
} status_record;

typedef struct {
    const char *path;
    char *const *argv;
    char *const *envp;
    const capas_spawn_config *config;
    pid_t parent;
    int null_fd, out_fd, err_fd, channel_fd, status_fd;
    // Formatted before fork: the child may not call snprintf.
    char uid_map[48], gid_map[48];
} child_plan;

static void child_report(int fd, capas_stage stage, int error, uint32_t protections) {
    status_record record = { (int32_t)stage, error, protections };
    ssize_t ignored = write(fd, &record, sizeof record);
    (void)ignored;
}

__attribute__((noreturn))
static void child_fail(const child_plan *plan, capas_stage stage, int error, uint32_t protections) {
    child_report(plan->status_fd, stage, error, protections);
    _exit(127);
}

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    size_t length = strlen(text);
    ssize_t written = write(fd, text, length);
    int error = written == (ssize_t)length ? 0 : (written < 0 ? errno : EIO);
    close(fd);
    return error;
}

static int limit(int resource, uint64_t soft, uint64_t hard) {
    struct rlimit current;
    if (getrlimit(resource, &current) != 0) return errno;
    // A normal user cannot raise a hard limit: stay under the inherited one.
    if (current.rlim_max != RLIM_INFINITY) {
        if (hard > current.rlim_max) hard = current.rlim_max;
        if (soft > hard) soft = hard;
    }
    struct rlimit wanted = { (rlim_t)soft, (rlim_t)hard };
    return setrlimit(resource, &wanted) == 0 ? 0 : errno;
}

/// Mounts `source` on `target`; a missing optional target is skipped.
static int bind_directory(const char *source, const char *target, int required) {
    struct stat info;
    if (!required && stat(target, &info) != 0 && errno == ENOENT) return 0;
    return mount(source, target, NULL, MS_BIND, NULL) == 0 ? 0 : errno;
}

/// Runs in the forked child: only async-signal-safe calls, no allocation.
__attribute__((noreturn))
static void child_main(child_plan *plan) {
    const capas_spawn_config *config = plan->config;
    uint32_t protections = 0;
    int error;

    // Dispositions back to default (the parent blocked every signal around
    // fork, so no handler of the grader can run here), then unblock.
    for (int signal_number = 1; signal_number < NSIG; signal_number++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = SIG_DFL;
        sigaction(signal_number, &action, NULL);   // fails harmlessly for SIGKILL/SIGSTOP
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    // Its own session (no controlling terminal: nothing can be typed into
    // the grader's terminal with TIOCSTI) and so its own process group, so
    // that one killpg reaches all it started.
    if (setsid() < 0) setpgid(0, 0);

    // The program is opened now and started from this descriptor: once /tmp
    // is covered below, a program that lives under /tmp (a clone of the
    // course there, its build folder) has no path left.
    int program = open(plan->path, O_PATH | O_CLOEXEC);
    if (program < 0) child_fail(plan, CAPAS_STAGE_EXEC, errno, protections);

    if (config->private_tmp) {
        int as_root = geteuid() == 0;
        if (as_root) {
            if (unshare(CLONE_NEWNS) != 0) child_fail(plan, CAPAS_STAGE_NAMESPACE, errno, protections);
        } else {
            // A normal user gets CAP_SYS_ADMIN over a mount namespace through
            // a user namespace that maps its own ids onto themselves only.
            if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
                child_fail(plan, CAPAS_STAGE_NAMESPACE, errno, protections);
            if ((error = write_file("/proc/self/uid_map", plan->uid_map)) != 0
                || (error = write_file("/proc/self/setgroups", "deny")) != 0
                || (error = write_file("/proc/self/gid_map", plan->gid_map)) != 0)
                child_fail(plan, CAPAS_STAGE_NAMESPACE, error, protections);
            protections |= CAPAS_PROTECT_USER_NS;
        }
        // Nothing mounted here may propagate back to the grader's namespace.
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
            child_fail(plan, CAPAS_STAGE_MOUNT, errno, protections);
        // The work directory may itself live under /tmp: once /tmp is
        // covered, its path is gone, so the others are bound from /tmp.
        if ((error = bind_directory(config->work_dir, "/tmp", 1)) != 0
            || (error = bind_directory("/tmp", "/var/tmp", 0)) != 0
            || (error = bind_directory("/tmp", "/dev/shm", 0)) != 0)
            child_fail(plan, CAPAS_STAGE_MOUNT, error, protections);
        protections |= CAPAS_PROTECT_PRIVATE_TMP;
        // Everything else on the root file system read-only, in this
        // namespace only (world-writable corners such as /run/lock
        // included). A user namespace may add read-only but must keep the
        // mount's other locked flags, so they are read back first.
        struct statfs root;
        if (statfs("/", &root) == 0) {
            unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
            if (root.f_flags & ST_NOSUID) flags |= MS_NOSUID;
            if (root.f_flags & ST_NODEV) flags |= MS_NODEV;
            if (root.f_flags & ST_NOEXEC) flags |= MS_NOEXEC;
            if (root.f_flags & ST_NOATIME) flags |= MS_NOATIME;
            if (root.f_flags & ST_NODIRATIME) flags |= MS_NODIRATIME;
            if (root.f_flags & ST_RELATIME) flags |= MS_RELATIME;
            if (mount(NULL, "/", NULL, flags, NULL) == 0) protections |= CAPAS_PROTECT_READ_ONLY_ROOT;
        }
        if (as_root) {
            // A /proc of its own in which other users' processes do not
            // exist, so /proc/<grader>/cmdline cannot be read. Best effort:
            // kernels before 5.8 do not know "invisible".
            const unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
            if (mount("proc", "/proc", "proc", flags, "hidepid=invisible") == 0
                || mount("proc", "/proc", "proc", flags, "hidepid=2") == 0)
                protections |= CAPAS_PROTECT_HIDDEN_PROC;
        }
    }

    // Descriptors: first lift every source above 9 so that no dup2 below
    // overwrites another source, then 0 /dev/null (or the given input), 1 and 2 the output
    // pipes, 3 the result channel, 4 the status pipe and 5 the program
    // (both close-on-exec), 6 the passed descriptor if any, and nothing else.
    int passing = config->pass_count > 0 && config->pass_count <= 4 ? config->pass_count : 0;
    int sources[10] = { plan->null_fd, plan->out_fd, plan->err_fd, plan->channel_fd, plan->status_fd, program, -1, -1, -1, -1 };
    for (int i = 0; i < passing; i++) sources[6 + i] = config->pass_fds[i];
    int source_count = 6 + passing;
    for (int i = 0; i < source_count; i++) {
        int high = fcntl(sources[i], F_DUPFD_CLOEXEC, 10);
        if (high < 0) child_fail(plan, CAPAS_STAGE_DESCRIPTORS, errno, protections);
        sources[i] = high;
    }
    plan->status_fd = sources[4];
    for (int target = 0; target < 4; target++)
        if (dup2(sources[target], target) != target)
            child_fail(plan, CAPAS_STAGE_DESCRIPTORS, errno, protections);
    if (dup3(sources[4], 4, O_CLOEXEC) != 4) child_fail(plan, CAPAS_STAGE_DESCRIPTORS, errno, protections);
    plan->status_fd = 4;
    if (dup3(sources[5], CAPAS_PROGRAM_FD, O_CLOEXEC) != CAPAS_PROGRAM_FD)
        child_fail(plan, CAPAS_STAGE_DESCRIPTORS, errno, protections);
    program = CAPAS_PROGRAM_FD;
    for (int i = 0; i < passing; i++)
        if (dup2(sources[6 + i], CAPAS_PASSED_FD + i) != CAPAS_PASSED_FD + i)
            child_fail(plan, CAPAS_STAGE_DESCRIPTORS, errno, protections);
    const unsigned first_closed = (unsigned)(CAPAS_PASSED_FD + passing);
#ifdef __NR_close_range
    if (syscall(__NR_close_range, first_closed, ~0u, 0u) != 0)
#endif
    {
        struct rlimit files;
        rlim_t end = getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_max != RLIM_INFINITY
            ? files.rlim_max : 1 << 20;
        if (end > (1 << 20)) end = 1 << 20;
        for (rlim_t fd = first_closed; fd < end; fd++) close((int)fd);
    }

    // After the descriptors: RLIMIT_NOFILE may be lower than the numbers
    // the grader's own descriptors had.
    // RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL one second later.
    if ((config->cpu_seconds && (error = limit(RLIMIT_CPU, config->cpu_seconds, config->cpu_seconds + 1)))
        || (config->memory_bytes && (error = limit(RLIMIT_AS, config->memory_bytes, config->memory_bytes)))
        || (config->file_size_bytes && (error = limit(RLIMIT_FSIZE, config->file_size_bytes, config->file_size_bytes)))
        || (config->processes && (error = limit(RLIMIT_NPROC, config->processes, config->processes)))
        || (config->open_files && (error = limit(RLIMIT_NOFILE, config->open_files, config->open_files)))
        || (error = limit(RLIMIT_CORE, 0, 0)))
        child_fail(plan, CAPAS_STAGE_RLIMIT, error, protections);

    if (config->switch_user) {
        if (setgroups(0, NULL) != 0
            || setresgid(config->gid, config->gid, config->gid) != 0
            || setresuid(config->uid, config->uid, config->uid) != 0)
            child_fail(plan, CAPAS_STAGE_USER, errno, protections);
        if (getuid() != config->uid || geteuid() != config->uid || getegid() != config->gid)
            child_fail(plan, CAPAS_STAGE_USER, EPERM, protections);
        protections |= CAPAS_PROTECT_USER_SWITCH;
    }

    // If the grader dies, so does the child (set after the uid change, which
    // clears it); and if it died already, stop here.
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != plan->parent) _exit(127);

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        child_fail(plan, CAPAS_STAGE_NO_NEW_PRIVS, errno, protections);

    if (chdir(config->private_tmp ? "/tmp" : config->work_dir) != 0)
        child_fail(plan, CAPAS_STAGE_CHDIR, errno, protections);

    // Is execveat there? An outer seccomp profile (some container runtimes)
    // may refuse it: EBADF for the bad descriptor means it is allowed.
    int by_descriptor = 1;
#ifdef __NR_execveat
    if (syscall(__NR_execveat, -1, "", NULL, NULL, AT_EMPTY_PATH) != 0 && errno != EBADF) by_descriptor = 0;
#else
    by_descriptor = 0;
#endif

    if (config->impose_filter) {
        // The filter goes on here, by the spawner, before the program's first
        // instruction: static initialisers and .init_array entries included.
        filter_builder filter;
        capas_filter_profile profile = config->impose_filter == 2 ? CAPAS_FILTER_TOOL
            : by_descriptor ? CAPAS_FILTER_EXEC_ONCE : CAPAS_FILTER_EXEC_BY_PATH;
        build_filter(&filter, profile, config->deny_action, (uint32_t)getpid());
        if (filter.overflow) child_fail(plan, CAPAS_STAGE_FILTER, E2BIG, protections);
        protections |= CAPAS_PROTECT_FILTER;
        child_report(plan->status_fd, CAPAS_STAGE_NONE, 0, protections);
        if ((error = install_filter(&filter)) != 0) child_fail(plan, CAPAS_STAGE_FILTER, error, protections);
    } else {
        child_report(plan->status_fd, CAPAS_STAGE_NONE, 0, protections);
    }
    if (by_descriptor) {
#ifdef __NR_execveat
        syscall(__NR_execveat, program, "", plan->argv, plan->envp, AT_EMPTY_PATH);
#endif
        child_fail(plan, CAPAS_STAGE_EXEC, errno, protections);
    }
    // Kernels before 3.19, or an outer profile that refuses execveat: by
    // path (still there unless it was under /tmp).
    execve(plan->path, plan->argv, plan->envp);
    child_fail(plan, CAPAS_STAGE_EXEC, errno, protections);
}

static void close_if_open(int *fd) {
    if (*fd >= 0) { close(*fd); *fd = -1; }
}

static void format_id_map(char *buffer, size_t size, unsigned id) {
    // "id id 1\n" without snprintf's locale machinery.
    char digits[16];
    int n = 0;
    do { digits[n++] = (char)('0' + id % 10); id /= 10; } while (id && n < 15);
    size_t at = 0;
    for (int copy = 0; copy < 2; copy++) {
        for (int i = n - 1; i >= 0 && at + 1 < size; i--) buffer[at++] = digits[i];
        if (at + 1 < size) buffer[at++] = ' ';
    }
    if (at + 2 < size) { buffer[at++] = '1'; buffer[at++] = '\n'; }
    buffer[at] = 0;
}

int capas_spawn(const char *path, char *const argv[], char *const envp[],
                const capas_spawn_config *config, capas_child *child,
                capas_stage *failed_stage) {
    int out[2] = { -1, -1 }, err[2] = { -1, -1 }, channel[2] = { -1, -1 }, status[2] = { -1, -1 };
    int null_fd = -1;
    *failed_stage = CAPAS_STAGE_NONE;
    memset(child, 0, sizeof *child);
    child->pid = -1;

    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0
        || pipe2(channel, O_CLOEXEC) != 0 || pipe2(status, O_CLOEXEC) != 0
        || (null_fd = open(config->stdin_path ? config->stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        int error = errno;
        int *all[] = { &out[0], &out[1], &err[0], &err[1], &channel[0], &channel[1],
                       &status[0], &status[1], &null_fd };
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) close_if_open(all[i]);
        *failed_stage = CAPAS_STAGE_PIPE;
        return error;
    }

    child_plan plan = {
        .path = path, .argv = argv, .envp = envp, .config = config, .parent = getpid(),
        .null_fd = null_fd, .out_fd = out[1], .err_fd = err[1], .channel_fd = channel[1],
        .status_fd = status[1],
    };
    format_id_map(plan.uid_map, sizeof plan.uid_map, (unsigned)geteuid());
    format_id_map(plan.gid_map, sizeof plan.gid_map, (unsigned)getegid());

    sigset_t all_signals, previous;
    sigfillset(&all_signals);
    pthread_sigmask(SIG_SETMASK, &all_signals, &previous);
    pid_t pid = fork();
    if (pid == 0) child_main(&plan);
    int fork_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);

    close(out[1]); close(err[1]); close(channel[1]); close(status[1]); close(null_fd);
    if (pid < 0) {
        close(out[0]); close(err[0]); close(channel[0]); close(status[0]);
        *failed_stage = CAPAS_STAGE_FORK;
        return fork_error;
    }
    // Also from this side, so killpg(pid) is valid as soon as we return.
    // (EACCES once the child has exec'd: then it did it itself.)
    setpgid(pid, pid);

    // Read status records until EOF, which execve's close-on-exec delivers.
    status_record record, last = { -1, EIO, 0 };
    size_t have = 0;
    for (;;) {
        ssize_t n = read(status[0], (char *)&record + have, sizeof record - have);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        have += (size_t)n;
        if (have == sizeof record) { last = record; have = 0; }
    }
    close(status[0]);

    if (last.stage != CAPAS_STAGE_NONE) {
        // The child failed before or at execve and has exited (or was killed
        // before reporting): reap it, give nothing back.
        int ignored;
        while (waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {}
        close(out[0]); close(err[0]); close(channel[0]);
        *failed_stage = last.stage < 0 ? CAPAS_STAGE_FORK : (capas_stage)last.stage;
        return last.error ? last.error : EIO;
    }

    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    fcntl(channel[0], F_SETFL, O_NONBLOCK);
    child->pid = pid;
    child->stdout_fd = out[0];
    child->stderr_fd = err[0];
    child->channel_fd = channel[0];
    child->protections = last.protections;
    return 0;
}

int capas_user_namespaces_available(void) {
    sigset_t all_signals, previous;
    sigfillset(&all_signals);
    pthread_sigmask(SIG_SETMASK, &all_signals, &previous);
    pid_t pid = fork();
    if (pid == 0) _exit(unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 ? 0 : 1);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (pid < 0) return 0;
    int status;
    while (waitpid(pid, &status, 0) < 0) if (errno != EINTR) return 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int capas_kill_user(uid_t uid, gid_t gid) {
    if (uid == 0 || geteuid() != 0) return EPERM;
    sigset_t all_signals, previous;
    sigfillset(&all_signals);
    pthread_sigmask(SIG_SETMASK, &all_signals, &previous);
    pid_t pid = fork();
    if (pid == 0) {
        // As that user, kill(-1) reaches every process of that user and no
        // other (the caller itself is spared).
        if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) _exit(2);
        int remaining = kill(-1, SIGKILL) == 0;
        _exit(remaining ? 1 : 0);
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (pid < 0) return errno;
    int status;
    while (waitpid(pid, &status, 0) < 0) if (errno != EINTR) return errno;
    return WIFEXITED(status) && WEXITSTATUS(status) <= 1 ? 0 : EPERM;
}

int capas_become_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : errno;
}

int capas_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC) == 0 ? 0 : errno;
}

int capas_private_mounts_available(void) {
    sigset_t all_signals, previous;
    sigfillset(&all_signals);
    pthread_sigmask(SIG_SETMASK, &all_signals, &previous);
    pid_t pid = fork();
    if (pid == 0) {
        // As root: a mount namespace needs CAP_SYS_ADMIN, which some
        // containers take away. Otherwise through a user namespace.
        int flags = geteuid() == 0 ? CLONE_NEWNS : CLONE_NEWUSER | CLONE_NEWNS;
        if (unshare(flags) != 0) _exit(1);
        if (geteuid() == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) _exit(1);
        _exit(0);
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (pid < 0) return 0;
    int status;
    while (waitpid(pid, &status, 0) < 0) if (errno != EINTR) return 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
