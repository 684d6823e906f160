# SPDX-License-Identifier: GPL-2.0-or-later
"""Offline placement proof of the sipha n+k topology with crm_simulate.

Used by tests/placement/*.test.  Builds the CIB that `sipha-topology plan
--format xml --stand-ins` describes on fake nodes, then chains crm_simulate
transitions (node failures, returns, monitor failures) and checks after each
one the placement properties of docs/topology.md:

  RUN    every SAP instance runs while a dispatcher node is up
  COLOC  every SAP instance is on a node where a dispatcher instance runs
  ROLE   dispatchers only on dispatcher nodes, proxies only on their node
  FREE   no node holds two SAPs while an up dispatcher node holds none
  STAY   failure: no SAP whose node stayed up moves (nor any dispatcher or
         proxy);  return: nothing moves from a node that held one SAP
  REBAL  return: when SAPs were doubled up, the returned node takes one

Prints one TAP line per topology and property, and crm_simulate's output for
the first failing transitions.
"""

import atexit
import itertools
import shutil
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SRCDIR = os.environ.get("SIPHA_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
TOOL = os.path.join(SRCDIR, "scripts", "sipha-topology")
TIMEOUT_S = "120"
PROPS = ("RUN", "COLOC", "ROLE", "FREE", "STAY", "REBAL")


def sh(cmd, env=None):
    p = subprocess.run(["timeout", "-k", "5", TIMEOUT_S] + cmd, capture_output=True,
                       text=True, env=env)
    return p.returncode, p.stdout + p.stderr


class Sim:
    """One topology on fake nodes, in a private temporary directory."""

    def __init__(self, name, dispatchers, proxies, saps, extra=None, mutate=None,
                 quorum="keep"):
        self.name = name
        self.dispatchers = dispatchers
        self.proxies = proxies
        self.n = len(saps)
        self.nodes = list(dict.fromkeys(dispatchers + proxies))
        self.quorum = quorum            # "keep" (lone survivor) or "majority"
        self.tmp = tempfile.mkdtemp(prefix="sipha-placement-")
        if not os.environ.get("SIPHA_TEST_KEEP"):
            atexit.register(shutil.rmtree, self.tmp, True)
        self.step = 0
        self.failures = {p: [] for p in PROPS}
        self.counts = {p: 0 for p in PROPS}
        self.extra_failures = []
        args = [TOOL, "plan", "--format", "xml", "--stand-ins", "--any-subnet",
                "--dispatchers", ",".join(dispatchers), "--sap", ",".join(saps)]
        for i, node in enumerate(proxies):
            args += ["--proxy", f"{node}=udp:192.0.2.{100 + i}:5060"]
        rc, out = sh(args + (extra or []))
        if rc != 0:
            raise RuntimeError(f"plan failed: {out}")
        rc, empty = sh(["cibadmin", "--empty"])
        if rc != 0:
            raise RuntimeError(f"cibadmin --empty failed: {empty}")
        cib = ET.fromstring(empty)
        conf = cib.find("configuration")
        plan = ET.fromstring(out)
        for section in ("crm_config", "nodes", "resources", "constraints", "tags"):
            if conf.find(section) is None:
                ET.SubElement(conf, section)
            for el in plan.find(section):
                conf.find(section).append(el)
        props = ET.SubElement(conf.find("crm_config"), "cluster_property_set",
                              id="sim-options")
        ET.SubElement(props, "nvpair", id="sim-stonith", name="stonith-enabled",
                      value="false")
        if mutate:
            mutate(cib)
        cib.set("have-quorum", "1")
        base = self.path("base")
        ET.ElementTree(cib).write(base)
        self.cur = base
        self.transcript = ""
        self.run_event("all up", up=self.nodes)
        self.all_up = self.cur

    def path(self, what):
        self.step += 1
        return os.path.join(self.tmp, f"{self.step:05d}-{what.replace(' ', '_')}.xml")

    def prepare(self, src, up_nodes, returning):
        """crm_simulate keeps have-quorum from the CIB: set it per mode.  A node
        that returns comes back rebooted: its resource history is gone (a real
        cluster erases it on rejoin; crm_simulate -u keeps it, and the stale
        entries would read as SAPs active on two nodes)."""
        if self.quorum == "keep":
            have = True
        else:
            have = 2 * len(up_nodes) > len(self.nodes)
        tree = ET.parse(src)
        tree.getroot().set("have-quorum", "1" if have else "0")
        for ns in tree.getroot().iter("node_state"):
            if ns.get("uname") in returning:
                for lrm in ns.findall("lrm"):
                    ns.remove(lrm)
                for ta in ns.findall("transient_attributes"):
                    ns.remove(ta)
        dst = self.path("quorum")
        tree.write(dst)
        return dst

    def run_event(self, what, up=(), fail=(), inject=(), start=None):
        """One event, then transitions until nothing is left to do."""
        src = start or self.cur
        online_after = set(self.online(src)) | set(up)
        online_after -= set(fail)
        src = self.prepare(src, online_after, set(up))
        args = []
        for x in up:
            args += ["-u", x]
        for x in fail:
            args += ["-f", x]
        for x in inject:
            args += ["-i", x]
        transcript = []
        for _ in range(6):
            out = self.path(what)
            rc, text = sh(["crm_simulate", "-x", src, "-S", "-O", out] + args)
            transcript.append(f"$ crm_simulate -x {src} -S -O {out} {' '.join(args)}\n{text}")
            if rc != 0:
                raise RuntimeError(f"crm_simulate failed ({what}):\n{text}")
            src, args = out, []
            if not has_actions(text):
                break
        self.cur = src
        self.transcript = "\n".join(transcript)
        return src

    @staticmethod
    def online(cib_path):
        return [n for n, s in state(cib_path)["nodes"].items() if s]

    def check(self, what, before, after, event):
        """Check the properties on the transition before -> after."""
        b, a = state(before), state(after)
        bad = {}
        up = [n for n, s in a["nodes"].items() if s]
        up_disp = [d for d in self.dispatchers if d in up]
        disp_nodes = set(a["dispatcher"])
        saps = a["sap"]                       # instance -> node
        per_node = {}
        for inst, node in saps.items():
            per_node.setdefault(node, []).append(inst)
        if up_disp and len(saps) != self.n:
            bad["RUN"] = f"{len(saps)} of {self.n} SAPs run with {up_disp} up"
        off = {i: n for i, n in saps.items() if n not in disp_nodes}
        if off:
            bad["COLOC"] = f"SAPs where no dispatcher runs: {off}"
        wrong = [n for n in disp_nodes if n not in self.dispatchers]
        wrong += [f"{p}@{n}" for p, n in a["proxy"].items() if n != p[len("proxy-"):]]
        wrong += [f"{p}@{n}" for p, n in a["beat"].items() if n != p[len("beat-"):]]
        wrong += [f"beat-{n} without its proxy" for n in up if n in self.proxies
                  and a["proxy"].get(f"proxy-{n}") == n and a["beat"].get(f"beat-{n}") != n]
        if wrong:
            bad["ROLE"] = f"out of role: {wrong}"
        free = [d for d in up_disp if d in disp_nodes and d not in per_node]
        doubled = [n for n, insts in per_node.items() if len(insts) > 1]
        if free and doubled:
            bad["FREE"] = f"doubled on {doubled} while {free} holds none"
        moved = {i: (b["sap"][i], n) for i, n in saps.items()
                 if i in b["sap"] and b["sap"][i] != n}
        if event == "fail":
            stayed_up = {i: m for i, m in moved.items() if m[0] in up}
            lost = [p for p, n in b["proxy"].items() if n in up and a["proxy"].get(p) != n]
            lost += [p for p, n in b["beat"].items() if n in up and a["beat"].get(p) != n]
            lost += [d for d in b["dispatcher"] if d in up and d not in disp_nodes]
            if stayed_up or lost:
                bad["STAY"] = f"moved though their node stayed up: {stayed_up} {lost}"
        elif event == "return":
            b_per_node = {}
            for i, n in b["sap"].items():
                b_per_node.setdefault(n, []).append(i)
            needless = {i: m for i, m in moved.items() if len(b_per_node.get(m[0], [])) == 1}
            if needless:
                bad["STAY"] = f"moved from a node that held one SAP: {needless}"
            b_doubled = [n for n, insts in b_per_node.items() if len(insts) > 1]
            returned = what.split()[-1]
            if b_doubled and returned in self.dispatchers and returned not in per_node:
                bad["REBAL"] = (f"doubled on {b_doubled} before, returned {returned} "
                                "took no SAP")
        rebal_applies = False
        if event == "return":
            b_nodes = list(b["sap"].values())
            rebal_applies = any(b_nodes.count(x) > 1 for x in b_nodes) and \
                what.split()[-1] in self.dispatchers
        for p in PROPS:
            if p == "STAY" and event not in ("fail", "return"):
                continue
            if p == "REBAL" and not rebal_applies:
                continue
            self.counts[p] += 1
            if p in bad:
                self.failures[p].append((what, bad[p], self.transcript))
        return bad

    def exhaustive(self, max_failed=None):
        """Every subset of dispatcher nodes fails from all-up; each returns."""
        for size in range(1, len(self.dispatchers) + 1):
            if max_failed is not None and size > max_failed:
                break
            for subset in itertools.combinations(self.dispatchers, size):
                failed = self.run_event(f"fail {'+'.join(subset)}", fail=subset,
                                        start=self.all_up)
                self.check(f"fail {'+'.join(subset)}", self.all_up, failed, "fail")
                for node in subset:
                    back = self.run_event(f"after fail {'+'.join(subset)} return {node}",
                                          up=[node], start=failed)
                    self.check(f"after fail {'+'.join(subset)} return {node}",
                               failed, back, "return")

    def report(self, tap, skip=()):
        for p in PROPS:
            if p in skip:
                continue
            fails = self.failures[p]
            tap.ok(not fails and self.counts[p] > 0, f"{self.name}: {p} holds in {self.counts[p] - len(fails)}"
                   f"/{self.counts[p]} transitions")
            for what, why, transcript in fails[:3]:
                tap.diag(f"{p} broken by '{what}': {why}")
                tap.diag_block(transcript)


def has_actions(text):
    """Whether a crm_simulate transcript planned any action."""
    if "Transition Summary:" not in text:
        return False
    summary = text.split("Transition Summary:", 1)[1].split("Executing", 1)[0]
    return any(line.strip().startswith("*") for line in summary.splitlines())


_STATE_CACHE = {}


def state(cib_path):
    """Placement read back with crm_mon from a CIB file (files are written
    once, so the answer is cached by path)."""
    if cib_path not in _STATE_CACHE:
        _STATE_CACHE[cib_path] = _state(cib_path)
    return _STATE_CACHE[cib_path]


def _state(cib_path):
    env = dict(os.environ, CIB_file=cib_path)
    rc, out = sh(["crm_mon", "-1", "--output-as=xml"], env=env)
    if rc != 0:
        raise RuntimeError(f"crm_mon failed on {cib_path}: {out}")
    root = ET.fromstring(out[out.index("<"):])
    nodes = {n.get("name"): n.get("online") == "true" for n in root.find("nodes")
             if n.get("type", "member") == "member"}
    st = {"nodes": nodes, "dispatcher": [], "sap": {}, "proxy": {}, "beat": {}, "failed": []}
    for r in root.iter("resource"):
        if r.get("active") != "true":
            continue
        rid = r.get("id")
        on = [n.get("name") for n in r.findall("node")]
        if r.get("failed") == "true":
            st["failed"].append(rid)
        if not on:
            continue
        base = rid.split(":")[0]
        if base == "dispatcher":
            st["dispatcher"].extend(on)
        elif base == "sap" or base.startswith("sap-"):
            st["sap"][rid] = on[0]
        elif base.startswith("proxy-"):
            st["proxy"][rid] = on[0]
        elif base.startswith("beat-"):
            st["beat"][rid] = on[0]
    return st


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what):
        self.n += 1
        if not cond:
            self.failed += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {what}", flush=True)

    def diag(self, msg):
        for line in str(msg).splitlines():
            print(f"# {line}")

    def diag_block(self, text, limit=200):
        lines = text.splitlines()
        for line in lines[:limit]:
            print(f"#   {line}")
        if len(lines) > limit:
            print(f"#   ... ({len(lines) - limit} more lines)")

    def done(self):
        print(f"1..{self.n}", flush=True)
        return 0 if self.failed == 0 else 1


