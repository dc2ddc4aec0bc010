#!/usr/bin/env bash
# Hardening regressions (issue 7), end to end: stack names that are paths, forged ledgers, templates that
# used to exhaust memory or fail half-way, control clients that used to stall forwarding (idle, dripping,
# 200 at once, 150,000-deep JSON), and CLI arguments of the wrong kind.
#
#   jh-test-Public-EC2 (10.10.0.4) ── router ── jh-test-Private-EC2 (10.10.1.4)
#                                       │
#                          control_probe (misbehaving clients of /run/vpclab/<stack>/control.sock)
source "$(dirname "$0")/lib.sh"
PROBE=${CONTROL_PROBE:?set CONTROL_PROBE to the control_probe binary}
work=$(mktemp -d /tmp/vpclab-hardening.XXXXXX)
trap 'cleanup; rm -rf "$work"' EXIT

# --- down never removes what a name points to -------------------------------------------------------
s=$(new_stack s)
check "a stack comes up" "$VPCLAB" up --stack-name "$s"
# The pings below cross subnets: the seed's group lets ICMP in once a rule says so (as on AWS).
seed_sg=$("$VPCLAB" ec2 describe-security-groups --stack-name "$s" --filters Name=group-name,Values='*jhSecurityGroup*' --query 'SecurityGroups[0].GroupId' --output text)
check "ICMP allowed in the seed's group" "$VPCLAB" ec2 authorize-security-group-ingress --stack-name "$s" --group-id "$seed_sg" --protocol icmp --port -1 --cidr 10.10.0.0/16
victim="$work/victim"
mkdir -p "$victim/keep" && touch "$victim/keep/file"
for bad in "$victim" "../../$victim" "" "." ".." "../$s" "$s/../$s"; do
    check_equal "down --stack-name '$bad' is a usage error" "252" "$("$VPCLAB" down --stack-name "$bad" >/dev/null 2>&1; echo $?)"
done
check "… the directory a name pointed at is intact" test -f "$victim/keep/file"
check "… and the running stack's state is intact" test -S "/run/vpclab/$s/control.sock"
check "… and it still forwards" "$VPCLAB" exec --stack-name "$s" jh-test-Public-EC2 -- ping -c 1 -W 2 10.10.1.4
for cmd in ls stats; do
    check_equal "$cmd --stack-name ../x is a usage error" "252" "$("$VPCLAB" $cmd --stack-name ../x >/dev/null 2>&1; echo $?)"
done
check_equal "exec --stack-name /tmp is a usage error" "252" "$("$VPCLAB" exec --stack-name /tmp jh-test-Public-EC2 -- true >/dev/null 2>&1; echo $?)"

# A symlink under /run/vpclab is not a stack: down refuses it and leaves its target alone.
l=$(new_stack link)
ln -s "$victim" "/run/vpclab/$l"
check_equal "down of a symlinked state directory is refused (no such stack)" "252" "$("$VPCLAB" down --stack-name "$l" >/dev/null 2>&1; echo $?)"
check "… its target is intact" test -f "$victim/keep/file"
rm -f "/run/vpclab/$l"

# A forged ledger: only the stack's own namespaces are removed, never a path or another stack's namespace.
f=$(new_stack forged)
mkdir -p "/run/vpclab/$f"
ip netns add "$f-own"
{
    echo "netns ../../$victim"
    echo "netns ."
    echo "netns .."
    echo "netns $s-jh-test-Private-EC2"
    echo "netns $f-$(printf 'n%.0s' $(seq 300))"
    echo "netns $f-own"
    echo "garbage line"
} >"/run/vpclab/$f/created"
check "down of a stack with a forged ledger succeeds" "$VPCLAB" down --stack-name "$f"
check_equal "… removing its own namespace" "" "$(ip netns list | grep "^$f-own")"
check_equal "… and its state directory" "" "$(ls -d "/run/vpclab/$f" 2>/dev/null)"
check "… but not another stack's namespace it listed" "$VPCLAB" exec --stack-name "$s" jh-test-Private-EC2 -- ping -c 1 -W 2 10.10.0.4
check "… nor a directory it named" test -f "$victim/keep/file"

# --- templates that used to crash or leave a stack nothing could remove -------------------------------
t=$(new_stack tpl)
for input in template-alias-bomb template-self-alias template-300-char-instance-name; do
    err=$("$VPCLAB" up "$SOURCE_DIR/tests/fuzz/regressions/template/$input.yaml" --stack-name "$t" 2>&1)
    rc=$?
    check_equal "$input: up fails with a template error" "1" "$rc"
    check_contains "$input: … naming the file and line" "$input.yaml:" "$err"
    check_contains "$input: … and nothing was created" "Nothing was created" "$err"
    check_equal "$input: … and nothing is left" "" "$(stack_leftovers "$t")"
done
check_contains "the 300-character Name is refused by the EC2 tag rule, with resource and property" \
    "resource jhPublicEC2 (AWS::EC2::Instance): property Tags: the value of tag Name is 300 characters" \
    "$("$VPCLAB" up "$SOURCE_DIR/tests/fuzz/regressions/template/template-300-char-instance-name.yaml" --stack-name "$t" 2>&1)"
check_equal "down of the refused stack says there is nothing to remove (usage error)" "252" "$("$VPCLAB" down --stack-name "$t" >/dev/null 2>&1; echo $?)"

