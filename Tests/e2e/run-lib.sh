# shellcheck shell=bash disable=SC2034  # the state below is set and read by the steps
# Tests/e2e/run.sh's own helpers and the state its steps (Tests/e2e/steps/*.sh) share; lib.sh (shared
# with old-node.sh) comes with it. Sourced, not run: by run.sh first, then by each step again so that
# the reader and shellcheck see where the names come from; the second time returns at once.
[[ -z ${e2e_run_lib:-} ]] || return 0
e2e_run_lib=1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)   # Tests/e2e
repo=$(cd "$here/../.." && pwd)

# shellcheck source=Tests/e2e/lib.sh
source "$here/lib.sh"   # narration, checks, node(), events, the PKI, boot_node

# --- the state the steps share ---------------------------------------------------------------------
# Each step reads what the steps before it set; nothing else passes between them. A step's own scratch
# names (m, a journal mark; tb and tf, start times; pids, the engines' MainPIDs; …) are set before use.
#
# The images, one per registry (the registries run in the node from step 1):
image=registry.e2e.test:5000/e2e/hello:1.0
other_image=other.e2e.test:5000/e2e/hello:1.0
forged_image=forged.e2e.test:5000/e2e/hello:1.0
scoped_image=scoped.e2e.test:5000/e2e/hello:1.0   # step 5: the registry route
self_image=self.e2e.test:5000/e2e/hello:1.0       # step 5: a lone self-signed CA:FALSE certificate
cdn_image=origin.e2e.test:5000/e2e/cdn:1.0        # step 7: its blobs redirected to cdn.e2e.test:8443
token_image=guarded.e2e.test:5000/e2e/cdn:1.0     # step 7: a token from token.e2e.test:5001 first
# Set by run.sh: the tmpfs that holds the overlay ($base), the node's root in the host's view ($root),
# the node's console log ($console). lib.sh's boot_node (step 1) sets $nspawn and $pid1, the node's
# systemd as the host sees it, which node() runs commands in.
base="" root="" console=""
# Set by steps/0-prepare.sh:
deb=""          # the package as the node sees it (/var/cache/e2e/trustmend_*.deb), "": the binary (see below)
pki=""          # the test PKI in the overlay ($root/etc/e2e/pki; /etc/e2e/pki in the node)
anchor_sha=""   # sha256 of the E2E Corp Issuing CA, the anchor for registry.e2e.test (step 3)
scoped_sha=""   # sha256 of the Scoped Corp Issuing CA, the anchor for scoped.e2e.test (steps 5 and 6)
self_sha=""     # sha256 of self.e2e.test's lone CA:FALSE certificate (steps 5 and 6)
cdn_sha=""      # sha256 of the CDN Corp CA, the anchor for cdn.e2e.test:8443 (step 7)
token_sha=""    # sha256 of the Token Corp CA, the anchor for token.e2e.test:5001 (step 7)
mask_args=()    # kernel arguments that mask what this host enables (lib.sh's mask_enabled), for step 1
pod_image_tar="" # the image packaging/build image wrote, as the node sees it (/var/cache/e2e/*.image.tar), "": none
# lib.sh keeps the rest: $event_at (wait_event), $restarted_at (configure, restart_trustmend), $timings,
# and $daemon_json, the keys of docker's daemon.json the node needs (no braces): steps 3 and 5 extend it.

