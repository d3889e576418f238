# shellcheck shell=bash
# Tests/e2e/old-node.sh, step b: the .deb installs with dpkg on bullseye and runs with its own loader;
# trustmend's glibc loads none of the node's NSS modules.
# shellcheck source=Tests/e2e/old-node/lib.sh
source "${BASH_SOURCE[0]%/*}/../lib.sh"   # loaded by old-node.sh already: the helpers, lib.sh, the state

say "b. Install the .deb with dpkg on bullseye (glibc $(version_of libc6 | cut -d- -f1))"
[[ -n $deb ]] || die "no packaging/out/trustmend_*_amd64.deb to install (bash packaging/build deb)"
note "Depends: $(dpkg-deb -f "$root$deb" Depends)"
tb=$(now_us) installed_at=$(mark)
out=$(node dpkg -i "$deb" 2>&1) || {
  show "$out"
  node dpkg --purge trustmend > /dev/null 2>&1 || true
  die "dpkg -i refused ${deb##*/} on bullseye (a package that needs nothing bullseye lacks must install)"
}
show "$out"
node systemctl is-active -q trustmend || { node systemctl status trustmend --no-pager -l || true; die "trustmend is not running after dpkg -i (its postinst starts it)"; }
timed "dpkg -i trustmend" "$(since "$tb")"
[[ $(node systemctl show -p NRestarts --value trustmend) == 0 ]] || die "trustmend failed and was restarted by systemd"
pass "dpkg -i: trustmend.service active, no failure restarts"
# Issue 17, item 2 on systemd 247: a deny entry's errno after the allow-list is ignored below 248, so the
# postinst's drop-in allows setpriority, and both starts (the postinst's, then a restart) are quiet.
sv=$(node systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
node grep -qx 'SystemCallFilter=setpriority' /etc/systemd/system/trustmend.service.d/50-old-systemd.conf ||
  die "systemd $sv: the postinst wrote no drop-in allowing setpriority"
node grep -qx 'LimitNICE=-4' /etc/systemd/system/trustmend.service.d/50-old-systemd.conf ||
  die "systemd $sv: the drop-in does not let the daemon's threads take libdispatch's nice levels (LimitNICE=-4)"
[[ $(node systemctl show -p LimitNICE --value trustmend) == 24 ]] || die "systemd $sv: LimitNICE=-4 is not RLIMIT_NICE 24 in the unit"
restart_trustmend
noise=$(node journalctl --no-pager -q -o cat --since="$installed_at" -u trustmend | grep 'Failed to set thread priority' || true)
# This VM withholds CAP_SYS_RESOURCE from every process, the node's PID 1 included (FACTS §22), so systemd
# cannot raise RLIMIT_NICE's hard limit above 0 and the one thread asking for nice -4 (libdispatch's
# user-interactive level) still meets EACCES here. On a node, PID 1 has it and there is no line at all.
pid1_caps=$(node sed -n 's/^CapEff:[[:space:]]*//p' /proc/1/status)
if (( (16#$pid1_caps >> 24) & 1 )); then
  [[ -z $noise ]] || die "systemd $sv: libdispatch complained at start ($(wc -l <<<"$noise") lines): ${noise%%$'\n'*}"
else
  clamped=$(node sh -c 'grep "^Max nice priority" /proc/$(systemctl show -p MainPID --value trustmend)/limits' | awk '{print $4 "/" $5}')
  [[ $clamped == 0/0 ]] || die "systemd $sv: without CAP_SYS_RESOURCE RLIMIT_NICE should stay 0/0, it is $clamped: the check below means nothing"
  others=$(grep -v 'errno=13$' <<<"$noise" || true)
  [[ -z $noise || -z $others ]] || die "systemd $sv: libdispatch failed for another reason than RLIMIT_NICE: ${others%%$'\n'*}"
  note "this VM's PID 1 lacks CAP_SYS_RESOURCE: RLIMIT_NICE stays 0 (a node's would be 24); $(grep -c . <<<"$noise" || true) EACCES line(s) left, no ENOSYS"
fi
# The daemon's own lines only: systemd 247 warns here about the directive it does not know (PrivateIPC=,
# listed in the unit's head) and about this VM's cgroups on a restart.
noise=$(node journalctl --no-pager -q -o short-monotonic --since="$installed_at" _SYSTEMD_UNIT=trustmend.service -p warning || true)
[[ -z $noise ]] || die "systemd $sv: warnings at start: $noise"
pass "systemd $sv: the postinst's drop-in allows setpriority with LimitNICE=-4 (RLIMIT_NICE 24); two starts, nothing of the daemon's at warning or above, no ENOSYS from setpriority"
version=$(node trustmend --version 2>&1) || { show "$version"; die "trustmend --version fails on bullseye"; }
show "$version"
interp=$(readelf -l "$root/usr/bin/trustmend" | sed -n 's/.*program interpreter: \(.*\)]/\1/p')
[[ $interp == /usr/lib/trustmend/* ]] || die "/usr/bin/trustmend's interpreter is '$interp', not the package's own"
pass "trustmend --version runs on glibc 2.31, with its own loader $interp"
# NSS: a name not in /etc/hosts goes past files and dns to the modules nsswitch.conf names. The node's own
# glibc loads libnss_myhostname for it (the control); trustmend's glibc must load no module at all.
control=$(node env LD_DEBUG=files getent hosts nowhere.e2e.test 2>&1 | grep -o 'file=libnss_[a-z]*' | sort -u | tr '\n' ' ' || true)
[[ $control == *libnss_myhostname* ]] || die "control: the node's getent did not load libnss_myhostname (${control:-nothing}): the check below would prove nothing"
loaded=$(node env LD_DEBUG=files trustmend fetch nowhere.e2e.test:5000 2>&1 | grep 'dynamically loaded' || true)
[[ -z $loaded ]] || die "trustmend's glibc loaded a module of the node: $loaded"
pass "looking up a name no file has: the node's getent loads ${control//file=/}; trustmend fetch loads no module (hosts: $(node sed -n 's/^hosts:[[:space:]]*//p' /etc/nsswitch.conf))"
