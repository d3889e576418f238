# shellcheck shell=bash
# Tests/e2e/old-node.sh, step c: the kernel-4.19 drop-in on trustmend.service; seccomp.e2e.test is
# repaired under it and trustmend keeps running.
# shellcheck source=Tests/e2e/old-node/lib.sh
source "${BASH_SOURCE[0]%/*}/../lib.sh"   # loaded by old-node.sh already: the helpers, lib.sh, the state

say "c. The kernel-4.19 drop-in on trustmend.service; seccomp.e2e.test repaired under it"
grep -qw clone3 <<<"$(node systemctl show -p SystemCallFilter --value trustmend)" || die "clone3 is not in the unit's allow list without the drop-in: the check below would prove nothing"
node mkdir -p "$dropin_dir"
node tee "$dropin_dir/kernel-4.19.conf" <<<"$dropin" > /dev/null
m=$(mark)
node systemctl daemon-reload
restart_trustmend
skipped_here=$(node journalctl --no-pager -q -o cat --since="$m" _PID=1 |
  sed -n "s|^$dropin_dir/kernel-4.19.conf:[0-9]*: Failed to parse system call, ignoring: ||p" | sort -u | tr '\n' ' ')
note "systemd skipped in $dropin_dir/kernel-4.19.conf: ${skipped_here:-nothing}"
filter=$(node systemctl show -p SystemCallFilter --value trustmend)
errno_now=$(node systemctl show -p SystemCallErrorNumber --value trustmend)
for c in "${new_calls[@]}"; do grep -qw -- "$c" <<<"$filter" && die "$c is still in trustmend's allow list"; done
[[ $errno_now == @(38|ENOSYS) ]] || die "SystemCallErrorNumber is '$errno_now', not ENOSYS"
main_pid=$(node systemctl show -p MainPID --value trustmend)
node grep -q '^Seccomp:[[:space:]]*2' "/proc/$main_pid/status" || die "trustmend (PID $main_pid) runs without a seccomp filter"
pass "trustmend runs (MainPID $main_pid, seccomp mode 2) with none of the ${#new_calls[@]} calls allowed, SystemCallErrorNumber=ENOSYS"
containerd_before=$(containerd_pid)
m=$(mark)
tf=$(now_us)
expect_fail "CRI PullImage $image2" cri_pull "$image2"
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=seccomp.e2e.test TRUSTMEND_ROUTE=system
wait_event "$m" "$id_completed" restart-completed TRUSTMEND_UNIT=containerd.service
containerd_restarted
timed "c. 4.19: failed CRI pull -> containerd restarted" "$(span "$tf" "$event_at")"
in_bundle seccomp-issuing.pem "$debian_bundle" || die "the Seccomp Corp Issuing CA is not in $debian_bundle"
ref=$(cri_pull "$image2") || die "CRI PullImage $image2 still fails after containerd's restart"
timed "c. 4.19: failed CRI pull -> CRI pull works" "$(since "$tf")"
pass "CRI PullImage $image2 → $ref"
[[ $(node systemctl show -p MainPID --value trustmend) == "$main_pid" && $(node systemctl show -p NRestarts --value trustmend) == 0 ]] ||
  die "trustmend did not keep running under the drop-in (MainPID $main_pid → $(node systemctl show -p MainPID --value trustmend))"
pass "trustmend kept running under the drop-in (same MainPID, no failure restarts)"
own_libraries_only
