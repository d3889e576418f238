# shellcheck shell=bash
# Tests/e2e/run.sh, step 7: the guide's own case (FACTS §23, issue 19). origin.e2e.test, whose CA the node
# trusts, redirects blob downloads to cdn.e2e.test:8443, whose CA it lacks: containerd names the CDN host,
# dockerd names no host at all; trustmend repairs containerd's pull on the registry route (the CDN's CA in
# certs.d/origin.e2e.test:5000, no restart); dockerd's lines name no host, a kubelet line names the image,
# and trustmend traces it and repairs the CDN in docker's certs.d (issue 19, item 2). guarded.e2e.test wants
# a token from token.e2e.test:5001, whose CA the node lacks: the CRI pull fails on the token host and
# trustmend repairs it (the route it takes is printed); dockerd's failure there is measured. Last, the CDN
# case again on the system route (route: system): the CDN's CA in the node's anchors, containerd restarted.
# `trustmend trace` is checked before and after each repair.
# shellcheck source=Tests/e2e/run-lib.sh
source "${BASH_SOURCE[0]%/*}/../run-lib.sh"   # loaded by run.sh already: the helpers, lib.sh, the state

# skip_note TEXT: a check that does not run with this binary, said so in the output and the timings.
skip_note() { printf '    \033[33m- SKIPPED:\033[0m %s\n' "$*"; }
# trust_by_hand CA NAME: the node's own CA procedure for the PKI's CA.pem as NAME.crt (the RHEL family's
# anchors and update-ca-trust after step 6, Debian's otherwise), then both engines restarted to load it.
trust_by_hand() {
  if node test -d /etc/pki/ca-trust/source/anchors; then
    node cp "/etc/e2e/pki/$1.pem" "/etc/pki/ca-trust/source/anchors/$2.crt"
    node update-ca-trust extract
  else
    node cp "/etc/e2e/pki/$1.pem" "/usr/local/share/ca-certificates/$2.crt"
    node update-ca-certificates > /dev/null 2>&1
  fi
  node systemctl restart containerd docker
}
# engine_lines UNIT SINCE: the engine's x509 lines since the mark, as journald holds them (MESSAGE only).
engine_lines() { node journalctl --no-pager -q -o cat -u "$1" --since="$2" | grep -F 'x509: certificate signed by unknown authority'; }
# trace_json IMAGE: `trustmend trace --json IMAGE`; sets $trace_out, $trace_rc and its time under LABEL.
trace_json() {
  local tb; tb=$(now_us)
  trace_rc=0 trace_out=$(node trustmend trace --json "$1" 2>/dev/null) || trace_rc=$?
  timed "trustmend trace $2" "$(since "$tb")"
}
# trace_says WHAT PYTHON: the expression PYTHON holds for t, the trace's JSON (any, all, hop(), failing()
# at hand); passes with WHAT, or prints the trace and fails.
trace_says() {
  local what=$1 expr=$2
  if ! node /usr/bin/python3 -c '
import json, sys
t = json.loads(sys.stdin.read())
hops = t.get("hops", [])
def hop(host, role=None): return [h for h in hops if h.get("host") == host and (role is None or h.get("role") == role)]
def failing(engine=None, host=None, role=None):
    return [f for f in t.get("failing", []) if (engine is None or f.get("engine") == engine)
            and (host is None or f.get("host") == host) and (role is None or f.get("role") == role)]
sys.exit(0 if eval(sys.argv[1]) else 1)' "$expr" <<<"$trace_out"; then
    printf '%s\n' "$trace_out" | head -60 | sed 's/^/    | /' >&2
    die "trustmend trace (exit $trace_rc): not $what"
  fi
  pass "trustmend trace: $what"
}

say "7. A registry whose blobs come from a CDN: origin.e2e.test (its CA trusted), cdn.e2e.test:8443 (not)"
tb=$(now_us)
for a in 5 6 7 8; do node ip addr add "10.99.0.$a/32" dev lo; done
trust_by_hand origin e2e-origin
pass "Origin Corp CA trusted the node's own way, containerd and dockerd restarted to load it"
node systemctl start e2e-registry@origin e2e-registry@guarded
# The CDN serves the registries' storage directory (as the registry's own user), the token server tokens.
node systemd-run -q --unit=e2e-cdn -p User=docker-registry /usr/bin/python3 /usr/local/lib/e2e/tls_server.py static \
  10.99.0.6 8443 /etc/e2e/pki/cdn-leaf-chain.pem /etc/e2e/pki/cdn-leaf.key /var/lib/docker-registry
