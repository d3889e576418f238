#!/usr/bin/env bash
# Fuzzes trustmend's parsers of hostile input with libFuzzer (Fuzz/, a package of its own):
#   FuzzDetector          log lines (the journal is writable by anyone)
#   FuzzConfig            /etc/trustmend/config.yaml through libyaml
#   FuzzOSRelease         /etc/os-release
#   FuzzChain             the certificates a registry sends (DER or PEM) through the anchor choice
#   FuzzContainerdConfig  containerd's config.toml and its imports
# Each target checks properties beyond "does not crash" (see its source). Seeds come from
# ../shared/corpus, the test fixtures and certificates minted here; what libFuzzer finds is kept in
# Fuzz/.corpus between runs (not in git). A crash leaves its input in Fuzz/crashes/ and fails the run:
# make it a regression test, then fix it.
#
#   bash Tests/scripts/fuzz.sh                 a fixed number of runs per target (CI; about 2 minutes)
#   bash Tests/scripts/fuzz.sh --runs 200000   more runs per target
#   bash Tests/scripts/fuzz.sh --long 600      10 minutes per target
#   bash Tests/scripts/fuzz.sh --long 600 FuzzChain
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"

limit=(-runs=20000)
targets=()
while (($#)); do
  case $1 in
    --runs) limit=("-runs=$2"); shift 2 ;;
    --long) limit=("-max_total_time=$2"); shift 2 ;;
    Fuzz*) targets+=("$1"); shift ;;
    *) echo "fuzz.sh: unknown argument '$1' (--runs N, --long SECONDS, or target names)" >&2; exit 2 ;;
  esac
