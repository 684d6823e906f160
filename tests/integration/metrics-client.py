#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""metrics-client.py: the clients of tests/integration/metrics.test.

  send DISPATCHER N        send N INVITEs (distinct Call-IDs) from 127.0.0.1
  get URL                  print the status code, then the body
  raw HOST:PORT BYTES      send BYTES (Python escapes), print the status line
  dribble HOST:PORT S      send a request one byte every 0.2 s for S seconds
                           while scraping URL http://HOST:PORT/metrics
                           every 0.5 s; print "scrapes=OK of N dribbler=open|closed"
  hold HOST:PORT N S       open N connections that say nothing, then scrape
                           once (print "extra=served|closed"), hold S s
  query PROMETHEUS EXPR    one instant query; print "labels value" lines
Only loopback addresses in the test's namespace are used.
"""
import json
import random
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def hostport(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


def cmd_send(disp, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    for i in range(int(n)):
        call_id = "metrics-%d-%08x" % (i, random.getrandbits(32))
        msg = "\r\n".join([
            "INVITE sip:bob@example.com SIP/2.0",
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%08x;rport"
            % (port, random.getrandbits(32)),
            "Max-Forwards: 70",
            "To: <sip:bob@example.com>",
            "From: <sip:alice@127.0.0.1>;tag=%08x" % random.getrandbits(32),
            "Call-ID: " + call_id,
            "CSeq: 1 INVITE",
            "Contact: <sip:alice@127.0.0.1:%d>" % port,
            "Content-Length: 0", "", ""])
        s.sendto(msg.encode(), hostport(disp))


def get(url, method="GET"):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method),
                                    timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def cmd_get(url, method="GET"):
    code, body = get(url, method)
    print(code)
    sys.stdout.write(body)


def cmd_raw(target, data):
    s = socket.create_connection(hostport(target), timeout=10)
    s.sendall(data.encode().decode("unicode_escape").encode("latin-1"))
    reply = b""
    while True:
        try:
            chunk = s.recv(4096)
        except ConnectionResetError:
            break
        if not chunk:
            break
        reply += chunk
    print(reply.decode(errors="replace").split("\r\n")[0] or "closed")


def cmd_dribble(target, seconds):
    url = "http://%s/metrics" % target
    slow = socket.create_connection(hostport(target), timeout=10)
    slow.setblocking(False)
    request = b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: y\r\n" * 100
    end = time.monotonic() + float(seconds)
    scrapes, tries, i, next_scrape = 0, 0, 0, 0.0
    closed = False
    while time.monotonic() < end:
        if not closed:
            try:
                slow.send(request[i % len(request):i % len(request) + 1])
                i += 1
            except OSError:
                closed = True
        if time.monotonic() >= next_scrape:
            code, _ = get(url)
            tries += 1
            scrapes += code == 200
            next_scrape = time.monotonic() + 0.5
        time.sleep(0.2)
    print("scrapes=%d of %d dribbler=%s" % (scrapes, tries, "closed" if closed else "open"))


def cmd_hold(target, n, seconds):
    held = [socket.create_connection(hostport(target), timeout=10) for _ in range(int(n))]
    time.sleep(0.5)
    extra = socket.create_connection(hostport(target), timeout=10)
    try:
        extra.sendall(b"GET /metrics HTTP/1.1\r\n\r\n")
        print("extra=%s" % ("served" if extra.recv(64).startswith(b"HTTP/1.1 200") else "closed"))
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        print("extra=closed")
    time.sleep(float(seconds))
    for s in held:
        s.close()


def cmd_query(prom, expr):
    url = "http://%s/api/v1/query?%s" % (prom, urllib.parse.urlencode({"query": expr}))
    code, body = get(url)
    doc = json.loads(body)
    if doc.get("status") != "success":
        print("error %s" % body)
        return
    for r in doc["data"]["result"]:
        labels = ",".join("%s=%s" % kv for kv in sorted(r["metric"].items()))
        print("%s %s" % (labels, r["value"][1]))


if __name__ == "__main__":
    cmds = {"send": cmd_send, "get": cmd_get, "raw": cmd_raw, "dribble": cmd_dribble,
            "hold": cmd_hold, "query": cmd_query}
    cmds[sys.argv[1]](*sys.argv[2:])