def require_tools():
    missing = [c for c in ("crm_simulate", "crm_mon", "cibadmin") if not shutil.which(c)]
    if missing:
        print(f"1..0 # SKIP {' '.join(missing)} not installed (scripts/install-deps)")
        sys.exit(77)


def proxy_failure(sim, tap, proxy_node):
    """A proxy node fails and returns: only its proxy stops and comes back."""
    failed = sim.run_event(f"fail proxy node {proxy_node}", fail=[proxy_node],
                           start=sim.all_up)
    b, a = state(sim.all_up), state(failed)
    pid = f"proxy-{proxy_node}"
    bid = f"beat-{proxy_node}"
    problems = []
    if pid in a["proxy"]:
        problems.append(f"{pid} still runs on {a['proxy'][pid]}")
    if bid in a["beat"]:
        problems.append(f"{bid} still runs on {a['beat'][bid]}")
    for p, n in b["proxy"].items():
        if p != pid and a["proxy"].get(p) != n:
            problems.append(f"{p} moved {n} -> {a['proxy'].get(p)}")
    if proxy_node not in sim.dispatchers and (b["sap"] != a["sap"] or
                                              sorted(b["dispatcher"]) != sorted(a["dispatcher"])):
        problems.append(f"SAPs/dispatchers changed: {b['sap']} -> {a['sap']}")
    sim.check(f"fail proxy node {proxy_node}", sim.all_up, failed, "fail")
    t1 = sim.transcript
    back = sim.run_event(f"return proxy node {proxy_node}", up=[proxy_node], start=failed)
    c = state(back)
    if c["proxy"].get(pid) != proxy_node:
        problems.append(f"{pid} not back on {proxy_node}: {c['proxy'].get(pid)}")
    if c["beat"].get(bid) != proxy_node:
        problems.append(f"{bid} not back beside its proxy: {c['beat'].get(bid)}")
    if proxy_node not in sim.dispatchers and c["sap"] != a["sap"]:
        problems.append(f"SAPs moved on the proxy's return: {a['sap']} -> {c['sap']}")
    tap.ok(not problems, f"{sim.name}: proxy node {proxy_node} fails and returns: only "
           f"{pid} and {bid} stop and start again")
    if problems:
        tap.diag("; ".join(problems))
        tap.diag_block(t1 + "\n" + sim.transcript)


