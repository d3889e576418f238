# shellcheck shell=bash
# Tests/e2e/run.sh, step 2: without trustmend, a CRI pull (what kubelet does) and a docker pull fail with
# "x509: certificate signed by unknown authority"; both errors are in the engines' journal.
# shellcheck source=Tests/e2e/run-lib.sh
source "${BASH_SOURCE[0]%/*}/../run-lib.sh"   # loaded by run.sh already: the helpers, lib.sh, the state

say "2. Without trustmend: both engines fail on the unknown authority"
m=$(mark)
tb=$(now_us); expect_fail "CRI PullImage $image" cri_pull "$image"; timed "CRI pull, failing" "$(since "$tb")"
engine_logged containerd.service "$m" "$image"
tb=$(now_us); expect_fail "docker pull $image" docker_pull "$image"; timed "docker pull, failing" "$(since "$tb")"
engine_logged docker.service "$m" registry.e2e.test:5000
