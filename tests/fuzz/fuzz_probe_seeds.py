#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""fuzz_probe_seeds.py: write the seed corpus of the probe fuzz targets.

  fuzz_probe_seeds.py DIR                  synthetic seeds into DIR/response, DIR/addr
  fuzz_probe_seeds.py DIR --capture NAME HOST PORT
                                           send our OPTIONS (fixed fuzz ids) to a
                                           real peer on loopback, save its answer
The ids match tests/fuzz/fuzz_probe_ids.h, so "ok-*" seeds reach the match path.
"""
import os
import socket
import sys

BRANCH = "z9hG4bK-sipha-fuzz0001"
CALL_ID = "fuzz0001@sipha"
TAG = "fuzztag"
CSEQ = 7


def request(host, port, lport):
    return ("OPTIONS sip:%s:%d SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport\r\n"
            "From: <sip:sipha-probe@127.0.0.1>;tag=%s\r\n"
            "To: <sip:%s:%d>\r\n"
            "Call-ID: %s\r\n"
            "CSeq: %d OPTIONS\r\n"
            "Max-Forwards: 70\r\n"
            "User-Agent: sipha-probe/0.1.0\r\n"
            "Accept: application/sdp\r\n"
            "Content-Length: 0\r\n\r\n"
            % (host, port, lport, BRANCH, TAG, host, port, CALL_ID, CSEQ)).encode()


def response(code=200, reason="OK", branch=BRANCH, call_id=CALL_ID, cseq="%d OPTIONS" % CSEQ,
             extra="", body=""):
    return ("SIP/2.0 %d %s\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:40000;branch=%s;rport=40000;received=127.0.0.1\r\n"
            "From: <sip:sipha-probe@127.0.0.1>;tag=%s\r\n"
            "To: <sip:127.0.0.1:5060>;tag=uas1\r\n"
            "Call-ID: %s\r\n"
            "CSeq: %s\r\n%s"
            "Content-Length: %d\r\n\r\n%s"
            % (code, reason, branch, TAG, call_id, cseq, extra, len(body), body)).encode()


def synthetic(out):
    ok = response()
    seeds = {
        "ok-200": ok,
        "ok-404": response(404, "Not Found"),
        "ok-483": response(483, "Too Many Hops"),
        "ok-100-trying": response(100, "Trying"),
        "ok-200-sdp-body": response(extra="Content-Type: application/sdp\r\n",
                                    body="v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"),
        "ok-compact": ok.replace(b"Via:", b"v:").replace(b"From:", b"f:").replace(
            b"To:", b"t:").replace(b"Call-ID:", b"i:").replace(b"Content-Length:", b"l:"),
        "ok-two-vias": ok.replace(b"From:", b"Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa\r\nFrom:"),
        "ok-lf-only": ok.replace(b"\r\n", b"\n"),
        "ok-reason-ctrl": response(200, "O\x1bK\x7f"),
        "foreign-branch": response(branch="z9hG4bK-other-fuzz0001"),
        "foreign-callid": response(call_id="other@sipha"),
        "foreign-cseq": response(cseq="8 OPTIONS"),
        "foreign-method": response(cseq="7 INVITE"),
        "foreign-request": request("127.0.0.1", 5060, 40000),
        "bad-truncated-headers": ok[:len(ok) // 2],
        "bad-truncated-body": response(body="abc")[:-2],
        "bad-content-length": ok.replace(b"Content-Length: 0", b"Content-Length: x"),
        "bad-content-length-huge": ok.replace(b"Content-Length: 0", b"Content-Length: 999999999999"),
        "bad-status-700": ok.replace(b"SIP/2.0 200", b"SIP/2.0 700"),
        "bad-status-text": ok.replace(b"SIP/2.0 200", b"SIP/2.0 abc"),
        "bad-nul": ok.replace(b"OK", b"O\x00K"),
        "bad-garbage": b"\xff\xfe\x00garbage\r\n\r\n",
        "bad-empty": b"",
        "stream-two-messages": b"\r\n\r\n" + ok + response(404, "Not Found"),
        "stream-keepalive-only": b"\r\n\r\n\r\n",
    }
    for name, data in seeds.items():
        with open(os.path.join(out, "response", name), "wb") as f:
            f.write(data)
    addrs = {
        "uri": "sip:127.0.0.1:5060", "uri-tcp": "sip:alice@proxy.example:5070;transport=tcp;lr",
        "hostport": "127.0.0.1:5060", "v6": "[::1]:5060", "v6-bare": "::1",
        "key": "tcp:[::1]:5060", "key-name": "udp:proxy.example:5060",
        "bad-sips": "sips:host", "bad-port": "host:99999", "bad-bracket": "[::1",
        "name-trailing-dot": "Proxy.Example.:5061",
    }
    for name, text in addrs.items():
        with open(os.path.join(out, "addr", name), "w") as f:
            f.write(text)


def capture(out, name, host, port):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    s.settimeout(5)
    s.send(request(host, port, s.getsockname()[1]))
    data = s.recv(65535)
    with open(os.path.join(out, "response", name), "wb") as f:
        f.write(data)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "--capture":
        capture(sys.argv[1], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        synthetic(sys.argv[1])
