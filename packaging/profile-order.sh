#!/usr/bin/env bash
# Regenerates packaging/trustmend.order, the function order the release link follows
# (packaging/release-flags.sh). Run it when the code has changed much; a stale order costs memory, never
# correctness (functions it does not name are linked after those it does).
#
# Why: the kernel maps a binary's code 64 KiB around each page the process touches (fault-around), so
# functions the daemon runs, scattered through 15 MiB of code, kept half of it resident. Linked together,
# the code it runs at start and while idle fills a few contiguous pages.
#
# How: the release binary runs under valgrind's callgrind, which names every function executed:
#   1. `trustmend run` starts, follows an idle journal for a few seconds and stops: the idle set, first
#      (stopping is in it too: it runs once, at the end);
#   2. the demo (Tests/scripts/demo.sh: scan, fetch, fix, list, remove, and the daemon's unattended
#      repair with a restart over D-Bus) with this binary: everything else it runs, after.
# Each part is sorted by name, so the file changes only where the code did.
#   bash packaging/profile-order.sh        (about five minutes; installs valgrind if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tests/scripts/setup.sh
command -v valgrind >/dev/null || apt-get -o DPkg::Lock::Timeout=600 install -y valgrind
work=$(mktemp -d /tmp/trustmend-order.XXXXXX)
daemon=""
cleanup() { [ -n "$daemon" ] && kill "$daemon" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
source packaging/release-flags.sh
if [[ -z ${TRUSTMEND_ORDER_IN_RUNTIME:-} ]]; then
  # The binary's interpreter is the packages' /usr/lib/trustmend: profile it with that runtime overlaid in
  # a private mount namespace, as on a node (release-flags.sh).
  swift build "${release_flags[@]}" --product trustmend 2>&1 | tail -1
  TRUSTMEND_ORDER_IN_RUNTIME=1 release_with_runtime "$release_bin" bash "$0" "$@"
  exit
fi
# Linked with a map: it tells which functions have a section of their own (only those can be moved).
swift build "${release_flags[@]}" -Xlinker "-Map=$work/link.map" --product trustmend 2>&1 | tail -1
# valgrind 3.19 cannot read clang 21's DWARF 5; the symbol table is all it needs.
strip --strip-debug -o "$work/trustmend" "$release_bin"
mkdir -p "$work/idle" "$work/demo"
wrapper() { # output directory -> a script that runs the binary under callgrind, one profile per process
  printf '#!/bin/sh\nexec valgrind --tool=callgrind --demangle=no --compress-strings=no --dump-instr=no --callgrind-out-file=%s/%%p.cg %s "$@"\n' \
    "$1" "$work/trustmend" > "$1/trustmend"
  chmod +x "$1/trustmend"
}
wrapper "$work/idle"
wrapper "$work/demo"

echo "profile-order: 1. the daemon starting and idle"
root=$work/root
mkdir -p "$root/etc/trustmend" "$work/journal"
printf 'ID=debian\n' > "$root/etc/os-release"
printf 'mode: enforce\nallow: [{host: localhost}]\nfetch: {proxy: none}\n' > "$root/etc/trustmend/config.yaml"
env -u NOTIFY_SOCKET -u WATCHDOG_USEC -u JOURNAL_STREAM "$work/idle/trustmend" run --root "$root" \
  --config "$root/etc/trustmend/config.yaml" --journal-dir "$work/journal" --bus unix:path=/nonexistent \
  >"$work/idle.log" 2>&1 &
daemon=$!
for _ in $(seq 600); do grep -q "trustmend started" "$work/idle.log" && break; sleep 0.1; done
grep -q "trustmend started" "$work/idle.log" || { cat "$work/idle.log"; echo "profile-order: the daemon did not start" >&2; exit 1; }
sleep 5
kill -TERM "$daemon"; wait "$daemon"; daemon=""

echo "profile-order: 2. the demo"
TRUSTMEND_BIN="$work/demo/trustmend" bash Tests/scripts/demo.sh >"$work/demo.log" 2>&1 \
  || { tail -20 "$work/demo.log"; echo "profile-order: the demo failed under valgrind" >&2; exit 1; }

/usr/bin/python3 - "$work/trustmend" "$work/idle" "$work/demo" "$work/link.map" > "$work/order" <<'PY'
import glob, os, re, sys
binary, idle, demo, link_map = sys.argv[1:]

def movable():
    """Functions alone in their section, from lld's map: after the VMA, LMA, size and alignment columns an
    output section is indented by 1, an input section (`object:(section)`) by 9, its symbols by 17. The
    Swift runtime's libraries also have monolithic `.text` sections of up to 1.5 MiB: listing one of their
    functions would drag the whole section into the hot part, so they are left where they are."""
    row = re.compile(r"^\s*[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+\d+( +)(\S+)")
    names, in_text, own = set(), False, False
    for line in open(link_map):
        m = row.match(line)
        if not m:
            continue
        depth, name = len(m.group(1)), m.group(2)
        if depth == 1:
            in_text = name == ".text"
        elif depth == 9:
            own = in_text and not name.endswith(":(.text)")
        elif own:
            names.add(name)
    return names

defined = movable()

def executed(directory):
    """Functions of the binary that ran in any process profiled into `directory`."""
    names = set()
    for path in glob.glob(os.path.join(directory, "*.cg")):
        ours = False
        for line in open(path, errors="replace"):
            if line.startswith("ob="):
                ours = line[3:].strip() == binary
            elif line.startswith("fn=") and ours:
                name = re.sub(r"'\d+$", "", line[3:].strip())  # callgrind's recursion-depth suffix
                if name in defined:
                    names.add(name)
    return names

first = executed(idle)
then = executed(demo) - first
if len(first) < 1000:
    sys.exit(f"profile-order: only {len(first)} functions ran in the idle daemon; is callgrind's output right?")
print("# Written by packaging/profile-order.sh: the functions `trustmend run` executes starting and idle, then")
print("# those the demo executes (fetch, fix, repair, restart). Read by lld (--symbol-ordering-file).")
print(f"# {len(first)} + {len(then)} functions.")
for name in sorted(first) + sorted(then):
    print(name)
PY
mv "$work/order" packaging/trustmend.order
rm -f "$release_bin"  # SwiftPM does not see the file change: without a binary it links again
sed -n 3p packaging/trustmend.order
echo "profile-order: packaging/trustmend.order written; packaging/build and Tests/scripts/bench.sh link with it"
