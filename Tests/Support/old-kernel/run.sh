#!/usr/bin/env bash
# What the shipped binary does on old kernels: every command under a seccomp emulation of Linux 4.19
# (EulerOS 2.9/2.10) and of Linux 3.10 (CentOS 7), plus "clone3-eperm" (a new kernel behind an old
# container runtime's or old systemd's filter that answers clone3 with EPERM instead of ENOSYS).
#
#   bash Tests/Support/old-kernel/run.sh [BINARY] [PROFILE...]
#
# BINARY defaults to /tmp/tm-plain (a release build of main; any trustmend binary this machine can run,
# e.g. the one extracted from a package). PROFILE: 4.19, 3.10, clone3-eperm (default: all three).
# STRACE=0 skips the strace pass. KEEP=1 keeps the work directory.
#
# Each profile runs: --version; scan (corpus lines, and a journal file); fetch against a local
# openssl s_server; doctor --root; fix --dry-run (no bus); fix and remove on a sandbox root (the update
# tool through swift-subprocess); and the daemon: trustmend run following a journal directory written by
# systemd-journal-remote, talking to the systemd stand-in on a private dbus-daemon, through one repair
# (fetch, install, update-ca-certificates, verify, RestartUnit) and SIGTERM. Outputs are compared with
# the same command run without emulation. Then the same commands under strace -f: every call that failed
# with ENOSYS, EPERM, EINVAL or EISDIR under the emulation and not natively, and what the process did
# next. The emulated process tree is only trustmend and what it starts; openssl s_server, dbus-daemon,
# the stand-in and systemd-journal-remote play the node and run natively.
#
# Exit status: 0 when every command works under 4.19 and 3.10 and each one refuses to start under
# clone3-eperm with exit 71 and the reason (instead of hanging).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
tm=${1:-/tmp/tm-plain}
[ $# -gt 0 ] && shift
profiles=("$@")
((${#profiles[@]})) || profiles=(4.19 3.10 clone3-eperm)
[ -x "$tm" ] || { echo "run.sh: $tm is not an executable" >&2; exit 64; }
tm=$(readlink -f "$tm")
py=/usr/bin/python3  # the distro's python: python3-dbusmock lives there

need=()
[ -f /usr/include/seccomp.h ] || need+=(libseccomp-dev)
for pair in strace:strace openssl:openssl dbus-daemon:dbus-daemon update-ca-certificates:ca-certificates cc:gcc; do
  command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
[ -x /lib/systemd/systemd-journal-remote ] || need+=(systemd-journal-remote)
$py -c 'import dbusmock, gi' 2>/dev/null || need+=(python3-dbusmock python3-gi)
if ((${#need[@]})); then
  echo "run.sh: installing ${need[*]}"
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null || exit 1
fi

work=$(mktemp -d /tmp/old-kernel.XXXXXX)
pids=()
# OpenSSL on a kernel older than 4.8 (what "3.10" reports) marks /dev/random as seeded with a SysV shared
# memory segment, key 114, left behind: as on a real node. Removed afterwards if this run created it.
shm_before=$(ipcs -m | awk '$1 == "0x00000072"' | wc -l)
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ "$shm_before" = 0 ] && ipcrm -M 114 2>/dev/null
  [ "${KEEP:-0}" = 1 ] && echo "work directory kept: $work" || rm -rf "$work"
}
trap cleanup EXIT
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

cc -O2 -Wall -Wextra -o "$work/old-kernel" "$here/old-kernel.c" -lseccomp || exit 1
ok="$work/old-kernel"
for p in "${profiles[@]}"; do "$ok" "$p" --check || exit 1; done

# ---------------------------------------------------------------------------------------------------
# The node: a CA minted now, a TLS "registry" on loopback, corpus lines, journal files, a bus.
cd "$work"
source "$repo/Tests/scripts/pki.sh"
pki_ca root "/CN=Old Kernel Root CA"
pki_ca int "/CN=Old Kernel Issuing CA" root
pki_leaf leaf int localhost IP:127.0.0.1
pin=$(pki_sha256 int.pem)
port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -quiet -accept "127.0.0.1:$port" -cert leaf.pem -key leaf.key -cert_chain int.pem -www >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
endpoint="localhost:$port"

$py -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["line"])' "$repo/Tests/TrustmendCoreTests/Fixtures/x509-pull-errors.jsonl" > corpus.log
failure="level=error msg=\"PullImage \\\"localhost:$port/app:1\\\" failed\" error=\"failed to pull and unpack image: failed to resolve reference: failed to do request: Head \\\"https://localhost:$port/v2/app/manifests/1\\\": tls: failed to verify certificate: x509: certificate signed by unknown authority\""
journal_entry() { # unit uid message (as the engine's own stderr reaches journald: _TRANSPORT=stdout)
  printf '__REALTIME_TIMESTAMP=%s\n_BOOT_ID=0123456789abcdef0123456789abcdef\n_SYSTEMD_UNIT=%s\n_UID=%s\n_TRANSPORT=stdout\nSYSLOG_IDENTIFIER=containerd\nMESSAGE=%s\n\n' \
    "$(date +%s%6N)" "$1" "$2" "$3"
}
journal_entry containerd.service 0 "$failure" > entry.export
mkdir -p scanjournal
/lib/systemd/systemd-journal-remote --output="$work/scanjournal/scan.journal" entry.export 2>/dev/null

# A sandbox root with Debian's trust-store layout (as Tests/scripts/demo.sh builds it).
mkroot() {
  local root=$1
  rm -rf "$root"
  mkdir -p "$root"/{etc/ssl/certs,etc/ca-certificates/update.d,usr/share/ca-certificates/mozilla,usr/local/share/ca-certificates}
  printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' > "$root/etc/os-release"
  for c in $(ls /usr/share/ca-certificates/mozilla | head -3); do
    cp "/usr/share/ca-certificates/mozilla/$c" "$root/usr/share/ca-certificates/mozilla/"
    echo "mozilla/$c" >> "$root/etc/ca-certificates.conf"
  done
  update-ca-certificates --certsconf "$root/etc/ca-certificates.conf" --certsdir "$root/usr/share/ca-certificates" \
    --localcertsdir "$root/usr/local/share/ca-certificates" --etccertsdir "$root/etc/ssl/certs" \
    --hooksdir "$root/etc/ca-certificates/update.d" >/dev/null
  mkdir -p "$root/etc/trustmend"
  printf 'mode: enforce\nallow:\n  - host: localhost\n    sha256: ["%s"]\ndebounce: 1s\nfetch:\n  proxy: none\n' "$pin" > "$root/etc/trustmend/config.yaml"
}
verifies() { openssl verify -partial_chain -CAfile "$1/etc/ssl/certs/ca-certificates.crt" -untrusted int.pem leaf.pem >/dev/null 2>&1; }

# systemd's D-Bus API: the stand-in, with containerd and docker running.
dbus-daemon --session --fork --print-address=1 --print-pid=3 --address="unix:path=$work/bus" >bus.address 3>bus.pid
pids+=("$(cat bus.pid)")
bus=$(head -1 bus.address)
DBUS_SESSION_BUS_ADDRESS="$bus" $py -m dbusmock --session --template "$repo/Tests/Support/systemd_standin.py" \
  -p '{"units": {"containerd.service": {"pid": 100}, "docker.service": {"pid": 200}}}' >/dev/null 2>&1 &
pids+=($!)
standin() { # calls | clear
  $py - "$bus" "$1" <<'PY'
import dbus, sys
o = dbus.bus.BusConnection(sys.argv[1]).get_object("org.freedesktop.systemd1", "/org/freedesktop/systemd1")
if sys.argv[2] == "clear":
    o.ClearCalls(dbus_interface="org.freedesktop.DBus.Mock")
else:
    for c in o.GetCalls(dbus_interface="org.freedesktop.DBus.Mock"):
        if c[1] == "RestartUnit": print("RestartUnit(%s)" % ", ".join(str(a) for a in c[2]))
PY
}
for _ in $(seq 100); do standin calls >/dev/null 2>&1 && break; sleep 0.1; done

# ---------------------------------------------------------------------------------------------------
# The commands. $1 is the profile ("native" runs without emulation), $2 a prefix (strace or nothing).
# Each prints its verdict line on fd 3: "PROFILE<TAB>COMMAND<TAB>works|FAILS<TAB>detail".
wrap() { # profile -> the launcher prefix
  [ "$1" = native ] && return
  printf '%s\n' "$ok" "$1" --
}
run_cmd() { # profile tracefile name command...   (output in $work/out/PROFILE.NAME, status returned)
  local profile=$1 trace=$2 name=$3; shift 3
  local -a pre=()
  mapfile -t pre < <(wrap "$profile")
  local -a tr=()
  [ -n "$trace" ] && tr=(strace -f -qq -o "$trace.$name")
  mkdir -p "$work/out"
  timeout "$limit" "${tr[@]}" "${pre[@]}" "$@" >"$work/out/$profile.$name" 2>&1
}
limit_for() { [ "$1" = clone3-eperm ] && echo 15 || echo 60; }  # a hang there is the finding: no need to wait long
exit_text() { [ "$1" = 124 ] && echo "hangs (killed after ${limit}s)" || echo "exit $1"; }
normalise() { # the stand-in's MainPID changes with every restart the daemon asks for
  sed -e "s|$work/[a-z0-9.-]*|WORK|g" -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:.]*Z\{0,1\}/TIME/g' -e 's/MainPID [0-9]*/MainPID N/g' "$1"
}
verdict() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >&3; }
same_as_native() { # profile name status
  local profile=$1 name=$2 status=$3
  if [ "$profile" = native ]; then echo "$status" > "$work/out/native.$name.status"; return; fi
  local want; want=$(cat "$work/out/native.$name.status")
  if [ "$status" = "$want" ] && diff -q <(normalise "$work/out/native.$name") <(normalise "$work/out/$profile.$name") >/dev/null; then
    verdict "$profile" "$name" works "exit $status, output as without emulation ($(wc -l < "$work/out/$profile.$name") lines)"
  else
    verdict "$profile" "$name" FAILS "$(exit_text "$status") (native exit $want): $(diff <(normalise "$work/out/native.$name") <(normalise "$work/out/$profile.$name") | grep '^[<>]' | head -3 | tr '\n' ' ' | cut -c1-300)"
  fi
}

# Under clone3-eperm threads cannot be created: each command must say so and exit 71 at once (it used to
# hang, the Swift runtime retrying pthread_create for ever).
refuses_threads() { # profile trace name command…
  local profile=$1 trace=$2 name=$3 status; shift 3
  run_cmd "$profile" "$trace" "$name" "$@"; status=$?
  if [ "$status" = 71 ] && grep -q 'may not create threads' "$work/out/$profile.$name"; then
    verdict "$profile" "$name" works "exit 71 at once: $(grep -o 'may not create threads[^:]*' "$work/out/$profile.$name" | head -1)"
  else
    verdict "$profile" "$name" FAILS "$(exit_text "$status"), expected exit 71 naming the filter: $(head -2 "$work/out/$profile.$name" | tr '\n' ' ' | cut -c1-200)"
  fi
}

commands() { # profile trace
  local profile=$1 trace=$2 root status
  limit=$(limit_for "$profile")
  if [ "$profile" = clone3-eperm ]; then
    root="$work/root-doctor"; mkroot "$root"
    refuses_threads "$profile" "$trace" fetch "$tm" fetch --summary --no-proxy "$endpoint"
    refuses_threads "$profile" "$trace" doctor "$tm" doctor --root "$root" --bus "$bus"
    refuses_threads "$profile" "$trace" daemon "$tm" run --root "$root" --distro debian --bus "$bus" \
      --config "$root/etc/trustmend/config.yaml" --journal-dir "$work"
    return
  fi
  run_cmd "$profile" "$trace" version "$tm" --version; same_as_native "$profile" version $?
  run_cmd "$profile" "$trace" scan "$tm" scan --json corpus.log; same_as_native "$profile" scan $?
  run_cmd "$profile" "$trace" scan-journal "$tm" scan --json --journal-file "$work/scanjournal/scan.journal"; same_as_native "$profile" scan-journal $?
  run_cmd "$profile" "$trace" fetch "$tm" fetch --summary --no-proxy "$endpoint"; same_as_native "$profile" fetch $?
  root="$work/root-doctor"; mkroot "$root"
  run_cmd "$profile" "$trace" doctor "$tm" doctor --root "$root" --bus "$bus"; same_as_native "$profile" doctor $?
  run_cmd "$profile" "$trace" fix-dry-run "$tm" fix "$endpoint" --root "$root" --dry-run --no-proxy; same_as_native "$profile" fix-dry-run $?

  # fix and remove: the update tool through swift-subprocess, under the same emulation.
  root="$work/root-fix"; mkroot "$root"
  run_cmd "$profile" "$trace" fix "$tm" fix "$endpoint" --root "$root" --no-proxy --route system --expect-sha256 "$pin" --restart none
  status=$?
  if [ "$status" = 0 ] && verifies "$root" && [ "$(ls "$root/usr/local/share/ca-certificates" | wc -l)" = 1 ]; then
    [ "$profile" = native ] || verdict "$profile" fix works "exit 0; anchor installed, update-ca-certificates ran, chain verifies"
  else
    [ "$profile" = native ] || verdict "$profile" fix FAILS "$(exit_text "$status"): $(tail -3 "$work/out/$profile.fix" | tr '\n' ' ' | cut -c1-300)"
  fi
  run_cmd "$profile" "$trace" remove "$tm" remove --all --root "$root"
  status=$?
  if [ "$status" = 0 ] && ! verifies "$root" && [ "$(ls "$root/usr/local/share/ca-certificates" | wc -l)" = 0 ]; then
    [ "$profile" = native ] || verdict "$profile" remove works "exit 0; anchor removed, bundle rebuilt"
  else
    [ "$profile" = native ] || verdict "$profile" remove FAILS "$(exit_text "$status"): $(tail -3 "$work/out/$profile.remove" | tr '\n' ' ' | cut -c1-300)"
  fi

  daemon "$profile" "$trace"
}

daemon() { # profile trace
  local profile=$1 trace=$2 root="$work/root-daemon" journal="$work/journal-$profile" log="$work/out/$profile.daemon"
  mkroot "$root"; rm -rf "$journal"; mkdir -p "$journal" "$work/out"
  standin clear
  local -a pre=() tr=()
  mapfile -t pre < <(wrap "$profile")
  [ -n "$trace" ] && tr=(strace -f -qq -o "$trace.daemon")
  env -u JOURNAL_STREAM -u NOTIFY_SOCKET "${tr[@]}" "${pre[@]}" "$tm" run --root "$root" --distro debian \
    --config "$root/etc/trustmend/config.yaml" --journal-dir "$journal" --bus "$bus" --log-level debug --verbose >"$log" 2>&1 &
  local wrapper=$! pid=$! i
  if [ -n "$trace" ]; then  # the daemon is strace's child
    for i in $(seq 50); do pid=$(pgrep -P "$wrapper" | head -1); [ -n "$pid" ] && break; sleep 0.1; done
  fi
  local started=no threads=? restarted=no installed=0 stopped=? why=""
  for i in $(seq $((limit * 5))); do grep -q "trustmend started" "$log" && { started=yes; break; }; kill -0 "$wrapper" 2>/dev/null || break; sleep 0.1; done
  if [ $started = yes ]; then
    sleep 1
    threads=$(ls "/proc/$pid/task" 2>/dev/null | wc -l)
    /lib/systemd/systemd-journal-remote --output="$journal/system.journal" "$work/entry.export" 2>/dev/null
    for i in $(seq 400); do grep -q "event=restart-completed" "$log" && { restarted=yes; break; }; kill -0 "$wrapper" 2>/dev/null || break; sleep 0.1; done
    installed=$(ls "$root/usr/local/share/ca-certificates" | wc -l)
  fi
  local calls; calls=$(standin calls | tr '\n' ' ')
  [ "$threads" = "?" ] && kill -0 "$pid" 2>/dev/null && threads=$(ls "/proc/$pid/task" 2>/dev/null | wc -l)
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 200); do kill -0 "$wrapper" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$wrapper" 2>/dev/null; then kill -KILL "$pid" "$wrapper" 2>/dev/null; stopped="hung, killed"; fi
  wait "$wrapper"; local status=$?
  [ "$stopped" = "?" ] && stopped="exit $status"
  [ "$profile" = native ] && return
  if [ $started = yes ] && [ $restarted = yes ] && [ "$installed" = 1 ] && verifies "$root" && [ "$calls" = "RestartUnit(containerd.service, replace) " ] && [ "$status" = 0 ]; then
    verdict "$profile" daemon works "started ($threads threads), journal entry → installed, update-ca-certificates, verified, $calls; SIGTERM → $stopped"
  else
    why=$(grep -iE 'error|fail|fatal|crash|warning' "$log" | grep -v 'event=detected' | head -3 | tr '\n' ' ' | cut -c1-400)
    [ -z "$why" ] && why=$(tail -3 "$log" | tr '\n' ' ' | cut -c1-400)
    [ -z "$why" ] && why="(nothing logged)"
    verdict "$profile" daemon FAILS "started=$started threads=$threads restart=$restarted anchors=$installed bus: ${calls:-none}; $stopped; log: $why"
  fi
}

say "Without emulation (the reference), binary $tm"
commands native "" 3>/dev/null
for p in "${profiles[@]}"; do
  say "Under $p"
  commands "$p" "" 3>"$work/verdicts.$p.tsv"
  awk -F'\t' '{printf "  %-13s %-6s %s\n", $2, $3, $4}' "$work/verdicts.$p.tsv"
  cat "$work/verdicts.$p.tsv" >> "$work/verdicts.tsv"
done

if [ "${STRACE:-1}" != 0 ]; then
  mkdir -p "$work/trace"
  say "strace -f: the same commands, natively and under each profile"
  commands native "$work/trace/native" 3>/dev/null
  for p in "${profiles[@]}"; do commands "$p" "$work/trace/$p" 3>/dev/null; done
  for p in "${profiles[@]}"; do
    say "Calls that failed under $p and not natively (ENOSYS always shown), and what came next"
    $py "$here/strace_report.py" "$work/trace" "$p"
  done
fi

say "Summary"
awk -F'\t' '{printf "%-13s %-13s %-6s %s\n", $1, $2, $3, $4}' "$work/verdicts.tsv"
if grep -qP '^[^\t]*\t[^\t]*\tFAILS' "$work/verdicts.tsv"; then exit 1; fi
exit 0
