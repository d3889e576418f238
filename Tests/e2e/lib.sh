# shellcheck shell=bash disable=SC2034  # the IDs and $event_at are for the scripts that source this
# Shared by the end-to-end scenarios (Tests/e2e/run.sh, Tests/e2e/old-node.sh): narration and checks,
# running commands in the booted node, trustmend's events read back from the node's journal, the test
# PKI, the node's configuration and booting the node. Sourced, not run. The functions use the caller's
# $pid1 (the node's systemd, as the host sees it) once the node is up.

# --- narration and checks ----------------------------------------------------------------------------
t0=${EPOCHREALTIME/./}
say()   { printf '\n\033[1m==> %s\033[0m  \033[2m(+%ss)\033[0m\n' "$*" "$(since "$t0")"; }
note()  { printf '    %s\n' "$*"; }
pass()  { printf '    \033[32m✓\033[0m %s\n' "$*"; }
die()   { printf '    \033[31m✗ %s\033[0m\n' "$*" >&2; exit 1; }
now_us() { echo "${EPOCHREALTIME/./}"; }
span()  { local us=$(( $2 - $1 )); printf '%d.%02d' $((us / 1000000)) $((us % 1000000 / 10000)); }
since() { span "$1" "$(now_us)"; }
declare -a timings=()
timed() { timings+=("$(printf '%-52s %6ss' "$1" "$2")"); }

# trustmend's MESSAGE_IDs, from its journald catalog rather than copied: message_id EVENT prints the ID of
# the entry marked "# event: EVENT" (the Event's rawValue in Sources/TrustmendCore/Report/Event.swift;
# Tests/TrustmendCoreTests/CatalogTests.swift checks each mark against it).
e2e_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)   # Tests/e2e
trustmend_catalog=$(cd "$e2e_dir/../.." && pwd)/systemd/trustmend.catalog
message_id() {
  local id
  id=$(sed -n '/^-- [0-9a-f]\{32\}$/h; /^# event: '"$1"'$/{x;s/^-- //p;q;}' "$trustmend_catalog")
  [[ $id =~ ^[0-9a-f]{32}$ ]] || die "no entry marked '# event: $1' under a '-- ID' line in $trustmend_catalog"
  echo "$id"
}
id_started=$(message_id started)
id_detected=$(message_id detected)
id_reported=$(message_id reported)
id_refused=$(message_id refused)
id_requested=$(message_id restart-requested)
id_installed=$(message_id installed)
id_verified=$(message_id verified)
id_completed=$(message_id restart-completed)
id_deferred=$(message_id restart-deferred)

