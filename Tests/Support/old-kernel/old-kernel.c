// old-kernel: run a program as if on an older Linux kernel (x86_64), by seccomp.
//
//   old-kernel 4.19|3.10|clone3-eperm [--check] [--list] -- PROGRAM ARGS...
//
// Every system call that arrived after the named kernel fails with ENOSYS, as the old kernel's
// syscall table would answer; a few flags and arguments the old kernel did not know fail the way it
// would (madvise advice → EINVAL, waitid(P_PIDFD) → EINVAL, open(O_TMPFILE) → EISDIR, ...). The filter
// is set with no_new_privs and inherited by the program and every child it starts (an update tool, a
// shell script, openssl), so the whole process tree sees the old kernel.
//
// "clone3-eperm" is not a kernel: only clone3 fails, with EPERM, as an old container runtime's or an old
// systemd's seccomp filter answers a call it does not know (docker < 20.10.10, runc < 1.0.2, systemd
// SystemCallFilter= / SystemCallErrorNumber=EPERM without clone3 in its tables). glibc ≥ 2.34 falls back
// from clone3 to clone only on ENOSYS.
//
// uname: seccomp can refuse a call but not change what it returns, so uname would still report this
// machine's kernel, and code that decides by the release takes the new kernel's path. The one such
// decision seen here is OpenSSL 3's entropy source: without getrandom it falls back to /dev/urandom only
// when uname says the kernel is older than 4.8 (providers/implementations/rands/seeding/rand_unix.c,
// wait_random_seeded), so under "3.10" with the real uname every TLS handshake fails ("error retrieving
// entropy") where a real 3.10 node would read /dev/urandom. So "3.10" also sets the UNAME26 personality
// (inherited across exec): uname then reports 2.6.(60+minor), older than 3.10, which every "older than X"
// check answers as a 3.10 kernel would. (4.19 needs nothing: 4.19 and this kernel are both past 4.8.)
//
// --check installs the filter and then tests it on itself (each blocked call answers ENOSYS without
// reaching the kernel, each emulated flag its errno); --list prints the tables.
//
// Build: cc -O2 -Wall -o old-kernel old-kernel.c -lseccomp   (Debian: libseccomp-dev)
//
// Kernel versions: from each call's man page ("VERSIONS"/"HISTORY": "first appeared in Linux X") and
// the x86_64 numbers from arch/x86/entry/syscalls/syscall_64.tbl. Calls are given by number, not by
// name, so the table does not depend on which calls the installed libseccomp knows.
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/syscall.h>
#include <unistd.h>

struct call {
    const char *name;
    int nr;           // x86_64 number
    const char *since; // the Linux release that added it
};

// Added after Linux 4.19 (4.19 ends at 334 rseq; 387–423 are never used on x86_64). Not here: uretprobe
// (335, 6.11): seen here, the filter does not stop it (the kernel passes it through seccomp) and called
// outside a uretprobe trampoline it raises SIGILL; nothing but the kernel's own trampoline calls it.
static const struct call after_4_19[] = {
    {"pidfd_send_signal", 424, "5.1"},
    {"io_uring_setup", 425, "5.1"},
    {"io_uring_enter", 426, "5.1"},
    {"io_uring_register", 427, "5.1"},
    {"open_tree", 428, "5.2"},
    {"move_mount", 429, "5.2"},
    {"fsopen", 430, "5.2"},
    {"fsconfig", 431, "5.2"},
    {"fsmount", 432, "5.2"},
    {"fspick", 433, "5.2"},
    {"pidfd_open", 434, "5.3"},
    {"clone3", 435, "5.3"},
    {"close_range", 436, "5.9"},
    {"openat2", 437, "5.6"},
    {"pidfd_getfd", 438, "5.6"},
    {"faccessat2", 439, "5.8"},
    {"process_madvise", 440, "5.10"},
    {"epoll_pwait2", 441, "5.11"},
    {"mount_setattr", 442, "5.12"},
    {"quotactl_fd", 443, "5.14"},  // numbered in 5.13 as quotactl_path, disabled before release
    {"landlock_create_ruleset", 444, "5.13"},
    {"landlock_add_rule", 445, "5.13"},
    {"landlock_restrict_self", 446, "5.13"},
    {"memfd_secret", 447, "5.14"},
    {"process_mrelease", 448, "5.15"},
    {"futex_waitv", 449, "5.16"},
    {"set_mempolicy_home_node", 450, "5.17"},
    {"cachestat", 451, "6.5"},
    {"fchmodat2", 452, "6.6"},
    {"map_shadow_stack", 453, "6.6"},
    {"futex_wake", 454, "6.7"},
    {"futex_wait", 455, "6.7"},
    {"futex_requeue", 456, "6.7"},
    {"statmount", 457, "6.8"},
    {"listmount", 458, "6.8"},
    {"lsm_get_self_attr", 459, "6.8"},
    {"lsm_set_self_attr", 460, "6.8"},
    {"lsm_list_modules", 461, "6.8"},
    {"mseal", 462, "6.10"},
    {"setxattrat", 463, "6.13"},
    {"getxattrat", 464, "6.13"},
    {"listxattrat", 465, "6.13"},
    {"removexattrat", 466, "6.13"},
    {"open_tree_attr", 467, "6.15"},
    {"file_getattr", 468, "6.17"},
    {"file_setattr", 469, "6.17"},
    {"listns", 470, "6.18"},
};

