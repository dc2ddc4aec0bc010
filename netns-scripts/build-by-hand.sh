#!/usr/bin/env bash
# The second seed lab's section 1 ("게이트웨이 엔드포인트 기본구성"), built by hand as the blog does in the
# console, one `vpclab ec2` command per click: VPC 10.0.0.0/16, a private subnet 10.0.1.0/24 in
# ap-northeast-2a and a public one 10.0.0.0/24 in ap-northeast-2c, a route table for each, the internet
# gateway, the two instances. Then the blog's check: the public instance pings S3 by name, the private
# one cannot; the two reach each other. Then the blog's gateway endpoint (its steps 6–10): created for S3 on
# both route tables, checked, its routes shown, and both instances reach S3 privately. Then the blog's
# clean-up, in its order (the endpoint first).
# Interactive on a terminal (Enter moves on); straight through otherwise, so CI runs it as a test.
# VPCLAB_CLI=aws runs every step with the real aws CLI instead (`vpclab aws ec2 …`: Debian's aws over the
# lab's EC2 endpoint), as the test netns_build_by_hand_aws does.
stack_prefix=byhand
source "$(dirname "$0")/walkthrough.sh"
# Shows the command as a user would type it (without --stack-name), runs it.
ec2() {
    if [ "${VPCLAB_CLI:-vpclab}" = aws ]; then
        echo "\$ aws ec2 $*" >&2
        "$VPCLAB" aws --stack-name "$stack" ec2 "$@"
        return
    fi
    echo "\$ vpclab ec2 $*" >&2
    "$VPCLAB" ec2 "$@" --stack-name "$stack"
}
run() {
    echo "\$ vpclab $*"
    "$VPCLAB" "$1" --stack-name "$stack" "${@:2}"
}
named() { echo "ResourceType=$1,Tags=[{Key=Name,Value=$2}]"; }
must_fail() {
    if "$@"; then echo "expected this to fail" >&2; exit 1; fi
}

step "An empty lab: the simulated region and the VPC resolver, no VPC yet"
"$VPCLAB" up --empty --stack-name "$stack"

step "1. The VPC (서비스>VPC>VPC 생성): 10.0.0.0/16"
vpc=$(ec2 create-vpc --cidr-block 10.0.0.0/16 --tag-specifications "$(named vpc endpoint-vpc)" --query Vpc.VpcId --output text)
echo "$vpc"

step "2. The subnets: endpoint-private-SN 10.0.1.0/24 in ap-northeast-2a, endpoint-public-SN 10.0.0.0/24 in ap-northeast-2c"
private_sn=$(ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.0.1.0/24 --availability-zone ap-northeast-2a \
    --tag-specifications "$(named subnet endpoint-private-SN)" --query Subnet.SubnetId --output text)
public_sn=$(ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.0.0.0/24 --availability-zone ap-northeast-2c \
    --tag-specifications "$(named subnet endpoint-public-SN)" --query Subnet.SubnetId --output text)
echo "$private_sn $public_sn"

step "3. The route tables, each associated with its subnet"
public_rt=$(ec2 create-route-table --vpc-id "$vpc" --tag-specifications "$(named route-table Endpoint-public-RT)" --query RouteTable.RouteTableId --output text)
private_rt=$(ec2 create-route-table --vpc-id "$vpc" --tag-specifications "$(named route-table Endpoint-private-RT)" --query RouteTable.RouteTableId --output text)
ec2 associate-route-table --route-table-id "$public_rt" --subnet-id "$public_sn" --query AssociationId --output text
ec2 associate-route-table --route-table-id "$private_rt" --subnet-id "$private_sn" --query AssociationId --output text

step "4. The internet gateway Endpoint-IGW, attached to the VPC; the public table's 0.0.0.0/0 goes to it"
igw=$(ec2 create-internet-gateway --tag-specifications "$(named internet-gateway Endpoint-IGW)" --query InternetGateway.InternetGatewayId --output text)
ec2 attach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$vpc"
ec2 create-route --route-table-id "$public_rt" --destination-cidr-block 0.0.0.0/0 --gateway-id "$igw" --output text
ec2 describe-route-tables --route-table-ids "$public_rt" "$private_rt" --output text

step "5. The instances: Endpoint-public-EC2 (with a public IP) and Endpoint-private-EC2; each is pending until its namespace is up"
public_ec2=$(ec2 run-instances --image-id ami-0c9c942bd7bf113a2 --instance-type t2.micro --subnet-id "$public_sn" \
    --associate-public-ip-address --tag-specifications "$(named instance Endpoint-public-EC2)" \
    --query 'Instances[0].InstanceId' --output text)
