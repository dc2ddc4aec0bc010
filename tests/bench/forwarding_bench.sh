#!/usr/bin/env bash
# Forwarding benchmark: vpclab against Linux kernel forwarding, the same topology built five times in one
# run, measured alternately (A B C D E A B C D E …) so that machine noise hits all alike: vpclab as it
# starts by default, vpclab writing one write() per frame (--tap-writes write, the path before batched
# writes), vpclab with two forwarding workers (--workers 2), the kernel, and the kernel with the same stateful
# filtering as the lab's security groups (nftables: established and related accepted, the groups' allow
# rules for new flows, the rest dropped). With OVN installed, a sixth: the same lab on the OVN backend
# (--backend ovn --chassis 2: A and B on different chassis, so subnet to subnet crosses GENEVE; its "router
# CPU" is the chassis' ovs-vswitchd processes). Prints medians, min–max and the ratios vpclab ÷ kernel.
# Speed is reported, never asserted.
#
#   vpclab:  A 10.30.0.4 ──┐                  ┌── B 10.30.1.4          (subnet to subnet)
#                          └─ vpclab router ──┤
#                                             └── IGW (1:1 NAT 10.30.0.4 ↔ 198.19.0.10) ── region 198.18.100.10
#   kernel:  A 10.30.0.4 ── veth ── R (ip_forward, nftables 1:1 NAT) ── veth ── B 10.30.1.4
#                                    └── veth (MTU 1500) ── I 198.18.100.10
#   Instance links MTU 9001; the internet side 1500 in both (vpclab enforces it with ICMP, the kernel by MTU).
#
# Environment: DURATION (s per TCP/UDP run, default 10), PAIRS (default 5), PINGS (default 1000),
#              VPCLAB (binary), RESULTS (also write the table there, markdown).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
VPCLAB=${VPCLAB:-$root/build/router/vpclab}
CONN_RATE=${CONN_RATE:-$root/build/tests/bench/conn_rate}
DURATION=${DURATION:-10}
PAIRS=${PAIRS:-5}
PINGS=${PINGS:-1000}
RESULTS=${RESULTS:-}
tag="b$(printf '%04x' $$)"
stack="$tag-bench"
stack2="$tag-bench2"  # the same lab with --workers 2
stack3="$tag-bench3"  # the same lab with --tap-writes write
stack4="$tag-bench4"  # the same lab on the OVN backend
k="$tag-k"  # kernel namespaces: $k-a, $k-r, $k-b, $k-i
pids=()

if [ "$(id -u)" != 0 ]; then echo "forwarding_bench: needs root" >&2; exit 77; fi
for tool in iperf3 nft ping; do
    command -v "$tool" >/dev/null || { echo "forwarding_bench: $tool is missing (sudo ./scripts/setup.sh installs it)" >&2; exit 1; }
done

cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    [ -d "/run/vpclab/$stack" ] && "$VPCLAB" down --stack-name "$stack" >/dev/null 2>&1
    [ -d "/run/vpclab/$stack2" ] && "$VPCLAB" down --stack-name "$stack2" >/dev/null 2>&1
    [ -d "/run/vpclab/$stack3" ] && "$VPCLAB" down --stack-name "$stack3" >/dev/null 2>&1
    [ -d "/run/vpclab/$stack4" ] && "$VPCLAB" down --stack-name "$stack4" >/dev/null 2>&1
    # `ip netns del` does not stop processes inside (the iperf3 servers): stop them first.
    for n in a r b i; do
        ip netns pids "$k-$n" 2>/dev/null | xargs -r kill 2>/dev/null
        ip netns del "$k-$n" 2>/dev/null
    done
}
trap cleanup EXIT

