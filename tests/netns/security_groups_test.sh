#!/usr/bin/env bash
# Security groups and network ACLs with real tools: the second seed lab's groups (HTTP and SSH in, nothing
# else), ICMP authorized and revoked, statefulness, group references, a custom ACL and its ephemeral-port
# lesson, DNS whatever the groups say, a tracked session surviving its rule's revocation while an
# untracked one stops, and 200,000 UDP flows filling a bounded connection table.
source "$(dirname "$0")/lib.sh"
: "${UDP_FLOWS:?set UDP_FLOWS to the udp_flows test helper}"

s=$(new_stack sg)
ec2() { "$VPCLAB" ec2 "$@" --stack-name "$s"; }
on() { local who=$1; shift; "$VPCLAB" exec --stack-name "$s" "$who" -- "$@"; }
ip_of() { ec2 describe-instances --filters "Name=tag:Name,Values=$1" "Name=instance-state-name,Values=running" --query 'Reservations[0].Instances[0].PrivateIpAddress' --output text; }
id_of() { ec2 describe-instances --filters "Name=tag:Name,Values=$1" --query 'Reservations[0].Instances[0].InstanceId' --output text; }
group() { ec2 create-security-group --vpc-id "$vpc" --group-name "$1" --description "$1" --query GroupId --output text; }
ct_stat() { "$VPCLAB" stats --stack-name "$s" --output json | tr -d ' \n' | grep -o "\"$1\":[0-9]*" | head -n1 | cut -d: -f2; }

