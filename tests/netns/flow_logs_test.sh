#!/usr/bin/env bash
# VPC Flow Logs with real tools, on the first seed lab: a blocked ping gives REJECT records (the receiver's
# ingress) beside the sender's ACCEPT; an ssh session gives ACCEPT records with the packets and bytes
# the private instance's tcpdump saw; a custom format prints its fields in order; DNS to the VPC resolver
# is not logged; filter-log-events selects by pattern; `logs tail` prints the group; an S3 flow log writes
# gzip objects under the AWS key layout in the stack's directory; deleting the flow log stops the records.
source "$(dirname "$0")/lib.sh"

s=$(new_stack flow)
ec2() { "$VPCLAB" ec2 "$@" --stack-name "$s"; }
logs() { "$VPCLAB" logs "$@" --stack-name "$s"; }
on() { local who=$1; shift; "$VPCLAB" exec --stack-name "$s" "$who" -- "$@"; }

# --flow-log-speedup 60: a 60-second aggregation window lasts one second.
check "the seed lab comes up with flow logs' windows sped up" "$VPCLAB" up --stack-name "$s" --flow-log-speedup 60
vpc=$(ec2 describe-vpcs --query 'Vpcs[0].VpcId' --output text)
pub_eni=$(ec2 describe-instances --filters Name=tag:Name,Values=jh-test-Public-EC2 --query 'Reservations[0].Instances[0].NetworkInterfaces[0].NetworkInterfaceId' --output text)
priv_eni=$(ec2 describe-instances --filters Name=tag:Name,Values=jh-test-Private-EC2 --query 'Reservations[0].Instances[0].NetworkInterfaces[0].NetworkInterfaceId' --output text)
public_subnet=$(ec2 describe-subnets --filters Name=tag:Name,Values=jh-test-Public-SN --query 'Subnets[0].SubnetId' --output text)

fl=$(ec2 create-flow-logs --resource-type VPC --resource-ids "$vpc" --traffic-type ALL --log-group-name class-flows \
    --max-aggregation-interval 60 --deliver-logs-permission-arn arn:aws:iam::123456789012:role/flow-logs --query 'FlowLogIds[0]' --output text)
check_contains "create-flow-logs makes an fl-…" "fl-" "$fl"
custom=$(ec2 create-flow-logs --resource-type NetworkInterface --resource-ids "$priv_eni" --log-group-name custom-flows --max-aggregation-interval 60 \
    --log-format '${flow-direction} ${action} ${instance-id} ${dstport} ${srcaddr} ${tcp-flags}' --query 'FlowLogIds[0]' --output text)
s3_log=$(ec2 create-flow-logs --resource-type Subnet --resource-ids "$public_subnet" --log-destination-type s3 \
    --log-destination arn:aws:s3:::class-bucket/flows/ --max-aggregation-interval 60 --query 'FlowLogIds[0]' --output text)
check_contains "… to S3 too" "fl-" "$s3_log"
check_equal "describe-flow-logs shows them ACTIVE" "ACTIVE ACTIVE ACTIVE" "$(ec2 describe-flow-logs --query 'FlowLogs[].FlowLogStatus' --output text | tr '\t' ' ')"
check_contains "describe-log-groups lists the groups the flow logs made" "class-flows" "$(logs describe-log-groups --query 'logGroups[].logGroupName' --output text)"
err=$(ec2 create-flow-logs --resource-type VPC --resource-ids "$vpc" --log-group-name g --log-format '${version} ${nosuch}' 2>&1)
check_contains "a format with an unknown field is refused, naming it" '${nosuch}' "$err"
check_equal "… and no flow log was made" "3" "$(ec2 describe-flow-logs --query 'FlowLogs[].FlowLogId' --output text | wc -w)"

# The seed's group lets no ICMP in: the ping is the sender's egress ACCEPT and the receiver's ingress REJECT.
check_not "ping across subnets gets no reply" on jh-test-Public-EC2 ping -c 2 -W 1 -i 0.3 10.10.1.4
icmp_reject='[version, account, eni, source="10.10.0.4", destination="10.10.1.4", srcport, destport, protocol="1", packets, bytes, start, end, action="REJECT", status]'
check "REJECT records appear for the ping (filter-log-events with the guide's bracket pattern)" \
    wait_until 15 sh -c "$VPCLAB logs filter-log-events --stack-name $s --log-group-name class-flows --filter-pattern '$icmp_reject' --query 'events[].message' --output text | grep -q REJECT"
rejects=$(logs filter-log-events --log-group-name class-flows --filter-pattern "$icmp_reject" --query 'events[].message' --output text | tr '\t' '\n')
check_contains "… on the private instance's ENI" "$priv_eni" "$rejects"
check_equal "… two packets of 84 bytes" "2 168" "$(awk '{p += $9; b += $10} END {print p, b}' <<<"$rejects")"
check_contains "the public instance's egress is an ACCEPT (its group lets all out)" "$pub_eni 10.10.0.4 10.10.1.4 0 0 1 " \
    "$(logs filter-log-events --log-group-name class-flows --log-stream-names "$pub_eni-all" --filter-pattern ACCEPT --query 'events[].message' --output text)"
check_contains "the custom format prints its fields in order" "ingress REJECT" \
    "$(logs filter-log-events --log-group-name custom-flows --query 'events[].message' --output text)"
check_contains "… the instance, port 0 and the source" "i-" "$(logs filter-log-events --log-group-name custom-flows --filter-pattern REJECT --query 'events[0].message' --output text)"

