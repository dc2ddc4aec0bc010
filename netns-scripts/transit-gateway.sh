#!/usr/bin/env bash
# The transit gateway, the hub a VPC class teaches after peering (Transit Gateways Guide, "Transit gateway
# design best practices" and "Example: Isolated VPCs with shared services"), built by commands:
# 1. Three VPCs (A 10.1, B 10.2, C 10.3) attached to a transit gateway with its defaults: every attachment is
#    associated with the default route table and propagates its CIDR there, so all three talk (a full mesh
#    by one table, where peering would need three connections).
# 2. Isolation: A becomes the shared services VPC. B and C move to a "spokes" table that holds only A's CIDR,
#    A to a "shared" table that holds B's and C's: B and C reach A, not each other; trace names the table
#    that has no route, Reachability Analyzer says NO_ROUTE_TO_DESTINATION.
# 3. A blackhole route in the spokes' table for a range of A: static routes beat propagated ones.
# 4. The template that builds design 2 in one go: labs/transit-gateway-lab.yaml.
# Interactive on a terminal (Enter moves on); straight through otherwise, so CI runs it as a test.
stack_prefix=tgw
source "$(dirname "$0")/walkthrough.sh"
ec2() {
    echo "\$ vpclab ec2 $*" >&2
    "$VPCLAB" ec2 "$@" --stack-name "$stack"
}
quiet() { "$VPCLAB" ec2 "$@" --stack-name "$stack" >/dev/null; }
named() { echo "ResourceType=$1,Tags=[{Key=Name,Value=$2}]"; }
pings() {
    echo "\$ vpclab exec $1 -- ping -c 1 $2"
    "$VPCLAB" exec "$1" --stack-name "$stack" -- ping -c 1 -W 1 "$2" | grep -E "received|Frag"
}
must_not_ping() {
    echo "\$ vpclab exec $1 -- ping -c 1 $2"
    if "$VPCLAB" exec "$1" --stack-name "$stack" -- ping -c 1 -W 1 "$2" >/dev/null; then echo "expected no answer" >&2; exit 1; fi
    echo "(no answer)"
}

step "An empty lab, then a transit gateway with its defaults (association and propagation to its default route table)"
"$VPCLAB" up --empty --stack-name "$stack"
tgw=$(ec2 create-transit-gateway --description "class hub" --tag-specifications "$(named transit-gateway hub)" --query TransitGateway.TransitGatewayId --output text)
ec2 describe-transit-gateways --transit-gateway-ids "$tgw" --query 'TransitGateways[0].[TransitGatewayId,State,Options.AssociationDefaultRouteTableId]' --output text
default_rt=$(ec2 describe-transit-gateways --transit-gateway-ids "$tgw" --query 'TransitGateways[0].Options.AssociationDefaultRouteTableId' --output text)

step "1.1 — Three VPCs, each with a workload subnet, a /28 for the attachment, an instance, and 10.0.0.0/8 routed to the transit gateway"
declare -A attachment
instances=()
for n in 1 2 3; do
    name=$(echo "A B C" | cut -d' ' -f$n)
    vpc=$(ec2 create-vpc --cidr-block "10.$n.0.0/16" --tag-specifications "$(named vpc "vpc-$name")" --query Vpc.VpcId --output text)
    work=$(ec2 create-subnet --vpc-id "$vpc" --cidr-block "10.$n.1.0/24" --availability-zone ap-northeast-2a --query Subnet.SubnetId --output text)
    tgw_subnet=$(ec2 create-subnet --vpc-id "$vpc" --cidr-block "10.$n.0.0/28" --availability-zone ap-northeast-2a --query Subnet.SubnetId --output text)
    group=$(ec2 describe-security-groups --filters "Name=vpc-id,Values=$vpc" --query 'SecurityGroups[0].GroupId' --output text)
    quiet authorize-security-group-ingress --group-id "$group" --protocol icmp --port -1 --cidr 10.0.0.0/8
    instances+=("$(ec2 run-instances --subnet-id "$work" --tag-specifications "$(named instance "host-$name")" --query 'Instances[0].InstanceId' --output text)")
    attachment[$name]=$(ec2 create-transit-gateway-vpc-attachment --transit-gateway-id "$tgw" --vpc-id "$vpc" --subnet-ids "$tgw_subnet" \
        --tag-specifications "$(named transit-gateway-attachment "attach-$name")" --query TransitGatewayVpcAttachment.TransitGatewayAttachmentId --output text)
    table=$(ec2 describe-route-tables --filters "Name=vpc-id,Values=$vpc" --query 'RouteTables[0].RouteTableId' --output text)
    quiet create-route --route-table-id "$table" --destination-cidr-block 10.0.0.0/8 --transit-gateway-id "$tgw"
done
ec2 wait instance-running --instance-ids "${instances[@]}"

step "1.2 — The default route table: each VPC's CIDR, propagated from its attachment"
ec2 search-transit-gateway-routes --transit-gateway-route-table-id "$default_rt" --filters Name=type,Values=propagated \
    --query 'Routes[].[DestinationCidrBlock,TransitGatewayAttachments[0].TransitGatewayAttachmentId,Type,State]' --output text

step "1.3 — A full mesh: A reaches B and C, B reaches C"
pings host-A 10.2.1.4
pings host-A 10.3.1.4
pings host-B 10.3.1.4