# Two forwarding workers (--workers 2): the connection table and its fair shares are theirs together.
check "the second seed lab comes up with a 100,000-flow connection table" "$VPCLAB" up "$SOURCE_DIR/labs/privatelink-lab.yaml" --stack-name "$s" --max-tracked-connections 100000 --workers 2
check "… with a second forwarding thread" grep -qx vpclab-worker /proc/"$(cat /run/vpclab/"$s"/router.pid)"/task/*/comm
web1=$(ip_of jh-Custom-WEB-1)
web2=$(ip_of jh-Custom-WEB-2)
vpc=$(ec2 describe-vpcs --filters Name=tag:Name,Values=jhCustomVPC --query 'Vpcs[0].VpcId' --output text)
web_sg=$(ec2 describe-security-groups --filters Name=group-name,Values=jhCustomSG --query 'SecurityGroups[0].GroupId' --output text)
check_contains "the seed's group is jhCustomSG" "sg-" "$web_sg"

# --- the seed's group: port 80 and 22 from anywhere ---
check_contains "curl web 1 on port 80 from web 2" "Web Server 1" "$(on jh-Custom-WEB-2 curl -s -m 5 "http://$web1/")"
check "nc to port 22 (its sshd) works" on jh-Custom-WEB-2 nc -z -w 3 "$web1" 22
on jh-Custom-WEB-1 timeout 20 nc -l 8080 >/dev/null &
background_pids+=($!)
check "a listener on 8080 comes up on web 1" wait_until 5 sh -c "$VPCLAB exec --stack-name $s jh-Custom-WEB-1 -- ss -ltn | grep -q ':8080 '"
before=$(drop_count "$s" security_group_ingress)
check_not "nc to 8080 does not connect: no rule lets it in" on jh-Custom-WEB-2 nc -z -w 2 "$web1" 8080
check "… counted as security_group_ingress" test "$(drop_count "$s" security_group_ingress)" -gt "$before"
check_not "ping between the web servers gets no reply (no ICMP rule)" on jh-Custom-WEB-2 ping -c 1 -W 1 "$web1"
check "authorize-security-group-ingress --protocol icmp --port -1" ec2 authorize-security-group-ingress --group-id "$web_sg" --protocol icmp --port -1 --cidr 0.0.0.0/0
check "now ping gets replies" on jh-Custom-WEB-2 ping -c 2 -W 2 -i 0.2 "$web1"
check_contains "describe-security-group-rules shows the new rule" '"IpProtocol": "icmp"' "$(ec2 describe-security-group-rules --filters Name=group-id,Values="$web_sg")"
out=$(ec2 authorize-security-group-ingress --group-id "$web_sg" --protocol icmp --port -1 --cidr 0.0.0.0/0 2>&1)
check_contains "the same rule again: InvalidPermission.Duplicate" "InvalidPermission.Duplicate" "$out"
check "revoke-security-group-ingress" ec2 revoke-security-group-ingress --group-id "$web_sg" --protocol icmp --port -1 --cidr 0.0.0.0/0
check_not "after revoking it new pings fail" on jh-Custom-WEB-2 ping -c 1 -W 1 "$web1"
check_equal "the group is back to its two inbound rules" "2" "$(ec2 describe-security-group-rules --filters Name=group-id,Values="$web_sg" Name=is-egress,Values=false --query 'SecurityGroupRules[].SecurityGroupRuleId' --output text | wc -w)"

# --- stateful: replies come back to a group with no inbound rules; nothing else gets in ---
closed=$(group closed)
check "modify-instance-attribute --groups: web 2 in a group with no inbound rules" ec2 modify-instance-attribute --instance-id "$(id_of jh-Custom-WEB-2)" --groups "$closed"
check_contains "web 2 still gets replies to its own curl to the region" "example.com" "$(on jh-Custom-WEB-2 curl -s -m 5 http://example.com/)"
web2_public=$(ec2 describe-instances --filters Name=tag:Name,Values=jh-Custom-WEB-2 --query 'Reservations[0].Instances[0].PublicIpAddress' --output text)
check_not "the region cannot open a connection to web 2's web server" "$VPCLAB" exec --stack-name "$s" region -- nc -z -w 2 "$web2_public" 80
out=$(ec2 delete-security-group --group-id "$closed" 2>&1)
check_contains "delete-security-group refuses a group in use (DependencyViolation)" "DependencyViolation" "$out"
check "web 2 back in the seed's group" ec2 modify-instance-attribute --instance-id "$(id_of jh-Custom-WEB-2)" --groups "$web_sg"
check "… and now the region reaches it" "$VPCLAB" exec --stack-name "$s" region -- nc -z -w 3 "$web2_public" 80
check "delete-security-group once unused" ec2 delete-security-group --group-id "$closed"

# --- a rule naming a group lets its members in, a member added later too ---
clients=$(group clients)
db=$(group db)
check "authorize port 9000 from the clients group" ec2 authorize-security-group-ingress --group-id "$db" --protocol tcp --port 9000 --source-group "$clients"
check "web 1 joins db" ec2 modify-instance-attribute --instance-id "$(id_of jh-Custom-WEB-1)" --groups "$web_sg" "$db"
on jh-Custom-WEB-1 timeout 30 nc -lk 9000 >/dev/null &
background_pids+=($!)
check "a listener on 9000 comes up on web 1" wait_until 5 sh -c "$VPCLAB exec --stack-name $s jh-Custom-WEB-1 -- ss -ltn | grep -q ':9000 '"
check_not "web 2, not a client, cannot connect to 9000" on jh-Custom-WEB-2 nc -z -w 2 "$web1" 9000
check "web 2 joins clients" ec2 modify-instance-attribute --instance-id "$(id_of jh-Custom-WEB-2)" --groups "$web_sg" "$clients"
check "… and connects" on jh-Custom-WEB-2 nc -z -w 3 "$web1" 9000

# --- network ACLs: a second subnet with a client; the web servers' subnet gets a custom ACL ---
subnet_b=$(ec2 create-subnet --vpc-id "$vpc" --cidr-block 20.20.1.0/24 --availability-zone ap-northeast-2a --query Subnet.SubnetId --output text)
ec2 run-instances --subnet-id "$subnet_b" --security-group-ids "$web_sg" --tag-specifications 'ResourceType=instance,Tags=[{Key=Name,Value=client}]' >/dev/null
check "a client instance in a second subnet runs" ec2 wait instance-running --instance-ids "$(id_of client)"
check_contains "the client reaches web 1 under the default ACL (allow all)" "Web Server 1" "$(on client curl -s -m 5 "http://$web1/")"
web_subnet=$(ec2 describe-subnets --filters Name=tag:Name,Values=jh-Custom-Public-SN --query 'Subnets[0].SubnetId' --output text)
acl=$(ec2 create-network-acl --vpc-id "$vpc" --query NetworkAcl.NetworkAclId --output text)
check "create-network-acl-entry: inbound 100 allows TCP 80" ec2 create-network-acl-entry --network-acl-id "$acl" --ingress --rule-number 100 --protocol tcp --port-range From=80,To=80 --cidr-block 0.0.0.0/0 --rule-action allow
assoc=$(ec2 describe-network-acls --filters "Name=association.subnet-id,Values=$web_subnet" --query 'NetworkAcls[0].Associations[].[SubnetId,NetworkAclAssociationId]' --output text |
    awk -v s="$web_subnet" '$1 == s {print $2}')
default_acl=$(ec2 describe-network-acls --filters "Name=vpc-id,Values=$vpc" Name=default,Values=true --query 'NetworkAcls[0].NetworkAclId' --output text)
new_assoc=$(ec2 replace-network-acl-association --association-id "$assoc" --network-acl-id "$acl" --query NewAssociationId --output text)
check_contains "replace-network-acl-association gives a new association" "aclassoc-" "$new_assoc"
before=$(drop_count "$s" network_acl_outbound)
check_equal "without an outbound rule for ephemeral ports the replies are dropped: curl fails" "" "$(on client curl -s -m 3 "http://$web1/")"
check "… counted as network_acl_outbound" test "$(drop_count "$s" network_acl_outbound)" -gt "$before"
check_contains "… and stats names the rule that denied: *" "rule *" "$("$VPCLAB" stats --stack-name "$s" jh-Custom-WEB-1)"
check "outbound 100 allows TCP 1024-65535 (the ephemeral ports)" ec2 create-network-acl-entry --network-acl-id "$acl" --egress --rule-number 100 --protocol 6 --port-range From=1024,To=65535 --cidr-block 0.0.0.0/0 --rule-action allow
check_contains "now curl works" "Web Server 1" "$(on client curl -s -m 5 "http://$web1/")"
client_ip=$(ip_of client)
check "inbound 50 denies the client, below the allow" ec2 create-network-acl-entry --network-acl-id "$acl" --ingress --rule-number 50 --protocol tcp --port-range From=80,To=80 --cidr-block "$client_ip/32" --rule-action deny
check_equal "the lower-numbered deny wins" "" "$(on client curl -s -m 3 "http://$web1/")"
check_contains "stats: rule 50 denied it" "rule 50" "$("$VPCLAB" stats --stack-name "$s" jh-Custom-WEB-1)"
check "web 2 reaches web 1 on 22 inside the subnet (no ACL rule for 22)" on jh-Custom-WEB-2 nc -z -w 3 "$web1" 22
check_contains "describe-network-acls shows the rules, lowest first, and the final *" '"RuleNumber": 50' "$(ec2 describe-network-acls --network-acl-ids "$acl")"
out=$(ec2 delete-network-acl --network-acl-id "$acl" 2>&1)
check_contains "delete-network-acl refuses an ACL in use" "DependencyViolation" "$out"
ec2 replace-network-acl-association --association-id "$new_assoc" --network-acl-id "$default_acl" >/dev/null
check "back on the default ACL, then the custom one is deleted" ec2 delete-network-acl --network-acl-id "$acl"

# --- DNS whatever the groups say ---
noegress=$(group noegress)
check "revoke-security-group-egress: the group's allow-all outbound rule" ec2 revoke-security-group-egress --group-id "$noegress" --ip-permissions 'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]'
check "the client in a group with no rules at all" ec2 modify-instance-attribute --instance-id "$(id_of client)" --groups "$noegress"
check_contains "DNS still answers (the VPC resolver is not filtered)" "198.18." "$(on client dig +short +time=2 +tries=1 s3.ap-northeast-2.amazonaws.com)"
check_equal "… while curl to web 1 is dropped on the way out" "" "$(on client curl -s -m 2 "http://$web1/")"

# --- a tracked session survives its rule's revocation; an untracked one stops ---
session() {  # session PORT: web 2 sends "one", waits for /tmp/go, sends "two"
    on jh-Custom-WEB-1 sh -c "rm -f /tmp/got-$1; timeout 30 nc -l $1 > /tmp/got-$1" &
    background_pids+=($!)
    wait_until 5 sh -c "$VPCLAB exec --stack-name $s jh-Custom-WEB-1 -- ss -ltn | grep -q ':$1 '"
    on jh-Custom-WEB-2 rm -f /tmp/go
    on jh-Custom-WEB-2 sh -c "(echo one; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo two; sleep 2) | timeout 30 nc -q 1 $web1 $1" &
    background_pids+=($!)
    wait_until 5 on jh-Custom-WEB-1 grep -q one "/tmp/got-$1"
}
ssh_like=$(group ssh-like)
ec2 authorize-security-group-ingress --group-id "$ssh_like" --protocol tcp --port 2222 --cidr 0.0.0.0/0 >/dev/null
ec2 modify-instance-attribute --instance-id "$(id_of jh-Custom-WEB-1)" --groups "$web_sg" "$ssh_like"
check "a session on 2222 (tracked: the rule is not all-open) starts" session 2222
check "revoke the rule that allowed it" ec2 revoke-security-group-ingress --group-id "$ssh_like" --protocol tcp --port 2222 --cidr 0.0.0.0/0
on jh-Custom-WEB-2 touch /tmp/go
check "the tracked session goes on" wait_until 5 on jh-Custom-WEB-1 grep -q two /tmp/got-2222
open_all=$(group open-all)
ec2 authorize-security-group-ingress --group-id "$open_all" --ip-permissions 'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]' >/dev/null
ec2 modify-instance-attribute --instance-id "$(id_of jh-Custom-WEB-1)" --groups "$open_all"
check "a session on 2223 to an all-open group (untracked) starts" session 2223
check "revoke the all-open rule" ec2 revoke-security-group-ingress --group-id "$open_all" --ip-permissions 'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]'
on jh-Custom-WEB-2 touch /tmp/go
check_not "the untracked session stops at once" wait_until 3 on jh-Custom-WEB-1 grep -q two /tmp/got-2223
ec2 modify-instance-attribute --instance-id "$(id_of jh-Custom-WEB-1)" --groups "$web_sg"

# --- 200,000 UDP flows from one instance fill its share of the 100,000-flow table, and only that ---
pid=$(cat "/run/vpclab/$s/router.pid")
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
rss_before=$(rss)
ec2 authorize-security-group-ingress --group-id "$ssh_like" --protocol tcp --port 2224 --cidr 0.0.0.0/0 >/dev/null
ec2 modify-instance-attribute --instance-id "$(id_of jh-Custom-WEB-1)" --groups "$web_sg" "$ssh_like"
check "a session on 2224 (tracked) starts before the flood" session 2224
# In the instances' network namespaces only (the helper lives in the build tree, which an instance's own
# /tmp may hide). Web 2 first: 2,000 flows that stay after jh-EC2 is stopped, to watch them expire.
check_contains "web 2 sends 2,000 datagrams to distinct ports" "2000 datagrams sent" "$(ip netns exec "$s-jh-Custom-WEB-2" "$UDP_FLOWS" 2000 198.18.10.10)"
# An ENI's tracked connections and allowance (`vpclab stats NAME`, published once a second).
eni_stat() { "$VPCLAB" stats "$1" --stack-name "$s" --output json | grep "\"$2\":" | grep -o '[0-9]\+' | head -n1; }
at_allowance() {
    local held allowed
    held=$(eni_stat jh-EC2 TrackedConnections)
    allowed=$(eni_stat jh-EC2 TrackedConnectionsAllowance)
    [ -n "$held" ] && [ "$held" -gt 0 ] && [ "$held" = "$allowed" ]
}
# The sender does not pace itself, so datagrams may be lost on the way into its TAP when the machine is
# busy: the same 200,000 are sent again (at most three rounds) until jh-EC2 holds all it may.
for round in 1 2 3; do
    flood=$(ip netns exec "$s-jh-EC2" "$UDP_FLOWS" 200000 198.18.10.10 198.18.11.10 198.18.100.10 198.18.12.10)
    wait_until 3 at_allowance && break
done
check_contains "jh-EC2: 200,000 datagrams to distinct ports of four region hosts (round $round)" "200000 datagrams sent" "$flood"
held=$(eni_stat jh-EC2 TrackedConnections)
check "jh-EC2 holds all its share of the table ($held of $(eni_stat jh-EC2 TrackedConnectionsAllowance))" at_allowance
check "… which is not the whole table: the others keep their parts ($(ct_stat TrackedFlows) of 100,000 tracked)" test "$(ct_stat TrackedFlows)" -lt 100000
check "new flows were refused and counted" test "$(ct_stat Refused)" -gt 0
check "… as connection_table_full drops on jh-EC2's ENI" test "$(drop_count "$s" connection_table_full jh-EC2)" -gt 0
check_equal "… and none on the web servers'" "0 0" "$(drop_count "$s" connection_table_full jh-Custom-WEB-1) $(drop_count "$s" connection_table_full jh-Custom-WEB-2)"
on jh-Custom-WEB-2 touch /tmp/go
check "the established session still forwards" wait_until 5 on jh-Custom-WEB-1 grep -q two /tmp/got-2224
memory=$(ct_stat MemoryBytes)
check "the router's memory grew by less than the table's stated size plus 16 MiB" test $(( ($(rss) - rss_before) * 1024 )) -lt $(( memory + 16 * 1024 * 1024 ))
check "stop-instances jh-EC2" ec2 stop-instances --instance-ids "$(id_of jh-EC2)"
left=$(ct_stat TrackedFlows)
# (A few of web 2's datagrams may be lost on the way into its TAP: more than 1,000 of its flows stay.)
check "… its $held tracked flows end with it at once; web 2's stay ($left left)" test "$left" -gt 1000 -a "$left" -lt 2100
drained() { [ "$(ct_stat TrackedFlows)" -lt 10 ]; }
check "idle UDP flows expire (30 s): the table drains" wait_until 90 drained

check "down" "$VPCLAB" down --stack-name "$s"
check_equal "nothing of the stack is left" "" "$(stack_leftovers "$s")"
finish
