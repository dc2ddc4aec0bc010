#!/usr/bin/env bash
# `aws cloudformation deploy` (Debian's /usr/bin/aws) of both seed templates into a running lab: every
# resource listed with its physical ID, the new instances running and serving the web page their UserData
# writes, a second deploy of the same template changing nothing, a template the lab refuses ending
# ROLLBACK_COMPLETE with nothing left, delete-stack leaving the lab as before, and the lab's own first stack
# deleted too.
source "$(dirname "$0")/lib.sh"

[ -x /usr/bin/aws ] || { echo "FAIL - /usr/bin/aws is missing: scripts/setup.sh installs awscli"; exit 1; }
quiet() { "$@" >/dev/null 2>&1; }
s=$(new_stack cfn)
check "the first seed lab comes up" quiet "$VPCLAB" up --stack-name "$s"
endpoint=$("$VPCLAB" endpoint --stack-name "$s")
eval "$("$VPCLAB" aws-env --stack-name "$s")"
aws() { timeout 90 /usr/bin/aws --cli-read-timeout 20 --endpoint-url "$endpoint" "$@"; }
# What the lab has, instances aside (a terminated one stays listed for a while, as on EC2).
lab_state() {
    aws ec2 describe-vpcs --query 'Vpcs[].[VpcId,CidrBlock]' --output text
    aws ec2 describe-subnets --query 'Subnets[].[SubnetId,CidrBlock,AvailableIpAddressCount]' --output text
    aws ec2 describe-route-tables --query 'RouteTables[].[RouteTableId,length(Routes),length(Associations)]' --output text
    aws ec2 describe-security-groups --query 'SecurityGroups[].[GroupId,length(IpPermissions)]' --output text
    aws ec2 describe-network-interfaces --query 'NetworkInterfaces[].NetworkInterfaceId' --output text
    aws ec2 describe-internet-gateways --query 'InternetGateways[].[InternetGatewayId,length(Attachments)]' --output text
    aws elbv2 describe-load-balancers --query 'LoadBalancers[].LoadBalancerArn' --output text
    aws elbv2 describe-target-groups --query 'TargetGroups[].TargetGroupArn' --output text
}
before=$(lab_state)
check_contains "the lab's state was read" "vpc-" "$before"
namespaces_before=$(ip netns list | awk '{print $1}' | sort)
check "a key pair for the templates' KeyName" quiet aws ec2 create-key-pair --key-name deploy-key

# The second seed lab into the running first one.
out=$(aws cloudformation deploy --template-file "$SOURCE_DIR/labs/privatelink-lab.yaml" --stack-name pl --parameter-overrides KeyName=deploy-key 2>&1)
check_contains "aws cloudformation deploy creates stack pl" "Successfully created/updated stack - pl" "$out"
check_equal "describe-stacks: CREATE_COMPLETE" "CREATE_COMPLETE" "$(aws cloudformation describe-stacks --stack-name pl --query 'Stacks[0].StackStatus' --output text)"
declared=$(awk '/^Resources:/ {in_resources = 1; next} /^[A-Za-z]/ {in_resources = 0} in_resources && /^  [A-Za-z0-9]+:$/' "$SOURCE_DIR/labs/privatelink-lab.yaml" | wc -l)
resources=$(aws cloudformation describe-stack-resources --stack-name pl --query 'StackResources[].[LogicalResourceId,PhysicalResourceId,ResourceStatus]' --output text)
check_equal "describe-stack-resources lists every resource of the template" "$declared" "$(wc -l <<<"$resources")"
check_equal "… each CREATE_COMPLETE with a physical ID" "0" "$(awk 'NF != 3 || $3 != "CREATE_COMPLETE" || $2 == "None"' <<<"$resources" | wc -l)"
nlb=$(awk '$1 == "jhCustomNLB" {print $2}' <<<"$resources")
check_equal "the stack's load balancer is the one elbv2 shows" "$nlb" \
    "$(aws elbv2 describe-load-balancers --names "$(aws elbv2 describe-load-balancers --load-balancer-arns "$nlb" --query 'LoadBalancers[0].LoadBalancerName' --output text)" --query 'LoadBalancers[0].LoadBalancerArn' --output text)"
