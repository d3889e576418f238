#!/usr/bin/env bash
# Packaging tests: builds the .deb, the .rpm and the image (checked by Tests/scripts/image-check.sh), lints both packages, checks the unit's exposure score, the
# binary's private runtime (closed, listed, the kernel it needs), what old dpkg and rpm accept, runs both
# packages' binary in an empty and a hostile root (Tests/scripts/empty-root.sh), and installs the rpm
# into a scratch root to check its file list and scripts.
# Every check prints what it found; the first failure stops the run with a non-zero status.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() { echo "packaging-test: FAIL: $*" >&2; exit 1; }
ok() { echo "packaging-test: ok: $*"; }

# --- The unit: hardening score -------------------------------------------------------------------
max_exposure=1.9
exposure=$(systemd-analyze security --offline=true --no-pager systemd/trustmend.service 2>/dev/null \
  | sed -n 's/.*Overall exposure level for trustmend.service: \([0-9.]*\).*/\1/p')
[[ -n $exposure ]] || fail "systemd-analyze printed no exposure score"
awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }' || fail "exposure $exposure is above $max_exposure"
ok "trustmend.service exposure $exposure (limit $max_exposure)"

# --- The catalog: one entry per MESSAGE_ID the code defines ---------------------------------------
code_ids=$(grep -o '"7d1f0b9e4c2a4f6e9a51c0d3e2b8a6[0-9a-f][0-9a-f]"' Sources/TrustmendCore/Report/Event.swift | tr -d '"' | sort -u)
catalog_ids=$(sed -n 's/^-- \([0-9a-f]\{32\}\)$/\1/p' systemd/trustmend.catalog | sort -u)
[[ "$code_ids" == "$catalog_ids" ]] || fail "catalog and Event.swift disagree: $(diff <(echo "$code_ids") <(echo "$catalog_ids") | tr '\n' ' ')"
ok "catalog explains all $(echo "$code_ids" | wc -l) MESSAGE_IDs"

# --- Build both packages ---------------------------------------------------------------------------
bash packaging/build deb
bash packaging/build rpm
version=$(sed -n 's/^ *static let version = "\(.*\)"$/\1/p' Sources/trustmend/VersionInfo.swift)
deb=packaging/out/trustmend_${version}_$(dpkg --print-architecture).deb
rpm=packaging/out/trustmend-${version}.$(uname -m).rpm
[[ -f $deb && -f $rpm ]] || fail "packages missing: $deb $rpm"

# --- The container image (packaging/build image): built twice, byte for byte the same, then checked -----
bash packaging/build image
image=packaging/out/trustmend_${version}_$(dpkg --print-architecture).image.tar
first=$(sha256sum < "$image")
bash packaging/build image >/dev/null
[[ $(sha256sum < "$image") == "$first" ]] || fail "packaging/build image is not reproducible: two builds differ"
ok "the image is reproducible (${first%% *})"
bash Tests/scripts/image-check.sh "$image" "$deb"

