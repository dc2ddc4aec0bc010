#!/usr/bin/env bash
# The guided demo: the first seed lab (built into vpclab) from start to finish — 2.1 ("basic environment"),
# 2.2 (the S3 gateway endpoint), 2.3 (the CloudFormation interface endpoint with private DNS) and 2.4
# (clean-up) — with the blog's own commands: ssh to the public instance with the key, on to the private one
# with the UserData's password, ping, dig +short and curl from both instances; what the blog does in the
# console is done with `vpclab ec2` (VPCLAB_CLI=aws: with the real aws CLI, as the test netns_demo_aws runs it).
# Interactive on a terminal (Enter moves on); straight through otherwise, so CI runs it as a test.
#
#   jh-test-Public-EC2  10.10.0.4  public subnet 10.10.0.0/24   (route 0.0.0.0/0 → IGW)
#   jh-test-Private-EC2 10.10.1.4  private subnet 10.10.1.0/24  (local route only)
# VPCLAB_BACKEND=ovn: the same walk-through of 2.1 and 2.2 on the OVN backend (vpclab up --backend ovn
# --chassis 2: the two instances on different chassis, their traffic across GENEVE; docs/ovn-backend.md), as
# the test netns_demo_ovn runs it; it stops before 2.3, whose interface endpoint that backend does not compile.
stack_prefix=demo
source "$(dirname "$0")/walkthrough.sh"
backend=${VPCLAB_BACKEND:-userspace}
up_args=()
[ "$backend" = ovn ] && up_args=(--backend ovn --chassis 2)
run() {
    echo "\$ vpclab $*" | sed "s| --stack-name $stack||"
    "$VPCLAB" "$@"
}

step "Bring the lab up: the seed's CloudFormation template, verbatim, built into vpclab
(--flow-log-speedup 60: flow logs' one-minute aggregation windows last a second here)"
run up --stack-name "$stack" --flow-log-speedup 60 "${up_args[@]}"

# VPCLAB_CLI=aws: every `vpclab ec2` and `vpclab logs` step with the real aws CLI over the lab's endpoint
# (`vpclab aws …`: Debian's aws), resources named by their IDs as the real CLI wants them (vpclab also takes
# Name tags); the test netns_demo_aws runs it so.
cli=${VPCLAB_CLI:-vpclab}
ec2q() { if [ "$cli" = aws ]; then "$VPCLAB" aws --stack-name "$stack" ec2 "$@"; else "$VPCLAB" ec2 "$@" --stack-name "$stack"; fi; }
ec2() { echo "\$ $cli ec2 $*"; ec2q "$@"; }
logsq() { if [ "$cli" = aws ]; then "$VPCLAB" aws --stack-name "$stack" logs "$@"; else "$VPCLAB" logs "$@" --stack-name "$stack"; fi; }
# A subnet or route table the blog names by its Name tag: the name for vpclab, the ID for the real CLI.
by_name() {
    if [ "$cli" != aws ]; then echo "$2"; return; fi
    case $1 in
        subnet) ec2q describe-subnets --filters "Name=tag:Name,Values=$2" --query 'Subnets[0].SubnetId' --output text ;;
        route-table) ec2q describe-route-tables --filters "Name=tag:Name,Values=$2" --query 'RouteTables[0].RouteTableId' --output text ;;
    esac
}
public_sn=$(by_name subnet jh-test-Public-SN)
private_sn=$(by_name subnet jh-test-Private-SN)
public_rt=$(by_name route-table jh-test-Public-RT)
private_rt=$(by_name route-table jh-test-Private-RT)

