# shellcheck shell=bash disable=SC2120
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/lab/lab.sh: the sipha lab, a multi-node cluster on one machine.
# Sourced by scripts/sipha-lab, scripts/sipha-demo, scripts/bench-failover and
# tests/e2e/*.test (bash).  Built on scripts/lib/node.sh (one node = a network
# namespace + a holder process with private mounts and hostname).
#
# Layout of a lab named NAME:
#   namespaces   sipha-lab-NAME-br (the bridge br0), sipha-lab-NAME-HOST
#   state        $SIPHA_LAB_ROOT/NAME (default /var/tmp/sipha-lab/NAME):
#                config, events (the timeline), nodes/HOST (node.sh state),
#                power/HOST (on|off), keeper.pid, sbin/ (fence agent), ...
#   hosts        d1..dN dispatcher hosts, p1..pM proxy hosts (cluster nodes),
#                uac and uas (SIPp, outside the cluster)
#   addresses    192.0.2.0/24 (TEST-NET-1) on the lab's own bridge only:
#                dI .10+I, pI .20+I, uac .51, uas .52, SAP J .100+J, VRRP VIP .200
# Nothing outside these namespaces, this directory and the processes in the
# namespaces is ever touched.

: "${SIPHA_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${SIPHA_BUILDDIR:=$SIPHA_SRCDIR}"
: "${SIPHA_LAB_ROOT:=/var/tmp/sipha-lab}"
# shellcheck source=../lib/node.sh
. "$SIPHA_SRCDIR/scripts/lib/node.sh"

LAB_NET=192.0.2
LAB_CLUSTER_NAME=sipha-lab
LAB_SIP_PORT=5060
# SIPp ends its own run when its main loop was late by 500 ms 120 times
# (its overload watchdog): on a busy 2-core machine the lab's UAS did, and
# every later call failed.  The lab's SIPp must outlive a busy machine.
LAB_SIPP_NO_WATCHDOG=(-watchdog_minor_maxtriggers 1000000000 -watchdog_major_maxtriggers 1000000000)
# SIPp sets its sockets' buffers to -buff_size, 65535 by default: a receive
# buffer (131070 bytes once the kernel doubles it) smaller than the host's
# default.  On a loaded machine the lab's UAS and UAC then dropped hundreds
# of datagrams on full buffers (UdpRcvbufErrors in their namespaces; none at
# the dispatchers or the proxies), and every drop the retransmissions did not
# cover became a 408 of the calls series (docs/lab.md).  Ask for 4 MiB; the
# kernel caps it at net.core.rmem_max / wmem_max, which the lab leaves alone.
LAB_SIPP_BUFFERS=(-buff_size 4194304)
# The UAS and the UACs stand for machines of their own: on the lab's shared
# cores they run at nice -10, or a loaded lab starves them.  At load 40 (two
# labs on 2 cores) the soak's UAS at nice 0 got 3% of a core and fell
# minutes behind: 6 MB queued in its 8 MB buffer, 50,000 datagrams dropped,
# while the dispatchers and proxies dropped a few hundred.
LAB_SIPP_NICE=(nice -n -10)

# lab_init NAME: select the lab every other function works on.
lab_init() {
    LAB=${1:-main}
    case $LAB in
        *[!a-z0-9]*|'') echo "sipha-lab: lab name must be [a-z0-9]+" >&2; return 2 ;;
    esac
    LABDIR=$SIPHA_LAB_ROOT/$LAB
    LAB_NSPFX="sipha-lab-$LAB-"
    LAB_BRNS="${LAB_NSPFX}br"
    [ -f "$LABDIR/config" ] && . "$LABDIR/config"
    return 0
}

# lab_owner_alive: the process that made the lab (a demo, a test, a
# benchmark) still runs; `sipha-lab up` labs have no living owner.
lab_owner_alive() {
    local pid
    pid=$(cat "$LABDIR/owner" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# lab_claim: for scripts that make their own lab under a fixed name: remove
# a leftover one whose owner is gone; refuse (1) when its owner still runs.
lab_claim() {
    lab_exists || return 0
    if lab_owner_alive; then
        echo "sipha-lab: lab '$LAB' is in use by process $(cat "$LABDIR/owner")" >&2
        return 1
    fi
    lab_down
}

# lab_reap PREFIX: remove the labs named PREFIX<pid> whose owner is gone
# (left by test runs that were killed).
lab_reap() {
    local prefix=$1 d name
    for d in "$SIPHA_LAB_ROOT/$prefix"[0-9]*; do
        [ -d "$d" ] || continue
        name=${d##*/}
        ( lab_init "$name" && { lab_owner_alive || lab_down; } )
    done
}

lab_exists() {
    [ -f "$LABDIR/config" ] || ip netns list 2>/dev/null | grep -q "^$LAB_NSPFX"
}

lab_ns() { echo "$LAB_NSPFX$1"; }

lab_addr() {
    case $1 in
        d[0-9]*) echo "$LAB_NET.$((10 + ${1#d}))" ;;
        p[0-9]*) echo "$LAB_NET.$((20 + ${1#p}))" ;;
        uac) echo "$LAB_NET.51" ;;
        uas) echo "$LAB_NET.52" ;;
        sap[0-9]*) echo "$LAB_NET.$((100 + ${1#sap}))" ;;
        vrrp) echo "$LAB_NET.200" ;;
        *) return 1 ;;
    esac
}

lab_dispatchers() { local i; for ((i = 1; i <= LAB_DISPATCHERS; i++)); do echo "d$i"; done; }
lab_proxies() { local i; for ((i = 1; i <= LAB_PROXIES; i++)); do echo "p$i"; done; }
lab_saps() { local i; for ((i = 1; i <= LAB_SAPS; i++)); do echo "sap$i"; done; }
lab_cluster_hosts() { lab_dispatchers; lab_proxies; }
lab_is_cluster_host() { lab_cluster_hosts | grep -qx "$1"; }
lab_node_dir() { echo "$LABDIR/nodes/$1"; }
lab_power() { cat "$LABDIR/power/$1" 2>/dev/null || echo off; }

lab_now() { date +%s.%N | cut -c1-14; }

# lab_event TEXT: one line of the timeline.
lab_event() {
    [ -d "$LABDIR" ] || return 0
    printf '%s\t%s\n' "$(lab_now)" "$*" >>"$LABDIR/events"
    [ -n "${LAB_QUIET:-}" ] || echo "lab: $*" >&2
}

# lab_report_failure: what a test prints when the lab did not come up or a
# check failed: hosts and crm_mon (failed actions included), the timeline.
lab_report_failure() {
    lab_status
    echo
    echo "timeline:"
    lab_print_timeline | sed 's/^/  /'
}

# lab_print_timeline [SINCE]: the events, in seconds since SINCE (default: first).
lab_print_timeline() {
    local since=${1:-}
    [ -f "$LABDIR/events" ] || return 0
    awk -F'\t' -v since="$since" '
        NR == 1 && since == "" { since = $1 }
        $1 >= since { printf "  %+8.2f s  %s\n", $1 - since, $2 }' "$LABDIR/events"
}

