#!/usr/bin/env python3
"""The e2e's small HTTPS servers besides the registries, each run in the node as a unit of its own
(Tests/e2e/steps/7-cdn-redirect.sh). Every request is logged to stderr (the unit's journal).

  tls_server.py static ADDR PORT CHAIN KEY ROOT
      The files under ROOT: a CDN in front of a registry's filesystem storage, so that the paths
      distribution's `redirect` storage middleware sends the engines to
      (/docker/registry/v2/blobs/sha256/ab/ab…/data) resolve.
  tls_server.py token ADDR PORT CHAIN KEY SIGNER ISSUER
      A token server for distribution's token auth that gives anyone a pull-only token for the
      repositories asked (GET /token?service=…&scope=repository:NAME:pull,push): an ES256 JWT signed with
      SIGNER.key, SIGNER.pem in its x5c header (the registry's rootcertbundle holds SIGNER.pem).

CHAIN is the server's certificate chain (PEM) and KEY its key."""
import base64, functools, http.server, json, ssl, sys, time, urllib.parse, uuid

def serve(handler, addr: str, port: int, chain: str, key: str) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain, key)
    server = http.server.ThreadingHTTPServer((addr, port), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()

class Quiet(http.server.SimpleHTTPRequestHandler):
    """Logs one line per request, without the client's address and date (the journal has them)."""
    def log_message(self, format, *args):
        print(format % args, file=sys.stderr, flush=True)

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def token_handler(signer: str, issuer: str):
    from cryptography import x509  # python3-cryptography
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils
    from cryptography.hazmat.primitives.serialization import Encoding, load_pem_private_key
    with open(signer + ".key", "rb") as f:
        key = load_pem_private_key(f.read(), None)
    with open(signer + ".pem", "rb") as f:
        der = x509.load_pem_x509_certificate(f.read()).public_bytes(Encoding.DER)
    header = b64url(json.dumps({"typ": "JWT", "alg": "ES256", "x5c": [base64.b64encode(der).decode()]}).encode())

    def jwt(claims: dict) -> str:
        """A JWS compact token; ES256 signs with r and s as two 32-byte integers, not DER."""
        signing_input = header + "." + b64url(json.dumps(claims).encode())
        r, s = utils.decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    class Token(Quiet):
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            if url.path != "/token" or "service" not in query:
                self.send_error(404)
                return
            access = []
            for scope in query.get("scope", []):
                kind, _, rest = scope.partition(":")
                name, _, actions = rest.rpartition(":")
                if kind == "repository" and name and "pull" in actions.split(","):
                    access.append({"type": "repository", "name": name, "actions": ["pull"]})
            now = int(time.time())
            claims = {"iss": issuer, "sub": "", "aud": query["service"][0], "iat": now, "nbf": now - 10,
                      "exp": now + 300, "jti": uuid.uuid4().hex, "access": access}
            token = jwt(claims)
            body = json.dumps({"token": token, "access_token": token, "expires_in": 300,
                               "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
    return Token

if __name__ == "__main__":
    kind, addr, port, chain, key, *rest = sys.argv[1:]
    if kind == "static":
        handler = functools.partial(Quiet, directory=rest[0])
    elif kind == "token":
        handler = token_handler(rest[0], rest[1])
    else:
        sys.exit(f"tls_server.py: unknown kind {kind!r} (static or token)")
    serve(handler, addr, int(port), chain, key)
