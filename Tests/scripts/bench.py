#!/usr/bin/env python3
"""trustmend's benchmarks: prints figures, asserts nothing. Run through bench.sh (it builds and sets up).

  scan       trustmend scan over a generated multi-million-line log, against grep -F over the same file
  fetch      trustmend fetch against openssl s_client -showcerts, the same loopback server
  latency    journal entry appended -> decision logged by `trustmend run`, p50/p99
  idle       the daemon's RSS (binary not cached before, then read whole before) and wake-ups (context
             switches of all its threads) per idle minute
  flood      the daemon's CPU time for 100,000 ordinary engine lines, then one failure
  journal    trustmend scan --journal-file against journalctl --file … -o cat | grep -F, the same journal file
  entries    `trustmend run`'s CPU per journal entry against a C loop over the same journal directory
             (Tests/scripts/journal_loop.c: sd_journal_next, MESSAGE, memmem); with valgrind, also callgrind's
             instruction counts (repeatable on a loaded machine)
  size       the binary and the packages
At the end, one table of the ratios measured side by side in this run.
"""
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from journal_lines import JOURNAL_REMOTE, append, entry, failure  # noqa: E402

TM = sys.argv[1]
WHAT = sys.argv[2:] or ["scan", "journal", "entries", "fetch", "latency", "idle", "flood", "size"]
SUMMARY = []  # (what, trustmend, reference, ratio)
WORK = tempfile.mkdtemp(prefix="trustmend-bench.")


def figure(name, value):
    print(f"  {name:<44} {value}")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


NOISE = [
    'time="2026-11-25T03:00:00Z" level=info msg="ImageCreate event name:\\"docker.io/library/nginx:1.27\\""',
    'I1125 03:00:00.000000    1234 kubelet.go:2421] "SyncLoop (PLEG): event for pod" pod="default/web-7d9" event={"ID":"abc"}',
    'time="2026-11-25T03:00:00Z" level=info msg="shim disconnected" id=0123456789abcdef namespace=k8s.io',
    'E1125 03:00:00.000000    1234 webhook.go:154] Failed calling webhook: Post "https://hook.svc:443/validate": x509: certificate signed by unknown authority',
    'Nov 25 03:00:00 node kernel: [12345.678] IPv4: martian source 10.0.0.1 from 10.0.0.2, on dev eth0',
]


def bench_scan():
    print("scan: trustmend scan over a generated log (one failure per 1000 lines) vs grep -F")
    path = os.path.join(WORK, "big.log")
    lines = 4_000_000
    rng = random.Random(7)
    with open(path, "w") as f:
        chunk = []
        for i in range(lines):
            chunk.append(failure(f"reg{i % 97}.corp.example", 5000) if i % 1000 == 999 else NOISE[rng.randrange(len(NOISE))])
            if len(chunk) == 10000:
                f.write("\n".join(chunk) + "\n")
                chunk = []
    size = os.path.getsize(path)
    figure("log", f"{lines:,} lines, {size / 2**20:.0f} MiB")

    def best(cmd, runs=3):
        times = []
        out = b""
        for _ in range(runs):
            t = time.perf_counter()
            out = subprocess.run(cmd, stdout=subprocess.PIPE, check=False).stdout
            times.append(time.perf_counter() - t)
        return min(times), out

    t_tm, out = best([TM, "scan", "--json", path])
    found = out.count(b"\n")
    t_grep, gout = best(["grep", "-c", "-F", "unknown authority", path])
    figure("trustmend scan --json", f"{t_tm * 1000:.0f} ms  ({size / 2**20 / t_tm:.0f} MiB/s, {found:,} detections)")
    figure("grep -c -F 'unknown authority'", f"{t_grep * 1000:.0f} ms  ({size / 2**20 / t_grep:.0f} MiB/s, {int(gout):,} lines, webhooks included)")
    SUMMARY.append((f"scan, {lines // 10**6} M lines", f"{t_tm * 1000:.0f} ms", f"grep -F {t_grep * 1000:.0f} ms", f"{t_tm / t_grep:.1f}× grep (target ≤ 3×)"))
    os.unlink(path)


