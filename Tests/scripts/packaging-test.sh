#!/usr/bin/env bash
# Packaging tests: builds the .deb and the .rpm, lints both, checks the unit's exposure score, the
# binary's library floor, and installs the rpm into a scratch root to check its file list and scripts.
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
code_ids=$(grep -o '"7d1f0b9e4c2a4f6e9a51c0d3e2b8a6[0-9a-f][0-9a-f]"' Sources/TrustmendCore/Event.swift | tr -d '"' | sort -u)
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

# --- The binary: libraries and symbol versions (the floor packaging/README.md claims) ---------------
bin=$(mktemp -d)/trustmend
trap 'rm -rf "$(dirname "$bin")"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/trustmend > "$bin"
chmod 0755 "$bin"
needed=$(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
expected="ld-linux-x86-64.so.2 libc.so.6 libcrypto.so.3 libgcc_s.so.1 libm.so.6 libssl.so.3 libstdc++.so.6 libsystemd.so.0 libyaml-0.so.2 "
[[ "$needed" == "$expected" ]] || fail "the binary links [$needed], expected [$expected] (no Swift runtime, no Foundation ICU)"
readelf -d "$bin" | grep -q 'RUNPATH\|RPATH' && fail "the binary has an RPATH/RUNPATH"
newest() { objdump -T "$bin" | grep -o "($1_[0-9.]*)" | tr -d '()' | sed "s/$1_//" | sort -V | tail -1; }
glibc=$(newest GLIBC); glibcxx=$(newest GLIBCXX); libsystemd=$(newest LIBSYSTEMD)
printf "%s\n" "$glibc" 2.34 | sort -V -C || fail "needs glibc $glibc, above the 2.34 floor (RHEL 9, openEuler 22.03)"
printf '%s\n' "$glibcxx" 3.4.29 | sort -V -C || fail "needs GLIBCXX_$glibcxx, above 3.4.29 (GCC 11)"
printf '%s\n' "$libsystemd" 237 | sort -V -C || fail "needs LIBSYSTEMD_$libsystemd, above 237"
ok "binary floor: glibc $glibc, GLIBCXX $glibcxx, libsystemd $libsystemd, OpenSSL 3; no RUNPATH; links $needed"
"$bin" --version | grep -q "^trustmend $version$" || fail "--version does not print $version"

# --- deb ------------------------------------------------------------------------------------------
lintian --fail-on error,warning --suppress-tags spelling-error-in-binary "$deb" \
  || fail "lintian reports errors or warnings"
ok "lintian: no errors, no warnings"
control=$(dpkg-deb -f "$deb")
grep -q '^Depends: .*libc6 (>= 2.34).*libssl3.*libsystemd0' <<<"$control" || fail "deb Depends lacks the library floor: $control"
[[ $(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles) == /etc/trustmend/config.yaml ]] || fail "config.yaml is not a conffile"
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$' | sort | tr '\n' ' ')
for f in /usr/bin/trustmend /lib/systemd/system/trustmend.service /etc/trustmend/config.yaml \
  /usr/lib/systemd/catalog/trustmend.catalog /usr/share/man/man1/trustmend.1.gz \
  /usr/share/bash-completion/completions/trustmend /usr/share/zsh/vendor-completions/_trustmend; do
  [[ " $files" == *" $f "* ]] || fail "deb lacks $f"
done
ok "deb: $(( $(stat -c %s "$deb") / 1024 )) KiB, Depends and conffiles right, $(wc -w <<<"$files") files"

# --- rpm ------------------------------------------------------------------------------------------
rpmlint -c packaging/rpm/rpmlint.toml "$rpm" || fail "rpmlint reports errors"
ok "rpmlint: no errors"
requires=$(rpm -qpR "$rpm" 2>/dev/null)
grep -q 'libc.so.6(GLIBC_2.34)(64bit)' <<<"$requires" || fail "rpm does not require glibc 2.34"
grep -q 'GLIBC_2.3[5-9]' <<<"$requires" && fail "rpm requires a glibc above 2.34"
grep -q 'libssl.so.3(OPENSSL_3.0.0)(64bit)' <<<"$requires" || fail "rpm does not require OpenSSL 3"
listed=$(rpm -qlp "$rpm" 2>/dev/null | tr '\n' ' ')
echo "packaging-test: rpm -qlp: $listed"
scripts=$(rpm -qp --scripts "$rpm" 2>/dev/null)
for s in 'enable --now trustmend.service' 'try-restart trustmend.service' 'disable --now trustmend.service' 'trustmend-\*.crt'; do
  grep -q -- "$s" <<<"$scripts" || fail "rpm scripts lack '$s'"
done
scratch=$(mktemp -d)
rpm --root "$scratch" --dbpath /var/lib/rpm --nodeps --noscripts -i "$rpm" 2>/dev/null
for f in /usr/bin/trustmend /usr/lib/systemd/system/trustmend.service /etc/trustmend/config.yaml \
  /usr/lib/systemd/catalog/trustmend.catalog /usr/share/man/man1/trustmend.1.gz /usr/share/zsh/site-functions/_trustmend; do
  [[ -f "$scratch$f" ]] || fail "rpm --root did not install $f"
done
rpm --root "$scratch" --dbpath /var/lib/rpm -qc trustmend | grep -qx /etc/trustmend/config.yaml || fail "config.yaml is not %config"
"$scratch/usr/bin/trustmend" --version >/dev/null || fail "the rpm's binary does not run"
rm -rf "$scratch"
ok "rpm: $(( $(stat -c %s "$rpm") / 1024 )) KiB, installs into a scratch root, scripts enable/restart/stop/clean up"