// Added from Linux 3.11 to 4.19 (3.10 ends at 313 finit_module, which arrived in 3.8). A 3.10 kernel
// lacks these and everything above.
static const struct call from_3_11_to_4_19[] = {
    {"sched_setattr", 314, "3.14"},
    {"sched_getattr", 315, "3.14"},
    {"renameat2", 316, "3.15"},
    {"seccomp", 317, "3.17"},
    {"getrandom", 318, "3.17"},
    {"memfd_create", 319, "3.17"},
    {"kexec_file_load", 320, "3.17"},
    {"bpf", 321, "3.18"},
    {"execveat", 322, "3.19"},
    {"userfaultfd", 323, "4.3"},
    {"membarrier", 324, "4.3"},
    {"mlock2", 325, "4.4"},
    {"copy_file_range", 326, "4.5"},
    {"preadv2", 327, "4.6"},
    {"pwritev2", 328, "4.6"},
    {"pkey_mprotect", 329, "4.9"},
    {"pkey_alloc", 330, "4.9"},
    {"pkey_free", 331, "4.9"},
    {"statx", 332, "4.11"},
    {"io_pgetevents", 333, "4.18"},
    {"rseq", 334, "4.18"},
};

// What an old kernel refuses inside a call it has: an argument value (op EQ) or a flag bit (op MASK).
enum op { EQ, MASK };
struct feature {
    const char *what;
    int nr;        // the call
    unsigned arg;  // which argument
    enum op op;
    unsigned long long value;  // EQ: the value; MASK: the bits, any of which set
    int err;       // what the old kernel answers
    const char *since;
};

static const struct feature features_after_4_19[] = {
    {"madvise(MADV_COLD)", SYS_madvise, 2, EQ, 20, EINVAL, "5.4"},
    {"madvise(MADV_PAGEOUT)", SYS_madvise, 2, EQ, 21, EINVAL, "5.4"},
    {"madvise(MADV_POPULATE_READ)", SYS_madvise, 2, EQ, 22, EINVAL, "5.14"},
    {"madvise(MADV_POPULATE_WRITE)", SYS_madvise, 2, EQ, 23, EINVAL, "5.14"},
    {"madvise(MADV_DONTNEED_LOCKED)", SYS_madvise, 2, EQ, 24, EINVAL, "5.18"},
    {"madvise(MADV_COLLAPSE)", SYS_madvise, 2, EQ, 25, EINVAL, "6.1"},
    {"waitid(P_PIDFD)", SYS_waitid, 0, EQ, 3, EINVAL, "5.4"},
    {"getrandom(GRND_INSECURE)", SYS_getrandom, 2, MASK, 0x4, EINVAL, "5.6"},
};

