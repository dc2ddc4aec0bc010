#!/usr/bin/env bash
# NAT gateways, from the classic public/private template (labs/nat-gateway-lab.yaml, a gateway per zone):
# the private instances reach the internet from their zone's Elastic IP (the region sees it), resolve and
# ping; nothing from the internet gets in; path MTU discovery works through the gateway; an idle connection
# is reset after the (shortened) idle timeout; trace, Reachability Analyzer and flow logs name the gateway;
# then by commands: deleted, its route is a blackhole; made again and routed to, the way out is back. The
# Elastic IP a gateway holds cannot be released. The real aws CLI lists the gateways over the EC2 protocol.
source "$(dirname "$0")/lib.sh"

s=$(new_stack nat)
ec2() { "$VPCLAB" ec2 "$@" --stack-name "$s"; }
on() { local who=$1; shift; "$VPCLAB" exec "$who" --stack-name "$s" -- "$@"; }
# The real aws CLI (JMESPath filters in --query), over the lab's endpoint.
aws_cli() { "$VPCLAB" aws --stack-name "$s" "$@"; }

# The idle timeout shortened to 10 s (vpclab up --nat-idle-timeout; AWS's is 350 s), flow log windows to 1 s.
check "the NAT gateway lab comes up from its template" "$VPCLAB" up "$SOURCE_DIR/labs/nat-gateway-lab.yaml" --stack-name "$s" \
    --nat-idle-timeout 10 --flow-log-speedup 60
check_equal "two NAT gateways, both available" "available available" \
    "$(ec2 describe-nat-gateways --filter Name=state,Values=available --query 'NatGateways[].State' --output text | tr '\t' ' ')"
eip_a=$(ec2 describe-nat-gateways --filter Name=tag:Name,Values=nat-lab-NAT-A --query 'NatGateways[0].NatGatewayAddresses[0].PublicIp' --output text)
eip_c=$(ec2 describe-nat-gateways --filter Name=tag:Name,Values=nat-lab-NAT-C --query 'NatGateways[0].NatGatewayAddresses[0].PublicIp' --output text)
nat_a=$(ec2 describe-nat-gateways --filter Name=tag:Name,Values=nat-lab-NAT-A --query 'NatGateways[0].NatGatewayId' --output text)
nat_eni=$(ec2 describe-nat-gateways --nat-gateway-ids "$nat_a" --query 'NatGateways[0].NatGatewayAddresses[0].NetworkInterfaceId' --output text)
check_equal "its ENI is requester-managed, of type nat_gateway, without security groups" "nat_gateway True 0" \
    "$(aws_cli ec2 describe-network-interfaces --network-interface-ids "$nat_eni" --query 'NetworkInterfaces[0].[InterfaceType, RequesterManaged, length(Groups)]' --output text | tr '\t' ' ')"

# --- out through the zone's NAT gateway ---
check_contains "private A reaches the internet; the region sees NAT A's Elastic IP" "your address as seen here: $eip_a" \
    "$(on nat-lab-Private-A curl -s -m 5 http://example.com/)"
check_contains "private C goes out through its own zone's gateway" "your address as seen here: $eip_c" \
    "$(on nat-lab-Private-C curl -s -m 5 http://example.com/)"
check_equal "dig from the private instance (the VPC resolver)" "198.18.100.10" "$(on nat-lab-Private-A dig +short example.com)"
check "ping through the NAT gateway" on nat-lab-Private-A ping -c 2 -W 2 example.com
check_contains "a 1501-byte packet with DF is answered: fragmentation needed, MTU 1500" "mtu = 1500" \
    "$(on nat-lab-Private-A ping -c 1 -W 2 -M do -s 1473 example.com 2>&1)"
check "… and 1500 bytes pass" on nat-lab-Private-A ping -c 1 -W 2 -M do -s 1472 example.com

