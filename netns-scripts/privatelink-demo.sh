#!/usr/bin/env bash
# The PrivateLink seed lab's walk-through (the seed blog's section 3, labs/privatelink-lab.yaml), section 3.1
# ("basic environment"): its CloudFormation template
# verbatim (two VPCs, jh-EC2 in jhVPC, two web servers behind a network load balancer in jhCustomVPC),
# the targets' health as the console shows it, then the blog's own commands from jh-EC2: ssh with the key,
# dig +short and curl of the NLB's DNS name. Section 3.2: the endpoint service on the NLB, the interface
# endpoint in jhVPC waiting for acceptance, accepted, then dig and curl of the endpoint's name over private
# addresses only. Section 3.3: the clean-up in the blog's order. What the blog does in the console is done
# with `vpclab elbv2` and `vpclab ec2`, the aws CLI's commands.
# Interactive on a terminal (Enter moves on); straight through otherwise, so CI runs it as a test.
#
#   jh-EC2           10.10.0.4  jhVPC 10.10.0.0/16, public subnet (route 0.0.0.0/0 → jh-IGW)
#   jh-Custom-WEB-1  20.20.0.4  jhCustomVPC 20.20.0.0/16, public subnet (route 0.0.0.0/0 → jh-custom-IGW)
#   jh-Custom-WEB-2  20.20.0.5  the same subnet; the NLB's node takes 20.20.0.6 and a public address
stack_prefix=pl
source "$(dirname "$0")/walkthrough.sh"
run() {
    echo "\$ vpclab $*" | sed "s| --stack-name $stack||"
    "$VPCLAB" "$@"
}
elbv2() { "$VPCLAB" elbv2 "$@" --stack-name "$stack"; }

step "3.1.1 — Apply the template, verbatim. Health checks run 10× faster than its (AWS's default) 30 s interval,
so the targets are healthy in about 15 s instead of AWS's few minutes"
run up "$here/labs/privatelink-lab.yaml" --stack-name "$stack" --parameter KeyName=sandbox-jh --health-check-speedup 10

step "3.1.2 — The network load balancer CloudFormation made (no Name in the template: a generated one), its listener and target group"
run elbv2 describe-load-balancers --stack-name "$stack" --query 'LoadBalancers[0].[LoadBalancerName,DNSName,Scheme,Type]' --output text
tg=$(elbv2 describe-target-groups --names jh-Custom-NLB-TG --query 'TargetGroups[0].TargetGroupArn' --output text)
lb=$(elbv2 describe-load-balancers --query 'LoadBalancers[0].LoadBalancerArn' --output text)
run elbv2 describe-listeners --stack-name "$stack" --load-balancer-arn "$lb" --query 'Listeners[0].[Protocol,Port]' --output text
run elbv2 describe-target-groups --stack-name "$stack" --names jh-Custom-NLB-TG --query 'TargetGroups[0].[TargetGroupName,Protocol,Port,HealthCheckProtocol,HealthCheckIntervalSeconds,HealthyThresholdCount]' --output text

step "3.1.3 — The console's Targets tab: both web servers 'healthy' (after 5 passed health checks; 'initial' until then)"
deadline=$((SECONDS + 90))
until [ "$(elbv2 describe-target-health --target-group-arn "$tg" --query 'TargetHealthDescriptions[].TargetHealth.State' --output text | tr '\t' ' ')" = "healthy healthy" ]; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "the targets did not become healthy" >&2; exit 1; }
    sleep 1
done
run elbv2 describe-target-health --stack-name "$stack" --target-group-arn "$tg" --query 'TargetHealthDescriptions[].[Target.Id,Target.Port,TargetHealth.State]' --output text

dns=$(elbv2 describe-load-balancers --query 'LoadBalancers[0].DNSName' --output text)
public_ip=$("$VPCLAB" ec2 describe-instances --stack-name "$stack" --filters Name=tag:Name,Values=jh-EC2 \
    --query 'Reservations[0].Instances[0].PublicIpAddress' --output text)
key="/run/vpclab/$stack/sandbox-jh.pem"
step "3.1.3 — As the blog: ssh -i the key to jh-EC2 ($public_ip, from the region: the lab's internet), then dig +short and
curl the NLB's DNS name. The name resolves to the node's public address: jhVPC reaches jhCustomVPC over the internet"
echo "\$ vpclab exec region -- ssh -i $key ec2-user@$public_ip"
echo "[ec2-user@ip-10-10-0-4 ~]\$ dig +short $dns"
echo "[ec2-user@ip-10-10-0-4 ~]\$ curl $dns"
"$VPCLAB" exec --stack-name "$stack" region -- ssh -i "$key" -o StrictHostKeyChecking=accept-new -o LogLevel=ERROR "ec2-user@$public_ip" \
    "dig +short $dns && curl -s -m 5 $dns"

step "A few more connections: each new one goes to a healthy target by a flow hash, and stays there"
for i in 1 2 3 4 5 6; do "$VPCLAB" exec --stack-name "$stack" jh-EC2 -- curl -s -m 5 "$dns"; done

step "The web servers see the client's own (public) address: an NLB preserves it for instance targets"
run exec --stack-name "$stack" jh-Custom-WEB-1 -- tail -n 2 /var/log/httpd/access_log
run exec --stack-name "$stack" jh-Custom-WEB-2 -- tail -n 2 /var/log/httpd/access_log