step "The route tables: the public subnet's sends 0.0.0.0/0 to the internet gateway; the private one has only 'local'"
echo "\$ $cli ec2 describe-route-tables   (condensed: one line per route)"
ec2q describe-route-tables | awk -F'"' '
    /"Routes": \[/ { n = 0 }
    /"DestinationCidrBlock"/ { dest[++n] = $4 }
    /"GatewayId"|"NetworkInterfaceId"/ { target[n] = $4 }
    /"Key": "Name"/ { want_name = 1; next }
    want_name && /"Value"/ { name = $4; want_name = 0 }
    /"VpcId"/ && n > 0 {
        for (i = 1; i <= n; i++) printf "   %-20s %-14s -> %s\n", (name == "" ? "(main)" : name), dest[i], target[i]
        n = 0; name = ""
    }'

step "2.1.3 — From the public instance, ping S3 by name: it goes out through the internet gateway"
run exec --stack-name "$stack" jh-test-Public-EC2 -- ping -c 3 -i 0.3 s3.ap-northeast-2.amazonaws.com

public_ip=$(ec2q describe-instances --filters Name=tag:Name,Values=jh-test-Public-EC2 \
    --query 'Reservations[0].Instances[0].PublicIpAddress' --output text)
key="/run/vpclab/$stack/vpclab-KeyName.pem"
step "2.1.3 — As the blog: from your laptop (here the region, the lab's internet) ssh -i the key to ec2-user@$public_ip,
then ssh root@10.10.1.4 with the password the UserData set (qwe123; sshpass types it here), and ping S3 from the private instance:
it just hangs, its route table has no way out"
echo "\$ vpclab exec region -- ssh -i $key ec2-user@$public_ip"
echo "[ec2-user@ip-10-10-0-4 ~]\$ ssh root@10.10.1.4"
echo "[root@ip-10-10-1-4 ~]# ping -c 2 -W 1 s3.ap-northeast-2.amazonaws.com"
rc=0
"$VPCLAB" exec --stack-name "$stack" region -- ssh -i "$key" -o StrictHostKeyChecking=accept-new -o LogLevel=ERROR "ec2-user@$public_ip" \
    "sshpass -p qwe123 ssh -o StrictHostKeyChecking=accept-new -o LogLevel=ERROR root@10.10.1.4 'ping -c 2 -W 1 s3.ap-northeast-2.amazonaws.com'" || rc=$?
# ping's own status (1: no reply) came back through both ssh hops; anything else means a hop failed.
[ "$rc" = 1 ] || { echo "expected ping's exit status 1 through both ssh logins, got $rc" >&2; exit 1; }

if [ "$backend" = ovn ]; then
    echo "(on the OVN backend the instances' frames are OVN's: vpclab's router counts none of them; the trace below says where OVN drops it)"
else
    step "The router counted why: no_route, on the private instance's ENI"
    run stats --stack-name "$stack"
fi

step "Ask vpclab why, stage by stage: a dry run of the same ping through the router's own pipeline names the
route table that has no route, and what would give it one"
out=$(run trace --stack-name "$stack" jh-test-Private-EC2 s3.ap-northeast-2.amazonaws.com)
echo "$out"
grep -q "dropped at route" <<<"$out" || { echo "expected the trace to stop at the route table" >&2; exit 1; }
if [ "$backend" = ovn ]; then
    grep -q "ovn-trace --ct=new" <<<"$out" || { echo "expected ovn-trace's explanation after the model's" >&2; exit 1; }
fi

if [ "$cli" = aws ]; then
    echo "(skipped with the real CLI: Debian's aws 2.9 requires --destination, so a path to S3's address alone cannot be written; vpclab ec2 and newer CLIs take --destination-ip alone)"
else
    step "The same question for Reachability Analyzer (console: [VPC] - [Reachability Analyzer] - Create and analyze path):
a path from the private instance to S3's address on 443, and its analysis — no path, and the code AWS gives it"
    private_instance=$(ec2q describe-instances --filters Name=tag:Name,Values=jh-test-Private-EC2 --query 'Reservations[0].Instances[0].InstanceId' --output text)
    echo "\$ $cli ec2 create-network-insights-path --source $private_instance --destination-ip 198.18.10.10 --protocol tcp --destination-port 443"
    s3_path=$(ec2q create-network-insights-path --source "$private_instance" --destination-ip 198.18.10.10 \
        --protocol tcp --destination-port 443 --query NetworkInsightsPath.NetworkInsightsPathId --output text)
    echo "$s3_path"
    echo "\$ $cli ec2 start-network-insights-analysis --network-insights-path-id $s3_path"
    analysis=$(ec2q start-network-insights-analysis --network-insights-path-id "$s3_path" --query NetworkInsightsAnalysis.NetworkInsightsAnalysisId --output text)
    echo "$analysis"
    echo "\$ $cli ec2 describe-network-insights-analyses --network-insights-analysis-ids $analysis --query 'NetworkInsightsAnalyses[0].[NetworkPathFound,Explanations[0].ExplanationCode,Explanations[0].RouteTable.Name]' --output text"
    out=$(ec2q describe-network-insights-analyses --network-insights-analysis-ids "$analysis" \
        --query 'NetworkInsightsAnalyses[0].[NetworkPathFound,Explanations[0].ExplanationCode,Explanations[0].RouteTable.Name]' --output text)
    echo "$out"
    [ "$out" = "False	NO_ROUTE_TO_DESTINATION	jh-test-Private-RT" ] || { echo "expected the analysis to find no route in jh-test-Private-RT" >&2; exit 1; }
fi

step "DNS works from both, IGW or not: the VPC resolver (base+2) answers with the services' public addresses"
for who in jh-test-Public-EC2 jh-test-Private-EC2; do
    run exec --stack-name "$stack" "$who" -- dig +short s3.ap-northeast-2.amazonaws.com cloudformation.ap-northeast-2.amazonaws.com
done

step "Who does S3 see? Through the IGW, the instance's public IP (1:1 NAT)"
run exec --stack-name "$stack" jh-test-Public-EC2 -- curl -s http://s3.ap-northeast-2.amazonaws.com/

step "Inside the VPC: the seed's security group lets in HTTP and SSH only, so a ping across subnets gets no reply (as on AWS)"
echo "\$ vpclab exec jh-test-Public-EC2 -- ping -c 1 -W 1 10.10.1.4"
if "$VPCLAB" exec --stack-name "$stack" jh-test-Public-EC2 -- ping -c 1 -W 1 10.10.1.4; then
    echo "expected no reply: the group has no ICMP rule" >&2
    exit 1
fi
if [ "$backend" = ovn ]; then
    echo "(flow logs stay with the userspace backend: the OVN backend refuses them, UnsupportedOperation)"
else
    echo "A flow log of the VPC (console: [VPC] - Flow logs - Create) shows it as AWS would: the public instance's egress ACCEPT,"
    echo "the private instance's ingress REJECT (its group has no ICMP rule):"
    vpc=$(ec2q describe-vpcs --query 'Vpcs[0].VpcId' --output text)
    ec2 create-flow-logs --resource-type VPC --resource-ids "$vpc" --traffic-type ALL --log-group-name jh-test-flows \
        --max-aggregation-interval 60 --query 'FlowLogIds[0]' --output text
    "$VPCLAB" exec --stack-name "$stack" jh-test-Public-EC2 -- ping -c 2 -W 1 -i 0.3 10.10.1.4 >/dev/null || true
    pattern='[version, account, eni, source, destination="10.10.1.4", srcport, destport, protocol="1", packets, bytes, start, end, action, status]'
    for _ in $(seq 100); do  # the window closes within a second or two
        out=$(logsq filter-log-events --log-group-name jh-test-flows --filter-pattern "$pattern" --query 'events[].message' --output text)
        grep -q REJECT <<<"$out" && break
        sleep 0.1
    done
    echo "\$ $cli logs filter-log-events --log-group-name jh-test-flows --filter-pattern '$pattern'"
    tr '\t' '\n' <<<"$out"
    grep -q REJECT <<<"$out" || { echo "expected a REJECT record for the ping" >&2; exit 1; }
    echo "Why? The private instance's counters say security_group_ingress; the trace names the group and the rule to add:"
    run stats --stack-name "$stack" jh-test-Private-EC2
fi
out=$(run trace --stack-name "$stack" jh-test-Public-EC2 jh-test-Private-EC2)
echo "$out"
grep -q "fix: allow icmp echo-request" <<<"$out" || { echo "expected the trace to name the missing ICMP rule" >&2; exit 1; }
sg=$(ec2q describe-security-groups --filters Name=group-name,Values='*jhSecurityGroup*' --query 'SecurityGroups[0].GroupId' --output text)
ec2 describe-security-groups --group-ids "$sg" --query 'SecurityGroups[0].IpPermissions[].[IpProtocol,FromPort,ToPort,IpRanges[0].CidrIp]' --output text

step "Allow ICMP from the VPC (console: Edit inbound rules): now the ping is answered (TTL stays 64: the VPC router is not a hop;
on the OVN backend 63: OVN's logical router is one, docs/ovn-backend.md §3.2)"
ec2 authorize-security-group-ingress --group-id "$sg" --protocol icmp --port -1 --cidr 10.10.0.0/16 --query 'SecurityGroupRules[0].SecurityGroupRuleId' --output text
run exec --stack-name "$stack" jh-test-Public-EC2 -- ping -c 2 -i 0.3 10.10.1.4
echo "The trace agrees: the new rule lets the request in, the tracked connection lets the reply back:"
run trace --stack-name "$stack" jh-test-Public-EC2 jh-test-Private-EC2 | sed -n '1p;$p'

step "2.2.1 — The gateway endpoint (console: [VPC] - [Endpoints] - Create endpoint): S3, on both route tables"
vpc=$(ec2q describe-vpcs --query 'Vpcs[0].VpcId' --output text)
echo "\$ $cli ec2 create-vpc-endpoint --vpc-id $vpc --vpc-endpoint-type Gateway --service-name com.amazonaws.ap-northeast-2.s3 --route-table-ids $public_rt $private_rt"
endpoint=$(ec2q create-vpc-endpoint --vpc-id "$vpc" --vpc-endpoint-type Gateway \
    --service-name com.amazonaws.ap-northeast-2.s3 --route-table-ids $public_rt $private_rt --query VpcEndpoint.VpcEndpointId --output text)
echo "$endpoint"
echo "Destination pl-… is S3 (its prefix list), target vpce-… the endpoint, in both tables:"
ec2 describe-route-tables --query 'RouteTables[].Routes[].[DestinationCidrBlock,DestinationPrefixListId,GatewayId]' --output text

step "2.2.2 — Now the private instance reaches S3, and the public one reaches it privately too (the endpoint route beats 0.0.0.0/0 → IGW)"
run exec --stack-name "$stack" jh-test-Private-EC2 -- ping -c 2 -i 0.3 s3.ap-northeast-2.amazonaws.com
run exec --stack-name "$stack" jh-test-Public-EC2 -- curl -s http://s3.ap-northeast-2.amazonaws.com/
if [ "$cli" = aws ]; then
    echo "(Reachability Analyzer's path to an IP address alone needs a newer aws CLI than Debian's 2.9, whose model requires --destination: see the vpclab run of this demo)"
else
    echo "Reachability Analyzer agrees: the same path, analysed again, is found — through the endpoint:"
    analysis=$(ec2q start-network-insights-analysis --network-insights-path-id "$s3_path" --query NetworkInsightsAnalysis.NetworkInsightsAnalysisId --output text)
    out=$(ec2q describe-network-insights-analyses --network-insights-analysis-ids "$analysis" \
        --query 'NetworkInsightsAnalyses[0].ForwardPathComponents[].Component.Id' --output text)
    echo "$out"
    grep -q "$endpoint" <<<"$out" || { echo "expected the path to go through $endpoint" >&2; exit 1; }
fi

step "Delete the endpoint: its routes go with it, and the private instance is cut off from S3 again"
ec2 delete-vpc-endpoints --vpc-endpoint-ids "$endpoint" --query Unsuccessful --output text
echo "\$ vpclab exec jh-test-Private-EC2 -- ping -c 2 -W 1 s3.ap-northeast-2.amazonaws.com"
if "$VPCLAB" exec --stack-name "$stack" jh-test-Private-EC2 -- ping -c 2 -W 1 s3.ap-northeast-2.amazonaws.com; then
    echo "expected no reply once the endpoint is gone" >&2
    exit 1
fi

if [ "$backend" = ovn ]; then
    step "2.3 needs an interface endpoint, which the OVN backend does not compile yet: refused by name, nothing changed"
    echo "\$ $cli ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id $vpc --service-name com.amazonaws.ap-northeast-2.cloudformation --subnet-ids $private_sn --no-private-dns-enabled"
    out=$(ec2q create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id "$vpc" --service-name com.amazonaws.ap-northeast-2.cloudformation \
        --subnet-ids $private_sn --no-private-dns-enabled 2>&1) && { echo "expected a refusal on the OVN backend" >&2; exit 1; }
    echo "$out"
    grep -q UnsupportedOperation <<<"$out" || { echo "expected UnsupportedOperation" >&2; exit 1; }
    step "Clean-up: the OVN databases, northd, both chassis, the namespaces"
    run down --stack-name "$stack"
    echo
    echo "Done: the first seed lab's 2.1 and 2.2 on OVN. Run it yourself: sudo ./vpclab up --backend ovn --chassis 2"
    exit 0
fi

step "2.3 — Before the interface endpoint: CloudFormation's name gives its public address, from both instances;
the public one pings it through the IGW, the private one cannot reach it (curl gives up after 3 s)"
for who in jh-test-Public-EC2 jh-test-Private-EC2; do
    run exec --stack-name "$stack" "$who" -- dig +short cloudformation.ap-northeast-2.amazonaws.com
done
run exec --stack-name "$stack" jh-test-Public-EC2 -- ping -c 2 -i 0.3 cloudformation.ap-northeast-2.amazonaws.com
echo "\$ vpclab exec jh-test-Private-EC2 -- curl -s -m 3 http://cloudformation.ap-northeast-2.amazonaws.com/"
if "$VPCLAB" exec --stack-name "$stack" jh-test-Private-EC2 -- curl -s -m 3 http://cloudformation.ap-northeast-2.amazonaws.com/; then
    echo "expected no answer: the private subnet has no way out" >&2
    exit 1
fi

step "2.3 — Private DNS needs the VPC's DNS hostnames (console: [VPC] - [Actions] - [Edit DNS hostnames]); without them it is refused"
echo "\$ $cli ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id $vpc --service-name com.amazonaws.ap-northeast-2.cloudformation --subnet-ids $private_sn"
if ec2q create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id "$vpc" \
    --service-name com.amazonaws.ap-northeast-2.cloudformation --subnet-ids $private_sn; then
    echo "expected a refusal: enableDnsHostnames is off" >&2
    exit 1
fi
ec2 modify-vpc-attribute --vpc-id "$vpc" --enable-dns-hostnames

step "2.3.1 — The interface endpoint (console: [VPC] - [Endpoints] - Create endpoint): CloudFormation, in both subnets,
with the seed's security group (HTTP in), private DNS on. Its details list the DNS names the blog shows"
echo "\$ $cli ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id $vpc --service-name com.amazonaws.ap-northeast-2.cloudformation --subnet-ids $public_sn $private_sn --security-group-ids $sg"
interface_endpoint=$(ec2q create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id "$vpc" \
    --service-name com.amazonaws.ap-northeast-2.cloudformation --subnet-ids $public_sn $private_sn \
    --security-group-ids "$sg" --query VpcEndpoint.VpcEndpointId --output text)
echo "$interface_endpoint"
ec2 describe-vpc-endpoints --vpc-endpoint-ids "$interface_endpoint" --query 'VpcEndpoints[0].DnsEntries[].DnsName' --output text
echo "Its network interfaces, one per subnet (requester-managed: AWS's, served by the router itself):"
ec2 describe-network-interfaces --filters Name=interface-type,Values=vpc_endpoint \
    --query 'NetworkInterfaces[].[PrivateIpAddress,AvailabilityZone,Description]' --output text

step "2.3.2 — dig +short from both instances: the default name and the endpoint's own names give the ENIs' private addresses"
names=$(ec2q describe-vpc-endpoints --vpc-endpoint-ids "$interface_endpoint" --query 'VpcEndpoints[0].DnsEntries[].DnsName' --output text)
for who in jh-test-Public-EC2 jh-test-Private-EC2; do
    for name in cloudformation.ap-northeast-2.amazonaws.com $(echo "$names" | tr '\t' '\n' | grep vpce.amazonaws.com); do
        run exec --stack-name "$stack" "$who" -- dig +short "$name"
    done
done

step "2.3.3 — The private instance now reaches CloudFormation, through the endpoint: the service sees the ENI's address"
run exec --stack-name "$stack" jh-test-Private-EC2 -- curl -s http://cloudformation.ap-northeast-2.amazonaws.com/

step "2.3.3 — With private DNS off, the default name is public again; the endpoint's own names stay private"
ec2 modify-vpc-endpoint --vpc-endpoint-id "$interface_endpoint" --no-private-dns-enabled
run exec --stack-name "$stack" jh-test-Public-EC2 -- dig +short cloudformation.ap-northeast-2.amazonaws.com
run exec --stack-name "$stack" jh-test-Public-EC2 -- dig +short "$(echo "$names" | tr '\t' '\n' | head -n1)"

step "2.4 — Clean-up, in the blog's order: the endpoint first (its network interfaces go with it)…"
ec2 delete-vpc-endpoints --vpc-endpoint-ids "$interface_endpoint" --query Unsuccessful --output text
ec2 describe-network-interfaces --filters Name=interface-type,Values=vpc_endpoint --query 'NetworkInterfaces[].NetworkInterfaceId' --output text
echo "(no endpoint network interfaces left)"

step "The private instance's own files: what its UserData did (never run as a script: read and carried out)"
run exec --stack-name "$stack" jh-test-Private-EC2 -- cat /var/log/cloud-init-output.log
run exec --stack-name "$stack" jh-test-Private-EC2 -- grep -E '^(PasswordAuthentication|PermitRootLogin)' /etc/ssh/sshd_config

step "2.4 — …then the stack (console: [CloudFormation] - [Stacks] - [Delete]): namespaces, /etc/netns entries, sockets"
run down --stack-name "$stack"
echo
echo "Done: the first seed lab, 2.1 to 2.4. Run it yourself: sudo ./vpclab up  ·  sudo ./vpclab shell jh-test-Private-EC2  ·  sudo ./vpclab down"
