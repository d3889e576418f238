#!/usr/bin/env python3
"""Calls every x86_64 system call added after Linux 4.19 with arguments that make a kernel having it fail
harmlessly (-1 everywhere: a bad descriptor, pointer, size or flags), and prints one line per call:
"NAME NUMBER ERRNO-NAME" (or "NAME NUMBER ok" if it succeeded). Run inside the sandbox being checked:
ENOSYS means the call looked absent, as on a 4.19 kernel.
Usage: syscall_probe.py"""
import ctypes, errno

# name: number on x86_64 (arch/x86/entry/syscalls/syscall_64.tbl); 424-462, Linux 5.1 to 6.10.
CALLS = [
    "pidfd_send_signal", "io_uring_setup", "io_uring_enter", "io_uring_register", "open_tree", "move_mount",
    "fsopen", "fsconfig", "fsmount", "fspick", "pidfd_open", "clone3", "close_range", "openat2",
    "pidfd_getfd", "faccessat2", "process_madvise", "epoll_pwait2", "mount_setattr", "quotactl_fd",
    "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "memfd_secret",
    "process_mrelease", "futex_waitv", "set_mempolicy_home_node", "cachestat", "fchmodat2",
    "map_shadow_stack", "futex_wake", "futex_wait", "futex_requeue", "statmount", "listmount",
    "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules", "mseal",
]

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
minus_one = [ctypes.c_long(-1)] * 6
for number, name in enumerate(CALLS, start=424):
    ctypes.set_errno(0)
    result = libc.syscall(ctypes.c_long(number), *minus_one)
    code = ctypes.get_errno()
    print(name, number, "ok" if result != -1 else errno.errorcode.get(code, str(code)), flush=True)
