# SPDX-License-Identifier: GPL-2.0-or-later
"""Driver of tests/placement/input.test: sipha-topology's bad input.

Usage: python3 topology_input.py PATH/TO/sipha-topology

Prints TAP.  The table runs the script in this process (main(argv), stdout
and stderr captured), so that a few hundred cases cost well under a second;
a handful run as real processes to see what a shell sees.
"""

import contextlib
import importlib.machinery
import importlib.util
import io
import os
import random
import re
import subprocess
import sys
import tempfile

SCRIPT = sys.argv[1]
loader = importlib.machinery.SourceFileLoader("sipha_topology", SCRIPT)
spec = importlib.util.spec_from_loader("sipha_topology", loader)
topo = importlib.util.module_from_spec(spec)
loader.exec_module(topo)

tap_n = 0
tap_failed = 0


def ok(cond, what, diag=""):
    global tap_n, tap_failed
    tap_n += 1
    if not cond:
        tap_failed += 1
        for line in str(diag).splitlines():
            print(f"# {line}")
    print(f"{'ok' if cond else 'not ok'} {tap_n} - {what}")


def call(argv):
    """(exit code, stdout, stderr, traceback text or None) of main(argv)."""
    out, err = io.StringIO(), io.StringIO()
    tb = None
    rc = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = topo.main(argv)
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 1
        except Exception:   # noqa: BLE001 - any of them is the finding
            import traceback
            tb = traceback.format_exc()
            rc = -1
    return rc, out.getvalue(), err.getvalue(), tb


D = ["--dispatchers", "d1,d2,d3"]
S = ["--sap", "10.0.0.10,10.0.0.11", "--subnet", "10.0.0.0/24"]
P = ["--proxy", "p1=udp:10.0.0.21:5060"]
GOOD = D + P + S
SIZE = ["size", "--mttf", "1000", "--mttr", "1", "--target", "5"]


def plan(*extra):
    return ["plan"] + list(extra)


def proxy(addr):
    return plan(*(D + S + ["--proxy", f"p1={addr}"]))


def sap(addr, subnet="10.0.0.0/24"):
    return plan(*(D + P + ["--sap", addr, "--subnet", subnet]))


