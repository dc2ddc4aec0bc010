#!/usr/bin/env bash
# The first seed lab, verbatim, with real tools. One lab is shared by all checks here.
#
#   jh-test-Public-EC2 (10.10.0.4, public subnet)          jh-test-Private-EC2 (10.10.1.4, private subnet)
#        eth0 ── TAP ──┐                                    ┌── TAP ── eth0
#                      └──── vpclab router (this stack) ────┘
#   public RT: 10.10.0.0/16 local, 0.0.0.0/0 → IGW          private RT: 10.10.0.0/16 local only
source "$(dirname "$0")/lib.sh"

stack=$(new_stack seed)
out=$("$VPCLAB" up "$SOURCE_DIR/labs/endpoints-lab.yaml" --stack-name "$stack" --strict 2>&1)
up_out=$out
check "the seed template comes up verbatim (even with --strict)" test $? = 0
check_contains "up lists the instances" "jh-test-Private-EC2" "$out"
check_contains "up reports the UserData it did not run" "UserData of jhPrivateEC2 is never run as a script" "$out"
check_contains "… and what it read in it, line by line" "line 2: set root's password" "$out"

pub="$VPCLAB exec --stack-name $stack jh-test-Public-EC2 --"
priv="$VPCLAB exec --stack-name $stack jh-test-Private-EC2 --"

# --- the instance as a user sees it ---
check_equal "hostname is the EC2 name" "ip-10-10-1-4" "$($priv hostname)"
check_contains "eth0 has the private address" "10.10.1.4/24" "$($priv ip -o -4 addr show dev eth0)"
check_contains "MTU 9001 (AWS jumbo frames)" "mtu 9001" "$($priv ip link show dev eth0)"
check_contains "MAC is locally administered 02:…" "link/ether 02:" "$($priv ip link show dev eth0)"
check_contains "default route via the subnet router base+1" "default via 10.10.1.1 dev eth0" "$($priv ip route)"
check_contains "resolv.conf names the VPC resolver base+2" "nameserver 10.10.0.2" "$($priv cat /etc/resolv.conf)"
check_equal "exec passes the exit status through" "3" "$($priv sh -c 'exit 3'; echo $?)"
check_contains "ip netns exec works on vpclab's namespaces too" "10.10.0.4" "$(ip netns exec "$stack-jh-test-Public-EC2" ip -o -4 addr)"

shell_out=$(echo 'echo "inside: $(hostname)"; exit 0' | "$VPCLAB" shell --stack-name "$stack" jh-test-Private-EC2 2>&1)
check_contains "vpclab shell runs on the instance" "inside: ip-10-10-1-4" "$shell_out"
check_contains "vpclab shell's prompt shows the hostname and instance name" "[root@ip-10-10-1-4 jh-test-Private-EC2" "$shell_out"

# --- across subnets ---
# The seed's group lets in only HTTP and SSH, as on AWS: ping gets no reply until an ICMP rule is added.
sg=$("$VPCLAB" ec2 describe-security-groups --stack-name "$stack" --filters Name=group-name,Values='*jhSecurityGroup*' --query 'SecurityGroups[0].GroupId' --output text)
check_contains "the seed's group is there" "sg-" "$sg"
before_sg=$(drop_count "$stack" security_group_ingress)
# Why, before anything is sent: the trace's dry run stops at the private instance's group and names the rule to add.
json=$("$VPCLAB" trace --stack-name "$stack" jh-test-Public-EC2 jh-test-Private-EC2 --output json)
check_contains "trace: the ping is not delivered" '"Delivered": false' "$json"
check_contains "… dropped at the receiving ENI's security group" '"DropReason": "security_group_ingress"' "$json"
public_rt=$("$VPCLAB" ec2 describe-route-tables --stack-name "$stack" --filters Name=tag:Name,Values=jh-test-Public-RT --query 'RouteTables[0].RouteTableId' --output text)
check_contains "… after the sender's route table's local route, by ID" "\"RouteTableId\": \"$public_rt\", \"Route\": {\"DestinationCidrBlock\": \"10.10.0.0/16\", \"GatewayId\": \"local\"" \
    "$("$VPCLAB" trace --stack-name "$stack" jh-test-Public-EC2 jh-test-Private-EC2 --output json | tr -d '\n' | sed 's/  */ /g; s/{ /{/g; s/ }/}/g')"
