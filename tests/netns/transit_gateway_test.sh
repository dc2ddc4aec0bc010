#!/usr/bin/env bash
# Transit gateway, from labs/transit-gateway-lab.yaml (Shared services, and the Dev and Prod spokes isolated by
# two transit gateway route tables) and then by commands: the spokes reach the shared services VPC and not
# each other, and trace, Reachability Analyzer and flow logs say where it stops; a blackhole route keeps the
# spokes from Shared's management range; propagation makes a full mesh, a static blackhole beats a propagated
# route; 8500 bytes cross, 8501 with DF get fragmentation-needed; a fourth VPC attached by commands is reached
# only from the zone its attachment has a subnet in; a deleted attachment leaves its VPC routes blackholes.
source "$(dirname "$0")/lib.sh"

s=$(new_stack tgw)
ec2() { "$VPCLAB" ec2 "$@" --stack-name "$s"; }
on() { local who=$1; shift; "$VPCLAB" exec "$who" --stack-name "$s" -- "$@"; }
aws_cli() { "$VPCLAB" aws --stack-name "$s" "$@"; }
pings() { on "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
id_of() { ec2 describe-instances --filters "Name=tag:Name,Values=$1" --query 'Reservations[0].Instances[0].InstanceId' --output text; }

check "the transit gateway lab comes up from its template" "$VPCLAB" up "$SOURCE_DIR/labs/transit-gateway-lab.yaml" --stack-name "$s" --flow-log-speedup 60
tgw=$(ec2 describe-transit-gateways --filters Name=tag:Name,Values=tgw-lab-TGW --query 'TransitGateways[0].TransitGatewayId' --output text)
check_equal "the transit gateway is available, its default tables off" "available disable" \
    "$(ec2 describe-transit-gateways --transit-gateway-ids "$tgw" --query 'TransitGateways[0].[State, Options.DefaultRouteTableAssociation]' --output text | tr '\t' ' ')"
check_equal "three VPC attachments, available" "3" \
    "$(aws_cli ec2 describe-transit-gateway-vpc-attachments --filters Name=state,Values=available --query 'length(TransitGatewayVpcAttachments)' --output text)"
spokes=$(ec2 describe-transit-gateway-route-tables --filters Name=tag:Name,Values=tgw-lab-RT-spokes --query 'TransitGatewayRouteTables[0].TransitGatewayRouteTableId' --output text)
att_dev=$(ec2 describe-transit-gateway-attachments --filters Name=tag:Name,Values=tgw-lab-Attachment-Dev --query 'TransitGatewayAttachments[0].TransitGatewayAttachmentId' --output text)
att_prod=$(ec2 describe-transit-gateway-attachments --filters Name=tag:Name,Values=tgw-lab-Attachment-Prod --query 'TransitGatewayAttachments[0].TransitGatewayAttachmentId' --output text)
check_equal "the spokes' table: Shared's CIDR propagated, the management range a static blackhole" "10.1.0.0/16 propagated active 10.1.200.0/24 static blackhole" \
    "$(aws_cli ec2 search-transit-gateway-routes --transit-gateway-route-table-id "$spokes" --filters Name=state,Values=active,blackhole \
        --query 'sort_by(Routes, &DestinationCidrBlock)[].[DestinationCidrBlock, Type, State]' --output text | tr '\t\n' '  ' | sed 's/ $//')"
check_equal "Dev and Prod are associated with the spokes' table" "$att_dev $att_prod" \
    "$(aws_cli ec2 get-transit-gateway-route-table-associations --transit-gateway-route-table-id "$spokes" \
        --query 'Associations[].TransitGatewayAttachmentId' --output text | tr '\t' ' ')"

# --- isolated spokes, shared services ---
check "Dev pings Shared through the transit gateway" pings tgw-lab-Host-Dev 10.1.1.4
check "Prod pings Shared" pings tgw-lab-Host-Prod 10.1.1.4
check_contains "Dev's curl reaches the shared service" "shared service in VPC Shared" "$(on tgw-lab-Host-Dev curl -s -m 3 http://10.1.1.4/)"
check_not "Dev does not reach Prod: the spokes' table has no route for it" pings tgw-lab-Host-Dev 10.3.1.4
out=$("$VPCLAB" trace tgw-lab-Host-Dev 10.3.1.4 --stack-name "$s")
check_contains "trace names the transit gateway route table with no route" "route table $spokes (tgw-lab-RT-spokes): no route for 10.3.1.4" "$out"
check "… and counts it" test "$(drop_count "$s" transit_gateway_no_route)" -ge 1
check_not "Dev does not reach Shared's management range: a blackhole" pings tgw-lab-Host-Dev 10.1.200.4
check_contains "trace names the blackhole route" "route 10.1.200.0/24 → blackhole (static)" \
    "$("$VPCLAB" trace tgw-lab-Host-Dev 10.1.200.4 --stack-name "$s")"
check "Shared reaches its management range (the blackhole is the spokes' only)" pings tgw-lab-Host-Shared 10.1.200.4
dev=$(id_of tgw-lab-Host-Dev); prod=$(id_of tgw-lab-Host-Prod); shared=$(id_of tgw-lab-Host-Shared)
analyse() {
    local path analysis
    path=$(ec2 create-network-insights-path --source "$1" --destination "$2" --protocol tcp --destination-port 22 --query NetworkInsightsPath.NetworkInsightsPathId --output text)
    analysis=$(ec2 start-network-insights-analysis --network-insights-path-id "$path" --query NetworkInsightsAnalysis.NetworkInsightsAnalysisId --output text)
    aws_cli ec2 describe-network-insights-analyses --network-insights-analysis-ids "$analysis" --query "NetworkInsightsAnalyses[0].$3" --output text | tr '\t\n' '  ' | sed 's/ $//'
}
check_equal "Reachability Analyzer: Dev to Shared through the attachment, the table and Shared's attachment" "True $spokes" \
    "$(analyse "$dev" "$shared" "[NetworkPathFound, ForwardPathComponents[?starts_with(Component.Id, 'tgw-rtb-')].Component.Id | [0]]")"
check_equal "Reachability Analyzer: Dev to Prod, no route in the spokes' table" "False NO_ROUTE_TO_DESTINATION $spokes" \
    "$(analyse "$dev" "$prod" "[NetworkPathFound, Explanations[0].ExplanationCode, Explanations[0].TransitGatewayRouteTable.Id]")"
vpcs=$(ec2 describe-vpcs --query 'Vpcs[].VpcId' --output text)
# shellcheck disable=SC2086
ec2 create-flow-logs --resource-type VPC --resource-ids $vpcs --traffic-type ALL --log-group-name tgw-flows --max-aggregation-interval 60 >/dev/null
pings tgw-lab-Host-Dev 10.1.1.4
pings tgw-lab-Host-Dev 10.3.1.4
records() { "$VPCLAB" logs filter-log-events --stack-name "$s" --log-group-name tgw-flows --query 'events[].message' --output text | tr '\t' '\n'; }
eni_of() { ec2 describe-instances --instance-ids "$1" --query 'Reservations[0].Instances[0].NetworkInterfaces[0].NetworkInterfaceId' --output text; }
dev_eni=$(eni_of "$dev"); prod_eni=$(eni_of "$prod"); shared_eni=$(eni_of "$shared")
shared_logged() { records | grep -q " $shared_eni 10.2.1.4 10.1.1.4 0 0 1 .* ACCEPT"; }
dev_logged() { records | grep -q " $dev_eni 10.2.1.4 10.3.1.4 0 0 1 .* ACCEPT"; }
check "flow logs: Shared's instance logs Dev's ping arriving" wait_until 20 shared_logged
check "… Dev's instance logs its ping to Prod leaving (accepted by its groups)" wait_until 20 dev_logged
check_equal "… and Prod's logs nothing of it: the transit gateway dropped it" "" "$(records | grep " $prod_eni 10.2.1.4 ")"

# --- full mesh by propagation; a static blackhole beats a propagated route ---
check "propagate Dev and Prod into the spokes' table" sh -c "$VPCLAB ec2 enable-transit-gateway-route-table-propagation --stack-name $s --transit-gateway-route-table-id $spokes --transit-gateway-attachment-id $att_dev >/dev/null && \
    $VPCLAB ec2 enable-transit-gateway-route-table-propagation --stack-name $s --transit-gateway-route-table-id $spokes --transit-gateway-attachment-id $att_prod >/dev/null"
check "now Dev pings Prod" pings tgw-lab-Host-Dev 10.3.1.4
check "a static blackhole for Prod's CIDR" ec2 create-transit-gateway-route --transit-gateway-route-table-id "$spokes" --destination-cidr-block 10.3.0.0/16 --blackhole
check_not "… beats the propagated route" pings tgw-lab-Host-Dev 10.3.1.4
check "… and counts" test "$(drop_count "$s" transit_gateway_blackhole)" -ge 2
check "delete the blackhole" ec2 delete-transit-gateway-route --transit-gateway-route-table-id "$spokes" --destination-cidr-block 10.3.0.0/16
check "the propagated route is back" pings tgw-lab-Host-Dev 10.3.1.4

# --- MTU 8500 (Transit Gateways Guide, "Quotas": maximum transmission unit) ---
check "8500 bytes with DF cross the transit gateway" on tgw-lab-Host-Dev ping -c 1 -W 2 -M do -s 8472 10.1.1.4
check_contains "8501 bytes with DF: fragmentation needed, MTU 8500" "mtu = 8500" "$(on tgw-lab-Host-Dev ping -c 1 -W 2 -M do -s 8473 10.1.1.4 2>&1)"
check "… counted" test "$(drop_count "$s" transit_gateway_mtu)" -ge 1

# --- by commands: a fourth VPC, attached in zone a only ---
vpc_d=$(ec2 create-vpc --cidr-block 10.4.0.0/16 --query Vpc.VpcId --output text)
subnet_a=$(ec2 create-subnet --vpc-id "$vpc_d" --cidr-block 10.4.1.0/24 --availability-zone ap-northeast-2a --query Subnet.SubnetId --output text)
subnet_b=$(ec2 create-subnet --vpc-id "$vpc_d" --cidr-block 10.4.2.0/24 --availability-zone ap-northeast-2b --query Subnet.SubnetId --output text)
rt_d=$(ec2 describe-route-tables --filters "Name=vpc-id,Values=$vpc_d" --query 'RouteTables[0].RouteTableId' --output text)
group_d=$(ec2 describe-security-groups --filters "Name=vpc-id,Values=$vpc_d" --query 'SecurityGroups[0].GroupId' --output text)
ec2 authorize-security-group-ingress --group-id "$group_d" --protocol icmp --port -1 --cidr 10.0.0.0/8 >/dev/null
err=$(ec2 create-route --route-table-id "$rt_d" --destination-cidr-block 10.0.0.0/8 --transit-gateway-id "$tgw" 2>&1)
check_contains "a route to the transit gateway before the VPC is attached is refused" "belong to different networks" "$err"
host_a=tgw-lab-D-a host_b=tgw-lab-D-b
d_a=$(ec2 run-instances --subnet-id "$subnet_a" --tag-specifications "ResourceType=instance,Tags=[{Key=Name,Value=$host_a}]" --query 'Instances[0].InstanceId' --output text)
d_b=$(ec2 run-instances --subnet-id "$subnet_b" --tag-specifications "ResourceType=instance,Tags=[{Key=Name,Value=$host_b}]" --query 'Instances[0].InstanceId' --output text)
check "D's instances run" ec2 wait instance-running --instance-ids "$d_a" "$d_b"
att_d=$(ec2 create-transit-gateway-vpc-attachment --transit-gateway-id "$tgw" --vpc-id "$vpc_d" --subnet-ids "$subnet_a" \
    --tag-specifications 'ResourceType=transit-gateway-attachment,Tags=[{Key=Name,Value=d}]' --query 'TransitGatewayVpcAttachment.[TransitGatewayAttachmentId, State]' --output text)
check_contains "create-transit-gateway-vpc-attachment answers pending" "pending" "$att_d"
att_d=${att_d%%[[:space:]]*}
check "route D's 10.0.0.0/8 to the transit gateway" ec2 create-route --route-table-id "$rt_d" --destination-cidr-block 10.0.0.0/8 --transit-gateway-id "$tgw"
check "associate D with the spokes' table, propagate it there" sh -c "$VPCLAB ec2 associate-transit-gateway-route-table --stack-name $s --transit-gateway-route-table-id $spokes --transit-gateway-attachment-id $att_d >/dev/null && \
    $VPCLAB ec2 enable-transit-gateway-route-table-propagation --stack-name $s --transit-gateway-route-table-id $spokes --transit-gateway-attachment-id $att_d >/dev/null"
check "D's zone-a instance pings Dev" wait_until 10 pings "$host_a" 10.2.1.4
check_not "D's zone-b instance does not: the attachment has no subnet in its zone" pings "$host_b" 10.2.1.4
check_contains "trace says so" "add a subnet in ap-northeast-2b to $att_d" "$("$VPCLAB" trace "$host_b" 10.2.1.4 --stack-name "$s")"
err=$(ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id "$att_d" --add-subnet-ids "$subnet_a" 2>&1)
check_contains "adding a subnet it has is refused" "InvalidParameterValue" "$err"
check "add a zone-b subnet to the attachment" ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id "$att_d" --add-subnet-ids "$subnet_b" --query TransitGatewayVpcAttachment.State --output text
check "now D's zone-b instance pings Dev" pings "$host_b" 10.2.1.4

# --- deleted: the VPC's routes to the gateway are blackholes ---
check "disassociate and delete D's attachment" sh -c "$VPCLAB ec2 disassociate-transit-gateway-route-table --stack-name $s --transit-gateway-route-table-id $spokes --transit-gateway-attachment-id $att_d >/dev/null && \
    $VPCLAB ec2 delete-transit-gateway-vpc-attachment --stack-name $s --transit-gateway-attachment-id $att_d >/dev/null"
check_not "D no longer reaches Dev" pings "$host_a" 10.2.1.4
check_equal "D's route to the transit gateway is a blackhole" "blackhole" \
    "$(aws_cli ec2 describe-route-tables --route-table-ids "$rt_d" --query "RouteTables[0].Routes[?TransitGatewayId=='$tgw'] | [0].State" --output text)"
err=$(ec2 delete-transit-gateway --transit-gateway-id "$tgw" 2>&1)
check_contains "the transit gateway cannot be deleted while attachments remain" "IncorrectState" "$err"

check "down succeeds" "$VPCLAB" down --stack-name "$s"
check_equal "no namespace, /etc/netns entry or state is left" "" "$(stack_leftovers "$s")"
finish
