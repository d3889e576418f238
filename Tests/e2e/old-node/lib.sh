# shellcheck shell=bash disable=SC2034  # the state below is set and read by the steps
# Tests/e2e/old-node.sh's own helpers and the state its steps (Tests/e2e/old-node/steps/*.sh) share;
# Tests/e2e/lib.sh (shared with run.sh) comes with it. Sourced, not run: by old-node.sh first, then by
# each step again so that the reader and shellcheck see where the names come from; the second time
# returns at once.
[[ -z ${e2e_old_node_lib:-} ]] || return 0
e2e_old_node_lib=1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)   # Tests/e2e
repo=$(cd "$here/../.." && pwd)
# shellcheck source=Tests/e2e/lib.sh
source "$here/lib.sh"   # narration, checks, node(), events, the PKI, node_config, boot_node

# --- the cached root -----------------------------------------------------------------------------------
mirror=${TRUSTMEND_E2E_MIRROR:-http://deb.debian.org/debian}
# What the node runs. docker-registry and skopeo serve and push the test image inside the node (its
# network is private); python3-grpcio speaks CRI; rpm installs the .rpm in step e. libnss-myhostname and
# libnss-systemd (systemd's Recommends, on most nodes) put NSS modules built for glibc 2.31 into
# nsswitch.conf: trustmend's own glibc must not load them.
node_pkgs=(systemd systemd-sysv dbus containerd docker.io docker-registry skopeo p11-kit p11-kit-modules
           ca-certificates openssl rpm python3 python3-grpcio iproute2 curl util-linux procps
           libnss-myhostname libnss-systemd)
# The recipe's version and everything that shapes the root name the cache directory: a change makes a new one.
recipe=$(printf '%s\n' "recipe 1" "bullseye" "$mirror" "${node_pkgs[@]}" | cat - "$here/old-node/build-root.sh")
cache=${TRUSTMEND_E2E_CACHE:-/var/cache/trustmend-e2e/bullseye-$(sha256sum <<<"$recipe" | cut -c1-12)}

# --- the state the steps share ---------------------------------------------------------------------
# Each step reads what the steps before it set; nothing else passes between them. A step's own scratch
# names (m, a journal mark; tb and tf, start times; out, doctor, filter, …) are set before use.
#
# The images, one per registry (the registries run in the node from step 1):
image=registry.e2e.test:5000/e2e/hello:1.0       # steps a, b, e
image2=seccomp.e2e.test:5000/e2e/hello:1.0       # step c: a second registry, its own CA
# Every x86_64 system call added after Linux 4.19 (5.1 … 6.10), as syscall_probe.py calls them.
new_calls=(pidfd_send_signal io_uring_setup io_uring_enter io_uring_register open_tree move_mount fsopen
  fsconfig fsmount fspick pidfd_open clone3 close_range openat2 pidfd_getfd faccessat2 process_madvise
  epoll_pwait2 mount_setattr quotactl_fd landlock_create_ruleset landlock_add_rule landlock_restrict_self
  memfd_secret process_mrelease futex_waitv set_mempolicy_home_node cachestat fchmodat2 map_shadow_stack
  futex_wake futex_wait futex_requeue statmount listmount lsm_get_self_attr lsm_set_self_attr
  lsm_list_modules mseal)
# Set by old-node.sh: the tmpfs that holds the overlay ($base), the node's root in the host's view
# ($root), the node's console log ($console). lib.sh's boot_node (step 1) sets $nspawn and $pid1, the
# node's systemd as the host sees it, which node() runs commands in.
base="" root="" console=""
# Set by steps/0-prepare.sh:
deb=""           # the .deb as the node sees it (/var/cache/e2e/trustmend_*.deb), "" without one
rpm=""           # the .rpm as the node sees it (/var/cache/e2e/trustmend-*.rpm), "" without one
pki=""           # the test PKI in the overlay ($root/etc/e2e/pki; /etc/e2e/pki in the node)
anchor_sha=""    # sha256 of the E2E Corp Issuing CA, the anchor for registry.e2e.test (steps b, e)
seccomp_sha=""   # sha256 of the Seccomp Corp Issuing CA, the anchor for seccomp.e2e.test (step c)
mask_args=()     # kernel arguments that mask what the root enables (lib.sh's mask_enabled), for step 1
# Set by steps/3-seccomp-probe.sh:
dropin_dir=""    # trustmend.service's drop-in directory in the node (steps c, d, e)
dropin=""        # the kernel-4.19 drop-in's text (step c)
# Set by steps/8-euleros-rpm.sh:
euler_bundle=""  # the EulerOS-like node's bundle, /etc/pki/tls/certs/ca-bundle.crt
old_dropin=""    # the drop-in packaging/old-systemd.sh writes for systemd < 248
# The Debian bundle (steps b to d):
debian_bundle=/etc/ssl/certs/ca-certificates.crt
containerd_before=""   # containerd's MainPID before a repair, set by the step that checks containerd_restarted
# lib.sh keeps the rest: $event_at (wait_event), $restarted_at (configure, restart_trustmend), $timings.

# --- helpers ----------------------------------------------------------------------------------------
# containerd_pid: its MainPID now; containerd_restarted: it has another one since $containerd_before
# (systemd's word, not trustmend's).
containerd_pid() { node systemctl show -p MainPID --value containerd; }
containerd_restarted() {
  local now; now=$(containerd_pid)
  [[ $now != 0 && $now != "$containerd_before" ]] || die "containerd's MainPID is $now, as before the repair: not restarted"
  pass "systemd agrees: containerd's MainPID $containerd_before → $now"
}
in_bundle() { node grep -q "$(sed -n 2p "$pki/$1")" "$2"; }          # in_bundle CERT.pem BUNDLE
# own_libraries_only: the running daemon has mapped no shared object but its own (/usr/lib/trustmend/):
# no library of the node, no NSS module of the node's glibc (it looked registries up by now).
own_libraries_only() {
  local pid maps foreign
  pid=$(node systemctl show -p MainPID --value trustmend)
  maps=$(node cat "/proc/$pid/maps" | awk '$6 ~ /\.so/ { print $6 }' | sort -u)
  foreign=$(grep -v '^/usr/lib/trustmend/' <<<"$maps" || true)
  [[ -z $foreign ]] || die "trustmend (PID $pid) has mapped the node's libraries: $(tr '\n' ' ' <<<"$foreign")"
  pass "trustmend (PID $pid) maps $(wc -l <<<"$maps") shared objects, all from /usr/lib/trustmend/ (nsswitch.conf: $(node sed -n 's/^hosts:[[:space:]]*//p' /etc/nsswitch.conf))"
}
# show TEXT: TEXT's lines, indented and marked as output ("    | ").
# shellcheck disable=SC2001  # every line, not one substitution
show() { sed 's/^/    | /' <<<"$1"; }
# version_of PACKAGE: the package's version in the node's dpkg database.
# shellcheck disable=SC2016  # dpkg-query's own ${Version}
version_of() { node dpkg-query -W -f='${Version}' "$1"; }
