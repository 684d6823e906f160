#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/agents/bench-monitor.sh: how long a proxy monitor takes to a verdict,
# ocf:sipha:proxy (sipha-probe) side by side with what a user has today,
# ocf:heartbeat:kamailio (sipsak), on the same Kamailio build and config, in
# the same run: healthy, hung (every process SIGSTOPped) and killed.
# A benchmark, not a test: it prints a table.  Root; a network namespace of
# its own (sipha-agents-bench-*), loopback ports 23120-23121.
#
#   tests/agents/bench-monitor.sh [RUNS]      (default 5 runs per cell)
#   SIPHA_BUILDDIR=... for sipha-probe (or SIPHA_TEST_PROBE=path)
set -u
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${SIPHA_BUILDDIR:-$srcdir}
probe=${SIPHA_TEST_PROBE:-$builddir/helpers/probe/sipha-probe}
runs=${1:-5}
[ -x "$probe" ] || { echo "sipha-probe not built: $probe" >&2; exit 2; }
for c in kamailio sipsak ip; do
    command -v $c >/dev/null || { echo "$c not installed" >&2; exit 2; }
done
HB=/usr/lib/ocf/resource.d/heartbeat/kamailio
[ -x "$HB" ] || { echo "resource-agents' kamailio agent not installed" >&2; exit 2; }

ns=sipha-agents-bench-$$
tmp=$(mktemp -d /tmp/sipha-agents-bench.XXXXXX)
cleanup() {
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    sleep 0.3
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns" && ip -n "$ns" link set lo up || exit 1

kcfg() {
    cat <<EOF
#!KAMAILIO
debug=1
children=1
disable_tcp=yes
auto_aliases=no
listen=udp:127.0.0.1:$1
loadmodule "sl.so"
request_route {
    if (method == "OPTIONS") {
        sl_send_reply("200", "OK");
        exit;
    }
    sl_send_reply("404", "Not here");
}
EOF
}
kcfg 23120 >"$tmp/hb.cfg"
kcfg 23121 >"$tmp/sipha.cfg"

# agent NAME ACTION: run one of the two agents inside the namespace.
agent() {
    local which=$1 action=$2
    case $which in
    heartbeat)
        ip netns exec "$ns" env -i PATH="$PATH" OCF_ROOT=/usr/lib/ocf HA_RSCTMP="$tmp" \
            OCF_RESOURCE_INSTANCE=hb OCF_RESKEY_CRM_meta_interval=10000 \
            OCF_RESKEY_CRM_meta_timeout=120000 OCF_RESKEY_conffile="$tmp/hb.cfg" \
            OCF_RESKEY_pidfile="$tmp/hb/kamailio.pid" OCF_RESKEY_port=23120 \
            OCF_RESKEY_listen_address=127.0.0.1 OCF_RESKEY_kamctlrc= \
            OCF_RESKEY_proto=udp OCF_RESKEY_extra_options="-m 16 -M 4 -x tlsf" \
            "$HB" "$action" ;;
    sipha)
        ip netns exec "$ns" env -i PATH="$PATH" OCF_ROOT=/usr/lib/ocf HA_RSCTMP="$tmp" \
            OCF_RESOURCE_INSTANCE=sipha OCF_RESKEY_CRM_meta_interval=10000 \
            OCF_RESKEY_CRM_meta_timeout=120000 OCF_RESKEY_sip_address=127.0.0.1:23121 \
            OCF_RESKEY_config="$tmp/sipha.cfg" OCF_RESKEY_options="-m 16 -M 4 -x tlsf" \
            OCF_RESKEY_probe="$probe" "$srcdir/agents/proxy" "$action" ;;
    esac
}
mainpid() {
    case $1 in
    heartbeat) head -n 1 "$tmp/hb/kamailio.pid" ;;
    sipha) cat "$tmp/sipha-proxy-sipha.pid" ;;
    esac
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# time_monitor WHICH: "ms rc" of one monitor.
time_monitor() {
    local t0 rc
    t0=$(now_ms)
    agent "$1" monitor >/dev/null 2>&1
    rc=$?
    echo "$(( $(now_ms) - t0 )) $rc"
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

declare -A cell
measure() {
    local state=$1 which=$2 out rcs="" times=""
    for _ in $(seq 1 "$runs"); do
        out=$(time_monitor "$which")
        times="$times ${out% *}"
        rcs="$rcs ${out#* }"
    done
    cell[$state,$which]="$(echo "$times" | tr ' ' '\n' | sed '/^$/d' | median) ms (rc$(echo "$rcs" | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/ $//'))"
}

for w in heartbeat sipha; do
    timeout 120 bash -c "$(declare -f agent); HB=$HB ns=$ns tmp=$tmp probe=$probe srcdir=$srcdir agent $w start" >/dev/null 2>&1 || { echo "$w agent failed to start Kamailio" >&2; exit 1; }
done
measure healthy heartbeat
measure healthy sipha
for w in heartbeat sipha; do
    kill -STOP -- "-$(ps -o pgid= -p "$(mainpid $w)" | tr -d ' ')"
done
measure hung heartbeat
measure hung sipha
for w in heartbeat sipha; do
    pg=$(ps -o pgid= -p "$(mainpid $w)" | tr -d ' ')
    kill -KILL -- "-$pg"
done
sleep 0.5
measure killed heartbeat
measure killed sipha

echo
echo "Proxy monitor, time to a verdict (median of $runs; rc 0 = running, 1 = failed, 7 = not running)"
echo "Kamailio $(kamailio -v 2>/dev/null | sed -n 's/^version: kamailio \([^ ]*\).*/\1/p'), $(date -u +%Y-%m-%d), $(nproc) CPUs"
echo
printf '| %-29s | %-26s | %-26s |\n' "Kamailio state" "ocf:heartbeat:kamailio" "ocf:sipha:proxy"
printf '|%s|%s|%s|\n' "-------------------------------" "----------------------------" "----------------------------"
for st in healthy hung killed; do
    case $st in
    healthy) label="healthy" ;;
    hung) label="hung (SIGSTOP, every process)" ;;
    killed) label="killed (SIGKILL)" ;;
    esac
    printf '| %-29s | %-26s | %-26s |\n' "$label" "${cell[$st,heartbeat]}" "${cell[$st,sipha]}"
done
