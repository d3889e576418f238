# shellcheck shell=bash
# Tests/e2e/run.sh, step 3: install trustmend, allow the registry, enforce (route: system): trustmend
# installs the anchor, verifies it, restarts containerd (the pull now works) and defers docker (no
# live-restore); with live-restore on, docker's next failure gets it restarted too.
# shellcheck source=Tests/e2e/run-lib.sh
source "${BASH_SOURCE[0]%/*}/../run-lib.sh"   # loaded by run.sh already: the helpers, lib.sh, the state

say "3. Install trustmend"
tb=$(now_us) installed_at=$(mark)
install_trustmend
node systemctl is-active -q trustmend || { node systemctl status trustmend --no-pager || true; die "trustmend is not running"; }
timed "install trustmend" "$(since "$tb")"
pass "trustmend.service is active (out of the box it only reports)"

say "3. Configure: the system route, allow registry.e2e.test (and forged.e2e.test, see step 4), enforce"
configure <<'EOF'
mode: enforce
route: system                 # the CCE procedure: anchor directory, update tool, engine restart
allow:
  - host: registry.e2e.test
  - host: forged.e2e.test     # allowed, so that only the forged entries' source can keep it out
debounce: 1s
restart:
  docker: when-live-restore
  min_interval: 1s
EOF
m=$restarted_at
exited=$(node journalctl --no-pager -q -o cat --since="$m" -u trustmend | grep -m1 'Main process exited' || true)
[[ -z $exited ]] || die "trustmend did not stop cleanly on SIGTERM (the restart): '${exited#*: }'"
# A quiet start (two of them: the package's, then this restart): the unit's SystemCallFilter=~setpriority:0
# keeps libdispatch's "Failed to set thread priority" lines out, and nothing else at warning or above
# (systemd's own words about the unit included: -u).
noise=$(node journalctl --no-pager -q -o cat --since="$installed_at" -u trustmend | grep 'Failed to set thread priority' || true)
[[ -z $noise ]] || die "libdispatch complained at start ($(wc -l <<<"$noise") lines): ${noise%%$'\n'*}"
# One kind of systemd line is this VM's, not the unit's: under load the nested cgroup file system answers
# systemd's own cgroup operations with EIO ("Failed to kill control group …", "Failed to migrate
# controller cgroups …: Input/output error"); it is left out, and nothing else.
noise=$(node journalctl --no-pager -q -o short-monotonic --since="$installed_at" -u trustmend -p warning |
  grep -Ev 'systemd\[1\]: trustmend\.service: Failed to (kill control group|migrate controller cgroups from) [^ ]*(, ignoring)?: Input/output error' || true)
[[ -z $noise ]] || die "warnings at start: $noise"
pass "two starts, nothing at warning or above and no 'Failed to set thread priority' in journalctl -u trustmend"
# Issue 17, item 1: in the default view, trustmend's own lines over both starts are its start and stop
# sentences (systemd's lines about the unit aside).
noise=$(default_view "$installed_at" | grep -E ' trustmend\[[0-9]+\]: ' |
  grep -vE ' trustmend\[[0-9]+\]: (trustmend started: (enforce|report) mode|trustmend stopped$)' || true)
[[ -z $noise ]] || die "start-up noise in journalctl -u trustmend: $noise"
view_says "$installed_at" "trustmend started: enforce mode, 2 allow rules, distro debian"

# The engines fail one after the other here, to show each decision on its own (failing together, within
# one debounce window, both would be restarted by one batch).
say "3. containerd's failure again: trustmend installs, verifies, restarts containerd"
m=$(mark)
tf=$(now_us)
expect_fail "CRI PullImage $image" cri_pull "$image"
wait_event "$m" "$id_detected" detected TRUSTMEND_HOST=registry.e2e.test
timed "failed CRI pull -> detected" "$(span "$tf" "$event_at")"
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=registry.e2e.test
timed "failed CRI pull -> anchor installed (debounce 1s)" "$(span "$tf" "$event_at")"
wait_event "$m" "$id_verified" verified TRUSTMEND_HOST=registry.e2e.test
wait_event "$m" "$id_completed" restart-completed TRUSTMEND_UNIT=containerd.service
timed "failed CRI pull -> containerd restarted" "$(span "$tf" "$event_at")"
anchors=$(node sh -c 'ls /usr/local/share/ca-certificates/trustmend-*.crt')
[[ $(wc -l <<<"$anchors") == 1 ]] || die "expected one anchor, found: $anchors"
[[ $(node cat "$anchors" | fingerprint) == "$anchor_sha" ]] || die "$anchors is not the issuing CA"
pass "$anchors is the issuing CA (sha256 ${anchor_sha:0:16}…)"
node grep -q "$(sed -n 2p "$pki/issuing.pem")" /etc/ssl/certs/ca-certificates.crt || die "the CA is not in the bundle"
pass "it is in /etc/ssl/certs/ca-certificates.crt"
# Issue 17, item 1: the default view (MESSAGE only) says it all: the host, the anchor, the file, the unit,
# and the command that undoes it.
view_says "$m" "registry.e2e.test:5000" "is signed by an unknown authority; the host is allowed"
view_says "$m" "installed the anchor of registry.e2e.test:5000, " "(sha256 ${anchor_sha:0:16}…)" \
  "as /usr/local/share/ca-certificates/trustmend-" "on the system route" "trustmend remove registry.e2e.test:5000"
