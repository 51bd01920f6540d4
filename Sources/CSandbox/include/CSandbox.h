// CSandbox: the C half of the capas grader's process isolation.
//
// Two entry points, one per side of the fork:
//
//   capas_spawn               — the grader (parent) starts one untrusted run:
//                               fork, then in the child only async-signal-safe
//                               system calls (limits, private /tmp, user
//                               switch, no-new-privs, closed descriptors),
//                               then execve.
//   capas_sandbox_lockdown    — the harness (child) calls it as the first
//                               statement of its generated main, before any
//                               learner code: a seccomp-BPF filter that
//                               refuses new processes, exec, network,
//                               ptrace and signals to other processes.
//
// Everything else (reading pipes, deadlines, reaping) is Swift, in
// CapasSandbox.

#ifndef CAPAS_SANDBOX_H
#define CAPAS_SANDBOX_H

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The descriptor on which the child writes its result bytes.
#define CAPAS_CHANNEL_FD 3

/// What `capas_sandbox_lockdown_with` does to a forbidden system call.
///
/// EPERM is the default because the grader must report something a learner
/// can act on: a refused call surfaces as an ordinary error in their own
/// code (Foundation's `Process.run()` throws "Operation not permitted", a
/// fork bomb's `fork()` returns -1) and the check fails on its output or
/// exit status; nothing forbidden ever runs either way. Killing instead
/// gives the grader an unforgeable named reason (SIGSYS →
/// `SandboxViolation.forbiddenSyscall`) at the cost of ending runs that
/// would have recovered; graders that prefer that pass CAPAS_DENY_KILL.
typedef enum {
    /// The call fails with EPERM and the program goes on (clone3 fails with
    /// ENOSYS so that the C library falls back to `clone`, whose flags the
    /// filter can inspect). The default.
    CAPAS_DENY_ERRNO = 0,
    /// The kernel kills the whole process with SIGSYS.
    CAPAS_DENY_KILL = 1,
} capas_deny_action;

/// Installs the filter with `CAPAS_DENY_ERRNO`. Returns 0, or a positive
/// errno if the kernel refused (EINVAL: no seccomp filter support; other
/// values from prctl/seccomp). On failure nothing is installed: the caller
/// must not run learner code.
int capas_sandbox_lockdown(void);

/// Same, choosing what a forbidden call does.
int capas_sandbox_lockdown_with(capas_deny_action action);

/// Bits of `capas_child.protections`: what the child actually got.
enum {
    CAPAS_PROTECT_USER_SWITCH = 1 << 0,  ///< runs as spawn's uid/gid, no groups
    CAPAS_PROTECT_PRIVATE_TMP = 1 << 1,  ///< /tmp, /var/tmp, /dev/shm are the work dir
    CAPAS_PROTECT_HIDDEN_PROC = 1 << 2,  ///< fresh /proc with hidepid=invisible
    CAPAS_PROTECT_USER_NS     = 1 << 3,  ///< private user namespace (unprivileged grader)
    CAPAS_PROTECT_READ_ONLY_ROOT = 1 << 4, ///< the root file system is read-only for the child
};

/// How to start the child. Zero limits mean "leave as inherited".
typedef struct {
    uint64_t cpu_seconds;       ///< RLIMIT_CPU soft limit (SIGXCPU); hard = soft + 1 (SIGKILL)
    uint64_t memory_bytes;      ///< RLIMIT_AS
    uint64_t file_size_bytes;   ///< RLIMIT_FSIZE (SIGXFSZ, then EFBIG)
    uint64_t processes;         ///< RLIMIT_NPROC (per user; not enforced for root)
    uint64_t open_files;        ///< RLIMIT_NOFILE
    /// Working directory of the child; must exist and be writable by it.
    const char *work_dir;
    /// Nonzero: setgroups/setgid/setuid to `uid`/`gid` (the parent must be root).
    int switch_user;
    uid_t uid;
    gid_t gid;
    /// Nonzero: a private mount namespace in which `work_dir` is mounted on
    /// /tmp, /var/tmp and /dev/shm, the root file system is read-only, and
    /// the child starts in /tmp. As root the namespace also gets a /proc
    /// that hides other users' processes.
    /// As a normal user this needs a user namespace (CAP_SYS_ADMIN there).
    int private_tmp;
    /// The child's standard input: this file, opened by the parent before
    /// the child's view of the file system changes; NULL means /dev/null.
    const char *stdin_path;
} capas_spawn_config;

/// A started child. The parent owns the three read ends (O_CLOEXEC, O_NONBLOCK).
typedef struct {
    pid_t pid;          ///< also the id of its own new process group
    int stdout_fd;
    int stderr_fd;
    int channel_fd;     ///< the child's descriptor 3
    uint32_t protections;
} capas_child;

/// Which step of the child's setup failed (for error messages).
typedef enum {
    CAPAS_STAGE_NONE = 0,
    CAPAS_STAGE_PIPE,
    CAPAS_STAGE_FORK,
    CAPAS_STAGE_NAMESPACE,
    CAPAS_STAGE_MOUNT,
    CAPAS_STAGE_RLIMIT,
    CAPAS_STAGE_DESCRIPTORS,
    CAPAS_STAGE_USER,
    CAPAS_STAGE_NO_NEW_PRIVS,
    CAPAS_STAGE_CHDIR,
    CAPAS_STAGE_EXEC,
} capas_stage;

/// Starts `path` with `argv` and `envp` (both NULL-terminated, prepared by
/// the caller because the child may not allocate). Returns 0 and fills
/// `child`; or returns a positive errno with `*failed_stage` set, and no
/// child is left running (a child that failed before execve has been reaped).
int capas_spawn(const char *path, char *const argv[], char *const envp[],
                const capas_spawn_config *config, capas_child *child,
                capas_stage *failed_stage);

/// 1 if this process may create a user plus mount namespace (probed in a
/// short-lived child), else 0.
int capas_user_namespaces_available(void);

#ifdef __cplusplus
}
#endif

#endif
