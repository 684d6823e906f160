#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""dispatcher-slowctl.py: SIP traffic through the dispatcher while control
clients misbehave.

  dispatcher-slowctl.py DISPATCHER PROXY_PORT CONTROL_SOCKET COUNT

Opens four control connections first: one sending a byte every 0.1 s and
one a byte a second (neither ever ends its line), one that sends nothing,
one that sends "status" and never reads.  While they are connected, sends
COUNT INVITEs (distinct Call-IDs) to DISPATCHER and counts those reaching
PROXY_PORT, waiting at most 10 s after the last; then asks "stats" on a
fifth connection.  Prints "forwarded=N sent=COUNT slow_clients_connected=0|1
ctl_answered=0|1".  Only 127.0.0.1 and the given Unix socket are used.
"""
import random
import socket
import sys
import threading
import time

HOST = "127.0.0.1"


def invite(call_id, port):
    return ("INVITE sip:bob@example.com SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%08x;rport\r\n"
            "Max-Forwards: 70\r\n"
            "To: <sip:bob@example.com>\r\n"
            "From: <sip:tester@%s>;tag=%08x\r\n"
            "Call-ID: %s\r\n"
            "CSeq: 1 INVITE\r\n"
            "Content-Length: 0\r\n\r\n"
            % (HOST, port, random.getrandbits(32), HOST, random.getrandbits(32),
               call_id)).encode()


def unix(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def dribble(path, period_s, stop, alive):
    """Send one byte every PERIOD_S, never a newline, until STOP."""
    s = unix(path)
    try:
        while not stop.wait(period_s):
            s.send(b"s")
    except OSError:
        alive[period_s] = False
    s.close()


def main():
    disp_host, disp_port = sys.argv[1].rsplit(":", 1)
    disp = (disp_host, int(disp_port))
    proxy_port, path, count = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    stop = threading.Event()
    alive = {0.1: True, 1.0: True}
    threads = [threading.Thread(target=dribble, args=(path, p, stop, alive)) for p in alive]
    threads[0].start()
    time.sleep(0.3)             # the fast one is the first the dispatcher sees
    threads[1].start()
    silent = unix(path)
    unread = unix(path)
    unread.send(b"status\n")
    time.sleep(0.5)

    proxy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    proxy.bind((HOST, proxy_port))
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.bind((HOST, 0))
    tag = "%08x" % random.getrandbits(32)
    wanted = set()
    for i in range(count):
        call_id = "slowctl-%s-%d" % (tag, i)
        wanted.add(call_id)
        client.sendto(invite(call_id, client.getsockname()[1]), disp)
        time.sleep(0.05)
    deadline = time.monotonic() + 10.0
    seen = set()
    while seen != wanted and time.monotonic() < deadline:
        proxy.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = proxy.recv(65535).decode(errors="replace")
        except socket.timeout:
            break
        seen.update(c for c in wanted if c in data)
    connected = all(alive.values()) and all(t.is_alive() for t in threads)

    answered = 0
    try:
        s = unix(path)
        s.settimeout(5.0)
        s.send(b"stats\n")
        answered = int(s.recv(4096).startswith(b"ok"))
        s.close()
    except OSError:
        pass
    stop.set()
    for t in threads:
        t.join()
    silent.close()
    unread.close()
    print("forwarded=%d sent=%d slow_clients_connected=%d ctl_answered=%d"
          % (len(seen), count, int(connected), answered))
    return 0


if __name__ == "__main__":
    sys.exit(main())
