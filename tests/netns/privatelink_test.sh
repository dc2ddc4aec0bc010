#!/usr/bin/env bash
# PrivateLink with real tools: the second seed lab's section 3.2 as the blog shows it (an endpoint service on
# jh-Custom-NLB, an interface endpoint in jhVPC's public subnet waiting in pendingAcceptance while curl fails,
# accepted, then dig +short of its DNS name gives 10.10.0.x and curl a web server's page; the access log
# shows the NLB node's private address; tcpdump in the region sees none of it), deletion of the service
# refused while connected, reject, section 3.3's clean-up order; then VPCs that overlap (three of
# 10.10.0.0/16, consumers at a target's own address) with proxy protocol v2 checked by a PROXY-parsing server.
source "$(dirname "$0")/lib.sh"
PROXY_V2_SERVER=${PROXY_V2_SERVER:?set PROXY_V2_SERVER to the proxy_v2_server test helper}

s=$(new_stack pl)
ec2() { "$VPCLAB" ec2 "$@" --stack-name "$s"; }
elbv2() { "$VPCLAB" elbv2 "$@" --stack-name "$s"; }
on() { local who=$1; shift; "$VPCLAB" exec --stack-name "$s" "$who" -- "$@"; }
page="<html><h1>Endpoint Service Lab - CloudNeta Web Server [12]</h1></html>"

check "the second seed lab comes up" \
    "$VPCLAB" up "$SOURCE_DIR/labs/privatelink-lab.yaml" --stack-name "$s" --parameter KeyName=sandbox-jh --health-check-speedup 10
tg=$(elbv2 describe-target-groups --names jh-Custom-NLB-TG --query 'TargetGroups[0].TargetGroupArn' --output text)
check "both targets become healthy" wait_until 60 sh -c "[ \"\$($VPCLAB elbv2 describe-target-health --stack-name $s --target-group-arn $tg --query 'TargetHealthDescriptions[].TargetHealth.State' --output text | tr '\t' ' ')\" = 'healthy healthy' ]"
nlb=$(elbv2 describe-load-balancers --query 'LoadBalancers[0].LoadBalancerArn' --output text)
nlb_dns=$(elbv2 describe-load-balancers --query 'LoadBalancers[0].DNSName' --output text)
jh_ec2=$(ec2 describe-instances --filters Name=tag:Name,Values=jh-EC2 --query 'Reservations[0].Instances[0].InstanceId' --output text)
# Reachability Analyzer: the analysis's answer for a path, as "NetworkPathFound ExplanationCode".
analysed() {
    local path analysis
    path=$(ec2 create-network-insights-path "$@" --query NetworkInsightsPath.NetworkInsightsPathId --output text) || return
    analysis=$(ec2 start-network-insights-analysis --network-insights-path-id "$path" --query NetworkInsightsAnalysis.NetworkInsightsAnalysisId --output text) || return
    ec2 describe-network-insights-analyses --network-insights-analysis-ids "$analysis" \
        --query 'NetworkInsightsAnalyses[0].[NetworkPathFound,Explanations[0].ExplanationCode]' --output text | tr '\t' ' '
}
# §3.1: jh-EC2 reaches the NLB by its name, over the internet (another VPC): listener 80 is analysed.
check_equal "Reachability Analyzer: jh-EC2 → jh-Custom-NLB's ARN is reachable" "True None" "$(analysed --source "$jh_ec2" --destination "$nlb" --protocol tcp)"
check_equal "… but not on a port it has no listener for" "False ELBV2_LISTENERS_MISMATCH" \
    "$(analysed --source "$jh_ec2" --destination "$nlb" --protocol tcp --destination-port 8080)"

# A capture in the region namespace (the lab's internet) of port 80, while `$@` runs: how many packets.
region_sees() {
    local out="/tmp/$s-region.out" err="/tmp/$s-region.err"
    "$VPCLAB" exec --stack-name "$s" region -- timeout 20 tcpdump -l -n -i any 'tcp port 80' >"$out" 2>"$err" &
    local capture=$!
    background_pids+=("$capture")
    # A capture that never started proves nothing: say so instead of a count.
    wait_until 5 grep -q listening "$err" || { echo "no-capture"; kill "$capture" 2>/dev/null; return 1; }
    "$@" >/dev/null 2>&1
    sleep 0.5  # the capture's last packets are written out (bounded: tcpdump ends on its own at 20 s)
    pkill -INT -f "^tcpdump -l -n -i any tcp port 80" 2>/dev/null
    wait "$capture" 2>/dev/null
    grep -c . "$out"
}
# The capture can fail: the public way (jh-EC2 → the NLB's public address, 3.1) does cross the region.
check "(the capture works) tcpdump in the region sees curl of the NLB's public name (3.1's way)" \
    sh -c "[ $(region_sees on jh-EC2 curl -s -m 5 "$nlb_dns") -gt 0 ]"

