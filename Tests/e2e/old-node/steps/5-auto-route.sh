# shellcheck shell=bash
# Tests/e2e/old-node.sh, step b: route: auto, enforce. containerd 1.4 is repaired on the system route (no
# config_path: trustmend says so) and restarted; dockerd 20.10 on the registry route, not restarted.
# shellcheck source=Tests/e2e/old-node/lib.sh
source "${BASH_SOURCE[0]%/*}/../lib.sh"   # loaded by old-node.sh already: the helpers, lib.sh, the state

say "b. route: auto, enforce, allow both registries"
configure <<'YAML'
mode: enforce
route: auto
allow:
  - host: registry.e2e.test
  - host: seccomp.e2e.test
debounce: 1s
restart:
  min_interval: 1s
YAML
doctor=$(node trustmend doctor 2>&1 || true)
show "$doctor"
grep -q '^\[ OK \] distro: debian family' <<<"$doctor" || die "trustmend doctor does not name the debian family"
grep -q 'route containerd: auto takes the system route.*config_path' <<<"$doctor" || die "trustmend doctor does not say that auto takes the system route for containerd, and why"
pass "trustmend doctor runs: debian family; containerd 1.4 on the system route under auto"

say "b. containerd's failure again: trustmend takes the system route, says why, restarts containerd"
containerd_before=$(containerd_pid)
m=$(mark)
tf=$(now_us)
expect_fail "CRI PullImage $image" cri_pull "$image"
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=registry.e2e.test TRUSTMEND_ROUTE=system
timed "b. failed CRI pull -> anchor installed" "$(span "$tf" "$event_at")"
why=$(node journalctl --no-pager -q -o json --since="$m" _SYSTEMD_UNIT=trustmend.service MESSAGE_ID="$id_installed" TRUSTMEND_HOST=registry.e2e.test |
  /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.stdin.readline()).get("TRUSTMEND_ROUTE_REASON", ""))')
grep -q 'config_path' <<<"$why" || die "the system route's reason does not name config_path: '$why'"
grep -q 'containerd 1\.4' <<<"$why" || die "the system route's reason does not name containerd 1.4: '$why'"
pass "TRUSTMEND_ROUTE_REASON=$why"
wait_event "$m" "$id_verified" verified TRUSTMEND_HOST=registry.e2e.test
wait_event "$m" "$id_completed" restart-completed TRUSTMEND_UNIT=containerd.service
containerd_restarted
timed "b. failed CRI pull -> containerd restarted" "$(span "$tf" "$event_at")"
anchors=$(node sh -c 'ls /usr/local/share/ca-certificates/trustmend-*.crt')
[[ $(wc -l <<<"$anchors") == 1 && $(node cat "$anchors" | fingerprint) == "$anchor_sha" ]] || die "expected one anchor, the E2E Corp Issuing CA: $anchors"
in_bundle issuing.pem "$debian_bundle" || die "the CA is not in $debian_bundle"
pass "$anchors is the E2E Corp Issuing CA, in $debian_bundle"
[[ -z $(node sh -c 'ls -A /etc/containerd/certs.d/ 2>/dev/null') ]] || die "something was written to /etc/containerd/certs.d"
ref=$(cri_pull "$image") || die "CRI PullImage $image still fails after containerd's restart"
timed "b. failed CRI pull -> CRI pull works" "$(since "$tf")"
pass "CRI PullImage $image → $ref"
own_libraries_only

say "b. docker's failure: dockerd 20.10 reads certs.d, so auto takes the registry route for it, no restart"
docker_pid=$(node systemctl show -p MainPID --value docker)
m=$(mark)
tf=$(now_us)
expect_fail "docker pull $image" docker_pull "$image"
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=registry.e2e.test TRUSTMEND_ROUTE=registry TRUSTMEND_UNIT=docker.service
files=$(node sh -c 'ls /etc/docker/certs.d/registry.e2e.test:5000/trustmend-*.crt')
[[ $(wc -l <<<"$files") == 1 && $(node cat "$files" | fingerprint) == "$anchor_sha" ]] || die "expected one anchor, the E2E Corp Issuing CA: $files"
docker_pull "$image" > /dev/null || die "docker pull $image still fails"
timed "b. failed docker pull -> docker pull works" "$(since "$tf")"
[[ $(node systemctl show -p MainPID --value docker) == "$docker_pid" ]] || die "dockerd was restarted"
pass "$files is the E2E Corp Issuing CA; docker pull works; dockerd not restarted (MainPID $docker_pid)"
