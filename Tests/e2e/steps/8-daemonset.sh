# shellcheck shell=bash
# Tests/e2e/run.sh, step 8 (issue 18): the DaemonSet's pod under the node's own docker. The image that
# packaging/build image wrote is loaded with docker load (and imported by ctr for containerd's CRI); the
# container runs with the mounts, privileges, environment and command that Tests/e2e/daemonset_run.py reads
# from deploy/kubernetes/trustmend.yaml; its ConfigMap is a directory written and swapped the way kubelet's
# atomic writer does. On the EulerOS-like node steps 6 and 7 left: both pulls fail and the pod, as shipped,
# only reports; the ConfigMap set to enforce; the system route (update-ca-trust chrooted into /host,
# containerd restarted under the pod, docker deferred, then restarted with live-restore: the pod survives
# both), the registry route for both engines without a restart, a forged line, the ConfigMap swapped to a
# good and a bad configuration, `trustmend health` with and without the journal mounted, the pod's RSS and
# the image's size, and the removal by a one-shot `trustmend remove --all` in the image.
# shellcheck source=Tests/e2e/run-lib.sh
source "${BASH_SOURCE[0]%/*}/../run-lib.sh"   # loaded by run.sh already: the helpers, lib.sh, the state

if [[ -z $pod_image_tar ]]; then
  say "8. Skipped: no container image (TRUSTMEND_E2E_FROM=build installs the binary, and builds no image)"
  return 0
fi

# expect_docker_fail IMAGE: expect_fail for a docker pull just after containerd's restart, which dockerd's
# connection to containerd takes a few seconds to follow ("error creating temporary lease: … connection
# refused"): asked again for up to 20 s while that is the error.
expect_docker_fail() {
  local out
  for _ in $(seq 40); do
    out=$(docker_pull "$1" 2>&1) && die "docker pull $1 succeeded, expected x509 unknown authority"
    grep -q 'containerd.sock' <<<"$out" || break
    sleep 0.5
  done
  grep -q 'certificate signed by unknown authority' <<<"$out" || die "docker pull $1 failed otherwise: $out"
  pass "docker pull $1 fails: …${out##*: x509: }"
}