# --- §3.2.1: the endpoint service on jh-Custom-NLB (the console's default: acceptance required) ---
svc_json=$(ec2 create-vpc-endpoint-service-configuration --network-load-balancer-arns "$nlb" --acceptance-required)
service_id=$(jq -r .ServiceConfiguration.ServiceId <<<"$svc_json")
service_name=$(jq -r .ServiceConfiguration.ServiceName <<<"$svc_json")
check "create-vpc-endpoint-service-configuration: com.amazonaws.vpce.ap-northeast-2.vpce-svc-<17 hex>" \
    grep -qxE "com\.amazonaws\.vpce\.ap-northeast-2\.vpce-svc-[0-9a-f]{17}" <<<"$service_name"
check_equal "describe-vpc-endpoint-services lists it (Interface, acceptance required)" "Interface True" \
    "$(ec2 describe-vpc-endpoint-services --service-names "$service_name" --query 'ServiceDetails[0].[ServiceType[0].ServiceType,AcceptanceRequired]' --output text | tr '\t' ' ')"

# --- §3.2.2: the interface endpoint in jhVPC's public subnet ---
vpc=$(ec2 describe-vpcs --filters Name=tag:Name,Values=jhVPC --query 'Vpcs[0].VpcId' --output text)
subnet=$(ec2 describe-subnets --filters "Name=vpc-id,Values=$vpc" --query 'Subnets[0].SubnetId' --output text)
sg=$(ec2 describe-security-groups --filters Name=group-name,Values=jhWebSG --query 'SecurityGroups[0].GroupId' --output text)
endpoint=$(ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id "$vpc" --service-name "$service_name" --subnet-ids "$subnet" \
    --security-group-ids "$sg" --query 'VpcEndpoint.VpcEndpointId' --output text)
check_equal "the endpoint is pendingAcceptance" "pendingAcceptance" \
    "$(ec2 describe-vpc-endpoints --vpc-endpoint-ids "$endpoint" --query 'VpcEndpoints[0].State' --output text)"
check_equal "the provider sees the request (describe-vpc-endpoint-connections)" "$endpoint pendingAcceptance" \
    "$(ec2 describe-vpc-endpoint-connections --filters "Name=service-id,Values=$service_id" --query 'VpcEndpointConnections[0].[VpcEndpointId,VpcEndpointState]' --output text | tr '\t' ' ')"
dns=$(ec2 describe-vpc-endpoints --vpc-endpoint-ids "$endpoint" --query 'VpcEndpoints[0].DnsEntries[0].DnsName' --output text)
check "its DNS name: vpce-<id>-<8>.vpce-svc-<id>.ap-northeast-2.vpce.amazonaws.com" \
    grep -qxE "$endpoint-[a-z0-9]{8}\.$service_id\.ap-northeast-2\.vpce\.amazonaws\.com" <<<"$dns"
check_not "curl of its DNS name fails while pendingAcceptance" on jh-EC2 curl -s -m 3 "$dns"
check_equal "Reachability Analyzer: the endpoint is not in a functional state while pendingAcceptance" "False BAD_STATE" \
    "$(analysed --source "$jh_ec2" --destination "$endpoint" --protocol tcp --destination-port 80)"
check "… counted as privatelink_not_accepted" sh -c "[ $(drop_count "$s" privatelink_not_accepted) -gt 0 ]"
check_equal "delete-vpc-endpoint-service-configurations is refused while it is connected" "ExistingVpcEndpointConnections" \
    "$(ec2 delete-vpc-endpoint-service-configurations --service-ids "$service_id" --query 'Unsuccessful[0].Error.Code' --output text)"
check_equal "… and the service is still there" "$service_id" \
    "$(ec2 describe-vpc-endpoint-service-configurations --query 'ServiceConfigurations[0].ServiceId' --output text)"

