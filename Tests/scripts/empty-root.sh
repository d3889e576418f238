#!/usr/bin/env bash
# The shipped binary needs nothing from the node's libraries: a package's files alone, extracted into an
# empty root with /proc and /dev/null (Swift reads its arguments from /proc/self/cmdline), run
# `trustmend --version`, `scan` on the corpus lines and `fetch` against a local `openssl s_server`.
# Then the same root is made hostile, as an old or odd node can be: a library of every name the binary
# loads in each of the loader's default directories, each a stub that exits 99 when loaded, and an
# /etc/nsswitch.conf naming a module whose library does the same. The runs must not change.
#   bash Tests/scripts/empty-root.sh PACKAGE.deb|PACKAGE.rpm      (as root: chroot and mounts)
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/scripts/pki.sh

package=${1:?usage: empty-root.sh PACKAGE.deb|PACKAGE.rpm}
fail() { echo "empty-root: FAIL ($kind): $*" >&2; exit 1; }
ok() { echo "empty-root: ok ($kind): $*"; }
[[ $EUID == 0 ]] || { echo "empty-root.sh: run as root (chroot, mounts)" >&2; exit 1; }

work=$(mktemp -d /tmp/trustmend-empty-root.XXXXXX)
root=$work/root server=""
cleanup() {
  [[ -z $server ]] || kill "$server" 2>/dev/null || true
  umount "$root/proc" "$root/dev/null" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$root"
case $package in
  *.deb) kind=deb; dpkg-deb -x "$package" "$root" ;;
  *.rpm) kind=rpm; (cd "$root" && rpm2cpio "$OLDPWD/$package" | cpio -idm --quiet) ;;
  *) echo "empty-root.sh: $package is neither a .deb nor an .rpm" >&2; exit 64 ;;
esac
# Only the package's files: nothing else may be there for the binary to lean on.
extra=$(cd "$root" && find . -type f ! -path './usr/bin/*' ! -path './usr/lib/trustmend/*' ! -path './etc/trustmend/*' \
  ! -path './usr/share/*' ! -path '*/systemd/*' | head -3)
[[ -z $extra ]] || fail "unexpected files in the package: $extra"
mkdir -p "$root/proc" "$root/dev" "$root/etc" "$root/tmp"
mount -t proc proc "$root/proc"
touch "$root/dev/null"
mount --bind /dev/null "$root/dev/null"
echo "127.0.0.1 registry.empty.test" > "$root/etc/hosts"
in_root() { chroot "$root" /usr/bin/trustmend "$@"; }

# A registry on loopback: leaf + issuing CA, the CA minted here.
pki=$work/pki; mkdir -p "$pki"
(cd "$pki" && pki_ca ca "/CN=Empty Root Test CA" && pki_leaf leaf ca registry.empty.test)
ca_sha=$(pki_sha256 "$pki/ca.pem")
port=$(( 20000 + RANDOM % 20000 ))
openssl s_server -quiet -accept "127.0.0.1:$port" -cert "$pki/leaf.pem" -key "$pki/leaf.key" -cert_chain "$pki/ca.pem" \
  -naccept 1000 < /dev/null > /dev/null 2>&1 &
server=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

# The corpus lines, and the endpoints the corpus says a detector must report.
corpus=Tests/TrustmendCoreTests/Fixtures/x509-pull-errors.jsonl   # the shared corpus, copied into the repo
lines=$work/lines.txt expected=$work/expected.txt
/usr/bin/python3 - "$corpus" "$lines" "$expected" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
with open(sys.argv[2], "w") as f:
    f.writelines(r["line"] + "\n" for r in rows)
with open(sys.argv[3], "w") as f:
    f.writelines(f'{n}\t{r["expect"]["host"]}:{r["expect"]["port"]}\n' for n, r in enumerate(rows, 1) if r["expect"] and r["expect"]["host"])
PY
(( $(wc -l < "$expected") > 10 )) || fail "the corpus gave $(wc -l < "$expected") expected detections"
cp "$lines" "$root/tmp/lines.txt"

