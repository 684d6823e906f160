#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""syslog-recv.py SOCKET OUT: a syslog receiver of the test's own: binds
the unix datagram socket SOCKET (never the host's /dev/log) and appends
every datagram it receives to OUT, one a line, until killed."""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
with open(out, "a", buffering=1) as f:
    f.write("#listening\n")
    while True:
        data = sock.recv(65536)
        f.write(data.decode(errors="replace").replace("\n", " ") + "\n")
