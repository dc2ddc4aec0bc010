#!/usr/bin/env bash
# VPC Traffic Mirroring with real tools, on the first seed lab: a monitor instance launched beside
# jh-test-Public-EC2 is made a traffic mirror target; a session on the public instance's ENI with a filter
# that accepts outbound HTTP. `tcpdump -i eth0 udp port 4789` in the monitor decodes the VXLAN copies
# (VNI, and inside them the public instance's HTTP request to S3 as it sent it); what the filter does not
# select (ping) is not copied until a rule selects it; sessions are tried by ascending number; the
# monitor's security group must let UDP 4789 in; in-use resources are not deleted; down leaves nothing.
#
#   jh-test-Public-EC2 ──HTTP──► router ──► IGW ──► S3 (region)
#                                  └── VXLAN (UDP 4789, from 10.10.0.x) ──► monitor: tcpdump -i eth0
source "$(dirname "$0")/lib.sh"

s=$(new_stack tm)
ec2() { "$VPCLAB" ec2 "$@" --stack-name "$s"; }
on() { local who=$1; shift; "$VPCLAB" exec --stack-name "$s" "$who" -- "$@"; }
work=$(mktemp -d)
trap 'rm -rf "$work"; cleanup' EXIT

check "the first seed lab comes up" "$VPCLAB" up "$SOURCE_DIR/labs/endpoints-lab.yaml" --stack-name "$s" --parameter KeyName=k >/dev/null 2>&1
vpc=$(ec2 describe-vpcs --query 'Vpcs[0].VpcId' --output text)
subnet=$(ec2 describe-subnets --filters Name=tag:Name,Values=jh-test-Public-SN --query 'Subnets[0].SubnetId' --output text)
source_eni=$(ec2 describe-instances --filters Name=tag:Name,Values=jh-test-Public-EC2 \
    --query 'Reservations[0].Instances[0].NetworkInterfaces[0].NetworkInterfaceId' --output text)
source_ip=$(ec2 describe-instances --filters Name=tag:Name,Values=jh-test-Public-EC2 --query 'Reservations[0].Instances[0].PrivateIpAddress' --output text)

# The monitor: its own group, which lets in nothing yet.
sg=$(ec2 create-security-group --group-name monitor --description "traffic mirror target" --vpc-id "$vpc" --query GroupId --output text)
monitor=$(ec2 run-instances --subnet-id "$subnet" --security-group-ids "$sg" \
    --tag-specifications 'ResourceType=instance,Tags=[{Key=Name,Value=monitor}]' --query 'Instances[0].InstanceId' --output text)
check "the monitor instance runs" wait_until 30 sh -c "[ \"\$($VPCLAB ec2 describe-instances --stack-name $s --instance-ids $monitor --query 'Reservations[0].Instances[0].State.Name' --output text)\" = running ]"
monitor_eni=$(ec2 describe-instances --instance-ids "$monitor" --query 'Reservations[0].Instances[0].NetworkInterfaces[0].NetworkInterfaceId' --output text)
monitor_ip=$(ec2 describe-instances --instance-ids "$monitor" --query 'Reservations[0].Instances[0].PrivateIpAddress' --output text)

# --- the resources, as the aws CLI makes them ---
target=$(ec2 create-traffic-mirror-target --network-interface-id "$monitor_eni" --description monitor --query TrafficMirrorTarget.TrafficMirrorTargetId --output text)
check "create-traffic-mirror-target --network-interface-id: tmt-…" grep -qE '^tmt-[0-9a-f]{17}$' <<<"$target"
filter=$(ec2 create-traffic-mirror-filter --description web --query TrafficMirrorFilter.TrafficMirrorFilterId --output text)
check "create-traffic-mirror-filter: tmf-…" grep -qE '^tmf-[0-9a-f]{17}$' <<<"$filter"
rule=$(ec2 create-traffic-mirror-filter-rule --traffic-mirror-filter-id "$filter" --traffic-direction egress --rule-number 100 \
    --rule-action accept --protocol 6 --destination-port-range FromPort=80,ToPort=80 \
    --source-cidr-block 0.0.0.0/0 --destination-cidr-block 0.0.0.0/0 --query TrafficMirrorFilterRule.TrafficMirrorFilterRuleId --output text)
