#!/usr/bin/env bash
# trustmend end to end, on a real but throwaway node: a systemd booted with systemd-nspawn over an
# overlay of this machine's own root (nothing on the host changes), with the real containerd, dockerd,
# journald, D-Bus, update-ca-certificates and a TLS registry whose CA the node does not trust.
#
# One file per step, sourced in order from Tests/e2e/steps/ (0-prepare.sh writes the overlay before boot);
# they share the helpers and the state that Tests/e2e/run-lib.sh lists. The steps:
#
#   1. boot the node; start containerd, docker and the registry; push a one-file image
#   2. a CRI pull (what kubelet does) and a docker pull fail with "x509: certificate signed by unknown
#      authority"; both errors are in the engines' journal
#   3. install trustmend (the .deb from packaging/out when there is one), allow the registry, enforce:
#      trustmend installs the anchor, verifies it, restarts containerd (the pull now works) and defers
#      docker (no live-restore); with live-restore on, docker's next failure gets it restarted too;
#      Debian's prometheus-node-exporter serves the counts from trustmend.prom on :9100
#   3b. docker.service given StartLimitBurst=2 in 120 s (a drop-in, removed after): the repair that owes
#      docker a restart right after it started defers it with the start-limit reason (restart.min_interval
#      is 1s), docker stays active, and the restart runs by itself once the window allows it (~2 minutes)
#   4. what must cause nothing: a host outside the allow list (reported only), failures forged by an
#      ordinary user, and `dpkg --purge` takes every anchor and the state away
#   5. the registry route (route: auto): containerd with config_path and dockerd repaired through their
#      certs.d, both MainPIDs unchanged, nothing in the system store; failure logged -> pull works over 25
#      repairs with the shipped debounce (p50/p99 in the timings); purge leaves no certs.d behind
#   6. the same node made EulerOS-like (os-release, /etc/pki, an update-ca-trust running Debian's real
#      p11-kit): the CCE procedure by hand cannot trust a lone CA:FALSE certificate; route: system repairs
#      a CA chain through p11-kit and refuses that certificate, naming the registry route; route: auto
#      repairs it through certs.d without a restart; purge cleans both routes
#   7. the guide's own case (FACTS §23, issue 19), on that node: origin.e2e.test, its CA trusted, redirects
#      blob downloads to cdn.e2e.test:8443 (distribution's redirect middleware; a python3 HTTPS server over
#      the registry's storage) whose CA the node lacks: containerd's error names the CDN host, dockerd's
#      lines name neither host nor image; trustmend (route: auto, the CDN host allowed with
#      `registries: [origin.e2e.test:5000]`) puts the CDN's CA into containerd's certs.d/origin.e2e.test:5000,
#      no restart; dockerd's host-less lines wait for kubelet's line naming the image, and trustmend traces
#      it and puts the CDN's CA into docker's certs.d/origin.e2e.test:5000, no restart. Then
#      guarded.e2e.test, whose token server token.e2e.test:5001 has a CA the node lacks: the CRI pull fails
#      on the token host and trustmend repairs it; dockerd's token failure is measured. Last, the CDN case
#      on route: system (the CDN's CA in the node's anchors, containerd restarted); purge cleans up.
#      `trustmend trace` names the failing host before each repair and none after it
#   8. the DaemonSet's pod under the node's docker (deploy/kubernetes/trustmend.yaml, translated into docker
#      run by Tests/e2e/daemonset_run.py; the image from packaging/build image): on that node, the system
#      route with containerd restarted under the pod and docker restarted with live-restore, the registry
#      route without a restart, a forged line, the ConfigMap swapped to a good and a bad configuration,
#      trustmend health with and without the journal, the pod's RSS, removal by a one-shot remove --all
#
# Run as root on Debian 12: bash Tests/e2e/run.sh  (installs the host packages it needs and builds the
# .deb and the image; the scenario itself takes about four minutes: step 3b two of them, step 7 about 45
# seconds, step 8 about 30).
# Exits non-zero at the first failed check.
#   TRUSTMEND_E2E_FROM=deb|build   install from packaging/out/trustmend_*.deb (the default when there is
#                                  one) or from .build/release/trustmend with the repo's unit file
#   TRUSTMEND_E2E_KEEP=1           keep the node at the end to look around (nsenter -t PID -a bash)
#                                  until the file it names is removed
set -euo pipefail

