#!/usr/bin/env bash
# Installs the Debian packages trustmend's build, tests, demo and benchmarks need. Idempotent: packages
# already present are not fetched again. Sourced or run; needs root (or sudo) on a fresh machine.
set -euo pipefail

packages=(
  libssl-dev libsystemd-dev libyaml-dev pkg-config  # the C libraries trustmend links
  openssl ca-certificates p11-kit        # real TLS servers, update-ca-certificates, p11-kit's trust
  dbus-daemon python3 python3-dbusmock python3-gi  # private D-Bus with the systemd stand-in
  python3-cryptography                   # certificates with dates openssl req cannot set
  systemd-journal-remote                 # journal files for the daemon's tests
  systemd binutils lintian rpm rpmlint cpio  # packaging: systemd-analyze, readelf/objdump, lint, rpmbuild, rpm2cpio
  libseccomp-dev strace                  # old kernels emulated (Tests/Support/old-kernel)
  prometheus                             # promtool: check metrics (trustmend.prom) and the README's alert rules
  python3-yaml python3-kubernetes       # deploy/kubernetes: read, and validated against the Kubernetes models
  skopeo                                 # the image read as docker-archive: and oci-archive: (image-check.sh)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH; install Swift 6.1 or newer (swift.org)" >&2; exit 1; }