# lab_exec HOST CMD...: run CMD on a lab host (inside its node for cluster
# hosts: private mounts and hostname; its namespace for client hosts).
lab_exec() {
    local host=$1
    shift
    if lab_is_cluster_host "$host"; then
        node_exec "$(lab_node_dir "$host")" "$@"
    else
        ip netns exec "$(lab_ns "$host")" "$@"
    fi
}

# lab_pcmk HOST CMD...: a Pacemaker CLI on HOST, always under a timeout
# (LAB-NOTES 6).
lab_pcmk() {
    local host=$1
    shift
    lab_exec "$host" env HOME=/run timeout -k 5 "${LAB_PCMK_TIMEOUT_S:-30}" "$@"
}

# lab_live_host: a cluster host that is powered on and runs pacemakerd.
lab_live_host() {
    local h
    for h in $(lab_cluster_hosts); do
        [ "$(lab_power "$h")" = on ] || continue
        lab_host_pids "$h" pacemakerd | grep -q . && { echo "$h"; return 0; }
    done
    return 1
}

# lab_host_pids HOST [COMM...]: pids in HOST's namespace (optionally by name).
lab_host_pids() {
    local host=$1 pid comm c
    shift
    for pid in $(ip netns pids "$(lab_ns "$host")" 2>/dev/null); do
        if [ $# -eq 0 ]; then
            echo "$pid"
            continue
        fi
        comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
        for c in "$@"; do
            [ "$comm" = "$c" ] && echo "$pid"
        done
    done
}

# ---------------------------------------------------------------- building

lab_write_config() {
    cat >"$LABDIR/config" <<EOF
LAB_DISPATCHERS=$LAB_DISPATCHERS
LAB_PROXIES=$LAB_PROXIES
LAB_SAPS=$LAB_SAPS
LAB_TOKEN_MS=$LAB_TOKEN_MS
LAB_TOKEN_COEFF=$LAB_TOKEN_COEFF
LAB_FENCING=$LAB_FENCING
LAB_STACK=$LAB_STACK
LAB_DS_PING_S=$LAB_DS_PING_S
LAB_DS_FR_MS=$LAB_DS_FR_MS
LAB_DISPATCHER=${LAB_DISPATCHER:-auto}
LAB_TAKEOVER=${LAB_TAKEOVER:-on}
LAB_PACKAGES=${LAB_PACKAGES:-}
EOF
    echo "$LAB" >"$LABDIR/name"
    echo "${LAB_OWNER:-$$}" >"$LABDIR/owner"
    echo "$SIPHA_SRCDIR" >"$LABDIR/srcdir"
    lab_cluster_hosts | tr '\n' ' ' >"$LABDIR/cluster-hosts"
}

lab_config_defaults() {
    : "${LAB_DISPATCHERS:=3}" "${LAB_PROXIES:=3}" "${LAB_SAPS:=2}"
    : "${LAB_TOKEN_MS:=1000}" "${LAB_TOKEN_COEFF:=0}" "${LAB_FENCING:=on}"
    : "${LAB_STACK:=auto}" "${LAB_DS_PING_S:=1}" "${LAB_DS_FR_MS:=200}"
    if [ "$LAB_STACK" = auto ]; then
        LAB_STACK=stock
        lab_sipha_parts_present && LAB_STACK=sipha
    fi
}

# ---------------------------------------------------- the packaged files
# By default the nodes run sipha from the build tree (SIPHA_SRCDIR's agents,
# SIPHA_BUILDDIR's programs).  With LAB_PACKAGES (sipha-lab up --packages
# DIR: a directory of sipha's .debs) they run the packages instead: each
# cluster host gets its own root, $LABDIR/pkgroot/HOST, into which dpkg
# installs the .debs (dpkg --root: that root's own dpkg database, never the
# machine's), and the node sees that root's /usr/sbin, OCF agents and man
# pages at their packaged paths.  The machine's side of the lab (the
# topology generator) runs from $LABDIR/pkgroot/admin.  `sipha-lab install
# HOST DEB...` upgrades one host's root (the rolling upgrade).

lab_packaged() { [ -n "${LAB_PACKAGES:-}" ]; }

lab_pkg_root() { echo "$LABDIR/pkgroot/$1"; }

# lab_pkg_unpack ROOT DEB...: dpkg installs (or upgrades) DEBs into ROOT.
# --unpack: the files, replaced as on an upgrade, and ROOT's dpkg database;
# the packages' postinst (it makes the sipha user) is not run, since it
# would run in a chroot of ROOT, which has no shell.  The lab runs the
# dispatcher as root, as the agent does by default.
lab_pkg_unpack() {
    local root=$1 d
    shift
    mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/log" || return 1
    [ -f "$root/var/lib/dpkg/status" ] || : >"$root/var/lib/dpkg/status"
    dpkg --root="$root" --log="$root/var/log/dpkg.log" --no-triggers \
        --unpack "$@" >"$root/var/log/dpkg-unpack.out" 2>&1 || {
        echo "sipha-lab: dpkg --root $root --unpack failed:" >&2
        sed 's/^/  /' "$root/var/log/dpkg-unpack.out" >&2
        return 1
    }
}

# lab_pkg_version ROOT: the version of sipha that dpkg installed in ROOT.
lab_pkg_version() {
    dpkg-query --admindir="$1/var/lib/dpkg" -W -f '${Version}' sipha 2>/dev/null
}

# lab_files_summary: where the nodes' sipha comes from (the lab's output).
lab_files_summary() {
    if lab_packaged; then
        echo "packages $LAB_PACKAGES (sipha $(lab_pkg_version "$(lab_pkg_root admin)"), installed per host with dpkg --root)"
    elif [ "$LAB_STACK" = sipha ]; then
        echo "build tree (agents $SIPHA_SRCDIR/agents, programs $SIPHA_BUILDDIR/helpers)"
    else
        echo "no sipha (stock stack)"
    fi
}

# sipha's own parts: the agents (sap, proxy), sipha-probe (the proxy
# agent's monitor) and the topology generator.  The dispatcher and the
# heartbeat are used when built (lab_have_sipha_dispatcher); until then the
# Kamailio stand-in dispatcher runs under ocf:heartbeat:anything.
lab_sipha_parts_present() {
    lab_packaged && return 0
    [ -x "$SIPHA_SRCDIR/agents/sap" ] && [ -x "$SIPHA_SRCDIR/agents/proxy" ] \
        && [ -x "$SIPHA_SRCDIR/scripts/sipha-topology" ] \
        && [ -x "$SIPHA_BUILDDIR/helpers/probe/sipha-probe" ]
}

# sipha-dispatcher (with sipha-beat's heartbeats: watch=true) runs when it
# is built, unless the Kamailio stand-in is asked for (up --dispatcher kamailio).
lab_have_sipha_dispatcher() {
    [ "$LAB_STACK" = sipha ] && [ "${LAB_DISPATCHER:-auto}" != kamailio ] || return 1
    lab_packaged && return 0
    [ -x "$SIPHA_SRCDIR/agents/dispatcher" ] \
        && [ -x "$SIPHA_BUILDDIR/helpers/dispatcher/sipha-dispatcher" ]
}

# The keeper: a sleeping process in the bridge's namespace and the machine's
# mount namespace.  The fence agent, running inside a node, enters its mount
# namespace to reach the host side of the lab.
lab_start_keeper() {
    setsid bash -c 'echo $$ >"$1"; exec nsenter --net="/run/netns/$2" sleep infinity' \
        keeper "$LABDIR/keeper.pid" "$LAB_BRNS" </dev/null >/dev/null 2>&1 &
    disown
    local i
    for i in $(seq 1 50); do
        [ -s "$LABDIR/keeper.pid" ] && return 0
        sleep 0.05
    done
    return 1
}

lab_make_bridge() {
    ip netns add "$LAB_BRNS" || return 1
    ip -n "$LAB_BRNS" link set lo up
    ip -n "$LAB_BRNS" link add br0 type bridge || return 1
    ip -n "$LAB_BRNS" link set br0 up
    lab_start_keeper
}

# lab_wire HOST: a veth from HOST's namespace (eth0) to the bridge (v-HOST).
lab_wire() {
    local host=$1 ns
    ns=$(lab_ns "$host")
    ip -n "$LAB_BRNS" link add "v-$host" type veth peer name eth0 netns "$ns" || return 1
    ip -n "$LAB_BRNS" link set "v-$host" master br0 up || return 1
    ip -n "$ns" addr add "$(lab_addr "$host")/24" dev eth0 || return 1
    ip -n "$ns" link set eth0 up
}

# Files every node reads: the fence agent (into a private /usr/sbin overlay),
# sipha's agents (into a private OCF overlay), Kamailio configs.
lab_prepare_shared_files() {
    local f
    mkdir -p "$LABDIR/sbin" "$LABDIR/ocf" "$LABDIR/self" "$LABDIR/power" "$LABDIR/run"
    sed "s|@LAB_DIR@|$LABDIR|" "$SIPHA_SRCDIR/scripts/lab/fence_sipha_lab" \
        >"$LABDIR/sbin/fence_sipha_lab"
    chmod 0755 "$LABDIR/sbin/fence_sipha_lab"
    if lab_packaged; then
        lab_pkg_unpack "$(lab_pkg_root admin)" "$LAB_PACKAGES"/*.deb || return 1
    elif [ "$LAB_STACK" = sipha ]; then
        mkdir -p "$LABDIR/ocf/sipha"
        for f in "$SIPHA_SRCDIR"/agents/*; do
            [ -f "$f" ] && [ -x "$f" ] && cp "$f" "$LABDIR/ocf/sipha/"
        done
        # the agents' shared code, beside them as make install puts it
        cp "$SIPHA_SRCDIR/agents/sipha-shellfuncs" "$LABDIR/ocf/sipha/"
        for f in "$SIPHA_BUILDDIR"/helpers/*/sipha-* "$SIPHA_SRCDIR/scripts/sipha-successors"; do
            [ -f "$f" ] && [ -x "$f" ] && ln -sf "$f" "$LABDIR/sbin/"
        done
    fi
    head -c 32 /dev/urandom >"$LABDIR/dispatcher.key"
    : >"$LABDIR/dispatcher.list"
    for f in $(lab_proxies); do
        echo "1 sip:$(lab_addr "$f"):$LAB_SIP_PORT" >>"$LABDIR/dispatcher.list"
    done
}

# Per-node files, seen inside the node at $LABDIR/self.
lab_prepare_node_files() {
    local host=$1 self listen="" s
    self=$(lab_node_dir "$host")/self
    mkdir -p "$self"
    case $host in
        d*)
            for s in $(lab_saps) vrrp; do
                listen="${listen}listen=udp:$(lab_addr "$s"):$LAB_SIP_PORT\\n"
            done
            sed -e "s|@ADDR@|$(lab_addr "$host")|g" -e "s|@LISTEN@|$listen|" \
                -e "s|@DSLIST@|$LABDIR/dispatcher.list|" -e "s|@PING_S@|$LAB_DS_PING_S|" \
                -e "s|@FR_MS@|$LAB_DS_FR_MS|" \
                "$SIPHA_SRCDIR/scripts/lab/kamailio-dispatcher.cfg" >"$self/dispatcher.cfg"
            ;;
        p*)
            sed -e "s|@ADDR@|$(lab_addr "$host")|g" -e "s|@UAS@|$(lab_addr uas)|" \
                "$SIPHA_SRCDIR/scripts/lab/kamailio-proxy.cfg" >"$self/proxy.cfg"
            ;;
    esac
}

