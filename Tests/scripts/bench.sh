#!/usr/bin/env bash
# Prints trustmend's figures: scan throughput against grep, fetch against openssl s_client, the daemon's
# detection latency (journal entry -> decision), idle RSS and wake-ups, CPU under a flood of lines, CPU per
# journal entry against a C sd-journal loop (journal_loop.c). Asserts nothing; tests never time.
#   bash Tests/scripts/bench.sh [scan] [journal] [entries] [fetch] [latency] [idle] [flood] [size]   (all without arguments)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash Tests/scripts/setup.sh
echo "building trustmend as the packages ship it (packaging/release-flags.sh)…"
source packaging/release-flags.sh
swift build "${release_flags[@]}" --product trustmend 2>&1 | tail -1
tm=$PWD/$release_bin
# The binary's interpreter is the packages' /usr/lib/trustmend: it runs with that runtime overlaid in a
# private mount namespace, as on a node.
echo "machine: $(nproc) CPUs, $(uname -r), $(release_with_runtime "$tm" "$tm" --version | head -1)"
release_with_runtime "$tm" /usr/bin/python3 Tests/scripts/bench.py "$tm" "$@"
