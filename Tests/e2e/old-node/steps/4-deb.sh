# shellcheck shell=bash
# Tests/e2e/old-node.sh, step b: the .deb installs with dpkg on bullseye and runs with its own loader;
# trustmend's glibc loads none of the node's NSS modules.
# shellcheck source=Tests/e2e/old-node/lib.sh
source "${BASH_SOURCE[0]%/*}/../lib.sh"   # loaded by old-node.sh already: the helpers, lib.sh, the state

say "b. Install the .deb with dpkg on bullseye (glibc $(version_of libc6 | cut -d- -f1))"
[[ -n $deb ]] || die "no packaging/out/trustmend_*_amd64.deb to install (bash packaging/build deb)"
note "Depends: $(dpkg-deb -f "$root$deb" Depends)"
tb=$(now_us)
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