text=$("$VPCLAB" trace --stack-name "$stack" jh-test-Public-EC2 10.10.1.4)
check_contains "… dropped at the private instance's group, which it names" "sg_ingress          drop     no inbound rule of $sg (jhSecurityGroup) allows it" "$text"
check_contains "… and says what to change" "fix: allow icmp echo-request from 10.10.0.4/32 in $sg (jhSecurityGroup) inbound" "$text"
# …and the real ping, watched as it happens: trace --live records the next frame to the private instance.
"$VPCLAB" trace --live --stack-name "$stack" jh-test-Private-EC2 --protocol icmp --count 1 --timeout 20 >"/tmp/$stack-live.out" 2>&1 &
live=$!
background_pids+=($live)
check "trace --live starts" wait_until 5 grep -q "tracing the next 1 frame" "/tmp/$stack-live.out"
check_not "ping across subnets gets no reply: the seed's group has no ICMP rule" $pub ping -c 1 -W 1 10.10.1.4
check "trace --live shows the ping dropped at the group, as the dry run said" wait_until 10 grep -q "dropped: security_group_ingress" "/tmp/$stack-live.out"
wait $live
check_contains "… stage by stage" "sg_ingress          drop" "$(cat "/tmp/$stack-live.out")"
rm -f "/tmp/$stack-live.out"
check "… counted as security_group_ingress" test "$(drop_count "$stack" security_group_ingress)" -gt "$before_sg"
check_not "a trace from something that is no instance is refused" "$VPCLAB" trace --stack-name "$stack" no-such-instance 10.10.1.4
check_contains "… saying so" "Source 'no-such-instance' is no instance" "$("$VPCLAB" trace --stack-name "$stack" no-such-instance 10.10.1.4 2>&1)"
icmp_rule=$("$VPCLAB" ec2 authorize-security-group-ingress --stack-name "$stack" \
    --group-id "$sg" --protocol icmp --port -1 --cidr 10.10.0.0/16 --query 'SecurityGroupRules[0].SecurityGroupRuleId' --output text)
check_contains "authorize-security-group-ingress --protocol icmp --port -1" "sgr-" "$icmp_rule"
json=$("$VPCLAB" trace --stack-name "$stack" jh-test-Public-EC2 jh-test-Private-EC2 --output json)
check_contains "now the trace is delivered both ways" '"Delivered": true' "$json"
check_contains "… let in by the new rule" "\"SecurityGroupRuleId\": \"$icmp_rule\"" "$json"
check_contains "… and the reply by the tracked connection" '"How": "tracked connection"' "$json"
check_contains "a trace from the internet to ssh on the public instance passes the IGW" '"Delivered": true' \
    "$("$VPCLAB" trace --stack-name "$stack" region jh-test-Public-EC2 --port 22 --output json)"
# A dry run changes no table. The public instance's group lets everything out and only 22 and 80 in, so a
# trace from it to S3's port 8080 would, for real, open a tracked connection that lets S3's 8080 back in to
# its port 40000. After the trace, a SYN from there is still judged by the rules: dropped, and counted.
check_contains "a trace out to S3 on 8080 is delivered (all traffic may leave)" '"Delivered": true' \
    "$("$VPCLAB" trace --stack-name "$stack" jh-test-Public-EC2 198.18.10.10 --port 8080 --source-port 40000 --output json)"
public_ip=$("$VPCLAB" ec2 describe-instances --stack-name "$stack" --filters Name=tag:Name,Values=jh-test-Public-EC2 \
    --query 'Reservations[0].Instances[0].PublicIpAddress' --output text)
