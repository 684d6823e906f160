# tests/integration/beat-lib.sh: helpers shared by tests/integration/beat-*.test.
# shellcheck shell=bash disable=SC2016,SC2034
# Source after tests/lib/tap.sh and tests/lib/cluster.sh; call beat_setup first.
#
#   beat_setup [--corosync-only]     node up, programs found, BEAT_DIR for files
#   beat_bg NAME CMD...              run CMD inside the node, pid in $BEAT_DIR/NAME.pid,
#                                    output in $BEAT_DIR/NAME.log
#   beat_pid NAME                    that pid
#   beat_sipp NAME PORT              SIPp UAS answering OPTIONS on 127.0.0.1:PORT
#                                    (returns once it answers)
#   beat_watch_state NAME            proxy NAME's state from a fresh `sipha-watch --once`
#   beat_mark LOGNAME                remember how far that log is
#   beat_event LOGNAME PATTERN       grep -E PATTERN in that log after the mark
#                                    (for wait_for): old lines never satisfy a check
#
# Every process runs in the node's network namespace: cluster_stop (on exit)
# kills whatever is left, so nothing survives a failed test.

BEAT_BIN=$SIPHA_BUILDDIR/helpers/beat
BEAT_INJECT=$SIPHA_BUILDDIR/tests/unit/beat-inject
BEAT_DIR=

beat_setup() {
    require_root
    require_cmd corosync sipp
    [ -x "$BEAT_BIN/sipha-beat" ] && [ -x "$BEAT_BIN/sipha-watch" ] \
        || skip_all "sipha-beat/sipha-watch not built in $SIPHA_BUILDDIR"
    cluster_start "$@" || { echo "Bail out! cannot start the test cluster"; exit 1; }
    cluster_wait_ready 120 || { echo "Bail out! test cluster not ready"; exit 1; }
    BEAT_DIR=$CLUSTER_DIR/beat
    mkdir -p "$BEAT_DIR"
}

# The shell records its own pid, then becomes CMD: the pid is CMD's.
beat_bg() {
    local name=$1
    shift
    rm -f "$BEAT_DIR/$name.pid"
    cluster_exec_bg "$BEAT_DIR/$name.log" \
        sh -c 'echo $$ >"$0"; exec "$@"' "$BEAT_DIR/$name.pid" "$@" >/dev/null
    wait_for 10 test -s "$BEAT_DIR/$name.pid"
}

beat_pid() {
    cat "$BEAT_DIR/$1.pid" 2>/dev/null
}

beat_alive() {
    local pid
    pid=$(beat_pid "$1")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

beat_sipp() {
    beat_bg "$1" sipp -sn uas -aa -nostdin -i 127.0.0.1 -p "$2" -m 1000000000
    # answering before anything probes it: a beat started against a SIPp
    # still starting sees its port closed and rightly reports the proxy
    # down first, which the tests do not expect
    wait_for 30 cluster_exec "$SIPHA_BUILDDIR/helpers/probe/sipha-probe" --timeout-ms 500 \
        "127.0.0.1:$2" >/dev/null 2>&1
}

# sipha-watch --once, then the STATE column of proxy $1 ("" if absent).
beat_watch_state() {
    cluster_exec "$BEAT_BIN/sipha-watch" --once --wait-ms 1500 "${@:2}" 2>/dev/null \
        | awk -v n="$1" '$1 == n { print $2 }'
}

beat_state_is() {
    [ "$(beat_watch_state "$1")" = "$2" ]
}

declare -A BEAT_MARKS

beat_mark() {
    BEAT_MARKS[$1]=$(wc -l <"$BEAT_DIR/$1.log" 2>/dev/null || echo 0)
}

beat_since_mark() {
    tail -n +$(( ${BEAT_MARKS[$1]:-0} + 1 )) "$BEAT_DIR/$1.log" 2>/dev/null
}

beat_event() {
    beat_since_mark "$1" | grep -Eq "$2"
}

beat_count() {
    beat_since_mark "$1" | grep -Ec "$2"
}

# beat_row WATCHER NAME: NAME's row in the live table of WATCHER (a running
# sipha-watch prints its table on SIGUSR1, in any mode).  Outcome checks use
# it rather than one expected transition: under load a healthy proxy may
# flap once (a late probe), so "the event since the mark" can be another one.
beat_row() {
    local row_log=$BEAT_DIR/$1.log row_from row_name=$2
    row_from=$(wc -l <"$row_log")
    kill -USR1 "$(beat_pid "$1")" 2>/dev/null || return 1
    # (eval runs inside wait_for: locals are seen, positional parameters not)
    # shellcheck disable=SC2016
    wait_for 30 eval 'tail -n +$((row_from + 1)) "$row_log" | grep -q "^$row_name "' || return 1
    tail -n +$((row_from + 1)) "$row_log" | grep "^$row_name " | tail -n 1
}

# beat_row_matches WATCHER NAME REGEX (for wait_for)
beat_row_matches() {
    beat_row "$1" "$2" | grep -Eq "$3"
}

# beat_once_ok [ARGS...]: a fresh `sipha-watch --once` exits 0 (every proxy
# up).  A fresh watcher needs three increases in a row: under load it may
# need more than one try.
beat_once_ok() {
    cluster_exec "$BEAT_BIN/sipha-watch" --once --wait-ms 3000 "$@" >/dev/null 2>&1
}