# An ssh session: every packet both instances exchanged, ACCEPT, counted as tcpdump saw them.
"$VPCLAB" exec --stack-name "$s" jh-test-Private-EC2 -- timeout 30 tcpdump -l -n -v -i eth0 'tcp port 22' >"/tmp/$s-td.out" 2>"/tmp/$s-td.err" &
capture=$!
background_pids+=("$capture")
check "tcpdump in the private instance is listening" wait_until 10 grep -q "listening on" "/tmp/$s-td.err"
out=$(on jh-test-Public-EC2 timeout 20 sshpass -p qwe123 ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR root@10.10.1.4 hostname 2>&1)
check_contains "ssh root@10.10.1.4 works" "ip-10-10-1-4" "$out"
ssh_in='[version, account, eni, source="10.10.0.4", destination="10.10.1.4", srcport, destport="22", protocol="6", packets, bytes, start, end, action="ACCEPT", status]'
# The session's records: published once the windows it spanned close (a second each).
sum_records() { logs filter-log-events --log-group-name class-flows --log-stream-names "$priv_eni-all" --filter-pattern "$ssh_in" --query 'events[].message' --output text | tr '\t' '\n' | awk '{p += $9; b += $10} END {print p + 0, b + 0}'; }
sleep_until_quiet() { local a b; a=$(sum_records); wait_until 3 false; b=$(sum_records); [ "$a" = "$b" ] && [ "$a" != "0 0" ]; }
check "the session's ingress records on the private ENI are published" wait_until 20 sleep_until_quiet
kill "$capture" 2>/dev/null  # timeout passes the TERM on to tcpdump
wait "$capture" 2>/dev/null
check "tcpdump has stopped" test -z "$(ip netns pids "$s-jh-test-Private-EC2" | xargs -r ps -o comm= -p | grep tcpdump)"
seen=$(grep -c "proto TCP (6), length" "/tmp/$s-td.out")
seen_bytes=$(grep -o "proto TCP (6), length [0-9]*" "/tmp/$s-td.out" | awk '{b += $5} END {print b + 0}')
# tcpdump saw both ways; the ingress records count the packets to port 22.
to_ssh=$(grep -A1 "proto TCP (6), length" "/tmp/$s-td.out" | grep -c "10.10.0.4.[0-9]* > 10.10.1.4.22:")
to_ssh_bytes=$(paste - - < <(grep -A1 "proto TCP (6), length" "/tmp/$s-td.out" | grep -v '^--$') | grep "10.10.0.4.[0-9]* > 10.10.1.4.22:" |
    grep -o "proto TCP (6), length [0-9]*" | awk '{b += $5} END {print b + 0}')
check_equal "the records' packets and bytes to port 22 are what tcpdump saw arrive ($seen packets, $seen_bytes bytes both ways)" "$to_ssh $to_ssh_bytes" "$(sum_records)"
check "… more than a handshake's worth" test "$to_ssh" -gt 5
rm -f "/tmp/$s-td.out" "/tmp/$s-td.err"

# DNS to the VPC resolver (10.10.0.2) is not logged; a UDP datagram to another instance is.
check_equal "dig +short from the private instance" "198.18.10.10" "$(on jh-test-Private-EC2 dig +short +time=2 s3.ap-northeast-2.amazonaws.com)"
on jh-test-Public-EC2 sh -c 'echo x | nc -u -w1 10.10.1.4 9999' || true
udp='[version, account, eni, source, destination, srcport, destport="9999", protocol="17", ...]'
check "the UDP datagram is logged" wait_until 15 sh -c "$VPCLAB logs filter-log-events --stack-name $s --log-group-name class-flows --filter-pattern '$udp' --query 'events[].message' --output text | grep -q 9999"
check_equal "… and no record names the resolver" "" \
    "$(logs filter-log-events --log-group-name class-flows --filter-pattern '[version, account, eni, source, destination="10.10.0.2", ...]' --query 'events[].message' --output text)"
check_contains "idle ENIs say NODATA" "NODATA" "$(logs filter-log-events --log-group-name class-flows --filter-pattern NODATA --limit 1 --query 'events[0].message' --output text)"

# logs tail, and the S3 objects.
check_contains "logs tail prints the group's events with their streams" "$priv_eni-all" "$(logs tail class-flows --since 5m --filter-pattern REJECT)"
objects=$(find "/run/vpclab/$s/s3/class-bucket/flows/AWSLogs/123456789012/vpcflowlogs/ap-northeast-2" -name "123456789012_vpcflowlogs_ap-northeast-2_${s3_log}_*.log.gz" 2>/dev/null)
check "the S3 flow log wrote gzip objects under AWS's key layout" test -n "$objects"
check_contains "… each starting with the format's header line" "version account-id interface-id srcaddr dstaddr" "$(zcat $objects | head -n1)"
check_contains "… with the public subnet's records" "$pub_eni" "$(zcat $objects)"

# Deleted: no more records.
check_equal "delete-flow-logs" "" "$(ec2 delete-flow-logs --flow-log-ids "$fl" "$custom" "$s3_log" --query 'Unsuccessful[]' --output text)"
before=$(logs filter-log-events --log-group-name class-flows --query 'events[].eventId' --output text | wc -w)
wait_until 3 false  # three windows pass
check_equal "… and no record comes after" "$before" "$(logs filter-log-events --log-group-name class-flows --query 'events[].eventId' --output text | wc -w)"

check "down" "$VPCLAB" down --stack-name "$s"
check_equal "nothing of the stack is left (the S3 objects went with its directory)" "" "$(stack_leftovers "$s")"
finish