before_in=$(drop_count "$stack" security_group_ingress jh-test-Public-EC2)
"$VPCLAB" exec --stack-name "$stack" region -- nc -z -w 1 -s 198.18.10.10 -p 8080 "$public_ip" 40000 >/dev/null 2>&1
check "… and left no tracked connection: S3's 8080 to its port 40000 is dropped by the group" \
    wait_until 5 test "$(drop_count "$stack" security_group_ingress jh-test-Public-EC2)" -gt "$before_in"
check "public pings private across subnets" $pub ping -c 3 -W 2 -i 0.2 10.10.1.4
check "private pings public" $priv ping -c 1 -W 2 10.10.0.4
check_contains "replies keep TTL 64: the VPC router is not a hop" "ttl=64" "$($pub ping -c 1 -W 2 10.10.1.4)"
trace=$($pub traceroute -I -n -q 1 -w 2 -m 5 10.10.1.4)  # ICMP probes: the group lets ICMP in now
check_equal "traceroute between instances shows one hop" "1" "$(grep -c '^ *[0-9]' <<<"$trace")"

# TCP: a listener started with vpclab exec on port 80 (the group allows it), reached from the other subnet.
$priv timeout 15 nc -l 80 >"/tmp/$stack-nc.out" &
background_pids+=($!)
check "the listener on port 80 comes up" wait_until 5 sh -c "$priv ss -ltn | grep -q ':80 '"
echo "hello from the public subnet" | $pub nc -q 1 -w 3 10.10.1.4 80
check "TCP across subnets carries data" wait_until 5 grep -q "hello from the public subnet" "/tmp/$stack-nc.out"
rm -f "/tmp/$stack-nc.out"

# tcpdump inside the private instance captures the ICMP.
$priv timeout 15 tcpdump -l -n -c 2 -i eth0 icmp >"/tmp/$stack-td.out" 2>"/tmp/$stack-td.err" &
td=$!
background_pids+=($td)
check "tcpdump starts listening" wait_until 5 grep -q "listening on eth0" "/tmp/$stack-td.err"
$pub ping -c 1 -W 2 10.10.1.4 >/dev/null
wait $td
captured=$(cat "/tmp/$stack-td.out")
check_contains "tcpdump sees the echo request" "10.10.0.4 > 10.10.1.4: ICMP echo request" "$captured"
check_contains "tcpdump sees the echo reply" "10.10.1.4 > 10.10.0.4: ICMP echo reply" "$captured"
rm -f "/tmp/$stack-td.out" "/tmp/$stack-td.err"

# --- the blog's section 2.1.3: S3 from the public instance, and not from the private one ---
s3=s3.ap-northeast-2.amazonaws.com
out=$($pub ping -c 3 -W 2 -i 0.3 $s3)
check_contains "public → S3 by name: 3 replies" "3 packets transmitted, 3 received" "$out"
check_contains "… printed with S3's name, as in the blog" "64 bytes from s3.ap-northeast-2.amazonaws.com (198.18.10.10)" "$out"
before=$(drop_count "$stack" no_route)
check_not "private → S3 gets no reply (the ping hangs)" $priv ping -c 2 -W 1 -i 0.2 $s3
after=$(drop_count "$stack" no_route)
check "the no_route drop counter rose by 2 ($before → $after)" test "$after" -eq $((before + 2))
# Reachability Analyzer says the same, in the EC2 API's shapes: no route in the private table.
private_instance=$("$VPCLAB" ec2 describe-instances --stack-name "$stack" --filters Name=tag:Name,Values=jh-test-Private-EC2 --query 'Reservations[0].Instances[0].InstanceId' --output text)
private_rt=$("$VPCLAB" ec2 describe-route-tables --stack-name "$stack" --filters Name=tag:Name,Values=jh-test-Private-RT --query 'RouteTables[0].RouteTableId' --output text)
s3_path=$("$VPCLAB" ec2 create-network-insights-path --stack-name "$stack" --source "$private_instance" --destination-ip 198.18.10.10 \
    --protocol tcp --destination-port 443 --query NetworkInsightsPath.NetworkInsightsPathId --output text)
