"""What bench.py and load.py write to a journal: the engine's failure line, and entries in journal export
format written by the real systemd-journal-remote (as containerd.service running as root logs them)."""
import subprocess
import time

JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"


def failure(host, port):
    """containerd's CRI pull failure for an image on host:port, as it logs it."""
    return (f'level=error msg="PullImage \\"{host}:{port}/app:1\\" failed" error="failed to pull and unpack image: '
            f'failed to do request: Head \\"https://{host}:{port}/v2/app/manifests/1\\": tls: failed to verify '
            f'certificate: x509: certificate signed by unknown authority"')


def entry(message, unit="containerd.service", stamp=None):
    """One journal entry in export format, as an engine's own stderr reaches journald (_TRANSPORT=stdout);
    `stamp` in microseconds since the epoch, now by default."""
    stamp = int(time.time() * 1e6) if stamp is None else stamp
    return (f"__REALTIME_TIMESTAMP={stamp}\n_BOOT_ID=0123456789abcdef0123456789abcdef\n"
            f"_SYSTEMD_UNIT={unit}\n_UID=0\n_TRANSPORT=stdout\nMESSAGE={message}\n")


def append(output, entries):
    """Appends entries (from `entry`) to the journal file `output`."""
    subprocess.run([JOURNAL_REMOTE, f"--output={output}", "-"], input=("\n".join(entries) + "\n").encode(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
