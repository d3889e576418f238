#!/usr/bin/env bash
# Runs every test of trustmend: installs what they need, builds, runs `swift test` (crash consistency
# included, 6 trials), the fuzz targets (a fixed number of runs each), 10 seconds of the load test, then
# the packaging tests and the end-to-end scenario in a booted systemd: this machine's Debian 12, then a
# Debian 11 debootstrapped once into /var/cache/trustmend-e2e (about a minute the first time).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash Tests/scripts/setup.sh
swift build --build-tests
swift test
# The DaemonSet: the manifest against the Kubernetes models and the unit, and the translator the e2e runs it by.
/usr/bin/python3 -m unittest discover -s Tests/e2e -p 'test_*.py'
bash Tests/scripts/fuzz.sh
bash Tests/scripts/load.sh 10
bash Tests/scripts/packaging-test.sh
# Old kernels emulated by seccomp (4.19: EulerOS 2.9; 3.10: CentOS 7; clone3 refused with EPERM), the
# release binary packaging-test.sh built, on its private runtime.
(source packaging/release-flags.sh
 STRACE=0 release_with_runtime "$PWD/$release_bin" bash Tests/Support/old-kernel/run.sh "$PWD/$release_bin" 4.19 3.10 clone3-eperm)
bash Tests/e2e/run.sh
TRUSTMEND_E2E_BUILD=0 bash Tests/e2e/old-node.sh   # packaging-test.sh built both packages
