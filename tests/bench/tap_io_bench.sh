#!/usr/bin/env bash
# The TAP I/O alone, read()/write() against io_uring: two namespaces joined by a wire through
# tap_io_bench (two TAPs made as vpclab makes them, frames forwarded unchanged), once per way of doing the
# I/O (tap_io_bench.cpp lists them), measured alternately. Prints medians and min–max of 64-byte UDP
# received, one TCP stream, idle ping, and the forwarder's CPU time per UDP frame, and each against the
# first mode. Speed is reported, never asserted; a figure that is missing fails the run.
#
#   $tag-m0-a 10.99.0.1 ── tap ── tap_io_bench write ──────── tap ── 10.99.0.2 $tag-m0-b
#   $tag-m1-a 10.99.0.1 ── tap ── tap_io_bench batch-write ── tap ── 10.99.0.2 $tag-m1-b   …
#
# Environment: DURATION (s per run, default 6), PAIRS (rounds, default 5), PINGS (default 500),
#              MODES (default all five), TAP_IO_BENCH (binary).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
TAP_IO_BENCH=${TAP_IO_BENCH:-$root/build/tests/bench/tap_io_bench}
DURATION=${DURATION:-6}
PAIRS=${PAIRS:-5}
PINGS=${PINGS:-500}
tag="t$(printf '%04x' $$)"
modes=(${MODES:-write batch-write batch-uring multishot multishot-uring})
declare -A forwarder ns_a ns_b output
pids=()

if [ "$(id -u)" != 0 ]; then echo "tap_io_bench: needs root" >&2; exit 77; fi
command -v iperf3 >/dev/null || { echo "tap_io_bench: iperf3 is missing (sudo ./scripts/setup.sh installs it)" >&2; exit 1; }

cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    for m in "${modes[@]}"; do
        for n in "${ns_a[$m]:-}" "${ns_b[$m]:-}"; do
            [ -n "$n" ] || continue
            ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
            ip netns del "$n" 2>/dev/null
        done
    done
}
trap cleanup EXIT

wait_for() { local i; for i in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
declare -A short
for i in "${!modes[@]}"; do
    m=${modes[$i]}
    short[$m]="m$i"
    ns_a[$m]="$tag-${short[$m]}-a"
    ns_b[$m]="$tag-${short[$m]}-b"
    ip netns add "${ns_a[$m]}" && ip netns add "${ns_b[$m]}" || exit 1
    # The TAPs are made in this namespace, unaddressed, and moved into the lab's before any address is set.
    exec {out}< <("$TAP_IO_BENCH" "$m" "$tag${short[$m]}a" "$tag${short[$m]}b" 2>&1)
    pids+=($!)
    forwarder[$m]=$!
    read -r -t 10 line <&$out && [ "$line" = ready ] || { echo "tap_io_bench $m did not start: $line" >&2; exit 1; }
    output[$m]=$out
    for side in a b; do
        n="$tag-${short[$m]}-$side"
        dev="$tag${short[$m]}$side"
        ip link set "$dev" netns "$n" || exit 1
        ip -n "$n" link set lo up
        ip -n "$n" link set "$dev" mtu 9001 up
        ip -n "$n" addr add "10.99.0.$([ $side = a ] && echo 1 || echo 2)/24" dev "$dev"
    done
    ip netns exec "${ns_b[$m]}" iperf3 -s >/dev/null 2>&1 &
    pids+=($!)
    wait_for ip netns exec "${ns_b[$m]}" sh -c "ss -ltn | grep -q ':5201 '" || { echo "iperf3 server not ready" >&2; exit 1; }
    wait_for ip netns exec "${ns_a[$m]}" ping -c 1 -W 1 10.99.0.2 || { echo "$m: the wire does not carry a ping" >&2; exit 1; }
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
declare -A results
record() { results["$1|$2"]+="$3 "; }

for pair in $(seq "$PAIRS"); do
    for m in "${modes[@]}"; do
        a="ip netns exec ${ns_a[$m]}"
        before=$(cpu_ticks "${forwarder[$m]}")
        out=$($a iperf3 -c 10.99.0.2 -u -l 64 -b 0 -t "$DURATION" 2>/dev/null)
        after=$(cpu_ticks "${forwarder[$m]}")
        received=$(echo "$out" | awk '/receiver/ && match($0, /[0-9]+\/[0-9]+ \(/) {split(substr($0, RSTART, RLENGTH - 2), n, "/"); print n[2] - n[1]}')
        record "UDP 64 B received (kpps)" "$m" "$(awk -v r="${received:-0}" -v d="$DURATION" 'BEGIN {printf "%.0f", r / d / 1000}')"
        record "forwarder CPU per UDP frame (µs)" "$m" "$(awk -v t=$((after - before)) -v hz="$hz" -v r="${received:-0}" 'BEGIN {if (r == 0) print "nan"; else printf "%.2f", t / hz / r * 1e6}')"
        record "TCP 1 stream (Gbit/s)" "$m" "$($a iperf3 -c 10.99.0.2 -t "$DURATION" -f m 2>/dev/null | awk '/receiver/ {v = $(NF-2)} END {printf "%.2f", v / 1000}')"
        read -r avg p99 <<<"$($a ping -c "$PINGS" -i 0.01 -W 1 10.99.0.2 2>/dev/null | grep -o 'time=[0-9.]*' | cut -d= -f2 | sort -n |
            awk '{v[NR] = $1; s += $1} END {if (NR == 0) {print "nan nan"; exit} i = int(NR * 0.99); if (i < 1) i = 1; printf "%.3f %.3f", s / NR, v[i]}')"
        record "RTT idle avg (ms)" "$m" "$avg"
        record "RTT idle p99 (ms)" "$m" "$p99"
    done