lab_corosync_nodes() {
    local h id=0
    for h in $(lab_cluster_hosts); do
        id=$((id + 1))
        printf '%s:%s:%s ' "$id" "$h" "$(lab_addr "$h")"
    done
}

# lab_create_host HOST: a powered-on but not yet clustered host.
lab_create_host() {
    local host=$1 dir extra=""
    if ! lab_is_cluster_host "$host"; then
        ip netns add "$(lab_ns "$host")" || return 1
        ip -n "$(lab_ns "$host")" link set lo up
        lab_wire "$host" || return 1
        echo on >"$LABDIR/power/$host"
        return 0
    fi
    dir=$(lab_node_dir "$host")
    lab_prepare_node_files "$host"
    node_create "$dir" "$(lab_ns "$host")" "$host" || return 1
    lab_wire "$host" || return 1
    lab_mount_files "$host" || return 1
    node_exec "$dir" mount --bind "$dir/self" "$LABDIR/self" || return 1
    case $host in
        d*) lab_exec "$host" sysctl -q -w net.ipv4.ip_nonlocal_bind=1 ;;
    esac
    [ "$LAB_TOKEN_COEFF" != default ] && extra="token_coefficient: $LAB_TOKEN_COEFF"
    # Six corosyncs share two cores here.  At their default real-time
    # priority they spin the token (about 1200 rotations a second while any
    # node sends) ahead of every other process: a lone lab used a whole core
    # in corosync, SAP monitors took 5-20 s and timed out into recovery.  At
    # normal priority the kernel shares the cores fairly and the 1 s token
    # still has ample margin; on a real cluster each node has its own CPU.
    node_corosync_conf "$dir" "$LAB_CLUSTER_NAME" "$LAB_TOKEN_MS" "$(lab_corosync_nodes)" "$extra" \
        "sched_rr: no"
    node_seed_cib "$dir"
    echo on >"$LABDIR/power/$host"
}

# lab_mount_files HOST: private overlays, in HOST's mount namespace only:
# the fence agent and sipha's programs in /usr/sbin, sipha's OCF agents
# beside the stock ones; from the build tree ($LABDIR/sbin, $LABDIR/ocf) or
# from HOST's installed packages (lab_packaged: its root's /usr/sbin, OCF
# agents and man pages, under the lab's fence agent).
lab_mount_files() {
    local host=$1 sbin=$LABDIR/sbin ocf=$LABDIR/ocf root
    if lab_packaged; then
        root=$(lab_pkg_root "$host")
        [ -d "$root" ] || cp -a "$(lab_pkg_root admin)" "$root" || return 1
        sbin="$sbin:$root/usr/sbin"
        ocf="$root/usr/lib/ocf/resource.d"
        lab_exec "$host" mount -t overlay -o "lowerdir=$root/usr/share/man:/usr/share/man" \
            sipha-lab-man /usr/share/man || return 1
    fi
    lab_exec "$host" mount -t overlay -o "lowerdir=$sbin:/usr/sbin" sipha-lab-sbin /usr/sbin &&
        lab_exec "$host" mount -t overlay -o "lowerdir=$ocf:/usr/lib/ocf/resource.d" \
            sipha-lab-ocf /usr/lib/ocf/resource.d
}

