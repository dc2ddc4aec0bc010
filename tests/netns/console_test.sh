#!/usr/bin/env bash
# The web console, `vpclab diagram` and `vpclab capture`, on both seed labs (one lab each for all checks).
# The console in real browsers (headless Chromium over its DevTools protocol, tests/tools/browser.py;
# Firefox ESR over WebDriver BiDi, tests/tools/firefox.py): the map names every VPC, subnet and instance; a
# trace of the private instance's ping to S3 is drawn red at its route table; the token is the only way in and 127.0.0.1 the only address;
# many and slow clients do not hold up forwarding. Capture: a ping before and after the router's decision,
# read back by tcpdump and tshark. Screenshots and captures are kept in $ARTIFACTS_DIR/console/.
#
#   browser ── http://127.0.0.1:PORT/?token=… ──► vpclab router ◄── TAPs ──► jh-test-Public-EC2, jh-test-Private-EC2
source "$(dirname "$0")/lib.sh"

artifacts=${ARTIFACTS_DIR:-$SOURCE_DIR/build/test-artifacts}/console
mkdir -p "$artifacts"
browser() { python3 "$SOURCE_DIR/tests/tools/browser.py" "$@"; }
firefox() { python3 "$SOURCE_DIR/tests/tools/firefox.py" "$@"; }
for b in chromium firefox-esr; do
    if ! command -v $b >/dev/null; then
        echo "FAIL - $b is not installed (scripts/setup.sh installs it)"
        exit 1
    fi
done

seed=$(new_stack con1)
link=$(new_stack con2)
check "the first seed lab comes up" "$VPCLAB" up "$SOURCE_DIR/labs/endpoints-lab.yaml" --stack-name "$seed" --parameter KeyName=k >/dev/null 2>&1
check "the second seed lab comes up" "$VPCLAB" up "$SOURCE_DIR/labs/privatelink-lab.yaml" --stack-name "$link" --parameter KeyName=k >/dev/null 2>&1

url=$("$VPCLAB" console --stack-name "$seed" 2>/dev/null)
check "vpclab console prints http://127.0.0.1:PORT/?token=…" grep -qE '^http://127\.0\.0\.1:[0-9]+/\?token=[0-9a-f]{32}$' <<<"$url"
port=$(sed -E 's|^http://127\.0\.0\.1:([0-9]+)/.*|\1|' <<<"$url")
token=${url##*token=}
check_equal "the same address each time it is asked" "$url" "$("$VPCLAB" console --stack-name "$seed" 2>/dev/null)"

# --- who gets in ---
code() { curl -s -o /dev/null -w '%{http_code}' -m 5 "$@"; }
check_equal "without the token: 403" 403 "$(code "http://127.0.0.1:$port/")"
wrong_token=${token%?}$([ "${token: -1}" = 0 ] && echo 1 || echo 0)  # the last digit changed
check_equal "with another token: 403" 403 "$(code "http://127.0.0.1:$port/?token=$wrong_token")"
check_equal "the map without the token: 403" 403 "$(code "http://127.0.0.1:$port/api/map.svg")"
check_equal "with the token: the page" 200 "$(code "$url")"
check_equal "another host name, even with the token (DNS rebinding): 403" 403 "$(code -H 'Host: console.example:'"$port" "$url")"
other_token=$("$VPCLAB" console --stack-name "$link" 2>/dev/null | sed 's/.*token=//')
check "the other lab has a token of its own" test -n "$other_token" -a "$other_token" != "$token"
check_equal "the other lab's token does not open this one" 403 "$(code "http://127.0.0.1:$port/?token=$other_token")"
listening=$(ss -Hltn "sport = :$port" | awk '{print $4}' | sort -u | tr '\n' ' ')
check_equal "its port is bound on 127.0.0.1 and nothing else" "127.0.0.1:$port " "$listening"
check_equal "a call that changes the lab is refused" 403 \
    "$(code -X POST -H "X-Vpclab-Token: $token" -d '{"Action":"CreateVpc","Params":{"CidrBlock":"10.77.0.0/16"}}' "http://127.0.0.1:$port/api/call")"
check_equal "… and the lab has one VPC still" 1 "$("$VPCLAB" ec2 describe-vpcs --stack-name "$seed" --query 'length(Vpcs)' --output text 2>/dev/null ||
    "$VPCLAB" ec2 describe-vpcs --stack-name "$seed" --output json | grep -c '"VpcId"')"