step "2.1 — Isolation: a \"shared\" table for A, a \"spokes\" table for B and C"
shared_rt=$(ec2 create-transit-gateway-route-table --transit-gateway-id "$tgw" --tag-specifications "$(named transit-gateway-route-table shared)" \
    --query TransitGatewayRouteTable.TransitGatewayRouteTableId --output text)
spokes_rt=$(ec2 create-transit-gateway-route-table --transit-gateway-id "$tgw" --tag-specifications "$(named transit-gateway-route-table spokes)" \
    --query TransitGatewayRouteTable.TransitGatewayRouteTableId --output text)
for name in A B C; do quiet disassociate-transit-gateway-route-table --transit-gateway-route-table-id "$default_rt" --transit-gateway-attachment-id "${attachment[$name]}"; done
quiet associate-transit-gateway-route-table --transit-gateway-route-table-id "$shared_rt" --transit-gateway-attachment-id "${attachment[A]}"
for name in B C; do
    quiet associate-transit-gateway-route-table --transit-gateway-route-table-id "$spokes_rt" --transit-gateway-attachment-id "${attachment[$name]}"
    quiet enable-transit-gateway-route-table-propagation --transit-gateway-route-table-id "$shared_rt" --transit-gateway-attachment-id "${attachment[$name]}"
done
quiet enable-transit-gateway-route-table-propagation --transit-gateway-route-table-id "$spokes_rt" --transit-gateway-attachment-id "${attachment[A]}"
echo "shared: associated with A, routes to B and C; spokes: associated with B and C, a route to A only"
ec2 get-transit-gateway-route-table-associations --transit-gateway-route-table-id "$spokes_rt" --query 'Associations[].[TransitGatewayAttachmentId,State]' --output text

step "2.2 — B and C reach A; B does not reach C"
pings host-B 10.1.1.4
pings host-C 10.1.1.4
must_not_ping host-B 10.3.1.4

step "2.3 — trace: the spokes' table has no route for C"
expect "no route for 10.3.1.4" "$VPCLAB" trace host-B 10.3.1.4 --stack-name "$stack"

step "2.4 — Reachability Analyzer says the same"
b=$("$VPCLAB" ec2 describe-instances --stack-name "$stack" --filters Name=tag:Name,Values=host-B --query 'Reservations[0].Instances[0].InstanceId' --output text)
c=$("$VPCLAB" ec2 describe-instances --stack-name "$stack" --filters Name=tag:Name,Values=host-C --query 'Reservations[0].Instances[0].InstanceId' --output text)
path=$(ec2 create-network-insights-path --source "$b" --destination "$c" --protocol tcp --destination-port 22 --query NetworkInsightsPath.NetworkInsightsPathId --output text)
analysis=$(ec2 start-network-insights-analysis --network-insights-path-id "$path" --query NetworkInsightsAnalysis.NetworkInsightsAnalysisId --output text)
expect "NO_ROUTE_TO_DESTINATION" ec2 describe-network-insights-analyses --network-insights-analysis-ids "$analysis" \
    --query 'NetworkInsightsAnalyses[0].[NetworkPathFound,Explanations[0].ExplanationCode,Explanations[0].TransitGatewayRouteTable.Id]' --output text

step "3 — A blackhole for 10.1.1.0/24 in the spokes' table: more specific than A's propagated CIDR, and static"
quiet create-transit-gateway-route --transit-gateway-route-table-id "$spokes_rt" --destination-cidr-block 10.1.1.0/24 --blackhole
ec2 search-transit-gateway-routes --transit-gateway-route-table-id "$spokes_rt" --filters Name=state,Values=active,blackhole \
    --query 'Routes[].[DestinationCidrBlock,Type,State]' --output text
must_not_ping host-B 10.1.1.4
expect "blackhole" "$VPCLAB" trace host-B 10.1.1.4 --stack-name "$stack"
quiet delete-transit-gateway-route --transit-gateway-route-table-id "$spokes_rt" --destination-cidr-block 10.1.1.0/24
pings host-B 10.1.1.4

step "3.1 — The transit gateway's MTU is 8500: ping -M do -s 8473 (8501 bytes) is answered with fragmentation needed"
echo "\$ vpclab exec host-B -- ping -c 1 -M do -s 8473 10.1.1.4"
expect "mtu = 8500" "$VPCLAB" exec host-B --stack-name "$stack" -- ping -c 1 -W 1 -M do -s 8473 10.1.1.4
"$VPCLAB" down --stack-name "$stack"

step "4 — The same isolation from a template, with a management range kept from the spokes: labs/transit-gateway-lab.yaml"
"$VPCLAB" up "$here/labs/transit-gateway-lab.yaml" --stack-name "$stack" >/dev/null
spokes=$("$VPCLAB" ec2 describe-transit-gateway-route-tables --stack-name "$stack" --filters Name=tag:Name,Values=tgw-lab-RT-spokes \
    --query 'TransitGatewayRouteTables[0].TransitGatewayRouteTableId' --output text)
ec2 search-transit-gateway-routes --transit-gateway-route-table-id "$spokes" --filters Name=state,Values=active,blackhole --query 'Routes[].[DestinationCidrBlock,Type,State]' --output text
pings tgw-lab-Host-Dev 10.1.1.4
must_not_ping tgw-lab-Host-Dev 10.3.1.4
"$VPCLAB" down --stack-name "$stack"