checks() { # checks LABEL: the three commands in the root as it is now
  local label=$1 out
  out=$(in_root --version) || fail "$label: --version exited $?"
  [[ $(sed -n 1p <<<"$out") == "trustmend $(sed -n 's/^ *static let version = "\(.*\)"$/\1/p' Sources/trustmend/VersionInfo.swift)" ]] \
    || fail "$label: --version printed: $out"
  grep -q '^runtime: /usr/lib/trustmend, [0-9]* files from ' <<<"$out" || fail "$label: --version names no private runtime: $out"
  ok "$label: --version: $(sed -n 1p <<<"$out"), $(grep -c '^  ' <<<"$out") bundled files, $(sed -n 2p <<<"$out")"

  out=$(in_root scan --json /tmp/lines.txt) || fail "$label: scan exited $?"
  got=$(/usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    d = json.loads(l)
    if d.get("host"): print("%s\t%s:%s" % (d["line"], d["host"], d["port"]))' <<<"$out")
  [[ $got == "$(cat "$expected")" ]] || fail "$label: scan found other endpoints than the corpus expects: $(diff <(echo "$got") "$expected" | head -5)"
  ok "$label: scan of $(wc -l < "$lines") corpus lines: the $(wc -l < "$expected") expected endpoints, nothing else"

  out=$(in_root fetch --no-proxy --json "registry.empty.test:$port") || fail "$label: fetch exited $?"
  grep -q "$ca_sha" <<<"$out" || fail "$label: fetch did not return the CA (sha256 $ca_sha): ${out:0:300}"
  ok "$label: fetch registry.empty.test:$port (a name from the root's /etc/hosts): leaf + CA ${ca_sha:0:16}…"
}

checks "empty root"

# The hostile root: stubs under every name the binary loads, in every default directory of the loader, and
# a name-service module that is one too. Any of them loaded ends the process with 99.
stub=$work/stub.so
printf '#include <unistd.h>\n__attribute__((constructor)) static void loaded(void) { _exit(99); }\n' > "$work/stub.c"
cc -shared -fPIC -o "$stub" "$work/stub.c"
names=$(ls "$root/usr/lib/trustmend" | grep '\.so')
for dir in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu lib64 usr/lib64 lib usr/lib; do
  mkdir -p "$root/$dir"
  for name in $names libnss_stub.so.2; do cp "$stub" "$root/$dir/$name"; done
done
printf 'passwd: stub files\ngroup: stub files\nhosts: stub files dns\nservices: stub files\n' > "$root/etc/nsswitch.conf"
# The controls, proof that the stubs are found where the binary must not look: a program without the
# binary's DT_RPATH, run by the same loader, loads a stub libc from a default directory; with the private
# runtime as its library path, its host lookup (glibc's default, the node's nsswitch.conf) loads the stub
# name-service module.
printf '#include <netdb.h>\nint main(void) { struct addrinfo *r; return getaddrinfo("registry.empty.test", "443", 0, &r); }\n' > "$work/lookup.c"
cc -o "$root/tmp/lookup" "$work/lookup.c"
set +e
control_err=$(chroot "$root" /usr/lib/trustmend/ld-linux-x86-64.so.2 /tmp/lookup 2>&1 >/dev/null)
control_libs=$?
chroot "$root" /usr/lib/trustmend/ld-linux-x86-64.so.2 --library-path /usr/lib/trustmend /tmp/lookup >/dev/null 2>&1
control_nss=$?
set -e
# A stub libc either runs its constructor (99) or lacks a symbol the program binds at once (127, named).
[[ $control_libs == 99 || ( $control_libs == 127 && $control_err == *"/libc.so.6"* ) ]] && [[ $control_nss == 99 ]] ||
  fail "the stubs are not loaded where they should be (exit $control_libs: $control_err; $control_nss): the hostile root proves nothing"
ok "controls: a default library search loads a stub libc (exit $control_libs), a default host lookup the stub module (exit 99)"
checks "hostile root"