# ---- the two topologies ----
"$VPCLAB" up "$here/bench-lab.yaml" --stack-name "$stack" >/dev/null 2>&1 || { echo "vpclab up failed" >&2; exit 1; }
router_pid=$(cat "/run/vpclab/$stack/router.pid")
v_a="ip netns exec $stack-A"
v_b="ip netns exec $stack-B"
v_i="ip netns exec $stack-region"
"$VPCLAB" up "$here/bench-lab.yaml" --stack-name "$stack2" --workers 2 >/dev/null 2>&1 || { echo "vpclab up --workers 2 failed" >&2; exit 1; }
router2_pid=$(cat "/run/vpclab/$stack2/router.pid")
w_a="ip netns exec $stack2-A"
w_b="ip netns exec $stack2-B"
w_i="ip netns exec $stack2-region"
"$VPCLAB" up "$here/bench-lab.yaml" --stack-name "$stack3" --tap-writes write >/dev/null 2>&1 || { echo "vpclab up --tap-writes write failed" >&2; exit 1; }
router3_pid=$(cat "/run/vpclab/$stack3/router.pid")
s_a="ip netns exec $stack3-A"
s_b="ip netns exec $stack3-B"
s_i="ip netns exec $stack3-region"
v_public=198.19.0.10
ovn=0
if command -v ovn-northd >/dev/null && command -v ovs-vswitchd >/dev/null; then
    "$VPCLAB" up "$here/bench-lab.yaml" --stack-name "$stack4" --backend ovn --chassis 2 >/dev/null 2>&1 || { echo "vpclab up --backend ovn failed" >&2; exit 1; }
    ovn=1
    ovs_pids=$(cat /run/vpclab/"$stack4"/ovn/c*/vswitchd.pid | tr '\n' ' ')
    o_a="ip netns exec $stack4-A"
    o_b="ip netns exec $stack4-B"
    o_i="ip netns exec $stack4-region"
else
    echo "forwarding_bench: OVN is not installed (scripts/setup.sh installs it): no OVN column" >&2
    o_b=$v_b o_i=$v_i
fi

for n in a r b i; do ip netns add "$k-$n"; ip -n "$k-$n" link set lo up; done
ip link add ka netns "$k-a" type veth peer name ra netns "$k-r"
ip link add kb netns "$k-b" type veth peer name rb netns "$k-r"
ip link add ki netns "$k-i" type veth peer name ri netns "$k-r"
ip -n "$k-a" link set ka mtu 9001 up; ip -n "$k-r" link set ra mtu 9001 up
ip -n "$k-b" link set kb mtu 9001 up; ip -n "$k-r" link set rb mtu 9001 up
ip -n "$k-i" link set ki mtu 1500 up; ip -n "$k-r" link set ri mtu 1500 up
ip -n "$k-a" addr add 10.30.0.4/24 dev ka; ip -n "$k-a" route add default via 10.30.0.1
ip -n "$k-b" addr add 10.30.1.4/24 dev kb; ip -n "$k-b" route add default via 10.30.1.1
ip -n "$k-r" addr add 10.30.0.1/24 dev ra; ip -n "$k-r" addr add 10.30.1.1/24 dev rb
ip -n "$k-r" addr add 198.18.0.1/24 dev ri; ip -n "$k-r" route add default via 198.18.0.2
ip -n "$k-i" addr add 198.18.0.2/24 dev ki; ip -n "$k-i" addr add 198.18.100.10/32 dev lo
ip -n "$k-i" route add 198.19.0.0/16 via 198.18.0.1
ip netns exec "$k-r" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$k-r" nft -f - <<'NFT'
table ip igw {
    chain prerouting { type nat hook prerouting priority dstnat; ip daddr 198.19.0.10 dnat to 10.30.0.4; }
    chain postrouting { type nat hook postrouting priority srcnat; ip saddr 10.30.0.4 oifname "ri" snat to 198.19.0.10; }
}
NFT
# The security groups' counterpart, loaded for the filtered runs only: the bench lab's instances share
# the VPC's default group (members in from each other, everything out), so A and B may open flows to
# each other and A to the internet; the internet may only answer.
kernel_filter() {  # on|off
    ip netns exec "$k-r" nft delete table ip groups 2>/dev/null
    [ "$1" = on ] || return 0
    ip netns exec "$k-r" nft -f - <<'NFT'
table ip groups {
    chain forward {
        type filter hook forward priority filter; policy drop;
        ct state established,related accept
        ct state invalid drop
        iifname "ra" oifname { "rb", "ri" } accept
        iifname "rb" oifname "ra" accept
    }
}
NFT
}
k_a="ip netns exec $k-a"
k_b="ip netns exec $k-b"
k_i="ip netns exec $k-i"