done

summary() {  # values → "median (min–max)"
    echo "$1" | tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {if (NR == 0) {print "-"; exit} m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%g (%g–%g)", m, v[1], v[NR]}'
}
median() { echo "$1" | tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {if (NR == 0) exit; printf "%g", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
header="| metric |"; rule="|---|"
for m in "${modes[@]}"; do header+=" $m |"; rule+="---|"; done
for m in "${modes[@]:1}"; do header+=" $m ÷ ${modes[0]} |"; rule+="---|"; done
echo "$header"; echo "$rule"
for metric in "UDP 64 B received (kpps)" "forwarder CPU per UDP frame (µs)" "TCP 1 stream (Gbit/s)" "RTT idle avg (ms)" "RTT idle p99 (ms)"; do
    line="| $metric |"
    for m in "${modes[@]}"; do line+=" $(summary "${results["$metric|$m"]:-}") |"; done
    base=$(median "${results["$metric|${modes[0]}"]:-}")
    for m in "${modes[@]:1}"; do
        line+=" $(awk -v a="$(median "${results["$metric|$m"]:-}")" -v b="$base" 'BEGIN {if (b + 0 == 0) print "-"; else printf "%.2f", a / b}') |"
    done
    echo "$line"
done
# The forwarders' own account: frames forwarded, writes that failed, CPU seconds.
for p in "${forwarder[@]}"; do kill -TERM "$p" 2>/dev/null; done
for m in "${modes[@]}"; do echo "$m: $(timeout 5 cat <&"${output[$m]}" | tr '\n' ' ')"; done
broken=()
for metric in "UDP 64 B received (kpps)" "TCP 1 stream (Gbit/s)" "RTT idle avg (ms)"; do
    for m in "${modes[@]}"; do
        awk -v x="$(median "${results["$metric|$m"]:-}")" 'BEGIN {exit !(x != "" && x + 0 > 0)}' || broken+=("$metric ($m)")
    done
done
if [ ${#broken[@]} -gt 0 ]; then
    printf 'tap_io_bench: no figure for: %s\n' "${broken[@]}" >&2
    exit 1
fi
