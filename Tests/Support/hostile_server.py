#!/usr/bin/env python3
"""Misbehaving TLS peers on 127.0.0.1 for trustmend's tests: hostile_server.py BEHAVIOUR PORT PKI_DIR.

silent    accept and never speak          garbage   send bytes that are not TLS
alert     answer with a TLS alert          drip      send one byte a second, forever
reset     reset the connection mid-read    hundred   a real TLS server sending 100 certificates
huge      a handshake whose Certificate message claims several megabytes
certonly  a TLS 1.2 ServerHello and a Certificate message with the test PKI's real leaf and
          intermediate, then hang up: certificates anyone can send, without the signed
          ServerKeyExchange that proves the key
"""
import os
import socket
import ssl
import struct
import sys
import threading
import time

behaviour, port, pki = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def read_client_hello(conn):
    conn.settimeout(5)
    try:
        return conn.recv(65536)
    except OSError:
        return b""


def handle(conn):
    try:
        if behaviour == "silent":
            time.sleep(3600)
        elif behaviour == "garbage":
            read_client_hello(conn)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" + os.urandom(512))
            time.sleep(3600)
        elif behaviour == "alert":
            read_client_hello(conn)
            conn.sendall(bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]))  # fatal handshake_failure
            time.sleep(1)
        elif behaviour == "drip":
            read_client_hello(conn)
            for byte in b"\x16\x03\x03\x00\x31\x02\x00\x00\x2d\x03\x03" + os.urandom(64):
                conn.send(bytes([byte]))
                time.sleep(1)
        elif behaviour == "reset":
            read_client_hello(conn)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
            return
        elif behaviour == "huge":
            read_client_hello(conn)
            # TLS 1.2 ServerHello with renegotiation_info (OpenSSL refuses a server without it).
            hello = b"\x03\x03" + os.urandom(32) + b"\x00" + b"\xc0\x2f" + b"\x00" + b"\x00\x05\xff\x01\x00\x01\x00"
            server_hello = b"\x02" + len(hello).to_bytes(3, "big") + hello
            claimed = 5 * 1024 * 1024
            certificate = b"\x0b" + claimed.to_bytes(3, "big") + (claimed - 3).to_bytes(3, "big")
            payload = server_hello + certificate + os.urandom(16000)
            conn.sendall(b"\x16\x03\x03" + len(payload).to_bytes(2, "big") + payload)
            # Keep sending records of the claimed message.
            for _ in range(400):
                chunk = os.urandom(16000)
                conn.sendall(b"\x16\x03\x03" + len(chunk).to_bytes(2, "big") + chunk)
            time.sleep(5)
        elif behaviour == "certonly":
            read_client_hello(conn)
            hello = b"\x03\x03" + os.urandom(32) + b"\x00" + b"\xc0\x2b" + b"\x00" + b"\x00\x05\xff\x01\x00\x01\x00"
            server_hello = b"\x02" + len(hello).to_bytes(3, "big") + hello
            ders = [ssl.PEM_cert_to_DER_cert(open(os.path.join(pki, name)).read()) for name in ("leaf.pem", "int.pem")]
            body = b"".join(len(der).to_bytes(3, "big") + der for der in ders)
            certificate = b"\x0b" + (len(body) + 3).to_bytes(3, "big") + len(body).to_bytes(3, "big") + body
            payload = server_hello + certificate
            conn.sendall(b"\x16\x03\x03" + len(payload).to_bytes(2, "big") + payload)
            time.sleep(0.2)
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    context = None
    if behaviour == "hundred":
        chain = os.path.join(pki, "hundred.pem")
        with open(chain, "w") as out:
            out.write(open(os.path.join(pki, "leaf.pem")).read())
            intermediate = open(os.path.join(pki, "int.pem")).read()
            for _ in range(99):
                out.write(intermediate)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain, os.path.join(pki, "leaf.key"))
    while True:
        conn, _ = listener.accept()
        if context is not None:
            def serve(c=conn):
                try:
                    with context.wrap_socket(c, server_side=True) as tls:
                        tls.recv(1)
                except (OSError, ssl.SSLError):
                    pass
            threading.Thread(target=serve, daemon=True).start()
        else:
            threading.Thread(target=handle, args=(conn,), daemon=True).start()


main()