done
((${#targets[@]})) || targets=(FuzzDetector FuzzConfig FuzzOSRelease FuzzChain FuzzContainerdConfig)

bash "$here/setup.sh"
echo "fuzz: building the targets with -sanitize=fuzzer,address"
(cd Fuzz && swift build -c debug -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -E 'error|warning: unre|Compiling Fuzz|Build' | tail -3)
bin=$(cd Fuzz && swift build -c debug -Xswiftc -sanitize=fuzzer,address --show-bin-path)

# --- seeds ---------------------------------------------------------------------------------------------
seeds=$(mktemp -d /tmp/trustmend-fuzz-seeds.XXXXXX)
trap 'rm -rf "$seeds"' EXIT
mkdir -p "$seeds"/{FuzzDetector,FuzzConfig,FuzzOSRelease,FuzzChain,FuzzContainerdConfig}
/usr/bin/python3 - "$seeds/FuzzDetector" ../shared/corpus/x509-pull-errors.jsonl Tests/TrustmendCoreTests/Fixtures/x509-pull-errors.jsonl <<'PY'
import json, os, sys
out = sys.argv[1]
lines = []
for path in sys.argv[2:]:
    if os.path.exists(path):
        lines += [json.loads(l)["line"] for l in open(path, encoding="utf-8") if l.strip()]
for i, line in enumerate(lines):
    open(f"{out}/line-{i:04}", "w", encoding="utf-8").write(line)
open(f"{out}/all", "w", encoding="utf-8").write("\n".join(lines))
PY
cp packaging/config.yaml "$seeds/FuzzConfig/packaged.yaml"
cat > "$seeds/FuzzConfig/full.yaml" <<'YAML'
mode: enforce
route: auto
anchor: top-ca
allow:
  - host: "*.corp.example"
    port: 5000
    sha256: ["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]
    route: registry
  - host: registry.example
    anchor: full-chain
debounce: 2s
backoff: 10m
max_installs_per_hour: 5
restart:
  containerd: auto
  docker: when-live-restore
  min_interval: 5m
journal:
  units: [containerd.service, docker.service]
YAML
for f in /etc/os-release /usr/lib/os-release; do [[ -f $f ]] && cp "$f" "$seeds/FuzzOSRelease/host-${f//\//_}"; done
printf 'NAME="EulerOS"\nVERSION="2.0 (SP12x86_64)"\nID="euleros"\nVERSION_ID="2.0"\n' > "$seeds/FuzzOSRelease/euleros"
printf 'NAME="openEuler"\nID="openEuler"\nVERSION_ID="22.03"\nPRETTY_NAME="openEuler 22.03 (LTS-SP1)"\n' > "$seeds/FuzzOSRelease/openeuler"
printf 'ID="rocky"\nID_LIKE="rhel centos fedora"\n# comment\nBAD LINE\nVERSION=\x279.3 (Blue Onyx)\x27\n' > "$seeds/FuzzOSRelease/rocky"
printf 'ID=opensuse-microos\nID_LIKE="suse opensuse opensuse-tumbleweed"\nPRETTY_NAME="a \\"quoted\\" \\$name"\n' > "$seeds/FuzzOSRelease/microos"
find Tests/TrustmendCoreTests/Fixtures/containerd -name '*.toml' | while read -r f; do
  cp "$f" "$seeds/FuzzContainerdConfig/$(echo "${f#*containerd/}" | tr / _)"
done
( # certificates: root -> issuing -> leaf, a self-signed CA:FALSE server, an expired CA
  cd "$seeds" && mkdir pki && cd pki
  days() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.pem" -subj "/CN=$1" "${@:2}"; }
  days root -days 30 -addext "basicConstraints=critical,CA:TRUE"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout issuing.key -out issuing.csr -subj /CN=issuing
  openssl x509 -req -in issuing.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30 -out issuing.pem \
    -extfile <(printf 'basicConstraints=critical,CA:TRUE,pathlen:0\n')
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj /CN=leaf
  openssl x509 -req -in leaf.csr -CA issuing.pem -CAkey issuing.key -CAcreateserial -days 30 -out leaf.pem \
    -extfile <(printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:registry.fuzz.example\n')
  days self -days 30 -addext "basicConstraints=critical,CA:FALSE"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.pem -subj /CN=rsa -days 30
  for set in "leaf issuing root" "leaf issuing" "root leaf issuing" "self" "leaf" "rsa" "issuing root leaf rsa self"; do
    name=${set// /-}
    { printf '\0'; for c in $set; do openssl x509 -in "$c.pem" -outform DER; done; } > "../FuzzChain/der-$name"
    { printf '\1'; for c in $set; do cat "$c.pem"; done; } > "../FuzzChain/pem-$name"
  done
) > /dev/null 2>&1

# --- runs ----------------------------------------------------------------------------------------------
mkdir -p Fuzz/crashes
failed=()
for t in "${targets[@]}"; do
  corpus=Fuzz/.corpus/$t
  mkdir -p "$corpus"
  log=$(mktemp /tmp/trustmend-fuzz-$t.XXXXXX.log)
  max_len=8192; [[ $t == FuzzChain ]] && max_len=16384
  # Swift's own crash handler off: libFuzzer and ASan report the crash (with it, ASan trips over it).
  if SWIFT_BACKTRACE=enable=no "$bin/$t" "${limit[@]}" -max_len=$max_len -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="Fuzz/crashes/$t-" "$corpus" "$seeds/$t" > "$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
    printf 'fuzz: %-22s ok   %9s runs  %7s/s  %s  corpus %s\n' "$t" "$execs" "$secs" "$cov" "$(ls "$corpus" | wc -l)"
    rm -f "$log"
  else
    printf 'fuzz: %-22s FAILED (log %s)\n' "$t" "$log"
    grep -E '^==[0-9]+==|Fatal error|Precondition failed|SUMMARY|Test unit written' "$log" | head -8 | sed 's/^/      /'
    failed+=("$t")
  fi
done
((${#failed[@]} == 0)) || { echo "fuzz: ${#failed[@]} target(s) found a problem: ${failed[*]}; inputs in Fuzz/crashes/" >&2; exit 1; }
