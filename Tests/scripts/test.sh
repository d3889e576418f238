#!/usr/bin/env bash
# Runs every test of trustmend: installs what they need, builds, runs `swift test`, the fuzz targets
# (a fixed number of runs each), then the packaging tests and the end-to-end scenario in a booted systemd.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash Tests/scripts/setup.sh
swift build --build-tests
swift test
bash Tests/scripts/fuzz.sh
bash Tests/scripts/packaging-test.sh
bash Tests/e2e/run.sh
