# shellcheck shell=bash
# Tests/e2e/run.sh, step 3: install trustmend, allow the registry, enforce (route: system): trustmend
# installs the anchor, verifies it, restarts containerd (the pull now works) and defers docker (no
# live-restore); with live-restore on, docker's next failure gets it restarted too.
# shellcheck source=Tests/e2e/run-lib.sh
source "${BASH_SOURCE[0]%/*}/../run-lib.sh"   # loaded by run.sh already: the helpers, lib.sh, the state

say "3. Install trustmend"
tb=$(now_us) installed_at=$(mark)
install_trustmend
node systemctl is-active -q trustmend || { node systemctl status trustmend --no-pager || true; die "trustmend is not running"; }
timed "install trustmend" "$(since "$tb")"
pass "trustmend.service is active (out of the box it only reports)"

say "3. Configure: the system route, allow registry.e2e.test (and forged.e2e.test, see step 4), enforce"
configure <<'EOF'
mode: enforce
route: system                 # the CCE procedure: anchor directory, update tool, engine restart
allow:
  - host: registry.e2e.test
  - host: forged.e2e.test     # allowed, so that only the forged entries' source can keep it out
debounce: 1s
restart:
  docker: when-live-restore
  min_interval: 1s
EOF
m=$restarted_at
exited=$(node journalctl --no-pager -q -o cat --since="$m" -u trustmend | grep -m1 'Main process exited' || true)
[[ -z $exited ]] || die "trustmend did not stop cleanly on SIGTERM (the restart): '${exited#*: }'"
# A quiet start (two of them: the package's, then this restart): the unit's SystemCallFilter=~setpriority:0
# keeps libdispatch's "Failed to set thread priority" lines out, and nothing else at warning or above
# (systemd's own words about the unit included: -u).
noise=$(node journalctl --no-pager -q -o cat --since="$installed_at" -u trustmend | grep 'Failed to set thread priority' || true)
[[ -z $noise ]] || die "libdispatch complained at start ($(wc -l <<<"$noise") lines): ${noise%%$'\n'*}"
noise=$(node journalctl --no-pager -q -o short-monotonic --since="$installed_at" -u trustmend -p warning || true)
[[ -z $noise ]] || die "warnings at start: $noise"
pass "two starts, nothing at warning or above and no 'Failed to set thread priority' in journalctl -u trustmend"

# The engines fail one after the other here, to show each decision on its own (failing together, within
# one debounce window, both would be restarted by one batch).
say "3. containerd's failure again: trustmend installs, verifies, restarts containerd"
m=$(mark)
tf=$(now_us)
expect_fail "CRI PullImage $image" cri_pull "$image"
wait_event "$m" "$id_detected" detected TRUSTMEND_HOST=registry.e2e.test
timed "failed CRI pull -> detected" "$(span "$tf" "$event_at")"
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=registry.e2e.test
timed "failed CRI pull -> anchor installed (debounce 1s)" "$(span "$tf" "$event_at")"
wait_event "$m" "$id_verified" verified TRUSTMEND_HOST=registry.e2e.test
wait_event "$m" "$id_completed" restart-completed TRUSTMEND_UNIT=containerd.service
timed "failed CRI pull -> containerd restarted" "$(span "$tf" "$event_at")"
anchors=$(node sh -c 'ls /usr/local/share/ca-certificates/trustmend-*.crt')
[[ $(wc -l <<<"$anchors") == 1 ]] || die "expected one anchor, found: $anchors"
[[ $(node cat "$anchors" | fingerprint) == "$anchor_sha" ]] || die "$anchors is not the issuing CA"
pass "$anchors is the issuing CA (sha256 ${anchor_sha:0:16}…)"
node grep -q "$(sed -n 2p "$pki/issuing.pem")" /etc/ssl/certs/ca-certificates.crt || die "the CA is not in the bundle"
pass "it is in /etc/ssl/certs/ca-certificates.crt"
tb=$(now_us)
ref=$(cri_pull "$image") || die "CRI PullImage still fails after containerd's restart"
timed "CRI pull, succeeding" "$(span "$tb" "$(now_us)")"
pass "CRI PullImage $image → $ref"

say "3. docker's failure again: the bundle trusts the chain, but dockerd without live-restore is not restarted"
m=$(mark)
expect_fail "docker pull (dockerd holds the roots it loaded)" docker_pull "$image"
wait_event "$m" "$id_deferred" restart-deferred TRUSTMEND_UNIT=docker.service
[[ -z $(events "$m" "$id_installed") ]] || die "an anchor was installed again"
pass "nothing installed again"

say "3. docker with live-restore: the next failure gets docker restarted"
echo "{ $daemon_json, \"live-restore\": true }" | node tee /etc/docker/daemon.json > /dev/null
node systemctl reload docker                                 # SIGHUP applies live-restore, keeps the roots
node docker info -f '{{.LiveRestoreEnabled}}' | grep -qx true || die "live-restore not enabled"
pass "live-restore on (systemctl reload docker: same process, same roots)"
m=$(mark)
tf=$(now_us)
expect_fail "docker pull $image" docker_pull "$image"
wait_event "$m" "$id_completed" restart-completed TRUSTMEND_UNIT=docker.service
timed "failed docker pull -> docker restarted" "$(span "$tf" "$event_at")"
[[ -z $(events "$m" "$id_installed") ]] || die "an anchor was installed again"
pass "nothing installed this time (the bundle already trusts the chain)"
tb=$(now_us)
docker_pull "$image" > /dev/null || die "docker pull still fails after docker's restart"
timed "docker pull, succeeding" "$(since "$tb")"
pass "docker pull $image works"
