# shellcheck shell=bash
# Tests/e2e/run.sh, step 1: boot the node; start containerd, docker and the registries; push a one-file
# image to three of them. Sets $pid1 and $nspawn (boot_node).
# shellcheck source=Tests/e2e/run-lib.sh
source "${BASH_SOURCE[0]%/*}/../run-lib.sh"   # loaded by run.sh already: the helpers, lib.sh, the state

say "1. Boot systemd in the overlay (systemd-nspawn --boot --private-network)"
# The node's docker runs step 8's pod: runc gives each container a session keyring, and nspawn's system call
# filter refuses add_key and keyctl ("unable to join session keyring: … operation not permitted"). nspawn's
# default capabilities are enough for the pod's (SYS_ADMIN, SYS_CHROOT); step 8 makes the cgroup
# controllers writable.
boot_node "$root" "$console" --system-call-filter="add_key keyctl request_key" -- "${mask_args[@]}"

say "1. Start containerd, docker and the registries; push the image"
tb=$(now_us)
node ip addr add 10.99.0.1/32 dev lo
node ip addr add 10.99.0.2/32 dev lo
node ip addr add 10.99.0.3/32 dev lo
node ip addr add 10.99.0.4/32 dev lo
registries=(e2e-registry@registry e2e-registry@other e2e-registry@scoped e2e-registry@self)
node systemctl start containerd docker "${registries[@]}"
for u in containerd docker "${registries[@]}"; do
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
