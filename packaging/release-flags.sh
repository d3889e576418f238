# The build of the binary that ships, shared by packaging/build and Tests/scripts/bench.sh (the benchmark
# measures what the packages install). Sourced; defines release_flags and release_bin.
# --static-swift-stdlib: the Swift runtime inside the binary.
# --dynamic-linker, -rpath, --disable-new-dtags: everything else the binary loads — glibc's loader and libc,
# libstdc++, OpenSSL, libsystemd and its libraries, libyaml — is the packages' private runtime in
# /usr/lib/trustmend (packaging/runtime.sh copies it from the build machine), so the binary runs on any
# node whatever its own glibc and OpenSSL (EulerOS 2.9, CentOS 7, Ubuntu 18.04: packaging/README.md).
# The interpreter is that directory's loader; DT_RPATH rather than DT_RUNPATH because the executable's
# RPATH also applies to its libraries' own dependencies (libsystemd's libcap, libgcrypt…), which a
# RUNPATH would leave to the node's /etc/ld.so.cache.
# --disable-local-rpath: no RUNPATH $ORIGIN (nothing is loaded from beside the binary).
# -z now: full RELRO (the dynamic linker resolves everything at start, then the GOT is read-only).
# --no-export-dynamic: the static runtime's link options export every symbol of the packages' objects
# (19,000, BoringSSL's and swift-certificates' included); nothing loads them by name, and without them the
# binary is 2 MiB smaller and exposes nothing to interposition.
# -function-sections, lld and packaging/trustmend.order: the functions the daemon runs starting and idle are
# linked together, then those it runs repairing, so the kernel maps a few contiguous pages of code instead
# of 64 KiB around each of them all over the binary (idle, binary not cached before: 7.7 -> 5.4 MiB of code
# resident, side by side with a gold link of the same code). The order is a profile;
# packaging/profile-order.sh writes it anew. A name it lists that no longer exists is skipped.
# After changing these flags, remove .build-pkg: SwiftPM links again but does not compile again for a
# changed -Xfrontend flag.
release_order=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/trustmend.order
release_runtime=/usr/lib/trustmend
release_flags=(-c release --static-swift-stdlib --scratch-path .build-pkg --disable-local-rpath -Xlinker -z -Xlinker now
  -Xlinker "--dynamic-linker=$release_runtime/ld-linux-x86-64.so.2" -Xlinker -rpath -Xlinker "$release_runtime"
  -Xlinker --disable-new-dtags
  -Xlinker --no-export-dynamic
  -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xswiftc -use-ld=lld
  -Xlinker "--symbol-ordering-file=$release_order" -Xlinker --no-warn-symbol-ordering)
release_bin=.build-pkg/release/trustmend

# release_exec DIR BINARY ARGS…: runs a binary linked with these flags on this machine, where
# /usr/lib/trustmend does not exist, through the private runtime staged in DIR (packaging/runtime.sh).
release_exec() {
  local dir=$1 binary=$2; shift 2
  "$dir/ld-linux-x86-64.so.2" --inhibit-cache --library-path "$dir" "$binary" "$@"
}

# release_with_runtime BINARY COMMAND…: runs COMMAND in a private mount namespace in which
# /usr/lib/trustmend is BINARY's runtime staged from this machine (packaging/runtime.sh), overlaid on
# /usr/lib, so that the binary starts as on a node: the kernel loads its interpreter. Nothing on this
# machine changes. Needs root.
release_with_runtime() {
  local binary=$1 stage rc=0; shift
  stage=$(mktemp -d /tmp/trustmend-runtime.XXXXXX)
  bash "$(dirname "${BASH_SOURCE[0]}")/runtime.sh" "$binary" "$stage/trustmend"
  unshare -m --propagation private -- sh -c 'mount -t overlay trustmend-runtime -o "lowerdir=$0:/usr/lib" /usr/lib && exec "$@"' \
    "$stage" "$@" || rc=$?
  rm -rf "$stage"
  return "$rc"
}
