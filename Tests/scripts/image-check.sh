#!/usr/bin/env bash
# Checks the image packaging/build image wrote (packaging-test.sh runs it after building it):
#   bash Tests/scripts/image-check.sh IMAGE.tar PACKAGE.deb
# - at most 20 MB; one tar holding the OCI layout (oci-layout, index.json) and docker-archive's
#   manifest.json, both naming the same config and layer, every blob's SHA-256 its name;
# - the layer's binary and runtime are the .deb's, byte for byte, and nothing else ships but the
#   configuration, the copyright and empty mount points (no shell, no /etc/passwd);
# - the labels (OCI annotation conventions) and the entrypoint, user and environment;
# - skopeo (containers/image) reads it as docker-archive: and as oci-archive:;
# - the layer's tree alone runs `trustmend --version` (chrooted, with /proc mounted as a runtime does).
# Needs root (chroot), skopeo, python3.
set -euo pipefail
image=${1:?usage: image-check.sh IMAGE.tar PACKAGE.deb} deb=${2:?usage: image-check.sh IMAGE.tar PACKAGE.deb}
fail() { echo "image-check: FAIL: $*" >&2; exit 1; }
ok() { echo "image-check: ok: $*"; }

size=$(stat -c %s "$image")
(( size <= 20000000 )) || fail "$image is $size bytes, over 20 MB"
ok "$image: $size bytes (limit 20 MB)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/tar" "$work/rootfs" "$work/deb"
tar -xf "$image" -C "$work/tar"
dpkg-deb -x "$deb" "$work/deb"
/usr/bin/python3 - "$work/tar" "$work/rootfs" <<'PY'
import hashlib, json, os, subprocess, sys
top, rootfs = sys.argv[1], sys.argv[2]
def fail(message): sys.exit("image-check: FAIL: " + message)
def load(path): return json.load(open(os.path.join(top, path)))
blobs = os.path.join(top, "blobs", "sha256")
for name in os.listdir(blobs):
    if hashlib.sha256(open(os.path.join(blobs, name), "rb").read()).hexdigest() != name:
        fail(f"blob {name} is not what its name says")
if load("oci-layout") != {"imageLayoutVersion": "1.0.0"}:
    fail("oci-layout")
index = load("index.json")
[entry] = index["manifests"]
manifest = load("blobs/sha256/" + entry["digest"][7:])
[docker] = load("manifest.json")
if docker["Config"] != "blobs/sha256/" + manifest["config"]["digest"][7:]:
    fail("manifest.json and index.json name different configs")
if docker["Layers"] != ["blobs/sha256/" + l["digest"][7:] for l in manifest["layers"]]:
    fail("manifest.json and index.json name different layers")
config = load(docker["Config"])
c = config["config"]
if c["Entrypoint"] != ["/usr/bin/trustmend", "run"] or "TRUSTMEND_HOST_ROOT=/host" not in c["Env"] or c["User"] != "0:0":
    fail(f"entrypoint, environment or user: {c}")
for key in ("source", "version", "revision", "title", "description", "licenses", "created"):
    label = "org.opencontainers.image." + key
    if not c["Labels"].get(label) or manifest["annotations"].get(label) != c["Labels"][label]:
        fail(f"label and annotation {label}")
if not entry["annotations"]["io.containerd.image.name"].endswith(":" + c["Labels"]["org.opencontainers.image.version"]):
    fail("io.containerd.image.name")
layer = os.path.join(top, docker["Layers"][0])
raw = subprocess.run(["gzip", "-dc", layer], check=True, capture_output=True).stdout
if "sha256:" + hashlib.sha256(raw).hexdigest() != config["rootfs"]["diff_ids"][0]:
    fail("the layer's diff_id")
subprocess.run(["tar", "-x", "-C", rootfs], input=raw, check=True)
print("image-check: ok: both layouts name the same config and layer; digests, diff_id, labels, entrypoint, user, env")
PY
# The same binary and runtime as the .deb; besides them only these.
(cd "$work/deb" && find usr/bin/trustmend usr/lib/trustmend -type f | sort | xargs sha256sum) > "$work/deb.sums"
(cd "$work/rootfs" && find usr/bin/trustmend usr/lib/trustmend -type f | sort | xargs sha256sum) > "$work/image.sums"
diff "$work/deb.sums" "$work/image.sums" >/dev/null || fail "the image's binary or runtime differs from the .deb's: $(diff "$work/deb.sums" "$work/image.sums" | head -3)"
others=$(cd "$work/rootfs" && find . ! -type d ! -path './usr/bin/trustmend' ! -path './usr/lib/trustmend/*' | sort | tr '\n' ' ')
[[ $others == "./etc/trustmend/config.yaml ./usr/share/doc/trustmend/copyright " ]] || fail "unexpected files in the image: $others"
cmp -s "$work/rootfs/etc/trustmend/config.yaml" packaging/config.yaml || fail "the image's config.yaml is not packaging/config.yaml"
ok "binary and runtime identical to the .deb's ($(wc -l < "$work/image.sums") files); besides them: $others"

skopeo inspect --config "docker-archive:$image" >/dev/null || fail "skopeo cannot read it as docker-archive"
skopeo inspect "oci-archive:$image" >/dev/null || fail "skopeo cannot read it as oci-archive"
ok "skopeo reads it as docker-archive: and oci-archive:"

version=$(unshare -m --propagation private sh -c 'mount -t proc proc "$0/proc" && chroot "$0" /usr/bin/trustmend --version' "$work/rootfs" | head -1)
[[ $version == "trustmend "* ]] || fail "the layer's tree does not run trustmend --version: $version"
ok "the layer alone runs: $version"
