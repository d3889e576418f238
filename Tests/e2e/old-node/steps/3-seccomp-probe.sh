# shellcheck shell=bash disable=SC2034  # sets state for the later steps
# Tests/e2e/old-node.sh, step c before trustmend: the kernel-4.19 drop-in, proved on a probe unit with the
# package's sandbox: every system call added after Linux 4.19 fails with ENOSYS. Sets $dropin_dir and
# $dropin.
# shellcheck source=Tests/e2e/old-node/lib.sh
source "${BASH_SOURCE[0]%/*}/../lib.sh"   # loaded by old-node.sh already: the helpers, lib.sh, the state

say "c. (before trustmend) The kernel-4.19 drop-in: every system call added after Linux 4.19 fails with ENOSYS"
# systemd 247 takes "~NAME:ERRNO" in SystemCallFilter=, but only in deny-list mode: trustmend.service
# allow-lists (@system-service), and there a "~NAME:ENOSYS" only takes NAME out of the allow list, so it
# fails with SystemCallErrorNumber= (EPERM) instead (measured below, first run of the probe with such a
# drop-in). EPERM is not what an old kernel answers, and glibc >= 2.34 falls back from clone3 to clone on
# ENOSYS only. So the drop-in takes the new calls out of the allow list and makes the unit's error ENOSYS:
# every new call then fails as on 4.19; the price, where the unit's own SystemCallErrorNumber= is EPERM, is
# that the calls it denies on purpose fail with ENOSYS too. Names libseccomp 2.5.1 does not know are skipped by systemd with
# a warning (listed below); they are outside the allow list anyway, so they get ENOSYS as well.
dropin_dir=/etc/systemd/system/trustmend.service.d
dropin=$(printf '%s\n' "[Service]" "# Linux 4.19 (EulerOS 2.9's kernel): every x86_64 system call added after it fails with ENOSYS." \
  "SystemCallFilter=~${new_calls[*]}" "SystemCallErrorNumber=ENOSYS")
# The probe: the unit's [Service] sandbox (from the package), running syscall_probe.py instead.
node sh -c 'sed -n "/^\[Service\]/,/^\[Install\]/p" /usr/local/lib/e2e/trustmend.service |
  grep -Ev "^(\[Install\]|Type|NotifyAccess|ExecStart|ExecStartPre|ExecReload|Restart|RestartSec|RestartPreventExitStatus|WatchdogSec|TimeoutStopSec|StateDirectory|ConfigurationDirectory)[=A-Za-z]*" > /etc/systemd/system/e2e-probe.service
  printf "Type=oneshot\nExecStart=/usr/bin/python3 /usr/local/lib/e2e/syscall_probe.py\nStandardOutput=file:/run/e2e-probe.out\n" >> /etc/systemd/system/e2e-probe.service'
probe() { # probe [DROP-IN]: "name number errno" per call, from the probe unit with DROP-IN (text) or none
  node rm -rf /run/e2e-probe.out /etc/systemd/system/e2e-probe.service.d
  if [[ -n ${1:-} ]]; then
    node mkdir -p /etc/systemd/system/e2e-probe.service.d
    node tee /etc/systemd/system/e2e-probe.service.d/kernel-4.19.conf <<<"$1" > /dev/null
  fi
  node systemctl daemon-reload
  node systemctl start e2e-probe || { node systemctl status e2e-probe --no-pager || true; die "the probe failed"; }
  node cat /run/e2e-probe.out
}
tb=$(now_us)
probe_plain=$(probe)
probe_naive=$(probe "$(printf '[Service]\nSystemCallFilter=~%s\n' "$(printf '%s:ENOSYS ' "${new_calls[@]}")")")
m=$(mark)
probe_dropin=$(probe "$dropin")
timed "seccomp probe x3" "$(since "$tb")"
note "what each call returns in the unit's sandbox (on the host's kernel, $(uname -r)):"
paste <(echo "$probe_plain") <(echo "$probe_naive" | cut -d' ' -f3) <(echo "$probe_dropin" | cut -d' ' -f3) |
  column -t -N 'call,nr,unit,+ ~call:ENOSYS,+ the drop-in' | sed 's/^/      /'
skipped=$(node journalctl --no-pager -q -o cat --since="$m" _PID=1 |
  sed -n 's|^/etc/systemd/system/e2e-probe.service.d/kernel-4.19.conf:[0-9]*: Failed to parse system call, ignoring: ||p' | sort -u | tr '\n' ' ')
note "systemd $(node systemctl --version | sed -n '1s/systemd \([0-9]*\).*/\1/p') skipped (libseccomp $(version_of libseccomp2) does not know them): ${skipped:-nothing}"
[[ $(wc -l <<<"$probe_dropin") == "${#new_calls[@]}" ]] || die "the probe printed $(wc -l <<<"$probe_dropin") lines, not ${#new_calls[@]}"
grep -qv ' ENOSYS$' <<<"$probe_plain" || die "the probe cannot tell: every call failed with ENOSYS without the drop-in"
bad=$(grep -v ' ENOSYS$' <<<"$probe_dropin" || true)
[[ -z $bad ]] || die "with the drop-in, not ENOSYS: $(tr '\n' ';' <<<"$bad")"
pass "with the drop-in all ${#new_calls[@]} calls fail with ENOSYS in the unit's sandbox; without it $(grep -vc ' ENOSYS$' <<<"$probe_plain") did not: $(grep -v ' ENOSYS$' <<<"$probe_plain" | awk '{ printf "%s%s %s", sep, $1, $3; sep = ", " }')"