check_contains "create-network-insights-path makes a nip-…" "nip-" "$s3_path"
analysis=$("$VPCLAB" ec2 start-network-insights-analysis --stack-name "$stack" --network-insights-path-id "$s3_path" --query NetworkInsightsAnalysis.NetworkInsightsAnalysisId --output text)
check_equal "the analysis: no path, for want of a route in the private table" "False	NO_ROUTE_TO_DESTINATION	$private_rt" \
    "$("$VPCLAB" ec2 describe-network-insights-analyses --stack-name "$stack" --network-insights-analysis-ids "$analysis" \
        --query 'NetworkInsightsAnalyses[0].[NetworkPathFound,Explanations[0].ExplanationCode,Explanations[0].RouteTable.Id]' --output text)"
check_contains "ICMP is not Reachability Analyzer's (tcp or udp), and the refusal says to trace it" "vpclab trace" \
    "$("$VPCLAB" ec2 create-network-insights-path --stack-name "$stack" --source "$private_instance" --destination-ip 198.18.10.10 --protocol icmp 2>&1)"
check_equal "… and no path was made of it" "$s3_path" "$("$VPCLAB" ec2 describe-network-insights-paths --stack-name "$stack" --query 'NetworkInsightsPaths[].NetworkInsightsPathId' --output text)"
one=$("$VPCLAB" stats jh-test-Private-EC2 --stack-name "$stack")
check_contains "stats INSTANCE shows that instance's ENI" "jh-test-Private-EC2" "$one"
check_contains "… and the drops that entered on it" "no_route" "$one"
check_equal "… and no other instance's rows" "" "$(grep "jh-test-Public-EC2" <<<"$one")"
check_equal "stats of an unknown instance is a usage error" "252" "$("$VPCLAB" stats nosuch --stack-name "$stack" >/dev/null 2>&1; echo $?)"
for who in pub priv; do
    ask=${!who}
    check_equal "dig +short S3 from $who: its public address" "198.18.10.10" "$($ask dig +short $s3)"
    check_equal "dig +short CloudFormation from $who: its public address" "198.18.12.10" "$($ask dig +short cloudformation.ap-northeast-2.amazonaws.com)"
done
public_ip=$("$VPCLAB" ls --stack-name "$stack" | awk '$2 == "jh-test-Public-EC2" {print $7}')
check_contains "curl from the public instance: S3 saw its public address" "your address as seen here: $public_ip" "$($pub curl -s -m 5 http://$s3/)"

# --- the blog's ssh step: from the public instance, `ssh root@10.10.1.xx` with the UserData's password ---
host_known_hosts=$(sha256sum /root/.ssh/known_hosts 2>&1)  # the host's, whatever it holds (or that it is absent)
ssh_priv="timeout 20 sshpass -p qwe123 ssh -o StrictHostKeyChecking=accept-new -o ConnectTimeout=5 root@10.10.1.4"
out=$($pub $ssh_priv 'hostname; ping -c 1 -W 1 s3.ap-northeast-2.amazonaws.com >/dev/null; echo "ping s3: $?"' 2>&1)
check_contains "ssh root@10.10.1.4 with qwe123 gives a shell on the private instance" "ip-10-10-1-4" "$out"
check_contains "… whose ping to S3 gets nothing, as the private instance's" "ping s3: 1" "$out"
check_contains "the login is in the private instance's /var/log/secure" "Password auth succeeded for 'root' from 10.10.0.4" "$($priv cat /var/log/secure)"
check_contains "… the host key is kept in the public instance's own known_hosts" "10.10.1.4 ssh-ed25519" "$($pub cat /root/.ssh/known_hosts)"
check_equal "… the host's known_hosts is as it was" "$host_known_hosts" "$(sha256sum /root/.ssh/known_hosts 2>&1)"
out=$(printf 'hostname\nexit\n' | $pub timeout 20 sshpass -p qwe123 ssh -tt root@10.10.1.4 2>&1 | tr -d '\r')
check_contains "an interactive login shows Amazon Linux's motd" "Amazon Linux 2 AMI" "$out"
check_contains "… and its prompt" "[root@ip-10-10-1-4 ~]#" "$out"
check_equal "a wrong password is refused (sshpass: 5)" "5" "$($pub timeout 20 sshpass -p wrong ssh root@10.10.1.4 true >/dev/null 2>&1; echo $?)"

