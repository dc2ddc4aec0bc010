#!/usr/bin/env bash
# VPC peering, from labs/peering-lab.yaml (A — B — C peered in a line) and then by commands: peered VPCs ping,
# ssh and curl each other; A cannot reach C through B (not transitive), and trace says why; B's web server
# admits exactly the instances of A's referenced security group; a new VPC is reached only once the request
# is accepted and both sides route; overlapping CIDRs fail; deleting the connection stops its traffic at
# once, leaves its routes blackholes and the reference stale.
source "$(dirname "$0")/lib.sh"

s=$(new_stack pcx)
ec2() { "$VPCLAB" ec2 "$@" --stack-name "$s"; }
on() { local who=$1; shift; "$VPCLAB" exec "$who" --stack-name "$s" -- "$@"; }
aws_cli() { "$VPCLAB" aws --stack-name "$s" "$@"; }
pings() { on "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }

check "the peering lab comes up from its template" "$VPCLAB" up "$SOURCE_DIR/labs/peering-lab.yaml" --stack-name "$s"
check_equal "both connections are active" "active active" \
    "$(ec2 describe-vpc-peering-connections --filters Name=status-code,Values=active --query 'VpcPeeringConnections[].Status.Code' --output text | tr '\t' ' ')"
pcx_ab=$(ec2 describe-vpc-peering-connections --filters Name=tag:Name,Values=peering-lab-A-B --query 'VpcPeeringConnections[0].VpcPeeringConnectionId' --output text)

check "A pings B across the peering" pings peering-lab-Client-A 10.2.1.4
check "B pings C" pings peering-lab-Web-B 10.3.1.4
# VPC Peering Guide: jumbo frames (MTU 9001) cross a peering within a Region.
check "a 9001-byte packet with DF crosses the peering" on peering-lab-Client-A ping -c 1 -W 2 -M do -s 8973 10.2.1.4
# The lab's key pair, copied into the client's own /tmp (an instance sees its own, not the host's).
on peering-lab-Client-A sh -c 'umask 077; cat > /tmp/lab.pem' <"/run/vpclab/$s/vpclab-KeyName.pem"
check_contains "A's client logs in to B with ssh" "ip-10-2-1-4" \
    "$(on peering-lab-Client-A timeout 20 ssh -i /tmp/lab.pem -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 ec2-user@10.2.1.4 hostname 2>/dev/null)"
check_contains "B's web server answers A's client (its group is referenced across the peering)" "web server in VPC B" \
    "$(on peering-lab-Client-A curl -s -m 3 http://10.2.1.4/)"
check_not "… and not A's other instance, whose group is not" on peering-lab-Other-A curl -s -m 2 http://10.2.1.4/
group_a=$(ec2 describe-security-groups --filters Name=group-name,Values='*ClientGroupA*' --query 'SecurityGroups[0].GroupId' --output text)
check_equal "describe-security-group-references names B's VPC and the connection" "$pcx_ab" \
    "$(ec2 describe-security-group-references --group-id "$group_a" --query 'SecurityGroupReferenceSet[0].VpcPeeringConnectionId' --output text)"

# --- not transitive ---
check_not "A cannot reach C through B, though A's route for C points at the A-B connection" pings peering-lab-Client-A 10.3.1.4
out=$("$VPCLAB" trace peering-lab-Client-A 10.3.1.4 --stack-name "$s")
check_contains "trace says peering is not transitive" "peering is not transitive" "$out"
check "… and counts it" test "$(drop_count "$s" peering_not_transitive)" -ge 1
instance_a=$(ec2 describe-instances --filters Name=tag:Name,Values=peering-lab-Client-A --query 'Reservations[0].Instances[0].InstanceId' --output text)
instance_b=$(ec2 describe-instances --filters Name=tag:Name,Values=peering-lab-Web-B --query 'Reservations[0].Instances[0].InstanceId' --output text)
path=$(ec2 create-network-insights-path --source "$instance_a" --destination "$instance_b" --protocol tcp --destination-port 80 \
    --query NetworkInsightsPath.NetworkInsightsPathId --output text)
analysis=$(ec2 start-network-insights-analysis --network-insights-path-id "$path" --query NetworkInsightsAnalysis.NetworkInsightsAnalysisId --output text)
check_equal "Reachability Analyzer finds A to B's web server through the connection" "True $pcx_ab" \
    "$(aws_cli ec2 describe-network-insights-analyses --network-insights-analysis-ids "$analysis" \
        --query "NetworkInsightsAnalyses[0].[NetworkPathFound, ForwardPathComponents[?starts_with(Component.Id, 'pcx-')].Component.Id | [0]]" --output text | tr '\t' ' ')"

# --- by commands: a fourth VPC, reached only after acceptance and routes on both sides ---
vpc_a=$(ec2 describe-vpcs --filters Name=tag:Name,Values=peering-lab-VPC-A --query 'Vpcs[0].VpcId' --output text)
rt_a=$(ec2 describe-route-tables --filters Name=tag:Name,Values=peering-lab-RT-A --query 'RouteTables[0].RouteTableId' --output text)
vpc_d=$(ec2 create-vpc --cidr-block 10.4.0.0/16 --query Vpc.VpcId --output text)
subnet_d=$(ec2 create-subnet --vpc-id "$vpc_d" --cidr-block 10.4.1.0/24 --query Subnet.SubnetId --output text)
rt_d=$(ec2 describe-route-tables --filters "Name=vpc-id,Values=$vpc_d" --query 'RouteTables[0].RouteTableId' --output text)
group_d=$(ec2 describe-security-groups --filters "Name=vpc-id,Values=$vpc_d" --query 'SecurityGroups[0].GroupId' --output text)
ec2 authorize-security-group-ingress --group-id "$group_d" --protocol icmp --port -1 --cidr 10.1.0.0/16 >/dev/null
instance_d=$(ec2 run-instances --subnet-id "$subnet_d" --associate-public-ip-address --tag-specifications 'ResourceType=instance,Tags=[{Key=Name,Value=host-d}]' \
    --query 'Instances[0].InstanceId' --output text)
check "the new instance runs" ec2 wait instance-running --instance-ids "$instance_d"
request=$(ec2 create-vpc-peering-connection --vpc-id "$vpc_a" --peer-vpc-id "$vpc_d" --query 'VpcPeeringConnection.[VpcPeeringConnectionId, Status.Code]' --output text)
check_contains "the request is answered initiating-request" "initiating-request" "$request"
pcx_ad=${request%%[[:space:]]*}
check_equal "… and then waits for acceptance" "pending-acceptance" \
    "$(ec2 describe-vpc-peering-connections --vpc-peering-connection-ids "$pcx_ad" --query 'VpcPeeringConnections[0].Status.Code' --output text)"
check "a route to a pending connection is made (a blackhole until accepted)" \
    ec2 create-route --route-table-id "$rt_a" --destination-cidr-block 10.4.0.0/16 --vpc-peering-connection-id "$pcx_ad"
check_not "no traffic before acceptance" pings peering-lab-Client-A 10.4.1.4
check_equal "accept-vpc-peering-connection: active" "active" \
    "$(ec2 accept-vpc-peering-connection --vpc-peering-connection-id "$pcx_ad" --query 'VpcPeeringConnection.Status.Code' --output text)"
check_not "accepted, but D has no route back: still nothing" pings peering-lab-Client-A 10.4.1.4
check "route D's side too" ec2 create-route --route-table-id "$rt_d" --destination-cidr-block 10.1.0.0/16 --vpc-peering-connection-id "$pcx_ad"
check "with routes on both sides, A pings D" pings peering-lab-Client-A 10.4.1.4

# --- DNS resolution across the peering (VPC Peering Guide, "Enable DNS resolution for a VPC peering connection") ---
d_public=$(ec2 describe-instances --instance-ids "$instance_d" --query 'Reservations[0].Instances[0].PublicIpAddress' --output text)
d_name="ec2-${d_public//./-}.ap-northeast-2.compute.amazonaws.com"  # the lab's default region
for vpc in "$vpc_a" "$vpc_d"; do ec2 modify-vpc-attribute --vpc-id "$vpc" --enable-dns-hostnames; done
dig_a() { on peering-lab-Client-A dig +short +time=2 +tries=1 "$1"; }
check_equal "from A, D's public DNS name answers its public address" "$d_public" "$(dig_a "$d_name")"
check_contains "the accepter (D) allows resolution of its names from A" "AccepterPeeringConnectionOptions" \
    "$(ec2 modify-vpc-peering-connection-options --vpc-peering-connection-id "$pcx_ad" --accepter-peering-connection-options AllowDnsResolutionFromRemoteVpc=true --output json)"
check_equal "… and now the name answers D's private address" "10.4.1.4" "$(dig_a "$d_name")"

# --- overlapping CIDRs fail ---
vpc_e=$(ec2 create-vpc --cidr-block 10.1.128.0/17 --query Vpc.VpcId --output text)
failed=$(ec2 create-vpc-peering-connection --vpc-id "$vpc_a" --peer-vpc-id "$vpc_e" --query 'VpcPeeringConnection.[VpcPeeringConnectionId, Status.Code]' --output text)
check_contains "peering with an overlapping CIDR fails" "failed" "$failed"
err=$(ec2 accept-vpc-peering-connection --vpc-peering-connection-id "${failed%%[[:space:]]*}" 2>&1)
check_contains "… and cannot be accepted" "(InvalidStateTransition)" "$err"

# --- deleted: its traffic stops at once, its routes are blackholes, the reference is stale ---
check "delete-vpc-peering-connection A-B" ec2 delete-vpc-peering-connection --vpc-peering-connection-id "$pcx_ab"
check_not "A no longer reaches B" pings peering-lab-Client-A 10.2.1.4
check_equal "A's route to B is a blackhole" "blackhole" \
    "$(aws_cli ec2 describe-route-tables --route-table-ids "$rt_a" --query "RouteTables[0].Routes[?VpcPeeringConnectionId=='$pcx_ab'] | [0].State" --output text)"
vpc_b=$(ec2 describe-vpcs --filters Name=tag:Name,Values=peering-lab-VPC-B --query 'Vpcs[0].VpcId' --output text)
check_equal "describe-stale-security-groups: B's web group refers to A's group over the deleted connection" "$pcx_ab" \
    "$(aws_cli ec2 describe-stale-security-groups --vpc-id "$vpc_b" --query 'StaleSecurityGroupSet[0].StaleIpPermissions[0].UserIdGroupPairs[0].VpcPeeringConnectionId' --output text)"
check_equal "the connection is listed as deleted" "deleted" \
    "$(ec2 describe-vpc-peering-connections --vpc-peering-connection-ids "$pcx_ab" --query 'VpcPeeringConnections[0].Status.Code' --output text)"
check "B still reaches C" pings peering-lab-Web-B 10.3.1.4

check "down succeeds" "$VPCLAB" down --stack-name "$s"
check_equal "no namespace, /etc/netns entry or state is left" "" "$(stack_leftovers "$s")"
finish