def tls_server():
    d = os.path.join(WORK, "pki")
    os.makedirs(d, exist_ok=True)
    sh = lambda c: subprocess.run(c, shell=True, cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=Bench-CA "
       "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign")
    sh("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj /CN=localhost")
    sh("printf 'subjectAltName=DNS:localhost\\n' > ext && openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
       "-days 2 -extfile ext -out leaf.pem")
    port = free_port()
    proc = subprocess.Popen(["openssl", "s_server", "-quiet", "-accept", f"127.0.0.1:{port}", "-cert", "leaf.pem", "-key", "leaf.key",
                             "-cert_chain", "ca.pem", "-www"], cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, port


def bench_fetch():
    print("fetch: the peer chain of a loopback server, 50 runs each (wall time per run, process start included)")
    server, port = tls_server()
    try:
        def run(cmd, stdin=None):
            times = []
            for _ in range(50):
                t = time.perf_counter()
                subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
                times.append(time.perf_counter() - t)
            times.sort()
            return f"p50 {statistics.median(times) * 1000:.1f} ms, p90 {times[44] * 1000:.1f} ms", statistics.median(times)
        ours, p_ours = run([TM, "fetch", f"127.0.0.1:{port}"])
        theirs, p_theirs = run(["openssl", "s_client", "-showcerts", "-connect", f"127.0.0.1:{port}"], stdin=b"")
        figure("trustmend fetch", ours)
        figure("openssl s_client -showcerts", theirs)
        SUMMARY.append(("fetch, loopback, process start included", f"p50 {p_ours * 1000:.1f} ms", f"s_client {p_theirs * 1000:.1f} ms",
                        f"{p_ours / p_theirs:.2f}× s_client (target ≤ 0.5×)"))
    finally:
        server.kill()


class Daemon:
    """`trustmend run` on a sandbox root and a journal directory, its stderr read line by line."""

    def __init__(self, allow="localhost", mode="enforce", journal=None, wrapper=(), binary=None, started_within=30):
        self.root = os.path.join(WORK, "root")
        self.journal = journal or os.path.join(WORK, "journal")
        os.makedirs(self.journal, exist_ok=True)
        os.makedirs(self.root + "/etc/trustmend", exist_ok=True)
        shutil.rmtree(self.root + "/var/lib/trustmend", ignore_errors=True)  # no cursor from an earlier daemon
        with open(self.root + "/etc/trustmend/config.yaml", "w") as f:
            f.write(f"mode: {mode}\nallow: [{{host: \"{allow}\"}}]\ndebounce: 1s\nbackoff: 1h\nmax_installs_per_hour: 1000\n"
                    "fetch: {proxy: none, connect_timeout: 1s}\nsources: {journal: {look_back: 1h}}\n")
        with open(self.root + "/etc/os-release", "w") as f:
            f.write("ID=debian\n")
        env = {k: v for k, v in os.environ.items() if k not in ("JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC")}
        self.proc = subprocess.Popen([*wrapper, binary or TM, "run", "--root", self.root, "--config", self.root + "/etc/trustmend/config.yaml",
                                      "--journal-dir", self.journal, "--bus", "unix:path=/nonexistent"],
                                     stderr=subprocess.PIPE, env=env)
        self.lines = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for(lambda l: "trustmend started" in l, started_within)

    def _read(self):
        for raw in self.proc.stderr:
            now = time.perf_counter()
            with self.cond:
                self.lines.append((now, raw.decode(errors="replace")))
                self.cond.notify_all()

    def wait_for(self, predicate, timeout):
        deadline = time.perf_counter() + timeout
        with self.cond:
            while True:
                for t, line in self.lines:
                    if predicate(line):
                        return t
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError("the daemon did not log the expected line")
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the daemon exited ({self.proc.returncode}): {''.join(l for _, l in self.lines[-5:])}")
                self.cond.wait(min(left, 1))

    def append(self, entries):
        append(f"{self.journal}/system.journal", [entry(message, unit) for unit, message in entries])

    def stop(self, timeout=20):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=timeout)


