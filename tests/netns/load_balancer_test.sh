#!/usr/bin/env bash
# Network load balancers with real tools: the second seed lab's section 3.1.3 as the blog shows it (both
# targets healthy, dig of the NLB's name from jh-EC2 gives a public address, curl returns a web server's
# page), 40 connections over both servers, the client's address in the access log, a drained target's
# download finishing while new connections avoid it, a stopped web server going unhealthy and back, both
# stopped (fail open), and an internal load balancer reachable from its own VPC only.
source "$(dirname "$0")/lib.sh"

s=$(new_stack nlb)
ec2() { "$VPCLAB" ec2 "$@" --stack-name "$s"; }
elbv2() { "$VPCLAB" elbv2 "$@" --stack-name "$s"; }
on() { local who=$1; shift; "$VPCLAB" exec --stack-name "$s" "$who" -- "$@"; }
page1="<html><h1>Endpoint Service Lab - CloudNeta Web Server 1</h1></html>"
page2="<html><h1>Endpoint Service Lab - CloudNeta Web Server 2</h1></html>"

# Health checks run 10 times faster than the template's (AWS's default) 30 s interval: healthy after 5
# passes is 15 s here, unhealthy after 2 failures 6 s.
# The lab runs two forwarding workers (--workers 2): health checks and NLB translations cross them.
check "the second seed lab comes up (its NLB, target group and listener too)" \
    "$VPCLAB" up "$SOURCE_DIR/labs/privatelink-lab.yaml" --stack-name "$s" --parameter KeyName=sandbox-jh --health-check-speedup 10 --workers 2