static const struct feature features_3_11_to_4_19[] = {
    {"madvise(MADV_FREE)", SYS_madvise, 2, EQ, 8, EINVAL, "4.5"},
    {"madvise(MADV_WIPEONFORK)", SYS_madvise, 2, EQ, 18, EINVAL, "4.14"},
    {"madvise(MADV_KEEPONFORK)", SYS_madvise, 2, EQ, 19, EINVAL, "4.14"},
    // A kernel without O_TMPFILE ignores the unknown bit and sees O_DIRECTORY with write access: EISDIR
    // (open(2): "O_TMPFILE ... since Linux 3.11").
    {"open(O_TMPFILE)", SYS_open, 1, MASK, 020000000, EISDIR, "3.11"},
    {"openat(O_TMPFILE)", SYS_openat, 2, MASK, 020000000, EISDIR, "3.11"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum profile { K4_19, K3_10, CLONE3_EPERM };

static int add_call(scmp_filter_ctx ctx, const struct call *c, int err) {
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(err), c->nr, 0);
    if (rc != 0) fprintf(stderr, "old-kernel: cannot filter %s (%d): %s\n", c->name, c->nr, strerror(-rc));
    return rc;
}

static int add_feature(scmp_filter_ctx ctx, const struct feature *f) {
    struct scmp_arg_cmp cmp = f->op == EQ
        ? (struct scmp_arg_cmp){f->arg, SCMP_CMP_EQ, f->value, 0}
        : (struct scmp_arg_cmp){f->arg, SCMP_CMP_MASKED_EQ, f->value, f->value};
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(f->err), f->nr, 1, cmp);
    if (rc == -EEXIST) return 0;  // the whole call is already refused (getrandom on 3.10)
    if (rc != 0) fprintf(stderr, "old-kernel: cannot filter %s: %s\n", f->what, strerror(-rc));
    return rc;
}

static int in_3_10_list(int nr) {
    for (size_t i = 0; i < COUNT(from_3_11_to_4_19); i++)
        if (from_3_11_to_4_19[i].nr == nr) return 1;
    return 0;
}

static int install(enum profile p) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) return -1;
    int rc = 0;
    if (p == CLONE3_EPERM) {
        static const struct call clone3 = {"clone3", 435, "5.3"};
        rc |= add_call(ctx, &clone3, EPERM);
    } else {
        for (size_t i = 0; i < COUNT(after_4_19); i++) rc |= add_call(ctx, &after_4_19[i], ENOSYS);
        if (p == K3_10)
            for (size_t i = 0; i < COUNT(from_3_11_to_4_19); i++) rc |= add_call(ctx, &from_3_11_to_4_19[i], ENOSYS);
        for (size_t i = 0; i < COUNT(features_after_4_19); i++) {
            if (p == K3_10 && in_3_10_list(features_after_4_19[i].nr)) continue;
            rc |= add_feature(ctx, &features_after_4_19[i]);
        }
        if (p == K3_10)
            for (size_t i = 0; i < COUNT(features_3_11_to_4_19); i++) rc |= add_feature(ctx, &features_3_11_to_4_19[i]);
    }
    if (rc == 0) rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);  // libseccomp sets no_new_privs itself
    if (rc == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) rc = -errno;
    if (rc == 0 && p == K3_10 && personality(personality(0xffffffff) | UNAME26) == -1) rc = -errno;
    if (rc == 0) rc = seccomp_load(ctx);
    if (rc != 0) fprintf(stderr, "old-kernel: cannot load the filter: %s\n", strerror(rc < 0 ? -rc : EINVAL));
    seccomp_release(ctx);
    return rc;
}

static void list(enum profile p) {
    if (p == CLONE3_EPERM) {
        printf("clone3\t435\t5.3\tEPERM\n");
        return;
    }
    for (size_t i = 0; i < COUNT(after_4_19); i++)
        printf("%s\t%d\t%s\tENOSYS\n", after_4_19[i].name, after_4_19[i].nr, after_4_19[i].since);
    if (p == K3_10)
        for (size_t i = 0; i < COUNT(from_3_11_to_4_19); i++)
            printf("%s\t%d\t%s\tENOSYS\n", from_3_11_to_4_19[i].name, from_3_11_to_4_19[i].nr, from_3_11_to_4_19[i].since);
    for (size_t i = 0; i < COUNT(features_after_4_19); i++)
        if (!(p == K3_10 && in_3_10_list(features_after_4_19[i].nr)))
            printf("%s\t%d\t%s\t%s\n", features_after_4_19[i].what, features_after_4_19[i].nr, features_after_4_19[i].since,
                   strerrorname_np(features_after_4_19[i].err));
    if (p == K3_10)
        for (size_t i = 0; i < COUNT(features_3_11_to_4_19); i++)
            printf("%s\t%d\t%s\t%s\n", features_3_11_to_4_19[i].what, features_3_11_to_4_19[i].nr,
                   features_3_11_to_4_19[i].since, strerrorname_np(features_3_11_to_4_19[i].err));
}