def bench_latency():
    print("latency: a containerd entry appended to the journal -> the daemon's decision on stderr (200 entries, 0.1 s apart)")
    d = Daemon()
    try:
        samples = []
        for i in range(200):
            port = 20000 + i  # distinct closed ports: every entry is a new decision
            t0 = time.perf_counter()
            d.append([("containerd.service", failure("localhost", port))])
            t1 = time.perf_counter()
            t = d.wait_for(lambda l, p=port: "event=detected" in l and f"port={p}" in l, 10)
            samples.append((t - t0, t - t1))
            time.sleep(0.1)
        total = sorted(s[0] for s in samples)
        early = sum(1 for s in samples if s[1] < 0)
        q = lambda xs, p: xs[min(len(xs) - 1, int(len(xs) * p))] * 1000
        figure("append started -> decision logged", f"p50 {q(total, .5):.1f} ms, p99 {q(total, .99):.1f} ms")
        SUMMARY.append(("journal append -> decision (writer start included)", f"p50 {q(total, .5):.1f} ms", "", f"p99 {q(total, .99):.1f} ms"))
        figure("  (includes starting systemd-journal-remote;", f"{early} of {len(samples)} decided before the writer exited)")
    finally:
        d.stop()


def thread_switches(pid):
    """Context switches (each a wake-up) of every thread, by thread id: (name, count)."""
    counts = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                counts[tid] = (name, sum(int(line.split()[1]) for line in f
                                         if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"))))
        except FileNotFoundError:  # a thread that ended meanwhile
            pass
    return counts


def memory_kib(pid):
    """VmRSS, its anonymous (the process's own) and file (mapped binary and libraries) parts, and Pss: each
    page divided by the processes that map it — what the daemon costs the node once libraries are shared
    (the packages' private runtime is shared with no other process)."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0])
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key == "Pss":
                fields[key] = int(value.split()[0])
    return fields


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_flood():
    print("flood: 100,000 ordinary containerd lines, then one failure (journal written beforehand, read by the daemon)")
    d = Daemon()
    try:
        time.sleep(1)
        c0 = cpu_seconds(d.proc.pid)
        t0 = time.perf_counter()
        entries = [("containerd.service", NOISE[i % 3]) for i in range(100_000)]
        entries.append(("containerd.service", failure("localhost", 40000)))
        d.append(entries)
        t = d.wait_for(lambda l: "port=40000" in l and "event=detected" in l, 300)
        figure("daemon CPU for the 100,001 entries", f"{cpu_seconds(d.proc.pid) - c0:.2f} s")
        figure("writing them -> the failure decided", f"{t - t0:.2f} s (systemd-journal-remote's writing included)")
        # The same failure, again and again (kubelet retrying): queued or backing off, decided the same way.
        c0 = cpu_seconds(d.proc.pid)
        d.append([("containerd.service", failure("localhost", 40000))] * 20_000 + [("containerd.service", failure("localhost", 40001))])
        d.wait_for(lambda l: "port=40001" in l and "event=detected" in l, 300)
        figure("daemon CPU for 20,000 repeats of that failure", f"{cpu_seconds(d.proc.pid) - c0:.2f} s")
    finally:
        d.stop()


def resident_sections(pid, binary, top=6):
    """How much of each ELF section of `binary` is resident in `pid` (/proc/PID/pagemap, root only), largest first."""
    binary = os.path.realpath(binary)
    sections = []
    for line in subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True).stdout.splitlines():
        fields = line.replace("[ ", "[").split()
        if len(fields) > 5 and fields[0].startswith("[") and fields[0] != "[Nr]" and int(fields[3], 16):
            sections.append((fields[1], int(fields[4], 16), int(fields[5], 16)))
    resident, total = {}, {}
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for line in maps:
            fields = line.split()
            if len(fields) < 6 or os.path.realpath(fields[5]) != binary:
                continue
            low, high = (int(x, 16) for x in fields[0].split("-"))
            for address in range(low, high, 4096):
                pagemap.seek(address // 4096 * 8)
                present = int.from_bytes(pagemap.read(8), "little") >> 63
                offset = int(fields[2], 16) + address - low
                name = next((n for n, start, size in sections if start <= offset < start + size), "(other)")
                total[name] = total.get(name, 0) + 4096
                resident[name] = resident.get(name, 0) + 4096 * present
    ranked = sorted(resident.items(), key=lambda item: -item[1])[:top]
    return ", ".join(f"{name} {size / 2**20:.1f} of {total[name] / 2**20:.1f} MiB" for name, size in ranked)


def page_cache(binary, cold):
    """How the binary's pages are cached before the daemon starts: resident code depends on it. Cold (dropped
    with posix_fadvise, as on a node after boot): they come in as the daemon faults them, 64 KiB around each.
    Read whole (as `strip`, a backup or a package check leaves them): the kernel caches large folios, and a
    fault maps the whole folio."""
    with open(binary, "rb") as f:
        os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)  # nothing maps it now: dropped
        while not cold and f.read(1 << 20):
            pass


def bench_idle():
    print("idle: the daemon following an idle journal, no watchdog (under systemd add 2 pings a minute at WatchdogSec=60s)")
    page_cache(TM, cold=True)
    d = Daemon()
    try:
        time.sleep(5)
        before = thread_switches(d.proc.pid)
        time.sleep(60)
        after = thread_switches(d.proc.pid)
        woke = {tid: (name, n - before[tid][1]) for tid, (name, n) in after.items() if tid in before and n > before[tid][1]}
        total = sum(n for _, n in woke.values())
        memory = memory_kib(d.proc.pid)
        figure("RSS after start (binary not cached before)", f"{memory['VmRSS'] / 1024:.1f} MiB: anonymous {memory['RssAnon'] / 1024:.1f} MiB, "
                                  f"file-backed {memory['RssFile'] / 1024:.1f} MiB (binary and libraries, clean); "
                                  f"PSS {memory['Pss'] / 1024:.1f} MiB")
        if os.geteuid() == 0:
            figure("  the binary's resident sections", resident_sections(d.proc.pid, TM))
        figure("wake-ups per idle minute (all threads)", f"{total}")
        for tid, (name, n) in sorted(woke.items(), key=lambda item: -item[1][1]):
            figure(f"  thread {tid} '{name}'", f"{n}")
        SUMMARY.append(("idle daemon, binary not cached before", f"RSS {memory['VmRSS'] / 1024:.1f} MiB, PSS {memory['Pss'] / 1024:.1f}",
                        f"anonymous {memory['RssAnon'] / 1024:.1f} MiB",
                        f"{total} wake-ups/min (target ≤ 15 MB, none but the watchdog)"))
        figure("threads", f"{len(os.listdir(f'/proc/{d.proc.pid}/task'))}")
        # A burst, then idle again: memory after work.
        d.append([("containerd.service", failure("localhost", 30000 + i)) for i in range(2000)])
        d.wait_for(lambda l: "port=31999" in l, 60)
        time.sleep(3)
        memory = memory_kib(d.proc.pid)
        figure("RSS after 2,000 detections", f"{memory['VmRSS'] / 1024:.1f} MiB (anonymous {memory['RssAnon'] / 1024:.1f} MiB)")
    finally:
        d.stop()
    page_cache(TM, cold=False)
    d = Daemon()
    try:
        time.sleep(5)
        memory = memory_kib(d.proc.pid)
        figure("RSS after start (binary read whole before)", f"{memory['VmRSS'] / 1024:.1f} MiB: file-backed {memory['RssFile'] / 1024:.1f} MiB, "
               f"PSS {memory['Pss'] / 1024:.1f} MiB"
               + (f"; {resident_sections(d.proc.pid, TM, 1)}" if os.geteuid() == 0 else ""))
        SUMMARY.append(("idle daemon, binary read whole before", f"RSS {memory['VmRSS'] / 1024:.1f} MiB", "", ""))
    finally:
        d.stop()


def bench_journal():
    print("journal: trustmend scan --journal-file vs journalctl --file … -o cat | grep -F, one journal file")
    path = os.path.join(WORK, "bench.journal")
    entries = 500_000
    rng = random.Random(11)
    writer = subprocess.Popen([JOURNAL_REMOTE, f"--output={path}", "-"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = int(time.time() * 1e6) - entries
    for start in range(0, entries, 10_000):
        chunk = []
        for i in range(start, start + 10_000):
            message = failure(f"reg{i % 97}.corp.example", 5000) if i % 1000 == 999 else NOISE[rng.randrange(len(NOISE))]
            chunk.append(entry(message, stamp=base + i))
        writer.stdin.write(("\n".join(chunk) + "\n\n").encode())
    writer.stdin.close()
    writer.wait()
    figure("journal file", f"{entries:,} entries, {os.path.getsize(path) / 2**20:.0f} MiB")

    def best(cmd, shell=False, runs=3):
        times, out = [], b""
        for _ in range(runs):
            t = time.perf_counter()
            out = subprocess.run(cmd, shell=shell, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
            times.append(time.perf_counter() - t)
        return min(times), out

    t_tm, out = best([TM, "scan", "--journal-file", path])
    t_jc, jout = best(f"journalctl --file {path} -o cat | grep -c -F 'unknown authority'", shell=True)
    found = out.count(b"\n")
    figure("trustmend scan --journal-file", f"{t_tm * 1000:.0f} ms ({found:,} detections)")
    figure("journalctl -o cat | grep -c -F", f"{t_jc * 1000:.0f} ms ({int(jout or 0):,} lines, webhooks included)")
    SUMMARY.append((f"scan a journal file, {entries // 1000} k entries", f"{t_tm * 1000:.0f} ms", f"journalctl|grep {t_jc * 1000:.0f} ms",
                    f"{t_tm / t_jc:.2f}× the pipeline (target < 1×)"))
    os.unlink(path)


ENGINE_UNITS = ["containerd.service", "docker.service", "kubelet.service", "crio.service"]  # the default sources.journal.units


def journal_loop():
    """Tests/scripts/journal_loop.c, built for this run."""
    binary = os.path.join(WORK, "journal_loop")
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "journal_loop.c")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libsystemd"], capture_output=True, text=True, check=True).stdout.split()
    subprocess.run(["cc", "-O2", "-o", binary, source, *flags], check=True)
    # The matches trustmend adds (SystemdJournalSource): any engine unit, and root, and the unit's own stderr.
    matches = [x for u in ENGINE_UNITS for x in ("+", f"_SYSTEMD_UNIT={u}")][1:] + ["AND", "_UID=0", "_TRANSPORT=stdout"]
    return lambda directory: [binary, directory, "unknown authority", *matches]


def child_cpu(cmd):
    """Runs cmd; its user+system CPU seconds (rusage) and its stdout."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, out


def callgrind(cmd_or_run):
    """Instructions executed (callgrind's Ir total) by cmd, or by what run(wrapper) starts under valgrind.
    valgrind 3.19 cannot read the DWARF 5 of a Swift build: run it on a copy without debug information."""
    out = os.path.join(WORK, f"callgrind.{time.monotonic_ns()}")
    wrapper = ["valgrind", "--tool=callgrind", "--quiet", f"--callgrind-out-file={out}"]
    if callable(cmd_or_run):
        cmd_or_run(wrapper)
    else:
        subprocess.run(wrapper + cmd_or_run, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    total = 0
    for name in os.listdir(WORK):
        if name.startswith(os.path.basename(out)):
            with open(os.path.join(WORK, name)) as f:
                total += sum(int(line.split()[1]) for line in f if line.startswith("totals:"))
            os.unlink(os.path.join(WORK, name))
    return total


def bench_entries():
    entries = 1_000_000
    print(f"entries: {entries:,} engine entries (containerd, _TRANSPORT=stdout) in a journal directory, the last one a failure:")
    print("  `trustmend run` from start to that failure decided, against a C loop over the same directory with the same matches")
    full = os.path.join(WORK, "entries-full")
    empty = os.path.join(WORK, "entries-empty")
    os.makedirs(full, exist_ok=True)
    os.makedirs(empty, exist_ok=True)
    writer = subprocess.Popen([JOURNAL_REMOTE, f"--output={full}/system.journal", "-"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = int(time.time() * 1e6) - entries
    for start in range(0, entries, 10_000):
        chunk = [entry(NOISE[i % 3], stamp=base + i) if i < entries - 1 else entry(failure("localhost", 40000), stamp=base + i)
                 for i in range(start, min(entries, start + 10_000))]
        writer.stdin.write(("\n".join(chunk) + "\n\n").encode())
    writer.stdin.close()
    writer.wait()
    figure("journal", f"{entries:,} entries, {sum(os.path.getsize(os.path.join(full, n)) for n in os.listdir(full)) / 2**20:.0f} MiB")
    loop = journal_loop()

    def daemon_cpu(directory, wrapper=(), binary=None, within=300):
        """CPU seconds of `trustmend run` over directory: to the failure decided (full), or to started + 1 s (empty)."""
        d = Daemon(journal=directory, wrapper=wrapper, binary=binary, started_within=within)
        try:
            if directory == full:
                d.wait_for(lambda l: "port=40000" in l and "event=detected" in l, within)
            else:
                time.sleep(1)
            return cpu_seconds(d.proc.pid)
        finally:
            d.stop(timeout=within)

    def best(f, runs=3):
        return min(f() for _ in range(runs))

    c_full = best(lambda: child_cpu(loop(full))[0])
    c_empty = best(lambda: child_cpu(loop(empty))[0])
    counted = child_cpu(loop(full))[1].decode().strip()
    tm_full = best(lambda: daemon_cpu(full))
    tm_empty = best(lambda: daemon_cpu(empty))
    per_c = (c_full - c_empty) / entries * 1e9
    per_tm = (tm_full - tm_empty) / entries * 1e9
    figure("C loop (journal_loop.c), CPU", f"{c_full:.2f} s ({counted}); empty directory {c_empty:.3f} s")
    figure("trustmend run, CPU", f"{tm_full:.2f} s; empty directory, started + 1 s idle {tm_empty:.2f} s")
    figure("per entry (minus the empty run)", f"trustmend {per_tm:.0f} ns, C loop {per_c:.0f} ns: {per_tm / per_c:.2f}×")
    SUMMARY.append((f"CPU per journal entry, {entries // 10**6} M entries", f"{per_tm:.0f} ns", f"C loop {per_c:.0f} ns",
                    f"{per_tm / per_c:.2f}× the C loop (target ≤ 1.2×)"))
    if shutil.which("valgrind"):
        ir_c = callgrind(loop(full)) - callgrind(loop(empty))

        stripped = os.path.join(WORK, "trustmend.nodebug")
        subprocess.run(["strip", "--strip-debug", "-o", stripped, TM], check=True)

        def run_daemon(directory):
            return lambda wrapper: daemon_cpu(directory, wrapper, binary=stripped, within=1800)
        ir_tm = callgrind(run_daemon(full)) - callgrind(run_daemon(empty))
        figure("instructions per entry (callgrind)", f"trustmend {ir_tm / entries:.0f}, C loop {ir_c / entries:.0f}: {ir_tm / ir_c:.2f}×")
        SUMMARY.append(("instructions per journal entry (callgrind)", f"{ir_tm / entries:.0f}", f"C loop {ir_c / entries:.0f}",
                        f"{ir_tm / ir_c:.2f}× the C loop (target ≤ 1.2×)"))
    else:
        figure("instructions per entry (callgrind)", "valgrind is not installed: skipped")
    shutil.rmtree(full)


def bench_size():
    print("size: the release binary and the packages (packaging/out, when built)")
    size = os.path.getsize(TM)
    figure("trustmend (release, as built)", f"{size / 2**20:.1f} MiB")
    stripped = os.path.join(WORK, "trustmend.stripped")
    subprocess.run(["strip", "-o", stripped, TM], check=True)
    figure("trustmend, stripped", f"{os.path.getsize(stripped) / 2**20:.1f} MiB")
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "packaging", "out")
    packages = sorted(os.listdir(out)) if os.path.isdir(out) else []
    for name in packages:
        figure(name, f"{os.path.getsize(os.path.join(out, name)) / 2**20:.1f} MiB")
    SUMMARY.append(("binary, stripped", f"{os.path.getsize(stripped) / 2**20:.1f} MiB", "", ", ".join(
        f"{n.split('.')[-1]} {os.path.getsize(os.path.join(out, n)) / 2**20:.1f} MiB" for n in packages) or "no packages built"))


for what in WHAT:
    {"scan": bench_scan, "fetch": bench_fetch, "latency": bench_latency, "idle": bench_idle, "flood": bench_flood,
     "journal": bench_journal, "entries": bench_entries, "size": bench_size}[what]()
if SUMMARY:
    print("\nsummary (measured side by side in this run)")
    print(f"  {'what':<52} {'trustmend':<14} {'reference':<24} ratio")
    for row in SUMMARY:
        print(f"  {row[0]:<52} {row[1]:<14} {row[2]:<24} {row[3]}")
subprocess.run(["rm", "-rf", WORK])
