#!/usr/bin/env python3
"""Pulls an image through containerd's CRI, as kubelet does: runtime.v1.ImageService/PullImage, or
runtime.v1alpha2's where v1 is not served (containerd 1.4/1.5; the request and reply are the same bytes).
Usage: cri_pull.py IMAGE [SOCKET]. Prints the image reference; on failure prints the gRPC error and exits 1.
pull_latency.py imports `pull`.

`ctr images pull` resolves the registry in the client, so its TLS error never reaches containerd's journal;
a CRI pull runs inside containerd, which logs the failure like a kubelet-driven pull. The request is
encoded by hand (PullImageRequest{image: ImageSpec{image: IMAGE}}), so no generated stubs are needed."""
import sys
import time
import grpc

def field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field (wire type 2)."""
    key, size, out = (number << 3) | 2, len(payload), bytearray()
    out.append(key)
    while True:  # varint length
        byte, size = size & 0x7F, size >> 7
        out.append(byte | (0x80 if size else 0))
        if not size:
            return bytes(out) + payload

def first_string(message: bytes) -> str:
    """Field 1 of a message whose field 1 is a string (PullImageResponse.image_ref)."""
    if not message or message[0] != 0x0A:
        return ""
    size, shift, i = 0, 0, 1
    while True:
        size |= (message[i] & 0x7F) << shift
        shift, i = shift + 7, i + 1
        if not message[i - 1] & 0x80:
            return message[i:i + size].decode()

def pull(channel: grpc.Channel, image: str, timeout: float = 120) -> str:
    """PullImage through CRI v1, else v1alpha2; returns the image reference, raises grpc.RpcError.

    Neither served: containerd restarted a moment ago and its CRI plugin has not registered them yet (its
    socket answers first; the e2e found it right after trustmend's restart), so ask again for up to 10 s."""
    deadline = time.monotonic() + 10
    while True:
        for api in ("runtime.v1", "runtime.v1alpha2"):
            call = channel.unary_unary(f"/{api}.ImageService/PullImage")  # bytes in, bytes out
            try:
                return first_string(call(field(1, field(1, image.encode())), timeout=timeout))
            except grpc.RpcError as e:
                if e.code() != grpc.StatusCode.UNIMPLEMENTED:
                    raise
                if api == "runtime.v1":
                    continue  # containerd < 1.6: CRI v1alpha2 only
                if time.monotonic() > deadline:
                    raise
        time.sleep(0.2)

if __name__ == "__main__":
    image = sys.argv[1]
    socket = sys.argv[2] if len(sys.argv) > 2 else "/run/containerd/containerd.sock"
    with grpc.insecure_channel("unix://" + socket) as channel:
        try:
            ref = pull(channel, image)
        except grpc.RpcError as e:
            print(f"PullImage {image}: {e.code().name}: {e.details()}", file=sys.stderr)
            sys.exit(1)
    print(ref)