check "create-traffic-mirror-filter-rule (egress TCP to port 80): tmfr-…" grep -qE '^tmfr-[0-9a-f]{17}$' <<<"$rule"
session=$(ec2 create-traffic-mirror-session --network-interface-id "$source_eni" --traffic-mirror-target-id "$target" \
    --traffic-mirror-filter-id "$filter" --session-number 1 --virtual-network-id 4242 --query TrafficMirrorSession.TrafficMirrorSessionId --output text)
check "create-traffic-mirror-session --session-number 1 --virtual-network-id 4242: tms-…" grep -qE '^tms-[0-9a-f]{17}$' <<<"$session"
check_equal "describe-traffic-mirror-sessions shows it" "$source_eni $target $filter 1 4242" \
    "$(ec2 describe-traffic-mirror-sessions --query 'TrafficMirrorSessions[0].[NetworkInterfaceId,TrafficMirrorTargetId,TrafficMirrorFilterId,SessionNumber,VirtualNetworkId]' --output text | tr '\t' ' ')"
check_equal "describe-traffic-mirror-filters shows the rule under EgressFilterRules" "100 accept 80" \
    "$(ec2 describe-traffic-mirror-filters --traffic-mirror-filter-ids "$filter" --query 'TrafficMirrorFilters[0].EgressFilterRules[0].[RuleNumber,RuleAction,DestinationPortRange.FromPort]' --output text | tr '\t' ' ')"

# The same through the real aws CLI (EC2's query protocol: the request's members, the reply's XML).
aws_cli() { env -u AWS_SHARED_CREDENTIALS_FILE -u AWS_CONFIG_FILE -u AWS_PROFILE timeout 60 "$VPCLAB" aws --stack-name "$s" "$@"; }
check_equal "aws ec2 describe-traffic-mirror-sessions (the real CLI) reads it back" "$source_eni 1 4242 $filter" \
    "$(aws_cli ec2 describe-traffic-mirror-sessions --traffic-mirror-session-ids "$session" --query 'TrafficMirrorSessions[0].[NetworkInterfaceId,SessionNumber,VirtualNetworkId,TrafficMirrorFilterId]' --output text | tr '\t' ' ')"
check_equal "aws ec2 describe-traffic-mirror-filters: the rule and its port range" "egress 100 6 80 80" \
    "$(aws_cli ec2 describe-traffic-mirror-filters --traffic-mirror-filter-ids "$filter" --query 'TrafficMirrorFilters[0].EgressFilterRules[0].[TrafficDirection,RuleNumber,Protocol,DestinationPortRange.FromPort,DestinationPortRange.ToPort]' --output text | tr '\t' ' ')"

# tcpdump in the monitor: the VXLAN it receives, decoded (-v shows the inner IP header, -A the payload).
# Started for one batch of traffic at a time, and waited on until it listens.
capture() {
    local name=$1
    on monitor timeout 20 tcpdump -i eth0 -nn -l -v -A udp port 4789 >"$work/$name.txt" 2>"$work/$name.err" &
    background_pids+=($!)
    wait_until 10 grep -q "listening on" "$work/$name.err"
}
# Waits for the capture to have seen `count` VXLAN packets or 3 s, then stops it.
finish_capture() {
    local name=$1 count=$2
    wait_until 3 sh -c "[ \$(grep -c 'VXLAN' $work/$name.txt) -ge $count ]"
    on monitor pkill -INT -x tcpdump 2>/dev/null
    wait_until 5 grep -q "packets captured" "$work/$name.err"
}
s3=s3.ap-northeast-2.amazonaws.com