# (what, regex the one line must match, argv)
BAD = [
    # Proxy addresses the dispatcher would not use (issue 15 item 5) ...
    ("proxy tcp:", "UDP only, not tcp", proxy("tcp:10.0.0.21:5060")),
    ("proxy ;transport=tcp", "UDP only, not tcp", proxy("sip:10.0.0.21:5060;transport=tcp")),
    ("proxy sips:", "UDP only, not sips", proxy("sips:10.0.0.21")),
    ("proxy host name", "not an IP address .*no DNS", proxy("proxy1.example.com:5060")),
    ("proxy sip: host name", "not an IP address", proxy("sip:proxy1.example.com")),
    ("proxy 999.0.0.1", "'999.0.0.1' is not an IP address", proxy("999.0.0.1")),
    ("proxy 'foo bar'", "white space", proxy("foo bar")),
    # ... and more of the same kind.
    ("proxy tls:", "UDP only, not tls", proxy("tls:10.0.0.21:5061")),
    ("proxy ws:", "UDP only, not ws", proxy("ws:10.0.0.21:80")),
    ("proxy sctp:", "UDP only, not sctp", proxy("sctp:10.0.0.21")),
    ("proxy ;transport=tls", "UDP only, not tls", proxy("sip:10.0.0.21;transport=tls")),
    ("proxy ;transport= (empty)", "UDP only", proxy("sip:10.0.0.21;transport=")),
    ("proxy with a user part", "no user part", proxy("sip:alice@10.0.0.21")),
    ("proxy with URI headers", "no headers", proxy("sip:10.0.0.21?Subject=x")),
    ("proxy parameters without sip:", "URI parameters need sip:", proxy("10.0.0.21;lr")),
    ("proxy IPv4 in brackets", "only IPv6 goes in brackets", proxy("[10.0.0.21]:5060")),
    ("proxy port 0", "bad port", proxy("10.0.0.21:0")),
    ("proxy port 65536", "bad port", proxy("10.0.0.21:65536")),
    ("proxy port +5060", "bad port", proxy("10.0.0.21:+5060")),
    ("proxy empty port", "bad port", proxy("10.0.0.21:")),
    ("proxy 0.0.0.0", "cannot be a proxy", proxy("0.0.0.0")),
    ("proxy multicast", "cannot be a proxy", proxy("224.0.0.1:5060")),
    ("proxy broadcast", "cannot be a proxy", proxy("255.255.255.255")),
    ("proxy udp: alone", "has no host", proxy("udp:")),
    ("proxy tab", "white space", proxy("10.0.0.21\t")),
    ("proxy newline", "control characters", proxy("10.0.0.21\nprimitive x Dummy")),
    ("proxy IPv6 with a scope", "not an IP address", proxy("[fe80::1%eth0]:5060")),
    # SAPs no client can use.
    ("SAP = network address", "network address of 10.0.0.0/24", sap("10.0.0.0")),
    ("SAP = network address, prefix given", "network address", sap("10.0.0.0/24")),
    ("SAP = broadcast address", "broadcast address of 10.0.0.0/24", sap("10.0.0.255")),
    ("SAP = broadcast of its own prefix", "broadcast address of 10.0.0.0/25", sap("10.0.0.127/25")),
    ("SAP = IPv6 subnet-router anycast", "network address of 2001:db8::/64",
     sap("2001:db8::", "2001:db8::/64")),
    ("SAP multicast", "cannot be a service address", sap("224.0.0.5", "224.0.0.0/4")),
    ("SAP unspecified (--any-subnet)", "cannot be a service address",
     plan(*(D + P + ["--sap", "0.0.0.0", "--any-subnet"]))),
    ("SAP with a scope", "bad SAP address", sap("fe80::10%eth0", "fe80::/64")),
    # Options that went into the crmsh file unchecked.
    ("--nic with a blank", "bad interface name", plan(*GOOD, "--nic", "eth0 x")),
    ("--nic with a newline", "bad interface name",
     plan(*GOOD, "--nic", "eth0\nprimitive evil ocf:heartbeat:Dummy")),
    ("--nic too long", "bad interface name", plan(*GOOD, "--nic", "a" * 16)),
    ("--nic with a slash", "bad interface name", plan(*GOOD, "--nic", "eth0/1")),
    ("--nic ..", "bad interface name", plan(*GOOD, "--nic", "..")),
    ("--monitor-interval word", "--monitor-interval wants a positive duration",
     plan(*GOOD, "--monitor-interval", "often")),
    ("--monitor-interval 0", "--monitor-interval wants a positive duration",
     plan(*GOOD, "--monitor-interval", "0")),
    ("--monitor-interval negative", "--monitor-interval wants a positive duration",
     plan(*GOOD, "--monitor-interval=-10s")),
    ("--monitor-interval with crmsh after it", "--monitor-interval wants a positive duration",
     plan(*GOOD, "--monitor-interval", "10s timeout=1s\nprimitive x")),
    ("--monitor-timeout empty", "--monitor-timeout wants a positive duration",
     plan(*GOOD, "--monitor-timeout", "")),
    ("--sap-param with a newline", "control character",
     plan(*GOOD, "--sap-param", "nic=eth0\nprimitive x")),
    ("--dispatcher-agent without a type", "bad --dispatcher-agent",
     plan(*GOOD, "--dispatcher-agent", "ocf:sipha")),
    ("--proxy-agent with a blank", "bad --proxy-agent",
     plan(*GOOD, "--proxy-agent", "ocf:sipha:proxy x")),
    ("--ping-host a host name", "bad --ping-host 'gw.example'", plan(*GOOD, "--ping-host", "gw.example")),
    ("--ping-host twice the same", "duplicate --ping-host", plan(*GOOD, "--ping-host", "10.0.0.1,10.0.0.1")),
    ("--deep-monitor-interval word", "--deep-monitor-interval wants a positive duration",
     plan(*GOOD, "--deep-monitor-interval", "x")),
    ("--start-timeout 0", "--start-timeout wants a positive duration", plan(*GOOD, "--start-timeout", "0")),
    ("--stop-timeout with a newline", "--stop-timeout wants", plan(*GOOD, "--stop-timeout", "20s\nx")),
    ("unknown option", "unrecognized arguments: --frobnicate", plan(*GOOD, "--frobnicate")),
    ("unknown format", "invalid choice: 'yaml'", plan(*GOOD, "--format", "yaml")),
    ("-n not a number", "invalid int value", plan(*GOOD, "-n", "two")),
    ("no command", "required: cmd", []),
    # size: every number checked before any arithmetic.
    ("size --saps 20", "--saps 20 .* need more than --max-nodes 12", SIZE + ["--saps", "20"]),
    ("size --proxy-load 13", "need more than --max-nodes 12", SIZE + ["--proxy-load", "13"]),
    ("size --max-nodes 0", "--max-nodes must be between 1 and 100", SIZE + ["--max-nodes", "0"]),
    ("size --max-nodes huge", "--max-nodes must be between", SIZE + ["--max-nodes", "100000"]),
    ("size --table-size 0", "--table-size must be at least 1", SIZE + ["--table-size", "0"]),
    ("size --mttf nan", "--mttf wants a finite number",
     ["size", "--mttf", "nan", "--mttr", "1", "--target", "5"]),
    ("size --mttr inf", "--mttr wants a finite number",
     ["size", "--mttf", "1000", "--mttr", "inf", "--target", "5"]),
    ("size --mttf-proxy -1", "--mttf-proxy wants a finite number", SIZE + ["--mttf-proxy", "-1"]),
    ("size --mttf-proxy 0", "MTTF must be > 0", SIZE + ["--mttf-proxy", "0"]),
    ("size --failover-proxy-s -1", "--failover-proxy-s wants", SIZE + ["--failover-proxy-s", "-1"]),
    ("size --target nan", "target availability", SIZE[:-2] + ["--target", "nan"]),
]

