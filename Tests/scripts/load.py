#!/usr/bin/env python3
"""trustmend under a flood, as a test (it asserts; run it through load.sh).

`trustmend run` follows a real journal (written by systemd-journal-remote) that receives RATE matching
lines a second for SECONDS seconds, from containerd.service as root: failures for HOSTS distinct hosts
outside the policy, and among them a few allowed registries (real TLS servers on loopback, each with
its own CA). A systemd stand-in on a private D-Bus records every RestartUnit. Checked:

  - every allowed registry in the flood is repaired (anchor installed, in the ledger);
  - the hourly cap holds: no more installs than max_installs_per_hour, even with more allowed hosts failing;
  - containerd is restarted at most once per restart.min_interval;
  - back-off: each host outside the policy is reported at most once (backoff is longer than the run);
  - memory stays bounded: the peak RSS (VmHWM) is printed and must stay under the unit's MemoryMax;
  - the daemon keeps up: every line was read (the last line's host is decided).

Usage: load.py TRUSTMEND_BINARY [SECONDS] [RATE] [HOSTS]
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from journal_lines import append, entry, failure  # noqa: E402

TM = sys.argv[1]
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 60
RATE = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
HOSTS = int(sys.argv[4]) if len(sys.argv) > 4 else 1_000
ALLOWED = 6          # allowed registries failing in the flood
CAP = 4              # max_installs_per_hour: fewer than ALLOWED, so the cap must bite
MIN_INTERVAL = 5     # restart.min_interval, seconds
MEMORY_MAX = 256     # MiB, the unit's MemoryMax=
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
WORK = tempfile.mkdtemp(prefix="trustmend-load.")
failures = []


def check(ok, what):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)


def run(*args, **kw):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, **kw).stdout.decode()


# --- registries: one CA and one openssl s_server each -------------------------------------------------
servers = []
for i in range(ALLOWED):
    d = os.path.join(WORK, f"pki{i}")
    os.makedirs(d)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
        "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem", "-subj", f"/CN=Load CA {i}",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{d}/leaf.key",
        "-out", f"{d}/leaf.csr", "-subj", "/CN=localhost")
    with open(f"{d}/ext", "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:localhost\n")
    run("openssl", "x509", "-req", "-in", f"{d}/leaf.csr", "-CA", f"{d}/ca.pem", "-CAkey", f"{d}/ca.key", "-CAcreateserial",
        "-days", "2", "-out", f"{d}/leaf.pem", "-extfile", f"{d}/ext")
    port = 41000 + i
    p = subprocess.Popen(["openssl", "s_server", "-quiet", "-accept", str(port), "-cert", f"{d}/leaf.pem",
                          "-cert_chain", f"{d}/ca.pem", "-key", f"{d}/leaf.key", "-naccept", "1000"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers.append((port, p))

# --- the private bus with the systemd stand-in ---------------------------------------------------------
bus_dir = os.path.join(WORK, "bus")
os.makedirs(bus_dir)
dbus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1",
                         f"--address=unix:path={bus_dir}/bus"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
address = dbus.stdout.readline().decode().strip()
standin = subprocess.Popen(["/usr/bin/python3", "-m", "dbusmock", "--session", "--template", f"{REPO}/Tests/Support/systemd_standin.py",
                            "-p", json.dumps({"units": {"containerd.service": {"pid": 10}}})],
                           env={"DBUS_SESSION_BUS_ADDRESS": address, "PATH": "/usr/bin:/bin"},
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def bus_query(code, quiet=False):
    script = (f'import dbus, json\nb = dbus.bus.BusConnection("{address}")\n'
              f'o = b.get_object("org.freedesktop.systemd1", "/org/freedesktop/systemd1")\n{code}\n')
    done = subprocess.run(["/usr/bin/python3", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if done.returncode != 0 and not quiet:
        print("load: querying the systemd stand-in failed: " + done.stderr.decode()[-500:])
    return done.stdout.decode().strip()


for _ in range(200):
    if bus_query("print(1 if b.name_has_owner('org.freedesktop.systemd1') else 0)", quiet=True) == "1":
        break
    time.sleep(0.05)


def restarts():
    out = bus_query('print(json.dumps([[str(a) for a in c[2]] for c in o.GetCalls(dbus_interface="org.freedesktop.DBus.Mock") if c[1] == "RestartUnit"]))')
    return json.loads(out or "[]")


# --- the node and the daemon ---------------------------------------------------------------------------
root = os.path.join(WORK, "root")
for d in ("etc/ssl/certs", "etc/ca-certificates/update.d", "usr/share/ca-certificates", "usr/local/share/ca-certificates",
          "var/lib/trustmend", "etc/trustmend"):
    os.makedirs(os.path.join(root, d), exist_ok=True)
open(f"{root}/etc/os-release", "w").write("ID=debian\n")
open(f"{root}/etc/ca-certificates.conf", "w").write("")
config = f"{root}/etc/trustmend/config.yaml"
open(config, "w").write(
    f"mode: enforce\nallow: [{{host: localhost}}]\ndebounce: 1s\nbackoff: 1h\nmax_installs_per_hour: {CAP}\n"
    f"restart: {{min_interval: {MIN_INTERVAL}s}}\nfetch: {{proxy: none, connect_timeout: 2s}}\n")
journal = os.path.join(WORK, "journal")
os.makedirs(journal)
env = {k: v for k, v in os.environ.items() if k not in ("JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC")}
log_path = os.path.join(WORK, "daemon.log")
log = open(log_path, "w")
daemon = subprocess.Popen([TM, "run", "--root", root, "--distro", "debian", "--config", config, "--journal-dir", journal,
                           "--bus", address, "--verbose"], stderr=log, stdout=log, env=env)


def daemon_log():
    return open(log_path, errors="replace").read()


deadline = time.time() + 30
while "trustmend started" not in daemon_log():
    if time.time() > deadline:
        sys.exit("load: the daemon did not start:\n" + daemon_log()[-3000:])
    time.sleep(0.1)

peak = {"rss": 0, "anon": 0}
stop = threading.Event()


def sample():
    while not stop.is_set():
        try:
            for line in open(f"/proc/{daemon.pid}/status"):
                if line.startswith("VmHWM:"):
                    peak["rss"] = max(peak["rss"], int(line.split()[1]))
                if line.startswith("RssAnon:"):  # the heap; RssFile is mostly the journal's mapped pages
                    peak["anon"] = max(peak["anon"], int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.5)


threading.Thread(target=sample, daemon=True).start()

# --- the flood: RATE lines a second, in quarter-second batches ----------------------------------------
print(f"load: {RATE:,} matching lines/s for {SECONDS} s over {HOSTS:,} hosts outside the policy and {ALLOWED} allowed "
      f"registries (max_installs_per_hour {CAP}, restart.min_interval {MIN_INTERVAL}s)")
per_batch = RATE // 4
written = 0
behind = 0.0
start = time.time()
n = 0
for tick in range(SECONDS * 4):
    export = []
    stamp = int(time.time() * 1e6)
    for k in range(per_batch):
        if k == 0 and tick % 8 == 0:  # every 2 s, one allowed registry fails (round robin)
            port = servers[(tick // 8) % ALLOWED][0]
            message = failure("localhost", port)
        else:
            message = failure(f"h{n % HOSTS}.flood.example", 5000)
            n += 1
        export.append(entry(message, stamp=stamp))
    append(f"{journal}/system.journal", export)
    written += per_batch
    lag = start + (tick + 1) * 0.25 - time.time()
    if lag > 0:
        time.sleep(lag)
    else:
        behind = max(behind, -lag)
elapsed = time.time() - start
# The last line, a host of its own: once it is decided, every line before it has been read.
append(f"{journal}/system.journal", [entry(failure("last.flood.example", 5000))])
written += 1
print(f"load: wrote {written:,} lines in {elapsed:.1f} s ({written / elapsed:,.0f}/s; the writer fell behind by at most {behind:.2f} s)")
deadline = time.time() + 120
while "host=last.flood.example" not in daemon_log():
    if time.time() > deadline:
        break
    time.sleep(0.5)
caught_up = time.time() - start - elapsed
time.sleep(MIN_INTERVAL + 2)  # an owed restart may be waiting out the minimum interval
stop.set()

# --- checks --------------------------------------------------------------------------------------------
text = daemon_log()
lines = text.splitlines()
installed = [l for l in lines if "event=installed" in l]
reported = [l for l in lines if "event=reported" in l]
def field(line, name):
    return line.split(f" {name}=")[1].split()[0] if f" {name}=" in line else ""


reported_hosts = [field(l, "host") + ":" + field(l, "port") for l in reported]
flood_reported = {h for h in reported_hosts if h.endswith(".flood.example:5000") and not h.startswith("last.")}
anchors = [f for f in os.listdir(f"{root}/usr/local/share/ca-certificates") if f.startswith("trustmend-")]
ledger = json.load(open(f"{root}/var/lib/trustmend/ledger.json")).get("entries", []) if os.path.exists(f"{root}/var/lib/trustmend/ledger.json") else []
calls = restarts()
restart_times = [l.split()[0] for l in lines if "event=restart-requested" in l]
print(f"load: the daemon read every line {caught_up:.1f} s after the flood ended; peak RSS {peak['rss'] / 1024:.1f} MiB, "
      f"of which anonymous (heap) at most {peak['anon'] / 1024:.1f} MiB; the rest is the journal file mapped")
check("host=last.flood.example" in text, "the daemon kept up: the last line was decided")
check(len(installed) == CAP and len(anchors) == CAP and len(ledger) == CAP,
      f"the hourly cap held: {len(installed)} installs, {len(anchors)} anchors, {len(ledger)} ledger entries (cap {CAP}, {ALLOWED} allowed registries failing)")
capped = {field(l, "port") for l in lines if "event=refused" in l and field(l, "host") == "localhost" and "installs per hour" in l}
check(len(capped) >= 1, f"the allowed registries beyond the cap were refused with the cap as the reason (ports {sorted(capped)})")
check(len(reported_hosts) == len(set(reported_hosts)), f"back-off: {len(reported_hosts):,} reports for {len(set(reported_hosts)):,} endpoints, none twice")
check(len(flood_reported) == min(HOSTS, n), f"every host outside the policy was reported ({len(flood_reported):,} of {min(HOSTS, n):,})")
max_restarts = 1 + int((elapsed + caught_up + MIN_INTERVAL + 2) // MIN_INTERVAL)
check(1 <= len(calls) <= max_restarts, f"containerd restarted {len(calls)} times (at most one per {MIN_INTERVAL} s: ≤ {max_restarts})")
check(peak["anon"] / 1024 < 64, f"heap bounded: peak anonymous RSS {peak['anon'] / 1024:.1f} MiB (< 64 MiB; the unit's MemoryMax={MEMORY_MAX}M)")

daemon.send_signal(signal.SIGTERM)
try:
    check(daemon.wait(timeout=30) == 0, "SIGTERM after the flood: a clean exit")
except subprocess.TimeoutExpired:
    daemon.kill()
    check(False, "SIGTERM after the flood: a clean exit")
for _, p in servers:
    p.kill()
standin.kill()
dbus.kill()
if failures:
    print(f"load: {len(failures)} check(s) failed; the daemon's log: {log_path}")
    sys.exit(1)
shutil.rmtree(WORK, ignore_errors=True)
print("load: all checks passed")
