#!/usr/bin/env bash
# Interface endpoints with real tools: the first seed lab's section 2.3 step by step (dig before, DNS
# hostnames, an endpoint with private DNS in the private subnet and then both, the regional and zonal
# names, curl from the private instance, private DNS off), the refusals, the endpoint's security group,
# ping, many parallel curls, a second service, and the same service in a second VPC with the same CIDR.
source "$(dirname "$0")/lib.sh"

s=$(new_stack ie)
ec2() { "$VPCLAB" ec2 "$@" --stack-name "$s"; }
on() { local who=$1; shift; "$VPCLAB" exec --stack-name "$s" "$who" -- "$@"; }
endpoint_enis() { ec2 describe-network-interfaces --filters Name=interface-type,Values=vpc_endpoint --query 'NetworkInterfaces[].NetworkInterfaceId' --output text; }
dig_on() { on "$1" dig +short +time=2 +tries=1 "$2" | sort | tr '\n' ' ' | sed 's/ $//'; }
cf=cloudformation.ap-northeast-2.amazonaws.com
svc=com.amazonaws.ap-northeast-2.cloudformation
pub=jh-test-Public-EC2
priv=jh-test-Private-EC2

check "the first seed lab comes up" "$VPCLAB" up "$SOURCE_DIR/labs/endpoints-lab.yaml" --stack-name "$s"
vpc=$(ec2 describe-vpcs --query 'Vpcs[0].VpcId' --output text)
subnet_of() { ec2 describe-subnets --filters "Name=availability-zone,Values=$1" "Name=vpc-id,Values=$vpc" --query 'Subnets[0].SubnetId' --output text; }
pub_subnet=$(subnet_of ap-northeast-2a)
priv_subnet=$(subnet_of ap-northeast-2c)
sg=$(ec2 describe-security-groups --filters Name=group-name,Values='*jhSecurityGroup*' --query 'SecurityGroups[0].GroupId' --output text)
public_cf=$(dig_on "$pub" "$cf")

# --- before: the service's public address, which the private instance cannot reach ---
check_contains "dig +short $cf from the public instance: a public address" "198.18." "$public_cf"
check_equal "… the same from the private instance" "$public_cf" "$(dig_on "$priv" "$cf")"
check_not "the private instance cannot reach it (no route out)" on "$priv" curl -s -m 2 -o /dev/null "http://$cf/"

# --- refusals, each changing nothing ---
out=$(ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id "$vpc" --service-name "$svc" --subnet-ids "$priv_subnet" 2>&1)
check_contains "private DNS needs DNS hostnames: refused with AWS's message" "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true" "$out"
extra_2a=$(ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.10.2.0/24 --availability-zone ap-northeast-2a --query Subnet.SubnetId --output text)
out=$(ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id "$vpc" --service-name "$svc" --subnet-ids "$pub_subnet" "$extra_2a" --no-private-dns-enabled 2>&1)
check_contains "two subnets of one AZ: DuplicateSubnetsInSameZone" "DuplicateSubnetsInSameZone" "$out"
out=$(ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id "$vpc" --service-name "$svc" --subnet-ids subnet-0123456789abcdef0 --no-private-dns-enabled 2>&1)
check_contains "an unknown subnet: InvalidSubnetID.NotFound" "InvalidSubnetID.NotFound" "$out"
out=$(ec2 create-vpc-endpoint --vpc-endpoint-type Gateway --vpc-id "$vpc" --service-name "$svc" 2>&1)
check_contains "CloudFormation as a Gateway endpoint: the type mismatch" "does not match available service types ([Interface])" "$out"
check_equal "no endpoint and no endpoint interface was made" "0 0" "$(ec2 describe-vpc-endpoints --query 'VpcEndpoints[].VpcEndpointId' --output text | wc -w) $(endpoint_enis | wc -w)"
ec2 delete-subnet --subnet-id "$extra_2a"

# --- §2.3.1: DNS hostnames on, the endpoint with private DNS in the private subnet ---
check "modify-vpc-attribute --enable-dns-hostnames" ec2 modify-vpc-attribute --vpc-id "$vpc" --enable-dns-hostnames
endpoint=$(ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id "$vpc" --service-name "$svc" --subnet-ids "$priv_subnet" --security-group-ids "$sg" --query VpcEndpoint.VpcEndpointId --output text)
check_contains "create-vpc-endpoint --vpc-endpoint-type Interface (private DNS on by default)" "vpce-" "$endpoint"
eni_c=$(ec2 describe-network-interfaces --filters Name=interface-type,Values=vpc_endpoint Name=availability-zone,Values=ap-northeast-2c --query 'NetworkInterfaces[0].PrivateIpAddress' --output text)
check_contains "its ENI has an address of the private subnet" "10.10.1." "$eni_c"
check_contains "describe-network-interfaces: RequesterManaged, described as the endpoint's" "VPC Endpoint Interface $endpoint" "$(ec2 describe-network-interfaces --filters Name=interface-type,Values=vpc_endpoint)"
check_equal "dig from the public instance: the ENI's address" "$eni_c" "$(dig_on "$pub" "$cf")"
check_equal "dig from the private instance: the same" "$eni_c" "$(dig_on "$priv" "$cf")"

