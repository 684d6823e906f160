# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/placement/apply-live.sh: sourced by apply-pcs.test and apply-crmsh.test
# with TOOL set.  The generated configuration, applied with $TOOL to a real
# one-node Pacemaker (tests/lib/cluster.sh, private namespaces): it validates,
# it starts, `check` agrees, a deviation is reported, bad input changes nothing,
# a second apply of the same plan changes nothing (tests/placement/apply-diff.test
# has the changes).
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
. "$SIPHA_SRCDIR/tests/lib/cluster.sh"
require_root
require_cmd corosync pacemakerd crm_mon python3
case $TOOL in
    pcs) require_cmd pcs ;;
    crmsh) require_cmd crm ;;
esac
T="$SIPHA_SRCDIR/scripts/sipha-topology"

# shellcheck disable=SC2119  # no options: pacemaker too
cluster_start
cluster_wait_ready 180
ok $? "one-node cluster is up"

# The sipha agents, where installed, are used as such; stand-ins otherwise
# (the placement is what is tested here, not the agents).
stand_ins=--stand-ins
for a in dispatcher sap proxy; do
    cluster_exec timeout 20 crm_resource --show-metadata "ocf:sipha:$a" >/dev/null 2>&1 \
        || { stand_ins=--stand-ins; break; }
    stand_ins=
done
[ -n "$stand_ins" ] && diag "ocf:sipha agents not installed: ocf:pacemaker:Dummy stand-ins"
# One node with both roles; SAP in the node's own loopback subnet (found by
# the tool from the node's interfaces: no --subnet).
B=(--dispatchers node1 --proxy node1=udp:127.0.0.1:25060 --sap 127.0.25.1)
[ -n "$stand_ins" ] && B+=("$stand_ins")
A=(--nodes node1 "${B[@]}")

epoch() { cluster_exec timeout 20 cibadmin --query 2>/dev/null | grep -o '<cib [^>]*' | grep -o ' epoch="[0-9]*"'; }

# Bad input first: nothing may reach the CIB.
e0=$(epoch)
cluster_exec "$T" apply --tool "$TOOL" "${B[@]}" --dispatchers node2 >/dev/null 2>"$CLUSTER_DIR/bad1.err"
rc=$?
check "$TOOL: node2 is not in the cluster: exit 2" \
    sh -c "[ $rc -eq 2 ] && grep -q 'not in the cluster: node2' '$CLUSTER_DIR/bad1.err'"
cluster_exec "$T" apply --tool "$TOOL" "${A[@]}" --sap 10.99.0.1 >/dev/null 2>"$CLUSTER_DIR/bad2.err"
rc=$?
check "$TOOL: SAP outside the node's subnets: exit 2" \
    sh -c "[ $rc -eq 2 ] && grep -q 'outside every cluster subnet' '$CLUSTER_DIR/bad2.err'"
check "$TOOL: bad input left the CIB alone (epoch unchanged)" test "$(epoch)" = "$e0"

cluster_exec "$T" apply --tool "$TOOL" "${A[@]}" >"$CLUSTER_DIR/apply.log" 2>&1
rc=$?
ok $rc "$TOOL: sipha-topology apply"
[ $rc -eq 0 ] || sed 's/^/# /' "$CLUSTER_DIR/apply.log" | tail -30

cluster_exec timeout 60 crm_verify --live-check >"$CLUSTER_DIR/verify.log" 2>&1
rc=$?
ok $rc "$TOOL: crm_verify --live-check accepts the configuration"
[ $rc -eq 0 ] || sed 's/^/# /' "$CLUSTER_DIR/verify.log"

all_started() {
    local mon
    mon=$(cluster_crm_mon) || return 1
    echo "$mon" | grep -q '<resource id="dispatcher"[^>]*role="Started"' &&
        echo "$mon" | grep -q '<resource id="sap:0"[^>]*role="Started"' &&
        echo "$mon" | grep -q '<resource id="proxy-node1"[^>]*role="Started"' &&
        echo "$mon" | grep -q '<resource id="beat-node1"[^>]*role="Started"'
}
wait_for 120 all_started
rc=$?
ok $rc "$TOOL: dispatcher, SAP, proxy and beat start on node1"
[ $rc -eq 0 ] && cluster_exec timeout 20 crm_mon -1 | sed 's/^/# /' | tail -8
[ $rc -eq 0 ] || cluster_exec timeout 20 crm_mon -1 -r | sed 's/^/# /'

cluster_exec "$T" check --no-fencing "${A[@]}" >"$CLUSTER_DIR/check.log" 2>&1
rc=$?
ok $rc "$TOOL: check: the live cluster matches the plan"
[ $rc -eq 0 ] || sed 's/^/# /' "$CLUSTER_DIR/check.log"

e1=$(epoch)
cluster_exec "$T" apply --tool "$TOOL" "${A[@]}" >"$CLUSTER_DIR/again.out" 2>&1
rc=$?
check "$TOOL: applying twice changes nothing (exit 0, 'no change', CIB epoch unchanged)" \
    sh -c "[ $rc -eq 0 ] && grep -q '^no change' '$CLUSTER_DIR/again.out' && [ '$(epoch)' = '$e1' ]"
[ $rc -eq 0 ] || sed 's/^/# /' "$CLUSTER_DIR/again.out"

# A deviation: node1 loses its proxy role; the proxy stops, check says so.
cluster_exec timeout 20 crm_attribute --node node1 --name sipha-proxy --delete >/dev/null 2>&1
proxy_stopped() {
    local mon
    mon=$(cluster_crm_mon) || return 1
    ! echo "$mon" | grep -q '<resource id="proxy-node1"[^>]*role="Started"' &&
        ! echo "$mon" | grep -q '<resource id="beat-node1"[^>]*role="Started"'
}
wait_for 60 proxy_stopped
ok $? "$TOOL: without sipha-proxy=true the proxy and its beat stop (ROLE)"
cluster_exec "$T" check --no-fencing "${A[@]}" >"$CLUSTER_DIR/check2.log" 2>&1
rc=$?
check "$TOOL: check reports the missing role and the stopped proxy (exit 1)" \
    sh -c "[ $rc -eq 1 ] && grep -q 'node node1: sipha-proxy' '$CLUSTER_DIR/check2.log' && grep -q 'proxy-node1 is not running' '$CLUSTER_DIR/check2.log'"
[ $rc -eq 1 ] || sed 's/^/# /' "$CLUSTER_DIR/check2.log"
cluster_stop
done_testing
