# shellcheck shell=bash
# Tests/e2e/old-node.sh, step e: on the EulerOS-like node, route: auto repairs through p11-kit on the
# system route; the unit as systemd < 239 runs it; rpm -e cleans up.
# shellcheck source=Tests/e2e/old-node/lib.sh
source "${BASH_SOURCE[0]%/*}/../lib.sh"   # loaded by old-node.sh already: the helpers, lib.sh, the state

say "e. route: auto on the EulerOS-like node: a repair through p11-kit on the system route"
configure <<'YAML'
mode: enforce
route: auto
allow:
  - host: registry.e2e.test
debounce: 1s
restart:
  min_interval: 1s
YAML
doctor=$(node trustmend doctor 2>&1 || true)
show "$doctor"
grep -q '^\[ OK \] distro: rhel family' <<<"$doctor" || die "trustmend doctor does not name the rhel family"
grep -q '^\[ OK \] update tool: /usr/bin/update-ca-trust extract' <<<"$doctor" || die "trustmend doctor does not name update-ca-trust"
pass "trustmend doctor: rhel family, /usr/bin/update-ca-trust extract"
containerd_before=$(containerd_pid)
m=$(mark)
tf=$(now_us)
expect_fail "CRI PullImage $image" cri_pull "$image"
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=registry.e2e.test TRUSTMEND_ROUTE=system
wait_event "$m" "$id_completed" restart-completed TRUSTMEND_UNIT=containerd.service
containerd_restarted
timed "e. rpm: failed CRI pull -> containerd restarted" "$(span "$tf" "$event_at")"
anchors=$(node sh -c 'ls /etc/pki/ca-trust/source/anchors/trustmend-*.crt')
[[ $(wc -l <<<"$anchors") == 1 && $(node cat "$anchors" | fingerprint) == "$anchor_sha" ]] || die "expected one anchor, the E2E Corp Issuing CA: $anchors"
in_bundle issuing.pem "$euler_bundle" || die "p11-kit did not put the E2E Corp Issuing CA into $euler_bundle"
pass "$anchors is the E2E Corp Issuing CA, and p11-kit put it into $euler_bundle"
ref=$(cri_pull "$image") || die "CRI PullImage $image still fails after containerd's restart"
timed "e. rpm: failed CRI pull -> CRI pull works" "$(since "$tf")"
pass "CRI PullImage $image → $ref"
own_libraries_only

say "e. The unit as systemd < 239 runs it (the drop-in packaging/old-systemd.sh writes there): the deny-list alone"
sh "$repo/packaging/old-systemd.sh" --print 237 | node tee "$old_dropin" > /dev/null
node systemctl daemon-reload
restart_trustmend
filter=$(node systemctl show -p SystemCallFilter --value trustmend)
[[ $filter == "~"* ]] || die "with $old_dropin the unit still has an allow-list: ${filter:0:80}…"
node systemctl is-active -q trustmend || die "trustmend is not running with the drop-in for systemd < 239"
node trustmend doctor > /dev/null 2>&1 || true
pass "trustmend runs with the deny-list alone (SystemCallFilter=${filter:0:40}…)"

say "e. rpm -e trustmend: the anchor gone, update-ca-trust drops the CA, the state gone"
node rpm -e trustmend 2>&1 | sed 's/^/    | /'
node rpm -q trustmend > /dev/null 2>&1 && die "rpm still lists trustmend"
node systemctl is-active -q trustmend && die "trustmend still running after rpm -e"
for p in /var/lib/trustmend /usr/bin/trustmend /usr/lib/trustmend; do
  node test -e "$p" && die "$p is still there"
done
node sh -c 'ls /etc/pki/ca-trust/source/anchors/trustmend-*.crt' 2>/dev/null && die "an anchor file is left"
in_bundle issuing.pem "$euler_bundle" && die "the E2E Corp Issuing CA is still in $euler_bundle"
node test -e "$old_dropin" && die "rpm -e left $old_dropin"
pass "stopped; no anchor in /etc/pki/ca-trust/source/anchors, the CA gone from $euler_bundle, /var/lib/trustmend and $old_dropin gone"
