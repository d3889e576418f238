#!/usr/bin/env python3
"""Writes a one-layer OCI image layout (a single tiny file, no entrypoint needed) to DIR, tagged TAG.
Usage: make_oci.py DIR TAG [TEXT]. TEXT, the file's content, makes another image (other digests), one no
engine has pulled before. No network: everything is made here, deterministically."""
import gzip, hashlib, io, json, os, sys, tarfile

out, tag = sys.argv[1], sys.argv[2]
text = sys.argv[3] if len(sys.argv) > 3 else "hello from the trustmend e2e registry"
blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)

def blob(data: bytes) -> dict:
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}

# The layer: one file, hello.txt, in a gzipped tar with fixed metadata.
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
    content = (text + "\n").encode()
    info = tarfile.TarInfo("hello.txt")
    info.size, info.mode, info.mtime = len(content), 0o644, 0
    tar.addfile(info, io.BytesIO(content))
diff_id = "sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()
gz = io.BytesIO()
with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0) as g:
    g.write(raw.getvalue())
layer = blob(gz.getvalue()) | {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip"}

config = blob(json.dumps({
    "architecture": "amd64", "os": "linux", "created": "2026-01-01T00:00:00Z",
    "config": {"Cmd": ["/hello.txt"]},
    "rootfs": {"type": "layers", "diff_ids": [diff_id]},
}).encode()) | {"mediaType": "application/vnd.oci.image.config.v1+json"}

manifest = blob(json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": config, "layers": [layer],
}).encode()) | {"mediaType": "application/vnd.oci.image.manifest.v1+json",
                "annotations": {"org.opencontainers.image.ref.name": tag}}

with open(os.path.join(out, "oci-layout"), "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [manifest]}, f)
