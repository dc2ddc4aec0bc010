#!/usr/bin/env bash
# The PrivateLink seed lab's walk-through (the seed blog's section 3, labs/privatelink-lab.yaml), section 3.1
# ("basic environment"): its CloudFormation template
# verbatim (two VPCs, jh-EC2 in jhVPC, two web servers behind a network load balancer in jhCustomVPC),
# the targets' health as the console shows it, then the blog's own commands from jh-EC2: ssh with the key,
# dig +short and curl of the NLB's DNS name. What the blog does in the console is done with `vpclab elbv2`.
# (Section 3.2, the endpoint service and PrivateLink, comes with the endpoint services.)
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

step "3.3 — Delete the stack (the endpoint and endpoint service of 3.2 come with the next issue)"
run down --stack-name "$stack"
echo
echo "Done: the PrivateLink seed lab, 3.1. Run it yourself: sudo ./vpclab up labs/privatelink-lab.yaml --parameter KeyName=sandbox-jh"
