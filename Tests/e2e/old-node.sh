#!/usr/bin/env bash
# trustmend end to end on an OLD node: Debian 11 (bullseye: glibc 2.31, OpenSSL 1.1.1, systemd 247,
# containerd 1.4, docker.io 20.10, rpm 4.16), debootstrapped from Debian's mirror into a cache outside the
# repo and booted with systemd-nspawn over an overlay (tmpfs upper: the cached root never changes).
#
#   a. a TLS registry whose CA the node lacks: a CRI pull (containerd 1.4 serves CRI v1alpha2 only) and a
#      docker pull fail with "x509: certificate signed by unknown authority", in the engines' journal
#   b. the .deb on Debian's trust store, route: auto, enforce: trustmend takes the SYSTEM route (containerd
#      1.4 has no registry config_path) and says why; containerd restarted, the pull works; doctor runs;
#      docker 20.10 reads certs.d, so auto repairs its pull on the registry route, without a restart
#   c. the same under a drop-in that makes every system call added after Linux 4.19 fail with ENOSYS
#   d. dpkg --purge: anchors gone, the bundle rebuilt without the CA, the state gone
#   e. the node made EulerOS-like (os-release, /etc/pki, update-ca-trust running the node's p11-kit), the
#      .rpm installed with rpm -i (its %post starts the unit), a repair through p11-kit on the system
#      route (seccomp drop-in still on), rpm -e cleans the anchors
#
# Run as root on Debian 12: bash Tests/e2e/old-node.sh   (installs the host packages it needs; builds
# the .deb and the .rpm into packaging/out, as run.sh does). Exits non-zero at the first failed check.
#   TRUSTMEND_E2E_CACHE=DIR          the bullseye root (default /var/cache/trustmend-e2e/bullseye-<hash
#                                    of the package list>); built there when missing, reused otherwise
#   TRUSTMEND_E2E_MIRROR=URL         Debian's mirror (default http://deb.debian.org/debian)
#   TRUSTMEND_E2E_PREPARE_ONLY=1     only make sure the cached root exists (for a CI cache step)
#   TRUSTMEND_E2E_BUILD=0            do not build the packages: use what packaging/out has
#   TRUSTMEND_E2E_KEEP=1             keep the node at the end (nsenter -t PID -a bash) until the file it
#                                    names is removed
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=Tests/e2e/lib.sh
source "$here/lib.sh"

[[ $EUID == 0 ]] || { echo "old-node.sh: run as root (it debootstraps and boots a container)" >&2; exit 1; }

