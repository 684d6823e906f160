#!/usr/bin/env python3
# tests/fuzz/fuzz_beat_seeds.py: write the seed corpus of fuzz-beat-msg
# (tests/fuzz/corpus/beat/msg): valid beats and ticks, then near misses.
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "corpus", "beat", "msg")
os.makedirs(out, exist_ok=True)


def msg(type_=1, name=b"p1", addr=b"udp:127.0.0.1:5060", state=0, counter=7,
        flags=1, cpu=250, active=3, boot=0x1122334455667788, seq=1,
        version=1, hdr=48, extra=b""):
    total = hdr + len(name) + len(addr)
    head = struct.pack(">4sBBHHBBIQQQBBHI", b"SPHB", version, type_, hdr, total,
                       len(name), len(addr), flags, boot, seq, counter, state, 0,
                       cpu, active)
    return head + extra + name + addr


seeds = {
    "beat-ok": msg(),
    "beat-v6": msg(name=b"kam_2.x", addr=b"tcp:[::1]:5070"),
    "beat-timeout": msg(state=2, counter=0, flags=0, cpu=0, active=0),
    "beat-stopping": msg(state=6),
    "beat-long-name": msg(name=b"n" * 63, addr=b"udp:" + b"h" * 110 + b":65535"),
    "beat-minor-rev": msg(hdr=56, extra=b"\xee" * 8),
    "regress-unknown-flags": msg(flags=0x97000001, counter=1, cpu=0, active=0),
    "tick": msg(type_=2, name=b"", addr=b"", flags=0, cpu=0, active=0),
    "bad-magic": b"XPHB" + msg()[4:],
    "bad-version": msg(version=2),
    "bad-type": msg(type_=9),
    "bad-state": msg(state=7),
    "bad-cpu": msg(cpu=1001),
    "bad-name": msg(name=b"a b"),
    "bad-addr": msg(addr=b"udp:127.0.0.1:0"),
    "bad-short": msg()[:20],
    "bad-truncated": msg()[:-1],
    "bad-nul": msg(name=b"a\x00b"),
    "bad-tick-name": msg(type_=2, name=b"x", addr=b""),
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
