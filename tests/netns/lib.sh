# Shared helpers for the namespace integration tests: a unique stack per test, cleanup on every exit,
# polling with a deadline (never a bare sleep), and assertions that say what they expected.
# Sourced by each test; expects VPCLAB (the binary) and SOURCE_DIR in the environment (set by ctest).

set -u
VPCLAB=${VPCLAB:?set VPCLAB to the vpclab binary}
SOURCE_DIR=${SOURCE_DIR:?set SOURCE_DIR to the source tree}
failures=0
checks=0
stacks_to_remove=()
background_pids=()

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: namespace tests need root"
    exit 77
fi

# A stack name unique to this test run, so tests can run side by side and never meet a leftover. Called as
# stack=$(new_stack NAME), in a subshell: cleanup finds the run's stacks by their prefix, not by a list.
stack_prefix="t$(printf '%04x' $$)-"
new_stack() {
    echo "$stack_prefix$1"
}

cleanup() {
    local pid dir
    for pid in "${background_pids[@]}"; do kill "$pid" 2>/dev/null; done
    for dir in /run/vpclab/"$stack_prefix"*; do
        [ -d "$dir" ] && "$VPCLAB" down --stack-name "$(basename "$dir")" >/dev/null 2>&1
    done
    wait 2>/dev/null
}
trap cleanup EXIT

pass() { checks=$((checks + 1)); echo "ok - $1"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL - $1"; }

# check "description" command…: passes when the command exits 0.
check() {
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
# check_not "description" command…: passes when the command exits non-zero.
check_not() {
    local what=$1; shift
    if "$@"; then fail "$what"; else pass "$what"; fi
}
# check_contains "description" "needle" "haystack"
check_contains() {
    if grep -qF -- "$2" <<<"$3"; then pass "$1"; else fail "$1 (expected to find '$2' in: $3)"; fi
}
check_equal() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1 (expected '$2', got '$3')"; fi
}

# wait_until SECONDS command…: polls every 50 ms until the command succeeds or the deadline passes.
wait_until() {
    local deadline=$(( $(date +%s%N) + $1 * 1000000000 )); shift
    while ! "$@" >/dev/null 2>&1; do
        [ "$(date +%s%N)" -ge "$deadline" ] && return 1
        sleep 0.05
    done
}

# A drop counter of a stack, summed over ENIs (0 when absent); with INSTANCE, over that instance's ENIs alone.
#   drop_count STACK REASON [INSTANCE]
drop_count() {
    local n
    n=$("$VPCLAB" stats ${3:+"$3"} --stack-name "$1" --output json |
        sed -n '/"DropsByReason"/,/}/p' | grep "\"$2\"" | grep -o '[0-9]\+' | head -n1)
    echo "${n:-0}"
}

# Namespaces, /etc/netns entries and state of a stack that should be gone.
stack_leftovers() {
    local stack=$1
    ip netns list | grep "^$stack-"
    ls /etc/netns 2>/dev/null | grep "^$stack-"
    ls -d "/run/vpclab/$stack" 2>/dev/null
}

finish() {
    echo "$((checks - failures)) passed, $failures failed"
    [ "$failures" = 0 ]
}
