#!/usr/bin/env bash
# trustmend end to end, on a real but throwaway node: a systemd booted with systemd-nspawn over an
# overlay of this machine's own root (nothing on the host changes), with the real containerd, dockerd,
# journald, D-Bus, update-ca-certificates and a TLS registry whose CA the node does not trust.
#
#   1. boot the node; start containerd, docker and the registry; push a one-file image
#   2. a CRI pull (what kubelet does) and a docker pull fail with "x509: certificate signed by unknown
#      authority"; both errors are in the engines' journal
#   3. install trustmend (the .deb from packaging/out when there is one), allow the registry, enforce:
#      trustmend installs the anchor, verifies it, restarts containerd (the pull now works) and defers
#      docker (no live-restore); with live-restore on, docker's next failure gets it restarted too
#   4. what must cause nothing: a host outside the allow list (reported only), failures forged by an
#      ordinary user, and `dpkg --purge` takes every anchor and the state away
#   5. the registry route (route: auto): containerd with config_path and dockerd repaired through their
#      certs.d, both MainPIDs unchanged, nothing in the system store; purge leaves no certs.d behind
#   6. the same node made EulerOS-like (os-release, /etc/pki, an update-ca-trust running Debian's real
#      p11-kit): the CCE procedure by hand cannot trust a lone CA:FALSE certificate; route: system repairs
#      a CA chain through p11-kit and refuses that certificate, naming the registry route; route: auto
#      repairs it through certs.d without a restart; purge cleans both routes
#
# Run as root on Debian 12: bash Tests/e2e/run.sh  (installs the host packages it needs and builds the
# .deb; the scenario itself takes about 30 seconds).
# Exits non-zero at the first failed check.
#   TRUSTMEND_E2E_FROM=deb|build   install from packaging/out/trustmend_*.deb (the default when there is
#                                  one) or from .build/release/trustmend with the repo's unit file
#   TRUSTMEND_E2E_KEEP=1           keep the node at the end to look around (nsenter -t PID -a bash)
#                                  until the file it names is removed
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

# shellcheck source=Tests/e2e/lib.sh
source "$here/lib.sh"   # narration, checks, node(), events, the PKI, boot_node

[[ $EUID == 0 ]] || { echo "run.sh: run as root (it boots a container)" >&2; exit 1; }

# --- host packages (outside the node's mount namespace: the overlay's lower layer must not change later)
if [[ ${TRUSTMEND_E2E_INSIDE:-} != 1 ]]; then
  say "Host packages: nspawn, the engines, the registry, skopeo, python3-grpcio"
  pkgs=(systemd systemd-container dbus containerd docker.io docker-registry skopeo python3-grpcio
        iproute2 openssl ca-certificates util-linux p11-kit p11-kit-modules)
  missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    note "installing: ${missing[*]}"
    apt-get update -qq
    # The engines' postinsts cannot start anything here (no systemd on the host).
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
  pass "all present"
  if [[ ${TRUSTMEND_E2E_FROM:-auto} != build ]]; then
    say "Building the .deb from this checkout (packaging/build deb)"
    bash "$repo/Tests/scripts/setup.sh"
    bash "$repo/packaging/build" deb | sed 's/^/    /'
  fi
  # Everything below runs in a private mount namespace: the overlay and the node vanish with it.
  TRUSTMEND_E2E_INSIDE=1 exec unshare -m --propagation private -- bash "$0" "$@"
fi

# --- the node ------------------------------------------------------------------------------------------
image=registry.e2e.test:5000/e2e/hello:1.0
other_image=other.e2e.test:5000/e2e/hello:1.0
forged_image=forged.e2e.test:5000/e2e/hello:1.0
scoped_image=scoped.e2e.test:5000/e2e/hello:1.0   # step 5: the registry route
self_image=self.e2e.test:5000/e2e/hello:1.0       # step 5: a lone self-signed CA:FALSE certificate

