# shellcheck shell=bash
# Tests/e2e/old-node.sh: boot bullseye's systemd; start containerd, docker and the two registries; push
# the image to both. Sets $pid1 and $nspawn (boot_node).
# shellcheck source=Tests/e2e/old-node/lib.sh
source "${BASH_SOURCE[0]%/*}/../lib.sh"   # loaded by old-node.sh already: the helpers, lib.sh, the state

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
