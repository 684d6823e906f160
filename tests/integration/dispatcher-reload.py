#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""dispatcher-reload.py: a transaction across a reload.

  dispatcher-reload.py DISPATCHER PROXY_PORT PID LOG [DONE_TEXT]

As client, sends an INVITE through DISPATCHER; as its only proxy (on
PROXY_PORT), receives it; sends SIGHUP to PID and waits for LOG to say it
is reloading (at most 30 s); then answers 200 as the proxy (the control
thread, or in older versions the one loop, finishes the reload before it
could use a new key on the answer)
and prints "relayed=1" when the client got it, "relayed=0" when not,
"forwarded=0" when the INVITE never reached the proxy.  With DONE_TEXT,
it waits for LOG to say that instead (e.g. "Configuration reloaded": the
new keys are in use).  Only 127.0.0.1.
"""
import os
import random
import re
import signal
import socket
import sys
import time

HOST = "127.0.0.1"


def main():
    disp_host, disp_port = sys.argv[1].rsplit(":", 1)
    disp = (disp_host, int(disp_port))
    proxy_port, pid, log = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    proxy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    proxy.bind((HOST, proxy_port))
    proxy.settimeout(10.0)
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.bind((HOST, 0))
    client.settimeout(5.0)
    cport = client.getsockname()[1]
    call_id = "reload-%08x" % random.getrandbits(32)
    client.sendto(("INVITE sip:bob@example.com SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%08x;rport\r\n"
                   "Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\n"
                   "From: <sip:t@%s>;tag=1\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"
                   "Content-Length: 0\r\n\r\n"
                   % (HOST, cport, random.getrandbits(32), HOST, call_id)).encode(), disp)
    try:
        got = proxy.recv(65535).decode(errors="replace")
    except socket.timeout:
        print("forwarded=0")
        return 0
    done = sys.argv[5] if len(sys.argv) > 5 else "Reloading configuration"
    reloads = open(log).read().count(done)
    os.kill(pid, signal.SIGHUP)
    deadline = time.monotonic() + 30
    while open(log).read().count(done) == reloads:
        if time.monotonic() > deadline:
            print("reloaded=0")
            return 0
        time.sleep(0.1)
    head = got.split("\r\n\r\n", 1)[0].split("\r\n")
    keep = [h for h in head[1:] if re.match(r"(?i)(via|to|from|call-id|cseq):", h)]
    proxy.sendto("\r\n".join(["SIP/2.0 200 OK"] + keep + ["Content-Length: 0", "", ""])
                 .encode(), disp)
    try:
        client.recv(65535)
        print("relayed=1")
    except socket.timeout:
        print("relayed=0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
