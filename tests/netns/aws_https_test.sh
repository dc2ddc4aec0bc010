#!/usr/bin/env bash
# The AWS APIs over HTTPS from inside the lab, as on AWS: an instance with a public address runs the real aws
# CLI against ec2.<region>.amazonaws.com (the region's service address, through the internet gateway), with
# the lab CA that only the instances trust; the private instance cannot, until the first seed lab's §2.3
# interface endpoint for CloudFormation (and a security group rule for 443) carries `aws cloudformation
# describe-stacks`. A wrong key is refused over HTTPS as over 127.0.0.1. The host's trust store is unchanged.
source "$(dirname "$0")/lib.sh"

[ -x /usr/bin/aws ] || { echo "FAIL - /usr/bin/aws is missing: scripts/setup.sh installs awscli"; exit 1; }
quiet() { "$@" >/dev/null 2>&1; }
host_bundle=/etc/ssl/certs/ca-certificates.crt
host_bundle_before=$(sha256sum "$host_bundle" 2>/dev/null)
host_certs_before=$(ls -la /etc/ssl/certs | sha256sum)
s=$(new_stack https)
check "the first seed lab comes up" quiet "$VPCLAB" up --stack-name "$s"
key=$(awk '/aws_access_key_id/ {print $3}' "/run/vpclab/$s/aws/credentials")
secret=$(awk '/aws_secret_access_key/ {print $3}' "/run/vpclab/$s/aws/credentials")
# The aws CLI in an instance, configured as `aws configure` would (the lab's key, the stack's region).
aws_in() {
    local who=$1; shift
    "$VPCLAB" exec --stack-name "$s" "$who" -- env AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" AWS_DEFAULT_REGION=ap-northeast-2 \
        timeout 30 /usr/bin/aws --cli-connect-timeout 3 --cli-read-timeout 10 "$@"
}
lab_ca=$(cat "/run/vpclab/$s/lab-ca/ca.crt")
check_contains "the lab has a CA" "BEGIN CERTIFICATE" "$lab_ca"
check "the instance trusts it: its bundle ends with the lab CA" \
    bash -c "\"$VPCLAB\" exec --stack-name $s jh-test-Public-EC2 -- cat $host_bundle | tail -n $(wc -l <<<"$lab_ca") | cmp -s - /run/vpclab/$s/lab-ca/ca.crt"
check_not "the host does not" grep -qF "$(sed -n 2p <<<"$lab_ca")" "$host_bundle"
check_not "the instance cannot change the bundle every instance shares" \
    "$VPCLAB" exec --stack-name "$s" jh-test-Public-EC2 -- sh -c "echo x >> $host_bundle" 2>/dev/null

vpcs=$(aws_in jh-test-Public-EC2 ec2 describe-vpcs --query 'Vpcs[].CidrBlock' --output text 2>&1)
check_equal "aws ec2 describe-vpcs over HTTPS from the public instance (through the internet gateway)" "10.10.0.0/16" "$vpcs"
check_equal "… the same lab the host's endpoint shows" "$vpcs" "$("$VPCLAB" aws --stack-name "$s" ec2 describe-vpcs --query 'Vpcs[].CidrBlock' --output text)"
out=$("$VPCLAB" exec --stack-name "$s" jh-test-Public-EC2 -- env AWS_ACCESS_KEY_ID=AKIAWRONGWRONGWRONG1 AWS_SECRET_ACCESS_KEY=nope \
    AWS_DEFAULT_REGION=ap-northeast-2 timeout 30 /usr/bin/aws ec2 describe-vpcs 2>&1)
check_contains "a key that is not the lab's is refused over HTTPS too" "AuthFailure" "$out"
check_equal "curl verifies the lab's certificate (verify result 0) and gets the API's refusal of a request with no action" "0 400" \
    "$("$VPCLAB" exec --stack-name "$s" jh-test-Public-EC2 -- curl -sS -m 5 -o /dev/null -w '%{ssl_verify_result} %{http_code}' https://ec2.ap-northeast-2.amazonaws.com/ 2>&1)"

check_not "the private instance has no way to the region's API" quiet aws_in jh-test-Private-EC2 cloudformation describe-stacks
vpc=$("$VPCLAB" ec2 describe-vpcs --stack-name "$s" --query 'Vpcs[0].VpcId' --output text)
sg=$("$VPCLAB" ec2 describe-security-groups --stack-name "$s" --filters 'Name=description,Values=Enable HTTP*' --query 'SecurityGroups[0].GroupId' --output text)
check "enable DNS hostnames (private DNS needs them)" quiet "$VPCLAB" ec2 modify-vpc-attribute --stack-name "$s" --vpc-id "$vpc" --enable-dns-hostnames
check "the §2.3 interface endpoint for CloudFormation, with the seed's security group" quiet "$VPCLAB" ec2 create-vpc-endpoint --stack-name "$s" \
    --vpc-endpoint-type Interface --vpc-id "$vpc" --service-name com.amazonaws.ap-northeast-2.cloudformation \
    --subnet-ids jh-test-Public-SN jh-test-Private-SN --security-group-ids "$sg"
check_not "… whose group lets in HTTP, not HTTPS: the aws CLI gets no answer" quiet aws_in jh-test-Private-EC2 cloudformation describe-stacks
check "allow 443 from the VPC in the endpoint's group" quiet "$VPCLAB" ec2 authorize-security-group-ingress --stack-name "$s" --group-id "$sg" \
    --protocol tcp --port 443 --cidr 10.10.0.0/16
check_equal "aws cloudformation describe-stacks from the private instance, through the endpoint" "$s CREATE_COMPLETE" \
    "$(aws_in jh-test-Private-EC2 cloudformation describe-stacks --query 'Stacks[].[StackName,StackStatus]' --output text | tr '\t' ' ')"
endpoint_ips=$("$VPCLAB" ec2 describe-network-interfaces --stack-name "$s" --filters Name=interface-type,Values=vpc_endpoint \
    --query 'NetworkInterfaces[].PrivateIpAddress' --output text)
check_contains "… its name gives the endpoint's address" "$("$VPCLAB" exec --stack-name "$s" jh-test-Private-EC2 -- dig +short cloudformation.ap-northeast-2.amazonaws.com)" "$endpoint_ips"

check "vpclab down" quiet "$VPCLAB" down --stack-name "$s"
check_equal "the host's trust bundle is unchanged" "$host_bundle_before" "$(sha256sum "$host_bundle" 2>/dev/null)"
check_equal "… and so is /etc/ssl/certs" "$host_certs_before" "$(ls -la /etc/ssl/certs | sha256sum)"
check_equal "no namespace of the stack is left" "" "$(ip netns list | grep "^$s-" || true)"
check_equal "no relay process is left" "" "$(pgrep -f "__region-https $s-" || true)"
finish