# --- control clients never stall forwarding -------------------------------------------------------------
sock="/run/vpclab/$s/control.sock"
# Pings go through `ip netns exec`, not `vpclab exec`, which itself asks the router (and so would only start
# once a stalled loop had freed up).
pinger() { ip netns exec "$s-jh-test-Public-EC2" ping -q -i 0.01 -c "$1" -W 1 10.10.1.4; }
ping_figures() { grep -o 'rtt min/avg/max/mdev = [0-9./]*' <<<"$1" | cut -d' ' -f4; }
# The largest RTT in ms, as an integer (a stalled loop delays replies by ~1 s; forwarding takes ~0.1 ms).
max_rtt_ms() { ping_figures "$1" | cut -d/ -f3 | cut -d. -f1; }
# pings_unharmed COUNT "while …": pings every 10 ms all come back, none delayed past 250 ms (a stalled loop
# delayed them ~1000 ms); prints the figures.
pings_unharmed() {
    local out
    out=$(pinger "$1")
    check_contains "pings every 10 ms $2: no loss" " 0% packet loss" "$out"
    check "… none delayed (max RTT under 250 ms)" test "$(max_rtt_ms "$out")" -lt 250
    echo "# ping -i 0.01 -c $1 $2: rtt min/avg/max/mdev $(ping_figures "$out") ms"
}

# An idle client: it is dropped at its deadline; meanwhile pings every 10 ms all come back.
"$PROBE" "$sock" idle 1 8 >"$work/idle.out" &
background_pids+=($!)
check "an idle client is connected" wait_until 5 grep -q "^connected 1" "$work/idle.out"
pings_unharmed 200 "with an idle control client connected"
check "the router drops the idle client at its deadline" wait_until 10 grep -q "^closed-by-router 1" "$work/idle.out"

# A client dripping one byte every 200 ms (it used to hold the loop as long as it kept dripping).
"$PROBE" "$sock" drip 8 200 >"$work/drip.out" &
background_pids+=($!)
check "the dripping client is connected" wait_until 5 grep -q "^dripping" "$work/drip.out"
pings_unharmed 200 "while a client drips a byte every 200 ms"
check "vpclab stats is answered meanwhile (within 3 s; the client drips for 8)" timeout 3 "$VPCLAB" stats --stack-name "$s"
check "the dripping client is dropped at its deadline" wait_until 10 grep -q "^closed-by-router after" "$work/drip.out"

# 200 idle clients at once (it used to refuse 182 and stall 2 s): a real request still gets through.
"$PROBE" "$sock" idle 200 3 >"$work/many.out" &
background_pids+=($!)
check "200 idle clients are connected, none refused" wait_until 5 grep -q "^connected 200 refused 0$" "$work/many.out"
check "describe-vpcs is answered while they are (within 3 s)" timeout 3 "$VPCLAB" ec2 describe-vpcs --stack-name "$s"
pings_unharmed 100 "while 200 idle clients are connected"
# Held 3 s, less than the 5 s deadline: only the cap (32 clients) explains the closed ones.
check "the probe is done" wait_until 10 grep -q "^closed-by-router" "$work/many.out"
# 200 - 32 = 168 make room for each other, and one more for describe-vpcs.
check_equal "the router keeps its 32-client cap: the 169 oldest idle clients were dropped" "closed-by-router 169" \
    "$(grep "^closed-by-router" "$work/many.out")"

# A request nested 150,000 levels deep (it used to crash the router).
deep="$work/deep.json"
{
    printf '{"Action":"DescribeVpcs","Params":{"Filters":'
    head -c 150000 /dev/zero | tr '\0' '['
    head -c 150000 /dev/zero | tr '\0' ']'
    printf '}}\n'
} >"$deep"
check_contains "a 150,000-deep request is refused as malformed" '"MalformedRequest"' "$("$PROBE" "$sock" request <"$deep")"
check "… and the router is alive and forwarding" "$VPCLAB" exec --stack-name "$s" jh-test-Public-EC2 -- ping -c 1 -W 2 10.10.1.4

# --- CLI arguments of the wrong kind get the aws CLI's usage error --------------------------------------
err=$("$VPCLAB" ec2 describe-route-tables --stack-name "$s" --route-table-ids $'rtb-\xff\xfe' 2>&1)
check_equal "a non-UTF-8 argument exits 252" "252" "$("$VPCLAB" ec2 describe-route-tables --stack-name "$s" --route-table-ids $'rtb-\xff\xfe' >/dev/null 2>&1; echo $?)"
check_contains "… saying which option" "the value of --route-table-ids is not valid UTF-8" "$err"
for filter in '[{"Name":5,"Values":["x"]}]' '[1,2]' '{"Name":"vpc-id","Values":"x"}' '[{"Name":"vpc-id","Values":[],"Extra":1}]'; do
    check_equal "--filters '$filter' exits 252" "252" "$("$VPCLAB" ec2 describe-vpcs --stack-name "$s" --filters "$filter" >/dev/null 2>&1; echo $?)"
done
check_contains "… saying what is wrong" "Invalid type for parameter Filters[0].Name" \
    "$("$VPCLAB" ec2 describe-vpcs --stack-name "$s" --filters '[{"Name":5,"Values":["x"]}]' 2>&1)"

check "down" "$VPCLAB" down --stack-name "$s"
check_equal "nothing of the stack is left" "" "$(stack_leftovers "$s")"
finish
