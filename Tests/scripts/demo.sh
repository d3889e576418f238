#!/usr/bin/env bash
# Shows trustmend's main job end to end on this machine, narrated: a registry on loopback presents a
# chain from a CA minted just now, a containerd log line reports the x509 failure, trustmend finds the
# endpoint in it and repairs a sandbox root with the real update-ca-certificates, then proves it.
# Nothing outside a temporary directory is changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
bash Tests/scripts/setup.sh

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
work=$(mktemp -d /tmp/trustmend-demo.XXXXXX)
server="" ; pids=()
cleanup() {
  for p in $server "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${TRUSTMEND_BIN:-}" ]; then  # a given binary, e.g. packaging/profile-order.sh's profiled one
  tm=$TRUSTMEND_BIN
else
  say "Building trustmend"
  swift build --product trustmend 2>&1 | tail -1
  tm="$(swift build --show-bin-path)/trustmend"
fi

say "Minting a root CA, an intermediate and a server certificate for localhost"
cd "$work"
source "$repo/Tests/scripts/pki.sh"
pki_ca root "/CN=Demo Corp Root CA"
pki_ca int "/CN=Demo Corp Issuing CA" root
pki_leaf leaf int localhost IP:127.0.0.1
echo "root CA sha256: $(pki_sha256 root.pem)"

say "Serving it as a 'registry' on loopback (openssl s_server sends leaf + intermediate, like most registries)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -quiet -accept "127.0.0.1:$port" -cert leaf.pem -key leaf.key -cert_chain int.pem -www >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

say "Building a sandbox node root with the Debian trust-store layout"
root="$work/root"
mkdir -p "$root"/{etc/ssl/certs,etc/ca-certificates/update.d,usr/share/ca-certificates/mozilla,usr/local/share/ca-certificates}
printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' > "$root/etc/os-release"
for c in $(ls /usr/share/ca-certificates/mozilla | head -3); do
  cp "/usr/share/ca-certificates/mozilla/$c" "$root/usr/share/ca-certificates/mozilla/"
  echo "mozilla/$c" >> "$root/etc/ca-certificates.conf"
done
update-ca-certificates --certsconf "$root/etc/ca-certificates.conf" --certsdir "$root/usr/share/ca-certificates" \
  --localcertsdir "$root/usr/local/share/ca-certificates" --etccertsdir "$root/etc/ssl/certs" \
  --hooksdir "$root/etc/ca-certificates/update.d" >/dev/null
bundle="$root/etc/ssl/certs/ca-certificates.crt"

say "Before: the chain does not verify against the node's bundle (what containerd sees)"
openssl verify -partial_chain -CAfile "$bundle" -untrusted int.pem leaf.pem 2>&1 | tail -1 || true

say "The engine logs the failed pull (a containerd line as it lands in the journal)"
cat > containerd.log <<LOG
time="2026-11-25T03:00:00.000000000Z" level=info msg="PullImage \"localhost:$port/team/app:1.0\""
time="2026-11-25T03:00:00.120000000Z" level=error msg="PullImage \"localhost:$port/team/app:1.0\" failed" error="rpc error: code = Unknown desc = failed to pull and unpack image \"localhost:$port/team/app:1.0\": failed to resolve reference \"localhost:$port/team/app:1.0\": failed to do request: Head \"https://localhost:$port/v2/team/app/manifests/1.0\": tls: failed to verify certificate: x509: certificate signed by unknown authority"
LOG
tail -1 containerd.log

say "trustmend scan finds the endpoint whose certificate failed"
"$tm" scan containerd.log
endpoint=$("$tm" scan --json containerd.log | python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); print("%s:%d" % (d["host"], d["port"]))')

say "trustmend fetch shows what that endpoint presents"
"$tm" fetch --summary "$endpoint"

say "trustmend fix --dry-run: the plan, nothing changed"
"$tm" fix "$endpoint" --root "$root" --dry-run

say "trustmend fix: install the anchor, run update-ca-certificates, verify (pinned to the issuing CA it sends, checked out of band)"
pin=$(openssl x509 -in int.pem -noout -fingerprint -sha256 | cut -d= -f2)
"$tm" fix "$endpoint" --root "$root" --expect-sha256 "$pin"

say "After: the same chain verifies against the bundle Go reads"
openssl verify -partial_chain -CAfile "$bundle" -untrusted int.pem leaf.pem

say "Running it again changes nothing (idempotent)"
"$tm" fix "$endpoint" --root "$root"

say "The ledger records what was installed and why"
"$tm" list --root "$root"

say "trustmend remove takes it back out"
"$tm" remove --all --root "$root"
openssl verify -partial_chain -CAfile "$bundle" -untrusted int.pem leaf.pem 2>&1 | tail -1 || true