# iperf3 servers (B for subnet to subnet, the internet host for the NAT path) and connection sinks, in both
# topologies; they serve one test after another and end with the namespaces.
wait_for() { local i; for i in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
budget=$(( PAIRS * (30 * DURATION + 12 * PINGS / 100 + 150) + 120 ))  # seconds: longer than any run (five topologies)
servers=("$v_b" "$v_i" "$w_b" "$w_i" "$s_b" "$s_i" "$k_b" "$k_i")
[ "$ovn" = 1 ] && servers+=("$o_b" "$o_i")
for ns in "${servers[@]}"; do
    $ns iperf3 -s >/dev/null 2>&1 &
    pids+=($!)
    $ns "$CONN_RATE" serve 9000 "$budget" &
    pids+=($!)
done
for ns in "${servers[@]}"; do wait_for $ns sh -c "ss -ltn | grep -q ':5201 ' && ss -ltn | grep -q ':9000 '" || { echo "servers not ready" >&2; exit 1; }; done
wait_for $v_a ping -c 1 -W 1 10.30.1.4 && wait_for $w_a ping -c 1 -W 1 10.30.1.4 && wait_for $s_a ping -c 1 -W 1 10.30.1.4 && wait_for $k_a ping -c 1 -W 1 10.30.1.4 || { echo "topologies not ready" >&2; exit 1; }
if [ "$ovn" = 1 ]; then wait_for $o_a ping -c 1 -W 1 10.30.1.4 || { echo "the OVN topology is not ready" >&2; exit 1; }; fi
# The filter must filter: the internet reaches A through the NAT without it, and not with it.
$k_i ping -c 1 -W 1 198.19.0.10 >/dev/null 2>&1 || { echo "kernel topology: the internet does not reach A" >&2; exit 1; }
kernel_filter on || { echo "forwarding_bench: nft could not load the filter" >&2; exit 1; }
if $k_i ping -c 1 -W 1 198.19.0.10 >/dev/null 2>&1; then echo "kernel filtering lets unsolicited traffic in" >&2; exit 1; fi
$k_a ping -c 1 -W 1 198.18.100.10 >/dev/null 2>&1 || { echo "kernel filtering blocks A's own flows" >&2; exit 1; }
kernel_filter off

# ---- measurements: each prints one number ----
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }  # pids
machine_busy() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
hz=$(getconf CLK_TCK)

# iperf3 TCP: receiver Gbit/s. Also leaves bytes moved and CPU seconds in globals for the CPU/GB figure.
tcp_gbps() {  # client-ns target streams
    local out
    out=$($1 iperf3 -c "$2" -t "$DURATION" -P "$3" -f m 2>/dev/null)
    echo "$out" | awk '/receiver/ && ($0 ~ /SUM/ || '"$3"' == 1) {v = $(NF-2)} END {printf "%.2f", v / 1000}'
}
udp_kpps() {  # client-ns target: 64-byte datagrams received per second (thousands)
    # The receiver line ends "… LOST/TOTAL (P%)  receiver".
    $1 iperf3 -c "$2" -u -l 64 -b 0 -t "$DURATION" 2>/dev/null |
        awk '/receiver/ && match($0, /[0-9]+\/[0-9]+ \(/) {split(substr($0, RSTART, RLENGTH - 2), n, "/"); printf "%.0f", (n[2] - n[1]) / '"$DURATION"' / 1000}'
}
ping_stats() {  # client-ns target → "avg p99" in ms
    $1 ping -c "$PINGS" -i 0.01 -W 1 "$2" 2>/dev/null | grep -o 'time=[0-9.]*' | cut -d= -f2 | sort -n |
        awk '{v[NR] = $1; s += $1} END {if (NR == 0) {print "nan nan"; exit} i = int(NR * 0.99); if (i < 1) i = 1; printf "%.3f %.3f", s / NR, v[i]}'
}
conn_rate() {  # client-ns target: short TCP connections per second through NAT
    $1 "$CONN_RATE" connect "$2" 9000 "$DURATION"
}

