# scripts/lib/node.sh: one cluster "node" on this machine.  Source it (bash).
#
# A node is a network namespace plus a holder process in its own mount and UTS
# namespaces.  The holder gives the node its hostname and private copies of the
# directories Corosync and Pacemaker write (/etc/corosync, /var/lib/corosync,
# /var/lib/pacemaker, /var/log/{corosync,pacemaker}, /run, /dev/shm), so several
# nodes, and the host's own cluster if it has one, never see each other's files.
# Everything of the node lives in STATE_DIR; every process it runs is in its
# network namespace, which is how node_kill finds them all (`ip netns pids`).
#
# Used by tests/lib/cluster.sh (one node, integration tests) and by the lab
# (several nodes on a bridge).  Nothing here touches anything it did not create.
#
#   node_create STATE_DIR NETNS HOSTNAME     make the namespaces and directories
#   node_exec STATE_DIR CMD...               run CMD inside the node
#   node_corosync_conf STATE_DIR CLUSTER TOKEN_MS "ID:NAME:ADDR ..."  [EXTRA_TOTEM_LINES]
#   node_seed_cib STATE_DIR                  a CIB with dc-deadtime=2s, no fencing
#   node_start_corosync STATE_DIR / node_start_pacemaker STATE_DIR
#   node_kill STATE_DIR                      SIGKILL every process in the node
#   node_destroy STATE_DIR                   kill, delete the namespace and STATE_DIR
#
# Pacemaker CLIs inside a node must be wrapped in timeout (LAB-NOTES 6):
# node_exec STATE_DIR timeout 20 crm_mon -1 --output-as=xml

NODE_PRIVATE_DIRS="etc/corosync var/lib/corosync var/lib/pacemaker var/log/corosync var/log/pacemaker var/lib/pcsd var/log/pcsd"

_node_die() {
    echo "node.sh: $*" >&2
    return 1
}

node_netns() {
    cat "$1/netns" 2>/dev/null
}

node_holder_pid() {
    cat "$1/holder.pid" 2>/dev/null
}

# The holder's script: runs inside the node's new mount and UTS namespaces.
_node_holder_script() {
    local root=$1 hostname=$2 d
    cat <<SCRIPT
set -e
hostname '$hostname'
mount --make-rslave /
umount -R -l /run/netns 2>/dev/null || true
mount -t tmpfs -o mode=0755 sipha-run /run
mkdir -p /run/lock /run/crm /run/resource-agents /run/corosync
chown hacluster:haclient /run/crm
mount -t tmpfs -o mode=1777 sipha-shm /dev/shm
SCRIPT
    for d in $NODE_PRIVATE_DIRS; do
        echo "mount --bind '$root/$d' '/$d'"
    done
    echo "echo \$\$ >'$root/holder.pid'"
    echo "touch '$root/ready'"
    echo "exec sleep infinity"
}

node_create() {
    local dir=$1 netns=$2 hostname=$3 root d pid
    [ -n "$dir" ] && [ -n "$netns" ] && [ -n "$hostname" ] \
        || _node_die "usage: node_create STATE_DIR NETNS HOSTNAME" || return 1
    ip netns list | grep -qw "^$netns" && { _node_die "namespace $netns exists already"; return 1; }
    mkdir -p "$dir" && root="$dir/root"
    for d in $NODE_PRIVATE_DIRS; do
        mkdir -p "$root/$d" "/$d" || return 1
    done
    mkdir -p "$root/var/lib/pacemaker/"{cib,pengine,blackbox,cores}
    chown -R hacluster:haclient "$root/var/lib/pacemaker" "$root/var/log/pacemaker"
    chmod 0750 "$root/var/lib/pacemaker" "$root/var/lib/pacemaker/"*
    echo "$netns" >"$dir/netns"
    echo "$hostname" >"$dir/hostname"
    ip netns add "$netns" || return 1
    ip -n "$netns" link set lo up
    _node_holder_script "$root" "$hostname" >"$dir/holder.sh"
    ip netns exec "$netns" unshare --mount --uts --propagation slave \
        setsid bash "$dir/holder.sh" </dev/null >"$dir/holder.log" 2>&1 &
    pid=$!
    disown
    echo "$pid" >"$dir/holder.pid"
    for _ in $(seq 1 100); do
        [ -f "$root/ready" ] && break
        kill -0 "$pid" 2>/dev/null || { cat "$dir/holder.log" >&2; _node_die "holder for $hostname died"; return 1; }
        sleep 0.05
    done
    [ -f "$root/ready" ] || { _node_die "holder for $hostname not ready"; return 1; }
    # unshare and setsid may fork: the holder wrote its own pid.
    pid=$(cat "$root/holder.pid")
    echo "$pid" >"$dir/holder.pid"
}