def monitor_failure(sim, tap, node):
    """The dispatcher monitor fails on a node (rc 7, not running): it recovers
    in place and every SAP stays where it was."""
    ev = f"dispatcher_monitor_10000@{node}=7"
    after = sim.run_event(f"dispatcher monitor fails on {node}", inject=[ev],
                          start=sim.all_up)
    b, a = state(sim.all_up), state(after)
    problems = []
    if sorted(a["dispatcher"]) != sorted(b["dispatcher"]):
        problems.append(f"dispatchers {b['dispatcher']} -> {a['dispatcher']}")
    if a["sap"] != b["sap"]:
        problems.append(f"SAPs moved {b['sap']} -> {a['sap']}")
    if len(a["sap"]) != sim.n:
        problems.append(f"{len(a['sap'])} of {sim.n} SAPs run")
    recovered = "Recover" in sim.transcript or "Restart" in sim.transcript
    for inst, where in b["sap"].items():
        if where != node and any(line.strip().startswith(("* Restart", "* Recover"))
                                 and f" {inst} " in line.replace("\t", " ")
                                 for line in sim.transcript.splitlines()):
            problems.append(f"{inst} on {where} restarted with the dispatcher on {node}")
    if not recovered:
        problems.append("no recovery of the failed dispatcher was scheduled")
    tap.ok(not problems, f"{sim.name}: dispatcher monitor failure on {node} "
           "recovers in place, no SAP moves")
    if problems:
        tap.diag("; ".join(problems))
        tap.diag_block(sim.transcript)
    else:
        restarted = [line.strip() for line in sim.transcript.splitlines()
                     if ("Restart" in line or "Recover" in line) and "*" in line]
        tap.diag(f"{node}: {'; '.join(dict.fromkeys(restarted))}")