view_says "$m" "the chain of registry.e2e.test:5000 now verifies against /etc/ssl/certs/ca-certificates.crt"
view_says "$m" "restarting containerd.service so that it loads the new trusted roots"
view_says "$m" "containerd.service restarted"
tb=$(now_us)
ref=$(cri_pull "$image") || die "CRI PullImage still fails after containerd's restart"
timed "CRI pull, succeeding" "$(span "$tb" "$(now_us)")"
pass "CRI PullImage $image → $ref"

say "3. docker's failure again: the bundle trusts the chain, but dockerd without live-restore is not restarted"
m=$(mark)
expect_fail "docker pull (dockerd holds the roots it loaded)" docker_pull "$image"
wait_event "$m" "$id_deferred" restart-deferred TRUSTMEND_UNIT=docker.service
view_says "$m" "docker.service must be restarted to trust the new anchor" "live-restore" "systemctl restart docker.service"
[[ -z $(events "$m" "$id_installed") ]] || die "an anchor was installed again"
pass "nothing installed again"

say "3. docker with live-restore: the next failure gets docker restarted"
echo "{ $daemon_json, \"live-restore\": true }" | node tee /etc/docker/daemon.json > /dev/null
node systemctl reload docker                                 # SIGHUP applies live-restore, keeps the roots
node docker info -f '{{.LiveRestoreEnabled}}' | grep -qx true || die "live-restore not enabled"
pass "live-restore on (systemctl reload docker: same process, same roots)"
m=$(mark)
tf=$(now_us)
expect_fail "docker pull $image" docker_pull "$image"
wait_event "$m" "$id_completed" restart-completed TRUSTMEND_UNIT=docker.service
view_says "$m" "docker.service restarted"
timed "failed docker pull -> docker restarted" "$(span "$tf" "$event_at")"
[[ -z $(events "$m" "$id_installed") ]] || die "an anchor was installed again"
pass "nothing installed this time (the bundle already trusts the chain)"
tb=$(now_us)
docker_pull "$image" > /dev/null || die "docker pull still fails after docker's restart"
timed "docker pull, succeeding" "$(since "$tb")"
pass "docker pull $image works"

say "3. Metrics: Debian's prometheus-node-exporter serves trustmend.prom through its textfile collector"
# trustmend wrote the file after its start and after each batch above, into the directory the unit's
# ReadWritePaths=-/var/lib/prometheus/node-exporter lets it write; node_exporter reads it as its own user.
node systemctl start prometheus-node-exporter
prom=/var/lib/prometheus/node-exporter/trustmend.prom
[[ $(node stat -c '%a %U' "$prom") == "644 root" ]] || die "$prom is not 0644 root: $(node stat -c '%a %U' "$prom")"
[[ $(node ls -A "${prom%/*}") == trustmend.prom ]] || die "more than trustmend.prom in ${prom%/*}: $(node ls -A "${prom%/*}")"
pass "$prom: mode 0644, owned by root, alone in its directory"
for _ in $(seq 50); do scrape > /dev/null 2>&1 && break; sleep 0.2; done
metric node_textfile_scrape_error 0
metric "node_textfile_mtime_seconds{file=\"$prom\"}" '>=1'
metric 'trustmend_repairs_total{result="installed",route="system"}' 1
metric 'trustmend_repairs_total{result="already_trusted",route="system"}' '>=2'   # docker's two failures
metric 'trustmend_repairs_total{result="failed",route="system"}' 0
metric 'trustmend_detections_total{unit="containerd.service"}' '>=1'
metric 'trustmend_detections_total{unit="docker.service"}' '>=2'
metric 'trustmend_restarts_total{result="completed",unit="containerd.service"}' 1
metric 'trustmend_restarts_total{result="deferred",unit="docker.service"}' '>=1'
metric 'trustmend_restarts_total{result="completed",unit="docker.service"}' 1
metric 'trustmend_anchors{route="system"}' 1
metric trustmend_reports_total 0
scrape | grep -q '^trustmend_build_info{openssl="OpenSSL [^"]*",version="[^"]*"} 1$' || die "no trustmend_build_info"
metric trustmend_last_batch_timestamp_seconds '>=1'
pass "what :9100/metrics serves of trustmend:"
scrape | grep '^trustmend_' | grep -v ' 0$' | sed 's/^/    | /'