# The blog's whole path: from outside (the region: the internet, the reader's laptop) `ssh -i KEY.pem
# ec2-user@<public IP>` with the template's KeyName pair, then from there `ssh root@10.10.1.xx`.
key="/run/vpclab/$stack/vpclab-KeyName.pem"
check_contains "up said where the KeyName pair's private key is" "its private key is $key" "$up_out"
check "… a private key only root reads" test "$(stat -c %a "$key")" = 600
region="$VPCLAB exec --stack-name $stack region --"
out=$($region timeout 30 ssh -i "$key" -o StrictHostKeyChecking=accept-new -o ConnectTimeout=5 "ec2-user@$public_ip" \
    "id -un; hostname; timeout 20 sshpass -p qwe123 ssh -o StrictHostKeyChecking=accept-new root@10.10.1.4 hostname" 2>&1)
check_contains "ssh -i the key ec2-user@<public IP> from the internet lands on the public instance" "ec2-user
ip-10-10-0-4" "$out"
check_contains "… and ssh root@10.10.1.4 from there on the private one" "ip-10-10-1-4" "$out"
check_contains "the key pair is listed, with its public key" "ssh-rsa" \
    "$("$VPCLAB" ec2 describe-key-pairs --stack-name "$stack" --key-names vpclab-KeyName --include-public-key --query 'KeyPairs[0].PublicKey' --output text)"

# tcpdump on both sides of the IGW: the region sees the public address, the instance its private one.
region="$VPCLAB exec --stack-name $stack region --"
$region timeout 15 tcpdump -l -n -c 1 -i eth0 icmp >"/tmp/$stack-r.out" 2>"/tmp/$stack-r.err" &
background_pids+=($!)
$pub timeout 15 tcpdump -l -n -c 1 -i eth0 icmp >"/tmp/$stack-i.out" 2>"/tmp/$stack-i.err" &
background_pids+=($!)
check "both captures start" wait_until 5 sh -c "grep -q listening /tmp/$stack-r.err && grep -q listening /tmp/$stack-i.err"
$pub ping -c 1 -W 2 $s3 >/dev/null
check "the region's capture sees the public source address" wait_until 5 grep -q "IP $public_ip > 198.18.10.10: ICMP echo request" "/tmp/$stack-r.out"
check "the instance's capture sees its private source address" wait_until 5 grep -q "IP 10.10.0.4 > 198.18.10.10: ICMP echo request" "/tmp/$stack-i.out"
rm -f /tmp/$stack-[ri].out /tmp/$stack-[ri].err

# --- source/destination check: a spoofed source is dropped ---
before=$(drop_count "$stack" source_dest_check_source)
$pub ip addr add 10.10.0.99/32 dev eth0
check_not "a ping from a spoofed source gets no reply" $pub ping -c 2 -W 1 -i 0.2 -I 10.10.0.99 10.10.1.4
after=$(drop_count "$stack" source_dest_check_source)
check "the spoofed packets were counted ($before → $after)" test "$after" -eq $((before + 2))
$pub ip addr del 10.10.0.99/32 dev eth0

