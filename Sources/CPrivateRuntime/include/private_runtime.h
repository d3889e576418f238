#pragma once

/// The packages ship their own runtime: glibc's loader and libc, libstdc++, OpenSSL, libsystemd and the
/// libraries they need, in one private directory that the binary's interpreter and DT_RPATH name
/// (packaging/release-flags.sh). These calls keep the process on those libraries once it runs.

/// Makes glibc's name services use only what is built into this libc: `files` for every database and
/// `files dns` for hosts (both built in since glibc 2.34). A node's /etc/nsswitch.conf may name modules
/// (sss, systemd, resolve, mymachines…) whose libnss_*.so were built for the node's glibc; glibc would
/// dlopen them into a process running another one. Call before any lookup. Returns 0, or -1 when glibc
/// refused a database (nothing then changed for it).
int trustmend_isolate_name_services(void);

/// The directory of the libc.so.6 this process runs on ("/usr/lib/trustmend" in the packages, the
/// distro's library directory in a development build), written into `buffer` with its terminating NUL.
/// Returns the length, or -1 when it cannot be told or does not fit.
int trustmend_runtime_directory(char *buffer, unsigned long size);

/// Whether a seccomp filter refuses new threads: clone3 answered with EPERM. glibc ≥ 2.34 creates
/// threads and spawns processes with clone3 first and falls back to clone only on ENOSYS, so under a
/// filter that answers EPERM (docker < 20.10.10, runc < 1.0.2, a unit with SystemCallErrorNumber=EPERM
/// and a systemd that does not list clone3) every pthread_create fails and the Swift runtime retries
/// forever: a silent hang. The probe passes no arguments: a kernel with clone3 answers EINVAL, one
/// without it ENOSYS; neither creates anything. Returns 1 when refused, 0 otherwise.
int trustmend_threads_refused(void);
