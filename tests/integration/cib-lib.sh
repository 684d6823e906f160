# tests/integration/cib-lib.sh: helpers of the cib-*.test files (sourced).
# Proxy resources are ocf:pacemaker:Dummy primitives created with cibadmin
# (pcs would refuse the sip_address parameter Dummy does not declare; the
# agent itself ignores it), addresses 127.0.0.1:240xx (cib's port range; no
# traffic is ever sent to them).

PROXYSET=$SIPHA_BUILDDIR/helpers/cib/sipha-proxyset

cib() {
    cluster_exec timeout 30 cibadmin "$@"
}

# add_proxy ID ADDRESS [EXTRA_META_NVPAIRS_XML]
add_proxy() {
    cib -C -o resources -X "<primitive id=\"$1\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\">
      <instance_attributes id=\"$1-ia\"><nvpair id=\"$1-ia-sip\" name=\"sip_address\" value=\"$2\"/></instance_attributes>
      <meta_attributes id=\"$1-meta\">${3:-}</meta_attributes>
      <operations><op id=\"$1-mon\" name=\"monitor\" interval=\"5s\" timeout=\"20s\"/></operations>
    </primitive>"
}

# tag_proxies TAG ID...: (re)write the tags section: one tag naming these resources
tag_proxies() {
    local tag=$1 refs="" id xml
    shift
    for id in "$@"; do
        refs="$refs<obj_ref id=\"$id\"/>"
    done
    xml="<tags><tag id=\"$tag\">$refs</tag></tags>"
    # create the section the first time, replace it afterwards
    cib -C -o configuration -X "$xml" >/dev/null 2>&1 || cib -R -o tags -X "$xml"
}

# The proxy ids of the last "set" line of a --follow --json log, sorted, space separated.
last_set_ids() {
    grep '"event":"set"' "$1" | tail -n 1 | grep -o '"id":"[^"]*"' | cut -d'"' -f4 | sort | tr '\n' ' ' | sed 's/ $//'
}

# set_is LOG "ID ID...": the last reported set is exactly these ids.
set_is() {
    [ "$(last_set_ids "$1")" = "$2" ]
}

# draining_is LOG ID true|false
draining_is() {
    grep '"event":"set"' "$1" | tail -n 1 | grep -q "\"id\":\"$2\"[^}]*\"draining\":$3"
}

n_events() {
    grep -c "\"event\":\"$2\"" "$1"
}

# events_ge LOG EVENT N: at least N such events reported (a command, for wait_for)
events_ge() {
    [ "$(n_events "$1" "$2")" -ge "$3" ]
}

# --- the node's Pacemaker daemons (cib-reconnect.test, dispatcher-cib-respawn.test)
PCMK_DAEMONS="pacemakerd pacemaker-based pacemaker-contr pacemaker-execd
    pacemaker-fence pacemaker-attrd pacemaker-sched"

# pids_in_node COMM...: the node's processes with these names (found through
# the node's network namespace, never by name host-wide)
pids_in_node() {
    local p comm netns
    netns=$(node_netns "$CLUSTER_DIR/node1")
    for p in $(ip netns pids "$netns"); do
        comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
        for name in "$@"; do
            [ "$comm" = "$name" ] && echo "$p"
        done
    done
}

# kill_in_node SIGNAL COMM...: signal the node's processes with these names
kill_in_node() {
    local sig=$1 p
    shift
    for p in $(pids_in_node "$@"); do
        kill "-$sig" "$p"
    done
}

# Bring the CIB daemon back, and the rest of Pacemaker with it.  Killing
# pacemaker-based takes the controller, the attribute manager and the fencer
# down too; pacemakerd respawns them all, except when its own check of the
# cluster connection fails at that moment (seen under load: "Not respawning
# pacemaker-based subdaemon until cluster returns"), or pacemakerd itself
# gives up and shuts the node down, Corosync included (seen here at load 8:
# "Asking Corosync to shut down", "Exiting pacemakerd | with status 100";
# on a CI machine no probe ran again within 90 s).  Either way Pacemaker
# stays down for good.  That is Pacemaker's doing, not the follower's
# (which keeps retrying): then restart the node's cluster stack as an
# operator would, and say why in the log.
cib_daemon_back() {
    local PCMK_LOG=$CLUSTER_DIR/node1/root/var/log/pacemaker/pacemaker.log
    wait_for 60 eval '[ -n "$(pids_in_node pacemaker-based)" ] && _cluster_pacemaker_up' && return 0
    diag "Pacemaker not back 60 s after pacemaker-based was killed: restarting it"
    diag "$(grep -E 'pacemakerd .*(Not respawning|respawn count|Shutting down|Asking Corosync|Exiting pacemakerd|exited with status|terminated with signal)' "$PCMK_LOG" | tail -n 8)"
    # shellcheck disable=SC2086
    kill_in_node KILL $PCMK_DAEMONS
    # shellcheck disable=SC2086
    wait_for 30 eval '[ -z "$(pids_in_node $PCMK_DAEMONS)" ]'
    # pacemakerd may have shut the node down on its way out, Corosync
    # included ("Exiting pacemakerd | with status 100" after "Asking
    # Corosync to shut down", seen here at load 8): start it again first
    if [ -z "$(pids_in_node corosync)" ]; then
        diag "Corosync is down too: starting it"
        node_start_corosync "$CLUSTER_DIR/node1"
        wait_for 60 _cluster_corosync_up
    fi
    node_start_pacemaker "$CLUSTER_DIR/node1"
    cluster_wait_ready 120
}
