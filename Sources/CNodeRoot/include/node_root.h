#pragma once
#include <stddef.h>
#include <sys/types.h>

/// Opens `path` relative to the directory `root_fd` with every symbolic link, `..` and absolute path
/// resolved inside that directory, as if it were `/` (openat2(2) with RESOLVE_IN_ROOT, Linux 5.6): a
/// node's `/etc/pki/tls/certs/ca-bundle.crt` → `/etc/pki/ca-trust/…` read under a host-root mount lands
/// in the node's file, never the container's. Magic links (/proc/PID/fd/…) are refused.
/// `path_only` opens with O_PATH (nothing is read: the descriptor only names the file), else O_RDONLY.
/// Returns the descriptor, or -errno: -ENOSYS on a kernel without openat2 (or a seccomp filter that
/// refuses it), when the caller resolves in user space instead.
int trustmend_openat2_in_root(int root_fd, const char *path, int path_only);

/// An O_PATH descriptor of a directory (O_PATH is not visible to Swift), or -errno.
int trustmend_open_directory_path(const char *path);

/// Runs a node's program inside the node's root: fork, then in the child setsid, stdin from /dev/null,
/// stdout and stderr to pipes, every signal back to its default, chroot(root), chdir("/"), execve(path,
/// argv, envp). `path` is a node path (as inside the root); `envp` is the whole environment.
///
/// Why chroot and not nsenter into PID 1's mount namespace: nsenter needs the node's PID namespace
/// (hostPID) and CAP_SYS_ADMIN, which is the whole node; chroot needs only CAP_SYS_CHROOT, and the tool
/// then sees the node's tree as the pod mounts it: the node's root read-only with the trust directories
/// mounted read-write over it, so the tool can rebuild the bundle and nothing else.
///
/// Blocks until the program ends and both pipes close, or for `timeout_ms`, after which its process group
/// gets SIGTERM and, `grace_ms` later, SIGKILL. Up to `capacity` bytes of stdout and of stderr are kept in
/// `out` and `err` (more is read and dropped).
struct trustmend_chrooted_result {
    int exit_status;   ///< waitpid's status when `ran`
    int ran;           ///< the program was executed (exec succeeded)
    int timed_out;     ///< the time limit was reached and the group was killed
    int failed_errno;  ///< why it did not run (errno), when !ran
    int failed_step;   ///< 1 chroot, 2 chdir, 3 execve, 4 fork/pipes (in this process), when !ran
    size_t out_length;
    size_t err_length;
};

void trustmend_run_chrooted(
    const char *root, const char *path, char *const argv[], char *const envp[], long timeout_ms, long grace_ms,
    char *out, char *err, size_t capacity, struct trustmend_chrooted_result *result);
