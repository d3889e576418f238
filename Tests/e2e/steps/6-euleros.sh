# shellcheck shell=bash
# Tests/e2e/run.sh, step 6: the same node made EulerOS-like (os-release, /etc/pki, an update-ca-trust
# running Debian's real p11-kit): the CCE procedure by hand cannot trust a lone CA:FALSE certificate;
# route: system repairs a CA chain through p11-kit and refuses that certificate, naming the registry
# route; route: auto repairs it through certs.d without a restart; purge cleans both routes.
# shellcheck source=Tests/e2e/run-lib.sh
source "${BASH_SOURCE[0]%/*}/../run-lib.sh"   # loaded by run.sh already: the helpers, lib.sh, the state

say "6. An EulerOS-like node: os-release, /etc/pki, update-ca-trust running Debian's real p11-kit (FACTS §9)"
# The trust module reads the RHEL family's sources instead of Debian's bundle; update-ca-trust extracts
# with `trust` as RHEL's does; Go finds no /etc/ssl/certs/ca-certificates.crt (/etc/ssl/certs is a link
# to /etc/pki/tls/certs, as on EulerOS) and reads /etc/pki/tls/certs/ca-bundle.crt.
make_euleros 12
bundle_count() { node grep -c 'BEGIN CERTIFICATE' /etc/pki/tls/certs/ca-bundle.crt; }
in_bundle() { node grep -q "$(sed -n 2p "$pki/$1")" /etc/pki/tls/certs/ca-bundle.crt; }
pass "ID=euleros; update-ca-trust extract: /etc/pki/tls/certs/ca-bundle.crt holds $(bundle_count) CA certificates"
node systemctl restart containerd docker                     # the node "boots" with its new roots
pass "containerd and dockerd restarted: Go now reads /etc/pki/tls/certs/ca-bundle.crt"
tb=$(now_us)
for i in scoped self; do
  node skopeo copy -q --dest-cert-dir /etc/e2e/skopeo-certs oci:/etc/e2e/oci:1.0 "docker://$i.e2e.test:5000/e2e/hello:euler"
done
timed "skopeo push x2" "$(since "$tb")"
euler_scoped=scoped.e2e.test:5000/e2e/hello:euler euler_self=self.e2e.test:5000/e2e/hello:euler

say "6. The CCE guide by hand, for self.e2e.test's CA:FALSE certificate: p11-kit leaves it out, the pull still fails"
node cp /etc/e2e/pki/self.pem /etc/pki/ca-trust/source/anchors/self.e2e.test.crt
node update-ca-trust extract
in_bundle self.pem && die "p11-kit put the CA:FALSE certificate into the bundle: this is not an EulerOS trust store"
pass "update-ca-trust extract: the certificate is not in /etc/pki/tls/certs/ca-bundle.crt ($(bundle_count) certificates)"
node systemctl restart containerd
expect_fail "CRI PullImage $euler_self (after the anchor, update-ca-trust and a containerd restart)" cri_pull "$euler_self"
node rm /etc/pki/ca-trust/source/anchors/self.e2e.test.crt
node update-ca-trust extract
pass "the hand-placed anchor taken away again"

say "6. trustmend, route: system: the CA chain is repaired through p11-kit, the CA:FALSE certificate refused"
install_trustmend
configure <<'YAML'
mode: enforce
route: system
allow:
  - host: scoped.e2e.test
  - host: self.e2e.test
debounce: 1s
restart:
  min_interval: 1s
YAML
doctor=$(node trustmend doctor 2>&1 || true)
grep -q '^\[ OK \] distro: rhel family' <<<"$doctor" || die "doctor does not name the rhel family: $doctor"
grep -q '^\[ OK \] update tool: /usr/bin/update-ca-trust extract' <<<"$doctor" || die "doctor does not name update-ca-trust: $doctor"
grep -q '^\[ OK \] route containerd: auto takes the registry route' <<<"$doctor" || die "doctor: $doctor"
pass "trustmend doctor: rhel family, /usr/bin/update-ca-trust extract, containerd on the registry route under auto"
m=$(mark)
tf=$(now_us)
expect_fail "CRI PullImage $euler_scoped" cri_pull "$euler_scoped"
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=scoped.e2e.test TRUSTMEND_ROUTE=system
wait_event "$m" "$id_completed" restart-completed TRUSTMEND_UNIT=containerd.service
timed "EulerOS, system route: failed CRI pull -> containerd restarted" "$(span "$tf" "$event_at")"
anchors=$(node sh -c 'ls /etc/pki/ca-trust/source/anchors/trustmend-*.crt')
[[ $(wc -l <<<"$anchors") == 1 && $(node cat "$anchors" | fingerprint) == "$scoped_sha" ]] ||
  die "expected one anchor, the Scoped Corp Issuing CA: $anchors"
in_bundle scoped-issuing.pem || die "p11-kit did not put the Scoped Corp Issuing CA into the bundle"
pass "$anchors is the Scoped Corp Issuing CA, and p11-kit put it into /etc/pki/tls/certs/ca-bundle.crt"
ref=$(cri_pull "$euler_scoped") || die "CRI PullImage $euler_scoped still fails after containerd's restart"
timed "EulerOS, system route: failed CRI pull -> CRI pull works" "$(since "$tf")"
pass "CRI PullImage $euler_scoped → $ref"

m=$(mark)
expect_fail "CRI PullImage $euler_self" cri_pull "$euler_self"
wait_event "$m" "$id_refused" refused TRUSTMEND_HOST=self.e2e.test
why=$(node journalctl --no-pager -q -o json --since="$m" _SYSTEMD_UNIT=trustmend.service MESSAGE_ID="$id_refused" |
  /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.stdin.readline()).get("TRUSTMEND_ERROR", ""))')
{ grep -q 'not a CA certificate' <<<"$why" && grep -q 'registry route' <<<"$why"; } || die "the refusal does not say why: $why"
pass "the refusal says: ${why:0:110}…"
[[ $(node sh -c 'ls /etc/pki/ca-trust/source/anchors/ | wc -l') == 1 ]] || die "something else was written to the anchor directory"
pass "nothing written for self.e2e.test"

say "6. route: auto: the same CA:FALSE certificate repaired through certs.d, for containerd and dockerd, no restart"
node sed -i 's/^route: system/route: auto/' /etc/trustmend/config.yaml
restart_trustmend                                            # a new process: the refusal's back-off is gone
pids=$(engine_pids)
repaired_via_certs_d "EulerOS, registry route" cri containerd self.e2e.test "$self_sha" "self.e2e.test's own certificate (CA:FALSE)" "$euler_self"
repaired_via_certs_d "EulerOS, registry route" docker docker self.e2e.test "$self_sha" "self.e2e.test's own certificate (CA:FALSE)" "$euler_self"
engines_kept "$pids"
in_bundle self.pem && die "the CA:FALSE certificate is in the system bundle"
pass "the system bundle does not hold it"

say "6. Removal on the EulerOS node: purge takes both routes' files; update-ca-trust drops the CA from the bundle"
purge_trustmend
node sh -c 'ls /etc/pki/ca-trust/source/anchors/trustmend-*.crt' 2>/dev/null && die "an anchor file is left"
in_bundle scoped-issuing.pem && die "the Scoped Corp Issuing CA is still in the bundle"
left=$(node sh -c 'ls -d /etc/docker/certs.d /etc/containerd/certs.d 2>/dev/null' || true)
[[ -z $left ]] || die "left behind: $left"
pass "no anchor in /etc/pki/ca-trust/source/anchors, the CA gone from the bundle, no certs.d left"
