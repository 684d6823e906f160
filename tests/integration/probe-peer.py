#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""probe-peer.py: small SIP peers for sipha-probe's tests and benchmark.

One process, one or many UDP ports (select loop), one behaviour:
  ok            answer every request with 200 OK (headers copied back)
  blackhole     read every request, never answer
  wrong-branch  answer 200 OK with another Via branch
  wrong-callid  answer 200 OK with another Call-ID
  every-other   answer the transactions (by Call-ID) alternately: the first,
                not the second, the third... (every datagram of an unanswered
                one, retransmissions included, goes unanswered)
  junk          answer with garbage, an oversized datagram, a truncated
                response and a foreign response, but never a valid one
  tcp-close     TCP: accept, read the request, close without answering
  tcp-silent    TCP: accept, read, never answer (connection stays open)
  tcp-ok        TCP: accept, answer 200 OK in two pieces (tests framing)
Usage: probe-peer.py MODE HOST FIRST_PORT [COUNT] [READY_FILE]
Writes READY_FILE once every port is bound; runs until killed.
"""
import os
import selectors
import signal
import socket
import sys


def response(request, code=200, reason="OK"):
    """The UAS response: status line, then the request's headers."""
    text = request.decode("utf-8", "replace")
    head, _, _ = text.partition("\r\n\r\n")
    lines = head.split("\r\n")[1:]
    keep = [l for l in lines if l.split(":", 1)[0].strip().lower() in
            ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq")]
    return ("SIP/2.0 %d %s\r\n%s\r\nContent-Length: 0\r\n\r\n"
            % (code, reason, "\r\n".join(keep))).encode()


CALL_IDS = {}


def call_id(request):
    for line in request.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() in (b"call-id", b"i"):
            return value.strip()
    return b""


def replies(mode, request):
    if mode == "ok":
        return [response(request)]
    if mode == "every-other":
        index = CALL_IDS.setdefault(call_id(request), len(CALL_IDS))
        if len(CALL_IDS) > 10000:
            CALL_IDS.clear()
        return [response(request)] if index % 2 == 0 else []
    if mode == "wrong-branch":
        return [response(request).replace(b"branch=z9hG4bK", b"branch=z9hG4bKx", 1)]
    if mode == "wrong-callid":
        good = response(request)
        return [good.replace(b"Call-ID: ", b"Call-ID: x", 1)]
    if mode == "junk":
        good = response(request)
        return [b"\x00\xff garbage\r\n\r\n",
                good[:-20],                                 # truncated
                good.replace(b"Content-Length: 0", b"Content-Length: 99"),
                b"SIP/2.0 200 OK\r\n" + b"X: " + b"y" * 20000 + b"\r\n\r\n",
                good.replace(b"branch=z9hG4bK", b"branch=z9hG4bKx", 1)]
    return []


def tcp_main(mode, host, family, port, ready):
    """One TCP listener; one connection at a time is enough for the tests."""
    import time
    lsock = socket.socket(family, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((host, port))
    lsock.listen(16)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if ready:
        with open(ready + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(ready + ".tmp", ready)
    held = []
    while True:
        conn, _ = lsock.accept()
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65535)
            if not chunk:
                break
            data += chunk
        if mode == "tcp-close":
            conn.close()
        elif mode == "tcp-silent":
            held.append(conn)
        elif mode == "tcp-ok":
            reply = b"\r\n\r\n" + response(data)   # a keep-alive first
            conn.sendall(reply[:25])
            time.sleep(0.05)
            conn.sendall(reply[25:])
            held.append(conn)


def main():
    mode, host, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    ready = sys.argv[5] if len(sys.argv) > 5 else None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if mode.startswith("tcp-"):
        return tcp_main(mode, host, family, first, ready)
    sel = selectors.DefaultSelector()
    for port in range(first, first + count):
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        s.bind((host, port))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if ready:
        with open(ready + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(ready + ".tmp", ready)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            while True:
                try:
                    data, peer = s.recvfrom(65535)
                except BlockingIOError:
                    break
                for reply in replies(mode, data):
                    try:
                        s.sendto(reply, peer)
                    except OSError:
                        pass


if __name__ == "__main__":
    main()
