#!/usr/bin/env bash
# Shows trustmend's main job end to end on this machine, narrated: a registry on loopback presents a
# chain from a CA minted just now, a containerd log line reports the x509 failure, trustmend finds the
# endpoint in it and repairs a sandbox root with the real update-ca-certificates, then proves it.
# Nothing outside a temporary directory is changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash Tests/scripts/setup.sh

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
work=$(mktemp -d /tmp/trustmend-demo.XXXXXX)
server=""
cleanup() { [[ -n "$server" ]] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

say "Building trustmend"
swift build --product trustmend 2>&1 | tail -1
tm="$(swift build --show-bin-path)/trustmend"

say "Minting a root CA, an intermediate and a server certificate for localhost"
cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem -days 30 \
  -subj "/CN=Demo Corp Root CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout int.key -out int.csr -subj "/CN=Demo Corp Issuing CA" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > int.ext
openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30 -extfile int.ext -out int.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=localhost" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > leaf.ext
openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -days 30 -extfile leaf.ext -out leaf.pem 2>/dev/null
echo "root CA sha256: $(openssl x509 -in root.pem -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)"

say "Serving it as a 'registry' on loopback (openssl s_server sends leaf + intermediate, like most registries)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -quiet -accept "127.0.0.1:$port" -cert leaf.pem -key leaf.key -cert_chain int.pem -www >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

say "Building a sandbox node root with the Debian trust-store layout"
root="$work/root"
mkdir -p "$root"/{etc/ssl/certs,etc/ca-certificates/update.d,usr/share/ca-certificates/mozilla,usr/local/share/ca-certificates}
printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' > "$root/etc/os-release"
for c in $(ls /usr/share/ca-certificates/mozilla | head -3); do
  cp "/usr/share/ca-certificates/mozilla/$c" "$root/usr/share/ca-certificates/mozilla/"
  echo "mozilla/$c" >> "$root/etc/ca-certificates.conf"
done
update-ca-certificates --certsconf "$root/etc/ca-certificates.conf" --certsdir "$root/usr/share/ca-certificates" \
  --localcertsdir "$root/usr/local/share/ca-certificates" --etccertsdir "$root/etc/ssl/certs" \
  --hooksdir "$root/etc/ca-certificates/update.d" >/dev/null
bundle="$root/etc/ssl/certs/ca-certificates.crt"

say "Before: the chain does not verify against the node's bundle (what containerd sees)"
openssl verify -partial_chain -CAfile "$bundle" -untrusted int.pem leaf.pem 2>&1 | tail -1 || true

say "The engine logs the failed pull (a containerd line as it lands in the journal)"
cat > containerd.log <<LOG
time="2026-11-25T03:00:00.000000000Z" level=info msg="PullImage \"localhost:$port/team/app:1.0\""
time="2026-11-25T03:00:00.120000000Z" level=error msg="PullImage \"localhost:$port/team/app:1.0\" failed" error="rpc error: code = Unknown desc = failed to pull and unpack image \"localhost:$port/team/app:1.0\": failed to resolve reference \"localhost:$port/team/app:1.0\": failed to do request: Head \"https://localhost:$port/v2/team/app/manifests/1.0\": tls: failed to verify certificate: x509: certificate signed by unknown authority"
LOG
tail -1 containerd.log

say "trustmend scan finds the endpoint whose certificate failed"
"$tm" scan containerd.log
endpoint=$("$tm" scan --json containerd.log | python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); print("%s:%d" % (d["host"], d["port"]))')

say "trustmend fetch shows what that endpoint presents"
"$tm" fetch --summary "$endpoint"

say "trustmend fix --dry-run: the plan, nothing changed"
"$tm" fix "$endpoint" --root "$root" --dry-run

say "trustmend fix: install the anchor, run update-ca-certificates, verify (pinned to the issuing CA it sends, checked out of band)"
pin=$(openssl x509 -in int.pem -noout -fingerprint -sha256 | cut -d= -f2)
"$tm" fix "$endpoint" --root "$root" --expect-sha256 "$pin"

say "After: the same chain verifies against the bundle Go reads"
openssl verify -partial_chain -CAfile "$bundle" -untrusted int.pem leaf.pem

say "Running it again changes nothing (idempotent)"
"$tm" fix "$endpoint" --root "$root"

say "The ledger records what was installed and why"
"$tm" list --root "$root"

say "trustmend remove takes it back out"
"$tm" remove --all --root "$root"
openssl verify -partial_chain -CAfile "$bundle" -untrusted int.pem leaf.pem 2>&1 | tail -1 || true
say "Done. On a real node: trustmend fix HOST:PORT --restart auto (containerd restarts keep containers running)."
