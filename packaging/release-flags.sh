# The build of the binary that ships, shared by packaging/build and Tests/scripts/bench.sh (the benchmark
# measures what the packages install). Sourced; defines release_flags and release_bin.
# --static-swift-stdlib: the Swift runtime inside the binary (OpenSSL 3, libsystemd and libyaml stay the node's).
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
release_flags=(-c release --static-swift-stdlib --scratch-path .build-pkg --disable-local-rpath -Xlinker -z -Xlinker now
  -Xlinker --no-export-dynamic
  -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xswiftc -use-ld=lld
  -Xlinker "--symbol-ordering-file=$release_order" -Xlinker --no-warn-symbol-ordering)
release_bin=.build-pkg/release/trustmend