# --- the EC2 API ---
rtbs=$("$VPCLAB" ec2 describe-route-tables --stack-name "$stack" --filters Name=tag:Name,Values=jh-test-Private-RT)
private_rt=$(grep -m1 '"RouteTableId"' <<<"$rtbs" | cut -d'"' -f4)
check_contains "describe-route-tables finds the private table by tag" "rtb-" "$private_rt"
check_contains "the private table has the local route" '"GatewayId": "local"' "$rtbs"
igw=$("$VPCLAB" ec2 describe-internet-gateways --stack-name "$stack" | grep -m1 InternetGatewayId | cut -d'"' -f4)
check_contains "describe-vpcs shows the VPC" '"CidrBlock": "10.10.0.0/16"' "$("$VPCLAB" ec2 describe-vpcs --stack-name "$stack")"
check_contains "describe-subnets shows the AZ from !Select [2, !GetAZs '']" '"AvailabilityZone": "ap-northeast-2c"' "$("$VPCLAB" ec2 describe-subnets --stack-name "$stack")"
check_contains "describe-instances shows the public IP" '"PublicIpAddress": "198.19.' "$("$VPCLAB" ec2 describe-instances --stack-name "$stack")"
check_contains "describe-security-groups shows port 22" '"FromPort": 22' "$("$VPCLAB" ec2 describe-security-groups --stack-name "$stack")"
check_equal "a wildcard filter selects both subnets" "2" \
    "$("$VPCLAB" ec2 describe-subnets --stack-name "$stack" --filters 'Name=tag:Name,Values=jh-test-*-SN' | grep -c '"SubnetId"')"
err=$("$VPCLAB" ec2 describe-subnets --stack-name "$stack" --filters Name=vpc-idd,Values=x 2>&1)
check_contains "an unknown filter name is refused as EC2 refuses it (not an empty list)" \
    "(InvalidParameterValue) when calling the DescribeSubnets operation: The filter 'vpc-idd' is invalid" "$err"

# A runtime route change is effective on the next packet: with 0.0.0.0/0 → IGW the private instance's
# packet reaches the gateway, which drops it because the instance has no public IP (as on AWS).
before=$(drop_count "$stack" no_public_ip)
check "create-route succeeds" "$VPCLAB" ec2 create-route --stack-name "$stack" --route-table-id "$private_rt" --destination-cidr-block 0.0.0.0/0 --gateway-id "$igw"
$priv ping -c 1 -W 1 $s3 >/dev/null
check "the next packet follows the new route to the IGW (no public IP: dropped there)" test "$(drop_count "$stack" no_public_ip)" -eq $((before + 1))
# replace-route: send 0.0.0.0/0 to the public instance's ENI instead. That ENI keeps its source/destination
# check, so it refuses traffic not addressed to it (as a real instance would without being a NAT).
public_eni=$("$VPCLAB" ec2 describe-instances --stack-name "$stack" --filters Name=tag:Name,Values=jh-test-Public-EC2 | grep -m1 '"NetworkInterfaceId"' | cut -d'"' -f4)
check "replace-route to a network interface succeeds" "$VPCLAB" ec2 replace-route --stack-name "$stack" --route-table-id "$private_rt" --destination-cidr-block 0.0.0.0/0 --network-interface-id "$public_eni"
check_contains "describe-route-tables shows the new target" "\"NetworkInterfaceId\": \"$public_eni\"" "$("$VPCLAB" ec2 describe-route-tables --stack-name "$stack" --route-table-ids "$private_rt")"
before=$(drop_count "$stack" source_dest_check_destination)
$priv ping -c 1 -W 1 $s3 >/dev/null
check "the next packet follows the replaced route to the ENI, whose check drops it" test "$(drop_count "$stack" source_dest_check_destination)" -eq $((before + 1))
check "delete-route succeeds" "$VPCLAB" ec2 delete-route --stack-name "$stack" --route-table-id "$private_rt" --destination-cidr-block 0.0.0.0/0
err=$("$VPCLAB" ec2 delete-route --stack-name "$stack" --route-table-id "$private_rt" --destination-cidr-block 10.10.0.0/16 2>&1)
check_equal "deleting the local route is refused with the aws CLI's exit status" "254" "$("$VPCLAB" ec2 delete-route --stack-name "$stack" --route-table-id "$private_rt" --destination-cidr-block 10.10.0.0/16 >/dev/null 2>&1; echo $?)"
check_contains "… and the aws CLI's message" "An error occurred (InvalidParameterValue) when calling the DeleteRoute operation" "$err"
check_equal "a missing required option is a usage error (252)" "252" "$("$VPCLAB" ec2 create-route --stack-name "$stack" --destination-cidr-block 0.0.0.0/0 --gateway-id "$igw" >/dev/null 2>&1; echo $?)"
check "cross-subnet traffic still flows after the changes" $pub ping -c 1 -W 2 10.10.1.4