# --- The binary and its private runtime (packaging/README.md, "Linking") ---------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work"
bin=$work/usr/bin/trustmend runtime=$work/usr/lib/trustmend
interp=$(readelf -l "$bin" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
[[ $interp == /usr/lib/trustmend/ld-linux-x86-64.so.2 ]] || fail "the binary's interpreter is '$interp', not the private loader"
[[ $(readelf -d "$bin" | sed -n 's/.*(RPATH).*\[\(.*\)\]/\1/p') == /usr/lib/trustmend ]] || fail "the binary's DT_RPATH is not /usr/lib/trustmend"
readelf -d "$bin" | grep -q RUNPATH && fail "the binary has a DT_RUNPATH: it would make the loader ignore its DT_RPATH"
needed=$(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
expected="ld-linux-x86-64.so.2 libc.so.6 libcrypto.so.3 libgcc_s.so.1 libm.so.6 libssl.so.3 libstdc++.so.6 libsystemd.so.0 libyaml-0.so.2 "
[[ "$needed" == "$expected" ]] || fail "the binary links [$needed], expected [$expected] (no Swift runtime, no Foundation ICU)"
# Closed: every library anything in the package needs is in the runtime, and nothing there carries a
# RUNPATH/RPATH of its own (which would send its dependencies' search elsewhere).
for f in "$bin" "$runtime"/*.so*; do
  for lib in $(readelf -d "$f" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
    [[ -f $runtime/$lib ]] || fail "${f#$work} needs $lib, which /usr/lib/trustmend lacks"
  done
  [[ $f == "$bin" ]] || ! readelf -d "$f" | grep -q 'RUNPATH\|RPATH' || fail "${f#$work} has its own library search path"
done
# The manifest names every file with its package and the digest of what ships.
manifest=$runtime/runtime.manifest
shipped=$(cd "$runtime" && ls | grep -v '^runtime.manifest$' | sort | tr '\n' ' ')
listed=$(grep -v '^#' "$manifest" | cut -f1 | sort | tr '\n' ' ')
[[ $shipped == "$listed" ]] || fail "runtime.manifest lists [$listed], the package ships [$shipped]"
while IFS=$'\t' read -r file source version package sha; do
  [[ -n $source && -n $version && -n $package ]] || fail "runtime.manifest: $file has no source package or version"
  [[ $(sha256sum "$runtime/$file" | cut -d' ' -f1) == "$sha" ]] || fail "runtime.manifest: $file's sha256 is not what ships"
done < <(grep -v '^#' "$manifest")
grep -q '^# from: ' "$manifest" || fail "runtime.manifest does not say which distribution its files come from"
# The oldest kernel the bundled glibc starts on (its ELF ABI note), against CentOS 7's 3.10.
abi=$(readelf -n "$runtime/libc.so.6" | sed -n 's/.*OS: Linux, ABI: \([0-9.]*\).*/\1/p')
printf '%s\n' "$abi" 3.10 | sort -V -C || fail "the bundled glibc needs Linux $abi, above CentOS 7's 3.10"
ok "private runtime: interpreter $interp, DT_RPATH, $(wc -w <<<"$shipped") files closed over their dependencies, manifest matches, glibc needs Linux >= $abi"
# What the node's own scripts run: the drop-in below systemd 248, nothing from 248 on.
for v in 219 237; do
  dropin=$(sh packaging/old-systemd.sh --print $v)
  grep -qx 'SystemCallFilter=' <<<"$dropin" || fail "systemd $v: the drop-in does not reset the system call allow-list"
done
grep -qx 'MemoryLimit=256M' <<<"$(sh packaging/old-systemd.sh --print 219)" || fail "systemd 219: no MemoryLimit="
grep -q '^SystemCallFilter=~@privileged' <<<"$(sh packaging/old-systemd.sh --print 237)" || fail "systemd 237: the deny-list is gone"
grep -qx 'SystemCallFilter=~setpriority:0' <<<"$(sh packaging/old-systemd.sh --print 237)" || fail "systemd 237: setpriority fails loudly again"
grep -qx 'SystemCallFilter=~setpriority:0' systemd/trustmend.service || fail "the unit: setpriority fails loudly again (libdispatch's start-up lines)"
# 239-247: the allow-list stays, and setpriority is allowed (a deny entry's errno is ignored there).
for v in 239 243 247; do
  dropin=$(sh packaging/old-systemd.sh --print $v)
  grep -qx 'SystemCallFilter=setpriority' <<<"$dropin" || fail "systemd $v: setpriority answers ENOSYS and libdispatch logs it at every start"
  grep -qx 'LimitNICE=-4' <<<"$dropin" || fail "systemd $v: user-interactive workers (nice -4) get EACCES and libdispatch logs it"
  grep -qx 'SystemCallFilter=' <<<"$dropin" && fail "systemd $v: the drop-in resets the allow-list it can keep"
done
[[ -z $(sh packaging/old-systemd.sh --print 248) ]] || fail "systemd 248 gets a drop-in"
ok "old systemd: a drop-in for 219 and 237 (no allow-list; 219 also without '+' and with MemoryLimit=), setpriority allowed for 239-247, none from 248"
for p in "$deb" "$rpm"; do
  size=$(stat -c %s "$p")
  (( size <= 15 * 1000 * 1000 )) || fail "${p##*/} is $size bytes, above 15 MB"
done
ok "sizes: deb $(( $(stat -c %s "$deb") / 1024 )) KiB, rpm $(( $(stat -c %s "$rpm") / 1024 )) KiB (limit 15 MB); binary $(( $(stat -c %s "$bin") / 1024 )) KiB, runtime $(du -sk "$runtime" | cut -f1) KiB"
bash Tests/scripts/empty-root.sh "$deb"
bash Tests/scripts/empty-root.sh "$rpm"

# --- deb ------------------------------------------------------------------------------------------
lintian --fail-on error,warning --suppress-tags spelling-error-in-binary "$deb" \
  || fail "lintian reports errors or warnings"
ok "lintian: no errors, no warnings"
control=$(dpkg-deb -f "$deb")
# Nothing from the node's libraries, and only what Ubuntu 18.04 has (init-system-helpers 1.51).
[[ $(sed -n 's/^Depends: //p' <<<"$control") == "ca-certificates, init-system-helpers (>= 1.51)" ]] || fail "deb Depends is not the node's trust store and systemd helpers alone: $control"
# dpkg 1.19 (Ubuntu 18.04) reads xz members (from 1.17.6), not zstd (1.21.18).
[[ $(ar t "$deb" | tr '\n' ' ') == "debian-binary control.tar.xz data.tar.xz " ]] || fail "deb members are $(ar t "$deb" | tr '\n' ' ')"
[[ $(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles) == /etc/trustmend/config.yaml ]] || fail "config.yaml is not a conffile"
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$' | sort | tr '\n' ' ')
for f in /usr/bin/trustmend /lib/systemd/system/trustmend.service /etc/trustmend/config.yaml \
  /usr/lib/trustmend/ld-linux-x86-64.so.2 /usr/lib/trustmend/libc.so.6 /usr/lib/trustmend/runtime.manifest \
  /usr/lib/systemd/catalog/trustmend.catalog /usr/share/man/man1/trustmend.1.gz \
  /usr/share/bash-completion/completions/trustmend /usr/share/zsh/vendor-completions/_trustmend; do
  [[ " $files" == *" $f "* ]] || fail "deb lacks $f"
done
ok "deb: $(( $(stat -c %s "$deb") / 1024 )) KiB, Depends and conffiles right, $(wc -w <<<"$files") files"

# --- rpm ------------------------------------------------------------------------------------------
rpmlint -c packaging/rpm/rpmlint.toml "$rpm" || fail "rpmlint reports errors"
ok "rpmlint: no errors"
requires=$(rpm -qpR "$rpm" 2>/dev/null)
# What rpm 4.11 (CentOS 7) provides of rpmlib features (lib/rpmds.c at rpm-4.11.3-release): a package
# requiring another (PayloadIsZstd, RichDependencies, LargeFiles, CaretInVersions) is refused there.
rpm411="CompressedFileNames ConcurrentAccess ExplicitPackageProvide FileCaps FileDigests HeaderLoadSortsTags PartialHardlinkSets
  PayloadFilesHavePrefix PayloadIsBzip2 PayloadIsLzma PayloadIsXz ScriptletExpansion ScriptletInterpreterArgs TildeInVersions
  VersionedDependencies BuiltinLuaScripts"
for feature in $(sed -n 's/^rpmlib(\([A-Za-z]*\)).*/\1/p' <<<"$requires"); do
  [[ " $(echo $rpm411) " == *" $feature "* ]] || fail "the rpm requires rpmlib($feature), which rpm 4.11 lacks"
done
# Nothing but the node's trust store, systemd and a shell: no library, no rich dependency.
others=$(grep -v '^rpmlib(' <<<"$requires" | sort -u | tr '\n' ' ')
[[ $others == "/bin/sh ca-certificates systemd " ]] || fail "the rpm requires [$others], expected [/bin/sh ca-certificates systemd]"
[[ $(rpm -qp --qf '%{PAYLOADCOMPRESSOR} %{FILEDIGESTALGO}' "$rpm") == "xz 8" ]] || fail "the rpm's payload or digests are not xz and SHA-256"
ok "rpm for rpm 4.11+: requires only [$others] and rpmlib features 4.11 has; xz payload, SHA-256 file digests"
listed=$(rpm -qlp "$rpm" 2>/dev/null | tr '\n' ' ')
echo "packaging-test: rpm -qlp: $listed"
scripts=$(rpm -qp --scripts "$rpm" 2>/dev/null)
for s in 'enable --now trustmend.service' 'try-restart trustmend.service' 'disable --now trustmend.service' 'trustmend-\*.crt'; do
  grep -q -- "$s" <<<"$scripts" || fail "rpm scripts lack '$s'"
done
scratch=$(mktemp -d)
rpm --root "$scratch" --dbpath /var/lib/rpm --nodeps --noscripts -i "$rpm" 2>/dev/null
for f in /usr/bin/trustmend /usr/lib/systemd/system/trustmend.service /etc/trustmend/config.yaml \
  /usr/lib/systemd/catalog/trustmend.catalog /usr/share/man/man1/trustmend.1.gz /usr/share/zsh/site-functions/_trustmend \
  /usr/lib/trustmend/ld-linux-x86-64.so.2 /usr/lib/trustmend/libc.so.6 /usr/lib/trustmend/runtime.manifest; do
  [[ -f "$scratch$f" ]] || fail "rpm --root did not install $f"
done
rpm --root "$scratch" --dbpath /var/lib/rpm -qc trustmend | grep -qx /etc/trustmend/config.yaml || fail "config.yaml is not %config"
rm -rf "$scratch"
ok "rpm: $(( $(stat -c %s "$rpm") / 1024 )) KiB, installs into a scratch root, scripts enable/restart/stop/clean up"
