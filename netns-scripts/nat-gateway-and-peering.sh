#!/usr/bin/env bash
# The two connections a VPC class teaches after the internet gateway, walked through in the seeds' style:
# 1. NAT gateways (labs/nat-gateway-lab.yaml: public and private subnets in two zones, a NAT gateway and its
#    Elastic IP in each public subnet): the private instances reach the internet from their zone's Elastic IP,
#    nothing from the internet reaches them, and trace shows the two translations (NAT gateway, then IGW).
# 2. VPC peering (labs/peering-lab.yaml: VPCs A — B — C peered in a line): A and B talk, A and C do not
#    (peering is not transitive), a security group of B admits A's instances by A's group; deleting the
#    connection stops its traffic and leaves its routes blackholes.
# Interactive on a terminal (Enter moves on); straight through otherwise, so CI runs it as a test.
stack_prefix=natpcx
source "$(dirname "$0")/walkthrough.sh"
run() {
    echo "\$ vpclab $*" | sed "s| --stack-name $stack||"
    "$VPCLAB" "$@"
}
ec2() { "$VPCLAB" ec2 "$@" --stack-name "$stack"; }

step "1.1 — The public/private VPC with a NAT gateway in each zone, from its template"
run up "$here/labs/nat-gateway-lab.yaml" --stack-name "$stack"
run ec2 describe-nat-gateways --stack-name "$stack" --query 'NatGateways[].[NatGatewayId,State,SubnetId,NatGatewayAddresses[0].PrivateIp,NatGatewayAddresses[0].PublicIp]' --output text
eip_a=$(ec2 describe-nat-gateways --filter Name=tag:Name,Values=nat-lab-NAT-A --query 'NatGateways[0].NatGatewayAddresses[0].PublicIp' --output text)

step "1.2 — The private subnet's route table: 0.0.0.0/0 to its zone's NAT gateway (the public one's goes to the IGW)"
run ec2 describe-route-tables --stack-name "$stack" --filters Name=tag:Name,Values=nat-lab-Private-RT-A --query 'RouteTables[0].Routes[].[DestinationCidrBlock,GatewayId,NatGatewayId,State]' --output text

step "1.3 — From the private instance: curl reaches the internet, which sees the NAT gateway's Elastic IP ($eip_a)"
echo "\$ vpclab exec nat-lab-Private-A -- curl -s http://example.com/"
expect "your address as seen here: $eip_a" "$VPCLAB" exec nat-lab-Private-A --stack-name "$stack" -- curl -s -m 5 http://example.com/

step "1.4 — From the internet, the Elastic IP answers nothing: a NAT gateway takes no inbound connection"
echo "\$ vpclab exec region -- curl -m 2 http://$eip_a/"
if "$VPCLAB" exec region --stack-name "$stack" -- curl -s -m 2 "http://$eip_a/"; then echo "the internet reached the NAT gateway" >&2; exit 1; fi
echo "(no answer)"

step "1.5 — trace: the route to the NAT gateway, its translation to its private address, then the IGW's to the Elastic IP"
expect "nat_gateway" run trace nat-lab-Private-A example.com --port 80 --stack-name "$stack"
run down --stack-name "$stack"

step "2.1 — Three VPCs peered in a line, A — B — C, from their template (CloudFormation accepts one account's peerings itself)"
run up "$here/labs/peering-lab.yaml" --stack-name "$stack"
run ec2 describe-vpc-peering-connections --stack-name "$stack" --query 'VpcPeeringConnections[].[VpcPeeringConnectionId,RequesterVpcInfo.CidrBlock,AccepterVpcInfo.CidrBlock,Status.Code]' --output text

step "2.2 — A's client pings B and fetches B's web page (B's group admits A's client group by reference, across the peering)"
echo "\$ vpclab exec peering-lab-Client-A -- curl -s http://10.2.1.4/"
expect "web server in VPC B" "$VPCLAB" exec peering-lab-Client-A --stack-name "$stack" -- curl -s -m 3 http://10.2.1.4/
echo "\$ vpclab exec peering-lab-Other-A -- curl -m 2 http://10.2.1.4/    # A's other instance: not in the referenced group"
if "$VPCLAB" exec peering-lab-Other-A --stack-name "$stack" -- curl -s -m 2 http://10.2.1.4/; then echo "the unreferenced instance got in" >&2; exit 1; fi
echo "(no answer)"

step "2.3 — A to C through B: refused, peering is not transitive (though A's table routes 10.3.0.0/16 to the A–B connection)"
expect "peering is not transitive" run trace peering-lab-Client-A 10.3.1.4 --stack-name "$stack"

step "2.4 — Delete the A–B connection: the traffic stops at once, A's route becomes a blackhole"
pcx=$(ec2 describe-vpc-peering-connections --filters Name=tag:Name,Values=peering-lab-A-B --query 'VpcPeeringConnections[0].VpcPeeringConnectionId' --output text)
run ec2 delete-vpc-peering-connection --stack-name "$stack" --vpc-peering-connection-id "$pcx"
expect "blackhole" run ec2 describe-route-tables --stack-name "$stack" --filters Name=tag:Name,Values=peering-lab-RT-A --query 'RouteTables[0].Routes[].[DestinationCidrBlock,VpcPeeringConnectionId,State]' --output text
if "$VPCLAB" exec peering-lab-Client-A --stack-name "$stack" -- ping -c 1 -W 1 10.2.1.4 >/dev/null; then echo "B still reached" >&2; exit 1; fi
echo "(A no longer reaches B)"
run down --stack-name "$stack"
