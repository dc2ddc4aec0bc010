#!/usr/bin/env bash
# Gateway endpoints and prefix lists in a lab built by commands: two VPCs with the same CIDR, an instance at
# the same private address in each, downloading from S3 through their own endpoints at the same time (each
# gets its own bytes); a customer-managed prefix list whose entries change forwarding at once.
source "$(dirname "$0")/lib.sh"

s=$(new_stack gwe)
ec2() { "$VPCLAB" ec2 "$@" --stack-name "$s"; }
on() { local who=$1; shift; "$VPCLAB" exec "$who" --stack-name "$s" -- "$@"; }
named() { echo "ResourceType=$1,Tags=[{Key=Name,Value=$2}]"; }

check "an empty stack comes up" "$VPCLAB" up --empty --stack-name "$s"
# Two VPCs, both 10.0.0.0/16, each with a subnet 10.0.1.0/24, an instance at 10.0.1.4 and an S3 endpoint
# on the subnet's (main) table. VPC a also has an internet gateway and gives its instance a public IP.
for side in a b; do
    vpc=$(ec2 create-vpc --cidr-block 10.0.0.0/16 --tag-specifications "$(named vpc "vpc-$side")" --query Vpc.VpcId --output text)
    subnet=$(ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.0.1.0/24 --availability-zone ap-northeast-2a --query Subnet.SubnetId --output text)
    rt=$(ec2 describe-route-tables --filters "Name=vpc-id,Values=$vpc" --query 'RouteTables[0].RouteTableId' --output text)
    declare "vpc_$side=$vpc" "rt_$side=$rt"
    extra=()
    if [ "$side" = a ]; then
        igw=$(ec2 create-internet-gateway --query InternetGateway.InternetGatewayId --output text)
        ec2 attach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$vpc"
        extra=(--associate-public-ip-address)
    fi
    instance=$(ec2 run-instances --subnet-id "$subnet" --private-ip-address 10.0.1.4 --tag-specifications "$(named instance "$side")" "${extra[@]}" \
        --query 'Instances[0].InstanceId' --output text)
    declare "instance_$side=$instance"
    endpoint=$(ec2 create-vpc-endpoint --vpc-id "$vpc" --service-name com.amazonaws.ap-northeast-2.s3 --route-table-ids "$rt" \
        --query VpcEndpoint.VpcEndpointId --output text)
    declare "endpoint_$side=$endpoint"
done
check "both instances turn running" ec2 wait instance-running --instance-ids "$instance_a" "$instance_b"
check_equal "both have the private address 10.0.1.4" "10.0.1.4 10.0.1.4" \
    "$(ec2 describe-instances --query 'Reservations[].Instances[].PrivateIpAddress' --output text | tr '\t\n' '  ' | sed 's/ *$//')"

s3=http://s3.ap-northeast-2.amazonaws.com
for side in a b; do
    endpoint_var=endpoint_$side
    check_contains "S3 sees $side's request from 10.0.1.4 through ${!endpoint_var}" "through gateway endpoint ${!endpoint_var}" "$(on "$side" curl -s -m 5 $s3/)"
done

# One by one first: what each should get (S3's answer names the endpoint, so the two differ).
size=20000000
for side in a b; do declare "alone_$side=$(on "$side" sh -c "curl -s -m 60 $s3/bytes/$size | sha256sum")"; done
check_not "the two answers differ (each names its own endpoint)" test "$alone_a" = "$alone_b"
# Then at the same moment, from the same address and (as far as chance allows) the same ports.
on a sh -c "curl -s -m 60 $s3/bytes/$size | sha256sum" >"/tmp/$s-a.sum" &
pa=$!
on b sh -c "curl -s -m 60 $s3/bytes/$size | sha256sum" >"/tmp/$s-b.sum" &
pb=$!
background_pids+=($pa $pb)
wait $pa $pb
check_equal "a's concurrent download is a's, byte for byte" "$alone_a" "$(cat "/tmp/$s-a.sum")"
check_equal "b's concurrent download is b's, byte for byte" "$alone_b" "$(cat "/tmp/$s-b.sum")"
rm -f "/tmp/$s-a.sum" "/tmp/$s-b.sum"

# A customer-managed prefix list as a route destination: its entries decide, and a change acts at once.
example=http://example.com
check_not "a: example.com has no route yet" on a curl -s -m 2 $example/
pl=$(ec2 create-managed-prefix-list --prefix-list-name internet-hosts --max-entries 10 --address-family IPv4 \
    --entries Cidr=198.18.100.10/32,Description=example.com --query PrefixList.PrefixListId --output text)
check "create-route --destination-prefix-list-id to the internet gateway" ec2 create-route --route-table-id "$rt_a" --destination-prefix-list-id "$pl" --gateway-id "$igw"
public_ip=$(ec2 describe-instances --filters Name=tag:Name,Values=a --query 'Reservations[0].Instances[0].PublicIpAddress' --output text)
check_contains "a reaches example.com through the list's route, with its public IP" "your address as seen here: $public_ip" "$(on a curl -s -m 5 $example/)"
check_not "example.org is not in the list" on a curl -s -m 2 http://example.org/
check_equal "modify-managed-prefix-list adds example.org: version 2" "2" \
    "$(ec2 modify-managed-prefix-list --prefix-list-id "$pl" --current-version 1 --add-entries Cidr=198.18.100.11/32 --query PrefixList.Version --output text)"
check "… and example.org is reached at once" on a curl -s -m 5 http://example.org/
err=$(ec2 modify-managed-prefix-list --prefix-list-id "$pl" --current-version 1 --remove-entries Cidr=198.18.100.10/32 2>&1)
check_contains "a change against an old version is refused" "(PrefixListVersionMismatch)" "$err"
check "… nothing changed: example.com still reached" on a curl -s -m 5 $example/
ec2 modify-managed-prefix-list --prefix-list-id "$pl" --current-version 2 --remove-entries Cidr=198.18.100.10/32 >/dev/null
check_not "example.com removed from the list: no route at once" on a curl -s -m 2 $example/
check_contains "S3 is still reached through the endpoint meanwhile" "through gateway endpoint $endpoint_a" "$(on a curl -s -m 5 $s3/)"

check "down succeeds" "$VPCLAB" down --stack-name "$s"
check_equal "no namespace, /etc/netns entry or state is left" "" "$(stack_leftovers "$s")"
finish
