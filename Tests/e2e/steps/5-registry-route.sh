# shellcheck shell=bash
# Tests/e2e/run.sh, step 5: the registry route (route: auto): containerd with config_path and dockerd
# repaired through their certs.d, both MainPIDs unchanged, nothing in the system store; failure logged ->
# pull works over 25 repairs with the shipped debounce (pull_latency.py); purge leaves no certs.d behind.
# shellcheck source=Tests/e2e/run-lib.sh
source "${BASH_SOURCE[0]%/*}/../run-lib.sh"   # loaded by run.sh already: the helpers, lib.sh, the state

say "5. The registry route: containerd reads /etc/containerd/certs.d (config_path), dockerd its own certs.d"
containerd_toml /etc/containerd/certs.d | node tee /etc/containerd/config.toml > /dev/null
echo "{ $daemon_json }" | node tee /etc/docker/daemon.json > /dev/null   # no live-restore: a restart would stop every container
node systemctl restart containerd docker                     # the operator's one-time change
pass "containerd: config_path = \"/etc/containerd/certs.d\"; docker: live-restore off again"
install_trustmend
configure <<'YAML'
mode: enforce
route: auto
allow:
  - host: scoped.e2e.test
  - host: self.e2e.test
debounce: 1s
YAML
pids=$(engine_pids)
note "containerd and dockerd MainPIDs: $pids"

say "5. scoped.e2e.test: a CRI pull fails; trustmend writes containerd's certs.d, no restart"
m=$(mark)
repaired_via_certs_d "registry route" cri containerd scoped.e2e.test "$scoped_sha" "Scoped Corp Issuing CA" "$scoped_image"

say "5. self.e2e.test: a lone self-signed CA:FALSE certificate; docker pull repaired through docker's certs.d"
repaired_via_certs_d "registry route" docker docker self.e2e.test "$self_sha" "self.e2e.test's own certificate (CA:FALSE)" "$self_image"

# Issue 17, item 1: the default view (MESSAGE only) names each host, its anchor, the certs.d file and the route.
view_says "$m" "installed the anchor of scoped.e2e.test:5000, " "(sha256 ${scoped_sha:0:16}…)" \
  "as /etc/containerd/certs.d/scoped.e2e.test:5000/trustmend-" "on the registry route" "trustmend remove scoped.e2e.test:5000"
view_says "$m" "installed the anchor of self.e2e.test:5000, " "(sha256 ${self_sha:0:16}…)" \
  "as /etc/docker/certs.d/self.e2e.test:5000/trustmend-" "on the registry route" "trustmend remove self.e2e.test:5000"
view_says "$m" "the chain of scoped.e2e.test:5000 now verifies against " "no restart needed"
engines_kept "$pids"
[[ -z $(events "$m" "$id_requested") ]] || die "trustmend asked for a restart"
[[ -z $(node sh -c 'ls /usr/local/share/ca-certificates/trustmend-* 2>/dev/null') ]] || die "an anchor was added to the system anchor directory"
node grep -q "$(sed -n 2p "$pki/scoped-issuing.pem")" /etc/ssl/certs/ca-certificates.crt && die "the scoped CA is in the system bundle"
pass "no restart requested; nothing in /usr/local/share/ca-certificates or the system bundle"
metric 'trustmend_repairs_total{result="installed",route="registry"}' 2
metric 'trustmend_anchors{route="registry"}' 2
metric 'trustmend_anchors{route="system"}' 0
metric 'trustmend_restarts_total{result="completed",unit="containerd.service"}' 0
node trustmend list | sed 's/^/    | /'

# Issue 17, item 4: the registry route does not wait for the debounce window (5 s by default), which only
# the system route's update tool and restarts need. Each run takes the anchor out again (trustmend remove),
# so the next CRI pull fails and is repaired; containerd is never restarted.
runs=25
say "5. Failure logged -> pull works on the registry route, with the shipped defaults: $runs repairs"
configure <<'YAML'
mode: enforce
allow:
  - host: scoped.e2e.test
# The one default changed: the hourly cap of 10 would refuse the eleventh install of the hour.
max_installs_per_hour: 100
YAML
note "route: auto and debounce: 5s as shipped; max_installs_per_hour: 100"
rc=0 out=$(node python3 /usr/local/lib/e2e/pull_latency.py "$scoped_image" scoped.e2e.test:5000 "$runs" "$id_installed") || rc=$?
printf '%s\n' "$out" | sed 's/^/    | /'
((rc == 0)) || die "the registry route's repairs did not all happen (above)"
for what in "anchor installed" "pull works"; do
  line=$(grep "^failure logged -> $what:" <<<"$out" || true)
  [[ $line =~ p50\ ([0-9.]+)\ s,\ p99\ ([0-9.]+)\ s ]] || die "no p50/p99 in: $line"
  timed "registry route: logged -> $what, p50" "${BASH_REMATCH[1]}"
  timed "registry route: logged -> $what, p99" "${BASH_REMATCH[2]}"
done
pass "$runs registry-route repairs: each pull failed, was repaired through certs.d and then worked"
engines_kept "$pids"

say "5. Removal: purge takes the certs.d anchors and the directories trustmend created"
purge_trustmend
left=$(node sh -c 'ls -d /etc/docker/certs.d /etc/containerd/certs.d 2>/dev/null' || true)
[[ -z $left ]] || die "left behind: $left"
pass "no trustmend file or directory left under /etc/docker/certs.d or /etc/containerd/certs.d"
