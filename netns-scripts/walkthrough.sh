# Shared by the walk-throughs (sourced): the vpclab binary, a stack of the walk-through's own removed on
# every exit, and step headings that wait for Enter on a terminal (so CI runs them straight through).
# Expects `stack_prefix` to be set by the walk-through.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VPCLAB=${VPCLAB:-$here/build/router/vpclab}
stack=${DEMO_STACK:-$stack_prefix-$$}

cleanup() { [ -d "/run/vpclab/$stack" ] && "$VPCLAB" down --stack-name "$stack" >/dev/null 2>&1 || true; }
trap cleanup EXIT

step() {
    echo
    echo "━━ $1"
    if [ -t 0 ]; then read -r -p "   (Enter to run) " _; fi
}

# Runs a command and fails the walk-through unless its output holds `expected`.
expect() {
    local expected=$1; shift
    local out
    out=$("$@" 2>&1) || true
    echo "$out"
    grep -qF -- "$expected" <<<"$out" || { echo "expected to see: $expected" >&2; exit 1; }
}