check "tcpdump listens in the monitor" capture blocked
on jh-test-Public-EC2 curl -s -m 5 -o /dev/null "http://$s3/"
finish_capture blocked 1
check_equal "the monitor's group does not allow UDP 4789: nothing reaches it" 0 "$(grep -c VXLAN "$work/blocked.txt")"
check "… and the router counts the copies its group refused (mirror_security_group)" \
    test "$(drop_count "$s" mirror_security_group)" -gt 0

check "authorize-security-group-ingress UDP 4789 from the VPC for the monitor" \
    sh -c "$VPCLAB ec2 authorize-security-group-ingress --stack-name $s --group-id $sg --protocol udp --port 4789 --cidr 10.10.0.0/16 >/dev/null"
check "tcpdump listens in the monitor" capture http
on jh-test-Public-EC2 curl -s -m 5 -o /dev/null "http://$s3/"
on jh-test-Public-EC2 ping -c 2 -i 0.2 -W 2 "$s3" >/dev/null
finish_capture http 4
http=$(cat "$work/http.txt")
check_contains "tcpdump -i eth0 udp port 4789 in the monitor: VXLAN with the session's VNI" "VXLAN, flags [I] (0x08), vni 4242" "$http"
check_contains "… sent from the source ENI's primary address to the monitor's, port 4789" "$source_ip." "$(grep -E "> $monitor_ip\.4789" <<<"$http")"
check_contains "… holding the public instance's HTTP request as it sent it (its private address)" "GET / HTTP/1.1" "$http"
check_contains "… to port 80" "$source_ip." "$(grep -E '\.80: Flags' <<<"$http")"
check_not "the ping (not selected by the filter) was not copied" grep -q "ICMP echo" "$work/http.txt"

# The same copies written as a pcap in the monitor and read by Wireshark's tshark, which decodes VXLAN on 4789.
on monitor timeout 10 tcpdump -i eth0 -U -w - udp port 4789 >"$work/vxlan.pcap" 2>"$work/vxlan.err" &
background_pids+=($!)
wait_until 10 grep -q "listening on" "$work/vxlan.err"
on jh-test-Public-EC2 curl -s -m 5 -o /dev/null "http://$s3/"
wait_until 3 sh -c "[ \$(stat -c %s $work/vxlan.pcap) -gt 400 ]"
on monitor pkill -INT -x tcpdump 2>/dev/null
wait_until 5 grep -q "packets captured" "$work/vxlan.err"
check_equal "tshark (Wireshark) reads the monitor's capture: VNI 4242, the inner HTTP GET from the public instance" "4242 GET $source_ip" \
    "$(tshark -r "$work/vxlan.pcap" -Y 'vxlan && http.request' -T fields -e vxlan.vni -e http.request.method -e ip.src 2>/dev/null | head -n1 | awk '{split($3, a, ","); print $1, $2, a[2]}')"

# --- a second session, tried after the first ---
filter2=$(ec2 create-traffic-mirror-filter --query TrafficMirrorFilter.TrafficMirrorFilterId --output text)
for direction in egress ingress; do  # made with the real aws CLI
    aws_cli ec2 create-traffic-mirror-filter-rule --traffic-mirror-filter-id "$filter2" --traffic-direction $direction --rule-number 10 --rule-action accept \
        --source-cidr-block 0.0.0.0/0 --destination-cidr-block 0.0.0.0/0 >/dev/null
done
session2=$(ec2 create-traffic-mirror-session --network-interface-id "$source_eni" --traffic-mirror-target-id "$target" \
    --traffic-mirror-filter-id "$filter2" --session-number 2 --virtual-network-id 7 --query TrafficMirrorSession.TrafficMirrorSessionId --output text)
