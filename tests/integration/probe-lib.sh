# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/integration/probe-lib.sh: peers for sipha-probe's integration tests.
# Source after tests/lib/tap.sh.  Every peer listens on loopback in the probe
# range (20000-20999) and is stopped at exit.
PROBE=$SIPHA_BUILDDIR/helpers/probe/sipha-probe
PROBE_PEER=$SIPHA_SRCDIR/tests/integration/probe-peer.py
[ -x "$PROBE" ] || skip_all "sipha-probe not built in $SIPHA_BUILDDIR"
PROBE_TMP=$(mktemp -d /tmp/sipha-probe-test.XXXXXX)
on_exit "rm -rf '$PROBE_TMP'"
# Where an answer is expected, a deadline no busy machine misses: the tests
# assert verdicts, never speed (speed is scripts/bench-probe's job).
# shellcheck disable=SC2034  # used by the test scripts that source this file
LIVE=(--timeout-ms 5000)
# Abort (and skip nothing silently) when ASan finds something.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}

# udp_bound PORT [tcp]: something listens on loopback PORT.
port_bound() {
    local port=$1 proto=${2:-u}
    ss -Hln"$proto" "sport = :$port" 2>/dev/null | grep -q .
}

# start_peer MODE HOST FIRST_PORT [COUNT]: the python peer; waits until bound.
start_peer() {
    local mode=$1 host=$2 port=$3 count=${4:-1} ready pid
    ready=$PROBE_TMP/peer-$mode-$port.ready
    python3 "$PROBE_PEER" "$mode" "$host" "$port" "$count" "$ready" \
        >"$PROBE_TMP/peer-$mode-$port.log" 2>&1 &
    pid=$!
    on_exit "kill $pid"
    wait_for 20 test -e "$ready" || { diag "peer $mode $port did not start"; return 1; }
}

# start_sipp PORT HOST [EXTRA SIPP ARGS]: SIPp UAS answering OPTIONS (-aa).
start_sipp() {
    local port=$1 host=$2 proto=u pid
    shift 2
    case " $* " in *" t1 "*) proto=t ;; esac
    sipp -sn uas -aa -nostdin -i "$host" -p "$port" "$@" \
        >"$PROBE_TMP/sipp-$port.log" 2>&1 &
    pid=$!
    on_exit "kill $pid"
    wait_for 20 port_bound "$port" "$proto" || { diag "sipp on $port did not start"; return 1; }
}

# run_probe ARGS...: run sipha-probe; output in $PROBE_TMP/out, status in $rc.
run_probe() {
    "$PROBE" "$@" >"$PROBE_TMP/out" 2>"$PROBE_TMP/err"
    # shellcheck disable=SC2034  # rc is read by the test scripts
    rc=$?
    sed 's/^/# out: /' "$PROBE_TMP/out"
    sed 's/^/# err: /' "$PROBE_TMP/err"
    return 0
}

# out_has REGEX: the last run printed a line matching REGEX.
out_has() {
    grep -Eq -- "$1" "$PROBE_TMP/out"
}

# json_ok PYEXPR: every output line is JSON and PYEXPR holds over "rows".
json_ok() {
    python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if rows and eval(sys.argv[2]) else 1)
' "$PROBE_TMP/out" "$1"
}

# start_kamailio PORT_483 CHILDREN LISTEN...: Kamailio from our template with
# one listen= line per LISTEN ("udp:127.0.0.1:20201"), foreground (-DD -E),
# own pid file and runtime dir; stopped (SIGTERM to its main process) at exit.
start_kamailio() {
    local port_483=$1 children=$2 dir=$PROBE_TMP/kamailio l first pid
    shift 2
    first=$1
    mkdir -p "$dir"
    for l in "$@"; do echo "listen=$l"; done >"$dir/listen"
    sed -e "/@LISTEN@/{r $dir/listen" -e 'd}' -e "s/@PORT_483@/$port_483/" \
        -e "s/@CHILDREN@/$children/" \
        "$SIPHA_SRCDIR/tests/integration/probe-kamailio/kamailio.cfg.in" >"$dir/kamailio.cfg"
    kamailio -f "$dir/kamailio.cfg" -c >"$dir/check.log" 2>&1 \
        || { diag "kamailio config rejected"; sed 's/^/# /' "$dir/check.log"; return 1; }
    kamailio -f "$dir/kamailio.cfg" -DD -E -P "$dir/kamailio.pid" -Y "$dir" -m 32 -M 8 \
        >"$dir/kamailio.log" 2>&1 &
    pid=$!
    on_exit "kill $pid; wait $pid"
    first=${first#*:}
    case $first in \[*) first=${first#*]} ;; *) first=${first#*:} ;; esac
    first=${first#:}
    wait_for 20 port_bound "$first" u || { diag "kamailio did not start"; tail -n 20 "$dir/kamailio.log" | sed 's/^/# /'; return 1; }
}
