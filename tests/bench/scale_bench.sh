#!/usr/bin/env bash
# Scale benchmark: labs of 2, SCALE (200) and BIG (1,000) instances — how long `up` and `down` take, the
# router's memory and the machine's per instance, and forwarding between two of the instances (RTT, one
# TCP stream) against the 2-instance lab's; then `run-instances --count COUNT` into the SCALE lab while a
# ping runs (its worst replies). Figures are printed, never asserted.
#
# Environment: SCALE (default 200), BIG (default 1000; 0 skips it), COUNT (default 100), DURATION (s of
#              the TCP run, default 5), PINGS (default 300), VPCLAB (binary), RESULTS (also write the table there).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
VPCLAB=${VPCLAB:-$root/build/router/vpclab}
SCALE=${SCALE:-200}
BIG=${BIG:-1000}
COUNT=${COUNT:-100}
DURATION=${DURATION:-5}
PINGS=${PINGS:-300}
RESULTS=${RESULTS:-}
tag="s$(printf '%04x' $$)"
stacks=()
pids=()
work=""

if [ "$(id -u)" != 0 ]; then echo "scale_bench: needs root" >&2; exit 77; fi
for tool in iperf3 ping; do
    command -v "$tool" >/dev/null || { echo "scale_bench: $tool is missing (sudo ./scripts/setup.sh installs it)" >&2; exit 1; }
done

cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    for s in "${stacks[@]}"; do [ -d "/run/vpclab/$s" ] && "$VPCLAB" down --stack-name "$s" >/dev/null 2>&1; done
    [ -n "$work" ] && rm -rf "$work"
}
trap cleanup EXIT
work=$(mktemp -d)

now() { date +%s.%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }
mem_available_kb() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
ping_stats() {  # ns target count interval → "avg p99 max" in ms
    ip netns exec "$1" ping -c "$3" -i "$4" -W 1 "$2" 2>/dev/null | grep -o 'time=[0-9.]*' | cut -d= -f2 | sort -n |
        awk '{v[NR] = $1; s += $1} END {if (NR == 0) {print "nan nan nan"; exit} i = int(NR * 0.99); if (i < 1) i = 1; printf "%.3f %.3f %.3f", s / NR, v[i], v[NR]}'
}
tcp_gbps() {  # client-ns target
    ip netns exec "$1" iperf3 -c "$2" -t "$DURATION" -f m 2>/dev/null | awk '/receiver/ {v = $(NF-2)} END {printf "%.2f", v / 1000}'
}
wait_for() { local i; for i in $(seq 200); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }

table="| lab | up (s) | down (s) | router RSS (MiB) | machine memory per instance (MiB) | RTT i0→i1 avg / p99 (ms) | TCP 1 stream i0→i1 (Gbit/s) |
|---|---|---|---|---|---|---|"
broken=()
launch_line=""

measure_lab() {  # instances
    local n=$1 stack="$tag-$1" template="$work/lab-$1.yaml"
    bash "$here/scale_template.sh" "$n" >"$template" || exit 1
    stacks+=("$stack")
    echo "lab of $n instances: up" >&2
    local mem0 t0 up_s rss_mib per_instance
    mem0=$(mem_available_kb)
    t0=$(now)
    "$VPCLAB" up "$template" --stack-name "$stack" >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; echo "scale_bench: up of $n failed" >&2; exit 1; }
    up_s=$(seconds_since "$t0")
    rss_mib=$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$(cat "/run/vpclab/$stack/router.pid")/status")
    per_instance=$(awk -v a="$mem0" -v b="$(mem_available_kb)" -v n="$n" 'BEGIN {printf "%.1f", (a - b) / 1024 / n}')
    local a="$stack-i0" rtt="- / -" gbps="-"
    if [ "$n" -ge 2 ]; then
        ip netns exec "$stack-i1" iperf3 -s -D >/dev/null 2>&1  # a daemon: down stops it with the instance
        wait_for ip netns exec "$stack-i1" sh -c "ss -ltn | grep -q ':5201 '"
        wait_for ip netns exec "$a" ping -c 1 -W 1 10.40.1.4 || broken+=("lab $n: i0 does not reach i1")
        read -r avg p99 _ <<<"$(ping_stats "$a" 10.40.1.4 "$PINGS" 0.01)"
        rtt="$avg / $p99"
        gbps=$(tcp_gbps "$a" 10.40.1.4)
        awk -v x="$gbps" 'BEGIN {exit !(x + 0 > 0)}' || broken+=("lab $n: TCP")
    fi
    if [ "$n" = "$SCALE" ] && [ "$COUNT" -gt 0 ]; then launch_during_ping "$stack"; fi
    echo "lab of $n instances: down" >&2
    t0=$(now)
    "$VPCLAB" down --stack-name "$stack" >/dev/null 2>&1 || broken+=("lab $n: down failed")
    local down_s; down_s=$(seconds_since "$t0")
    [ -z "$(ip netns list | grep "^$stack-")" ] || broken+=("lab $n: namespaces left after down")
    table+="
| $n instances | $up_s | $down_s | $rss_mib | $per_instance | $rtt | $gbps |"
}

launch_during_ping() {  # stack: run-instances --count COUNT while i0 pings i1 every 5 ms
    local stack=$1 subnet t0
    subnet=$("$VPCLAB" ec2 describe-subnets --stack-name "$stack" --filters Name=cidr-block,Values=10.40.2.0/24 \
             --query 'Subnets[0].SubnetId' --output text)
    local pings=$(( PINGS * 4 ))
    ping_stats "$stack-i0" 10.40.1.4 "$pings" 0.005 >"$work/ping" &
    local pinger=$!  # it runs pings × 5 ms (6 s at the default): the launch below happens inside that window
    echo "run-instances --count $COUNT while a ping runs" >&2
    t0=$(now)
    "$VPCLAB" ec2 run-instances --stack-name "$stack" --subnet-id "$subnet" --count "$COUNT" \
        --query 'Instances[].InstanceId' --output text >"$work/launched" || broken+=("run-instances --count $COUNT")
    # shellcheck disable=SC2046
    "$VPCLAB" ec2 wait instance-running --stack-name "$stack" --instance-ids $(cat "$work/launched") || broken+=("instances never running")
    local running_s; running_s=$(seconds_since "$t0")
    wait "$pinger"
    read -r avg p99 max <<<"$(cat "$work/ping")"
    launch_line="run-instances --count $COUNT into the $SCALE-instance lab: all running after ${running_s} s; a 5 ms ping meanwhile ($pings replies): avg $avg ms, p99 $p99 ms, max $max ms"
    awk -v x="$avg" 'BEGIN {exit !(x + 0 > 0)}' || broken+=("the ping during run-instances")
}

measure_lab 2
measure_lab "$SCALE"
[ "$BIG" -gt 0 ] && measure_lab "$BIG"

header="Scale benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/^MemTotal:/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -r), DURATION=${DURATION}s PINGS=$PINGS"
echo "$header"
echo "$table"
[ -n "$launch_line" ] && echo "$launch_line"
[ -n "$RESULTS" ] && printf '%s\n\n%s\n\n%s\n' "$header" "$table" "$launch_line" >"$RESULTS"
if [ ${#broken[@]} -gt 0 ]; then
    printf 'scale_bench: %s\n' "${broken[@]}" >&2
    exit 1
fi
exit 0