check_equal "its VPCs carry the stack's tags" "2" \
    "$(aws ec2 describe-vpcs --filters Name=tag:aws:cloudformation:stack-name,Values=pl --query 'length(Vpcs)' --output text)"
check "the stack's instances reach running (aws ec2 wait instance-running)" \
    aws ec2 wait instance-running --filters Name=tag:aws:cloudformation:stack-name,Values=pl
web1_ip=$(aws ec2 describe-instances --filters Name=tag:Name,Values=jh-Custom-WEB-1 Name=instance-state-name,Values=running \
    --query 'Reservations[0].Instances[0].PublicIpAddress' --output text)
web_page() { "$VPCLAB" exec --stack-name "$s" jh-EC2 -- curl -s -m 2 "http://$web1_ip/" 2>/dev/null | grep -q "CloudNeta Web Server 1"; }
check "a deployed instance reaches another's web server (its UserData's page) over the internet gateways" wait_until 30 web_page

# A second template, the same as the lab's own first stack: its own resources, its own IDs.
out=$(aws cloudformation deploy --template-file "$SOURCE_DIR/labs/endpoints-lab.yaml" --stack-name ep --parameter-overrides KeyName=deploy-key 2>&1)
check_contains "the first seed template deploys again as stack ep" "Successfully created/updated stack - ep" "$out"
check_equal "… beside the lab's own: two VPCs named jh-test-VPC" "2" \
    "$(aws ec2 describe-vpcs --filters Name=tag:Name,Values=jh-test-VPC --query 'length(Vpcs)' --output text)"
out=$(aws cloudformation deploy --template-file "$SOURCE_DIR/labs/endpoints-lab.yaml" --stack-name ep --parameter-overrides KeyName=deploy-key 2>&1)
check_contains "deploying it again changes nothing" "No changes to deploy. Stack ep is up to date" "$out"

# A template the lab refuses: rolled back, nothing left.
state_before_bad=$(lab_state)
bad="$SOURCE_DIR/tests/templates/subnet-outside-its-vpc.yaml"
check_not "deploying a template with a subnet outside its VPC fails" quiet aws cloudformation deploy --template-file "$bad" --stack-name bad
check_equal "… the stack is ROLLBACK_COMPLETE" "ROLLBACK_COMPLETE" "$(aws cloudformation describe-stacks --stack-name bad --query 'Stacks[0].StackStatus' --output text)"
check_contains "… its events give the failing resource's reason" "InvalidSubnet.Range" \
    "$(aws cloudformation describe-stack-events --stack-name bad --query 'StackEvents[?ResourceStatus==`CREATE_FAILED`].ResourceStatusReason' --output text)"
check_equal "… and the lab is as it was" "$state_before_bad" "$(lab_state)"

# Deleting: the lab as before the stacks.
for stack in pl ep bad; do check "delete-stack $stack" aws cloudformation delete-stack --stack-name "$stack"; done
for stack in pl ep bad; do check "aws cloudformation wait stack-delete-complete ($stack)" aws cloudformation wait stack-delete-complete --stack-name "$stack"; done
check_equal "the lab is as before the stacks" "$before" "$(lab_state)"
check_equal "the stacks' namespaces are gone" "$namespaces_before" "$(ip netns list | awk '{print $1}' | sort)"
check_contains "list-stacks shows them DELETE_COMPLETE" "DELETE_COMPLETE" "$(aws cloudformation list-stacks --query 'StackSummaries[?StackName==`pl`].StackStatus' --output text)"

# The lab's own first stack, the template `vpclab up` ran.
check "delete-stack of the lab's first stack ($s)" aws cloudformation delete-stack --stack-name "$s"
check "… completes" aws cloudformation wait stack-delete-complete --stack-name "$s"
check_equal "… and leaves no VPC" "0" "$(aws ec2 describe-vpcs --query 'length(Vpcs)' --output text)"
check "vpclab down" quiet "$VPCLAB" down --stack-name "$s"
check_equal "no namespace of the stack is left" "" "$(ip netns list | grep "^$s-" || true)"
finish
