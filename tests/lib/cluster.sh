# tests/lib/cluster.sh: a private one-node Corosync (+ Pacemaker) cluster for
# integration tests.  Source it after tests/lib/tap.sh.
#
#   cluster_start [--corosync-only]  one node "node1" in its own network, mount and
#                                    UTS namespaces; cleanup registered with on_exit
#   cluster_exec CMD...              run CMD inside the node
#   cluster_exec_bg LOGFILE CMD...   same, in the background; prints its pid
#   cluster_wait_ready [TIMEOUT_S]   corosync up (and a DC elected with pacemaker)
#   cluster_stop                     kill everything in the node, remove it
#   cluster_crm_mon                  crm_mon -1 --output-as=xml, with a timeout
#
# Corosync runs on the loopback of the node's own namespace; the CIB starts with
# stonith-enabled=false and dc-deadtime=2s.  The host's own cluster, if any, is
# never seen: every file Corosync and Pacemaker write is private to the node.
# CLUSTER_DIR holds the node's files and logs (kept under $SIPHA_TEST_KEEP=1).

. "$SIPHA_SRCDIR/scripts/lib/node.sh"

CLUSTER_DIR=
CLUSTER_PACEMAKER=1

cluster_start() {
    local tag
    [ "${1:-}" = "--corosync-only" ] && CLUSTER_PACEMAKER=0
    command -v corosync >/dev/null || skip_all "corosync not installed (scripts/install-deps)"
    tag="sipha-t$$-$(basename "$0" .test | tr -c 'a-zA-Z0-9\n' - | cut -c1-20)"
    CLUSTER_DIR=$(mktemp -d "/tmp/$tag.XXXXXX")
    chmod 0755 "$CLUSTER_DIR"
    on_exit cluster_stop
    node_create "$CLUSTER_DIR/node1" "$tag" node1 || return 1
    node_corosync_conf "$CLUSTER_DIR/node1" sipha-test 1000 "1:node1:127.0.0.1"
    node_start_corosync "$CLUSTER_DIR/node1" || return 1
    if [ "$CLUSTER_PACEMAKER" -eq 1 ]; then
        node_seed_cib "$CLUSTER_DIR/node1"
        node_start_pacemaker "$CLUSTER_DIR/node1"
    fi
}

cluster_exec() {
    node_exec "$CLUSTER_DIR/node1" "$@"
}

cluster_exec_bg() {
    local log=$1
    shift
    node_exec "$CLUSTER_DIR/node1" "$@" </dev/null >"$log" 2>&1 &
    echo $!
}

cluster_crm_mon() {
    cluster_exec timeout 20 crm_mon -1 --output-as=xml 2>/dev/null
}

_cluster_corosync_up() {
    cluster_exec timeout 10 corosync-quorumtool -s >/dev/null 2>&1
}

_cluster_pacemaker_up() {
    cluster_crm_mon | grep -q '<current_dc present="true"' &&
        cluster_crm_mon | grep -q '<node name="node1"[^>]*online="true"'
}

cluster_wait_ready() {
    local timeout_s=${1:-120}
    wait_for "$timeout_s" _cluster_corosync_up || { _cluster_diag; return 1; }
    if [ "$CLUSTER_PACEMAKER" -eq 1 ]; then
        wait_for "$timeout_s" _cluster_pacemaker_up || { _cluster_diag; return 1; }
    fi
}

_cluster_diag() {
    diag "cluster not ready; last log lines:"
    tail -n 20 "$CLUSTER_DIR/node1/root/var/log/corosync/corosync.log" 2>/dev/null | sed 's/^/# /'
    tail -n 20 "$CLUSTER_DIR/node1/root/var/log/pacemaker/pacemaker.log" 2>/dev/null | sed 's/^/# /'
}

cluster_stop() {
    [ -n "$CLUSTER_DIR" ] || return 0
    if [ "${SIPHA_TEST_KEEP:-0}" = 1 ]; then
        node_kill "$CLUSTER_DIR/node1"
        ip netns del "$(node_netns "$CLUSTER_DIR/node1")" 2>/dev/null
        diag "kept $CLUSTER_DIR"
    else
        node_destroy "$CLUSTER_DIR/node1"
        rm -rf "$CLUSTER_DIR"
    fi
    CLUSTER_DIR=
}
