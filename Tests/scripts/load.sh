#!/usr/bin/env bash
# trustmend under a flood, as a test: RATE matching journal lines a second (default 10,000) for SECONDS
# (default 60) over 1,000 hosts outside the policy, with allowed registries failing among them. Checks
# that the allowed ones are repaired, the hourly cap, back-off and restart interval hold, memory stays
# bounded and the daemon keeps up (Tests/scripts/load.py says what exactly). test.sh runs 10 seconds.
#   bash Tests/scripts/load.sh [SECONDS] [RATE] [HOSTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
bash Tests/scripts/setup.sh
swift build --product trustmend 2>&1 | tail -1
exec /usr/bin/python3 Tests/scripts/load.py "$(swift build --show-bin-path)/trustmend" "${1:-60}" "${2:-10000}" "${3:-1000}"