check "a second session (number 2, VNI 7) whose filter accepts everything both ways" grep -q '^tms-' <<<"$session2"
check "tcpdump listens in the monitor" capture two
on jh-test-Public-EC2 curl -s -m 5 -o /dev/null "http://$s3/"
on jh-test-Public-EC2 ping -c 2 -i 0.2 -W 2 "$s3" >/dev/null
finish_capture two 8
two=$(cat "$work/two.txt")
check_contains "the ping, which session 1's filter does not accept, is copied by session 2 (VNI 7)" "ICMP echo request" "$two"
check_contains "… and its reply (ingress)" "ICMP echo reply" "$two"
# The VNI of the copies that hold the HTTP request (the last VXLAN header tcpdump printed before it).
request_vnis() { awk '/vni [0-9]+/ { match($0, /vni [0-9]+/); v = substr($0, RSTART, RLENGTH) } /GET \/ HTTP/ { print v }' "$1" | sort -u | tr -d '\n'; }
check_equal "HTTP requests still go by session 1 (VNI 4242): the lower number is tried first" "vni 4242" "$(request_vnis "$work/two.txt")"
check "modify-traffic-mirror-session --session-number 3 for the first session" \
    sh -c "$VPCLAB ec2 modify-traffic-mirror-session --stack-name $s --traffic-mirror-session-id $session --session-number 3 >/dev/null"
check "tcpdump listens in the monitor" capture swapped
on jh-test-Public-EC2 curl -s -m 5 -o /dev/null "http://$s3/"
finish_capture swapped 2
check_equal "now the second session (number 2) copies HTTP too" "vni 7" "$(request_vnis "$work/swapped.txt")"

# --- what is refused, and the counters ---
check_contains "delete-traffic-mirror-target while a session uses it: TrafficMirrorTargetInUseException" "TrafficMirrorTargetInUseException" \
    "$(ec2 delete-traffic-mirror-target --traffic-mirror-target-id "$target" 2>&1)"
check_equal "… and the target is still there" "$target" "$(ec2 describe-traffic-mirror-targets --query 'TrafficMirrorTargets[0].TrafficMirrorTargetId' --output text)"
check_contains "a third session on the ENI with a number another has (2): InvalidParameterValue" "InvalidParameterValue" \
    "$(ec2 create-traffic-mirror-session --network-interface-id "$source_eni" --traffic-mirror-target-id "$target" --traffic-mirror-filter-id "$filter" --session-number 2 2>&1)"
check "delete-traffic-mirror-session, both" sh -c "$VPCLAB ec2 delete-traffic-mirror-session --stack-name $s --traffic-mirror-session-id $session >/dev/null && $VPCLAB ec2 delete-traffic-mirror-session --stack-name $s --traffic-mirror-session-id $session2 >/dev/null"
check "tcpdump listens in the monitor" capture none
on jh-test-Public-EC2 curl -s -m 5 -o /dev/null "http://$s3/"
finish_capture none 1
check_equal "no session: nothing mirrored" 0 "$(grep -c VXLAN "$work/none.txt")"
check "delete-traffic-mirror-filter-rule, -filter (both) and -target" sh -c "
    $VPCLAB ec2 delete-traffic-mirror-filter-rule --stack-name $s --traffic-mirror-filter-rule-id $rule >/dev/null &&
    $VPCLAB ec2 delete-traffic-mirror-filter --stack-name $s --traffic-mirror-filter-id $filter >/dev/null &&
    $VPCLAB ec2 delete-traffic-mirror-filter --stack-name $s --traffic-mirror-filter-id $filter2 >/dev/null &&
    $VPCLAB ec2 delete-traffic-mirror-target --stack-name $s --traffic-mirror-target-id $target >/dev/null"
count() { ec2 "describe-traffic-mirror-$1" --output json | python3 -c 'import json, sys; print(len(next(iter(json.load(sys.stdin).values()))))'; }
check_equal "… none left" "0 0 0" "$(count targets) $(count filters) $(count sessions)"

check "vpclab down" "$VPCLAB" down --stack-name "$s"
finish