# lab_unmount_files HOST: detach those overlays (lazily: HOST's Corosync and
# Pacemaker keep the files they run; whatever starts next sees the new ones).
lab_unmount_files() {
    local mp
    for mp in /usr/sbin /usr/lib/ocf/resource.d /usr/share/man; do
        lab_exec "$1" sh -c "grep -q ' $mp overlay ' /proc/self/mounts && umount -l $mp" || true
    done
}

# lab_install HOST DEB...: the packaged lab only: install DEBs on HOST, as
# `apt install ./DEB...` on a real node (upgrading what is there), and let
# HOST's next processes see them.  Put HOST in standby first (sipha-lab crm
# HOST pcs node standby HOST): nothing of sipha must run from the old files.
lab_install() {
    local host=$1
    shift
    lab_packaged || { echo "sipha-lab: lab '$LAB' runs the build tree (up --packages DIR)" >&2; return 1; }
    lab_is_cluster_host "$host" || { echo "sipha-lab: $host is not a cluster host" >&2; return 1; }
    # What still runs would lose its programs while they are swapped (its
    # monitor fails, its stop fails: the node is fenced).
    if [ -n "$(lab_host_pids "$host" sipha-dispatche sipha-beat kamailio)" ]; then
        echo "sipha-lab: sipha still runs on $host: pcs node standby $host first" >&2
        return 1
    fi
    lab_unmount_files "$host"
    lab_pkg_unpack "$(lab_pkg_root "$host")" "$@" || return 1
    lab_mount_files "$host" || return 1
    lab_event "installed on $host: sipha $(lab_pkg_version "$(lab_pkg_root "$host")")"
}

lab_start_host_cluster() {
    local dir
    dir=$(lab_node_dir "$1")
    node_start_corosync "$dir" || return 1
    lab_node_start_pacemaker "$dir"
}

# lab_node_start_pacemaker NODE_DIR: pacemakerd, and through it the agents
# and sipha's daemons and tools.  The agents run sipha's tools every few
# seconds; in a test build they carry ASan, whose leak check at every exit
# stops the process and walks its memory (0.2-0.3 s each on a loaded lab).
# Leaks are the integration tests' business; the lab keeps ASan's error
# checks.  HA_LOGFACILITY=none: the agents' daemons log to their console
# logs in the node's own files, which the lab collects (lab_save_logs,
# bench-failover, sipha-soak), never to the machine's syslog.
lab_node_start_pacemaker() {
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 HA_LOGFACILITY=none \
        node_start_pacemaker "$1"
}

# lab_start_cluster TIMEOUT_S: Corosync on every cluster host, then Pacemaker
# one host at a time, then wait for the whole cluster.  Six nodes share two
# cores here: started all at once, 42 Pacemaker daemons open their Corosync
# IPC connections together while six real-time corosyncs set up the shared
# memory for each; Pacemaker's daemons starved, pacemakerd killed them as
# unresponsive, their restarts starved the machine again, and the cluster
# did not form in 300 s (CI, 2026-12-07; reproduced here in 1 of 8 tries).
lab_start_cluster() {
    local limit=$1 h
    for h in $(lab_cluster_hosts); do
        node_start_corosync "$(lab_node_dir "$h")" || return 1
    done
    lab_wait_membership "$limit" || return 1
    # The first host alone (it becomes the DC), then two at a time.
    # shellcheck disable=SC2046
    set -- $(lab_cluster_hosts)
    lab_start_pacemaker_wave "$1"
    shift
    while [ $# -gt 0 ]; do
        lab_start_pacemaker_wave "$1" ${2:+"$2"}
        shift $(($# > 1 ? 2 : 1))
    done
    lab_wait_cluster "$limit" restart
}

# lab_start_pacemaker_wave HOST...: Pacemaker on these hosts; wait (60 s at
# most) until each one's crm_mon shows it online.
lab_start_pacemaker_wave() {
    local h
    for h in "$@"; do
        lab_node_start_pacemaker "$(lab_node_dir "$h")"
    done
    for h in "$@"; do
        lab_wait_node_joined "$h" 60 \
            || echo "sipha-lab: $h has not joined after 60 s; going on" >&2
    done
}

# lab_members HOST: how many nodes HOST's Corosync has in its membership.
lab_members() {
    lab_exec "$1" timeout -k 5 20 corosync-quorumtool -s 2>/dev/null | awk '/^Nodes:/ { print $2 }'
}

# lab_wait_membership TIMEOUT_S: every cluster host's Corosync sees them all.
lab_wait_membership() {
    local limit=$1 deadline h want n
    deadline=$(($(date +%s) + limit))
    want=$(lab_cluster_hosts | wc -w)
    for h in $(lab_cluster_hosts); do
        while n=$(lab_members "$h"); [ "${n:-0}" != "$want" ]; do
            if [ "$(date +%s)" -ge "$deadline" ]; then
                echo "sipha-lab: Corosync on $h sees ${n:-no} of $want nodes after ${limit}s" >&2
                return 1
            fi
            sleep 0.5
        done
    done
}

# lab_wait_node_joined HOST TIMEOUT_S: HOST's own crm_mon calls it online.
lab_wait_node_joined() {
    local host=$1 deadline
    deadline=$(($(date +%s) + $2))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        lab_online_nodes "$host" 2>/dev/null | grep -qx "$host" && return 0
        sleep 1
    done
    return 1
}

# lab_restart_pacemaker HOST: Pacemaker stopped hard and started again (only
# while the lab comes up: nothing runs on the node yet).
lab_restart_pacemaker() {
    local host=$1 _try
    lab_signal "$host" pacemaker KILL 2>/dev/null
    for _try in $(seq 1 50); do
        # shellcheck disable=SC2046
        [ -z "$(lab_host_pids "$host" $(lab_proc_comms "$host" pacemaker))" ] && break
        sleep 0.1
    done
    lab_node_start_pacemaker "$(lab_node_dir "$host")"
    lab_event "pacemaker restarted on $host (not in the cluster while the lab came up)"
}

# lab_crm_mon_xml [HOST]: crm_mon's XML from a live host.
lab_crm_mon_xml() {
    local host=${1:-} _try out
    # On a busy machine crm_mon now and then fails or times out: try again.
    for _try in 1 2 3; do
        [ -n "${1:-}" ] || host=$(lab_live_host) || { sleep 1; continue; }
        out=$(lab_pcmk "$host" crm_mon -1 --output-as=xml 2>/dev/null)
        case $out in
            *'</pacemaker-result>'*) echo "$out"; return 0 ;;
        esac
        sleep 1
    done
    return 1
}

# lab_online_nodes [HOST]: names of the nodes HOST's crm_mon calls online.
lab_online_nodes() {
    lab_crm_mon_xml "$@" | sed -n 's/.*<node name="\([^"]*\)".* online="true".*/\1/p'
}

lab_has_dc() {
    lab_crm_mon_xml "$@" | grep -q '<current_dc present="true"'
}

# lab_wait_cluster TIMEOUT_S [restart]: every powered-on cluster host online,
# a DC.  With "restart" (lab up only), a host still missing after a third of
# the time gets its Pacemaker restarted, once.
lab_wait_cluster() {
    local limit=$1 restart=${2:-} deadline restart_at want got="" h
    deadline=$(($(date +%s) + limit))
    restart_at=$(($(date +%s) + limit / 3))
    want=$(for h in $(lab_cluster_hosts); do [ "$(lab_power "$h")" = on ] && echo "$h"; done | sort | tr '\n' ' ')
    # At least one look, however long the above took: on a loaded machine
    # it took longer than a short limit, the loop never ran, and the
    # message below read an unset $got (a set -u script such as sipha-soak
    # died of it, silently when its stderr went to /dev/null).
    while got=$(lab_online_nodes 2>/dev/null | sort | tr '\n' ' '); do
        if [ "$got" = "$want" ] && lab_has_dc; then
            return 0
        fi
        if [ "$restart" = restart ] && [ "$(date +%s)" -ge "$restart_at" ]; then
            restart=used
            for h in $want; do
                case " $got " in *" $h "*) ;; *) lab_restart_pacemaker "$h" ;; esac
            done
        fi
        [ "$(date +%s)" -lt "$deadline" ] || break
        sleep 1
    done
    echo "sipha-lab: cluster not ready after ${limit}s: online '$got', want '$want'" >&2
    return 1
}

