#!/usr/bin/env python3
"""A registry stand-in for trustmend's trace tests: registry_standin.py PORT CERT_CHAIN KEY CONFIG LOG.

Serves HTTPS on 127.0.0.1:PORT with the given certificate chain (leaf first). CONFIG is JSON:
  {"routes": {"/v2/": {"status": 200, "headers": {"K": "V"}, "body": "...",
                       "auth": "Bearer tok", "challenge": "Bearer realm=..."}}}
A route with "auth" answers 401 (with "challenge" as WWW-Authenticate) unless the request's
Authorization equals it. A route with "hang": true reads the request and never answers. Unknown paths
get 404. Every request is appended to LOG as one JSON line: method, target, headers.
"""
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, chain, key, config_path, log_path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
routes = json.load(open(config_path))["routes"]
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        with lock, open(log_path, "a") as log:
            log.write(json.dumps({"method": "GET", "target": self.path, "headers": dict(self.headers.items())}) + "\n")
        route = routes.get(self.path.split("?")[0])
        if route is None:
            return self.answer(404, {}, b'{"errors":[{"code":"NOT_FOUND"}]}')
        if route.get("hang"):
            time.sleep(3600)
            return
        if "auth" in route and self.headers.get("Authorization") != route["auth"]:
            headers = {"WWW-Authenticate": route["challenge"]} if "challenge" in route else {}
            return self.answer(401, headers, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
        self.answer(route.get("status", 200), route.get("headers", {}), route.get("body", "").encode())

    def answer(self, status, headers, body):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def get_request(self):
        conn, address = self.socket.accept()
        # The handshake happens in the handler's thread: a client that never sends one blocks nobody else.
        return context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False), address


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(chain, key)
Server(("127.0.0.1", port), Handler).serve_forever()