# --- the map in a browser, with a trace drawn on it ---
for lab in "$seed" "$link"; do
    lab_url=$("$VPCLAB" console --stack-name "$lab" 2>/dev/null)
    dom=$artifacts/$lab.html
    check "$lab: Chromium loads the console and its map" browser "$lab_url" --until 'document.body.dataset.map === "loaded"' \
        --dom "$dom" --screenshot "$artifacts/${lab#"$stack_prefix"}-map.png"
    name_tags='import json, sys; [print(t["Value"]) for r in json.load(sys.stdin)[sys.argv[1]] for t in r.get("Tags", []) if t["Key"] == "Name"]'
    names=$("$VPCLAB" ec2 describe-vpcs --stack-name "$lab" --output json | python3 -c "$name_tags" Vpcs
            "$VPCLAB" ec2 describe-subnets --stack-name "$lab" --output json | python3 -c "$name_tags" Subnets
            "$VPCLAB" ls --stack-name "$lab" | awk -v lab="$lab" '$1 == lab {print $2}')
    missing_in() {
        local missing=""
        while read -r name; do
            [ -n "$name" ] && ! grep -qF -- ">$name<" "$1" && missing+=" $name"
        done <<<"$names"
        echo "$missing"
    }
    check "$lab: the lab has names to look for" test "$(grep -c . <<<"$names")" -ge 5
    check_equal "$lab: the map names every VPC, subnet and instance ($(wc -l <<<"$names") names)" "" "$(missing_in "$dom")"
    # The same page in Firefox (Debian's ESR, driven over WebDriver BiDi by tests/tools/firefox.py).
    check "$lab: Firefox loads the console and its map" firefox "$lab_url" --until 'document.body.dataset.map === "loaded"' \
        --dom "$artifacts/$lab-firefox.html" --screenshot "$artifacts/${lab#"$stack_prefix"}-map-firefox.png"
    check_equal "$lab: in Firefox too, the map names every VPC, subnet and instance" "" "$(missing_in "$artifacts/$lab-firefox.html")"
done

private_rt=$("$VPCLAB" ec2 describe-route-tables --stack-name "$seed" --filters Name=tag:Name,Values=jh-test-Private-RT \
    --query 'RouteTables[0].RouteTableId' --output text)
trace_url="$url#trace-source=jh-test-Private-EC2&trace-destination=s3.ap-northeast-2.amazonaws.com&trace-protocol=icmp"
result=$(browser "$trace_url" --until 'document.body.dataset.trace === "drawn"' --dom "$artifacts/trace.html" \
    --screenshot "$artifacts/trace-private-to-s3.png" \
    --eval "Array.from(document.querySelectorAll('.resource-map g.node.stop')).map(g => g.getAttribute('data-ids')).join(',')" \
    --eval "document.getElementById('trace-summary').textContent")
check "the trace of the private instance's ping to S3 is drawn" test $? = 0
stopped=$(sed -n 1p <<<"$result")
check_contains "it stops, red, at the private route table $private_rt" "$private_rt" "$stopped"
check_contains "the summary says it was dropped" "dropped" "$(sed -n 2p <<<"$result")"
result=$(firefox "$trace_url" --until 'document.body.dataset.trace === "drawn"' --screenshot "$artifacts/trace-private-to-s3-firefox.png" \
    --eval "Array.from(document.querySelectorAll('.resource-map g.node.stop')).map(g => g.getAttribute('data-ids')).join(',')")
check "Firefox draws the same trace" test $? = 0
check_contains "… red at the private route table" "$private_rt" "$(sed -n 1p <<<"$result")"
png_size() { python3 -c 'import struct, sys; d = open(sys.argv[1], "rb").read(24); print(*struct.unpack(">II", d[16:24])) if d[:8] == b"\x89PNG\r\n\x1a\n" else print("not a PNG")' "$1"; }
check_equal "the screenshot is a 1600 × 1100 PNG" "1600 1100" "$(png_size "$artifacts/trace-private-to-s3.png")"

