# shellcheck shell=bash disable=SC2034  # sets state for the later steps
# Tests/e2e/old-node.sh, before step a: the overlay over the cached bullseye root, the packages and the
# unit they ship, the test PKI, and the node's configuration, all written into the overlay before boot.
# Sets $deb, $rpm, $pki, the CAs' fingerprints and $mask_args (old-node/lib.sh lists them).
# shellcheck source=Tests/e2e/old-node/lib.sh
source "${BASH_SOURCE[0]%/*}/../lib.sh"   # loaded by old-node.sh already: the helpers, lib.sh, the state

say "Overlay over the cached bullseye root (tmpfs upper): $root"
mount -t tmpfs -o mode=0755,size=4G trustmend-old-node "$base"
mkdir -p "$base/upper" "$base/work" "$root"
mount -t overlay trustmend-old-node -o "lowerdir=$cache,upperdir=$base/upper,workdir=$base/work" "$root"
# shellcheck source=/dev/null  # the cached root's os-release
pass "$(. "$root/etc/os-release" && echo "$PRETTY_NAME"): $(grep -E '^(libc6|systemd|containerd|docker.io|openssl|rpm|p11-kit) ' "$root/etc/trustmend-e2e-versions" | tr '\n' ';' | sed 's/;$//; s/;/; /g')"

# The packages, copied in now (packaging/build may rewrite them under us), and whether they carry the
# private runtime (/usr/lib/trustmend/) that lets them run on bullseye's glibc 2.31.
mkdir -p "$root/var/cache/e2e" "$root/usr/local/lib/e2e"
copy_package() { # copy_package deb|rpm FILE…: the newest FILE, complete, into the node; prints its path there
  local kind=$1 file try; shift
  [[ -e $1 ]] || return 0
  # shellcheck disable=SC2012  # the newest; packaging/build names them without odd characters
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
  # shellcheck disable=SC2012  # a fixed name, in one of two directories
  unit_file=$(ls "$base"/deb/{lib,usr/lib}/systemd/system/trustmend.service 2>/dev/null | head -1 || true)
  [[ -n $unit_file ]] || die "the .deb has no systemd/system/trustmend.service"
fi
cp "$unit_file" "$root/usr/local/lib/e2e/trustmend.service"
cp "$here/cri_pull.py" "$here/make_oci.py" "$here/update-ca-trust" "$here/old-node/syscall_probe.py" "$root/usr/local/lib/e2e/"

say "Minting two registries' CAs: E2E Corp (registry.e2e.test), Seccomp Corp (seccomp.e2e.test)"
pki=$root/etc/e2e/pki; mkdir -p "$pki"
(
  cd "$pki" || exit
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
