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

#include <stddef.h>
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

/// The descriptor from which the spawner starts the program (execveat).
#define CAPAS_PROGRAM_FD 5
/// The first descriptor a spawned program (bubblewrap) is handed, when
/// `capas_spawn_config.pass_count` is positive.
#define CAPAS_PASSED_FD 6

/// Which filter: what the program may still start.
typedef enum {
    /// The program installs it on itself (`capas_sandbox_lockdown`): no exec at all.
    CAPAS_FILTER_SELF = 0,
    /// The spawner installs it just before its own execveat of descriptor
    /// CAPAS_PROGRAM_FD: that call passes, every later exec is refused.
    CAPAS_FILTER_EXEC_ONCE = 1,
    /// bubblewrap installs it just before its execve of the program, so
    /// execve must pass; nothing else can be started inside bubblewrap's view.
    CAPAS_FILTER_EXEC_BY_PATH = 2,
    /// Tools of the grader (the compiler) that start their own helpers:
    /// processes and exec allowed; no network, tracing, mounts or namespaces.
    CAPAS_FILTER_TOOL = 3,
} capas_filter_profile;

/// Writes the BPF program of `profile` (struct sock_filter records) into
/// `buffer`; `self_pid` is the pid the program will have when the filter
/// applies (signals go only there). Returns 0 and sets `*length` in bytes,
/// or E2BIG if `capacity` is too small.
int capas_sandbox_filter(capas_filter_profile profile, capas_deny_action action, uint32_t self_pid,
                         void *buffer, size_t capacity, size_t *length);

/// The same program in a new memfd (close-on-exec, at offset 0) for
/// bubblewrap's --seccomp. Returns 0 and sets `*fd`, or an errno.
int capas_sandbox_filter_fd(capas_filter_profile profile, capas_deny_action action, uint32_t self_pid, int *fd);

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
    CAPAS_PROTECT_FILTER      = 1 << 5,  ///< the spawner installed the seccomp filter before exec
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
    /// 1: the child installs the CAPAS_FILTER_EXEC_ONCE filter on
    /// itself just before it starts the program, so nothing of the program
    /// (not even code that runs before its main) runs unfiltered.
    /// 2: the CAPAS_FILTER_TOOL filter. 0: none.
    int impose_filter;
    /// What a forbidden call does under the imposed filter.
    capas_deny_action deny_action;
    /// `pass_fds[i]` becomes the program's descriptor CAPAS_PASSED_FD + i
    /// (not close-on-exec) for the first `pass_count` (at most 4): the
    /// filter for bubblewrap's --seccomp, folders for its --bind-fd.
    int pass_count;
    int pass_fds[4];
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
    CAPAS_STAGE_FILTER,
} capas_stage;

/// Starts `path` with `argv` and `envp` (both NULL-terminated, prepared by
/// the caller because the child may not allocate). Returns 0 and fills
/// `child`; or returns a positive errno with `*failed_stage` set, and no
/// child is left running (a child that failed before execve has been reaped).
int capas_spawn(const char *path, char *const argv[], char *const envp[],
                const capas_spawn_config *config, capas_child *child,
                capas_stage *failed_stage);

/// 1 if a child of this process can get private mounts (a mount namespace
/// as root, or a user plus mount namespace otherwise), else 0.
int capas_private_mounts_available(void);

/// Kills every process running as `uid` (from a short-lived child that
/// switches to that user and sends kill(-1, SIGKILL)). Root only; returns
/// 0 or an errno.
int capas_kill_user(uid_t uid, gid_t gid);

/// Makes the calling process the reaper of its orphaned descendants
/// (PR_SET_CHILD_SUBREAPER). Returns 0 or an errno.
int capas_become_subreaper(void);

/// pipe2(fds, O_CLOEXEC). Returns 0 or an errno.
int capas_pipe_cloexec(int fds[2]);

/// 1 if this process may create a user plus mount namespace (probed in a
/// short-lived child), else 0.
int capas_user_namespaces_available(void);

#ifdef __cplusplus
}
#endif

#endif