# --- the map follows the API ---
generation() { curl -s -m 5 -H "X-Vpclab-Token: $token" "http://127.0.0.1:$port/api/generation" | grep -o '[0-9]\+'; }
before=$(generation)
vpc=$("$VPCLAB" ec2 describe-vpcs --stack-name "$seed" --query 'Vpcs[0].VpcId' --output text)
endpoint=$("$VPCLAB" ec2 create-vpc-endpoint --stack-name "$seed" --vpc-id "$vpc" --service-name com.amazonaws.ap-northeast-2.s3 \
    --route-table-ids "$private_rt" --query VpcEndpoint.VpcEndpointId --output text)
check "the console's generation grows with a change" test "$(generation)" -gt "$before"
check_contains "the map now draws the gateway endpoint" "data-ids=\"$endpoint" \
    "$(curl -s -m 5 -H "X-Vpclab-Token: $token" "http://127.0.0.1:$port/api/map.svg")"
result=$(browser "$trace_url" --until 'document.body.dataset.trace === "drawn"' --screenshot "$artifacts/trace-private-to-s3-endpoint.png" \
    --eval "document.querySelectorAll('.resource-map g.node.stop').length" \
    --eval "Array.from(document.querySelectorAll('.resource-map g.node.on-path')).map(g => g.getAttribute('data-ids')).join(',')")
check_equal "with the endpoint the trace is drawn without a stop" 0 "$(sed -n 1p <<<"$result")"
check_contains "… through the endpoint" "$endpoint" "$(sed -n 2p <<<"$result")"

# --- vpclab diagram ---
check_contains "diagram --format text draws the tree" "Subnet jh-test-Private-SN" "$("$VPCLAB" diagram --stack-name "$seed")"
check_contains "diagram --format dot is a graph" 'digraph "' "$("$VPCLAB" diagram --format dot --stack-name "$seed")"
"$VPCLAB" diagram --format svg --stack-name "$seed" -o "$artifacts/seed-map.svg"
check "diagram --format svg -o writes an SVG file" grep -q '^<svg xmlns="http://www.w3.org/2000/svg" class="resource-map"' "$artifacts/seed-map.svg"
check_not "diagram refuses an unknown format" "$VPCLAB" diagram --format png --stack-name "$seed"

# --- vpclab capture: a ping, before and after the router's decision, as pcapng ---
s3_ip=$("$VPCLAB" exec jh-test-Public-EC2 --stack-name "$seed" -- dig +short s3.ap-northeast-2.amazonaws.com | head -n1)
capture() { # capture FILE SOURCE ARGS…: in the background; returns once the capture has started
    local file=$1; shift
    "$VPCLAB" capture --stack-name "$seed" "$@" -w "$file" 2>"$file.err" &
    capture_pid=$!
    background_pids+=($capture_pid)
    wait_until 10 grep -q "capturing on" "$file.err"
}
ended() { ! kill -0 "$capture_pid" 2>/dev/null; }
pcap=$artifacts/public-ping.pcapng
check "capture starts on the public instance" capture "$pcap" jh-test-Public-EC2 -c 3 icmp
"$VPCLAB" exec jh-test-Public-EC2 --stack-name "$seed" -- ping -n -c 1 -W 2 "$s3_ip" >/dev/null
check "… and ends after 3 frames (-c 3)" wait_until 10 ended
read_back=$(tcpdump -n -r "$pcap" 2>/dev/null)
echo "$read_back" | sed 's/^/# /'
check_equal "tcpdump -r reads 3 frames" 3 "$(grep -c ICMP <<<"$read_back")"
check_contains "the echo request as the instance sent it" "10.10.0.4 > $s3_ip: ICMP echo request" "$read_back"
check_contains "… as the router forwarded it, from the public IP the internet gateway gave it" "198.19.0.10 > $s3_ip: ICMP echo request" "$read_back"
check_contains "the reply as delivered to the instance" "$s3_ip > 10.10.0.4: ICMP echo reply" "$read_back"
comments=$(tshark -r "$pcap" -T fields -e frame.comment 2>/dev/null)
check_contains "tshark reads the marks: before the decision" "sent by eni-" "$comments"
check_contains "… after it, forwarded to the region" "after the router's decision: forwarded to the region" "$comments"
check_contains "… and delivered" "delivered to eni-" "$comments"
check_contains "the capture says how many it wrote" "3 frames captured" "$(cat "$pcap.err")"