base=$(mktemp -d /tmp/trustmend-e2e.XXXXXX)
root=$base/root nspawn="" pid1="" console=$base.console.log
cleanup() {
  local rc=$?
  keep_node "$base"
  stop_node
  umount -R "$base" 2>/dev/null || umount -Rl "$base" 2>/dev/null || true
  rmdir "$base" 2>/dev/null || true
  ((rc != 0)) || rm -f "$console"
  ((rc == 0)) || echo "run.sh: FAILED (exit $rc); the node's console log is $console" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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

say "Overlay over this machine's root (tmpfs upper): $root"
mount -t tmpfs -o mode=0755,size=4G trustmend-e2e "$base"
mkdir -p "$base/upper" "$base/work" "$root"
mount -t overlay trustmend-e2e -o "lowerdir=/,upperdir=$base/upper,workdir=$base/work" "$root"

# What trustmend will be installed from, copied in now: the build and packaging may change under us.
mkdir -p "$root/var/cache/e2e" "$root/usr/local/lib/e2e"
from=${TRUSTMEND_E2E_FROM:-auto} deb=""
if [[ $from != build ]]; then
  deb=$(ls -t "$repo"/packaging/out/trustmend_*_amd64.deb 2>/dev/null | head -1 || true)
  [[ -n $deb || $from == auto ]] || die "no packaging/out/trustmend_*_amd64.deb (packaging/build deb)"
fi
if [[ -n $deb ]]; then
  for try in 1 2 3 4 5 6; do                                 # packaging/build may be writing it now
    cp "$deb" "$root/var/cache/e2e/"
    dpkg-deb --fsys-tarfile "$root/var/cache/e2e/${deb##*/}" 2>/dev/null | tar t > /dev/null 2>&1 && break
    ((try < 6)) || die "$deb is not a complete package"
    sleep 5
  done
  deb=/var/cache/e2e/${deb##*/}
  note "trustmend from packaging/out/${deb##*/}"
else
  [[ -x $repo/.build/release/trustmend ]] || die "neither packaging/out/trustmend_*.deb nor .build/release/trustmend"
  install -m 0755 "$repo/.build/release/trustmend" "$root/usr/local/lib/e2e/trustmend"
  [[ ! -f $repo/systemd/trustmend.service ]] || cp "$repo/systemd/trustmend.service" "$root/usr/local/lib/e2e/"
  note "trustmend from .build/release/trustmend (no .deb, or TRUSTMEND_E2E_FROM=build)"
fi
cp "$here/cri_pull.py" "$here/make_oci.py" "$here/update-ca-trust" "$root/usr/local/lib/e2e/"

say "Minting the registry's CA: root → issuing CA → leaf for registry.e2e.test (another CA for the rest)"
pki=$root/etc/e2e/pki; mkdir -p "$pki"
(
  cd "$pki"
  ca root "/O=E2E Corp/CN=E2E Corp Root CA"
  ca issuing "/O=E2E Corp/CN=E2E Corp Issuing CA" root
  leaf registry issuing registry.e2e.test
  ca other "/O=Elsewhere/CN=Elsewhere CA"
  leaf other-leaf other other.e2e.test forged.e2e.test
  ca scoped "/O=Scoped Corp/CN=Scoped Corp Root CA"
  ca scoped-issuing "/O=Scoped Corp/CN=Scoped Corp Issuing CA" scoped
  leaf scoped-leaf scoped-issuing scoped.e2e.test
  # What home-made registries serve: one self-signed certificate, CA:FALSE (FACTS §7).
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout self.key -out self.pem -days 7 \
    -subj "/CN=self.e2e.test" -addext "basicConstraints=critical,CA:FALSE" -addext "subjectAltName=DNS:self.e2e.test"
  cp self.pem self-chain.pem
  chmod 0644 ./*.key                                         # read by the registry's own user
) 2>/dev/null
anchor_sha=$(fingerprint < "$pki/issuing.pem")
note "the registry sends leaf + issuing CA; the anchor to expect is the issuing CA, sha256 ${anchor_sha:0:16}…"
note "other.e2e.test and forged.e2e.test: a second registry, certificate from 'Elsewhere CA'"
scoped_sha=$(fingerprint < "$pki/scoped-issuing.pem") self_sha=$(fingerprint < "$pki/self.pem")
note "scoped.e2e.test (leaf + Scoped Corp Issuing CA) and self.e2e.test (self-signed, CA:FALSE): step 5"

say "Node configuration (written into the overlay before boot)"
cat >> "$root/etc/hosts" <<'EOF'
10.99.0.1 registry.e2e.test
10.99.0.2 other.e2e.test forged.e2e.test
10.99.0.3 scoped.e2e.test
10.99.0.4 self.e2e.test
EOF
# containerd: CRI on (Debian's file leaves it on, but say so), the default overlayfs snapshotter.
mkdir -p "$root/etc/containerd" "$root/etc/docker" "$root/etc/e2e/skopeo-certs"
cat > "$root/etc/containerd/config.toml" <<'EOF'
version = 2
disabled_plugins = []
[plugins."io.containerd.grpc.v1.cri"]
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "/etc/cni/net.d"
EOF
# dockerd: no iptables/bridge in a private network namespace; vfs (overlay2 cannot stack on overlayfs).
daemon_json='"iptables": false, "ip-masq": false, "bridge": "none", "storage-driver": "vfs"'
echo "{ $daemon_json }" > "$root/etc/docker/daemon.json"
for r in registry:10.99.0.1:registry other:10.99.0.2:other-leaf scoped:10.99.0.3:scoped-leaf self:10.99.0.4:self; do
  IFS=: read -r name addr cert <<<"$r"
  cat > "$root/etc/e2e/registry-$name.yml" <<EOF
version: 0.1
log: {level: info, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: /var/lib/docker-registry}}
http:
  addr: $addr:5000
  tls: {certificate: /etc/e2e/pki/$cert-chain.pem, key: /etc/e2e/pki/$cert.key}
EOF
done
cat > "$root/etc/systemd/system/e2e-registry@.service" <<'EOF'
[Unit]
Description=e2e test registry %i (CNCF distribution)
[Service]
User=docker-registry
ExecStart=/usr/bin/docker-registry serve /etc/e2e/registry-%i.yml
EOF
cp "$pki/root.pem" "$root/etc/e2e/skopeo-certs/ca.crt"       # only skopeo trusts the CAs
cp "$pki/scoped.pem" "$root/etc/e2e/skopeo-certs/scoped.crt"
cp "$pki/self.pem" "$root/etc/e2e/skopeo-certs/self.crt"
/usr/bin/python3 "$here/make_oci.py" "$root/etc/e2e/oci" 1.0
# The engines start when the scenario says so, not at boot. policy-rc.d (a container-image habit of
# this host) would stop the package's postinst from starting trustmend: the node does not have one.
rm -f "$root"/etc/systemd/system/*.wants/{containerd,docker,docker-registry}.service "$root/usr/sbin/policy-rc.d"
rm -f "$root/var/lib/man-db/auto-update"                     # dpkg's man-db trigger takes seconds
note "/etc/hosts, containerd config.toml, docker daemon.json, e2e-registry@.service, an OCI layout"
# Every other service or timer this host enables is masked: the node runs systemd, journald and D-Bus.
mask_enabled "$root"

say "1. Boot systemd in the overlay (systemd-nspawn --boot --private-network)"
boot_node "$root" "$console" -- "${mask_args[@]}"

say "1. Start containerd, docker and the registries; push the image"
tb=$(now_us)
node ip addr add 10.99.0.1/32 dev lo
node ip addr add 10.99.0.2/32 dev lo
node ip addr add 10.99.0.3/32 dev lo
node ip addr add 10.99.0.4/32 dev lo
registries="e2e-registry@registry e2e-registry@other e2e-registry@scoped e2e-registry@self"
node systemctl start containerd docker $registries
for u in containerd docker $registries; do
  node systemctl is-active -q "$u" || die "$u is not active"
done
for _ in $(seq 100); do node curl -fso /dev/null --cacert /etc/e2e/pki/root.pem https://registry.e2e.test:5000/v2/ && break; sleep 0.1; done
for _ in $(seq 100); do node curl -fso /dev/null --cacert /etc/e2e/pki/self.pem https://self.e2e.test:5000/v2/ && break; sleep 0.1; done
timed "start containerd, docker, 4 registries" "$(since "$tb")"
pass "containerd, docker, registry, other, scoped and self.e2e.test:5000 are up"
tb=$(now_us)
for i in "$image" "$scoped_image" "$self_image"; do
  node skopeo copy -q --dest-cert-dir /etc/e2e/skopeo-certs oci:/etc/e2e/oci:1.0 "docker://$i"
done
timed "skopeo push x3" "$(since "$tb")"
pass "pushed $image, $scoped_image, $self_image (one layer, one file)"

say "2. Without trustmend: both engines fail on the unknown authority"
m=$(mark)
tb=$(now_us); expect_fail "CRI PullImage $image" cri_pull "$image"; timed "CRI pull, failing" "$(since "$tb")"
engine_logged containerd.service "$m" "$image"
tb=$(now_us); expect_fail "docker pull $image" docker_pull "$image"; timed "docker pull, failing" "$(since "$tb")"
engine_logged docker.service "$m" registry.e2e.test:5000

say "3. Install trustmend"
tb=$(now_us)
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
noise=$(node journalctl --no-pager -q -o cat --since="$m" _SYSTEMD_UNIT=trustmend.service | grep -c 'Failed to set thread priority' || true)
((noise == 0)) || note "$noise 'Failed to set thread priority' lines at start: the Swift runtime meets the unit's setpriority filter (harmless; see the unit)"

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
tb=$(now_us)
ref=$(cri_pull "$image") || die "CRI PullImage still fails after containerd's restart"
timed "CRI pull, succeeding" "$(span "$tb" "$(now_us)")"
pass "CRI PullImage $image → $ref"

say "3. docker's failure again: the bundle trusts the chain, but dockerd without live-restore is not restarted"
m=$(mark)
expect_fail "docker pull (dockerd holds the roots it loaded)" docker_pull "$image"
wait_event "$m" "$id_deferred" restart-deferred TRUSTMEND_UNIT=docker.service
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
timed "failed docker pull -> docker restarted" "$(span "$tf" "$event_at")"
[[ -z $(events "$m" "$id_installed") ]] || die "an anchor was installed again"
pass "nothing installed this time (the bundle already trusts the chain)"
tb=$(now_us)
docker_pull "$image" > /dev/null || die "docker pull still fails after docker's restart"
timed "docker pull, succeeding" "$(since "$tb")"
pass "docker pull $image works"

say "4. A forged failure: an ordinary user writes engine-looking lines to the journal"
m=$(mark)
forged="time=\"$(date -u +%FT%T.%NZ)\" level=error msg=\"PullImage \\\"$forged_image\\\" failed\" error=\"failed to pull and unpack image \\\"$forged_image\\\": failed to resolve reference \\\"$forged_image\\\": failed to do request: Head \\\"https://forged.e2e.test:5000/v2/e2e/hello/manifests/1.0\\\": x509: certificate signed by unknown authority\""
# As nobody, in a service of its own (a compromised daemon, say): syslog, stdout, and the native
# protocol with the trusted fields spelled out (journald replaces them with the truth).
forge=$(cat <<FORGE
logger -t containerd '$forged'
echo 'level=error msg="Handler for POST /v1.41/images/create returned error: Get \"https://forged.e2e.test:5000/v2/\": x509: certificate signed by unknown authority"' | systemd-cat -t dockerd
printf 'MESSAGE=%s\nSYSLOG_IDENTIFIER=containerd\n_SYSTEMD_UNIT=containerd.service\n_UID=0\n' '$forged' | logger --journald
FORGE
)
node systemd-run -q --wait --collect --unit=e2e-forger -p User=nobody /bin/sh -c "$forge"
node journalctl --no-pager -q -o json --since="$m" | /usr/bin/python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    e = json.loads(line)
    if "forged.e2e.test" in str(e.get("MESSAGE")) and e.get("SYSLOG_IDENTIFIER") in ("containerd", "dockerd"):
        n += 1
        print("    journald recorded: SYSLOG_IDENTIFIER=%s _UID=%s _SYSTEMD_UNIT=%s"
              % (e.get("SYSLOG_IDENTIFIER"), e.get("_UID"), e.get("_SYSTEMD_UNIT", "(none)")))
sys.exit(0 if n >= 3 else 1)' || die "the forged lines did not all reach the journal"
pass "3 forged lines in the journal, none from containerd.service or docker.service as root"
note "forged.e2e.test is allowed: only the entries' source may keep trustmend from trusting it"

say "4. A registry outside the allow list: other.e2e.test is only reported"
expect_fail "CRI PullImage $other_image" cri_pull "$other_image"
wait_event "$m" "$id_reported" reported TRUSTMEND_HOST=other.e2e.test
[[ -z $(events "$m" "$id_installed") ]] || die "something was installed"
[[ $(node sh -c 'ls /usr/local/share/ca-certificates/trustmend-*.crt | wc -l') == 1 ]] || die "anchor count changed"
pass "nothing installed for other.e2e.test"
# The journal is read in order: other.e2e.test's entry came after the forged ones, so they were seen.
[[ -z $(node journalctl --no-pager -q --since="$m" _SYSTEMD_UNIT=trustmend.service TRUSTMEND_HOST=forged.e2e.test) ]] ||
  die "trustmend logged an event for the forged host"
pass "the forged entries caused no event at all"

if [[ -n $deb ]]; then
  say "4. Upgrade: installing the package again keeps the configuration and restarts the service"
  pid_before=$(node systemctl show -p MainPID --value trustmend)
  config_before=$(node sha256sum /etc/trustmend/config.yaml)
  m=$(mark)
  node dpkg -i "$deb" 2>&1 | sed 's/^/    | /'
  wait_event "$m" "$id_started" started
  pid_after=$(node systemctl show -p MainPID --value trustmend)
  [[ $pid_after != 0 && $pid_after != "$pid_before" ]] || die "trustmend was not restarted (MainPID $pid_before → $pid_after)"
  [[ $(node sha256sum /etc/trustmend/config.yaml) == "$config_before" ]] || die "the upgrade changed /etc/trustmend/config.yaml"
  [[ $(node systemctl show -p NRestarts --value trustmend) == 0 ]] || die "trustmend failed and was restarted by systemd"
  pass "restarted (MainPID $pid_before → $pid_after), the edited config.yaml kept, no failure restarts"
fi

say "4. Removal: purge takes the anchors and the state away"
purge_trustmend
node systemctl is-active -q trustmend && die "trustmend still running after purge"
node test -e /var/lib/trustmend && die "/var/lib/trustmend is still there"
pass "trustmend stopped, /var/lib/trustmend gone"
node sh -c 'ls /usr/local/share/ca-certificates/trustmend-*.crt' 2>/dev/null && die "an anchor file is left"
node grep -q "$(sed -n 2p "$pki/issuing.pem")" /etc/ssl/certs/ca-certificates.crt && die "the CA is still in the bundle"
pass "no trustmend-*.crt left, the CA is gone from /etc/ssl/certs/ca-certificates.crt"

say "5. The registry route: containerd reads /etc/containerd/certs.d (config_path), dockerd its own certs.d"
cat <<'TOML' | node tee /etc/containerd/config.toml > /dev/null
version = 2
disabled_plugins = []
[plugins."io.containerd.grpc.v1.cri"]
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "/etc/containerd/certs.d"
TOML
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

engines_kept "$pids"
[[ -z $(events "$m" "$id_requested") ]] || die "trustmend asked for a restart"
[[ -z $(node sh -c 'ls /usr/local/share/ca-certificates/trustmend-* 2>/dev/null') ]] || die "an anchor was added to the system anchor directory"
node grep -q "$(sed -n 2p "$pki/scoped-issuing.pem")" /etc/ssl/certs/ca-certificates.crt && die "the scoped CA is in the system bundle"
pass "no restart requested; nothing in /usr/local/share/ca-certificates or the system bundle"
node trustmend list | sed 's/^/    | /'

say "5. Removal: purge takes the certs.d anchors and the directories trustmend created"
purge_trustmend
left=$(node sh -c 'ls -d /etc/docker/certs.d /etc/containerd/certs.d 2>/dev/null' || true)
[[ -z $left ]] || die "left behind: $left"
pass "no trustmend file or directory left under /etc/docker/certs.d or /etc/containerd/certs.d"

say "6. An EulerOS-like node: os-release, /etc/pki, update-ca-trust running Debian's real p11-kit (FACTS §9)"
# The trust module reads the RHEL family's sources instead of Debian's bundle; update-ca-trust extracts
# with `trust` as RHEL's does; Go finds no /etc/ssl/certs/ca-certificates.crt (/etc/ssl/certs is a link
# to /etc/pki/tls/certs, as on EulerOS) and reads /etc/pki/tls/certs/ca-bundle.crt.
node sh -e -c '
  rm -f /etc/os-release
  printf "%s\n" "NAME=\"EulerOS\"" "VERSION=\"2.0 (SP12x86_64)\"" "ID=\"euleros\"" "VERSION_ID=\"2.0\"" \
    "PRETTY_NAME=\"EulerOS 2.0 (SP12x86_64)\"" > /etc/os-release
  mkdir -p /etc/pki/ca-trust/source/anchors /etc/pki/ca-trust/source/blocklist /usr/share/pki/ca-trust-source/anchors /etc/pki/tls/certs
  cp /usr/share/ca-certificates/mozilla/*.crt /usr/share/pki/ca-trust-source/anchors/
  sed -i "s|^x-init-reserved:.*|x-init-reserved: paths=/etc/pki/ca-trust/source:/usr/share/pki/ca-trust-source|" \
    /usr/share/p11-kit/modules/p11-kit-trust.module
  install -m 0755 /usr/local/lib/e2e/update-ca-trust /usr/bin/update-ca-trust
  ln -sfn ../../ca-trust/extracted/pem/tls-ca-bundle.pem /etc/pki/tls/certs/ca-bundle.crt
  ln -sfn ../../ca-trust/extracted/openssl/ca-bundle.trust.crt /etc/pki/tls/certs/ca-bundle.trust.crt
  rm -rf /etc/ssl/certs && ln -s ../pki/tls/certs /etc/ssl/certs
  update-ca-trust extract'
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
grep -q 'not a CA certificate' <<<"$why" && grep -q 'registry route' <<<"$why" || die "the refusal does not say why: $why"
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

say "All checks passed"
printf '    %s\n' "${timings[@]}"
