#!/usr/bin/env bash
# trustmend end to end on an OLD node: Debian 11 (bullseye: glibc 2.31, OpenSSL 1.1.1, systemd 247,
# containerd 1.4, docker.io 20.10, rpm 4.16), debootstrapped from Debian's mirror into a cache outside the
# repo and booted with systemd-nspawn over an overlay (tmpfs upper: the cached root never changes).
#
#   a. a TLS registry whose CA the node lacks: a CRI pull (containerd 1.4 serves CRI v1alpha2 only) and a
#      docker pull fail with "x509: certificate signed by unknown authority", in the engines' journal
#   b. the .deb on Debian's trust store, route: auto, enforce: trustmend takes the SYSTEM route (containerd
#      1.4 has no registry config_path) and says why; containerd restarted, the pull works; doctor runs;
#      docker 20.10 reads certs.d, so auto repairs its pull on the registry route, without a restart
#   c. the same under a drop-in that makes every system call added after Linux 4.19 fail with ENOSYS
#   d. dpkg --purge: anchors gone, the bundle rebuilt without the CA, the state gone
#   e. the node made EulerOS-like (os-release, /etc/pki, update-ca-trust running the node's p11-kit), the
#      .rpm installed with rpm -i (its %post starts the unit), a repair through p11-kit on the system
#      route (seccomp drop-in still on), rpm -e cleans the anchors
#
# One file per step, sourced in order from Tests/e2e/old-node/steps/ (0-prepare.sh writes the overlay
# before boot; step c's drop-in is proved on a probe unit before trustmend is installed); they share the
# helpers and the state that Tests/e2e/old-node/lib.sh lists.
#
# Run as root on Debian 12: bash Tests/e2e/old-node.sh   (installs the host packages it needs; builds
# the .deb and the .rpm into packaging/out, as run.sh does). Exits non-zero at the first failed check.
#   TRUSTMEND_E2E_CACHE=DIR          the bullseye root (default /var/cache/trustmend-e2e/bullseye-<hash
#                                    of the package list>); built there when missing, reused otherwise
#   TRUSTMEND_E2E_MIRROR=URL         Debian's mirror (default http://deb.debian.org/debian)
#   TRUSTMEND_E2E_PREPARE_ONLY=1     only make sure the cached root exists (for a CI cache step)
#   TRUSTMEND_E2E_BUILD=0            do not build the packages: use what packaging/out has
#   TRUSTMEND_E2E_KEEP=1             keep the node at the end (nsenter -t PID -a bash) until the file it
#                                    names is removed
set -euo pipefail

# shellcheck source=Tests/e2e/old-node/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/old-node/lib.sh"   # sets $here and $repo; lib.sh: narration, checks, node()…

[[ $EUID == 0 ]] || { echo "old-node.sh: run as root (it debootstraps and boots a container)" >&2; exit 1; }

# --- the cached root -----------------------------------------------------------------------------------
if [[ ${TRUSTMEND_E2E_INSIDE:-} != 1 ]]; then
  say "Host packages: debootstrap, nspawn, openssl, python3"
  host_pkgs=(debootstrap systemd-container util-linux procps binutils openssl python3 rpm)
  missing=()
  for p in "${host_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    note "installing: ${missing[*]}"
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
  pass "all present"

  say "The old node's root: $cache"
  if [[ -d $cache ]]; then
    pass "cached ($(du -sh --apparent-size "$cache" | cut -f1)), built $(date -u -r "$cache" +%FT%TZ)"
  else
    note "not cached: debootstrap bullseye from $mirror and install ${node_pkgs[*]}"
    tb=$(now_us)
    bash "$here/old-node/build-root.sh" "$cache" "$mirror" "${node_pkgs[@]}" | sed 's/^/    /'
    [[ -d $cache ]] || die "build-root.sh made no $cache"
    timed "debootstrap + apt-get install (cache miss)" "$(since "$tb")"
    pass "built in $(since "$tb")s ($(du -sh --apparent-size "$cache" | cut -f1))"
  fi
  sed 's/^/    /' "$cache/etc/trustmend-e2e-versions"
  for old in "$(dirname "$cache")"/bullseye-*; do
    if [[ -d $old && $old != "$cache" ]]; then note "an older recipe's root, unused now: $old (rm -rf it to free $(du -sh "$old" | cut -f1))"; fi
  done
  [[ ${TRUSTMEND_E2E_PREPARE_ONLY:-} != 1 ]] || exit 0
fi

# --- everything below runs in a private mount namespace: the overlay and the node vanish with it -------
if [[ ${TRUSTMEND_E2E_INSIDE:-} != 1 ]]; then
  if [[ ${TRUSTMEND_E2E_BUILD:-1} != 0 ]]; then
    say "Building the .deb and the .rpm from this checkout (packaging/build deb, packaging/build rpm)"
    bash "$repo/Tests/scripts/setup.sh"
    for kind in deb rpm; do bash "$repo/packaging/build" "$kind" | sed 's/^/    /'; done
  fi
  TRUSTMEND_E2E_INSIDE=1 exec unshare -m --propagation private -- bash "$0" "$@"
fi

base=$(mktemp -d /tmp/trustmend-old-node.XXXXXX)
root=$base/root nspawn="" pid1="" console=$base.console.log
cleanup() {
  # $? is read first: `local rc=0` alone reset it to 0, so e2e_cleanup saw success and a failed check
  # ended the script with exit 0.
  local status=$? rc=0
  set +e
  (exit "$status")
  e2e_cleanup old-node.sh
  rc=$?
  say "Timings"
  printf '    %s
' "${timings[@]}"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=Tests/e2e/old-node/steps/0-prepare.sh
source "$here/old-node/steps/0-prepare.sh"            # the overlay, the packages, the PKI, the node's files
# shellcheck source=Tests/e2e/old-node/steps/1-boot.sh
source "$here/old-node/steps/1-boot.sh"               # boot; the engines and the registries
# shellcheck source=Tests/e2e/old-node/steps/2-unknown-authority.sh
source "$here/old-node/steps/2-unknown-authority.sh"  # a. both pulls fail without trustmend
# shellcheck source=Tests/e2e/old-node/steps/3-seccomp-probe.sh
source "$here/old-node/steps/3-seccomp-probe.sh"      # c. the kernel-4.19 drop-in, proved on a probe unit
# shellcheck source=Tests/e2e/old-node/steps/4-deb.sh
source "$here/old-node/steps/4-deb.sh"                # b. dpkg -i on bullseye; its own loader, no NSS module of the node
# shellcheck source=Tests/e2e/old-node/steps/5-auto-route.sh
source "$here/old-node/steps/5-auto-route.sh"         # b. route: auto: containerd 1.4 system route, docker certs.d
# shellcheck source=Tests/e2e/old-node/steps/6-kernel-4.19.sh
source "$here/old-node/steps/6-kernel-4.19.sh"        # c. the drop-in on trustmend; a repair under it
# shellcheck source=Tests/e2e/old-node/steps/7-purge.sh
source "$here/old-node/steps/7-purge.sh"              # d. dpkg --purge
# shellcheck source=Tests/e2e/old-node/steps/8-euleros-rpm.sh
source "$here/old-node/steps/8-euleros-rpm.sh"        # e. the node made EulerOS-like; rpm -i
# shellcheck source=Tests/e2e/old-node/steps/9-rpm-route.sh
source "$here/old-node/steps/9-rpm-route.sh"          # e. a repair through p11-kit; systemd < 239; rpm -e

say "All checks passed"
timed "the scenario: overlay, boot, steps a-e" "$(since "$t0")"