def random_walk(sim, tap, steps, seed):
    """Random failures and returns of any node (dispatcher or proxy), one at a
    time, each checked as above against the state before it.  Deterministic
    (fixed seed), so a failure is reproducible."""
    import random
    rng = random.Random(seed)
    down = set()
    before_counts = dict(sim.counts)
    before_fail = {p: len(v) for p, v in sim.failures.items()}
    for i in range(steps):
        up_nodes = [x for x in sim.nodes if x not in down]
        if down and (rng.random() < 0.5 or len(up_nodes) <= 1):
            node = rng.choice(sorted(down))
            prev = sim.cur
            after = sim.run_event(f"step {i} return {node}", up=[node], start=prev)
            down.discard(node)
            sim.check(f"step {i} return {node}", prev, after, "return")
        else:
            node = rng.choice(up_nodes)
            prev = sim.cur
            after = sim.run_event(f"step {i} fail {node}", fail=[node], start=prev)
            down.add(node)
            sim.check(f"step {i} fail {node}", prev, after, "fail")
    for p in PROPS:
        n = sim.counts[p] - before_counts[p]
        fails = sim.failures[p][before_fail[p]:]
        if n == 0:
            continue
        tap.ok(not fails, f"{sim.name}: random walk ({steps} steps, seed {seed}): "
               f"{p} holds in {n - len(fails)}/{n}")
        for what, why, transcript in fails[:2]:
            tap.diag(f"{p} broken by '{what}': {why}")
            tap.diag_block(transcript)