private_ec2=$(ec2 run-instances --image-id ami-0c9c942bd7bf113a2 --instance-type t2.micro --subnet-id "$private_sn" \
    --tag-specifications "$(named instance Endpoint-private-EC2)" --query 'Instances[0].InstanceId' --output text)
ec2 wait instance-running --instance-ids "$public_ec2" "$private_ec2"
run ls
private_ip=$(ec2 describe-instances --instance-ids "$private_ec2" --query 'Reservations[0].Instances[0].PrivateIpAddress' --output text)

step "6. From Endpoint-public-EC2: ping S3 by name. Through the internet gateway it answers"
run exec Endpoint-public-EC2 -- ping -c 3 -i 0.3 s3.ap-northeast-2.amazonaws.com

step "6. From Endpoint-private-EC2 the same ping gets nothing: its table has no way out of the VPC (통신불가)"
echo "\$ vpclab exec Endpoint-private-EC2 -- ping -c 2 -W 1 s3.ap-northeast-2.amazonaws.com"
must_fail "$VPCLAB" exec Endpoint-private-EC2 --stack-name "$stack" -- ping -c 2 -W 1 s3.ap-northeast-2.amazonaws.com

step "Inside the VPC the two reach each other (the local route)"
run exec Endpoint-public-EC2 -- ping -c 2 -i 0.3 "$private_ip"

step "6. 엔드포인트 생성: the S3 gateway endpoint in endpoint-vpc, on Endpoint-private-RT and Endpoint-public-RT
   (the console's table names work here too, where the aws CLI wants IDs)"
endpoint=$(ec2 create-vpc-endpoint --vpc-id "$vpc" --vpc-endpoint-type Gateway --service-name com.amazonaws.ap-northeast-2.s3 \
    --route-table-ids Endpoint-private-RT Endpoint-public-RT --query VpcEndpoint.VpcEndpointId --output text)
echo "$endpoint"

step "7. 엔드포인트 생성확인: attached to endpoint-vpc, service com.amazonaws.ap-northeast-2.s3, type Gateway"
ec2 describe-vpc-endpoints --vpc-endpoint-ids "$endpoint" --query 'VpcEndpoints[0].[VpcId,ServiceName,VpcEndpointType,State]' --output text

step "8. 라우팅테이블 확인: each table now has a route from S3's prefix list (pl-…) to the endpoint (vpce-…)"
ec2 describe-route-tables --route-table-ids "$public_rt" "$private_rt" \
    --query 'RouteTables[].Routes[].[DestinationCidrBlock,DestinationPrefixListId,GatewayId]' --output text
ec2 get-managed-prefix-list-entries --prefix-list-id \
    "$(ec2 describe-route-tables --route-table-ids "$private_rt" --query 'RouteTables[0].Routes[-1].DestinationPrefixListId' --output text)"

step "9–10. 통신확인: both instances reach S3 now, the private one too, through the endpoint"
run exec Endpoint-public-EC2 -- ping -c 2 -i 0.3 s3.ap-northeast-2.amazonaws.com
run exec Endpoint-private-EC2 -- ping -c 2 -i 0.3 s3.ap-northeast-2.amazonaws.com
echo "S3 sees the private addresses, and the endpoint they came through:"
run exec Endpoint-private-EC2 -- curl -s http://s3.ap-northeast-2.amazonaws.com/
run exec Endpoint-public-EC2 -- curl -s http://s3.ap-northeast-2.amazonaws.com/

step "Clean-up in the blog's order (엔드포인트삭제 first): the endpoint, instances, subnets, route tables, the gateway (detached first), the VPC"
ec2 delete-vpc-endpoints --vpc-endpoint-ids "$endpoint" --query 'Unsuccessful' --output text
ec2 terminate-instances --instance-ids "$public_ec2" "$private_ec2" --query 'TerminatingInstances[].CurrentState.Name' --output text
ec2 wait instance-terminated --instance-ids "$public_ec2" "$private_ec2"
ec2 delete-subnet --subnet-id "$private_sn"
ec2 delete-subnet --subnet-id "$public_sn"
ec2 delete-route-table --route-table-id "$public_rt"
ec2 delete-route-table --route-table-id "$private_rt"
ec2 detach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$vpc"
ec2 delete-internet-gateway --internet-gateway-id "$igw"
ec2 delete-vpc --vpc-id "$vpc"
ec2 describe-vpcs --query 'Vpcs[].VpcId' --output text
run down