say "Now the daemon does it unattended: trustmend run follows a journal, with systemd's D-Bus API on a private bus"
# systemd's API: a python3-dbusmock stand-in with containerd.service and docker.service running.
dbus-daemon --session --fork --print-address=1 --print-pid=3 --address="unix:path=$work/bus" >"$work/bus.address" 3>"$work/bus.pid"
pids+=("$(cat "$work/bus.pid")")
bus=$(head -1 "$work/bus.address")
DBUS_SESSION_BUS_ADDRESS="$bus" /usr/bin/python3 -m dbusmock --session --template "$repo/Tests/Support/systemd_standin.py" \
  -p '{"units": {"containerd.service": {"pid": 100}, "docker.service": {"pid": 200}}}' >/dev/null 2>&1 &
pids+=($!)
standin_calls() {
  /usr/bin/python3 - "$bus" <<'PY'
import dbus, sys
o = dbus.bus.BusConnection(sys.argv[1]).get_object("org.freedesktop.systemd1", "/org/freedesktop/systemd1")
for c in o.GetCalls(dbus_interface="org.freedesktop.DBus.Mock"):
    if c[1] == "RestartUnit": print("  RestartUnit(%s)" % ", ".join(str(a) for a in c[2]))
PY
}
for _ in $(seq 100); do standin_calls >/dev/null 2>&1 && break; sleep 0.1; done

mkdir -p "$root/etc/trustmend" "$work/journal"
cat > "$root/etc/trustmend/config.yaml" <<YAML
mode: enforce
allow:
  - host: localhost
    sha256: ["$(echo "$pin" | tr -d : | tr A-F a-f)"]
debounce: 2s
fetch:
  proxy: none
YAML
echo "config ($root/etc/trustmend/config.yaml):"; sed 's/^/  /' "$root/etc/trustmend/config.yaml"
"$tm" run --root "$root" --config "$root/etc/trustmend/config.yaml" --journal-dir "$work/journal" --bus "$bus" --verbose >"$work/daemon.log" 2>&1 &
daemon=$!; pids+=("$daemon")
for _ in $(seq 100); do grep -q "trustmend started" "$work/daemon.log" && break; sleep 0.1; done

# Journal entries as journald stores them (systemd-journal-remote writes the same file format). Only
# _SYSTEMD_UNIT, _UID and _TRANSPORT, which journald sets itself, decide who logged an entry: an engine's
# own stderr arrives as _TRANSPORT=stdout, logger's lines as syslog.
journal_entry() { # unit uid identifier message [transport]
  printf '__REALTIME_TIMESTAMP=%s\n_BOOT_ID=0123456789abcdef0123456789abcdef\n_SYSTEMD_UNIT=%s\n_UID=%s\n_TRANSPORT=%s\nSYSLOG_IDENTIFIER=%s\nMESSAGE=%s\n\n' \
    "$(date +%s%6N)" "$1" "$2" "${5:-stdout}" "$3" "$4"
}
line=$(tail -1 containerd.log)
say "A user forges the failure with logger (_SYSTEMD_UNIT=user@1000.service, _UID=1000, SYSLOG_IDENTIFIER=containerd)"
journal_entry user@1000.service 1000 containerd "$line" syslog > forged.export
/lib/systemd/systemd-journal-remote --output="$work/journal/system.journal" forged.export 2>/dev/null
sleep 3
echo "daemon's reaction: $(grep -c 'event=' "$work/daemon.log" || true) events; installed anchors: $(ls "$root/usr/local/share/ca-certificates" | wc -l)"

say "containerd itself logs the failed pull (_SYSTEMD_UNIT=containerd.service, _UID=0)"
journal_entry containerd.service 0 containerd "$line" > real.export
/lib/systemd/systemd-journal-remote --output="$work/journal/system.journal" real.export 2>/dev/null
for _ in $(seq 300); do grep -q "event=restart-completed" "$work/daemon.log" && break; sleep 0.1; done

say "The daemon's log (under systemd these go to the journal with MESSAGE_ID and TRUSTMEND_* fields)"
grep -E 'started|event=' "$work/daemon.log" | sed -E 's/^/  /'
echo "systemd was asked for:"; standin_calls

say "After: the chain verifies against the bundle again, and the ledger says why"
openssl verify -partial_chain -CAfile "$bundle" -untrusted int.pem leaf.pem
"$tm" list --root "$root"

say "SIGTERM: the daemon stops cleanly and keeps its journal cursor for the next start"
kill -TERM "$daemon"; wait "$daemon" && echo "exit status 0"
python3 -c 'import json,sys; print("cursor:", json.load(open(sys.argv[1]))["journalCursor"][:60] + "…")' "$root/var/lib/trustmend/state.json"
say "Done. On a real node: install the package, add allow rules to /etc/trustmend/config.yaml, set mode: enforce."