# --- nothing gets in ---
check_not "the internet cannot connect to the gateway's Elastic IP" on region curl -s -m 2 "http://$eip_a/"
check_not "nor ping it" on region ping -c 1 -W 1 "$eip_a"
check "… and the drops are counted on the gateway's ENI" test "$(drop_count "$s" nat_gateway_unsolicited)" -ge 2

# --- an idle connection is reset: a server in the region that answers what it gets and never closes ---
on region timeout 60 /usr/bin/python3 -c '
import socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); l.bind(("0.0.0.0", 9000)); l.listen(8)
while True:
    c, _ = l.accept(); c.settimeout(40)
    try:
        while True:
            d = c.recv(100)
            if not d: break
            c.sendall(d)
    except Exception: pass
' &
background_pids+=($!)
listening() { on region ss -ltn 'sport = :9000' | grep -q 9000; }
check "the region's echo server listens" wait_until 10 listening
# Connect, stay idle for `idle` seconds, then send: "answered" while the translation lives, "reset" after.
idle_client='
import socket, sys, time
s = socket.create_connection(("198.18.0.2", 9000), timeout=5)
time.sleep(float(sys.argv[1]))  # the idle time under test, not a wait for a condition
try:
    s.sendall(b"ping"); print("answered" if s.recv(10) == b"ping" else "closed")
except ConnectionResetError:
    print("reset")
'
check_equal "a connection idle for 2 s goes on" "answered" "$(on nat-lab-Private-A /usr/bin/python3 -c "$idle_client" 2)"
check_equal "idle past the 10 s timeout, the gateway answers with a RST" "reset" "$(on nat-lab-Private-A /usr/bin/python3 -c "$idle_client" 12)"
check "… counted as nat_gateway_idle_reset" test "$(drop_count "$s" nat_gateway_idle_reset)" -ge 1

# --- trace, Reachability Analyzer, flow logs ---
out=$("$VPCLAB" trace nat-lab-Private-A example.com --port 80 --stack-name "$s")
check_contains "trace: the private table's route to the NAT gateway" "route 0.0.0.0/0 → $nat_a" "$out"
check_contains "trace: the gateway's translation to its private address, named" "($nat_a)" "$out"
check_contains "trace: then the internet gateway's, to the Elastic IP" "→ $eip_a (igw-" "$out"
instance_a=$(ec2 describe-instances --filters Name=tag:Name,Values=nat-lab-Private-A --query 'Reservations[0].Instances[0].InstanceId' --output text)
path=$(ec2 create-network-insights-path --source "$instance_a" --destination-ip 198.18.100.10 --protocol tcp --destination-port 80 \
    --query NetworkInsightsPath.NetworkInsightsPathId --output text)
analysis=$(ec2 start-network-insights-analysis --network-insights-path-id "$path" --query NetworkInsightsAnalysis.NetworkInsightsAnalysisId --output text)
check_equal "Reachability Analyzer finds the path through the NAT gateway" "True $nat_a" \
    "$(aws_cli ec2 describe-network-insights-analyses --network-insights-analysis-ids "$analysis" \
        --query "NetworkInsightsAnalyses[0].[NetworkPathFound, ForwardPathComponents[?starts_with(Component.Id, 'nat-')].Component.Id | [0]]" --output text | tr '\t' ' ')"
vpc=$(ec2 describe-vpcs --query 'Vpcs[0].VpcId' --output text)
ec2 create-flow-logs --resource-type VPC --resource-ids "$vpc" --traffic-type ALL --log-group-name nat-flows --max-aggregation-interval 60 >/dev/null
on nat-lab-Private-A curl -s -m 5 http://example.com/ >/dev/null
nat_ip=$(ec2 describe-nat-gateways --nat-gateway-ids "$nat_a" --query 'NatGateways[0].NatGatewayAddresses[0].PrivateIp' --output text)
nat_records() { "$VPCLAB" logs filter-log-events --stack-name "$s" --log-group-name nat-flows --query 'events[].message' --output text | tr '\t' '\n' | grep " $nat_eni " | grep ACCEPT; }
four_records() { [ "$(nat_records | grep -c ' 198.18.100.10 ')" -ge 4 ]; }
check "flow logs: the gateway's ENI logs the connection both ways, before and after its translation" wait_until 20 four_records
check_contains "… from the gateway's private address out" " $nat_ip 198.18.100.10 " "$(nat_records)"

