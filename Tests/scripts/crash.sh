#!/usr/bin/env bash
# Crash consistency, long form: `trustmend run` killed with SIGKILL at a random moment of a batch of
# repairs, then started again, TRIALS times (default 100); after each restart the anchor directory, the
# bundle and the ledger must agree and every repair must have completed exactly once
# (Tests/TrustmendAdapterTests/CrashConsistencyTests.swift; `swift test` runs 6 trials).
#   bash Tests/scripts/crash.sh [TRIALS]        TRUSTMEND_CRASH_SEED=N replays a trial a failure names
set -euo pipefail
cd "$(dirname "$0")/../.."
bash Tests/scripts/setup.sh
swift build --build-tests 2>&1 | tail -1
TRUSTMEND_CRASH_TRIALS=${1:-100} swift test --skip-build --filter CrashConsistencyTests 2>&1 |
  grep -E '^(crash consistency|✔|✘|↳ (seed|timed out))'