node_exec() {
    local dir=$1 pid
    shift
    pid=$(node_holder_pid "$dir")
    [ -n "$pid" ] || { _node_die "no node in $dir"; return 1; }
    nsenter -t "$pid" -n -m -u -- "$@"
}

# node_corosync_conf DIR CLUSTER TOKEN_MS "ID:NAME:ADDR ..." [EXTRA_TOTEM_LINES
#                    [SYSTEM_LINES]]
node_corosync_conf() {
    local dir=$1 cluster=$2 token_ms=$3 nodes=$4 extra=${5:-} system=${6:-} n id name addr
    {
        if [ -n "$system" ]; then
            echo "system {"
            printf '    %s\n' "$system"
            echo "}"
        fi
        echo "totem {"
        echo "    version: 2"
        echo "    cluster_name: $cluster"
        echo "    transport: knet"
        echo "    crypto_cipher: none"
        echo "    crypto_hash: none"
        echo "    token: $token_ms"
        [ -n "$extra" ] && printf '    %s\n' "$extra"
        echo "}"
        echo "nodelist {"
        for n in $nodes; do
            IFS=: read -r id name addr <<<"$n"
            echo "    node {"
            echo "        ring0_addr: $addr"
            echo "        name: $name"
            echo "        nodeid: $id"
            echo "    }"
        done
        echo "}"
        echo "quorum {"
        echo "    provider: corosync_votequorum"
        [ "$(echo "$nodes" | wc -w)" -eq 2 ] && echo "    two_node: 1"
        echo "}"
        echo "logging {"
        echo "    to_logfile: yes"
        echo "    logfile: /var/log/corosync/corosync.log"
        echo "    to_syslog: no"
        echo "    to_stderr: no"
        echo "    timestamp: on"
        echo "}"
    } >"$dir/root/etc/corosync/corosync.conf"
}

# A first CIB: no 20 s wait for a DC (LAB-NOTES 2), fencing off unless the
# caller configures a fence device later.
node_seed_cib() {
    local cib="$1/root/var/lib/pacemaker/cib/cib.xml"
    cat >"$cib" <<'XML'
<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="cib-bootstrap-options-dc-deadtime" name="dc-deadtime" value="2s"/>
        <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
XML
    chown hacluster:haclient "$cib"
    chmod 0600 "$cib"
}

node_start_corosync() {
    node_exec "$1" corosync
}

node_start_pacemaker() {
    local dir=$1
    node_exec "$dir" env PCMK_logfile=/var/log/pacemaker/pacemaker.log \
        PCMK_logfacility=none PCMK_debug=no \
        setsid pacemakerd </dev/null >>"$dir/pacemakerd.out" 2>&1 &
    disown
}

node_kill() {
    local netns pids
    netns=$(node_netns "$1")
    [ -n "$netns" ] || return 0
    pids=$(ip netns pids "$netns" 2>/dev/null)
    # shellcheck disable=SC2086
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null
    return 0
}

node_destroy() {
    local dir=$1 netns
    [ -d "$dir" ] || return 0
    netns=$(node_netns "$dir")
    node_kill "$dir"
    for _ in $(seq 1 50); do
        [ -z "$(ip netns pids "$netns" 2>/dev/null)" ] && break
        node_kill "$dir"
        sleep 0.1
    done
    [ -n "$netns" ] && ip netns del "$netns" 2>/dev/null
    rm -rf "$dir"
}