# --- the cached root -----------------------------------------------------------------------------------
mirror=${TRUSTMEND_E2E_MIRROR:-http://deb.debian.org/debian}
# What the node runs. docker-registry and skopeo serve and push the test image inside the node (its
# network is private); python3-grpcio speaks CRI; rpm installs the .rpm in step e. libnss-myhostname and
# libnss-systemd (systemd's Recommends, on most nodes) put NSS modules built for glibc 2.31 into
# nsswitch.conf: trustmend's own glibc must not load them.
node_pkgs=(systemd systemd-sysv dbus containerd docker.io docker-registry skopeo p11-kit p11-kit-modules
           ca-certificates openssl rpm python3 python3-grpcio iproute2 curl util-linux procps
           libnss-myhostname libnss-systemd)
# The recipe's version and everything that shapes the root name the cache directory: a change makes a new one.
recipe=$(printf '%s\n' "recipe 1" "bullseye" "$mirror" "${node_pkgs[@]}" | cat - "$here/old-node/build-root.sh")
cache=${TRUSTMEND_E2E_CACHE:-/var/cache/trustmend-e2e/bullseye-$(sha256sum <<<"$recipe" | cut -c1-12)}

if [[ ${TRUSTMEND_E2E_INSIDE:-} != 1 ]]; then
  say "Host packages: debootstrap, nspawn, openssl, python3"
  host_pkgs=(debootstrap systemd-container util-linux procps binutils openssl python3 rpm)
  missing=()
  for p in "${host_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    note "installing: ${missing[*]}"
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
  pass "all present"

  say "The old node's root: $cache"
  if [[ -d $cache ]]; then
    pass "cached ($(du -sh --apparent-size "$cache" | cut -f1)), built $(date -u -r "$cache" +%FT%TZ)"
  else
    note "not cached: debootstrap bullseye from $mirror and install ${node_pkgs[*]}"
    tb=$(now_us)
    bash "$here/old-node/build-root.sh" "$cache" "$mirror" "${node_pkgs[@]}" | sed 's/^/    /'
    [[ -d $cache ]] || die "build-root.sh made no $cache"
    timed "debootstrap + apt-get install (cache miss)" "$(since "$tb")"
    pass "built in $(since "$tb")s ($(du -sh --apparent-size "$cache" | cut -f1))"
  fi
  sed 's/^/    /' "$cache/etc/trustmend-e2e-versions"
  for old in "$(dirname "$cache")"/bullseye-*; do
    if [[ -d $old && $old != "$cache" ]]; then note "an older recipe's root, unused now: $old (rm -rf it to free $(du -sh "$old" | cut -f1))"; fi
  done
  [[ ${TRUSTMEND_E2E_PREPARE_ONLY:-} != 1 ]] || exit 0
fi

# --- everything below runs in a private mount namespace: the overlay and the node vanish with it -------
if [[ ${TRUSTMEND_E2E_INSIDE:-} != 1 ]]; then
  if [[ ${TRUSTMEND_E2E_BUILD:-1} != 0 ]]; then
    say "Building the .deb and the .rpm from this checkout (packaging/build deb, packaging/build rpm)"
    bash "$repo/Tests/scripts/setup.sh"
    for kind in deb rpm; do bash "$repo/packaging/build" "$kind" | sed 's/^/    /'; done
  fi
  TRUSTMEND_E2E_INSIDE=1 exec unshare -m --propagation private -- bash "$0" "$@"
fi

image=registry.e2e.test:5000/e2e/hello:1.0       # steps a, b, e
image2=seccomp.e2e.test:5000/e2e/hello:1.0       # step c: a second registry, its own CA
# Every x86_64 system call added after Linux 4.19 (5.1 … 6.10), as syscall_probe.py calls them.
new_calls=(pidfd_send_signal io_uring_setup io_uring_enter io_uring_register open_tree move_mount fsopen
  fsconfig fsmount fspick pidfd_open clone3 close_range openat2 pidfd_getfd faccessat2 process_madvise
  epoll_pwait2 mount_setattr quotactl_fd landlock_create_ruleset landlock_add_rule landlock_restrict_self
  memfd_secret process_mrelease futex_waitv set_mempolicy_home_node cachestat fchmodat2 map_shadow_stack
  futex_wake futex_wait futex_requeue statmount listmount lsm_get_self_attr lsm_set_self_attr
  lsm_list_modules mseal)

base=$(mktemp -d /tmp/trustmend-old-node.XXXXXX)
root=$base/root nspawn="" pid1="" console=$base.console.log
cleanup() {
  local rc=$?
  keep_node "$base"
  stop_node
  umount -R "$base" 2>/dev/null || umount -Rl "$base" 2>/dev/null || true
  rmdir "$base" 2>/dev/null || true
  ((rc != 0)) || rm -f "$console"
  ((rc == 0)) || echo "old-node.sh: FAILED (exit $rc); the node's console log is $console" >&2
  say "Timings"
  printf '    %s\n' "${timings[@]}"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Overlay over the cached bullseye root (tmpfs upper): $root"
mount -t tmpfs -o mode=0755,size=4G trustmend-old-node "$base"
mkdir -p "$base/upper" "$base/work" "$root"
mount -t overlay trustmend-old-node -o "lowerdir=$cache,upperdir=$base/upper,workdir=$base/work" "$root"
pass "$(. "$root/etc/os-release" && echo "$PRETTY_NAME"): $(grep -E '^(libc6|systemd|containerd|docker.io|openssl|rpm|p11-kit) ' "$root/etc/trustmend-e2e-versions" | tr '\n' ';' | sed 's/;$//; s/;/; /g')"

# The packages, copied in now (packaging/build may rewrite them under us), and whether they carry the
# private runtime (/usr/lib/trustmend/) that lets them run on bullseye's glibc 2.31.
mkdir -p "$root/var/cache/e2e" "$root/usr/local/lib/e2e"
copy_package() { # copy_package deb|rpm FILE…: the newest FILE, complete, into the node; prints its path there
  local kind=$1 file try; shift
  [[ -e $1 ]] || return 0
  file=$(ls -t -- "$@" | head -1)
  for try in 1 2 3 4 5 6; do
    cp -p -- "$file" "$root/var/cache/e2e/"
    if [[ $kind == deb ]]; then
      dpkg-deb --fsys-tarfile "$root/var/cache/e2e/${file##*/}" 2>/dev/null | tar t > /dev/null 2>&1 && break
    else
      rpm -K --nosignature "$root/var/cache/e2e/${file##*/}" > /dev/null 2>&1 && break
    fi
    ((try < 6)) || die "$file is not a complete package"
    sleep 5
  done
  echo "/var/cache/e2e/${file##*/}"
}
deb=$(copy_package deb "$repo"/packaging/out/trustmend_*_amd64.deb)
rpm=$(copy_package rpm "$repo"/packaging/out/trustmend-*.x86_64.rpm)
if [[ -n $deb ]]; then
  note "${deb##*/} (built $(date -u -r "$root$deb" +%FT%TZ)): Depends: $(dpkg-deb -f "$root$deb" Depends)"
  note "  $(dpkg-deb -c "$root$deb" | grep -c ' \./usr/lib/trustmend/.' || true) files under /usr/lib/trustmend/"
else
  note "no packaging/out/trustmend_*_amd64.deb: step b will fail (bash packaging/build deb)"
fi
if [[ -n $rpm ]]; then
  note "${rpm##*/} (built $(date -u -r "$root$rpm" +%FT%TZ)): $(rpm -qlp --nosignature "$root$rpm" 2>/dev/null | grep -c '^/usr/lib/trustmend/.' || true) files under /usr/lib/trustmend/"
else
  note "no packaging/out/trustmend-*.x86_64.rpm: step e will fail (bash packaging/build rpm)"
fi
# The unit the package ships (the repo's without a package), for the seccomp probe in step c.
mkdir -p "$base/deb"
unit_file=$repo/systemd/trustmend.service
if [[ -n $deb ]]; then
  dpkg-deb -x "$root$deb" "$base/deb"
  unit_file=$(ls "$base"/deb/{lib,usr/lib}/systemd/system/trustmend.service 2>/dev/null | head -1 || true)
  [[ -n $unit_file ]] || die "the .deb has no systemd/system/trustmend.service"
fi
cp "$unit_file" "$root/usr/local/lib/e2e/trustmend.service"
cp "$here/cri_pull.py" "$here/make_oci.py" "$here/update-ca-trust" "$here/old-node/syscall_probe.py" "$root/usr/local/lib/e2e/"

say "Minting two registries' CAs: E2E Corp (registry.e2e.test), Seccomp Corp (seccomp.e2e.test)"
pki=$root/etc/e2e/pki; mkdir -p "$pki"
(
  cd "$pki"
  pki_ca root "/O=E2E Corp/CN=E2E Corp Root CA"
  pki_ca issuing "/O=E2E Corp/CN=E2E Corp Issuing CA" root
  pki_leaf registry issuing registry.e2e.test
  pki_ca seccomp "/O=Seccomp Corp/CN=Seccomp Corp Root CA"
  pki_ca seccomp-issuing "/O=Seccomp Corp/CN=Seccomp Corp Issuing CA" seccomp
  pki_leaf seccomp-leaf seccomp-issuing seccomp.e2e.test
  chmod 0644 ./*.key                                         # read by the registry's own user
) 2>/dev/null
anchor_sha=$(pki_sha256 "$pki/issuing.pem") seccomp_sha=$(pki_sha256 "$pki/seccomp-issuing.pem")
note "each registry sends leaf + issuing CA; the anchors to expect: sha256 ${anchor_sha:0:16}… and ${seccomp_sha:0:16}…"

say "Node configuration (written into the overlay before boot)"
cat >> "$root/etc/hosts" <<'EOF'
10.99.0.1 registry.e2e.test
10.99.0.2 seccomp.e2e.test
EOF
# containerd 1.4: CRI on, no registry config_path (1.4 has none); the registries (NAME:ADDRESS:CERT[:CA
# skopeo trusts]); the engines start when the scenario says so, not at boot (lib.sh's node_config).
node_config "$root" registry:10.99.0.1:registry:root seccomp:10.99.0.2:seccomp-leaf:seccomp
note "/etc/hosts, containerd config.toml (no config_path), docker daemon.json, e2e-registry@.service, an OCI layout"
mask_enabled "$root"

say "Boot bullseye's systemd in the overlay (systemd-nspawn --boot --private-network)"
boot_node "$root" "$console" -- "${mask_args[@]}"
note "$(node systemctl --version | head -1); kernel $(uname -r) (the host's)"

say "Start containerd, docker and the registries; push the image"
tb=$(now_us)
node ip addr add 10.99.0.1/32 dev lo
node ip addr add 10.99.0.2/32 dev lo
registries=(e2e-registry@registry e2e-registry@seccomp)
node systemctl start containerd docker "${registries[@]}"
for u in containerd docker "${registries[@]}"; do
  node systemctl is-active -q "$u" || { node systemctl status "$u" --no-pager -l || true; die "$u is not active"; }
done
for _ in $(seq 100); do node curl -fso /dev/null --cacert /etc/e2e/pki/root.pem https://registry.e2e.test:5000/v2/ && break; sleep 0.1; done
for _ in $(seq 100); do node curl -fso /dev/null --cacert /etc/e2e/pki/seccomp.pem https://seccomp.e2e.test:5000/v2/ && break; sleep 0.1; done
timed "start containerd, docker, 2 registries" "$(since "$tb")"
pass "$(node containerd --version | cut -d' ' -f1,3), $(node docker version -f 'docker {{.Server.Version}}' 2>/dev/null), registry and seccomp.e2e.test:5000 are up"
tb=$(now_us)
for i in "$image" "$image2"; do
  node skopeo copy -q --dest-cert-dir /etc/e2e/skopeo-certs oci:/etc/e2e/oci:1.0 "docker://$i"
done
timed "skopeo push x2" "$(since "$tb")"
pass "pushed $image, $image2 (one layer, one file)"

say "a. Without trustmend: both engines fail on the unknown authority"
m=$(mark)
tb=$(now_us); expect_fail "CRI PullImage (v1alpha2) $image" cri_pull "$image"; timed "CRI pull, failing" "$(since "$tb")"
engine_logged containerd.service "$m" "$image"
tb=$(now_us); expect_fail "docker pull $image" docker_pull "$image"; timed "docker pull, failing" "$(since "$tb")"
engine_logged docker.service "$m" registry.e2e.test:5000
node python3 - <<'PY' || die "containerd does not serve CRI v1alpha2 only"
import grpc, sys
with grpc.insecure_channel("unix:///run/containerd/containerd.sock") as ch:
    for api, want in (("runtime.v1", grpc.StatusCode.UNIMPLEMENTED), ("runtime.v1alpha2", grpc.StatusCode.OK)):
        try:
            ch.unary_unary(f"/{api}.ImageService/ListImages")(b"", timeout=10); code = grpc.StatusCode.OK
        except grpc.RpcError as e:
            code = e.code()
        print(f"    {api}.ImageService/ListImages: {code.name}")
        if code != want: sys.exit(1)
PY
pass "containerd serves CRI runtime.v1alpha2 only (the pulls above went through it)"

say "c. (before trustmend) The kernel-4.19 drop-in: every system call added after Linux 4.19 fails with ENOSYS"
# systemd 247 takes "~NAME:ERRNO" in SystemCallFilter=, but only in deny-list mode: trustmend.service
# allow-lists (@system-service), and there a "~NAME:ENOSYS" only takes NAME out of the allow list, so it
# fails with SystemCallErrorNumber= (EPERM) instead (measured below, first run of the probe with such a
# drop-in). EPERM is not what an old kernel answers, and glibc >= 2.34 falls back from clone3 to clone on
# ENOSYS only. So the drop-in takes the new calls out of the allow list and makes the unit's error ENOSYS:
# every new call then fails as on 4.19; the price, where the unit's own SystemCallErrorNumber= is EPERM, is
# that the calls it denies on purpose fail with ENOSYS too. Names libseccomp 2.5.1 does not know are skipped by systemd with
# a warning (listed below); they are outside the allow list anyway, so they get ENOSYS as well.
dropin_dir=/etc/systemd/system/trustmend.service.d
dropin=$(printf '%s\n' "[Service]" "# Linux 4.19 (EulerOS 2.9's kernel): every x86_64 system call added after it fails with ENOSYS." \
  "SystemCallFilter=~${new_calls[*]}" "SystemCallErrorNumber=ENOSYS")
# The probe: the unit's [Service] sandbox (from the package), running syscall_probe.py instead.
node sh -c 'sed -n "/^\[Service\]/,/^\[Install\]/p" /usr/local/lib/e2e/trustmend.service |
  grep -Ev "^(\[Install\]|Type|NotifyAccess|ExecStart|ExecStartPre|ExecReload|Restart|RestartSec|RestartPreventExitStatus|WatchdogSec|TimeoutStopSec|StateDirectory|ConfigurationDirectory)[=A-Za-z]*" > /etc/systemd/system/e2e-probe.service
  printf "Type=oneshot\nExecStart=/usr/bin/python3 /usr/local/lib/e2e/syscall_probe.py\nStandardOutput=file:/run/e2e-probe.out\n" >> /etc/systemd/system/e2e-probe.service'
probe() { # probe [DROP-IN]: "name number errno" per call, from the probe unit with DROP-IN (text) or none
  node rm -rf /run/e2e-probe.out /etc/systemd/system/e2e-probe.service.d
  if [[ -n ${1:-} ]]; then
    node mkdir -p /etc/systemd/system/e2e-probe.service.d
    node tee /etc/systemd/system/e2e-probe.service.d/kernel-4.19.conf <<<"$1" > /dev/null
  fi
  node systemctl daemon-reload
  node systemctl start e2e-probe || { node systemctl status e2e-probe --no-pager || true; die "the probe failed"; }
  node cat /run/e2e-probe.out
}
tb=$(now_us)
probe_plain=$(probe)
probe_naive=$(probe "$(printf '[Service]\nSystemCallFilter=~%s\n' "$(printf '%s:ENOSYS ' "${new_calls[@]}")")")
m=$(mark)
probe_dropin=$(probe "$dropin")
timed "seccomp probe x3" "$(since "$tb")"
note "what each call returns in the unit's sandbox (on the host's kernel, $(uname -r)):"
paste <(echo "$probe_plain") <(echo "$probe_naive" | cut -d' ' -f3) <(echo "$probe_dropin" | cut -d' ' -f3) |
  column -t -N 'call,nr,unit,+ ~call:ENOSYS,+ the drop-in' | sed 's/^/      /'
skipped=$(node journalctl --no-pager -q -o cat --since="$m" _PID=1 |
  sed -n 's|^/etc/systemd/system/e2e-probe.service.d/kernel-4.19.conf:[0-9]*: Failed to parse system call, ignoring: ||p' | sort -u | tr '\n' ' ')
note "systemd $(node systemctl --version | sed -n '1s/systemd \([0-9]*\).*/\1/p') skipped (libseccomp $(node dpkg-query -W -f='${Version}' libseccomp2) does not know them): ${skipped:-nothing}"
[[ $(wc -l <<<"$probe_dropin") == "${#new_calls[@]}" ]] || die "the probe printed $(wc -l <<<"$probe_dropin") lines, not ${#new_calls[@]}"
grep -qv ' ENOSYS$' <<<"$probe_plain" || die "the probe cannot tell: every call failed with ENOSYS without the drop-in"
bad=$(grep -v ' ENOSYS$' <<<"$probe_dropin" || true)
[[ -z $bad ]] || die "with the drop-in, not ENOSYS: $(tr '\n' ';' <<<"$bad")"
pass "with the drop-in all ${#new_calls[@]} calls fail with ENOSYS in the unit's sandbox; without it $(grep -vc ' ENOSYS$' <<<"$probe_plain") did not: $(grep -v ' ENOSYS$' <<<"$probe_plain" | awk '{ printf "%s%s %s", sep, $1, $3; sep = ", " }')"

# --- b. the .deb ------------------------------------------------------------------------------------------
# containerd_pid: its MainPID now; containerd_restarted: it has another one since (systemd's word, not trustmend's).
containerd_pid() { node systemctl show -p MainPID --value containerd; }
containerd_restarted() {
  local now; now=$(containerd_pid)
  [[ $now != 0 && $now != "$containerd_before" ]] || die "containerd's MainPID is $now, as before the repair: not restarted"
  pass "systemd agrees: containerd's MainPID $containerd_before → $now"
}
in_bundle() { node grep -q "$(sed -n 2p "$pki/$1")" "$2"; }          # in_bundle CERT.pem BUNDLE
# own_libraries_only: the running daemon has mapped no shared object but its own (/usr/lib/trustmend/):
# no library of the node, no NSS module of the node's glibc (it looked registries up by now).
own_libraries_only() {
  local pid maps foreign
  pid=$(node systemctl show -p MainPID --value trustmend)
  maps=$(node cat "/proc/$pid/maps" | awk '$6 ~ /\.so/ { print $6 }' | sort -u)
  foreign=$(grep -v '^/usr/lib/trustmend/' <<<"$maps" || true)
  [[ -z $foreign ]] || die "trustmend (PID $pid) has mapped the node's libraries: $(tr '\n' ' ' <<<"$foreign")"
  pass "trustmend (PID $pid) maps $(wc -l <<<"$maps") shared objects, all from /usr/lib/trustmend/ (nsswitch.conf: $(node sed -n 's/^hosts:[[:space:]]*//p' /etc/nsswitch.conf))"
}
debian_bundle=/etc/ssl/certs/ca-certificates.crt
say "b. Install the .deb with dpkg on bullseye (glibc $(node dpkg-query -W -f='${Version}' libc6 | cut -d- -f1))"
[[ -n $deb ]] || die "no packaging/out/trustmend_*_amd64.deb to install (bash packaging/build deb)"
note "Depends: $(dpkg-deb -f "$root$deb" Depends)"
tb=$(now_us)
out=$(node dpkg -i "$deb" 2>&1) || {
  sed 's/^/    | /' <<<"$out"
  node dpkg --purge trustmend > /dev/null 2>&1 || true
  die "dpkg -i refused ${deb##*/} on bullseye (a package that needs nothing bullseye lacks must install)"
}
sed 's/^/    | /' <<<"$out"
node systemctl is-active -q trustmend || { node systemctl status trustmend --no-pager -l || true; die "trustmend is not running after dpkg -i (its postinst starts it)"; }
timed "dpkg -i trustmend" "$(since "$tb")"
[[ $(node systemctl show -p NRestarts --value trustmend) == 0 ]] || die "trustmend failed and was restarted by systemd"
pass "dpkg -i: trustmend.service active, no failure restarts"
version=$(node trustmend --version 2>&1) || { sed 's/^/    | /' <<<"$version"; die "trustmend --version fails on bullseye"; }
sed 's/^/    | /' <<<"$version"
interp=$(readelf -l "$root/usr/bin/trustmend" | sed -n 's/.*program interpreter: \(.*\)]/\1/p')
[[ $interp == /usr/lib/trustmend/* ]] || die "/usr/bin/trustmend's interpreter is '$interp', not the package's own"
pass "trustmend --version runs on glibc 2.31, with its own loader $interp"
# NSS: a name not in /etc/hosts goes past files and dns to the modules nsswitch.conf names. The node's own
# glibc loads libnss_myhostname for it (the control); trustmend's glibc must load no module at all.
control=$(node env LD_DEBUG=files getent hosts nowhere.e2e.test 2>&1 | grep -o 'file=libnss_[a-z]*' | sort -u | tr '\n' ' ' || true)
[[ $control == *libnss_myhostname* ]] || die "control: the node's getent did not load libnss_myhostname (${control:-nothing}): the check below would prove nothing"
loaded=$(node env LD_DEBUG=files trustmend fetch nowhere.e2e.test:5000 2>&1 | grep 'dynamically loaded' || true)
[[ -z $loaded ]] || die "trustmend's glibc loaded a module of the node: $loaded"
pass "looking up a name no file has: the node's getent loads ${control//file=/}; trustmend fetch loads no module (hosts: $(node sed -n 's/^hosts:[[:space:]]*//p' /etc/nsswitch.conf))"

say "b. route: auto, enforce, allow both registries"
configure <<'YAML'
mode: enforce
route: auto
allow:
  - host: registry.e2e.test
  - host: seccomp.e2e.test
debounce: 1s
restart:
  min_interval: 1s
YAML
doctor=$(node trustmend doctor 2>&1 || true)
sed 's/^/    | /' <<<"$doctor"
grep -q '^\[ OK \] distro: debian family' <<<"$doctor" || die "trustmend doctor does not name the debian family"
grep -q 'route containerd: auto takes the system route.*config_path' <<<"$doctor" || die "trustmend doctor does not say that auto takes the system route for containerd, and why"
pass "trustmend doctor runs: debian family; containerd 1.4 on the system route under auto"

say "b. containerd's failure again: trustmend takes the system route, says why, restarts containerd"
containerd_before=$(containerd_pid)
m=$(mark)
tf=$(now_us)
expect_fail "CRI PullImage $image" cri_pull "$image"
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=registry.e2e.test TRUSTMEND_ROUTE=system
timed "b. failed CRI pull -> anchor installed" "$(span "$tf" "$event_at")"
why=$(node journalctl --no-pager -q -o json --since="$m" _SYSTEMD_UNIT=trustmend.service MESSAGE_ID="$id_installed" TRUSTMEND_HOST=registry.e2e.test |
  /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.stdin.readline()).get("TRUSTMEND_ROUTE_REASON", ""))')
grep -q 'config_path' <<<"$why" || die "the system route's reason does not name config_path: '$why'"
grep -q 'containerd 1\.4' <<<"$why" || die "the system route's reason does not name containerd 1.4: '$why'"
pass "TRUSTMEND_ROUTE_REASON=$why"
wait_event "$m" "$id_verified" verified TRUSTMEND_HOST=registry.e2e.test
wait_event "$m" "$id_completed" restart-completed TRUSTMEND_UNIT=containerd.service
containerd_restarted
timed "b. failed CRI pull -> containerd restarted" "$(span "$tf" "$event_at")"
anchors=$(node sh -c 'ls /usr/local/share/ca-certificates/trustmend-*.crt')
[[ $(wc -l <<<"$anchors") == 1 && $(node cat "$anchors" | fingerprint) == "$anchor_sha" ]] || die "expected one anchor, the E2E Corp Issuing CA: $anchors"
in_bundle issuing.pem "$debian_bundle" || die "the CA is not in $debian_bundle"
pass "$anchors is the E2E Corp Issuing CA, in $debian_bundle"
[[ -z $(node sh -c 'ls -A /etc/containerd/certs.d/ 2>/dev/null') ]] || die "something was written to /etc/containerd/certs.d"
ref=$(cri_pull "$image") || die "CRI PullImage $image still fails after containerd's restart"
timed "b. failed CRI pull -> CRI pull works" "$(since "$tf")"
pass "CRI PullImage $image → $ref"
own_libraries_only

say "b. docker's failure: dockerd 20.10 reads certs.d, so auto takes the registry route for it, no restart"
docker_pid=$(node systemctl show -p MainPID --value docker)
m=$(mark)
tf=$(now_us)
expect_fail "docker pull $image" docker_pull "$image"
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=registry.e2e.test TRUSTMEND_ROUTE=registry TRUSTMEND_UNIT=docker.service
files=$(node sh -c 'ls /etc/docker/certs.d/registry.e2e.test:5000/trustmend-*.crt')
[[ $(wc -l <<<"$files") == 1 && $(node cat "$files" | fingerprint) == "$anchor_sha" ]] || die "expected one anchor, the E2E Corp Issuing CA: $files"
docker_pull "$image" > /dev/null || die "docker pull $image still fails"
timed "b. failed docker pull -> docker pull works" "$(since "$tf")"
[[ $(node systemctl show -p MainPID --value docker) == "$docker_pid" ]] || die "dockerd was restarted"
pass "$files is the E2E Corp Issuing CA; docker pull works; dockerd not restarted (MainPID $docker_pid)"

# --- c. the kernel-4.19 drop-in on trustmend ----------------------------------------------------------------
say "c. The kernel-4.19 drop-in on trustmend.service; seccomp.e2e.test repaired under it"
grep -qw clone3 <<<"$(node systemctl show -p SystemCallFilter --value trustmend)" || die "clone3 is not in the unit's allow list without the drop-in: the check below would prove nothing"
node mkdir -p "$dropin_dir"
node tee "$dropin_dir/kernel-4.19.conf" <<<"$dropin" > /dev/null
m=$(mark)
node systemctl daemon-reload
restart_trustmend
skipped_here=$(node journalctl --no-pager -q -o cat --since="$m" _PID=1 |
  sed -n "s|^$dropin_dir/kernel-4.19.conf:[0-9]*: Failed to parse system call, ignoring: ||p" | sort -u | tr '\n' ' ')
note "systemd skipped in $dropin_dir/kernel-4.19.conf: ${skipped_here:-nothing}"
filter=$(node systemctl show -p SystemCallFilter --value trustmend)
errno_now=$(node systemctl show -p SystemCallErrorNumber --value trustmend)
for c in "${new_calls[@]}"; do grep -qw -- "$c" <<<"$filter" && die "$c is still in trustmend's allow list"; done
[[ $errno_now == @(38|ENOSYS) ]] || die "SystemCallErrorNumber is '$errno_now', not ENOSYS"
main_pid=$(node systemctl show -p MainPID --value trustmend)
node grep -q '^Seccomp:[[:space:]]*2' "/proc/$main_pid/status" || die "trustmend (PID $main_pid) runs without a seccomp filter"
pass "trustmend runs (MainPID $main_pid, seccomp mode 2) with none of the ${#new_calls[@]} calls allowed, SystemCallErrorNumber=ENOSYS"
containerd_before=$(containerd_pid)
m=$(mark)
tf=$(now_us)
expect_fail "CRI PullImage $image2" cri_pull "$image2"
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=seccomp.e2e.test TRUSTMEND_ROUTE=system
wait_event "$m" "$id_completed" restart-completed TRUSTMEND_UNIT=containerd.service
containerd_restarted
timed "c. 4.19: failed CRI pull -> containerd restarted" "$(span "$tf" "$event_at")"
in_bundle seccomp-issuing.pem "$debian_bundle" || die "the Seccomp Corp Issuing CA is not in $debian_bundle"
ref=$(cri_pull "$image2") || die "CRI PullImage $image2 still fails after containerd's restart"
timed "c. 4.19: failed CRI pull -> CRI pull works" "$(since "$tf")"
pass "CRI PullImage $image2 → $ref"
[[ $(node systemctl show -p MainPID --value trustmend) == "$main_pid" && $(node systemctl show -p NRestarts --value trustmend) == 0 ]] ||
  die "trustmend did not keep running under the drop-in (MainPID $main_pid → $(node systemctl show -p MainPID --value trustmend))"
pass "trustmend kept running under the drop-in (same MainPID, no failure restarts)"
own_libraries_only

# --- d. purge -----------------------------------------------------------------------------------------------
say "d. dpkg --purge trustmend: anchors gone, the bundle rebuilt, the state gone"
node dpkg --purge trustmend 2>&1 | sed 's/^/    | /'
node systemctl is-active -q trustmend && die "trustmend still running after purge"
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

# --- e. the .rpm on an EulerOS-like node ----------------------------------------------------------------------
say "e. The node made EulerOS-like: os-release of EulerOS 2.9, /etc/pki, update-ca-trust running bullseye's p11-kit"
# As run.sh step 6: p11-kit's trust module reads the RHEL family's sources, update-ca-trust extracts with
# `trust` as RHEL's does, and Go finds /etc/pki/tls/certs/ca-bundle.crt (/etc/ssl/certs is a link there);
# nsswitch.conf's hosts line as RHEL 8 has it.
node sh -e -c '
  rm -f /etc/os-release
  printf "%s\n" "NAME=\"EulerOS\"" "VERSION=\"2.0 (SP9x86_64)\"" "ID=\"euleros\"" "VERSION_ID=\"2.0\"" \
    "PRETTY_NAME=\"EulerOS 2.0 (SP9x86_64)\"" "ANSI_COLOR=\"0;31\"" > /etc/os-release
  mkdir -p /etc/pki/ca-trust/source/anchors /etc/pki/ca-trust/source/blocklist /usr/share/pki/ca-trust-source/anchors /etc/pki/tls/certs
  cp /usr/share/ca-certificates/mozilla/*.crt /usr/share/pki/ca-trust-source/anchors/
  sed -i "s|^x-init-reserved:.*|x-init-reserved: paths=/etc/pki/ca-trust/source:/usr/share/pki/ca-trust-source|" \
    /usr/share/p11-kit/modules/p11-kit-trust.module
  install -m 0755 /usr/local/lib/e2e/update-ca-trust /usr/bin/update-ca-trust
  ln -sfn ../../ca-trust/extracted/pem/tls-ca-bundle.pem /etc/pki/tls/certs/ca-bundle.crt
  ln -sfn ../../ca-trust/extracted/openssl/ca-bundle.trust.crt /etc/pki/tls/certs/ca-bundle.trust.crt
  rm -rf /etc/ssl/certs && ln -s ../pki/tls/certs /etc/ssl/certs
  sed -i "s/^hosts:.*/hosts:      files dns myhostname/" /etc/nsswitch.conf     # as RHEL 8 writes it
  update-ca-trust extract'
euler_bundle=/etc/pki/tls/certs/ca-bundle.crt
count=$(node grep -c 'BEGIN CERTIFICATE' "$euler_bundle")
((count > 100)) || die "$euler_bundle holds only $count certificates"
pass "ID=euleros; update-ca-trust extract (p11-kit $(node dpkg-query -W -f='${Version}' p11-kit)): $euler_bundle holds $count CA certificates"
node systemctl restart containerd docker                     # the node "boots" with its new roots
pass "containerd and dockerd restarted: Go now reads $euler_bundle"
expect_fail "CRI PullImage $image (the EulerOS-like store does not have E2E Corp)" cri_pull "$image"

say "e. Install the .rpm with rpm -i (rpm $(node dpkg-query -W -f='${Version}' rpm | cut -d+ -f1))"
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
# must take that drop-in away (packaging/old-systemd.sh).
old_dropin=$dropin_dir/50-old-systemd.conf
sh "$repo/packaging/old-systemd.sh" --print 237 | node tee "$old_dropin" > /dev/null
tb=$(now_us)
out=$(node rpm -i --force-debian "${nodeps[@]}" "$rpm" 2>&1) || { sed 's/^/    | /' <<<"$out"; die "rpm -i failed"; }
[[ -z $out ]] || sed 's/^/    | /' <<<"$out"
timed "rpm -i trustmend" "$(since "$tb")"
node systemctl is-enabled -q trustmend || die "the %post did not enable trustmend.service"
node systemctl is-active -q trustmend || { node systemctl status trustmend --no-pager -l || true; die "the %post did not start trustmend.service"; }
pass "rpm -i${nodeps:+ ${nodeps[*]}}: its %post enabled and started trustmend.service ($(node rpm -q trustmend))"
node test -e "$old_dropin" && die "the %post left $old_dropin on systemd $(node systemctl --version | sed -n '1s/systemd //p')"
pass "the %post removed the drop-in for systemd < 239 ($old_dropin): this node runs systemd 247"
filter=$(node systemctl show -p SystemCallFilter --value trustmend)
grep -qw clone3 <<<"$filter" && die "the kernel-4.19 drop-in is not in effect for the rpm's unit"
pass "the kernel-4.19 drop-in applies to the rpm's unit too"

say "e. route: auto on the EulerOS-like node: a repair through p11-kit on the system route"
configure <<'YAML'
mode: enforce
route: auto
allow:
  - host: registry.e2e.test
debounce: 1s
restart:
  min_interval: 1s
YAML
doctor=$(node trustmend doctor 2>&1 || true)
sed 's/^/    | /' <<<"$doctor"
grep -q '^\[ OK \] distro: rhel family' <<<"$doctor" || die "trustmend doctor does not name the rhel family"
grep -q '^\[ OK \] update tool: /usr/bin/update-ca-trust extract' <<<"$doctor" || die "trustmend doctor does not name update-ca-trust"
pass "trustmend doctor: rhel family, /usr/bin/update-ca-trust extract"
containerd_before=$(containerd_pid)
m=$(mark)
tf=$(now_us)
expect_fail "CRI PullImage $image" cri_pull "$image"
wait_event "$m" "$id_installed" installed TRUSTMEND_HOST=registry.e2e.test TRUSTMEND_ROUTE=system
wait_event "$m" "$id_completed" restart-completed TRUSTMEND_UNIT=containerd.service
containerd_restarted
timed "e. rpm: failed CRI pull -> containerd restarted" "$(span "$tf" "$event_at")"
anchors=$(node sh -c 'ls /etc/pki/ca-trust/source/anchors/trustmend-*.crt')
[[ $(wc -l <<<"$anchors") == 1 && $(node cat "$anchors" | fingerprint) == "$anchor_sha" ]] || die "expected one anchor, the E2E Corp Issuing CA: $anchors"
in_bundle issuing.pem "$euler_bundle" || die "p11-kit did not put the E2E Corp Issuing CA into $euler_bundle"
pass "$anchors is the E2E Corp Issuing CA, and p11-kit put it into $euler_bundle"
ref=$(cri_pull "$image") || die "CRI PullImage $image still fails after containerd's restart"
timed "e. rpm: failed CRI pull -> CRI pull works" "$(since "$tf")"
pass "CRI PullImage $image → $ref"
own_libraries_only

say "e. The unit as systemd < 239 runs it (the drop-in packaging/old-systemd.sh writes there): the deny-list alone"
sh "$repo/packaging/old-systemd.sh" --print 237 | node tee "$old_dropin" > /dev/null
node systemctl daemon-reload
restart_trustmend
filter=$(node systemctl show -p SystemCallFilter --value trustmend)
[[ $filter == "~"* ]] || die "with $old_dropin the unit still has an allow-list: ${filter:0:80}…"
node systemctl is-active -q trustmend || die "trustmend is not running with the drop-in for systemd < 239"
node trustmend doctor > /dev/null 2>&1 || true
pass "trustmend runs with the deny-list alone (SystemCallFilter=${filter:0:40}…)"

say "e. rpm -e trustmend: the anchor gone, update-ca-trust drops the CA, the state gone"
node rpm -e trustmend 2>&1 | sed 's/^/    | /'
node rpm -q trustmend > /dev/null 2>&1 && die "rpm still lists trustmend"
node systemctl is-active -q trustmend && die "trustmend still running after rpm -e"
for p in /var/lib/trustmend /usr/bin/trustmend /usr/lib/trustmend; do
  node test -e "$p" && die "$p is still there"
done
node sh -c 'ls /etc/pki/ca-trust/source/anchors/trustmend-*.crt' 2>/dev/null && die "an anchor file is left"
in_bundle issuing.pem "$euler_bundle" && die "the E2E Corp Issuing CA is still in $euler_bundle"
node test -e "$old_dropin" && die "rpm -e left $old_dropin"
pass "stopped; no anchor in /etc/pki/ca-trust/source/anchors, the CA gone from $euler_bundle, /var/lib/trustmend and $old_dropin gone"

say "All checks passed"
timed "the scenario: overlay, boot, steps a-e" "$(since "$t0")"