declare -A results
record() { results["$1|$2"]+="$3 "; }

run_topology() {  # which(v: vpclab, s: vpclab --tap-writes write, w: vpclab --workers 2, o: OVN backend, k: kernel, f: kernel with filtering)
    local a target_b target_i pid=""
    case "$1" in
        v) a=$v_a; pid=$router_pid ;;
        w) a=$w_a; pid=$router2_pid ;;
        s) a=$s_a; pid=$router3_pid ;;
        o) a=$o_a; pid=$ovs_pids ;;
        *) a=$k_a ;;
    esac
    if [ "$1" = f ]; then
        kernel_filter on || { echo "forwarding_bench: nft could not load the filter" >&2; exit 1; }
    else
        kernel_filter off
    fi
    target_b=10.30.1.4
    target_i=198.18.100.10
    local c0 m0 bytes
    [ -n "$pid" ] && c0=$(cpu_ticks $pid)
    m0=$(machine_busy)
    local g; g=$(tcp_gbps "$a" $target_b 1)
    record "TCP 1 stream, subnet→subnet (Gbit/s)" "$1" "$g"
    # CPU per GB from the single-stream run: router process (vpclab) and the whole machine (both).
    bytes=$(awk -v g="$g" -v d="$DURATION" 'BEGIN {print g * 1e9 / 8 * d}')
    if [ -n "$pid" ]; then record "router CPU s per GB (vpclab process)" "$1" "$(awk -v t=$(( $(cpu_ticks $pid) - c0 )) -v hz=$hz -v b="$bytes" 'BEGIN {printf "%.3f", (b > 0) ? t / hz / (b / 1e9) : 0}')"; fi
    record "machine CPU s per GB (all cores)" "$1" "$(awk -v t=$(( $(machine_busy) - m0 )) -v hz=$hz -v b="$bytes" 'BEGIN {printf "%.3f", (b > 0) ? t / hz / (b / 1e9) : 0}')"
    record "TCP 4 streams, subnet→subnet (Gbit/s)" "$1" "$(tcp_gbps "$a" $target_b 4)"
    record "TCP 1 stream through IGW NAT (Gbit/s)" "$1" "$(tcp_gbps "$a" $target_i 1)"
    record "TCP 4 streams through IGW NAT (Gbit/s)" "$1" "$(tcp_gbps "$a" $target_i 4)"
    record "UDP 64 B received (kpps)" "$1" "$(udp_kpps "$a" $target_b)"
    read -r avg p99 <<<"$(ping_stats "$a" $target_b)"
    record "RTT idle avg (ms)" "$1" "$avg"
    record "RTT idle p99 (ms)" "$1" "$p99"
    $a iperf3 -c $target_b -t $((PINGS / 100 + 2)) >/dev/null 2>&1 &
    local load=$!
    read -r avg p99 <<<"$(ping_stats "$a" $target_b)"
    wait $load
    record "RTT under 1 TCP stream avg (ms)" "$1" "$avg"
    record "RTT under 1 TCP stream p99 (ms)" "$1" "$p99"
    # Not on OVN: Debian 12's Open vSwitch 3.1 aborts in its userspace connection tracker under this test
    # (conntrack.c:1063, conn_update_state; docs/ovn-backend.md §3), so its column shows "-" there.
    [ "$1" = o ] || record "new TCP connections/s through NAT" "$1" "$(conn_rate "$a" $target_i)"
}