# lab_resource_hosts RSC: the nodes where crm_mon shows RSC (or its clone
# instances) started.
lab_resource_hosts() {
    lab_crm_mon_xml | awk -v rsc="$1" '
        /<resource / { want = ($0 ~ "id=\"" rsc "(:[0-9]+)?\"" && $0 ~ /role="Started"/) }
        want && /<node name=/ { match($0, /name="[^"]*"/); print substr($0, RSTART + 6, RLENGTH - 7) }
        /<\/resource>/ { want = 0 }'
}

# lab_sap_rsc SAP: the resource of SAP sapJ: primitive sapJ (stock), or
# instance J-1 of the globally-unique clone (sipha: instance i holds
# address i of the list).
lab_sap_rsc() {
    if [ "$LAB_STACK" = sipha ]; then
        echo "sap:$((${1#sap} - 1))"
    else
        echo "$1"
    fi
}

# lab_sap_host SAP: the node holding a SAP (sapJ), by crm_mon.
lab_sap_host() {
    lab_resource_hosts "$(lab_sap_rsc "$1")" | head -n 1
}

# lab_proxy_rsc_hosts: the nodes where a proxy resource runs.
lab_proxy_rsc_hosts() {
    local p
    if [ "$LAB_STACK" = sipha ]; then
        for p in $(lab_proxies); do
            lab_resource_hosts "proxy-$p"
        done
    else
        lab_resource_hosts proxy
    fi
}

# ------------------------------------------------------- cluster configuration

# The stand-in for the topology generator while it is not on main: crmsh
# configuration for n SAPs (IPaddr2), a dispatcher clone and a proxy clone,
# following PLACEMENT-NOTES (2+1: anti-colocated SAP primitives, stickiness 100).
lab_crm_config_stock() {
    local s t all hosts
    hosts=$(lab_cluster_hosts | tr '\n' ' ')
    cat <<EOF
primitive fence-lab stonith:fence_sipha_lab \\
    params pcmk_host_list="${hosts% }" pcmk_host_check=static-list \\
    op monitor interval=60s timeout=20s
primitive dispatcher ocf:heartbeat:anything \\
    params binfile=/usr/sbin/kamailio \\
        cmdline_options="-DD -E -m 32 -M 4 -x tlsf -f $LABDIR/self/dispatcher.cfg" \\
        pidfile=/run/sipha-lab-dispatcher.pid errlogfile=$LABDIR/self/dispatcher.log \\
    op start timeout=20s interval=0 op stop timeout=20s interval=0 \\
    op monitor interval=2s timeout=20s
clone dispatcher-clone dispatcher
location dispatcher-on-dispatcher-nodes dispatcher-clone \\
    rule -inf: not_defined sipha-dispatcher or sipha-dispatcher ne true
primitive proxy ocf:heartbeat:anything \\
    params binfile=/usr/sbin/kamailio \\
        cmdline_options="-DD -E -m 32 -M 4 -x tlsf -f $LABDIR/self/proxy.cfg" \\
        pidfile=/run/sipha-lab-proxy.pid errlogfile=$LABDIR/self/proxy.log \\
    op start timeout=20s interval=0 op stop timeout=20s interval=0 \\
    op monitor interval=2s timeout=20s
clone proxy-clone proxy
location proxy-on-proxy-nodes proxy-clone \\
    rule -inf: not_defined sipha-proxy or sipha-proxy ne true
EOF
    all=""
    for s in $(lab_saps); do
        cat <<EOF
primitive $s ocf:heartbeat:IPaddr2 \\
    params ip=$(lab_addr "$s") cidr_netmask=24 nic=eth0 \\
    op start timeout=20s interval=0 op stop timeout=20s interval=0 \\
    op monitor interval=2s timeout=20s
colocation $s-with-dispatcher inf: $s dispatcher-clone
order dispatcher-before-$s Optional: dispatcher-clone $s
EOF
        for t in $all; do
            echo "colocation $t-apart-$s -1000: $s $t"
        done
        all="$all $s"
    done
    cat <<EOF
rsc_defaults resource-stickiness=100
property stonith-enabled=$([ "$LAB_FENCING" = on ] && echo true || echo false) \\
    stonith-action=off stonith-timeout=30s
EOF
}

lab_configure() {
    local h host cfg
    host=$(lab_live_host) || return 1
    for h in $(lab_dispatchers); do
        lab_pcmk "$host" crm_attribute --node "$h" --name sipha-dispatcher --update true || return 1
    done
    for h in $(lab_proxies); do
        lab_pcmk "$host" crm_attribute --node "$h" --name sipha-proxy --update true || return 1
    done
    cfg="$LABDIR/cluster.crm"
    case $LAB_STACK in
        sipha) lab_crm_config_sipha >"$cfg" || return 1 ;;
        *) lab_crm_config_stock >"$cfg" ;;
    esac
    LAB_PCMK_TIMEOUT_S=120 lab_pcmk "$host" crm -F configure load update "$cfg"
}

# lab_topology_tool: sipha-topology, from the build tree or the packages.
lab_topology_tool() {
    if lab_packaged; then
        echo "$(lab_pkg_root admin)/usr/sbin/sipha-topology"
    else
        echo "$SIPHA_SRCDIR/scripts/sipha-topology"
    fi
}

