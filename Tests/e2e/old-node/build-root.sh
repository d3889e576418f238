#!/usr/bin/env bash
# Builds the old node's root: Debian 11 (bullseye) from Debian's mirror with debootstrap, then its
# packages with apt-get in a chroot. Called by Tests/e2e/old-node.sh when the cache has no such root.
#   build-root.sh DIR MIRROR PACKAGE…    (as root; DIR must not exist; built beside it and renamed into
#                                         place only when complete, so a killed run leaves no half root)
# Prints how long debootstrap and the installs took. Runs in a private mount namespace: the chroot's
# /proc, /sys and /dev mounts vanish with it, however it ends.
set -euo pipefail

if [[ ${TRUSTMEND_E2E_BUILD_UNSHARED:-} != 1 ]]; then
  TRUSTMEND_E2E_BUILD_UNSHARED=1 exec unshare -m --propagation private -- bash "$0" "$@"
fi

dest=$1 mirror=$2; shift 2
pkgs=("$@")
[[ ! -e $dest ]] || { echo "build-root.sh: $dest exists" >&2; exit 1; }
parent=$(dirname "$dest") name=$(basename "$dest")
mkdir -p "$parent"

now_us() { echo "${EPOCHREALTIME/./}"; }
span()  { local us=$(( $2 - $1 )); printf '%d.%02d' $((us / 1000000)) $((us % 1000000 / 10000)); }

# One builder at a time per cache directory; a builder killed earlier left a .tmp directory: remove it
# (nothing is mounted there any more: its mount namespace died with it).
exec 9> "$parent/.lock"
flock 9
[[ ! -e $dest ]] || { echo "build-root.sh: $dest appeared while waiting for the lock (another run built it)"; exit 0; }
for stale in "$parent/.$name".tmp.*; do
  [[ -e $stale ]] || continue
  echo "build-root.sh: removing $stale, left by a run that did not finish"
  rm -rf --one-file-system "$stale"
done
tmp=$(mktemp -d "$parent/.$name.tmp.XXXXXX")
trap 'rm -rf --one-file-system "$tmp"' EXIT
root=$tmp/root

t0=$(now_us)
echo "debootstrap --variant=minbase bullseye $mirror"
debootstrap --variant=minbase bullseye "$root" "$mirror" > "$tmp/debootstrap.log" 2>&1 ||
  { tail -30 "$tmp/debootstrap.log" >&2; echo "build-root.sh: debootstrap failed" >&2; exit 1; }
t1=$(now_us)
echo "debootstrap: $(span "$t0" "$t1")s"

# The packages, as an operator would install them. Nothing may start in a chroot: policy-rc.d says so
# to invoke-rc.d/deb-systemd-invoke; it is removed again below (the booted node must start the package's
# unit from its postinst).
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root DEBIAN_FRONTEND=noninteractive "$@"; }
echo "apt-get install ${pkgs[*]}"
in_root apt-get update -qq > "$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; exit 1; }
in_root apt-get install -y -q --no-install-recommends "${pkgs[@]}" >> "$tmp/apt.log" 2>&1 ||
  { tail -40 "$tmp/apt.log" >&2; echo "build-root.sh: apt-get install failed" >&2; exit 1; }
t2=$(now_us)
echo "apt-get install: $(span "$t1" "$t2")s"
in_root dpkg-query -W -f='${Package} ${Version}\n' "${pkgs[@]}" systemd libc6 libssl1.1 runc | sort -u > "$tmp/versions"
in_root apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root/usr/sbin/policy-rc.d"
: > "$root/etc/resolv.conf"
umount -R "$root/dev" "$root/sys" "$root/proc"
cp "$tmp/versions" "$root/etc/trustmend-e2e-versions"

mv -T "$root" "$dest"
echo "built $dest in $(span "$t0" "$(now_us)")s"