for pair in $(seq "$PAIRS"); do
    echo "pair $pair/$PAIRS: vpclab" >&2
    run_topology v
    echo "pair $pair/$PAIRS: vpclab --tap-writes write" >&2
    run_topology s
    echo "pair $pair/$PAIRS: vpclab --workers 2" >&2
    run_topology w
    if [ "$ovn" = 1 ]; then
        echo "pair $pair/$PAIRS: vpclab on OVN, 2 chassis" >&2
        run_topology o
    fi
    echo "pair $pair/$PAIRS: kernel" >&2
    run_topology k
    echo "pair $pair/$PAIRS: kernel with filtering" >&2
    run_topology f
done
kernel_filter off

# ---- report ----
stats() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {if (NR == 0) {print "- - -"; exit} m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR]}'; }
metrics=("TCP 1 stream, subnet→subnet (Gbit/s)" "TCP 4 streams, subnet→subnet (Gbit/s)" "TCP 1 stream through IGW NAT (Gbit/s)"
         "TCP 4 streams through IGW NAT (Gbit/s)" "UDP 64 B received (kpps)" "RTT idle avg (ms)" "RTT idle p99 (ms)"
         "RTT under 1 TCP stream avg (ms)" "RTT under 1 TCP stream p99 (ms)" "new TCP connections/s through NAT"
         "machine CPU s per GB (all cores)" "router CPU s per GB (vpclab process)")
table="| metric | vpclab median (min–max) | vpclab --tap-writes write | vpclab --workers 2 | OVN backend, 2 chassis | kernel | kernel + filtering | vpclab ÷ kernel | vpclab ÷ kernel + filtering | --tap-writes write ÷ kernel + filtering | --workers 2 ÷ kernel + filtering | OVN ÷ kernel + filtering |
|---|---|---|---|---|---|---|---|---|---|---|---|"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b == "-" || a == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b}'; }
for m in "${metrics[@]}"; do
    read -r vm vlo vhi <<<"$(echo "${results["$m|v"]:-}" | stats)"
    read -r wm wlo whi <<<"$(echo "${results["$m|w"]:-}" | stats)"
    read -r sm slo shi <<<"$(echo "${results["$m|s"]:-}" | stats)"
    read -r km klo khi <<<"$(echo "${results["$m|k"]:-}" | stats)"
    read -r fm flo fhi <<<"$(echo "${results["$m|f"]:-}" | stats)"
    read -r om olo ohi <<<"$(echo "${results["$m|o"]:-}" | stats)"
    table+="
| $m | $vm ($vlo–$vhi) | $sm ($slo–$shi) | $wm ($wlo–$whi) | $om ($olo–$ohi) | $km ($klo–$khi) | $fm ($flo–$fhi) | $(ratio "$vm" "$km") | $(ratio "$vm" "$fm") | $(ratio "$sm" "$fm") | $(ratio "$wm" "$fm") | $(ratio "$om" "$fm") |"
done
# No speed thresholds, but a benchmark that measured nothing is broken: every figure must exist and be
# above zero (the kernel has no router process, so that one cell is empty by design).
broken=()
for m in "${metrics[@]}"; do
    sides="v s w k f"
    [ "$ovn" = 1 ] && sides+=" o"
    for side in $sides; do
        [ "$side" = o ] && [[ "$m" == "new TCP connections"* ]] && continue
        [ "$side" = k ] || [ "$side" = f ] && [[ "$m" == router* ]] && continue
        read -r med _ <<<"$(echo "${results["$m|$side"]:-}" | stats)"
        awk -v x="$med" 'BEGIN {exit !(x != "-" && x + 0 > 0)}' || broken+=("$m ($side)")
    done
done
header="Forwarding benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r), DURATION=${DURATION}s PAIRS=$PAIRS PINGS=$PINGS"
echo "$header"
echo "$table"
[ -n "$RESULTS" ] && printf '%s\n\n%s\n' "$header" "$table" >"$RESULTS"
if [ ${#broken[@]} -gt 0 ]; then
    printf 'forwarding_bench: no figure for: %s\n' "${broken[@]}" >&2
    exit 1
fi
exit 0