# sipha's own configuration, from the topology generator
# (scripts/sipha-topology plan --format crmsh): SAPs as one globally-unique
# clone of ocf:sipha:sap, proxies as ocf:sipha:proxy primitives (Kamailio
# with the lab's config), the dispatcher clone (ocf:sipha:dispatcher when
# built, else the Kamailio stand-in), plus the lab's fencing.
lab_crm_config_sipha() {
    local args=() h s saps="" hosts
    hosts=$(lab_cluster_hosts | tr '\n' ' ')
    for s in $(lab_saps); do
        saps="$saps${saps:+,}$(lab_addr "$s")/24"
    done
    args+=(--dispatchers "$(lab_dispatchers | paste -sd, -)" --sap "$saps" --nic eth0
        --any-subnet --monitor-interval 10s --monitor-timeout 60s --format crmsh
        # Six nodes share two cores: an operation that waits for a CPU must
        # not time out into a stop failure and a fence (SAP starts timed out
        # at 20 s in a loaded lab start, then their stops, then fencing).
        # Monitors every 10 s (the generated default), with 60 s to finish:
        # eleven resources' agents every 2 s plus six corosyncs kept the load
        # at 16-21, a SAP monitor took 16 s and one that timed out at 20 s
        # was recovered by a stop and a start (more load).  Failures the
        # tests inject are found by the dispatchers' probes, heartbeats and
        # takeover, not by these.
        --start-timeout 60s --stop-timeout 60s --deep-monitor-interval 60s)
    for h in $(lab_proxies); do
        args+=(--proxy "$h=udp:$(lab_addr "$h"):$LAB_SIP_PORT")
    done
    # -m 256: with 32 MB of shared memory the transaction-stateful proxy
    # ran out at 150-200 calls/s with retransmissions on and answered 500
    # ("No error (2/SL)" is E_OUT_OF_MEM) in the calls benchmark
    # probe_timeout_ms=2000: the proxy's monitor waits 2 s for its OPTIONS
    # answer, as ocf:sipha:dispatcher's does by default.  With the agent's
    # 500 ms, issue 13's e2e soak at load 40 saw an untouched proxy fail
    # its monitor ("does not answer OPTIONS ... within 500 ms") and Pacemaker
    # restart it, losing the dialogs through it.  A hung proxy is still
    # found at once by the dispatchers' probes, which the tests assert.
    args+=(--proxy-param server=kamailio --proxy-param "config=$LABDIR/self/proxy.cfg"
        --proxy-param probe_timeout_ms=2000
        --proxy-param "options=-E -m 256 -M 16 -x tlsf"
        --proxy-param "console_log=$LABDIR/self/proxy.log")
    if lab_have_sipha_dispatcher; then
        args+=(--dispatcher-param "secret_file=$LABDIR/dispatcher.key"
            --dispatcher-param "watch=${LAB_DISPATCHER_WATCH:-true}"
            --dispatcher-param "console_log=$LABDIR/self/dispatcher.log")
        # the fast SAP takeover (on unless SIPHA_LAB_TAKEOVER=off)
        [ "${LAB_TAKEOVER:-on}" = off ] && args+=(--no-takeover)
        # its silence timeout, when not the default (sipha-soak --takeover-timeout-ms)
        [ -n "${LAB_TAKEOVER_TIMEOUT_MS:-}" ] &&
            args+=(--takeover-timeout-ms "$LAB_TAKEOVER_TIMEOUT_MS")
    else
        args+=(--no-takeover --dispatcher-agent ocf:heartbeat:anything
            --dispatcher-param binfile=/usr/sbin/kamailio
            --dispatcher-param "cmdline_options=-DD -E -m 32 -M 4 -x tlsf -f $LABDIR/self/dispatcher.cfg"
            --dispatcher-param pidfile=/run/sipha-lab-dispatcher.pid
            --dispatcher-param "errlogfile=$LABDIR/self/dispatcher.log")
    fi
    "$(lab_topology_tool)" plan "${args[@]}" || return 1
    cat <<EOF
primitive fence-lab stonith:fence_sipha_lab \\
    params pcmk_host_list="${hosts% }" pcmk_host_check=static-list \\
    op monitor interval=60s timeout=20s
property stonith-enabled=$([ "$LAB_FENCING" = on ] && echo true || echo false) \\
    stonith-action=off stonith-timeout=30s
EOF
}

# lab_wait_resources TIMEOUT_S: every SAP started once, and a dispatcher on
# every live dispatcher node, a proxy on every live proxy node.
lab_resources_ok() {
    local s
    lab_crm_mon_xml >/dev/null || return 1
    for s in $(lab_saps); do
        [ -n "$(lab_sap_host "$s")" ] || return 1
    done
    # Every live dispatcher and proxy node runs its instance.
    [ "$(lab_resource_hosts dispatcher | sort | tr '\n' ' ')" = \
      "$(for h in $(lab_dispatchers); do [ "$(lab_power "$h")" = on ] && echo "$h"; done | sort | tr '\n' ' ')" ] || return 1
    [ "$(lab_proxy_rsc_hosts | sort | tr '\n' ' ')" = \
      "$(for h in $(lab_proxies); do [ "$(lab_power "$h")" = on ] && echo "$h"; done | sort | tr '\n' ' ')" ] || return 1
    return 0
}

lab_wait_resources() {
    local limit=$1 deadline
    deadline=$(($(date +%s) + limit))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        lab_resources_ok && return 0
        sleep 1
    done
    echo "sipha-lab: resources not all started after ${limit}s" >&2
    return 1
}

# ------------------------------------------------------------------ up / down

lab_up() {
    local h
    if lab_exists; then
        echo "sipha-lab: lab '$LAB' exists already (sipha-lab --lab $LAB down)" >&2
        return 1
    fi
    lab_config_defaults
    mkdir -p "$LABDIR"
    lab_write_config
    : >"$LABDIR/events"
    lab_event "lab $LAB up: $LAB_DISPATCHERS dispatcher hosts, $LAB_PROXIES proxy hosts, $LAB_SAPS SAPs, stack $LAB_STACK, token $LAB_TOKEN_MS ms coefficient $LAB_TOKEN_COEFF, fencing $LAB_FENCING"
    lab_prepare_shared_files || return 1
    lab_event "sipha's files: $(lab_files_summary)"
    lab_make_bridge || return 1
    for h in $(lab_cluster_hosts) uac uas; do
        lab_create_host "$h" || { echo "sipha-lab: cannot create host $h" >&2; return 1; }
    done
    lab_start_cluster "${LAB_WAIT_S:-180}" || return 1
    lab_event "cluster formed: $(lab_online_nodes | tr '\n' ' ')"
    lab_configure || { echo "sipha-lab: configuration failed" >&2; return 1; }
    lab_start_uas || return 1
    lab_wait_resources "${LAB_WAIT_S:-180}" || return 1
    lab_event "resources started: $(lab_sap_summary)"
}

lab_sap_summary() {
    local s out=""
    for s in $(lab_saps); do
        out="$out $s@$(lab_sap_host "$s")"
    done
    echo "${out# }"
}

