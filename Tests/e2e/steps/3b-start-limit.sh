# shellcheck shell=bash
# Tests/e2e/run.sh, step 3b (issue 19, item 3; FACTS §24): trustmend never restarts an engine into its
# unit's start limit, whatever restart.min_interval says (1s since step 3). A drop-in gives docker.service
# StartLimitBurst=2 in 120 s; docker is restarted (a start trustmend sees), the anchor is taken away so
# that docker fails again, and the repair that follows owes docker a restart: trustmend defers it with the
# start-limit reason, docker stays active (never start-limit-hit), and the restart runs by itself once the
# window allows it. The drop-in goes at the end, and systemd's count with it.
# shellcheck source=Tests/e2e/run-lib.sh
source "${BASH_SOURCE[0]%/*}/../run-lib.sh"   # loaded by run.sh already: the helpers, lib.sh, the state

say "3b. docker.service allows 2 starts in 120 s (a drop-in); trustmend must not spend the last one"
dropin=/etc/systemd/system/docker.service.d/e2e-start-limit.conf
node mkdir -p "${dropin%/*}"
printf '[Unit]\nStartLimitIntervalSec=120\nStartLimitBurst=2\n' | node tee "$dropin" > /dev/null
node systemctl daemon-reload
node systemctl reset-failed docker 2>/dev/null || true   # systemd's own count starts from here
[[ $(node systemctl show -p StartLimitBurst --value docker) == 2 ]] || die "the drop-in did not apply"
[[ $(node systemctl show -p StartLimitIntervalUSec --value docker) == 2min ]] || die "the drop-in's interval did not apply"
pass "docker.service: StartLimitBurst=2, StartLimitIntervalUSec=2min"

# The anchor out of the bundle and docker restarted without it (its first start in the window), then
# trustmend restarted so that it has no memory of step 3's repair but what its state file keeps.
# shellcheck disable=SC2016  # $PATH is the node's, expanded there
node sh -c 'PATH=$PATH:/usr/local/bin trustmend remove registry.e2e.test:5000' | sed 's/^/    | /'
node systemctl restart docker
# When its main process started (systemd's ExecMainStartTimestamp, whole seconds: never later than it).
docker_started=$(( $(node systemctl show --timestamp=unix -p ExecMainStartTimestamp --value docker | tr -d @) * 1000000 ))
restart_trustmend

m=$(mark)
expect_fail "docker pull (docker restarted without the anchor)" docker_pull "$image"
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=registry.e2e.test
wait_event "$m" "$id_deferred" restart-deferred TRUSTMEND_UNIT=docker.service TRUSTMEND_REASON=start-limit
view_says "$m" "docker.service has started " " in the last 120s and allows 2 (StartLimitBurst): " "; retrying at "
[[ -z $(events "$m" "$id_requested" TRUSTMEND_UNIT=docker.service) ]] || die "trustmend asked for docker's restart anyway"
node systemctl is-active -q docker || die "docker is not active: $(node systemctl show -p ActiveState,Result --value docker | xargs)"
[[ $(node systemctl show -p Result --value docker) != start-limit-hit ]] || die "docker hit its start limit"
pass "docker is active, its start limit untouched; no restart asked for"

say "3b. The deferred restart runs by itself once docker's start has left the window"
deadline=$(( docker_started + 150000000 ))   # 120 s, a second of margin, and the retry's rounding
until [[ -n $(events "$m" "$id_completed" TRUSTMEND_UNIT=docker.service) ]]; do
  (( $(now_us) < deadline )) || die "docker's deferred restart did not complete within 150 s of its last start"
  sleep 1
done
wait_event "$m" "$id_completed" restart-completed TRUSTMEND_UNIT=docker.service
timed "docker start -> deferred restart completed (burst 2 in 120s)" "$(span "$docker_started" "$event_at")"
(( event_at - docker_started > 120000000 )) || die "docker was restarted inside the 120 s window"
node systemctl is-active -q docker || die "docker is not active after the deferred restart"
docker_pull "$image" > /dev/null || die "docker pull still fails after the deferred restart"
pass "docker restarted $(span "$docker_started" "$event_at") s after its last start; docker pull $image works"

node rm -f "$dropin"
node rmdir --ignore-fail-on-non-empty "${dropin%/*}"
node systemctl daemon-reload
node systemctl reset-failed docker 2>/dev/null || true
[[ $(node systemctl show -p StartLimitBurst --value docker) != 2 ]] || die "the drop-in is still in force"
pass "drop-in removed: docker.service has its shipped start limit again"