# --- the blog's section 2.2: a gateway endpoint to S3 on both route tables ---
ec2() { "$VPCLAB" ec2 "$@" --stack-name "$stack"; }
vpc=$(ec2 describe-vpcs --query 'Vpcs[0].VpcId' --output text)
public_rt=$(ec2 describe-route-tables --filters Name=tag:Name,Values=jh-test-Public-RT --query 'RouteTables[0].RouteTableId' --output text)
check_contains "S3 takes a Gateway endpoint (describe-vpc-endpoint-services)" "com.amazonaws.ap-northeast-2.s3	Gateway" \
    "$(ec2 describe-vpc-endpoint-services --query 'ServiceDetails[].[ServiceName,ServiceType[0].ServiceType]' --output text)"
endpoint=$(ec2 create-vpc-endpoint --vpc-id "$vpc" --vpc-endpoint-type Gateway --service-name com.amazonaws.ap-northeast-2.s3 \
    --route-table-ids "$public_rt" "$private_rt" --query VpcEndpoint.VpcEndpointId --output text)
check_contains "create-vpc-endpoint makes a vpce-…" "vpce-" "$endpoint"
s3_pl=$(ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.ap-northeast-2.s3 --query 'PrefixLists[0].PrefixListId' --output text)
for rt in "$public_rt" "$private_rt"; do
    check_equal "describe-route-tables: $rt has the route $s3_pl → $endpoint" "$s3_pl	$endpoint" \
        "$(ec2 describe-route-tables --route-table-ids "$rt" --query 'RouteTables[0].Routes[-1].[DestinationPrefixListId,GatewayId]' --output text)"