lab_start_uas() {
    local ns
    ns=$(lab_ns uas)
    # A retransmitted INVITE can reach the UAS through another proxy
    # transaction (new branch) after a dispatcher failover; the UAS keeps the
    # call and retransmits its 200 instead of aborting it.
    ip netns exec "$ns" "${LAB_SIPP_NICE[@]}" sipp -sf "$SIPHA_SRCDIR/scripts/lab/sipp-uas.xml" -aa -i "$(lab_addr uas)" -p "$LAB_SIP_PORT" \
        -default_behaviors all,-abortunexp -nostdin -trace_err -error_file "$LABDIR/uas-errors.log" \
        "${LAB_SIPP_NO_WATCHDOG[@]}" "${LAB_SIPP_BUFFERS[@]}" \
        </dev/null >"$LABDIR/uas.log" 2>&1 &
    echo $! >"$LABDIR/uas.pid"
    disown
}

# lab_down: remove everything the lab made, also after a crash: every
# process in the lab's namespaces, the namespaces, the state directory.
lab_down() {
    local ns pids i left mp
    [ -n "$LAB_NSPFX" ] || return 1
    for i in 1 2 3 4 5 6 7 8 9 10; do
        left=""
        for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB_NSPFX"); do
            pids=$(ip netns pids "$ns" 2>/dev/null)
            if [ -n "$pids" ]; then
                # shellcheck disable=SC2086
                kill -9 $pids 2>/dev/null
                left=1
            fi
        done
        [ -z "$left" ] && break
        sleep 0.3
    done
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB_NSPFX"); do
        ip netns del "$ns" 2>/dev/null
    done
    if [ -f "$LABDIR/keeper.pid" ]; then
        kill -9 "$(cat "$LABDIR/keeper.pid")" 2>/dev/null
    fi
    if [ -d "$LABDIR" ]; then
        # Nothing is mounted here in the machine's namespace, but be safe.
        for mp in $(awk -v d="$LABDIR" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r); do
            umount -l "$mp" 2>/dev/null
        done
        rm -rf "$LABDIR"
    fi
    return 0
}

# ------------------------------------------------------------------- faults

# lab_power_off HOST [BY]: pull the plug: link cut, processes killed,
# addresses flushed (LAB-NOTES 5).  Idempotent; never waits for the kill.
lab_power_off() {
    local host=$1 by=${2:-operator} ns pids
    ns=$(lab_ns "$host")
    ip -n "$LAB_BRNS" link set "v-$host" down 2>/dev/null
    pids=$(ip netns pids "$ns" 2>/dev/null)
    # shellcheck disable=SC2086
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null
    ip -n "$ns" addr flush dev eth0 2>/dev/null
    echo off >"$LABDIR/power/$host"
    lab_event "power-off $host (by $by)"
}

# lab_wait_fenced HOST SINCE TIMEOUT_S: the cluster's record of HOST fenced
# after SINCE (epoch seconds); restarting before that gets the fresh node
# killed by the pending fence (LAB-NOTES 9).
lab_wait_fenced() {
    local host=$1 since=$2 limit=$3 deadline live last
    [ "$LAB_FENCING" = on ] || return 0
    deadline=$(($(date +%s) + limit))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        live=$(lab_live_host) || { sleep 1; continue; }
        last=$(LAB_PCMK_TIMEOUT_S=10 lab_pcmk "$live" stonith_admin --last "$host" 2>/dev/null)
        # "Node d2 last fenced at: Mon Nov 23 19:01:02 2026"
        last=${last#*fenced at: }
        if [ -n "$last" ] && [ "$(date -d "$last" +%s 2>/dev/null || echo 0)" -ge "${since%.*}" ]; then
            return 0
        fi
        sleep 1
    done
    return 1
}

# lab_save_logs HOST: keep a host's logs across a power cycle (the node's
# state is recreated from nothing) in $LABDIR/logs/HOST.N.
lab_save_logs() {
    local host=$1 dir n=1
    dir=$(lab_node_dir "$host")
    [ -d "$dir" ] || return 0
    while [ -e "$LABDIR/logs/$host.$n" ]; do n=$((n + 1)); done
    mkdir -p "$LABDIR/logs/$host.$n"
    cp -a "$dir/self/." "$dir/root/var/log/." "$LABDIR/logs/$host.$n/" 2>/dev/null
    return 0
}

# lab_proxy_invites HOST: Call-IDs of the dialogs HOST's proxy saw set up
# (this boot and every earlier one).
lab_proxy_invites() {
    cat "$LABDIR/logs/$1".*/proxy.log "$(lab_node_dir "$1")/self/proxy.log" 2>/dev/null \
        | sed -n 's/.*sipha-lab INVITE //p'
}

# lab_calls_failed_ids TAG: Call-IDs of the calls SIPp counted as failed.
lab_calls_failed_ids() {
    # "Aborting call on ... for Call-Id 'X': ..." and
    # "Call-Id: X, receive timeout on message ...: aborting call"
    grep -i "aborting call" "$LABDIR/calls-$1.errors" 2>/dev/null \
        | grep -o "Call-I[dD]:\{0,1\} '\{0,1\}[^' ,]*" \
        | sed "s/^Call-I[dD]:\{0,1\} '\{0,1\}//" | sort -u
}

# lab_power_on HOST: a fresh machine boots: new namespace, new node state,
# Corosync and Pacemaker started; it joins the cluster.
lab_power_on() {
    local host=$1 off_since
    [ "$(lab_power "$host")" = off ] || { echo "sipha-lab: $host is on" >&2; return 1; }
    if lab_is_cluster_host "$host"; then
        off_since=$(stat -c %Y "$LABDIR/power/$host")
        lab_wait_fenced "$host" "$off_since" "${LAB_FENCE_WAIT_S:-90}" \
            || echo "sipha-lab: no fencing record for $host; powering on anyway" >&2
        lab_save_logs "$host"
        node_destroy "$(lab_node_dir "$host")"
        lab_create_host "$host" || return 1
        lab_start_host_cluster "$host" || return 1
    else
        ip netns del "$(lab_ns "$host")" 2>/dev/null
        lab_create_host "$host" || return 1
        [ "$host" = uas ] && lab_start_uas
    fi
    lab_event "power-on $host"
}

# lab_cut HOST / lab_uncut HOST: the cable (partition); processes keep running.
lab_cut() {
    ip -n "$LAB_BRNS" link set "v-$1" down && lab_event "cable cut $1"
}

lab_uncut() {
    ip -n "$LAB_BRNS" link set "v-$1" up && lab_event "cable reconnected $1"
}

# The processes a fault targets on HOST: dispatcher, proxy, corosync,
# pacemaker, beat (names as in /proc/PID/comm: 15 characters at most).
lab_proc_comms() {
    local host=$1 what=$2
    case $what in
        dispatcher) [ "$LAB_STACK" = sipha ] && lab_have_sipha_dispatcher \
                        && echo sipha-dispatche || echo kamailio ;;
        proxy) echo kamailio ;;
        corosync) echo corosync ;;
        pacemaker) echo pacemakerd pacemaker-based pacemaker-fence pacemaker-execd pacemaker-attrd pacemaker-sched pacemaker-contr ;;
        beat) echo sipha-beat ;;
        *) return 1 ;;
    esac
}

