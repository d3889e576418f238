# shellcheck shell=bash
# Tests/e2e/old-node.sh, step d: dpkg --purge takes the anchors, the CAs in the bundle and the state
# away, and leaves the operator's drop-in.
# shellcheck source=Tests/e2e/old-node/lib.sh
source "${BASH_SOURCE[0]%/*}/../lib.sh"   # loaded by old-node.sh already: the helpers, lib.sh, the state

say "d. dpkg --purge trustmend: anchors gone, the bundle rebuilt, the state gone"
node dpkg --purge trustmend 2>&1 | sed 's/^/    | /'
node systemctl is-active -q trustmend && die "trustmend still running after purge"
# shellcheck disable=SC2016  # dpkg-query's own ${Status}
node dpkg-query -W -f='${Status}' trustmend 2>/dev/null | grep -qx 'install ok installed' && die "dpkg still lists trustmend as installed"
for p in /var/lib/trustmend /etc/trustmend /usr/bin/trustmend /usr/lib/trustmend; do
  node test -e "$p" && die "$p is still there"
done
pass "stopped; /var/lib/trustmend, /etc/trustmend, /usr/bin/trustmend, /usr/lib/trustmend gone"
node sh -c 'ls /usr/local/share/ca-certificates/trustmend-*.crt /etc/docker/certs.d/*/trustmend-*.crt' 2>/dev/null && die "an anchor file is left"
left=$(node sh -c 'ls -d /etc/docker/certs.d/* /etc/containerd/certs.d/* 2>/dev/null' || true)
[[ -z $left ]] || die "left behind: $left"
in_bundle issuing.pem "$debian_bundle" && die "the E2E Corp Issuing CA is still in $debian_bundle"
in_bundle seccomp-issuing.pem "$debian_bundle" && die "the Seccomp Corp Issuing CA is still in $debian_bundle"
count=$(node grep -c 'BEGIN CERTIFICATE' "$debian_bundle")
((count > 100)) || die "$debian_bundle holds only $count certificates"
pass "no trustmend-*.crt left (system anchors, docker's certs.d); both CAs gone from $debian_bundle, which holds the distro's $count again"
node test -f "$dropin_dir/kernel-4.19.conf" || die "dpkg --purge removed the operator's drop-in $dropin_dir/kernel-4.19.conf"
pass "the operator's drop-in $dropin_dir/kernel-4.19.conf is still there (it stays on for step e)"