check "… with a second forwarding thread" grep -qx vpclab-worker /proc/"$(cat /run/vpclab/"$s"/router.pid)"/task/*/comm
tg=$(elbv2 describe-target-groups --names jh-Custom-NLB-TG --query 'TargetGroups[0].TargetGroupArn' --output text)
states() { elbv2 describe-target-health --target-group-arn "$tg" --query 'TargetHealthDescriptions[].TargetHealth.State' --output text | tr '\t' ' '; }
state_of() { elbv2 describe-target-health --target-group-arn "$tg" --targets "Id=$1" --query 'TargetHealthDescriptions[0].TargetHealth.State' --output text; }
web1=$(ec2 describe-instances --filters Name=tag:Name,Values=jh-Custom-WEB-1 --query 'Reservations[0].Instances[0].InstanceId' --output text)
web2=$(ec2 describe-instances --filters Name=tag:Name,Values=jh-Custom-WEB-2 --query 'Reservations[0].Instances[0].InstanceId' --output text)
client_public=$(ec2 describe-instances --filters Name=tag:Name,Values=jh-EC2 --query 'Reservations[0].Instances[0].PublicIpAddress' --output text)
check_contains "right after up the targets are being checked (initial)" "initial" "$(states)"

# --- §3.1.3: both targets healthy, then dig and curl from jh-EC2 ---
check "both targets become healthy (the console's Targets tab: vpclab elbv2 describe-target-health)" wait_until 60 sh -c "[ \"\$($VPCLAB elbv2 describe-target-health --stack-name $s --target-group-arn $tg --query 'TargetHealthDescriptions[].TargetHealth.State' --output text | tr '\t' ' ')\" = 'healthy healthy' ]"
dns=$(elbv2 describe-load-balancers --query 'LoadBalancers[0].DNSName' --output text)
check "its DNS name is CloudFormation's generated name, a 16-hex id, .elb.ap-northeast-2.amazonaws.com" \
    grep -qE "^${s:0:5}-jhCus-[A-Z0-9]{12}-[0-9a-f]{16}\.elb\.ap-northeast-2\.amazonaws\.com$" <<<"$dns"
node_public=$(elbv2 describe-load-balancers --query 'LoadBalancers[0].AvailabilityZones[0].LoadBalancerAddresses[0].IpAddress' --output text)
check_equal "dig +short <NLB DNS name> from jh-EC2: the node's public address" "$node_public" "$(on jh-EC2 dig +short +time=2 +tries=1 "$dns")"
check_contains "… a public address of the lab" "198.19." "$node_public"
out=$(on jh-EC2 curl -s -m 5 "$dns")
check "curl <NLB DNS name>: a web server's page" grep -qxE "$page1|$page2" <<<"$out"

# --- 40 new connections: both servers, each connection served whole by one ---
outs=$(for i in $(seq 1 40); do on jh-EC2 curl -s -m 5 "$dns"; echo; done)
check_equal "40 connections, 40 whole pages" "40" "$(grep -cxE "$page1|$page2" <<<"$outs")"
check "… some from Web Server 1" grep -qxF "$page1" <<<"$outs"
check "… and some from Web Server 2" grep -qxF "$page2" <<<"$outs"
check_contains "the web server's access log shows the client's public address (client IP preserved)" "$client_public:" \
    "$(on jh-Custom-WEB-1 cat /var/log/httpd/access_log; on jh-Custom-WEB-2 cat /var/log/httpd/access_log)"
check_contains "vpclab stats counts the load balancer's connections" "load balancer connections:" "$("$VPCLAB" stats --stack-name "$s")"

# --- deregistration drains: a download in progress finishes, new connections avoid the target ---
for w in jh-Custom-WEB-1 jh-Custom-WEB-2; do on "$w" sh -c 'head -c 6000000 /dev/zero > /var/www/html/big'; done
on jh-EC2 sh -c "curl -s -m 30 --limit-rate 1000k -o /tmp/big http://$dns/big" &
background_pids+=($!)
served_big() { on jh-Custom-WEB-1 grep -q 'url:/big' /var/log/httpd/access_log && echo "$web1 jh-Custom-WEB-1 $page2" || echo "$web2 jh-Custom-WEB-2 $page1"; }
check "the download started" wait_until 10 sh -c "$VPCLAB exec --stack-name $s jh-Custom-WEB-1 -- grep -q url:/big /var/log/httpd/access_log || $VPCLAB exec --stack-name $s jh-Custom-WEB-2 -- grep -q url:/big /var/log/httpd/access_log"
read -r drained drained_name other_page <<<"$(served_big)"
other_page=$(served_big | cut -d' ' -f3-)
check "deregister-targets the server of the download" elbv2 deregister-targets --target-group-arn "$tg" --targets "Id=$drained"
check_equal "it is draining" "draining" "$(state_of "$drained")"
outs=$(for i in $(seq 1 10); do on jh-EC2 curl -s -m 5 "$dns"; echo; done)
check_equal "10 new connections all go to the other server" "10" "$(grep -cxF "$other_page" <<<"$outs")"
check "the download in progress finishes whole (6,000,000 bytes)" wait_until 30 on jh-EC2 sh -c '[ "$(wc -c < /tmp/big)" -eq 6000000 ]'
check "register it again" elbv2 register-targets --target-group-arn "$tg" --targets "Id=$drained"
check "… healthy again" wait_until 60 sh -c "[ \"\$($VPCLAB elbv2 describe-target-health --stack-name $s --target-group-arn $tg --query 'TargetHealthDescriptions[].TargetHealth.State' --output text | tr '\t' ' ')\" = 'healthy healthy' ]"

# --- a stopped web server: unhealthy within the health check window, every request to the other ---
# The instance's web server: busybox, run as httpd (its first argument).
httpd_pid() { for p in $(ip netns pids "$s-$1"); do tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qE '^(busybox )?httpd ' && echo "$p"; done; }
stop_httpd() { local p; p=$(httpd_pid "$1"); [ -n "$p" ] && kill $p; }
start_httpd() { on "$1" sh -c 'busybox httpd -f -vv -p 0.0.0.0:80 -h /var/www/html >>/var/log/httpd/access_log 2>&1 &'; }  # as the instance runs it (vpclab down ends it)
check "stop jh-Custom-WEB-1's web server" stop_httpd jh-Custom-WEB-1
check "jh-Custom-WEB-1 becomes unhealthy" wait_until 30 sh -c "[ \"\$($VPCLAB elbv2 describe-target-health --stack-name $s --target-group-arn $tg --targets Id=$web1 --query 'TargetHealthDescriptions[0].TargetHealth.State' --output text)\" = unhealthy ]"
check_contains "… with AWS's reason code" "Target.FailedHealthChecks" "$(elbv2 describe-target-health --target-group-arn "$tg" --targets "Id=$web1")"
outs=$(for i in $(seq 1 10); do on jh-EC2 curl -s -m 5 "$dns"; echo; done)
check_equal "every request goes to Web Server 2" "10" "$(grep -cxF "$page2" <<<"$outs")"
check "start it again" start_httpd jh-Custom-WEB-1
check "jh-Custom-WEB-1 is healthy again" wait_until 60 sh -c "[ \"\$($VPCLAB elbv2 describe-target-health --stack-name $s --target-group-arn $tg --targets Id=$web1 --query 'TargetHealthDescriptions[0].TargetHealth.State' --output text)\" = healthy ]"
outs=$(for i in $(seq 1 20); do on jh-EC2 curl -s -m 5 "$dns"; echo; done)
check "… and used again" grep -qxF "$page1" <<<"$outs"

# --- a target moved to a group that does not admit the node: unhealthy, and back (shared/repro: the checks
#     reused one source port per target, so once one passed every later one did, whatever the groups said) ---
custom_vpc=$(ec2 describe-vpcs --filters Name=tag:Name,Values=jhCustomVPC --query 'Vpcs[0].VpcId' --output text)
web_sg=$(ec2 describe-security-groups --filters Name=group-name,Values=jhCustomSG --query 'SecurityGroups[0].GroupId' --output text)
ssh_sg=$(ec2 create-security-group --group-name ssh-only --description "SSH only" --vpc-id "$custom_vpc" --query GroupId --output text)
ec2 authorize-security-group-ingress --group-id "$ssh_sg" --protocol tcp --port 22 --cidr 0.0.0.0/0 >/dev/null
check "modify-instance-attribute --groups: jh-Custom-WEB-1 into a group without port 80" ec2 modify-instance-attribute --instance-id "$web1" --groups "$ssh_sg"
moved_at=$(date +%s)
# (Within the unhealthy threshold of checks, two 3 s intervals: the unit test checks that on its own clock;
# here the time it took is shown.)
check "… it becomes unhealthy" wait_until 30 sh -c "[ \"\$($VPCLAB elbv2 describe-target-health --stack-name $s --target-group-arn $tg --targets Id=$web1 --query 'TargetHealthDescriptions[0].TargetHealth.State' --output text)\" = unhealthy ]"
echo "   unhealthy $(($(date +%s) - moved_at)) s after the move"
outs=$(for i in $(seq 1 10); do on jh-EC2 curl -s -m 5 "$dns"; echo; done)
check_equal "every new connection goes to Web Server 2" "10" "$(grep -cxF "$page2" <<<"$outs")"
check "moved back into jhCustomSG" ec2 modify-instance-attribute --instance-id "$web1" --groups "$web_sg"
check "… healthy again" wait_until 60 sh -c "[ \"\$($VPCLAB elbv2 describe-target-health --stack-name $s --target-group-arn $tg --targets Id=$web1 --query 'TargetHealthDescriptions[0].TargetHealth.State' --output text)\" = healthy ]"
outs=$(for i in $(seq 1 20); do on jh-EC2 curl -s -m 5 "$dns"; echo; done)
check "… and used again" grep -qxF "$page1" <<<"$outs"
check "delete-security-group" ec2 delete-security-group --group-id "$ssh_sg"

# --- both stopped: the load balancer fails open (sends to both), and the requests fail ---
stop_httpd jh-Custom-WEB-1
stop_httpd jh-Custom-WEB-2
check "both become unhealthy" wait_until 30 sh -c "[ \"\$($VPCLAB elbv2 describe-target-health --stack-name $s --target-group-arn $tg --query 'TargetHealthDescriptions[].TargetHealth.State' --output text | tr '\t' ' ')\" = 'unhealthy unhealthy' ]"
before=$(drop_count "$s" load_balancer_no_target)
check_not "curl fails (the targets refuse)" on jh-EC2 curl -s -m 5 "$dns"
check_equal "… because it was sent to a target, not dropped at the load balancer (fail open)" "$before" "$(drop_count "$s" load_balancer_no_target)"
start_httpd jh-Custom-WEB-1
start_httpd jh-Custom-WEB-2

# --- an internal load balancer: private addresses, its own VPC only ---
custom_subnet=$(ec2 describe-subnets --filters Name=tag:Name,Values=jh-Custom-Public-SN --query 'Subnets[0].SubnetId' --output text)
internal=$(elbv2 create-load-balancer --name inside --type network --scheme internal --subnets "$custom_subnet" --query 'LoadBalancers[0].LoadBalancerArn' --output text)
internal_dns=$(elbv2 describe-load-balancers --names inside --query 'LoadBalancers[0].DNSName' --output text)
check_contains "an internal NLB's name starts with internal-" "internal-inside-" "$internal_dns"
# Its target group checks health over HTTP: first a path the server does not have (404: unhealthy), then /.
tg2=$(elbv2 create-target-group --name inside-tg --protocol TCP --port 80 --vpc-id "$custom_vpc" --health-check-protocol HTTP \
    --health-check-path /missing --health-check-interval-seconds 5 --healthy-threshold-count 2 --query 'TargetGroups[0].TargetGroupArn' --output text)
check "register jh-Custom-WEB-2 with it" elbv2 register-targets --target-group-arn "$tg2" --targets "Id=$web2"
check "create-listener TCP 80" elbv2 create-listener --load-balancer-arn "$internal" --protocol TCP --port 80 --default-actions "Type=forward,TargetGroupArn=$tg2"
check "an HTTP health check of a missing page (404) makes it unhealthy" wait_until 30 sh -c "[ \"\$($VPCLAB elbv2 describe-target-health --stack-name $s --target-group-arn $tg2 --query 'TargetHealthDescriptions[0].TargetHealth.State' --output text)\" = unhealthy ]"
check_contains "… the health checker's requests reached the web server" "url:/missing" "$(on jh-Custom-WEB-2 cat /var/log/httpd/access_log)"
check "modify-target-group --health-check-path /" elbv2 modify-target-group --target-group-arn "$tg2" --health-check-path /
check "its target becomes healthy" wait_until 30 sh -c "[ \"\$($VPCLAB elbv2 describe-target-health --stack-name $s --target-group-arn $tg2 --query 'TargetHealthDescriptions[0].TargetHealth.State' --output text)\" = healthy ]"
check_contains "dig from jh-EC2 (another VPC): a private address of jhCustomVPC" "20.20.0." "$(on jh-EC2 dig +short +time=2 +tries=1 "$internal_dns")"
check_equal "curl from jh-Custom-WEB-1 (its VPC) reaches Web Server 2" "$page2" "$(on jh-Custom-WEB-1 curl -s -m 5 "$internal_dns")"
check_not "curl from jh-EC2 does not get there (a private address of another VPC)" on jh-EC2 curl -s -m 3 "$internal_dns"
check "delete-load-balancer" elbv2 delete-load-balancer --load-balancer-arn "$internal"
check "delete-target-group" elbv2 delete-target-group --target-group-arn "$tg2"
check_equal "one load balancer left" "1" "$(elbv2 describe-load-balancers --query 'LoadBalancers[].LoadBalancerArn' --output text | wc -w)"

# --- one instance's SYN flood (shared/repro/syn-flood.py) while two others open a connection every 100 ms ---
# jh-EC2 sends SYNs from every port as fast as Python can to the NLB's public address until the two clients
# are done (then it is stopped; the script would stop itself after 300 s). Its security
# groups track each at its ENI, where it may hold its share of the table; the node holds at most an eighth of
# its table for one client; half-open connections go after 10 s. So the flood is refused on jh-EC2, and
# jh-Custom-WEB-1's connections to jh-Custom-WEB-2 and an internet client's to the NLB all get through.
ec2_ip=$(ec2 describe-instances --filters Name=tag:Name,Values=jh-EC2 --query 'Reservations[0].Instances[0].PrivateIpAddress' --output text)
web2_ip=$(ec2 describe-instances --filters Name=tag:Name,Values=jh-Custom-WEB-2 --query 'Reservations[0].Instances[0].PrivateIpAddress' --output text)
refused_before=$(drop_count "$s" connection_table_full jh-EC2)
rx_of_ec2() { "$VPCLAB" stats jh-EC2 --stack-name "$s" --output json | grep '"RxFrames"' | grep -o '[0-9]\+' | head -n1; }
rx_before=$(rx_of_ec2)
flood_started=$(date +%s)
on jh-EC2 python3 - "$ec2_ip" "$node_public" 80 300 <"$SOURCE_DIR/tests/netns/syn-flood.py" >/dev/null 2>&1 &
flood=$!
background_pids+=($flood)
flood_refused() { [ "$(drop_count "$s" connection_table_full jh-EC2)" -gt "$refused_before" ]; }
check "the flood fills jh-EC2's share of the tracking table: refused on its ENI (connection_table_full)" wait_until 10 flood_refused
every_100ms() { local who=$1 url=$2; on "$who" sh -c "for i in \$(seq 100); do curl -s -m 3 -o /dev/null -w '%{http_code}\n' $url; sleep 0.1; done"; }
every_100ms jh-Custom-WEB-1 "http://$web2_ip/" >"/tmp/$s-web.out" 2>&1 &
web_loop=$!
every_100ms region "http://$node_public/" >"/tmp/$s-internet.out" 2>&1 &
internet_loop=$!
background_pids+=($web_loop $internet_loop)
wait $web_loop $internet_loop
flood_pid() { local p; for p in $(ip netns pids "$s-jh-EC2"); do tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q '^python3 - ' && echo "$p"; done; }
check "… the flood went on all the while (still running when they were done)" test -n "$(flood_pid)"
kill $(flood_pid) 2>/dev/null
wait $flood
flood_seconds=$(( $(date +%s) - flood_started ))
flood_frames=$(( $(rx_of_ec2) - rx_before ))
check_equal "jh-Custom-WEB-1 → jh-Custom-WEB-2 during the flood: 100 of 100 connections answered" "100" "$(grep -c '^200$' "/tmp/$s-web.out")"
check_equal "an internet client → the NLB during the flood: 100 of 100" "100" "$(grep -c '^200$' "/tmp/$s-internet.out")"
flood_stats=$("$VPCLAB" stats jh-EC2 --stack-name "$s")
echo "   the flood: $flood_frames frames from jh-EC2 in $flood_seconds s ($((flood_frames / (flood_seconds > 0 ? flood_seconds : 1))) a second); jh-EC2 refused $(($(drop_count "$s" connection_table_full jh-EC2) - refused_before)) on its ENI"
echo "$flood_stats" | grep -E "^(INSTANCE|jh-EC2)|load balancer connections"
check "jh-EC2's refusals are counted on its ENI" flood_refused
check_equal "… and none on the web servers'" "0 0" "$(drop_count "$s" connection_table_full jh-Custom-WEB-1) $(drop_count "$s" connection_table_full jh-Custom-WEB-2)"
rm -f "/tmp/$s-web.out" "/tmp/$s-internet.out"

check "down" "$VPCLAB" down --stack-name "$s"
check_equal "nothing of the stack is left" "" "$(stack_leftovers "$s")"
finish