# shellcheck source=Tests/e2e/run-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/run-lib.sh"   # sets $here and $repo; lib.sh: narration, checks, node()…

[[ $EUID == 0 ]] || { echo "run.sh: run as root (it boots a container)" >&2; exit 1; }

# --- host packages (outside the node's mount namespace: the overlay's lower layer must not change later)
if [[ ${TRUSTMEND_E2E_INSIDE:-} != 1 ]]; then
  say "Host packages: nspawn, the engines, the registry, skopeo, python3-grpcio, node_exporter, python3-cryptography"
  pkgs=(systemd systemd-container dbus containerd docker.io docker-registry skopeo python3-grpcio
        iproute2 openssl ca-certificates util-linux p11-kit p11-kit-modules prometheus-node-exporter
        python3-cryptography curl)
  missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    note "installing: ${missing[*]}"
    apt-get update -qq
    # The engines' postinsts cannot start anything here (no systemd on the host).
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
  pass "all present"
  if [[ ${TRUSTMEND_E2E_FROM:-auto} != build ]]; then
    say "Building the .deb and the container image from this checkout (packaging/build deb, image)"
    bash "$repo/Tests/scripts/setup.sh"
    bash "$repo/packaging/build" deb | sed 's/^/    /'
    bash "$repo/packaging/build" image | sed 's/^/    /'
  fi
  # Everything below runs in a private mount namespace: the overlay and the node vanish with it.
  TRUSTMEND_E2E_INSIDE=1 exec unshare -m --propagation private -- bash "$0" "$@"
fi

base=$(mktemp -d /tmp/trustmend-e2e.XXXXXX)
root=$base/root nspawn="" pid1="" console=$base.console.log
cleanup() { e2e_cleanup run.sh; exit $?; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=Tests/e2e/steps/0-prepare.sh
source "$here/steps/0-prepare.sh"            # the overlay, trustmend's package, the PKI, the node's files
# shellcheck source=Tests/e2e/steps/1-boot.sh
source "$here/steps/1-boot.sh"               # boot; the engines and the registries
# shellcheck source=Tests/e2e/steps/2-unknown-authority.sh
source "$here/steps/2-unknown-authority.sh"  # both pulls fail without trustmend
# shellcheck source=Tests/e2e/steps/3-system-route.sh
source "$here/steps/3-system-route.sh"       # repaired through the system store, containerd restarted
# shellcheck source=Tests/e2e/steps/3b-start-limit.sh
source "$here/steps/3b-start-limit.sh"       # docker's start limit: the restart deferred, never crossed
# shellcheck source=Tests/e2e/steps/4-nothing-else.sh
source "$here/steps/4-nothing-else.sh"       # forged lines, a host not allowed, upgrade, purge
# shellcheck source=Tests/e2e/steps/5-registry-route.sh
source "$here/steps/5-registry-route.sh"     # repaired through the engines' certs.d, no restart
# shellcheck source=Tests/e2e/steps/6-euleros.sh
source "$here/steps/6-euleros.sh"            # the same on an EulerOS-like node with p11-kit
# shellcheck source=Tests/e2e/steps/7-cdn-redirect.sh
source "$here/steps/7-cdn-redirect.sh"       # a registry redirecting to a CDN, a token server: their own CAs
# shellcheck source=Tests/e2e/steps/8-daemonset.sh
source "$here/steps/8-daemonset.sh"          # the DaemonSet's pod under the node's docker

say "All checks passed"
printf '    %s\n' "${timings[@]}"
