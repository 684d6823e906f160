# tests/lib/tap.sh: TAP output and cleanup for shell tests.  Source it.
#
#   . "$SIPHA_SRCDIR/tests/lib/tap.sh"
#   on_exit 'kill $pid'            # runs at exit, also after a failure, LIFO
#   ok "$cond_status" "what"        # or: check "what" cmd args...
#   skip_all "why"                  # nothing here can run on this machine
#
# Every test file prints TAP; tests/run-tests counts it.
: "${SIPHA_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${SIPHA_BUILDDIR:=$SIPHA_SRCDIR}"
export SIPHA_SRCDIR SIPHA_BUILDDIR

tap_n=0
tap_failed=0
_tap_exit_cmds=()

on_exit() {
    _tap_exit_cmds=("$1" "${_tap_exit_cmds[@]}")
}

_tap_run_exit() {
    local cmd
    for cmd in "${_tap_exit_cmds[@]}"; do
        eval "$cmd" >/dev/null 2>&1 || true
    done
    _tap_exit_cmds=()
}
trap '_tap_run_exit' EXIT
trap 'exit 130' INT TERM HUP

# ok STATUS DESCRIPTION: STATUS 0 is a pass.
ok() {
    tap_n=$((tap_n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $tap_n - $2"
    else
        tap_failed=$((tap_failed + 1))
        echo "not ok $tap_n - $2"
    fi
}

# check DESCRIPTION CMD...: pass when CMD succeeds; its output goes to the log.
check() {
    local what=$1
    shift
    "$@"
    ok $? "$what"
}

skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $1 # SKIP ${2:-}"
}

skip_all() {
    echo "1..0 # SKIP $1"
    exit 77
}

diag() {
    echo "# $*"
}

# wait_for TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds or TIMEOUT_S pass.
# Tests wait for outcomes with generous limits; they never assert speed.
wait_for() {
    local limit_s=$1 deadline
    shift
    deadline=$(( $(date +%s%N) / 1000000 + limit_s * 1000 ))
    while ! "$@"; do
        if [ $(( $(date +%s%N) / 1000000 )) -ge "$deadline" ]; then
            return 1
        fi
        sleep 0.1
    done
    return 0
}

# require_root: most tiers create namespaces.
require_root() {
    [ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespaces)"
}

# require_cmd CMD...: skip the file when a program is missing.
require_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed (scripts/install-deps)"
    done
}

done_testing() {
    echo "1..$tap_n"
    [ "$tap_failed" -eq 0 ]
}
