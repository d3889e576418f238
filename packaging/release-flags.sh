# The build of the binary that ships, shared by packaging/build and Tests/scripts/bench.sh (the benchmark
# measures what the packages install). Sourced; defines release_flags and release_bin.
# --static-swift-stdlib: the Swift runtime inside the binary (OpenSSL 3, libsystemd and libyaml stay the node's).
# --disable-local-rpath: no RUNPATH $ORIGIN (nothing is loaded from beside the binary).
# -z now: full RELRO (the dynamic linker resolves everything at start, then the GOT is read-only).
# --no-export-dynamic: the static runtime's link options export every symbol of the packages' objects
# (19,000, BoringSSL's and swift-certificates' included); nothing loads them by name, and without them the
# binary is 2 MiB smaller and exposes nothing to interposition.
release_flags=(-c release --static-swift-stdlib --scratch-path .build-pkg --disable-local-rpath -Xlinker -z -Xlinker now
  -Xlinker --no-export-dynamic)
release_bin=.build-pkg/release/trustmend