# --- the node --------------------------------------------------------------------------------------------
# Runs a command inside the node, in all its namespaces, with a clean environment.
node() { nsenter -t "$pid1" -a -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@"; }
cri_pull()    { node python3 /usr/local/lib/e2e/cri_pull.py "$1"; }
docker_pull() { node docker pull -q "$1"; }
# The time now, as journalctl --since takes it (µs). Not a cursor: journalctl 252 --after-cursor with
# field matches skips the first matching entry.
mark() { echo "@$EPOCHREALTIME"; }
# trustmend's events since a mark: events SINCE ID [FIELD=VALUE…] -> "µs message (fields)" lines
events() {
  local since=$1 id=$2; shift 2
  node journalctl --no-pager -q -o json --since="$since" _SYSTEMD_UNIT=trustmend.service MESSAGE_ID="$id" "$@" |
    /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    f = {k[10:].lower(): v for k, v in e.items() if k.startswith("TRUSTMEND_") and k != "TRUSTMEND_EVENT"}
    if "host" in f and "port" in f: f["host"] += ":" + f.pop("port")
    if "sha256" in f: f["sha256"] = f["sha256"][:16] + "…"
    shown = ", ".join(f"{k}={f[k]}" for k in ("host", "engine", "unit", "file", "sha256", "subject", "why", "command") if k in f)
    print(e["__REALTIME_TIMESTAMP"], e["MESSAGE"], f"({shown})" if shown else "")'
}
# Waits up to 30 s for one; prints it; sets $event_at (µs since the epoch).
wait_event() {
  local since=$1 id=$2 what=$3; shift 3
  local line deadline=$(( $(now_us) + 30000000 ))
  while :; do
    line=$(events "$since" "$id" "$@" | sed -n 1p)
    [[ -n $line ]] && break
    if (( $(now_us) >= deadline )); then
      node journalctl --no-pager -q -o json --since="$since" -u trustmend | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    f = " ".join(f"{k[10:].lower()}={e[k]}" for k in e if k.startswith("TRUSTMEND_") and k != "TRUSTMEND_EVENT")
    print("    |", e.get("MESSAGE"), f)' | tail -20 >&2
      die "no '$what' event from trustmend within 30 s ($*)"
    fi
    sleep 0.2
  done
  event_at=${line%% *}
  pass "$what: ${line#* }"
}
expect_fail() { # expect_fail DESCRIPTION COMMAND…: the command fails with the x509 error
  local desc=$1 out; shift
  if out=$("$@" 2>&1); then die "$desc succeeded, expected x509 unknown authority"; fi
  grep -q 'certificate signed by unknown authority' <<<"$out" || die "$desc failed otherwise: $out"
  pass "$desc fails: …${out##*: x509: }"
}
engine_logged() { # engine_logged UNIT AFTER HOST: the engine's own journal has the x509 error for HOST
  node journalctl --no-pager -q -o cat -u "$1" --since="$2" | grep -F "$3" |
    grep -q 'x509: certificate signed by unknown authority' || die "no x509 error for $3 in journalctl -u $1"
  pass "journalctl -u $1 has it"
}
# engine_pids: containerd's and dockerd's MainPIDs; engines_kept PIDS: they are still those.
engine_pids() { echo "$(node systemctl show -p MainPID --value containerd) $(node systemctl show -p MainPID --value docker)"; }
engines_kept() {
  [[ $(engine_pids) == "$1" ]] || die "an engine was restarted (MainPIDs $1 → $(engine_pids))"
  pass "containerd and dockerd were not restarted (MainPIDs $1)"
}

# configure: the configuration on stdin becomes /etc/trustmend/config.yaml, then trustmend restarts with
# it. restart_trustmend: the restart alone. Both wait for "started"; $restarted_at marks the restart.
configure() {
  node mkdir -p /etc/trustmend
  node tee /etc/trustmend/config.yaml > /dev/null
  restart_trustmend
}
restart_trustmend() {
  restarted_at=$(mark)
  node systemctl restart trustmend
  wait_event "$restarted_at" "$id_started" started
}

# --- the test PKI -----------------------------------------------------------------------------------------
# Tests/scripts/pki.sh: pki_ca, pki_leaf and pki_sha256, run in the directory that holds the PKI (they
# silence openssl's stderr).
# shellcheck source=Tests/scripts/pki.sh
source "$e2e_dir/../scripts/pki.sh"
fingerprint() { pki_sha256 /dev/stdin; }   # fingerprint < CERT: pki_sha256 of the certificate on stdin

# --- the node's configuration, written into its root before boot -------------------------------------------
# containerd_toml [CONFIG_PATH]: containerd's config.toml: CRI on (Debian's file leaves it on, but say so),
# the default overlayfs snapshotter; with CONFIG_PATH, the CRI registry's config_path (containerd >= 1.5).
# shellcheck disable=SC2120  # node_config passes none, steps/5-registry-route.sh one
containerd_toml() {
  cat <<'EOF'
version = 2
disabled_plugins = []
[plugins."io.containerd.grpc.v1.cri"]
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "/etc/cni/net.d"
EOF
  [[ -z ${1:-} ]] || printf '  [plugins."io.containerd.grpc.v1.cri".registry]\n    config_path = "%s"\n' "$1"
}
# The keys of docker's daemon.json the node needs (no braces: steps extend it): no iptables/bridge in a
# private network namespace; vfs (overlay2 cannot stack on overlayfs).
daemon_json='"iptables": false, "ip-masq": false, "bridge": "none", "storage-driver": "vfs"'
# node_config ROOT REGISTRY…: the engines and the registries in ROOT, before boot: containerd_toml as
# /etc/containerd/config.toml, { $daemon_json } as /etc/docker/daemon.json, the e2e-registry@.service
# unit and, for each REGISTRY (NAME:ADDRESS:CERT[:CA]), /etc/e2e/registry-NAME.yml serving ADDRESS:5000
# with /etc/e2e/pki/CERT-chain.pem and CERT.key, and CA.pem as a CA skopeo trusts to push there (only
# skopeo trusts the CAs: /etc/e2e/skopeo-certs); a one-file OCI layout in /etc/e2e/oci (make_oci.py);
# no *.wants links for containerd, docker and docker-registry: the engines start when the scenario says so.
node_config() {
  local root=$1 r name addr cert ca; shift
  mkdir -p "$root/etc/containerd" "$root/etc/docker" "$root/etc/e2e/skopeo-certs"
  # shellcheck disable=SC2119  # no config_path before boot
  containerd_toml > "$root/etc/containerd/config.toml"
  echo "{ $daemon_json }" > "$root/etc/docker/daemon.json"
  for r in "$@"; do
    IFS=: read -r name addr cert ca <<<"$r"
    cat > "$root/etc/e2e/registry-$name.yml" <<EOF
version: 0.1
log: {level: info, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: /var/lib/docker-registry}}
http:
  addr: $addr:5000
  tls: {certificate: /etc/e2e/pki/$cert-chain.pem, key: /etc/e2e/pki/$cert.key}
EOF
    [[ -z $ca ]] || cp "$root/etc/e2e/pki/$ca.pem" "$root/etc/e2e/skopeo-certs/$ca.crt"
  done
  cat > "$root/etc/systemd/system/e2e-registry@.service" <<'EOF'
[Unit]
Description=e2e test registry %i (CNCF distribution)
[Service]
User=docker-registry
ExecStart=/usr/bin/docker-registry serve /etc/e2e/registry-%i.yml
EOF
  /usr/bin/python3 "$e2e_dir/make_oci.py" "$root/etc/e2e/oci" 1.0
  rm -f "$root"/etc/systemd/system/*.wants/{containerd,docker,docker-registry}.service
}

# --- booting the node ------------------------------------------------------------------------------------
# boot_node ROOT CONSOLE [NSPAWN OPTION…] -- [KERNEL ARGUMENT…]: systemd-nspawn --boot in ROOT, console to
# CONSOLE; sets $nspawn and $pid1 and waits until the node is 'running' (timed as "boot to 'running'").
boot_node() {
  local root=$1 console=$2 opts=() state boot; shift 2
  while (($#)) && [[ $1 != -- ]]; do opts+=("$1"); shift; done
  (($#)) && shift
  tb=$(now_us)
  systemd-nspawn -D "$root" --register=no --keep-unit --private-network --console=read-only "${opts[@]}" --boot -- \
    systemd.firstboot=off systemd.show_status=false "$@" > "$console" 2>&1 < /dev/null &
  nspawn=$!
  for _ in $(seq 200); do
    pid1=$(pgrep -P "$nspawn" -x systemd || true); [[ -n $pid1 ]] && break; sleep 0.05
  done
  [[ -n $pid1 ]] || { cat "$console"; die "the node's systemd did not start"; }
  for _ in $(seq 600); do   # until its bus is up and the boot job is done
    state=$(node systemctl is-system-running 2>/dev/null || true)
    [[ $state == @(running|degraded|maintenance|stopping) ]] && break; sleep 0.05
  done
  [[ $state == running ]] || { node systemctl --failed --no-pager || true; die "the node is '$state', not running"; }
  boot=$(since "$tb"); timed "boot to 'running'" "$boot"
  pass "systemd is running (PID $pid1 on the host) after ${boot}s"
}
# mask_enabled ROOT: kernel arguments (in $mask_args) that mask every unit ROOT enables, but docker.socket,
# and the units a booted container must not run; prints what they are.
mask_enabled() {
  local root=$1 w u masks=(console-getty.service getty.target systemd-networkd.service systemd-resolved.service)
  for w in "$root"/etc/systemd/system/*.wants/*; do
    u=${w##*/}; [[ $u == docker.socket ]] || masks+=("$u")
  done
  mask_args=(); for u in "${masks[@]}"; do mask_args+=("systemd.mask=$u"); done
  note "masked: ${masks[*]}"
}
# stop_node: halts the node (nspawn stops its systemd on SIGTERM), killing it after 10 s.
stop_node() {
  if [[ -n ${nspawn:-} ]] && kill -0 "$nspawn" 2>/dev/null; then
    kill -TERM "$nspawn" 2>/dev/null || true          # nspawn halts the node's systemd
    for _ in $(seq 100); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$nspawn" 2>/dev/null || true
    wait "$nspawn" 2>/dev/null || true
  fi
}
# keep_node BASE: with TRUSTMEND_E2E_KEEP set, waits until BASE.keep is removed.
keep_node() {
  if [[ -n ${TRUSTMEND_E2E_KEEP:-} && -n ${pid1:-} ]]; then
    touch "$1.keep"
    echo "node kept: nsenter -t $pid1 -a bash   (rm $1.keep ends it)"
    while [[ -e $1.keep ]]; do sleep 1; done
  fi
}

