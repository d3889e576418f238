# shellcheck shell=bash disable=SC2034  # sets state for the later steps
# Tests/e2e/old-node.sh, step e: the node made EulerOS-like (os-release, /etc/pki, update-ca-trust
# running bullseye's p11-kit); the .rpm installed with rpm -i, its %post starting the unit and removing a
# drop-in for systemd < 239. Sets $euler_bundle and $old_dropin.
# shellcheck source=Tests/e2e/old-node/lib.sh
source "${BASH_SOURCE[0]%/*}/../lib.sh"   # loaded by old-node.sh already: the helpers, lib.sh, the state

say "e. The node made EulerOS-like: os-release of EulerOS 2.9, /etc/pki, update-ca-trust running bullseye's p11-kit"
# As run.sh step 6: p11-kit's trust module reads the RHEL family's sources, update-ca-trust extracts with
# `trust` as RHEL's does, and Go finds /etc/pki/tls/certs/ca-bundle.crt (/etc/ssl/certs is a link there);
# nsswitch.conf's hosts line as RHEL 8 has it.
make_euleros 9
euler_bundle=/etc/pki/tls/certs/ca-bundle.crt
count=$(node grep -c 'BEGIN CERTIFICATE' "$euler_bundle")
((count > 100)) || die "$euler_bundle holds only $count certificates"
pass "ID=euleros; update-ca-trust extract (p11-kit $(version_of p11-kit)): $euler_bundle holds $count CA certificates"
node systemctl restart containerd docker                     # the node "boots" with its new roots
pass "containerd and dockerd restarted: Go now reads $euler_bundle"
expect_fail "CRI PullImage $image (the EulerOS-like store does not have E2E Corp)" cri_pull "$image"

say "e. Install the .rpm with rpm -i (rpm $(version_of rpm | cut -d+ -f1))"
[[ -n $rpm ]] || die "no packaging/out/trustmend-*.x86_64.rpm to install (bash packaging/build rpm)"
rpm -qp --nosignature --requires "$root$rpm" 2>/dev/null | sort -u | sed 's/^/    Requires: /'
node rpm --initdb
# Debian's rpm refuses to install anything without --force-debian (Debian's own patch: use dpkg); that
# switch bypasses no dependency. The node's rpm database is empty: what it lacks is what the package
# requires. Only packages every EulerOS/CentOS node has may be missing; anything else fails the test.
rhel_base='^(ca-certificates|systemd|systemd-units|/bin/sh|/usr/bin/sh|/bin/bash|bash|coreutils|grep|sed|util-linux|p11-kit|p11-kit-trust|shadow-utils|glibc|filesystem)( |$)'
wanted=$(node rpm -i --test --force-debian "$rpm" 2>&1 | sed -n 's/^[[:space:]]*\(.*\) is needed by .*/\1/p' || true)
others=$(grep -Ev "$rhel_base" <<<"$wanted" || true)
[[ -z $others ]] || die "rpm -i: requirements an EulerOS 2.9 / CentOS 7 node may lack: $(tr '\n' ';' <<<"$others")"
nodeps=()
if [[ -n $wanted ]]; then
  note "the node's rpm database lacks (RHEL-family base packages; installed with --nodeps): $(tr '\n' ' ' <<<"$wanted")"
  nodeps=(--nodeps)
fi
# As if the node had run systemd < 239 when an earlier package was installed: this one's %post, on 247,
# must replace that drop-in with 247's (packaging/old-systemd.sh).
old_dropin=$dropin_dir/50-old-systemd.conf
sh "$repo/packaging/old-systemd.sh" --print 237 | node tee "$old_dropin" > /dev/null
tb=$(now_us)
out=$(node rpm -i --force-debian "${nodeps[@]}" "$rpm" 2>&1) || { show "$out"; die "rpm -i failed"; }
[[ -z $out ]] || show "$out"
timed "rpm -i trustmend" "$(since "$tb")"
node systemctl is-enabled -q trustmend || die "the %post did not enable trustmend.service"
node systemctl is-active -q trustmend || { node systemctl status trustmend --no-pager -l || true; die "the %post did not start trustmend.service"; }
pass "rpm -i${nodeps:+ ${nodeps[*]}}: its %post enabled and started trustmend.service ($(node rpm -q trustmend))"
sv=$(node systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
[[ $(node cat "$old_dropin") == "$(sh "$repo/packaging/old-systemd.sh" --print "$sv")" ]] ||
  die "the %post did not rewrite $old_dropin for systemd $sv: $(node cat "$old_dropin" 2>&1 | tail -n1)"
pass "the %post rewrote the drop-in of systemd < 239 ($old_dropin) for this node's systemd $sv: setpriority allowed, the allow-list kept"
filter=$(node systemctl show -p SystemCallFilter --value trustmend)
grep -qw clone3 <<<"$filter" && die "the kernel-4.19 drop-in is not in effect for the rpm's unit"
pass "the kernel-4.19 drop-in applies to the rpm's unit too"