# --- helpers ----------------------------------------------------------------------------------------
# repaired_via_certs_d LABEL cri|docker ENGINE HOST SHA NAME IMAGE: pulling IMAGE fails, trustmend logs an
# install on the registry route for HOST, the one file it wrote in ENGINE's certs.d/HOST:5000 is NAME
# (sha256 SHA), and the pull then works. Timings are recorded under LABEL.
repaired_via_certs_d() {
  local label=$1 how=$2 engine=$3 host=$4 sha=$5 name=$6 image=$7 m tf files out
  local desc=("CRI PullImage" "CRI pull" cri_pull)
  [[ $how == docker ]] && desc=("docker pull" "docker pull" docker_pull)
  m=$(mark) tf=$(now_us)
  expect_fail "${desc[0]} $image" "${desc[2]}" "$image"
  wait_event "$m" "$id_installed" installed TRUSTMEND_HOST="$host" TRUSTMEND_ROUTE=registry
  timed "$label: failed ${desc[1]} -> anchor in certs.d" "$(span "$tf" "$event_at")"
  files=$(node sh -c "ls /etc/$engine/certs.d/$host:5000/trustmend-*.crt")
  [[ $(node cat "$files" | fingerprint) == "$sha" ]] || die "$files is not $name"
  pass "$files is $name (sha256 ${sha:0:16}…)"
  out=$("${desc[2]}" "$image") || die "${desc[0]} $image still fails"
  timed "$label: failed ${desc[1]} -> ${desc[1]} works" "$(since "$tf")"
  pass "${desc[0]} $image works${out:+ → $out}"
}
# default_view SINCE: what an operator sees first, `journalctl -u trustmend` (-o short: MESSAGE only, no
# TRUSTMEND_* field), since the mark. view_says SINCE TEXT…: some line of it holds every TEXT (fixed
# strings); prints that line, or the view's last lines and fails.
default_view() { node journalctl --no-pager -q -o short -u trustmend --since="$1"; }
view_says() {
  local since=$1 lines t; shift
  lines=$(default_view "$since")
  for t in "$@"; do lines=$(grep -F -- "$t" <<<"$lines" || true); done
  if [[ -z $lines ]]; then
    default_view "$since" | tail -15 | sed 's/^/    | /' >&2
    die "no line of journalctl -u trustmend holds all of: $*"
  fi
  pass "journalctl -u trustmend: ${lines%%$'\n'*}"
}
# scrape: node_exporter's /metrics in the node (Debian's prometheus-node-exporter on :9100, which serves
# trustmend.prom through its textfile collector).
scrape() {
  node /usr/bin/python3 -c 'import urllib.request as u; print(u.urlopen("http://127.0.0.1:9100/metrics", timeout=5).read().decode(), end="")'
}
# metric SERIES VALUE|'>=N': waits up to 15 s until the scrape has SERIES at VALUE (at least N); passes
# with the line. trustmend writes its file after each batch, so the scrape may trail the journal a moment.
metric() {
  local series=$1 want=$2 got deadline=$(( $(now_us) + 15000000 ))
  while :; do
    got=$(scrape 2>/dev/null | awk -v s="$series" 'index($0, s " ") == 1 { print substr($0, length(s) + 2) }')
    if [[ -n $got ]]; then
      if [[ $want == ">="* ]]; then awk -v g="$got" -v w="${want#>=}" 'BEGIN { exit !(g >= w) }' && break
      elif [[ $got == "$want" ]]; then break; fi
    fi
    if (( $(now_us) >= deadline )); then
      scrape 2>&1 | grep -E '^(trustmend_|node_textfile)' | sed 's/^/    | /' >&2 || true
      die "node_exporter serves ${series} ${got:-(nothing)}, expected $want"
    fi
    sleep 0.2
  done
  pass "$series $got"
}
# trustmend into the node: the package when there is one (its postinst enables and starts the unit),
# else the release binary with the repo's unit file (or, without one, a transient unit).
install_trustmend() {
  if [[ -n $deb ]]; then
    note "dpkg -i ${deb##*/}"
    node dpkg -i "$deb" 2>&1 | sed 's/^/    | /'
    return
  fi
  note "no package: /usr/local/bin/trustmend from .build/release"
  node install -m 0755 /usr/local/lib/e2e/trustmend /usr/local/bin/trustmend
  if node test -f /usr/local/lib/e2e/trustmend.service; then
    note "with the repo's systemd/trustmend.service (ExecStart=/usr/local/bin/trustmend run)"
    node sh -c 'sed "s|/usr/bin/trustmend|/usr/local/bin/trustmend|" /usr/local/lib/e2e/trustmend.service \
      > /etc/systemd/system/trustmend.service'
    node systemctl daemon-reload
    node systemctl enable -q --now trustmend
  else
    note "as a transient unit: systemd-run --unit=trustmend -p Type=notify"
    node systemd-run -q --unit=trustmend -p Type=notify -p StateDirectory=trustmend /usr/local/bin/trustmend run
  fi
}
# And out again: dpkg --purge, or for the fallback, what the package's postrm does on purge.
purge_trustmend() {
  if [[ -n $deb ]]; then
    note "dpkg --purge trustmend"
    node dpkg --purge trustmend 2>&1 | sed 's/^/    | /'
    return
  fi
  note "no package: systemctl stop trustmend; trustmend remove --all; rm -r /var/lib/trustmend"
  node systemctl stop trustmend
  node /usr/local/bin/trustmend remove --all 2>&1 | sed 's/^/    | /'
  node rm -rf /var/lib/trustmend
}