# --- accept, then §3.2.3 ---
check_equal "accept-vpc-endpoint-connections" "" \
    "$(ec2 accept-vpc-endpoint-connections --service-id "$service_id" --vpc-endpoint-ids "$endpoint" --query 'Unsuccessful[]' --output text)"
check_equal "the endpoint is available" "available" "$(ec2 describe-vpc-endpoints --vpc-endpoint-ids "$endpoint" --query 'VpcEndpoints[0].State' --output text)"
check_equal "Reachability Analyzer: accepted, jh-EC2 reaches the service through the endpoint" "True None" \
    "$(analysed --source "$jh_ec2" --destination "$endpoint" --protocol tcp --destination-port 80)"
# The web servers' access logs so far (3.1's requests, and the node's TCP health checks).
log_lines() { on jh-Custom-WEB-1 cat /var/log/httpd/access_log | wc -l; on jh-Custom-WEB-2 cat /var/log/httpd/access_log | wc -l; }
read -r -d '' web1_before web2_before < <(log_lines) || true
eni_ip=$(on jh-EC2 dig +short +time=2 +tries=1 "$dns")
check "dig +short <endpoint DNS name> from jh-EC2: 10.10.0.x (jhVPC's public subnet)" grep -qxE "10\.10\.0\.[0-9]+" <<<"$eni_ip"
zonal=$(ec2 describe-vpc-endpoints --vpc-endpoint-ids "$endpoint" --query 'VpcEndpoints[0].DnsEntries[1].DnsName' --output text)
check_equal "… the zonal name too" "$eni_ip" "$(on jh-EC2 dig +short +time=2 +tries=1 "$zonal")"
out=$(on jh-EC2 curl -s -m 5 "$dns")
check "curl <endpoint DNS name>: a web server's page" grep -qxE "$page" <<<"$out"
node_ip=$(ec2 describe-network-interfaces --filters Name=interface-type,Values=network_load_balancer --query 'NetworkInterfaces[0].PrivateIpAddress' --output text)
check "the node's private address is 20.20.0.x" grep -qxE "20\.20\.0\.[0-9]+" <<<"$node_ip"
outs=$(for i in $(seq 1 10); do on jh-EC2 curl -s -m 5 "$dns"; echo; done)
check_equal "10 more connections, 10 pages" "10" "$(grep -cxE "$page" <<<"$outs")"
# Only what came after: the requests through the endpoint (GETs; a health check sends none).
logs=$(on jh-Custom-WEB-1 tail -n +"$((web1_before + 1))" /var/log/httpd/access_log; on jh-Custom-WEB-2 tail -n +"$((web2_before + 1))" /var/log/httpd/access_log)
check_equal "the access logs show the 11 requests, all from the NLB node's private address ($node_ip)" "11" \
    "$(grep -c "^$node_ip:[0-9]*: url:/\$" <<<"$logs")"
jh_private=$(ec2 describe-instances --filters Name=tag:Name,Values=jh-EC2 --query 'Reservations[0].Instances[0].PrivateIpAddress' --output text)
check_not "… never jh-EC2's own address ($jh_private)" grep -q "^$jh_private:" <<<"$logs"
check_equal "tcpdump in the region sees none of it (private paths only)" "0" "$(region_sees on jh-EC2 curl -s -m 5 "$dns")"

# --- reject: no traffic ---
check_equal "reject-vpc-endpoint-connections" "" \
    "$(ec2 reject-vpc-endpoint-connections --service-id "$service_id" --vpc-endpoint-ids "$endpoint" --query 'Unsuccessful[]' --output text)"
check_equal "the endpoint is rejected" "rejected" "$(ec2 describe-vpc-endpoints --vpc-endpoint-ids "$endpoint" --query 'VpcEndpoints[0].State' --output text)"
check_not "curl of its DNS name fails" on jh-EC2 curl -s -m 3 "$dns"

# --- §3.3: the endpoint, then the endpoint service, then the stack ---
check_equal "delete-vpc-endpoints" "" "$(ec2 delete-vpc-endpoints --vpc-endpoint-ids "$endpoint" --query 'Unsuccessful[]' --output text)"
check_equal "the provider no longer sees the connection" "" "$(ec2 describe-vpc-endpoint-connections --query 'VpcEndpointConnections[]' --output text)"
check_equal "delete-vpc-endpoint-service-configurations" "" \
    "$(ec2 delete-vpc-endpoint-service-configurations --service-ids "$service_id" --query 'Unsuccessful[]' --output text)"