pcap=$artifacts/private-ping.pcapng
check "capture starts on the private instance" capture "$pcap" jh-test-Private-EC2 -c 2 icmp
"$VPCLAB" exec jh-test-Private-EC2 --stack-name "$seed" -- ping -n -c 1 -W 1 8.8.8.8 >/dev/null
check "… and ends after 2 frames" wait_until 10 ended
check_contains "the private instance's ping to the internet is dropped: no route (tshark reads why)" "dropped: no_route" \
    "$(tshark -r "$pcap" -T fields -e frame.comment 2>/dev/null)"

("$VPCLAB" capture jh-test-Public-EC2 --stack-name "$seed" -c 1 'icmp[icmptype] == icmp-echoreply' 2>"$artifacts/piped.err" |
    tcpdump -n -r - >"$artifacts/piped.txt" 2>/dev/null) &
capture_pid=$!
background_pids+=($capture_pid)
check "capture | tcpdump -r - starts" wait_until 10 grep -q "capturing on" "$artifacts/piped.err"
"$VPCLAB" exec jh-test-Public-EC2 --stack-name "$seed" -- ping -n -c 1 -W 2 "$s3_ip" >/dev/null
check "… and ends after the one frame its filter keeps" wait_until 10 ended
piped=$(cat "$artifacts/piped.txt")
check_contains "capture | tcpdump -r -: the filter keeps the reply only" "ICMP echo reply" "$piped"
check_not "… and not the request" grep -q "echo request" <<<"$piped"
out=$("$VPCLAB" capture jh-test-Public-EC2 --stack-name "$seed" -w /dev/null 'not a filter(' 2>&1)
check_contains "a filter that is not a tcpdump expression is refused by name" "is not a tcpdump expression" "$out"

# --- busy and slow clients do not hold up forwarding ---
# 40 clients asking for the map as fast as they can, and 40 that send a byte a second, while the public
# instance pings S3's public address (through the internet gateway, answered by the region) every 10 ms.
for i in $(seq 40); do
    (end=$((SECONDS + 6)); while [ $SECONDS -lt $end ]; do
         curl -s -m 2 -o /dev/null -w '%{http_code}\n' -H "X-Vpclab-Token: $token" "http://127.0.0.1:$port/api/map.svg"
     done >"$artifacts/load-$i.codes") &
    background_pids+=($!)
done
python3 "$SOURCE_DIR/tests/netns/idle-clients.py" 127.0.0.1 "$port" 40 6 drip >/dev/null 2>&1 &
background_pids+=($!)
ping_out=$("$VPCLAB" exec jh-test-Public-EC2 --stack-name "$seed" -- ping -n -q -i 0.01 -c 400 -W 1 "$s3_ip")
for pid in "${background_pids[@]}"; do wait "$pid" 2>/dev/null; done
background_pids=()
maps=$(cat "$artifacts"/load-*.codes | grep -c '^200$')
rm -f "$artifacts"/load-*.codes
echo "# the console drew $maps maps meanwhile"
check "the console was busy: hundreds of maps served meanwhile ($maps)" test "$maps" -ge 200
check_contains "every ping answered while the console is busy" "400 received" "$ping_out"
avg=$(sed -nE 's|.*= [0-9.]+/([0-9.]+)/.*|\1|p' <<<"$ping_out")
echo "# ping every 10 ms under console load: $(grep rtt <<<"$ping_out")"
check "… within a few milliseconds on average (${avg} ms)" awk -v a="$avg" 'BEGIN { exit !(a < 3) }'
check_equal "the console still answers" 200 "$(code "$url")"

check "down removes both labs" sh -c "'$VPCLAB' down --stack-name '$seed' && '$VPCLAB' down --stack-name '$link'"
check_equal "nothing listens on the console's port after down" "" "$(ss -Hltn "sport = :$port")"
check_equal "nothing is left of either lab" "" "$(stack_leftovers "$seed"; stack_leftovers "$link")"
finish
