#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""dispatcher-sip.py: a tiny SIP peer for the dispatcher's integration tests.

  request DISPATCHER [--method M] [--ruri URI] [--max-forwards N|none]
      send one request from an ephemeral 127.0.0.1 port; print the status
      line of the first response (or "timeout") and its headers.
  relay DISPATCHER PROXY_PORT VICTIM_PORT
      act as client AND as the dispatcher's only proxy: forward an INVITE
      through the dispatcher, then answer it as the proxy three ways:
      honest, with the next Via redirected to VICTIM_PORT, and with a forged
      MAC.  Prints "honest=N redirected=N forged=N notours=N" (datagrams
      that reached the client / the victim).
Only 127.0.0.1 is used.
"""
import random
import re
import socket
import sys

HOST = "127.0.0.1"


def addr(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


def sock(port=0, timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((HOST, port))
    s.settimeout(timeout)
    return s


def build_request(method, ruri, local_port, call_id, max_forwards="70", branch=None):
    branch = branch or "z9hG4bK%08x" % random.getrandbits(32)
    lines = [
        "%s %s SIP/2.0" % (method, ruri),
        "Via: SIP/2.0/UDP %s:%d;branch=%s;rport" % (HOST, local_port, branch),
    ]
    if max_forwards != "none":
        lines.append("Max-Forwards: %s" % max_forwards)
    lines += [
        "To: <%s>" % ruri,
        "From: <sip:tester@%s>;tag=%08x" % (HOST, random.getrandbits(32)),
        "Call-ID: %s" % call_id,
        "CSeq: 1 %s" % method,
        "Contact: <sip:tester@%s:%d>" % (HOST, local_port),
        "Content-Length: 0",
        "", "",
    ]
    return "\r\n".join(lines).encode()


def recv(s):
    try:
        data, _ = s.recvfrom(65535)
        return data.decode(errors="replace")
    except socket.timeout:
        return None


def cmd_request(argv):
    disp = addr(argv[0])
    method, ruri, mf = "OPTIONS", "sip:%s:%d" % disp, "70"
    i = 1
    while i < len(argv):
        if argv[i] == "--method":
            method = argv[i + 1]
        elif argv[i] == "--ruri":
            ruri = argv[i + 1]
        elif argv[i] == "--max-forwards":
            mf = argv[i + 1]
        i += 2
    s = sock()
    s.sendto(build_request(method, ruri, s.getsockname()[1], "req-%08x" % random.getrandbits(32),
                           mf), disp)
    reply = recv(s)
    print(reply if reply is not None else "timeout")
    return 0 if reply is not None else 1


def respond(proxy, request, proxy_src, mangle=None):
    """Answer REQUEST (bytes the proxy got) with a 200, optionally mangled."""
    head = request.split("\r\n\r\n", 1)[0].split("\r\n")
    keep = [h for h in head[1:] if re.match(r"(?i)(via|to|from|call-id|cseq):", h)]
    resp = "\r\n".join(["SIP/2.0 200 OK"] + keep + ["Content-Length: 0", "", ""])
    if mangle is not None:
        resp = mangle(resp)
    proxy.sendto(resp.encode(), proxy_src)


def cmd_relay(argv):
    disp = addr(argv[0])
    proxy = sock(int(argv[1]))
    victim = sock(int(argv[2]), timeout=0.5)
    client = sock(timeout=1.0)
    cport = client.getsockname()[1]
    counts = {}

    def round_trip(name, mangle):
        call_id = "relay-%s-%08x" % (name, random.getrandbits(32))
        client.sendto(build_request("INVITE", "sip:bob@example.com", cport, call_id), disp)
        # Skip anything an earlier step left queued for the proxy: answer
        # only the request this round sent.
        got = recv(proxy)
        while got is not None and call_id not in got:
            got = recv(proxy)
        if got is None:
            counts[name] = -1
            return
        respond(proxy, got, disp, mangle)
        n = 0
        for s in (client, victim):
            while recv(s) is not None:
                n += 1
        counts[name] = n

    round_trip("honest", None)
    round_trip("redirected",
               lambda r: re.sub(r"rport=\d+", "rport=%s" % argv[2], r, count=1))
    round_trip("forged",
               lambda r: re.sub(r"branch=z9hG4bKsd([0-9a-f]{16})[0-9a-f]{16}",
                                lambda m: "branch=z9hG4bKsd" + m.group(1) + "0" * 16, r,
                                count=1))
    # a response whose top Via is not the dispatcher's at all
    round_trip("notours",
               lambda r: re.sub(r"Via: SIP/2.0/UDP [^\r]*z9hG4bKsd[^\r]*\r\n", "", r, count=1))
    print(" ".join("%s=%d" % kv for kv in counts.items()))
    return 0


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    if sys.argv[1] == "request":
        return cmd_request(sys.argv[2:])
    if sys.argv[1] == "relay":
        return cmd_relay(sys.argv[2:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