# --- by commands: deleted, a blackhole; made again, the way out is back ---
check_equal "delete-nat-gateway answers with its ID" "$nat_a" "$(ec2 delete-nat-gateway --nat-gateway-id "$nat_a" --query NatGatewayId --output text)"
check_equal "it is listed as deleted" "deleted" "$(ec2 describe-nat-gateways --nat-gateway-ids "$nat_a" --query 'NatGateways[0].State' --output text)"
rt_a=$(ec2 describe-route-tables --filters Name=tag:Name,Values=nat-lab-Private-RT-A --query 'RouteTables[0].RouteTableId' --output text)
check_equal "its route stays, as a blackhole" "blackhole" \
    "$(aws_cli ec2 describe-route-tables --route-table-ids "$rt_a" --query "RouteTables[0].Routes[?NatGatewayId=='$nat_a'].State" --output text)"
check_not "private A has no way out" on nat-lab-Private-A curl -s -m 2 http://example.com/
allocation_a=$(ec2 describe-addresses --filters "Name=public-ip,Values=$eip_a" --query 'Addresses[0].AllocationId' --output text)
check_equal "its Elastic IP is disassociated, not released" "None" \
    "$(ec2 describe-addresses --allocation-ids "$allocation_a" --query 'Addresses[0].AssociationId' --output text)"
allocation_c=$(ec2 describe-addresses --filters "Name=public-ip,Values=$eip_c" --query 'Addresses[0].AllocationId' --output text)
err=$(ec2 release-address --allocation-id "$allocation_c" 2>&1)
check_contains "the Elastic IP NAT C holds cannot be released" "(InvalidIPAddress.InUse)" "$err"
check_contains "… nor taken off its ENI" "(OperationNotPermitted)" \
    "$(ec2 disassociate-address --association-id "$(ec2 describe-addresses --allocation-ids "$allocation_c" --query 'Addresses[0].AssociationId' --output text)" 2>&1)"
check_contains "… and NAT C still carries private C" "your address as seen here: $eip_c" "$(on nat-lab-Private-C curl -s -m 5 http://example.com/)"
subnet_a=$(ec2 describe-subnets --filters Name=tag:Name,Values=nat-lab-Public-A --query 'Subnets[0].SubnetId' --output text)
again=$(ec2 create-nat-gateway --subnet-id "$subnet_a" --allocation-id "$allocation_a" --query 'NatGateway.[NatGatewayId, State]' --output text)
check_contains "create-nat-gateway with the same Elastic IP answers pending" "pending" "$again"
nat_again=${again%%[[:space:]]*}
check "wait nat-gateway-available" ec2 wait nat-gateway-available --nat-gateway-ids "$nat_again"
check "replace-route to the new gateway" ec2 replace-route --route-table-id "$rt_a" --destination-cidr-block 0.0.0.0/0 --nat-gateway-id "$nat_again"
check_contains "private A is out again, from the same Elastic IP" "your address as seen here: $eip_a" "$(on nat-lab-Private-A curl -s -m 5 http://example.com/)"
check_equal "the real aws CLI lists both available gateways (EC2 Query protocol)" "2" \
    "$(aws_cli ec2 describe-nat-gateways --filter Name=state,Values=available --query 'length(NatGateways)' --output text)"
check_contains "vpclab stats shows the translation table" "NAT gateway translations:" "$("$VPCLAB" stats --stack-name "$s")"

check "down succeeds" "$VPCLAB" down --stack-name "$s"
check_equal "no namespace, /etc/netns entry or state is left" "" "$(stack_leftovers "$s")"
finish
