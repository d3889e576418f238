# shellcheck shell=bash
# Certificates minted at test time, for the scripts' TLS servers. Sourced (bash); files are written to
# the current directory as NAME.pem and NAME.key.
#   pki_ca NAME SUBJECT [ISSUER]    a CA: self-signed, or issued by ISSUER (then pathlen 0)
#   pki_leaf NAME ISSUER SAN…       a server certificate (CA:FALSE, serverAuth) issued by ISSUER; each SAN
#                                   is a DNS name or a typed entry (IP:127.0.0.1); also NAME-chain.pem,
#                                   the leaf and its issuer, as most registries send them
#   pki_sha256 FILE                 the certificate's SHA-256 fingerprint, lower-case hex, no colons

pki_ca() {
  if [[ -z ${3:-} ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.pem" -days 7 \
      -subj "$2" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  else
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 7 -out "$1.pem" \
      -extfile <(printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n') 2>/dev/null
  fi
}

pki_leaf() {
  local name=$1 issuer=$2 san="" entry; shift 2
  for entry in "$@"; do [[ $entry == *:* ]] && san+="$entry," || san+="DNS:$entry,"; done
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$1" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" -CAcreateserial -days 7 -out "$name.pem" \
    -extfile <(printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "${san%,}") 2>/dev/null
  cat "$name.pem" "$issuer.pem" > "$name-chain.pem"
}

pki_sha256() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr 'A-F' 'a-f'; }