# --- … then both subnets: every name as the blog shows it ---
check "modify-vpc-endpoint --add-subnet-ids (the public subnet)" ec2 modify-vpc-endpoint --vpc-endpoint-id "$endpoint" --add-subnet-ids "$pub_subnet"
eni_a=$(ec2 describe-network-interfaces --filters Name=interface-type,Values=vpc_endpoint Name=availability-zone,Values=ap-northeast-2a --query 'NetworkInterfaces[0].PrivateIpAddress' --output text)
check_contains "the second ENI is in the public subnet" "10.10.0." "$eni_a"
both=$(printf '%s\n%s\n' "$eni_a" "$eni_c" | sort | tr '\n' ' ' | sed 's/ $//')
names=$(ec2 describe-vpc-endpoints --vpc-endpoint-ids "$endpoint" --query 'VpcEndpoints[0].DnsEntries[].DnsName' --output text)
regional=$(echo "$names" | tr '\t' '\n' | grep -v -- '-ap-northeast-2[ac]\.' | grep vpce.amazonaws.com)
zonal_a=$(echo "$names" | tr '\t' '\n' | grep -- '-ap-northeast-2a\.')
zonal_c=$(echo "$names" | tr '\t' '\n' | grep -- '-ap-northeast-2c\.')
check_contains "DnsEntries: the regional name vpce-<id>-<8>.cloudformation.ap-northeast-2.vpce.amazonaws.com" "$endpoint-" "$regional"
for who in "$pub" "$priv"; do
    check_equal "$who: dig $cf gives both ENIs" "$both" "$(dig_on "$who" "$cf")"
    check_equal "$who: the regional name gives both" "$both" "$(dig_on "$who" "$regional")"
    check_equal "$who: the 2a name gives the public subnet's ENI" "$eni_a" "$(dig_on "$who" "$zonal_a")"
    check_equal "$who: the 2c name gives the private subnet's ENI" "$eni_c" "$(dig_on "$who" "$zonal_c")"
done

# --- §2.3.3: the private instance reaches CloudFormation through the endpoint ---
out=$(on "$priv" curl -s -m 5 "http://$cf/")
check_contains "curl $cf from the private instance works" "cloudformation (com.amazonaws.ap-northeast-2.cloudformation)" "$out"
check_contains "… the service sees an ENI's address as the source" "your address as seen here: 10.10." "$out"
check_contains "… and says which endpoint it came through" "through interface endpoint $endpoint" "$out"
check_contains "curl to the zonal name (the private subnet's ENI) shows that ENI as source" "your address as seen here: $eni_c" "$(on "$priv" curl -s -m 5 "http://$zonal_c/")"
ec2 authorize-security-group-ingress --group-id "$sg" --protocol icmp --port -1 --cidr 10.10.0.0/16 >/dev/null
before=$(drop_count "$s" interface_endpoint_port_closed)
check_not "ping to an ENI gets no reply even with ICMP allowed (endpoint ENIs do not answer ping)" on "$pub" ping -c 1 -W 1 "$eni_a"
check "… counted as interface_endpoint_port_closed" test "$(drop_count "$s" interface_endpoint_port_closed)" -gt "$before"
check_not "nor does TCP to another port (22)" on "$pub" nc -z -w 2 "$eni_a" 22
parallel=$(on "$priv" sh -c "for i in \$(seq 1 40); do curl -s -m 10 -o /dev/null -w '%{http_code}\n' http://$cf/bytes/20000 & done; wait" | grep -c '^200$')
check_equal "40 parallel curls through one endpoint all succeed" "40" "$parallel"
endpoint_connections() { "$VPCLAB" stats --stack-name "$s" --output json | tr -d ' \n' | grep -o '"InterfaceEndpointConnections":{"Connections":[0-9]*' | grep -o '[0-9]*$'; }
closed() { [ "$(endpoint_connections)" = 0 ]; }
check "the endpoint's table held their connections (closed ones stay a few seconds)" test "$(endpoint_connections)" -gt 0
check "… and their connections leave the endpoint's table once closed (seconds, not the 350 s idle timeout)" wait_until 30 closed

# --- the endpoint's security group decides who may connect ---
closed=$(ec2 create-security-group --vpc-id "$vpc" --group-name closed --description "nothing in" --query GroupId --output text)
check "modify-vpc-endpoint: a group with no inbound rules instead of the seed's" ec2 modify-vpc-endpoint --vpc-endpoint-id "$endpoint" --add-security-group-ids "$closed" --remove-security-group-ids "$sg"
before=$(drop_count "$s" security_group_ingress)
check_not "now curl through the endpoint fails" on "$priv" curl -s -m 2 -o /dev/null "http://$eni_c/"
check "… counted as security_group_ingress" test "$(drop_count "$s" security_group_ingress)" -gt "$before"
check "the seed's group back" ec2 modify-vpc-endpoint --vpc-endpoint-id "$endpoint" --add-security-group-ids "$sg" --remove-security-group-ids "$closed"
check_contains "… and curl works again" "through interface endpoint" "$(on "$priv" curl -s -m 5 "http://$cf/")"