say "8. The node's docker runs containers: the cgroup controllers writable, the image loaded"
# nspawn mounts the cgroup v1 controllers read-only (the node's systemd only writes its name=systemd tree);
# runc makes each container's cgroup in them. A bind remount changes the mount's flag, not the hierarchy (a
# plain remount of 'memory', whose hierarchy has other groups, is refused with EBUSY).
# shellcheck disable=SC2016  # awk's fields
mapfile -t ctls < <(node awk '$3 == "cgroup" && $4 ~ /^ro(,|$)/ { print $2 }' /proc/self/mounts)
for c in "${ctls[@]}"; do node mount -o remount,bind,rw "$c"; done
((${#ctls[@]} == 0)) || pass "remounted read-write: ${ctls[*]}"
tb=$(now_us)
loaded=$(node docker load -i "$pod_image_tar") || die "docker load -i $pod_image_tar failed: $loaded"
timed "docker load (vfs)" "$(since "$tb")"
pod_ref=$(sed -n 's/^Loaded image: //p' <<<"$loaded")
manifest_image=$(node python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import daemonset_run as d
print(d.load(sys.argv[2])[0]["spec"]["template"]["spec"]["containers"][0]["image"])' "$pod_lib" "$pod_lib/trustmend.yaml")
[[ $pod_ref == "$manifest_image" ]] || die "docker load gave '$pod_ref'; the DaemonSet runs '$manifest_image'"
pass "docker load: $pod_ref, the image the DaemonSet names"
tar_bytes=$(node stat -c %s "$pod_image_tar")
image_bytes=$(node docker image inspect -f '{{.Size}}' "$pod_ref")
# shellcheck disable=SC2016  # a Go template
labels=$(node docker image inspect -f '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}' "$pod_ref")
shown=()
for l in source version revision; do
  shown+=("$(grep -o "org.opencontainers.image.$l=[^ ]\+" <<<"$labels")") || die "no org.opencontainers.image.$l label: $labels"
done
pass "${pod_image_tar##*/}: $((tar_bytes / 1024)) KiB, unpacked $((image_bytes / 1024)) KiB; ${shown[*]#org.opencontainers.image.}"
timings+=("$(printf '%-52s %7s' "image archive (KiB)" $((tar_bytes / 1024)))")
out=$(node ctr -n k8s.io images import "$pod_image_tar" 2>&1) || die "ctr images import failed: $out"
node ctr -n k8s.io images ls -q | grep -qx "docker.io/library/$pod_ref" || die "containerd does not list docker.io/library/$pod_ref"
pass "ctr -n k8s.io images import: containerd's CRI has docker.io/library/$pod_ref too"
# Can docker run a container in this node at all? If not, the reason shows here, and the pod is run with
# systemd's RootDirectory= instead (below).
if ! why=$(node docker run --rm --network host --entrypoint /usr/bin/trustmend "$pod_ref" --version 2>&1); then
  die "the node's docker cannot run a container: $why"
fi
pass "docker run $pod_ref --version: ${why%%$'\n'*}"

say "8. The pod as the DaemonSet runs it: docker run with the manifest's arguments, the ConfigMap as shipped"
# containerd starts afresh, as on a node that just booted: it may hold a CA an earlier step's system-route
# repair had it load (step 6's Scoped Corp CA, step 7's CDN CA). dockerd was last started with none of the
# test's CAs it must fail on; it is not restarted here, to keep its starts under docker.service's
# StartLimitBurst=3 per minute (FACTS §24) with step 7's restarts and the pod's own below.
node systemctl restart containerd
cfg=/run/e2e/trustmend-config
mapfile -t pod_run < <(pod_args trustmend "$cfg")
((${#pod_run[@]} > 10)) || die "daemonset_run.py gave no arguments"
note "docker run -d, from deploy/kubernetes/trustmend.yaml (daemonset_run.py):"
i=0; line=""
while ((i < ${#pod_run[@]})); do
  w=${pod_run[i]}
  if [[ $w == -* && $w != *=* && $((i + 1)) -lt ${#pod_run[@]} && ${pod_run[i+1]} != -* ]]; then w+=" ${pod_run[i+1]}"; ((i += 1)); fi
  if [[ $w == -v* || $w == --tmpfs* ]]; then note "  $w"; else line+="$w "; fi
  ((i += 1))
done
note "  $line"
node ls -la "$cfg" | sed 's/^/    | /'
m=$(pod_mark) tb=$(now_us)
node docker run -d "${pod_run[@]}" > /dev/null
pod_says trustmend "$m" "trustmend started: report mode"
timed "docker run -> trustmend started" "$(span "$tb" "$event_at")"
mapfile -t probe < <(node python3 "$pod_lib/daemonset_run.py" --manifest "$pod_lib/trustmend.yaml" --probe liveness)
for _ in $(seq 60); do health=$(node docker exec trustmend "${probe[@]}" 2>&1) && break; sleep 0.5; done ||
  die "docker exec trustmend ${probe[*]} fails: $health"
pass "the liveness probe (docker exec trustmend ${probe[*]}): $health"

say "8. Both pulls fail; the pod, in report mode with no allow rule as shipped, only reports"
m=$(pod_mark)
expect_fail "CRI PullImage $image" cri_pull "$image"
expect_fail "docker pull $image" docker_pull "$image"
pod_says trustmend "$m" "registry.e2e.test:5000 is not in the allow list"
[[ -z $(node sh -c 'ls /etc/pki/ca-trust/source/anchors/trustmend-* /usr/local/share/ca-certificates/trustmend-* 2>/dev/null') ]] ||
  die "something was installed in report mode"
pass "nothing installed"

say "8. The ConfigMap edited (kubelet swaps ..data): enforce, registry.e2e.test on the system route, scoped.e2e.test on the registry route"
m=$(pod_mark) tb=$(now_us)
configmap_write "$cfg" <<'YAML'
mode: enforce
route: system
allow:
  - host: registry.e2e.test
  - host: scoped.e2e.test
    route: registry
  - host: forged.e2e.test     # allowed, so that only the forged entry's source can keep it out
debounce: 1s
restart:
  min_interval: 1s
YAML
pod_says trustmend "$m" "configuration reloaded: enforce mode, 3 allow rules"
timed "ConfigMap swapped -> reloaded" "$(span "$tb" "$event_at")"
pod=$(pod_state trustmend)

say "8. The system route from the pod: the CRI pull fails again; anchor, update-ca-trust in /host, containerd restarted"
pids=$(engine_pids)
m=$(pod_mark) tf=$(now_us)
expect_fail "CRI PullImage $image" cri_pull "$image"
pod_says trustmend "$m" "installed the anchor of registry.e2e.test:5000, " "(sha256 ${anchor_sha:0:16}…)" "on the system route"
timed "pod: failed CRI pull -> anchor installed" "$(span "$tf" "$event_at")"
pod_says trustmend "$m" "containerd.service restarted"
timed "pod: failed CRI pull -> containerd restarted" "$(span "$tf" "$event_at")"
anchors=$(node sh -c 'ls /etc/pki/ca-trust/source/anchors/trustmend-*.crt')
[[ $(wc -l <<<"$anchors") == 1 && $(node cat "$anchors" | fingerprint) == "$anchor_sha" ]] ||
  die "expected one anchor, the E2E Corp Issuing CA: $anchors"
node grep -q "$(sed -n 2p "$pki/issuing.pem")" /etc/pki/tls/certs/ca-bundle.crt || die "update-ca-trust did not put it into the bundle"
pass "$anchors is the issuing CA, and the node's update-ca-trust (chrooted) put it into /etc/pki/tls/certs/ca-bundle.crt"
[[ $(node systemctl show -p MainPID --value containerd) != "${pids%% *}" ]] || die "containerd's MainPID did not change"
[[ $(pod_state trustmend) == "$pod" ]] || die "the pod did not survive containerd's restart: $pod → $(pod_state trustmend)"
pass "containerd restarted (MainPID ${pids%% *} → $(node systemctl show -p MainPID --value containerd)); the pod ran on (PID ${pod%% *}, no restart)"
ref=$(cri_pull "$image") || die "CRI PullImage $image still fails"
timed "pod: failed CRI pull -> CRI pull works" "$(since "$tf")"
pass "CRI PullImage $image → $ref"

say "8. docker's pull fails again: the bundle trusts the chain, but docker's restart would stop the pod too: deferred"
m=$(pod_mark)
expect_docker_fail "$image"
pod_says trustmend "$m" "docker.service must be restarted to trust the new anchor" "live-restore"
[[ $(pod_state trustmend) == "$pod" ]] || die "the pod was restarted: $pod → $(pod_state trustmend)"
pass "the pod runs on (PID ${pod%% *})"

say "8. docker with live-restore: the next failure gets docker restarted, and the pod survives it"
echo "{ $daemon_json, \"live-restore\": true }" | node tee /etc/docker/daemon.json > /dev/null
node systemctl reload docker
node docker info -f '{{.LiveRestoreEnabled}}' | grep -qx true || die "live-restore not enabled"
pids=$(engine_pids)
m=$(pod_mark) tf=$(now_us)
expect_fail "docker pull $image" docker_pull "$image"
pod_says trustmend "$m" "docker.service restarted"
timed "pod: failed docker pull -> docker restarted" "$(span "$tf" "$event_at")"
[[ $(node systemctl show -p MainPID --value docker) != "${pids#* }" ]] || die "dockerd's MainPID did not change"
[[ $(pod_state trustmend) == "$pod" ]] || die "the pod did not survive docker's restart: $pod → $(pod_state trustmend)"
pass "dockerd restarted (MainPID ${pids#* } → $(node systemctl show -p MainPID --value docker)); with live-restore the pod ran on"
docker_pull "$image" > /dev/null || die "docker pull $image still fails"
pass "docker pull $image works"

say "8. The registry route from the pod: scoped.e2e.test through containerd's and docker's certs.d, no restart"
pids=$(engine_pids)
for how in cri docker; do
  engine=containerd pull=cri_pull
  [[ $how == docker ]] && engine=docker pull=docker_pull
  m=$(pod_mark) tf=$(now_us)
  expect_fail "$how pull $scoped_image" "$pull" "$scoped_image"
  pod_says trustmend "$m" "installed the anchor of scoped.e2e.test:5000, " \
    "certs.d/scoped.e2e.test:5000/trustmend-" "on the registry route"
  timed "pod, registry route: failed $how pull -> anchor" "$(span "$tf" "$event_at")"
  files=$(node sh -c "ls /etc/$engine/certs.d/scoped.e2e.test:5000/trustmend-*.crt")
  [[ $(node cat "$files" | fingerprint) == "$scoped_sha" ]] || die "$files is not the Scoped Corp Issuing CA"
  "$pull" "$scoped_image" > /dev/null || die "$how pull $scoped_image still fails"
  timed "pod, registry route: failed $how pull -> pull works" "$(since "$tf")"
  pass "$files is the Scoped Corp Issuing CA; the $how pull works"
done
engines_kept "$pids"
[[ $(pod_state trustmend) == "$pod" ]] || die "the pod was restarted: $pod → $(pod_state trustmend)"

say "8. A forged failure: an ordinary user logs a containerd-looking line for an allowed host"
m=$(pod_mark)
forged="level=error msg=\"PullImage \\\"$forged_image\\\" failed\" error=\"failed to pull and unpack image \\\"$forged_image\\\": failed to resolve reference \\\"$forged_image\\\": failed to do request: Head \\\"https://forged.e2e.test:5000/v2/e2e/hello/manifests/1.0\\\": x509: certificate signed by unknown authority\""
node systemd-run -q --wait --collect --unit=e2e-pod-forger -p User=nobody logger -t containerd "$forged"
node journalctl --no-pager -q -o cat --since="@${m%.*}" SYSLOG_IDENTIFIER=containerd _UID=65534 | grep -q forged.e2e.test ||
  die "the forged line is not in the journal"
pass "in the journal as SYSLOG_IDENTIFIER=containerd, _UID=65534 (nobody)"
# The journal is read in order: a report for other.e2e.test, whose failure comes after, means the forged
# line was read and passed over.
expect_fail "CRI PullImage $other_image" cri_pull "$other_image"
pod_says trustmend "$m" "other.e2e.test:5000 is not in the allow list"
pod_lacks trustmend "$m" forged.e2e.test
[[ $(node sh -c 'ls /etc/pki/ca-trust/source/anchors/trustmend-*.crt | wc -l') == 1 ]] || die "another anchor was installed"
pass "the forged line did nothing: docker logs never names forged.e2e.test, no anchor added"

say "8. The ConfigMap swapped again: a good configuration is applied, a bad one refused and the good one stays"
good=$(cat <<'YAML'
mode: enforce
route: system
allow:
  - host: registry.e2e.test
  - host: scoped.e2e.test
    route: registry
  - host: self.e2e.test       # new: a lone CA:FALSE certificate, which only the registry route can trust
    route: registry
debounce: 1s
restart:
  min_interval: 1s
YAML
)
m=$(pod_mark) tb=$(now_us)
configmap_write "$cfg" <<<"$good"
pod_says trustmend "$m" "configuration reloaded: enforce mode, 3 allow rules"
timed "ConfigMap swapped (good) -> reloaded" "$(span "$tb" "$event_at")"
m=$(pod_mark) tb=$(now_us)
configmap_write "$cfg" <<'YAML'
mode: sometimes
allow:
  - host: registry.e2e.test
YAML
pod_says trustmend "$m" "new configuration refused, the running one stays" "mode"
timed "ConfigMap swapped (bad) -> refused" "$(span "$tb" "$event_at")"
[[ $(pod_state trustmend) == "$pod" ]] || die "the pod was restarted: $pod → $(pod_state trustmend)"
# The good configuration's new rule is the one that runs.
m=$(pod_mark)
expect_fail "CRI PullImage $self_image" cri_pull "$self_image"
pod_says trustmend "$m" "installed the anchor of self.e2e.test:5000, " "on the registry route"
cri_pull "$self_image" > /dev/null || die "CRI PullImage $self_image still fails"
pass "self.e2e.test, allowed by the good configuration only, was repaired after the bad one: the good one runs"
m=$(pod_mark)
configmap_write "$cfg" <<<"$good"
pod_says trustmend "$m" "configuration reloaded: enforce mode, 3 allow rules"

say "8. trustmend health: passes while the pod reads the journal; a pod without the journal mounted fails it"
health=$(node docker exec trustmend "${probe[@]}" 2>&1) || die "health fails in the pod that reads the journal: $health"
pass "trustmend: $health"
# The same pod without the journal's two mounts, with its own state directory (the heartbeat lives there) and
# its own ConfigMap (as shipped: report mode).
mapfile -t blind < <(pod_args trustmend-nojournal /run/e2e/trustmend-nojournal-config)
blind_run=() dropped=()
for ((i = 0; i < ${#blind[@]}; i++)); do
  if [[ ${blind[i]} == -v && ${blind[i+1]} == *:/host/@(var/log|run/log/journal):* ]]; then
    dropped+=("${blind[i+1]}"); ((i += 1)); continue
  fi
  if [[ ${blind[i]} == -v && ${blind[i+1]} == /var/lib/trustmend:* ]]; then
    blind_run+=(-v "/var/lib/trustmend-nojournal:${blind[i+1]#*:}"); ((i += 1)); continue
  fi
  blind_run+=("${blind[i]}")
done
((${#dropped[@]} == 2)) || die "expected the two journal mounts in the DaemonSet, found: ${dropped[*]}"
note "without -v ${dropped[*]}; state in /var/lib/trustmend-nojournal"
m=$(pod_mark)
node docker run -d "${blind_run[@]}" > /dev/null
pod_says trustmend-nojournal "$m" "trustmend started"
sleep 3
if health=$(node docker exec trustmend-nojournal "${probe[@]}" 2>&1); then
  die "trustmend health passes in a pod that cannot read the journal: $health"
fi
[[ $(node docker inspect -f '{{.State.Running}}' trustmend-nojournal) == true ]] || die "the pod without its journal is not running"
pass "it runs, and health fails: $health"
node docker logs trustmend-nojournal 2>&1 | tail -3 | sed 's/^/    | /'
health=$(node docker exec trustmend "${probe[@]}" 2>&1) || die "health now fails in the first pod: $health"
pass "the first pod's health still passes: $health"
node docker rm -f trustmend-nojournal > /dev/null

say "8. What the pod costs: its RSS and the image"
pid=$(node docker inspect -f '{{.State.Pid}}' trustmend)
rss=$(node ps -o rss= -p "$pid" | tr -d ' ')
usage=$(node docker stats --no-stream --format '{{.MemUsage}}' trustmend)
limit=$(node python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import daemonset_run as d
c = d.load(sys.argv[2])[0]["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"]
print(d._bytes(c) // 1024)' "$pod_lib" "$pod_lib/trustmend.yaml")
((rss < limit)) || die "the pod's RSS ($rss KiB) is over the DaemonSet's memory limit ($limit KiB)"
pass "trustmend in the pod: RSS $((rss / 1024)).$(( (rss % 1024) * 10 / 1024 )) MiB after the repairs (limit $((limit / 1024)) MiB); docker stats: $usage"
timings+=("$(printf '%-52s %7s' "pod RSS after the repairs (KiB)" "$rss")")
pass "the image: archive $((tar_bytes / 1024)) KiB, unpacked $((image_bytes / 1024)) KiB"

say "8. Removal: the pod deleted, then a one-shot trustmend remove --all in the image"
node docker rm -f trustmend > /dev/null
once=()
for ((i = 0; i < ${#pod_run[@]}; i++)); do
  case ${pod_run[i]} in
    --restart) ((i += 1)) ;;                                # a one-shot: --rm instead
    --name) once+=(--name trustmend-remove); ((i += 1)) ;;
    "$pod_ref") once+=("$pod_ref" remove --all); ((i += 1)) ;;   # the image, then 'run' becomes 'remove --all'
    *) once+=("${pod_run[i]}") ;;
  esac
done
node docker run --rm "${once[@]}" 2>&1 | sed 's/^/    | /'
node sh -c 'ls /etc/pki/ca-trust/source/anchors/trustmend-*.crt' 2>/dev/null && die "an anchor file is left"
node grep -q "$(sed -n 2p "$pki/issuing.pem")" /etc/pki/tls/certs/ca-bundle.crt && die "the CA is still in the bundle"
left=$(node sh -c 'ls -d /etc/docker/certs.d/* /etc/containerd/certs.d/* 2>/dev/null' || true)
[[ -z $left ]] || die "left behind: $left"
pass "no anchor, the CA gone from the bundle, nothing in either certs.d; left on the node: $(node ls /var/lib/trustmend | tr '\n' ' ')(the state directory)"