done
check_contains "describe-vpc-endpoints shows it available with both tables" "available" "$(ec2 describe-vpc-endpoints --vpc-endpoint-ids "$endpoint" --query 'VpcEndpoints[0].State' --output text)"
out=$($priv ping -c 3 -W 2 -i 0.3 $s3)
check_contains "private → S3 now gets replies (2.2.2)" "3 packets transmitted, 3 received" "$out"
check_contains "… from S3's name and address, as in the blog" "64 bytes from s3.ap-northeast-2.amazonaws.com (198.18.10.10)" "$out"
check_contains "public → S3 too" "3 packets transmitted, 3 received" "$($pub ping -c 3 -W 2 -i 0.3 $s3)"
out=$($pub curl -s -m 5 http://$s3/)
check_contains "curl from the public instance: S3 now sees its private address (the endpoint beats 0.0.0.0/0 → IGW)" "your address as seen here: 10.10.0.4" "$out"
check_contains "… and says which endpoint it came through" "through gateway endpoint $endpoint" "$out"
check_contains "curl from the private instance: its private address" "your address as seen here: 10.10.1.4" "$($priv curl -s -m 5 http://$s3/)"
analysis=$(ec2 start-network-insights-analysis --network-insights-path-id "$s3_path" --query NetworkInsightsAnalysis.NetworkInsightsAnalysisId --output text)
check_equal "the same path, analysed again: found" "True" \
    "$(ec2 describe-network-insights-analyses --network-insights-analysis-ids "$analysis" --query 'NetworkInsightsAnalyses[0].NetworkPathFound' --output text)"
check_contains "… through the endpoint" "$endpoint" \
    "$(ec2 describe-network-insights-analyses --network-insights-analysis-ids "$analysis" --query 'NetworkInsightsAnalyses[0].ForwardPathComponents[].Component.Id' --output text)"
$region timeout 15 tcpdump -l -n -c 1 -i eth0 icmp >"/tmp/$stack-r.out" 2>"/tmp/$stack-r.err" &
background_pids+=($!)
check "the region's capture starts" wait_until 5 grep -q listening "/tmp/$stack-r.err"
$priv ping -c 1 -W 2 $s3 >/dev/null
check "in the region, the packet comes from the private address (no IGW, no public IP)" wait_until 5 grep -q "IP 10.10.1.4 > 198.18.128.10: ICMP echo request" "/tmp/$stack-r.out"
rm -f /tmp/$stack-r.out /tmp/$stack-r.err
before=$(drop_count "$stack" endpoint_no_flow)
check_not "the region cannot reach the private instance through the endpoint unasked" $region ping -c 1 -W 1 -I 198.18.128.10 10.10.1.4
check "… it is dropped as no flow asked for it" test "$(drop_count "$stack" endpoint_no_flow)" -eq $((before + 1))
err=$(ec2 delete-route --route-table-id "$private_rt" --destination-prefix-list-id "$s3_pl" 2>&1)
check_contains "the endpoint's route cannot be deleted with delete-route" "(InvalidParameterValue) when calling the DeleteRoute operation" "$err"
err=$(ec2 create-vpc-endpoint --vpc-id "$vpc" --service-name com.amazonaws.ap-northeast-2.s3 --route-table-ids "$private_rt" 2>&1)
check_contains "a second S3 endpoint on a table that has one is refused" "(RouteAlreadyExists)" "$err"
err=$(ec2 create-vpc-endpoint --vpc-id "$vpc" --vpc-endpoint-type Gateway --service-name com.amazonaws.ap-northeast-2.cloudformation --route-table-ids "$private_rt" 2>&1)
check_contains "an Interface-only service as Gateway is refused as AWS refuses it" "Endpoint type (Gateway) does not match available service types ([Interface])." "$err"
check_equal "… and nothing changed: one endpoint" "$endpoint" "$(ec2 describe-vpc-endpoints --query 'VpcEndpoints[].VpcEndpointId' --output text)"
# DynamoDB the same way, its route tables named by their Name tags.
dynamo=dynamodb.ap-northeast-2.amazonaws.com
check_not "private → DynamoDB: no reply before its endpoint" $priv ping -c 1 -W 1 $dynamo
dynamo_endpoint=$(ec2 create-vpc-endpoint --vpc-id "$vpc" --service-name com.amazonaws.ap-northeast-2.dynamodb \
    --route-table-ids jh-test-Public-RT jh-test-Private-RT --query VpcEndpoint.VpcEndpointId --output text)
check "private → DynamoDB through its endpoint" $priv ping -c 1 -W 2 $dynamo
check_contains "DynamoDB sees the private address and its endpoint" "through gateway endpoint $dynamo_endpoint" "$($priv curl -s -m 5 http://$dynamo/)"
check "delete-vpc-endpoints" ec2 delete-vpc-endpoints --vpc-endpoint-ids "$endpoint" "$dynamo_endpoint"
check_not "after delete-vpc-endpoints the private instance gets no reply again" $priv ping -c 2 -W 1 -i 0.2 $s3
check_contains "… and the public one is back on the IGW with its public address" "your address as seen here: $public_ip" "$($pub curl -s -m 5 http://$s3/)"
check_equal "… the routes went with the endpoints" "" "$(ec2 describe-route-tables --query 'RouteTables[].Routes[].DestinationPrefixListId' --output text)"

stats=$("$VPCLAB" stats --stack-name "$stack")
check_contains "stats prints per-ENI counters" "jh-test-Private-EC2" "$stats"
check_contains "stats prints drops by reason" "no_route" "$stats"
# A kernel with io_uring turned off for everyone (kernel.io_uring_disabled = 2) gets one write() per frame.
if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" != 2 ]; then
    check_contains "… and that a batch's TAP writes go out together (the default)" "forwarding: 1 worker, TAP writes batched through io_uring" "$stats"
else
    check_contains "… and that without io_uring the TAP writes are one write() each" "forwarding: 1 worker, TAP writes one write() each" "$stats"
fi

# --- down removes everything ---
check "down succeeds" "$VPCLAB" down --stack-name "$stack"
check_equal "no namespace, /etc/netns entry or state is left" "" "$(stack_leftovers "$stack")"
check_equal "no TAP is left in the root namespace" "" "$(ip -o link | grep -c ' vl[0-9a-f]\{12\}' | sed 's/^0$//')"

finish
