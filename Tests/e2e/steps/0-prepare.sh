# shellcheck shell=bash disable=SC2034  # sets state for the later steps
# Tests/e2e/run.sh, before step 1: the overlay over this machine's root, what trustmend is installed from,
# the test PKI, and the node's configuration, all written into the overlay before boot. Sets $deb,
# $pod_image_tar, $pki, the CAs' fingerprints and $mask_args (run-lib.sh lists them).
# shellcheck source=Tests/e2e/run-lib.sh
source "${BASH_SOURCE[0]%/*}/../run-lib.sh"   # loaded by run.sh already: the helpers, lib.sh, the state

say "Overlay over this machine's root (tmpfs upper): $root"
mount -t tmpfs -o mode=0755,size=4G trustmend-e2e "$base"
mkdir -p "$base/upper" "$base/work" "$root"
mount -t overlay trustmend-e2e -o "lowerdir=/,upperdir=$base/upper,workdir=$base/work" "$root"

# What trustmend will be installed from, copied in now: the build and packaging may change under us.
mkdir -p "$root/var/cache/e2e" "$root/usr/local/lib/e2e"
from=${TRUSTMEND_E2E_FROM:-auto} deb=""
if [[ $from != build ]]; then
  # shellcheck disable=SC2012  # the newest; packaging/build names them without odd characters
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
# The container image packaging/build image wrote beside the package (step 8 loads it into the node's docker).
if [[ -n $deb ]]; then
  # shellcheck disable=SC2012  # the newest, as for the package
  pod_image_tar=$(ls -t "$repo"/packaging/out/trustmend_*.image.tar 2>/dev/null | head -1 || true)
  [[ -n $pod_image_tar ]] || die "no packaging/out/trustmend_*.image.tar beside the package (packaging/build image)"
  cp "$pod_image_tar" "$root/var/cache/e2e/"
  pod_image_tar=/var/cache/e2e/${pod_image_tar##*/}
  note "the container image from packaging/out/${pod_image_tar##*/}"
fi
cp "$here/cri_pull.py" "$here/pull_latency.py" "$here/make_oci.py" "$here/update-ca-trust" "$here/tls_server.py" \
  "$here/daemonset_run.py" "$repo/deploy/kubernetes/trustmend.yaml" "$root/usr/local/lib/e2e/"

say "Minting the registry's CA: root → issuing CA → leaf for registry.e2e.test (another CA for the rest)"
pki=$root/etc/e2e/pki; mkdir -p "$pki"
(
  cd "$pki" || exit
  pki_ca root "/O=E2E Corp/CN=E2E Corp Root CA"
  pki_ca issuing "/O=E2E Corp/CN=E2E Corp Issuing CA" root
  pki_leaf registry issuing registry.e2e.test
  pki_ca other "/O=Elsewhere/CN=Elsewhere CA"
  pki_leaf other-leaf other other.e2e.test forged.e2e.test
  pki_ca scoped "/O=Scoped Corp/CN=Scoped Corp Root CA"
  pki_ca scoped-issuing "/O=Scoped Corp/CN=Scoped Corp Issuing CA" scoped
  pki_leaf scoped-leaf scoped-issuing scoped.e2e.test
  # What home-made registries serve: one self-signed certificate, CA:FALSE (FACTS §7).
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout self.key -out self.pem -days 7 \
    -subj "/CN=self.e2e.test" -addext "basicConstraints=critical,CA:FALSE" -addext "subjectAltName=DNS:self.e2e.test"
  cp self.pem self-chain.pem
  # Step 7: a registry whose CA the node will trust and the hosts it sends engines to, whose CAs it lacks.
  pki_ca origin "/O=Origin Corp/CN=Origin Corp CA"
  pki_leaf origin-leaf origin origin.e2e.test guarded.e2e.test
  pki_ca cdn "/O=CDN Corp/CN=CDN Corp CA"
  pki_leaf cdn-leaf cdn cdn.e2e.test
  pki_ca token "/O=Token Corp/CN=Token Corp CA"
  pki_leaf token-leaf token token.e2e.test
  pki_ca token-signer "/O=Token Corp/CN=Token Corp token signer"   # the registry's rootcertbundle
  chmod 0644 ./*.key                                         # read by the registry's own user
) 2>/dev/null
anchor_sha=$(pki_sha256 "$pki/issuing.pem")
note "the registry sends leaf + issuing CA; the anchor to expect is the issuing CA, sha256 ${anchor_sha:0:16}…"
note "other.e2e.test and forged.e2e.test: a second registry, certificate from 'Elsewhere CA'"
scoped_sha=$(pki_sha256 "$pki/scoped-issuing.pem") self_sha=$(pki_sha256 "$pki/self.pem")
note "scoped.e2e.test (leaf + Scoped Corp Issuing CA) and self.e2e.test (self-signed, CA:FALSE): step 5"
cdn_sha=$(pki_sha256 "$pki/cdn.pem") token_sha=$(pki_sha256 "$pki/token.pem")
note "origin.e2e.test and guarded.e2e.test (Origin Corp CA), cdn.e2e.test (CDN Corp CA), token.e2e.test (Token Corp CA): step 7"

say "Node configuration (written into the overlay before boot)"
cat >> "$root/etc/hosts" <<'EOF'
10.99.0.1 registry.e2e.test
10.99.0.2 other.e2e.test forged.e2e.test
10.99.0.3 scoped.e2e.test
10.99.0.4 self.e2e.test
10.99.0.5 origin.e2e.test
10.99.0.6 cdn.e2e.test
10.99.0.7 guarded.e2e.test
10.99.0.8 token.e2e.test
EOF
# containerd's config.toml, docker's daemon.json, the registries (NAME:ADDRESS:CERT[:CA skopeo trusts]),
# an OCI layout to push; the engines start when the scenario says so, not at boot (lib.sh's node_config).
node_config "$root" registry:10.99.0.1:registry:root other:10.99.0.2:other-leaf scoped:10.99.0.3:scoped-leaf:scoped \
  self:10.99.0.4:self:self origin:10.99.0.5:origin-leaf:origin guarded:10.99.0.7:origin-leaf
# Step 7's two: origin sends blob downloads to the CDN (distribution 2.8's redirect storage middleware:
# only the base URL's scheme and host count, the path is the storage driver's); guarded wants a token from
# token.e2e.test. The registries share one storage directory, so guarded serves what origin was pushed.
cat >> "$root/etc/e2e/registry-origin.yml" <<'EOF'
middleware:
  storage:
    - {name: redirect, options: {baseurl: "https://cdn.e2e.test:8443"}}
EOF
cat >> "$root/etc/e2e/registry-guarded.yml" <<'EOF'
auth:
  token: {realm: "https://token.e2e.test:5001/token", service: "guarded.e2e.test:5000", issuer: e2e-token,
          rootcertbundle: /etc/e2e/pki/token-signer.pem}
EOF
/usr/bin/python3 "$here/make_oci.py" "$root/etc/e2e/oci-cdn" 1.0 "hello through the e2e CDN"   # another image
# policy-rc.d (a container-image habit of this host) would stop the package's postinst from starting
# trustmend: the node does not have one.
rm -f "$root/usr/sbin/policy-rc.d"
rm -f "$root/var/lib/man-db/auto-update"                     # dpkg's man-db trigger takes seconds
note "/etc/hosts, containerd config.toml, docker daemon.json, e2e-registry@.service, an OCI layout"
# Debian's prometheus-node-exporter (a host package) is started by step 3 to scrape trustmend.prom: not at
# boot, and not masked.
rm -f "$root"/etc/systemd/system/*.wants/prometheus-node-exporter.service
# Every other service or timer this host enables is masked: the node runs systemd, journald and D-Bus.
mask_enabled "$root"