for what, regex, argv in BAD:
    rc, out, err, tb = call(argv)
    lines = err.splitlines()
    good = (tb is None and rc == 2 and out == "" and len(lines) == 1
            and re.search(regex, lines[0]) is not None
            and lines[0].startswith("sipha-topology: "))
    ok(good, f"{what}: refused ({lines[0][:110] if lines else 'no message'})",
       f"argv {argv!r}\nexit {rc}\nstderr {err!r}\nstdout {out[:300]!r}\n{tb or ''}")

# What must still pass: every form the dispatcher reads.
GOOD_PROXIES = ["10.0.0.21", "10.0.0.21:5070", "udp:10.0.0.21:5060", "sip:10.0.0.21",
                "sip:10.0.0.21:5060;transport=udp", "SIP:10.0.0.21;lr;transport=UDP",
                "[2001:db8::21]:5060", "[2001:db8::21]", "2001:db8::21", "127.0.0.1:5062"]
for addr in GOOD_PROXIES:
    rc, out, err, tb = call(proxy(addr) + ["--format", "crmsh"])
    ok(rc == 0 and f"sip_address={addr}" in out.replace("'", ""),
       f"proxy {addr}: accepted as given", f"exit {rc}\n{err}\n{tb or ''}")
for addr, subnet in (("10.0.0.1", "10.0.0.0/24"), ("10.0.0.254/24", "10.0.0.0/24"),
                     ("10.0.0.10/32", "10.0.0.0/24"), ("10.0.0.1/31", "10.0.0.0/24"),
                     ("2001:db8::1", "2001:db8::/64"),
                     ("127.0.25.1", "127.0.0.0/8")):  # apply-live.sh's SAP
    rc, out, err, tb = call(sap(addr, subnet) + ["--format", "xml"])
    ok(rc == 0, f"SAP {addr} in {subnet}: accepted", f"exit {rc}\n{err}\n{tb or ''}")
for opt, value in (("--nic", "eth0.100"), ("--nic", "bond0"), ("--monitor-interval", "500ms"),
                   ("--monitor-interval", "2min"), ("--monitor-timeout", "1h")):
    rc, out, err, tb = call(plan(*GOOD, opt, value, "--format", "crmsh"))
    ok(rc == 0 and value in out, f"{opt} {value}: accepted", f"exit {rc}\n{err}\n{tb or ''}")
rc, out, err, tb = call(SIZE + ["--saps", "12"])
ok(rc in (0, 1) and tb is None and "n+k" in out, "size --saps 12 (= --max-nodes): a table",
   f"exit {rc}\n{err}\n{tb or ''}")

# The output is a configuration, not a template (issue 15 item 12).
for fmt in ("pcs", "crmsh", "xml"):
    rc, out, err, tb = call(plan(*GOOD, "--format", fmt))
    ok(rc == 0 and "placeholder" not in out and "${" not in out and "n=2 k=1 m=1" in out,
       f"plan --format {fmt}: no template notes ('placeholders', '${{'), says n k m",
       f"exit {rc}\n{err}\n{out[:400]}")

# Fuzz: argument vectors of the real options with random and mutated values.
# Any exit code is fine; a traceback, or an exit 2 that is not one line, is not.
rng = random.Random(int(os.environ.get("SIPHA_FUZZ_SEED", "15")))
OPTS = ["--dispatchers", "--proxy", "--sap", "--subnet", "--nodes", "--nic", "-n", "-k", "-m",
        "--monitor-interval", "--monitor-timeout", "--sap-param", "--proxy-param",
        "--dispatcher-agent", "--takeover-interval-ms", "--takeover-timeout-ms", "--format",
        "--no-beat", "--no-takeover", "--any-subnet", "--stand-ins", "--lone-survivor",
        "--no-quorum-policy", "--ping-host", "--deep-monitor-interval", "--start-timeout",
        "--stop-timeout"]
