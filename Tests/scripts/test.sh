#!/usr/bin/env bash
# Runs every test of trustmend: installs what they need, builds, runs `swift test`.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash Tests/scripts/setup.sh
swift build --build-tests
swift test