# --- private DNS off: the public answer for the service's name, the endpoint's names still private ---
check "modify-vpc-endpoint --no-private-dns-enabled" ec2 modify-vpc-endpoint --vpc-endpoint-id "$endpoint" --no-private-dns-enabled
check_equal "dig $cf: the public address again" "$public_cf" "$(dig_on "$pub" "$cf")"
check_equal "the regional name still gives both ENIs" "$both" "$(dig_on "$pub" "$regional")"
check_contains "curl to the regional name still works from the private instance" "through interface endpoint $endpoint" "$(on "$priv" curl -s -m 5 "http://$regional/")"

# --- a second service's endpoint in the same VPC ---
sts=$(ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id "$vpc" --service-name com.amazonaws.ap-northeast-2.sts --subnet-ids "$priv_subnet" --security-group-ids "$sg" --query VpcEndpoint.VpcEndpointId --output text)
check_contains "an STS endpoint next to it" "vpce-" "$sts"
check_contains "curl sts.… from the private instance reaches STS through its own endpoint" "through interface endpoint $sts" "$(on "$priv" curl -s -m 5 http://sts.ap-northeast-2.amazonaws.com/)"

# --- the same service in a second VPC with the same CIDR, at once ---
vpc2=$(ec2 create-vpc --cidr-block 10.10.0.0/16 --query Vpc.VpcId --output text)
ec2 modify-vpc-attribute --vpc-id "$vpc2" --enable-dns-hostnames
subnet2=$(ec2 create-subnet --vpc-id "$vpc2" --cidr-block 10.10.1.0/24 --availability-zone ap-northeast-2c --query Subnet.SubnetId --output text)
sg2=$(ec2 create-security-group --vpc-id "$vpc2" --group-name web --description web --query GroupId --output text)
ec2 authorize-security-group-ingress --group-id "$sg2" --protocol tcp --port 80 --cidr 0.0.0.0/0 >/dev/null
ec2 run-instances --subnet-id "$subnet2" --private-ip-address 10.10.1.4 --security-group-ids "$sg2" --tag-specifications 'ResourceType=instance,Tags=[{Key=Name,Value=twin}]' >/dev/null
twin_id=$(ec2 describe-instances --filters Name=tag:Name,Values=twin --query 'Reservations[0].Instances[0].InstanceId' --output text)
check "a twin of the private instance (same address) in the second VPC runs" ec2 wait instance-running --instance-ids "$twin_id"
check "private DNS back on in the first VPC" ec2 modify-vpc-endpoint --vpc-endpoint-id "$endpoint" --private-dns-enabled
check_equal "the twin's VPC still sees the public address: private DNS answers in the endpoint's VPC only" "$public_cf" "$(dig_on twin "$cf")"
endpoint2=$(ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id "$vpc2" --service-name "$svc" --subnet-ids "$subnet2" --security-group-ids "$sg2" --query VpcEndpoint.VpcEndpointId --output text)
check_contains "its own CloudFormation endpoint, private DNS on" "vpce-" "$endpoint2"
check_contains "now the twin's dig gives its own endpoint's ENI, in 10.10.1.0/24 of its VPC" "10.10.1." "$(dig_on twin "$cf")"
on "$priv" sh -c "curl -s -m 10 http://$cf/bytes/300000 > /tmp/first" &
background_pids+=($!)
on twin sh -c "curl -s -m 10 http://$cf/bytes/300000 > /tmp/second"
wait_until 10 on "$priv" sh -c "[ \$(wc -c < /tmp/first) -eq 300000 ]"
check_contains "the twin's request went through its own VPC's endpoint" "through interface endpoint $endpoint2 of $vpc2" "$(on twin head -c 400 /tmp/second)"
check_contains "… while the private instance's, at the same time and from the same address, went through the first" "through interface endpoint $endpoint of $vpc" "$(on "$priv" head -c 400 /tmp/first)"
check_equal "both got every byte" "300000 300000" "$(on "$priv" sh -c 'wc -c < /tmp/first') $(on twin sh -c 'wc -c < /tmp/second')"

# --- clean-up (§2.4): deleting the endpoints restores the public answer and takes their ENIs ---
check "delete-vpc-endpoints" ec2 delete-vpc-endpoints --vpc-endpoint-ids "$endpoint" "$sts" "$endpoint2"
check_equal "dig $cf: the public address again" "$public_cf" "$(dig_on "$pub" "$cf")"
check_equal "no endpoint interfaces are left" "0" "$(endpoint_enis | wc -w)"
check "down" "$VPCLAB" down --stack-name "$s"
check_equal "nothing of the stack is left" "" "$(stack_leftovers "$s")"
finish