node systemd-run -q --unit=e2e-token -p User=nobody /usr/bin/python3 /usr/local/lib/e2e/tls_server.py token \
  10.99.0.8 5001 /etc/e2e/pki/token-leaf-chain.pem /etc/e2e/pki/token-leaf.key /etc/e2e/pki/token-signer e2e-token
up() { for _ in $(seq 100); do node curl -so /dev/null --cacert "/etc/e2e/pki/$1.pem" "$2" && return; sleep 0.1; done; die "$2 is not up"; }
up origin https://origin.e2e.test:5000/v2/
up origin https://guarded.e2e.test:5000/v2/
up cdn https://cdn.e2e.test:8443/
up token 'https://token.e2e.test:5001/token?service=guarded.e2e.test:5000'
node skopeo copy -q --dest-cert-dir /etc/e2e/skopeo-certs oci:/etc/e2e/oci-cdn:1.0 "docker://$cdn_image"
timed "7: start 2 registries, the CDN, the token server; push" "$(since "$tb")"
pass "origin, guarded.e2e.test:5000, cdn.e2e.test:8443 and token.e2e.test:5001 are up; pushed $cdn_image"
# The redirect as the engines meet it: the config blob's GET answers 307 to the CDN, which serves it.
config=$(node python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' /etc/e2e/oci-cdn/index.json)
config=$(node cat "/etc/e2e/oci-cdn/blobs/sha256/${config#sha256:}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["config"]["digest"])')
location=$(node curl -s -o /dev/null -w '%{redirect_url}' --cacert /etc/e2e/pki/origin.pem \
  "https://origin.e2e.test:5000/v2/e2e/cdn/blobs/$config")
[[ $location == "https://cdn.e2e.test:8443/docker/registry/v2/blobs/sha256/"*"/data" ]] ||
  die "origin.e2e.test does not redirect the config blob to the CDN: '$location'"
node curl -sf -o /dev/null --cacert /etc/e2e/pki/cdn.pem "$location" || die "the CDN does not serve $location"
pass "GET /v2/e2e/cdn/blobs/${config:0:19}… → 307 $location (served)"
# The token's way: guarded.e2e.test answers 401 naming the token server.
challenge=$(node curl -s -o /dev/null -D - --cacert /etc/e2e/pki/origin.pem https://guarded.e2e.test:5000/v2/ |
  tr -d '\r' | sed -n 's/^[Ww]ww-[Aa]uthenticate: //p')
[[ $challenge == *'realm="https://token.e2e.test:5001/token"'* ]] || die "guarded.e2e.test's challenge: '$challenge'"
pass "guarded.e2e.test:5000/v2/ → 401 $challenge"

say "7. Without trustmend: containerd names the CDN host; dockerd names neither host nor image"
m=$(mark) tb=$(now_us)
expect_fail "CRI PullImage $cdn_image" cri_pull "$cdn_image"
timed "7: CRI pull, failing on the CDN" "$(since "$tb")"
out=$(cri_pull "$cdn_image" 2>&1 || true)
[[ $out == *'"https://cdn.e2e.test:8443/docker/registry/v2/blobs/sha256/'* ]] || die "the CRI error does not name the CDN's URL: $out"
pass "the CRI error names https://cdn.e2e.test:8443/docker/registry/v2/blobs/…"
lines=$(engine_lines containerd.service "$m") || die "no x509 line in journalctl -u containerd"
grep -qF 'cdn.e2e.test:8443' <<<"$lines" || die "containerd's x509 lines do not name cdn.e2e.test:8443: $lines"
note "containerd logged ($(wc -l <<<"$lines") x509 lines), the first:"
note "| ${lines%%$'\n'*}"
m=$(mark) tb=$(now_us)
expect_fail "docker pull $cdn_image" docker_pull "$cdn_image"
timed "7: docker pull, failing on the CDN" "$(since "$tb")"
lines=$(engine_lines docker.service "$m") || die "no x509 line in journalctl -u docker"
note "dockerd logged ($(wc -l <<<"$lines") x509 lines):"
while IFS= read -r l; do note "| $l"; done <<<"$lines"
if grep -E 'cdn\.e2e\.test|origin\.e2e\.test|e2e/cdn' <<<"$lines"; then die "a dockerd x509 line names a host or the image (above)"; fi
pass "no dockerd x509 line names cdn.e2e.test, origin.e2e.test or e2e/cdn (FACTS §23)"

say "7. trustmend, route: auto: the CDN host allowed for origin.e2e.test:5000, the token host for guarded…"
install_trustmend
configure <<'YAML'
mode: enforce
route: auto
allow:
  - host: cdn.e2e.test
    registries: ["origin.e2e.test:5000"]     # its CA may go into that registry's certs.d
  - host: token.e2e.test
    registries: ["guarded.e2e.test:5000"]
debounce: 1s
restart:
  min_interval: 1s
YAML
pids=$(engine_pids)
# `trustmend help trace` exits 0 with the overview when there is no such subcommand: look for its usage.
has_trace=""
if node trustmend help trace 2>&1 | grep -q '^USAGE: trustmend trace'; then has_trace=1; fi
[[ -n $has_trace ]] || die "the installed trustmend has no trace subcommand (trustmend help trace)"
if [[ -n $has_trace ]]; then
  trace_json "$cdn_image" "(CDN, before the repair)"
  ((trace_rc == 1)) || die "trustmend trace $cdn_image exits $trace_rc before the repair, expected 1"
  trace_says "origin.e2e.test is the registry and its chain verifies against the bundle" \
    'hop("origin.e2e.test", "registry") and all((h["bundle"] or {}).get("verifies") for h in hop("origin.e2e.test", "registry"))'
  trace_says "cdn.e2e.test:8443 is the redirect and does not verify" \
    'hop("cdn.e2e.test", "redirect") and not any((h["bundle"] or {}).get("verifies") for h in hop("cdn.e2e.test", "redirect"))'
  trace_says "cdn.e2e.test fails for both engines (role redirect)" \
    'failing("containerd", "cdn.e2e.test", "redirect") and failing("docker", "cdn.e2e.test", "redirect")'
  trace_says "no other host fails" 'all(f["host"] == "cdn.e2e.test" for f in t["failing"])'
  note "trustmend trace $cdn_image, as an operator reads it:"
  node trustmend trace "$cdn_image" 2>&1 | sed 's/^/    | /' || true
else
  skip_note "trustmend trace (CDN, before the repair): this trustmend has no 'trace' subcommand"
fi

say "7. containerd's CRI pull: trustmend puts the CDN's CA into certs.d/origin.e2e.test:5000, no restart"
m=$(mark) tf=$(now_us)
expect_fail "CRI PullImage $cdn_image" cri_pull "$cdn_image"
wait_event "$m" "$id_detected" detected TRUSTMEND_HOST=cdn.e2e.test
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=cdn.e2e.test TRUSTMEND_ROUTE=registry
timed "7: failed CRI pull (CDN) -> anchor in certs.d" "$(span "$tf" "$event_at")"
files=$(node sh -c 'ls /etc/containerd/certs.d/origin.e2e.test:5000/trustmend-*.crt')
[[ $(node cat "$files" | fingerprint) == "$cdn_sha" ]] || die "$files is not the CDN Corp CA"
pass "$files is the CDN Corp CA (sha256 ${cdn_sha:0:16}…), in the registry's directory, not the CDN's"
view_says "$m" "installed the anchor of cdn.e2e.test:8443, " "as /etc/containerd/certs.d/origin.e2e.test:5000/trustmend-" "on the registry route"
out=$(cri_pull "$cdn_image") || die "CRI PullImage $cdn_image still fails"
timed "7: failed CRI pull (CDN) -> CRI pull works" "$(since "$tf")"
pass "CRI PullImage $cdn_image works → $out"
engines_kept "$pids"
[[ -z $(events "$m" "$id_requested") ]] || die "trustmend asked for a restart"
if [[ -n $has_trace ]]; then
  trace_json "$cdn_image" "(CDN, after the repair)"
  trace_says "after the registry-route repair no host fails for containerd" 'not failing("containerd")'
  trace_says "cdn.e2e.test verifies against containerd's certs.d/origin.e2e.test:5000" \
    'any((h["certs_d"].get("containerd") or {}).get("verifies") for h in hop("cdn.e2e.test", "redirect"))'
  trace_says "cdn.e2e.test still fails for docker (its certs.d has nothing)" 'failing("docker", "cdn.e2e.test", "redirect")'
else
  skip_note "trustmend trace (CDN, after the repair): this trustmend has no 'trace' subcommand"
fi

say "7. dockerd's pull: its lines name no host; a kubelet line names the image, trustmend traces it and repairs the CDN in docker's certs.d"
m=$(mark) tf=$(now_us)
expect_fail "docker pull $cdn_image" docker_pull "$cdn_image"
lines=$(engine_lines docker.service "$m") || die "no x509 line in journalctl -u docker"
scan=$(node trustmend scan --json <<<"$lines")
node /usr/bin/python3 -c 'import json, sys; d = [json.loads(l) for l in sys.stdin]; sys.exit(not d or any(x["host"] or x["engine"] != "dockerd" for x in d))' <<<"$scan" ||
  die "trustmend scan should find dockerd's lines, each with no endpoint: $scan"
pass "trustmend scan: $(wc -l <<<"$scan") dockerd detections, each \"host\":null (the line names no endpoint)"
# Alone, such a line waits up to 30 s for a line naming its image (issue 19, item 2): nothing is done yet.
trustmend_said() { node journalctl --no-pager -q -o cat --since="$1" _SYSTEMD_UNIT=trustmend.service || true; }
sleep 3
[[ -z $(events "$m" "$id_installed") ]] || die "trustmend installed something for a line that names no host, before any line named its image"
pass "dockerd's lines alone: nothing installed (they wait for a line that names the image)"
# kubelet's line for the same pull names the image, from kubelet.service (a trusted unit): the daemon traces
# the image (its registry is named in the CDN rule's registries) and repairs the first host docker refuses,
# the CDN, in docker's certs.d for origin.e2e.test:5000, without a restart.
node systemd-run -q --wait --collect --unit=kubelet -p SyslogIdentifier=kubelet /bin/echo \
  "E1201 00:00:00.000000    4242 kuberuntime_image.go:53] Failed to pull image \"$cdn_image\": rpc error: code = Unknown desc = error pulling image configuration: download failed after attempts=6: x509: certificate signed by unknown authority"
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=cdn.e2e.test TRUSTMEND_ROUTE=registry TRUSTMEND_UNIT=docker.service
traced=$(trustmend_said "$m" | grep -m1 "traced\|trace of\|cdn.e2e.test:8443" || true)
[[ -n $traced ]] && note "trustmend: $traced"
files=$(node sh -c 'ls /etc/docker/certs.d/origin.e2e.test:5000/trustmend-*.crt')
[[ $(node cat "$files" | fingerprint) == "$cdn_sha" ]] || die "$files is not the CDN Corp CA"
pass "$files is the CDN Corp CA"
out=$(docker_pull "$cdn_image") || die "docker pull $cdn_image still fails"
timed "7: failed docker pull + kubelet line -> docker pull works" "$(since "$tf")"
pass "docker pull $cdn_image works"
engines_kept "$pids"

say "7. A token server with a CA the node lacks: the CRI pull fails on token.e2e.test:5001"
if [[ -n $has_trace ]]; then
  trace_json "$token_image" "(token, before the repair)"
  ((trace_rc == 1)) || die "trustmend trace $token_image exits $trace_rc before the repair, expected 1"
  trace_says "token.e2e.test fails (role token), for containerd" 'failing("containerd", "token.e2e.test", "token")'
  trace_says "guarded.e2e.test is the registry and verifies" \
    'hop("guarded.e2e.test", "registry") and all((h["bundle"] or {}).get("verifies") for h in hop("guarded.e2e.test", "registry"))'
else
  skip_note "trustmend trace (token): this trustmend has no 'trace' subcommand"
fi
m=$(mark) tf=$(now_us)
expect_fail "CRI PullImage $token_image" cri_pull "$token_image"
out=$(cri_pull "$token_image" 2>&1 || true)
[[ $out == *'failed to fetch anonymous token: Get "https://token.e2e.test:5001/token?'* ]] || die "the CRI error does not name the token server: $out"
pass "the CRI error names the token server: …${out##*failed to authorize: }"
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=token.e2e.test
route=$(events "$m" "$id_installed" TRUSTMEND_HOST=token.e2e.test | sed -n 's/.* on the \([a-z]*\) route.*/\1/p' | head -1)
note "trustmend took the ${route:-?} route for token.e2e.test:5001"
if [[ $route == system ]]; then
  wait_event "$m" "$id_completed" restart-completed TRUSTMEND_UNIT=containerd.service
else
  files=$(node sh -c 'ls /etc/containerd/certs.d/guarded.e2e.test:5000/trustmend-*.crt')
  [[ $(node cat "$files" | fingerprint) == "$token_sha" ]] || die "$files is not the Token Corp CA"
  pass "$files is the Token Corp CA"
fi
out=$(cri_pull "$token_image") || die "CRI PullImage $token_image still fails"
timed "7: failed CRI pull (token) -> CRI pull works" "$(since "$tf")"
pass "CRI PullImage $token_image works (a token from token.e2e.test:5001) → $out"
# dockerd names the token host too, inside the registry's own request (measured: its certs.d for
# guarded.e2e.test:5000 repairs it, as containerd's does). What the daemon does with it is printed, not
# asserted: it depends on the route containerd's repair took just before.
m=$(mark)
expect_fail "docker pull $token_image" docker_pull "$token_image"
lines=$(engine_lines docker.service "$m") || die "no x509 line in journalctl -u docker"
grep -qF '"https://token.e2e.test:5001/token?' <<<"$lines" || die "dockerd's lines do not name the token server: $lines"
note "dockerd logged:"
while IFS= read -r l; do note "| $l"; done <<<"$lines"
wait_event "$m" "$id_detected" detected TRUSTMEND_HOST=token.e2e.test TRUSTMEND_UNIT=docker.service
sleep 2
note "then trustmend said:"
default_view "$m" | grep -F ' trustmend[' | sed 's/^[^]]*\]: /    | /'

say "7. The system route, as the CCE procedure: the CDN's CA into the node's anchors, containerd restarted"
purge_trustmend
# containerd forgets the image and its blobs, so that the next pull goes to the CDN again.
refs=$(node ctr -n k8s.io images ls -q | grep -e /e2e/cdn -e "^$config\$")
# shellcheck disable=SC2086  # one reference per word
node ctr -n k8s.io images rm --sync $refs > /dev/null
if node ctr -n k8s.io content ls -q | grep -qx "$config"; then die "containerd still holds the config blob $config"; fi
pass "containerd forgot $(wc -w <<<"$refs") references to the image and its content"
install_trustmend
configure <<'YAML'
mode: enforce
route: system
allow:
  - host: cdn.e2e.test
debounce: 1s
restart:
  min_interval: 1s
YAML
m=$(mark) tf=$(now_us)
expect_fail "CRI PullImage $cdn_image" cri_pull "$cdn_image"
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=cdn.e2e.test TRUSTMEND_ROUTE=system
wait_event "$m" "$id_completed" restart-completed TRUSTMEND_UNIT=containerd.service
timed "7: system route: failed CRI pull (CDN) -> containerd restarted" "$(span "$tf" "$event_at")"
files=$(node sh -c 'ls /etc/pki/ca-trust/source/anchors/trustmend-*.crt /usr/local/share/ca-certificates/trustmend-*.crt 2>/dev/null' || true)
[[ $(wc -l <<<"$files") == 1 && $(node cat "$files" | fingerprint) == "$cdn_sha" ]] || die "expected one anchor, the CDN Corp CA: $files"
pass "$files is the CDN Corp CA"
out=$(cri_pull "$cdn_image") || die "CRI PullImage $cdn_image still fails after containerd's restart"
timed "7: system route: failed CRI pull (CDN) -> CRI pull works" "$(since "$tf")"
pass "CRI PullImage $cdn_image works → $out"

say "7. Removal: purge takes the CDN's anchor away, and the CA out of the bundle"
purge_trustmend
left=$(node sh -c 'ls /etc/docker/certs.d /etc/containerd/certs.d /etc/pki/ca-trust/source/anchors/trustmend-* /usr/local/share/ca-certificates/trustmend-* 2>/dev/null' || true)
[[ -z $left ]] || die "left behind: $left"
for b in /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/certs/ca-certificates.crt; do
  if node test -f "$b" && node grep -q "$(sed -n 2p "$pki/cdn.pem")" "$b"; then die "the CDN Corp CA is still in $b"; fi
done
pass "no trustmend file left in either route's directories; the CDN Corp CA is out of the bundle"
