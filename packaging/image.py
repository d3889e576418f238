#!/usr/bin/env python3
"""Writes trustmend's container image as one tar that both `docker load` and `ctr images import` read.

    packaging/image.py ROOT OUT --version V --revision R --arch amd64 [--epoch SECONDS]

ROOT is the staged tree (packaging/build image stages it: the binary, its private runtime, the shipped
config.yaml); it becomes the image's only layer, so no base image and no registry are involved. The tar
holds the layer, the config and the manifest once, under blobs/sha256/, and two indexes to them:
  - the OCI image layout (oci-layout, index.json): what `ctr images import` reads;
  - docker-archive's manifest.json (Config and Layers are paths into the tar): what `docker load` reads
    (Debian 12's docker 20.10 does not read an OCI-layout-only tar: FACTS §22). docker load inflates a
    gzipped layer itself, so the layer is stored once.
Reproducible: every entry sorted, owned by 0:0 with no names, dated --epoch (SOURCE_DATE_EPOCH, else the
last commit's time), gzip without a name or time, JSON with sorted keys. The same ROOT and arguments give
the same bytes, and so the same image ID and digest.
"""
import argparse
import datetime
import gzip
import hashlib
import io
import json
import os
import stat
import sys
import tarfile

SOURCE = "https://github.com/trustmend/trustmend"
TITLE = "trustmend"
DESCRIPTION = ("Repairs container image pulls that fail on an unknown CA: follows the engines' journal, "
               "installs the registry's CA as the policy allows, restarts the engine.")
LICENSES = "Apache-2.0"
REPOSITORY = "trustmend"  # docker load tags trustmend:VERSION; ctr names it docker.io/library/trustmend:VERSION
ENTRYPOINT = ["/usr/bin/trustmend", "run"]
# PATH for what an operator runs in the container (kubectl exec … trustmend …); the node's update tool gets
# trustmend's own fixed environment, not this one.
ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TRUSTMEND_HOST_ROOT=/host"]


def layer_tar(root: str, epoch: int) -> bytes:
    """The staged tree as an uncompressed tar: sorted, 0:0, dated `epoch`, PAX without extra headers."""
    raw = io.BytesIO()
    paths = []
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        for name in dirs + files:
            paths.append(os.path.relpath(os.path.join(directory, name), root))
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for rel in sorted(paths):
            full = os.path.join(root, rel)
            st = os.lstat(full)
            info = tarfile.TarInfo(rel)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = epoch
            info.mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISDIR(st.st_mode):
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif stat.S_ISLNK(st.st_mode):
                info.type = tarfile.SYMTYPE
                info.linkname = os.readlink(full)
                tar.addfile(info)
            elif stat.S_ISREG(st.st_mode):
                info.size = st.st_size
                with open(full, "rb") as f:
                    tar.addfile(info, f)
            else:
                sys.exit(f"image.py: {full} is neither a file, a directory nor a link")
    return raw.getvalue()


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def build(root: str, version: str, revision: str, arch: str, epoch: int) -> tuple[bytes, dict]:
    """The archive's bytes and a summary (digests, sizes) for the caller to print."""
    created = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    annotations = {
        "org.opencontainers.image.created": created,
        "org.opencontainers.image.source": SOURCE,
        "org.opencontainers.image.version": version,
        "org.opencontainers.image.revision": revision,
        "org.opencontainers.image.title": TITLE,
        "org.opencontainers.image.description": DESCRIPTION,
        "org.opencontainers.image.licenses": LICENSES,
    }
    tar = layer_tar(root, epoch)
    gz = io.BytesIO()
    with gzip.GzipFile(fileobj=gz, mode="wb", compresslevel=9, mtime=0, filename="") as g:
        g.write(tar)
    layer = gz.getvalue()
    config = canonical({
        "architecture": arch, "os": "linux", "created": created,
        "author": "trustmend maintainers <maintainers@trustmend.invalid>",
        "config": {
            "Entrypoint": ENTRYPOINT, "Env": ENV, "Labels": annotations,
            # Root, by number (the image has no /etc/passwd): the trust stores, bundles and journal files
            # it writes and reads are root's, and systemd grants RestartUnit to a caller holding
            # CAP_SYS_ADMIN; the DaemonSet drops every other capability (deploy/kubernetes/trustmend.yaml).
            "User": "0:0", "WorkingDir": "/",
        },
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]},
        "history": [{"created": created, "created_by": "packaging/build image (" + revision + ")"}],
    })
    blobs = {}

    def blob(data: bytes, media_type: str) -> dict:
        digest = hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}

    config_d = blob(config, "application/vnd.oci.image.config.v1+json")
    layer_d = blob(layer, "application/vnd.oci.image.layer.v1.tar+gzip")
    manifest = canonical({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "config": config_d, "layers": [layer_d], "annotations": annotations})
    manifest_d = blob(manifest, "application/vnd.oci.image.manifest.v1+json")
    name = f"docker.io/library/{REPOSITORY}:{version}"
    index = canonical({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                       "manifests": [manifest_d | {
                           "platform": {"architecture": arch, "os": "linux"},
                           # ctr names the image after io.containerd.image.name (a bare ref.name would
                           # become an image called "0.1.0"); the CRI finds it under this full name.
                           "annotations": {"io.containerd.image.name": name,
                                           "org.opencontainers.image.ref.name": version}}]})
    docker = canonical([{"Config": "blobs/sha256/" + config_d["digest"][7:],
                         "RepoTags": [f"{REPOSITORY}:{version}"],
                         "Layers": ["blobs/sha256/" + layer_d["digest"][7:]]}])
    entries = {"oci-layout": canonical({"imageLayoutVersion": "1.0.0"}), "index.json": index,
               "manifest.json": docker}
    entries |= {"blobs/sha256/" + d: data for d, data in blobs.items()}
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for directory in ("blobs", "blobs/sha256"):
            info = tarfile.TarInfo(directory)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, epoch
            archive.addfile(info)
        for path in sorted(entries):
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(entries[path]), 0o644, epoch
            archive.addfile(info, io.BytesIO(entries[path]))
    summary = {"name": name, "manifest": manifest_d["digest"], "config": config_d["digest"],
               "layer": layer_d["digest"], "layer_size": len(layer), "layer_uncompressed": len(tar)}
    return out.getvalue(), summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root")
    parser.add_argument("out")
    parser.add_argument("--version", required=True)
    parser.add_argument("--revision", required=True)
    parser.add_argument("--arch", default="amd64")
    parser.add_argument("--epoch", type=int, default=int(os.environ.get("SOURCE_DATE_EPOCH", "0")))
    args = parser.parse_args()
    data, summary = build(args.root, args.version, args.revision, args.arch, args.epoch)
    temporary = args.out + ".tmp"
    with open(temporary, "wb") as f:
        f.write(data)
    os.replace(temporary, args.out)
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()