static int expect(const char *what, long rc, int want) {
    int got = rc == -1 ? errno : 0;
    if (got == want) return 0;
    fprintf(stderr, "old-kernel --check: %s: got %s, want %s\n", what, got ? strerrorname_np(got) : "success",
            want ? strerrorname_np(want) : "success");
    return 1;
}

// Runs after install(): every blocked call is refused by the filter before it reaches the kernel, so
// calling it with zero arguments is harmless.
static int check(enum profile p) {
    int bad = 0, n = 0;
    if (p == CLONE3_EPERM) {
        bad += expect("clone3", syscall(435, NULL, 0), EPERM);
        n++;
    } else {
        for (size_t i = 0; i < COUNT(after_4_19); i++, n++)
            bad += expect(after_4_19[i].name, syscall(after_4_19[i].nr, 0, 0, 0, 0, 0, 0), ENOSYS);
        if (p == K3_10)
            for (size_t i = 0; i < COUNT(from_3_11_to_4_19); i++, n++)
                bad += expect(from_3_11_to_4_19[i].name, syscall(from_3_11_to_4_19[i].nr, 0, 0, 0, 0, 0, 0), ENOSYS);
        void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        bad += expect("madvise(MADV_PAGEOUT)", syscall(SYS_madvise, page, 4096, 21), EINVAL);
        bad += expect("madvise(MADV_DONTNEED)", syscall(SYS_madvise, page, 4096, MADV_DONTNEED), 0);
        bad += expect("waitid(P_PIDFD)", syscall(SYS_waitid, 3, 0, NULL, 4, NULL), EINVAL);
        char byte;
        if (p == K4_19) {
            bad += expect("getrandom(0)", syscall(SYS_getrandom, &byte, 1, 0), 0);
            bad += expect("getrandom(GRND_INSECURE)", syscall(SYS_getrandom, &byte, 1, 4), EINVAL);
        } else {
            bad += expect("madvise(MADV_FREE)", syscall(SYS_madvise, page, 4096, 8), EINVAL);
            bad += expect("openat(O_TMPFILE)", syscall(SYS_openat, -100, "/tmp", 020000000 | 0200000 | 02, 0600), EISDIR);
            struct utsname u;
            if (uname(&u) != 0 || strncmp(u.release, "2.6.", 4) != 0) {
                fprintf(stderr, "old-kernel --check: uname reports %s, want 2.6.x (UNAME26)\n", u.release);
                bad++;
            }
        }
        n += 5;
    }
    if (bad == 0) printf("old-kernel --check: ok (%d calls and flags answer as the old kernel would)\n", n);
    return bad ? 1 : 0;
}

static int usage(void) {
    fprintf(stderr, "usage: old-kernel 4.19|3.10|clone3-eperm [--check] [--list] [-- PROGRAM ARGS...]\n");
    return 64;
}

int main(int argc, char **argv) {
    if (argc < 3) return usage();
    enum profile p;
    if (strcmp(argv[1], "4.19") == 0) p = K4_19;
    else if (strcmp(argv[1], "3.10") == 0) p = K3_10;
    else if (strcmp(argv[1], "clone3-eperm") == 0) p = CLONE3_EPERM;
    else return usage();
    if (strcmp(argv[2], "--list") == 0) {
        list(p);
        return 0;
    }
    int checking = strcmp(argv[2], "--check") == 0;
    if (!checking && (strcmp(argv[2], "--") != 0 || argc < 4)) return usage();
    if (install(p) != 0) return 70;
    if (checking) return check(p);
    execvp(argv[3], argv + 3);
    fprintf(stderr, "old-kernel: %s: %s\n", argv[3], strerror(errno));
    return 127;
}