# make_euleros SP: the booted node made EulerOS-like (FACTS §7, §9): os-release of EulerOS 2.0 (SP<SP>),
# p11-kit's trust module reading the RHEL family's sources, update-ca-trust (Tests/e2e/update-ca-trust)
# extracting with `trust` as RHEL's does, /etc/ssl/certs a link to /etc/pki/tls/certs, so Go reads
# /etc/pki/tls/certs/ca-bundle.crt; nsswitch.conf's hosts line as RHEL 8 writes it.
make_euleros() {
  # shellcheck disable=SC2016  # $1 expands in the node's sh: the service pack, passed after the script
  node sh -e -c '
  rm -f /etc/os-release
  printf "%s\n" "NAME=\"EulerOS\"" "VERSION=\"2.0 (SP$1x86_64)\"" "ID=\"euleros\"" "VERSION_ID=\"2.0\"" \
    "PRETTY_NAME=\"EulerOS 2.0 (SP$1x86_64)\"" > /etc/os-release
  mkdir -p /etc/pki/ca-trust/source/anchors /etc/pki/ca-trust/source/blocklist /usr/share/pki/ca-trust-source/anchors /etc/pki/tls/certs
  cp /usr/share/ca-certificates/mozilla/*.crt /usr/share/pki/ca-trust-source/anchors/
  sed -i "s|^x-init-reserved:.*|x-init-reserved: paths=/etc/pki/ca-trust/source:/usr/share/pki/ca-trust-source|" \
    /usr/share/p11-kit/modules/p11-kit-trust.module
  install -m 0755 /usr/local/lib/e2e/update-ca-trust /usr/bin/update-ca-trust
  ln -sfn ../../ca-trust/extracted/pem/tls-ca-bundle.pem /etc/pki/tls/certs/ca-bundle.crt
  ln -sfn ../../ca-trust/extracted/openssl/ca-bundle.trust.crt /etc/pki/tls/certs/ca-bundle.trust.crt
  rm -rf /etc/ssl/certs && ln -s ../pki/tls/certs /etc/ssl/certs
  sed -i "s/^hosts:.*/hosts:      files dns myhostname/" /etc/nsswitch.conf
  update-ca-trust extract' sh "$1"
}

# e2e_cleanup NAME: the EXIT trap of a scenario run in its private mount namespace: keeps the node when
# asked (keep_node), stops it, unmounts and removes $base, keeps the console log $console only on failure.
e2e_cleanup() {
  local rc=$? name=$1
  # shellcheck disable=SC2154  # $base and $console: set by the scenario before it sets the trap
  keep_node "$base"
  stop_node
  umount -R "$base" 2>/dev/null || umount -Rl "$base" 2>/dev/null || true
  rmdir "$base" 2>/dev/null || true
  ((rc != 0)) || rm -f "$console"
  ((rc == 0)) || echo "$name: FAILED (exit $rc); the node's console log is $console" >&2
  return "$rc"
}