# lab_signal HOST WHAT SIGNAL: kill -SIGNAL the named processes on HOST.
lab_signal() {
    local host=$1 what=$2 sig=$3 comms pids
    comms=$(lab_proc_comms "$host" "$what") || { echo "sipha-lab: unknown process '$what'" >&2; return 2; }
    # shellcheck disable=SC2086
    pids=$(lab_host_pids "$host" $comms)
    [ -n "$pids" ] || { echo "sipha-lab: no $what process on $host" >&2; return 1; }
    # shellcheck disable=SC2086
    kill -"$sig" $pids
}

lab_crash() { lab_signal "$1" "$2" KILL && lab_event "crash (SIGKILL) $2 on $1"; }
lab_hang() { lab_signal "$1" "$2" STOP && lab_event "hang (SIGSTOP) $2 on $1"; }
lab_resume() { lab_signal "$1" "$2" CONT && lab_event "resume (SIGCONT) $2 on $1"; }

# ------------------------------------------------------------------ status

lab_status() {
    local h link procs live
    if ! lab_exists; then
        echo "lab '$LAB': not up"
        return 3
    fi
    echo "lab '$LAB' ($LABDIR): stack $LAB_STACK, token $LAB_TOKEN_MS ms, coefficient $LAB_TOKEN_COEFF, fencing $LAB_FENCING"
    echo "sipha's files: $(lab_files_summary)"
    printf '%-5s %-14s %-5s %-5s %s\n' host address power link processes
    for h in $(lab_cluster_hosts) uac uas; do
        link=$(ip -n "$LAB_BRNS" -o link show "v-$h" 2>/dev/null | grep -q 'state UP' && echo up || echo down)
        procs=$(for p in $(lab_host_pids "$h"); do cat "/proc/$p/comm" 2>/dev/null; done \
            | grep -vx 'sleep' | sort | uniq -c | awk '{printf "%s%s ", $2, ($1 > 1 ? "x" $1 : "")}')
        printf '%-5s %-14s %-5s %-5s %s\n' "$h" "$(lab_addr "$h")" "$(lab_power "$h")" "$link" "$procs"
    done
    live=$(lab_live_host) || { echo "no live cluster host"; return 1; }
    echo
    echo "crm_mon (from $live):"
    lab_pcmk "$live" crm_mon -1 -r 2>&1 | sed 's/^/  /'
}

# ------------------------------------------------------------------- calls

# lab_calls_start TAG SAP RATE COUNT [SIPP OPTIONS...]: SIPp UAC calls from
# the uac host through SAP (background); results in $LABDIR/calls-TAG.*.
# Calls last 1 s.  A stray provisional response (a proxy that resumes after a
# hang, a dialog re-hashed when a proxy returns) does not abort a call: a real
# UAC ignores it too; a call still fails on an error response or when a
# request's retransmissions run out.
lab_calls_start() {
    local tag=$1 sap=$2 rate=$3 count=$4 port
    shift 4
    port=$((5060 + ${sap#sap}))
    rm -f "$LABDIR/calls-$tag".*
    ip netns exec "$(lab_ns uac)" "${LAB_SIPP_NICE[@]}" sipp -sn uac "$(lab_addr "$sap"):$LAB_SIP_PORT" \
        -i "$(lab_addr uac)" -p "$port" -mp $((7000 + 10 * ${sap#sap})) \
        -r "$rate" -m "$count" -d 1000 -default_behaviors all,-abortunexp \
        -recv_timeout 30000 "${LAB_SIPP_NO_WATCHDOG[@]}" "${LAB_SIPP_BUFFERS[@]}" \
        -nostdin -trace_stat -stf "$LABDIR/calls-$tag.csv" -fd 1 \
        -trace_err -error_file "$LABDIR/calls-$tag.errors" "$@" \
        </dev/null >"$LABDIR/calls-$tag.out" 2>&1 &
    echo $! >"$LABDIR/calls-$tag.pid"
}

# lab_calls_wait TAG TIMEOUT_S: wait for the SIPp run to end; its exit status.
lab_calls_wait() {
    local tag=$1 limit=$2 pid deadline
    pid=$(cat "$LABDIR/calls-$tag.pid")
    deadline=$(($(date +%s) + limit))
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            kill "$pid" 2>/dev/null
            sleep 1
            kill -9 "$pid" 2>/dev/null
            return 124
        fi
        sleep 0.5
    done
    wait "$pid" 2>/dev/null
}

# lab_calls_result TAG FIELD: the last value of a column of SIPp's statistics
# (e.g. SuccessfulCall(C), FailedCall(C), TotalCallCreated, Retransmissions(C)).
lab_calls_result() {
    local tag=$1 field=$2
    awk -F';' -v f="$field" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == f) col = i; next }
        col { v = $col } END { print (v == "" ? "?" : v) }' "$LABDIR/calls-$tag.csv" 2>/dev/null
}

# lab_proxy_table DHOST: the proxy set as the dispatcher on DHOST sees it,
# one "pN up|down" line per proxy.
lab_proxy_table() {
    local dhost=$1
    if lab_have_sipha_dispatcher; then
        # name (proxy-pN) address use (yes|drain|no) ...; a proxy it does
        # not list is not used: down (a dispatcher that starts while a
        # proxy's resource is stopped never learns of it, rightly).
        lab_exec "$dhost" timeout 5 sipha-dispatcherctl proxies 2>/dev/null \
            | awk -v all="$(lab_proxies | tr '\n' ' ')" '
                NR > 1 && $1 ~ /^proxy-/ { use[substr($1, 7)] = ($3 == "yes" ? "up" : "down") }
                END {
                    n = split(all, p, " ")
                    for (i = 1; i <= n; i++) { print p[i], (p[i] in use ? use[p[i]] : "down") }
                }' | sort
        return
    fi
    lab_exec "$dhost" timeout 5 kamcmd -s unix:/run/sipha-lab-dispatcher.ctl dispatcher.list 2>/dev/null \
        | awk -v net="$LAB_NET" '
            /URI:/ { split($2, a, ":"); n = split(a[2], o, "."); host = "p" (o[4] - 20) }
            /FLAGS:/ { state = (index($2, "A") ? "up" : "down"); print host, state }' | sort
}

# lab_proxy_tables_agree WANT: every live dispatcher's table equals WANT
# (e.g. "p1 down p2 up p3 up").
lab_proxy_tables_agree() {
    local want=$1 h got
    for h in $(lab_dispatchers); do
        [ "$(lab_power "$h")" = on ] || continue
        got=$(lab_proxy_table "$h" | tr '\n' ' ')
        [ "${got% }" = "$want" ] || return 1
    done
    return 0
}

# lab_proxy_tables_show: every live dispatcher's table, one line each, with
# the dispatcher's own view (for a test's failure report).
lab_proxy_tables_show() {
    local h
    for h in $(lab_dispatchers); do
        [ "$(lab_power "$h")" = on ] || { echo "$h: powered off"; continue; }
        echo "$h: $(lab_proxy_table "$h" | tr '\n' ' ')"
        if lab_have_sipha_dispatcher; then
            lab_exec "$h" timeout 5 sipha-dispatcherctl proxies 2>&1 | sed 's/^/    /'
        fi
    done
}