# --- the DaemonSet's pod (step 8) --------------------------------------------------------------------------
# The pod runs under the node's docker as `docker run` with the arguments Tests/e2e/daemonset_run.py reads
# from deploy/kubernetes/trustmend.yaml (both copied to /usr/local/lib/e2e by step 0); its ConfigMap is a
# directory in the node laid out and swapped as kubelet's atomic writer does (daemonset_run.write_configmap).
pod_lib=/usr/local/lib/e2e
# pod_args NAME CONFIG_DIR: the `docker run` arguments for the DaemonSet's container named NAME, one a line;
# writes the manifest's ConfigMap into CONFIG_DIR (the shipped configuration: report mode).
pod_args() {
  node python3 "$pod_lib/daemonset_run.py" --manifest "$pod_lib/trustmend.yaml" --name "$1" --config-dir "$2"
}
# configmap_write DIR: the configuration on stdin becomes config.yaml in the ConfigMap directory DIR, swapped
# in as kubelet does when the ConfigMap changes (a new ..TIMESTAMP directory, then ..data renamed over).
configmap_write() {
  node python3 "$pod_lib/daemonset_run.py" --swap-config "$1" config.yaml=/dev/stdin > /dev/null
}
# pod_mark: a time `docker logs --since` takes (seconds since the epoch, with nanoseconds).
pod_mark() { date +%s.%N; }
# pod_says NAME SINCE TEXT…: waits up to 30 s until a line the container NAME wrote to stdout or stderr since
# SINCE holds every TEXT (fixed strings); prints it and sets $event_at (µs) from docker's own timestamp.
# pod_lacks NAME SINCE TEXT: no such line.
pod_logs() { node docker logs -t --since "$2" "$1" 2>&1; }
pod_says() {
  local name=$1 since=$2 lines t deadline=$(( $(now_us) + 30000000 )); shift 2
  while :; do
    lines=$(pod_logs "$name" "$since")
    for t in "$@"; do lines=$(grep -F -- "$t" <<<"$lines" || true); done
    [[ -n $lines ]] && break
    if (( $(now_us) >= deadline )); then
      pod_logs "$name" "$since" | tail -15 | sed 's/^/    | /' >&2
      die "no line of docker logs $name within 30 s holds all of: $*"
    fi
    sleep 0.2
  done
  lines=${lines%%$'\n'*}
  event_at=$(date -d "${lines%% *}" +%s%6N)
  pass "docker logs $name: ${lines#* }"
}
pod_lacks() {
  local hit
  hit=$(pod_logs "$1" "$2" | grep -F -- "$3" || true)
  [[ -z $hit ]] || die "docker logs $1 names $3: $hit"
}
# pod_state NAME: "PID STARTED-AT RESTARTS" of the container, to tell that it ran on untouched.
pod_state() { node docker inspect -f '{{.State.Pid}} {{.State.StartedAt}} {{.RestartCount}}' "$1"; }