check_equal "no endpoint service is left" "" "$(ec2 describe-vpc-endpoint-service-configurations --query 'ServiceConfigurations[]' --output text)"
check_equal "the endpoint's network interface is gone" "" \
    "$(ec2 describe-network-interfaces --filters Name=interface-type,Values=vpc_endpoint --query 'NetworkInterfaces[]' --output text)"
check "down" "$VPCLAB" down --stack-name "$s"
check_equal "nothing of the stack is left" "" "$(stack_leftovers "$s")"

# --- overlapping VPCs, two consumers, proxy protocol v2 ---
s=$(new_stack ov)
check "the overlap lab comes up (three VPCs of 10.10.0.0/16, the service and endpoints from the template)" \
    "$VPCLAB" up "$SOURCE_DIR/tests/netns/privatelink-overlap-lab.yaml" --stack-name "$s" --health-check-speedup 10
# The helper is copied into each target's own /tmp through stdin: an instance sees the host's tree, but not
# the host's /tmp, where a CI checkout (and so the helper) may live.
for t in Target1 Target2; do
    on "$t" sh -c 'cat >/tmp/proxy_v2_server && chmod +x /tmp/proxy_v2_server && exec /tmp/proxy_v2_server 8080 50 120' \
        <"$PROXY_V2_SERVER" >"/tmp/$s-$t.out" 2>&1 &
    background_pids+=($!)
done
tg=$(elbv2 describe-target-groups --names overlap-tg --query 'TargetGroups[0].TargetGroupArn' --output text)
check "both PROXY-parsing targets become healthy" wait_until 60 sh -c "[ \"\$($VPCLAB elbv2 describe-target-health --stack-name $s --target-group-arn $tg --query 'TargetHealthDescriptions[].TargetHealth.State' --output text | tr '\t' ' ')\" = 'healthy healthy' ]"
node_ip=$(ec2 describe-network-interfaces --filters Name=interface-type,Values=network_load_balancer --query 'NetworkInterfaces[0].PrivateIpAddress' --output text)
for c in 1 2; do
    e=$(ec2 describe-vpc-endpoints --filters "Name=tag:aws:cloudformation:logical-id,Values=Endpoint$c" --query 'VpcEndpoints[0].VpcEndpointId' --output text)
    d=$(ec2 describe-vpc-endpoints --vpc-endpoint-ids "$e" --query 'VpcEndpoints[0].DnsEntries[0].DnsName' --output text)
    check_equal "Endpoint$c is available (the service accepts every endpoint)" "available" \
        "$(ec2 describe-vpc-endpoints --vpc-endpoint-ids "$e" --query 'VpcEndpoints[0].State' --output text)"
    eni=$(on "Client$c" dig +short +time=2 +tries=1 "$d")
    check "Client$c (10.10.1.10, Target1's own address) resolves its endpoint to an address of its subnet" grep -qxE "10\.10\.1\.[0-9]+" <<<"$eni"
    out=$(for i in 1 2 3 4; do on "Client$c" curl -s -m 5 "http://$d/"; done)
    check_equal "Client$c: 4 connections, each answered by a target that read a PROXY v2 header" "4" "$(grep -c '^proxy source=' <<<"$out")"
    check_equal "… naming Client$c's address, its endpoint's ENI and port 80, and Endpoint$c in TLV 0xEA" "4" \
        "$(grep -cE "^proxy source=10\.10\.1\.10:[0-9]+ destination=$eni:80 vpce=$e peer=" <<<"$out")"
    check_equal "… over a connection from the NLB node's private address ($node_ip), not the client's" "4" \
        "$(grep -cE " peer=$node_ip:[0-9]+\$" <<<"$out")"
done
served=$(cat "/tmp/$s-Target1.out" "/tmp/$s-Target2.out")
check_equal "the targets answered 8 connections between them" "8" "$(grep -c '^proxy source=' <<<"$served")"
check_not "… none without a header" grep -q "no proxy header\|bad proxy header" <<<"$served"
check "down" "$VPCLAB" down --stack-name "$s"
check_equal "nothing of the stack is left" "" "$(stack_leftovers "$s")"
finish