SIZE_OPTS = ["--mttf", "--mttr", "--mttf-proxy", "--mttr-proxy", "--target", "--model",
             "--saps", "--proxy-load", "--failover-dispatcher-s", "--failover-proxy-s",
             "--max-nodes", "--table-size", "--json"]
PIECES = ["10.0.0.", "::", "[", "]", ":", ";", "=", ",", "/", "%", "sip:", "udp:", "tcp:",
          "p1=", "d1", "-", "0", "5060", "65535", "99999", "1e309", "nan", "-inf", "\n", " ",
          "\t", "\x00", "é", "'", '"', "$(", "`", "\\", "s", "ms", "transport=", "@", "?"]


def fuzz_value():
    r = rng.random()
    if r < 0.4:
        return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6)))
    if r < 0.7:
        good = rng.choice(["10.0.0.10", "p1=10.0.0.21", "d1,d2", "10.0.0.0/24", "10s", "3",
                           "xml", "crmsh", "ocf:sipha:sap", "20", "5", "0.999"])
        i = rng.randint(0, len(good))
        return good[:i] + rng.choice(PIECES) + good[i:]
    return "".join(chr(rng.randint(1, 0x2FF)) for _ in range(rng.randint(0, 12)))


def fuzz_argv():
    if rng.random() < 0.3:
        argv = SIZE[:] if rng.random() < 0.5 else ["size"]
        opts = SIZE_OPTS
    else:
        argv = ["plan"] + (GOOD[:] if rng.random() < 0.6 else [])
        opts = OPTS
    for _ in range(rng.randint(1, 5)):
        argv.append(rng.choice(opts))
        if rng.random() < 0.9:
            argv.append(fuzz_value())
    if rng.random() < 0.1:
        argv.insert(rng.randint(0, len(argv)), fuzz_value())
    return argv


FUZZ_RUNS = int(os.environ.get("SIPHA_FUZZ_RUNS", "600"))
bad_runs = []
for _ in range(FUZZ_RUNS):
    argv = fuzz_argv()
    rc, out, err, tb = call(argv)
    if tb is not None or (rc == 2 and len(err.splitlines()) != 1) or "Traceback" in err:
        bad_runs.append((argv, rc, err, tb))
ok(not bad_runs, f"{FUZZ_RUNS} random argument vectors: no traceback, every usage error one line",
   "\n".join(f"argv {a!r} exit {r}\n{e}{t or ''}" for a, r, e, t in bad_runs[:5]))

# As a shell sees it: a real process, stdout a pipe whose reader has gone
# (`plan | head`): no traceback, exit 0.
r, w = os.pipe()
os.close(r)
p = subprocess.run([SCRIPT] + plan(*GOOD, "--format", "xml"), stdout=w,
                   stderr=subprocess.PIPE, text=True, timeout=120)
os.close(w)
ok(p.returncode == 0 and p.stderr == "", "plan into a closed pipe (plan | head): "
   "exit 0, nothing on stderr", f"exit {p.returncode}\n{p.stderr}")
p = subprocess.run([SCRIPT] + SIZE + ["--saps", "20"], capture_output=True, text=True,
                   timeout=120)
ok(p.returncode == 2 and len(p.stderr.splitlines()) == 1 and p.stdout == "",
   "size --saps 20 as a process: one line, exit 2", f"exit {p.returncode}\n{p.stderr}")

# apply and check off a cluster node (item 12): one line saying where to run.
# Fakes first on PATH answer as Pacemaker's CLIs do on a host that is not a
# node, so that no cluster of this machine is ever touched.
with tempfile.TemporaryDirectory(prefix="sipha-topology-input.") as fakes:
    for cli in ("cibadmin", "crm_resource", "crm_mon", "pcs", "crm"):
        with open(os.path.join(fakes, cli), "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\necho 'Could not connect to the CIB: Transport endpoint "
                    "is not connected' >&2\nexit 102\n")
        os.chmod(os.path.join(fakes, cli), 0o755)
    env = {k: v for k, v in os.environ.items() if k != "CIB_file"}
    env["PATH"] = fakes + os.pathsep + env.get("PATH", "")
    for cmd in ("apply", "check"):
        p = subprocess.run([SCRIPT, cmd] + GOOD, capture_output=True, text=True,
                           env=env, timeout=120)
        ok(p.returncode == 3 and len(p.stderr.splitlines()) == 1 and
           f"run 'sipha-topology {cmd}' on a node of the running cluster" in p.stderr,
           f"{cmd} off a cluster node: exit 3, one line saying to run it on a node",
           f"exit {p.returncode}\n{p.stderr}")

print(f"1..{tap_n}")
sys.exit(1 if tap_failed else 0)
