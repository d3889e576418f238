# shellcheck shell=bash
# Tests/e2e/old-node.sh, step a: without trustmend, a CRI pull (containerd 1.4 serves CRI v1alpha2 only)
# and a docker pull fail on the unknown authority, and the engines' journal has it.
# shellcheck source=Tests/e2e/old-node/lib.sh
source "${BASH_SOURCE[0]%/*}/../lib.sh"   # loaded by old-node.sh already: the helpers, lib.sh, the state

say "a. Without trustmend: both engines fail on the unknown authority"
m=$(mark)
tb=$(now_us); expect_fail "CRI PullImage (v1alpha2) $image" cri_pull "$image"; timed "CRI pull, failing" "$(since "$tb")"
engine_logged containerd.service "$m" "$image"
tb=$(now_us); expect_fail "docker pull $image" docker_pull "$image"; timed "docker pull, failing" "$(since "$tb")"
engine_logged docker.service "$m" registry.e2e.test:5000
node python3 - <<'PY' || die "containerd does not serve CRI v1alpha2 only"
import grpc, sys
with grpc.insecure_channel("unix:///run/containerd/containerd.sock") as ch:
    for api, want in (("runtime.v1", grpc.StatusCode.UNIMPLEMENTED), ("runtime.v1alpha2", grpc.StatusCode.OK)):
        try:
            ch.unary_unary(f"/{api}.ImageService/ListImages")(b"", timeout=10); code = grpc.StatusCode.OK
        except grpc.RpcError as e:
            code = e.code()
        print(f"    {api}.ImageService/ListImages: {code.name}")
        if code != want: sys.exit(1)
PY
pass "containerd serves CRI runtime.v1alpha2 only (the pulls above went through it)"
