#!/usr/bin/env bash
# Runs every test of trustmend: installs what they need, builds, runs `swift test` (crash consistency
# included, 6 trials), the fuzz targets (a fixed number of runs each), 10 seconds of the load test, then
# the packaging tests and the end-to-end scenario in a booted systemd.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash Tests/scripts/setup.sh
swift build --build-tests
swift test
bash Tests/scripts/fuzz.sh
bash Tests/scripts/load.sh 10
bash Tests/scripts/packaging-test.sh
bash Tests/e2e/run.sh