ec2() { "$VPCLAB" ec2 "$@" --stack-name "$stack"; }
step "3.2.1 — [VPC] - [Endpoint services] - [Create endpoint service]: on jh-Custom-NLB, acceptance required
(the console's default). Copy its service name"
run ec2 create-vpc-endpoint-service-configuration --stack-name "$stack" --network-load-balancer-arns "$lb" --acceptance-required \
    --query 'ServiceConfiguration.[ServiceId,ServiceName,AcceptanceRequired]' --output text
service_id=$(ec2 describe-vpc-endpoint-service-configurations --query 'ServiceConfigurations[0].ServiceId' --output text)
service_name=$(ec2 describe-vpc-endpoint-service-configurations --query 'ServiceConfigurations[0].ServiceName' --output text)

vpc=$(ec2 describe-vpcs --filters Name=tag:Name,Values=jhVPC --query 'Vpcs[0].VpcId' --output text)
subnet=$(ec2 describe-subnets --filters "Name=vpc-id,Values=$vpc" --query 'Subnets[0].SubnetId' --output text)
sg=$(ec2 describe-security-groups --filters Name=group-name,Values=jhWebSG --query 'SecurityGroups[0].GroupId' --output text)
step "3.2.2 — [VPC] - [Endpoints] - [Create endpoint]: 'Find service by name' with that name, in jhVPC's public subnet,
with jhWebSG (HTTP from anywhere). Its status: pendingAcceptance"
run ec2 create-vpc-endpoint --stack-name "$stack" --vpc-endpoint-type Interface --vpc-id "$vpc" --service-name "$service_name" \
    --subnet-ids "$subnet" --security-group-ids "$sg" --query 'VpcEndpoint.[VpcEndpointId,State]' --output text
endpoint=$(ec2 describe-vpc-endpoints --query 'VpcEndpoints[0].VpcEndpointId' --output text)
dns=$(ec2 describe-vpc-endpoints --query 'VpcEndpoints[0].DnsEntries[0].DnsName' --output text)
echo "(until it is accepted no connection passes: curl gives up)"
echo "\$ vpclab exec jh-EC2 -- curl -m 3 $dns"
if "$VPCLAB" exec --stack-name "$stack" jh-EC2 -- curl -s -m 3 "$dns"; then
    echo "the endpoint passed traffic before it was accepted" >&2
    exit 1
fi
echo "curl: (28) Connection timed out after 3000 milliseconds"

step "3.2.2 — [Endpoint services] - [Endpoint connections] - [Accept endpoint connection request]: the endpoint becomes available"
run ec2 describe-vpc-endpoint-connections --stack-name "$stack" --query 'VpcEndpointConnections[].[VpcEndpointId,VpcEndpointState]' --output text
run ec2 accept-vpc-endpoint-connections --stack-name "$stack" --service-id "$service_id" --vpc-endpoint-ids "$endpoint"
run ec2 describe-vpc-endpoints --stack-name "$stack" --query 'VpcEndpoints[0].[VpcEndpointId,State]' --output text
run ec2 describe-vpc-endpoints --stack-name "$stack" --query 'VpcEndpoints[0].DnsEntries[].DnsName' --output text

step "3.2.3 — As the blog, from jh-EC2: the endpoint's DNS name is 10.10.0.x, jhVPC's own public subnet, and curl gets the
page from jhCustomVPC over private addresses only (the NLB's name, for comparison, is still its public address)"
echo "\$ vpclab exec region -- ssh -i $key ec2-user@$public_ip"
echo "[ec2-user@ip-10-10-0-4 ~]\$ dig +short $dns"
echo "[ec2-user@ip-10-10-0-4 ~]\$ curl $dns"
"$VPCLAB" exec --stack-name "$stack" region -- ssh -i "$key" -o StrictHostKeyChecking=accept-new -o LogLevel=ERROR "ec2-user@$public_ip" \
    "dig +short $dns && curl -s -m 5 $dns"
run exec --stack-name "$stack" jh-EC2 -- dig +short "$(elbv2 describe-load-balancers --query 'LoadBalancers[0].DNSName' --output text)"

step "Through PrivateLink the web servers see the NLB node's private address (20.20.0.x), not the client's"
for i in 1 2 3 4; do "$VPCLAB" exec --stack-name "$stack" jh-EC2 -- curl -s -m 5 "$dns"; done
run exec --stack-name "$stack" jh-Custom-WEB-1 -- tail -n 2 /var/log/httpd/access_log
run exec --stack-name "$stack" jh-Custom-WEB-2 -- tail -n 2 /var/log/httpd/access_log

step "3.3 — Delete the endpoint, then the endpoint service, then the stack (the service cannot go while the endpoint is connected)"
run ec2 delete-vpc-endpoint-service-configurations --stack-name "$stack" --service-ids "$service_id" --query 'Unsuccessful[].Error.Code' --output text
run ec2 delete-vpc-endpoints --stack-name "$stack" --vpc-endpoint-ids "$endpoint"
run ec2 delete-vpc-endpoint-service-configurations --stack-name "$stack" --service-ids "$service_id"
run down --stack-name "$stack"
echo
echo "Done: the PrivateLink seed lab, 3.1 to 3.3. Run it yourself: sudo ./vpclab up labs/privatelink-lab.yaml --parameter KeyName=sandbox-jh"
