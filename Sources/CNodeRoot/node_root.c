#define _GNU_SOURCE
#include "node_root.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int trustmend_open_directory_path(const char *path) {
    int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

int trustmend_openat2_in_root(int root_fd, const char *path, int path_only) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)((path_only ? O_PATH : O_RDONLY) | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    for (;;) {
        long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof how);
        if (fd >= 0) return (int)fd;
        if (errno == EINTR || errno == EAGAIN) continue;  // EAGAIN: a rename raced the lookup; try again
        // EPERM: a seccomp filter (older container runtimes) refuses the unknown call.
        return (errno == ENOSYS || errno == EPERM) ? -ENOSYS : -errno;
    }
}

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct child_failure { int step; int error; };

/// Only async-signal-safe calls between fork and execve: the parent is multi-threaded.
static void child(const char *root, const char *path, char *const argv[], char *const envp[], int devnull, int out_w,
                  int err_w, int report_w) {
    struct child_failure failure = {0, 0};
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) sigaction(s, &dfl, NULL);
    setsid();
    if (dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0) { failure.step = 4; goto fail; }
    // Nothing else of this process's reaches the node's program (the journal's, the bus's descriptors).
    if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        for (int fd = 3; fd < 65536; fd++) if (fd != report_w) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    if (chroot(root) != 0) { failure.step = 1; goto fail; }
    if (chdir("/") != 0) { failure.step = 2; goto fail; }
    execve(path, argv, envp);
    failure.step = 3;
fail:
    failure.error = errno;
    (void)!write(report_w, &failure, sizeof failure);
    _exit(127);
}

static void drain(int *fd, char *buffer, size_t capacity, size_t *length) {
    char scratch[16384];
    ssize_t n = read(*fd, scratch, sizeof scratch);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) { close(*fd); *fd = -1; return; }
    size_t keep = capacity - *length < (size_t)n ? capacity - *length : (size_t)n;
    memcpy(buffer + *length, scratch, keep);
    *length += keep;
}

void trustmend_run_chrooted(
    const char *root, const char *path, char *const argv[], char *const envp[], long timeout_ms, long grace_ms,
    char *out, char *err, size_t capacity, struct trustmend_chrooted_result *result) {
    memset(result, 0, sizeof *result);
    int out_p[2] = {-1, -1}, err_p[2] = {-1, -1}, report_p[2] = {-1, -1};
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0 || pipe2(out_p, O_CLOEXEC) != 0 || pipe2(err_p, O_CLOEXEC) != 0 || pipe2(report_p, O_CLOEXEC) != 0) {
        result->failed_errno = errno;
        result->failed_step = 4;
        goto close_all;
    }
    pid_t pid = fork();
    if (pid < 0) {
        result->failed_errno = errno;
        result->failed_step = 4;
        goto close_all;
    }
    if (pid == 0) child(root, path, argv, envp, devnull, out_p[1], err_p[1], report_p[1]);
    close(out_p[1]); out_p[1] = -1;
    close(err_p[1]); err_p[1] = -1;
    close(report_p[1]); report_p[1] = -1;
    // The report pipe closes on a successful execve (close-on-exec); otherwise it says which step failed.
    struct child_failure failure = {0, 0};
    ssize_t got;
    do { got = read(report_p[0], &failure, sizeof failure); } while (got < 0 && errno == EINTR);
    if (got == (ssize_t)sizeof failure) {
        result->failed_step = failure.step;
        result->failed_errno = failure.error;
    } else {
        result->ran = 1;
    }
    long deadline = now_ms() + timeout_ms, kill_at = -1;
    int status = 0, reaped = 0;
    // Until the program has ended and both pipes are closed (a child it left running may hold them), or
    // the time limit and the grace after it have passed.
    while (!reaped || out_p[0] >= 0 || err_p[0] >= 0) {
        if (!reaped) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid || (w < 0 && errno != EINTR)) reaped = 1;
        }
        long now = now_ms();
        if (!result->timed_out && now >= deadline) {
            result->timed_out = 1;
            kill(-pid, SIGTERM);
            kill_at = now + grace_ms;
        }
        if (kill_at >= 0 && now >= kill_at) {
            kill(-pid, SIGKILL);
            break;  // whatever still holds the pipes is being killed; stop reading
        }
        if (reaped && out_p[0] < 0 && err_p[0] < 0) break;
        long wait = (result->timed_out ? kill_at : deadline) - now;
        if (wait > 50 && (reaped || (out_p[0] < 0 && err_p[0] < 0))) wait = 50;  // polling for the exit
        if (wait > 1000) wait = 1000;
        struct pollfd fds[2] = {{out_p[0], POLLIN, 0}, {err_p[0], POLLIN, 0}};
        int r = poll(fds, 2, (int)(wait < 0 ? 0 : wait));
        if (r < 0 && errno != EINTR) break;
        if (r <= 0) continue;
        if (fds[0].revents && out_p[0] >= 0) drain(&out_p[0], out, capacity, &result->out_length);
        if (fds[1].revents && err_p[0] >= 0) drain(&err_p[0], err, capacity, &result->err_length);
    }
    if (!reaped) while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    result->exit_status = status;
close_all:
    if (devnull >= 0) close(devnull);
    for (int i = 0; i < 2; i++) {
        if (out_p[i] >= 0) close(out_p[i]);
        if (err_p[i] >= 0) close(err_p[i]);
        if (report_p[i] >= 0) close(report_p[i]);
    }
}
