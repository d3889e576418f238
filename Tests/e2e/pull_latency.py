#!/usr/bin/env python3
"""Failure logged -> pull works, on the registry route, over repeated repairs (issue 17, item 4). Runs in
the node, as root, with trustmend running and allowing HOST:PORT.

Each run takes the anchor trustmend installed for HOST:PORT out again (`trustmend remove HOST:PORT`), pulls
IMAGE through containerd's CRI until the pull fails with the x509 error (containerd logs it, trustmend
repairs it through certs.d), then retries the pull every 20 ms on the same gRPC channel until it works.
Spans, per run, from the failure's entry in containerd's journal (__REALTIME_TIMESTAMP: when journald
received it): to trustmend's `installed` event on the registry route, and to the return of the first pull
that works. The last two lines give p50 and p99 (nearest rank) of each. Exits 1 when a run's pull does
not fail first, is not repaired within 30 s, or is repaired other than on the registry route.

Usage: pull_latency.py IMAGE HOST:PORT RUNS INSTALLED_MESSAGE_ID"""
import json
import math
import subprocess
import sys
import time

import grpc

from cri_pull import pull  # beside this file


def die(why: str) -> None:
    print(f"pull_latency.py: {why}", file=sys.stderr)
    sys.exit(1)


def first_entry(since_us: int, matches: list[str], needles: list[str]) -> int | None:
    """The __REALTIME_TIMESTAMP of the first journal entry since `since_us` with the matches and every needle
    in its MESSAGE, or None."""
    out = subprocess.run(
        ["journalctl", "--no-pager", "-q", "-o", "json", f"--since=@{since_us // 1_000_000}.{since_us % 1_000_000:06d}", *matches],
        capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        entry = json.loads(line)
        message = entry.get("MESSAGE") or ""
        if isinstance(message, list):  # journalctl gives non-UTF-8 text as bytes
            message = bytes(message).decode(errors="replace")
        if all(n in message for n in needles):
            return int(entry["__REALTIME_TIMESTAMP"])
    return None


def waited(what: str, find, limit: float = 10.0) -> int:
    deadline = time.monotonic() + limit
    while (found := find()) is None:
        if time.monotonic() > deadline:
            die(f"no {what} in the journal within {limit:.0f} s")
        time.sleep(0.05)
    return found


def unknown_authority(error: grpc.RpcError) -> bool:
    return "certificate signed by unknown authority" in (error.details() or "")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def main() -> None:
    image, endpoint, runs, installed_id = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    host = endpoint.rsplit(":", 1)[0]
    to_installed: list[float] = []
    to_works: list[float] = []
    with grpc.insecure_channel("unix:///run/containerd/containerd.sock") as channel:
        for run in range(1, runs + 1):
            subprocess.run(["trustmend", "remove", endpoint], capture_output=True, check=True)
            start_us = time.time_ns() // 1000
            # The next pull fails: containerd reads its certs.d at every pull.
            deadline = time.monotonic() + 5
            while True:
                try:
                    pull(channel, image)
                except grpc.RpcError as e:
                    if not unknown_authority(e):
                        die(f"run {run}: the pull failed otherwise: {e.code().name}: {e.details()}")
                    break
                if time.monotonic() > deadline:
                    die(f"run {run}: the pull still works 5 s after `trustmend remove {endpoint}`")
                time.sleep(0.05)
            deadline = time.monotonic() + 30
            while True:
                try:
                    pull(channel, image)
                    works_us = time.time_ns() // 1000
                    break
                except grpc.RpcError as e:
                    if not unknown_authority(e):
                        die(f"run {run}: the pull failed otherwise: {e.code().name}: {e.details()}")
                if time.monotonic() > deadline:
                    die(f"run {run}: the pull still fails 30 s after the failure")
                time.sleep(0.02)
            logged_us = waited("failure from containerd", lambda: first_entry(
                start_us, ["_SYSTEMD_UNIT=containerd.service"], [host, "certificate signed by unknown authority"]))
            installed_us = waited("installed event on the registry route", lambda: first_entry(
                start_us, ["_SYSTEMD_UNIT=trustmend.service", f"MESSAGE_ID={installed_id}", f"TRUSTMEND_HOST={host}",
                           "TRUSTMEND_ROUTE=registry"], []))
            to_installed.append((installed_us - logged_us) / 1e6)
            to_works.append((works_us - logged_us) / 1e6)
            print(f"run {run:2}: failure logged -> installed {to_installed[-1] * 1000:7.1f} ms, -> pull works {to_works[-1] * 1000:7.1f} ms")
    for name, values in (("failure logged -> anchor installed", to_installed), ("failure logged -> pull works", to_works)):
        print(f"{name}: p50 {percentile(values, 50):.3f} s, p99 {percentile(values, 99):.3f} s over {len(values)} repairs")


if __name__ == "__main__":
    main()
