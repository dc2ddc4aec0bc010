#!/usr/bin/env bash
# The real aws CLI (Debian's /usr/bin/aws, not whatever comes first on PATH) and boto3 against a lab's AWS
# endpoint: a VPC built by hand with `aws ec2` (--query, --output table|text, --filters, the instance-running
# waiter, paging), the same lab seen by `vpclab ec2`, an instance the internet reaches, its flow logs read
# with `aws logs` (JSON 1.1), `vpclab aws`, the
# endpoint on 127.0.0.1 alone, credentials files only root reads, and refused requests (another stack's key,
# a wrong secret, --dry-run) that change nothing.
source "$(dirname "$0")/lib.sh"

[ -x /usr/bin/aws ] || { echo "FAIL - /usr/bin/aws is missing: scripts/setup.sh installs awscli"; exit 1; }
quiet() { "$@" >/dev/null; }
s=$(new_stack aws)
other=$(new_stack aws2)
check "an empty stack comes up" quiet "$VPCLAB" up --empty --stack-name "$s" --flow-log-speedup 60
check "a second stack comes up (the first seed lab)" quiet "$VPCLAB" up --stack-name "$other"
endpoint=$("$VPCLAB" endpoint --stack-name "$s")
port=${endpoint##*:}
check_contains "vpclab endpoint prints an address on 127.0.0.1" "http://127.0.0.1:" "$endpoint"
check_contains "vpclab ls shows it" "$endpoint" "$("$VPCLAB" ls --stack-name "$s")"
router_pid=$(cat "/run/vpclab/$s/router.pid")
console_port=$("$VPCLAB" console --stack-name "$s" 2>/dev/null | sed -E 's|^http://127\.0\.0\.1:([0-9]+)/.*|\1|')
check_equal "the router listens on TCP at 127.0.0.1:$port (and its console's 127.0.0.1:$console_port), nowhere else" \
    "$(printf '127.0.0.1:%s\n' "$port" "$console_port" | sort -u | tr '\n' ' ' | sed 's/ $//')" \
    "$(ss -Hltnp | grep "pid=$router_pid," | awk '{print $4}' | sort -u | tr '\n' ' ' | sed 's/ $//')"
check_equal "the credentials file is root's alone" "600 root" "$(stat -c '%a %U' "/run/vpclab/$s/aws/credentials")"
check_equal "… in a directory only root enters" "700" "$(stat -c '%a' "/run/vpclab/$s/aws")"
check_contains "the config names the stack's region" "region = ap-northeast-2" "$(cat "/run/vpclab/$s/aws/config")"

eval "$("$VPCLAB" aws-env --stack-name "$s")"
aws() { timeout 60 /usr/bin/aws --cli-read-timeout 10 --endpoint-url "$endpoint" "$@"; }
awsq() { aws "$@" >/dev/null; }
vpcs_now() { "$VPCLAB" ec2 describe-vpcs --stack-name "$s" --query 'length(Vpcs)' --output text; }

vpc=$(aws ec2 create-vpc --cidr-block 10.0.0.0/16 --tag-specifications 'ResourceType=vpc,Tags=[{Key=Name,Value=aws-cli-vpc}]' --query Vpc.VpcId --output text)
check_contains "aws ec2 create-vpc makes a VPC" "vpc-" "$vpc"
check_equal "describe-vpcs --filters finds it by its tag" "$vpc" "$(aws ec2 describe-vpcs --filters Name=tag:Name,Values=aws-cli-vpc --query 'Vpcs[].VpcId' --output text)"
check_equal "vpclab ec2 sees the same VPC (one lab, one registry)" "10.0.0.0/16" \
    "$("$VPCLAB" ec2 describe-vpcs --stack-name "$s" --vpc-ids "$vpc" --query 'Vpcs[0].CidrBlock' --output text)"
subnet=$(aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.0.1.0/24 --availability-zone ap-northeast-2a --query Subnet.SubnetId --output text)
igw=$(aws ec2 create-internet-gateway --query InternetGateway.InternetGatewayId --output text)
check "attach-internet-gateway" awsq ec2 attach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$vpc"
rt=$(aws ec2 create-route-table --vpc-id "$vpc" --query RouteTable.RouteTableId --output text)
check "associate-route-table" awsq ec2 associate-route-table --route-table-id "$rt" --subnet-id "$subnet"
check_equal "create-route to the internet gateway" "True" \
    "$(aws ec2 create-route --route-table-id "$rt" --destination-cidr-block 0.0.0.0/0 --gateway-id "$igw" --output text)"
sg=$(aws ec2 create-security-group --group-name web --description "web servers" --vpc-id "$vpc" --query GroupId --output text)
check "authorize-security-group-ingress with the CLI's --protocol/--port/--cidr" \
    awsq ec2 authorize-security-group-ingress --group-id "$sg" --protocol tcp --port 22 --cidr 0.0.0.0/0
check "… and with --ip-permissions" \
    awsq ec2 authorize-security-group-ingress --group-id "$sg" --ip-permissions 'IpProtocol=icmp,FromPort=-1,ToPort=-1,IpRanges=[{CidrIp=0.0.0.0/0}]'
check_equal "the group has both rules" "icmp tcp" \
    "$(aws ec2 describe-security-groups --group-ids "$sg" --query 'SecurityGroups[0].IpPermissions[].IpProtocol' --output text | tr '\t' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
ids=$(aws ec2 run-instances --image-id ami-0c9c942bd7bf113a2 --instance-type t3.micro --subnet-id "$subnet" --security-group-ids "$sg" \
    --associate-public-ip-address --count 2 --tag-specifications 'ResourceType=instance,Tags=[{Key=Name,Value=web}]' \
    --query 'Instances[].InstanceId' --output text)
check_equal "run-instances --count 2 launches two" "2" "$(wc -w <<<"$ids")"
# shellcheck disable=SC2086 # two IDs
check "aws ec2 wait instance-running returns" aws ec2 wait instance-running --instance-ids $ids
table=$(aws ec2 describe-instances --filters Name=tag:Name,Values=web --query 'Reservations[].Instances[].[InstanceId,State.Name]' --output table)
check_contains "--output table shows them running" "running" "$table"
check_equal "… both of them" "2" "$(grep -c running <<<"$table")"
check_contains "create-flow-logs to a CloudWatch Logs group" "fl-" \
    "$(aws ec2 create-flow-logs --resource-type VPC --resource-ids "$vpc" --traffic-type ALL --log-group-name aws-cli-flows --max-aggregation-interval 60 --query 'FlowLogIds[0]' --output text)"
public_ip=$(aws ec2 describe-instances --instance-ids "${ids%%[[:space:]]*}" --query 'Reservations[0].Instances[0].PublicIpAddress' --output text)
check "the internet reaches the instance's public IP (the data path follows the API)" \
    "$VPCLAB" exec region --stack-name "$s" -- ping -c 1 -W 2 "$public_ip"
# CloudWatch Logs over JSON 1.1: the ping's flow records, read with the real CLI (aws logs tail included).
logs_have_ping() {
    aws logs filter-log-events --log-group-name aws-cli-flows --query 'events[].message' --output text \
        --filter-pattern '[version, account, eni, source, destination, srcport, dstport, protocol = 1, packets, bytes, start, end, action = ACCEPT, status]' |
        grep -q ACCEPT
}
check "aws logs filter-log-events finds the ping's ACCEPT record (JSON 1.1)" wait_until 20 logs_have_ping
check_contains "describe-log-groups lists the group" "aws-cli-flows" "$(aws logs describe-log-groups --query 'logGroups[].logGroupName' --output text)"
check_contains "aws logs tail prints its events" "ACCEPT OK" "$(aws logs tail aws-cli-flows --since 1h)"
check_contains "a missing group is ResourceNotFoundException" "ResourceNotFoundException" "$(aws logs describe-log-streams --log-group-name nope 2>&1)"
for n in 2 3 4 5 6 7; do
    "$VPCLAB" ec2 create-subnet --stack-name "$s" --vpc-id "$vpc" --cidr-block "10.0.$n.0/24" --availability-zone ap-northeast-2a >/dev/null
done
paging_log=$(mktemp)
subnets=$(aws ec2 describe-subnets --filters "Name=vpc-id,Values=$vpc" --page-size 5 --query 'Subnets[].SubnetId' --output text --debug 2>"$paging_log" | wc -w)
check_equal "--page-size 5 reads the VPC's seven subnets in two pages (MaxResults, NextToken)" "7 2" \
    "$subnets $(grep -c 'Making request for OperationModel(name=DescribeSubnets)' "$paging_log")"
rm -f "$paging_log"
check_equal "--max-items 3 stops at three" "3" \
    "$(aws ec2 describe-subnets --filters "Name=vpc-id,Values=$vpc" --page-size 5 --max-items 3 --query 'length(Subnets)' --output json)"
check_equal "vpclab aws runs the CLI with the stack's endpoint and credentials" "$vpc" \
    "$(env -u AWS_SHARED_CREDENTIALS_FILE -u AWS_CONFIG_FILE -u AWS_PROFILE "$VPCLAB" aws --stack-name "$s" ec2 describe-vpcs --vpc-ids "$vpc" --query 'Vpcs[0].VpcId' --output text)"
check_contains "elbv2 answers in the Query protocol (LoadBalancerNotFound)" "LoadBalancerNotFound" \
    "$(aws elbv2 describe-load-balancers --names nope 2>&1)"

# The endpoint under abuse: forwarding is never held up, and the router's memory stays bounded.
abuse() { /usr/bin/python3 "$SOURCE_DIR/tests/netns/endpoint-abuse.py" "$port" "$@"; }
second_ip=$(aws ec2 describe-instances --instance-ids $(awk '{print $2}' <<<"$ids") --query 'Reservations[0].Instances[0].PrivateIpAddress' --output text)
ping_figures() { grep -o 'rtt min/avg/max/mdev = [0-9./]*' <<<"$1" | cut -d' ' -f4; }
pings_unharmed() {  # COUNT "while …": pings every 10 ms between the two instances all come back, none stalled
    local out
    out=$("$VPCLAB" exec "${ids%%[[:space:]]*}" --stack-name "$s" -- ping -i 0.01 -c "$1" -W 1 "$second_ip" 2>&1)
    check_contains "pings every 10 ms $2: no loss" " 0% packet loss" "$out"
    check "… none stalled (max RTT under 250 ms)" test "$(ping_figures "$out" | cut -d/ -f3 | cut -d. -f1)" -lt 250
    echo "# ping -i 0.01 -c $1 $2: rtt min/avg/max/mdev $(ping_figures "$out") ms"
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$router_pid/status"; }
rss_before=$(rss_kb)
work=$(mktemp -d)
abuse idle 200 3 >"$work/idle.out" &
background_pids+=($!)
check "200 idle clients connect to the endpoint, none refused" wait_until 5 grep -q "^connected 200 refused 0$" "$work/idle.out"
check "describe-vpcs is answered while they are" aws ec2 describe-vpcs --query 'Vpcs[0].VpcId'
pings_unharmed 100 "while 200 idle clients hold the endpoint"
check "the idle clients' probe is done" wait_until 10 grep -q "^closed-by-server" "$work/idle.out"
# Held 3 s, under the 5 s deadline: only the cap of 32 explains those closed (168 make room, 1 for the CLI).
check_equal "the endpoint keeps its 32-client cap: the 169 oldest idle clients were dropped" "closed-by-server 169" "$(grep "^closed-by-server" "$work/idle.out")"
abuse drip 10 >"$work/drip.out" &
background_pids+=($!)
check "a client drips a request a byte each 200 ms" wait_until 5 grep -q "^dripping" "$work/drip.out"
pings_unharmed 200 "while a client drips"
check "the dripping client is dropped at its 5 s deadline" wait_until 10 grep -q "^closed-by-server after [4-6]" "$work/drip.out"
out=$(abuse large)
check_contains "a 10 MB body is answered 413 before it is read" "status 'HTTP/1.1 413 Content Too Large'" "$out"
echo "# $out"
odd_tags=$(/usr/bin/python3 -c 'import json; print(json.dumps([{"Key": "odd", "Value": "<b>&amp;\x27\"\t;]]>"}]))')
check "a tag value XML must escape goes in" awsq ec2 create-tags --resources "$vpc" --tags "$odd_tags"
check_equal "… and comes back as it went in" "$odd_tags" \
    "$(aws ec2 describe-vpcs --vpc-ids "$vpc" --query 'Vpcs[0].Tags[?Key==`odd`]' --output json | /usr/bin/python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)))')"
out=$(curl -s --max-time 5 -d 'Action=DescribeVpcs&Version=2016-11-15&VpcId.1=%zz' "$endpoint")
check_contains "an unsigned request is refused in EC2's format, before its form is read" "<Code>MissingAuthenticationToken</Code>" "$out"
rss_after=$(rss_kb)
check "the router's memory stayed bounded (grew under 64 MiB: $rss_before -> $rss_after KiB)" test $((rss_after - rss_before)) -lt 65536
echo "# router RSS $rss_before KiB before the abuse, $rss_after KiB after"

# Refusals change nothing.
before=$(vpcs_now)
out=$(aws ec2 create-vpc --cidr-block 10.1.0.0/16 --dry-run 2>&1)
check_contains "--dry-run answers DryRunOperation" "DryRunOperation" "$out"
out=$(AWS_SHARED_CREDENTIALS_FILE=/run/vpclab/$other/aws/credentials aws ec2 create-vpc --cidr-block 10.1.0.0/16 2>&1)
check_contains "another stack's credentials are refused" "AuthFailure" "$out"
out=$(AWS_ACCESS_KEY_ID=$(awk '/aws_access_key_id/ {print $3}' "/run/vpclab/$s/aws/credentials") AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong \
      aws ec2 create-vpc --cidr-block 10.1.0.0/16 2>&1)
check_contains "a wrong secret is refused" "AuthFailure" "$out"
out=$(aws ec2 create-vpc --cidr-block 10.1.0.0/16 --ipv6-cidr-block-network-border-group x 2>&1)
check_contains "a member of the API vpclab does not implement is refused by name" "Ipv6CidrBlockNetworkBorderGroup" "$out"
check_equal "none of them made a VPC" "$before" "$(vpcs_now)"

# CloudFormation: the template the second lab was made from is its first stack.
cfn() { timeout 60 "$VPCLAB" aws --stack-name "$other" cloudformation "$@"; }
check_equal "describe-stacks shows the lab's template as a CREATE_COMPLETE stack" "$other CREATE_COMPLETE" \
    "$(cfn describe-stacks --query 'Stacks[0].[StackName,StackStatus]' --output text | tr '\t' ' ')"
check "aws cloudformation wait stack-create-complete returns" cfn wait stack-create-complete --stack-name "$other"
seed_vpc=$("$VPCLAB" ec2 describe-vpcs --stack-name "$other" --query 'Vpcs[0].VpcId' --output text)
check_equal "list-stack-resources gives jhVPC's physical ID, the VPC EC2 shows" "$seed_vpc" \
    "$(cfn list-stack-resources --stack-name "$other" --query "StackResourceSummaries[?LogicalResourceId=='jhVPC'].PhysicalResourceId" --output text)"
check_contains "describe-stack-events ends with the stack's CREATE_COMPLETE" "CREATE_COMPLETE" \
    "$(cfn describe-stack-events --stack-name "$other" --query 'StackEvents[0].[ResourceType,ResourceStatus]' --output text)"
check_contains "get-template returns the template" "jhVPC" "$(cfn get-template --stack-name "$other" --query TemplateBody --output text)"
check_contains "validate-template names a typo in a resource type" "did you mean AWS::EC2::VPC" \
    "$(cfn validate-template --template-body $'Resources:\n  V:\n    Type: AWS::EC2::VPCC\n' 2>&1)"
check_contains "a stack the lab lacks is ValidationError" "Stack with id nope does not exist" "$(cfn describe-stacks --stack-name nope 2>&1)"

check "boto3 builds a VPC, a subnet, an instance and a gateway endpoint" /usr/bin/python3 "$SOURCE_DIR/tests/netns/boto3_lab.py" "$endpoint"

check "down removes the stacks" quiet "$VPCLAB" down --stack-name "$s"
"$VPCLAB" down --stack-name "$other" >/dev/null
check_equal "nothing of them is left" "" "$(stack_leftovers "$s"; stack_leftovers "$other")"
check_equal "nothing listens on the endpoint's port any more" "" "$(ss -Hltn "sport = :$port")"
finish
