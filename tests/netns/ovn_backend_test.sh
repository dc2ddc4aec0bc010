#!/usr/bin/env bash
# The OVN backend (issue 30, docs/ovn-backend.md): the first seed lab on OVN with two chassis. Its instances are
# bound on different chassis and their traffic crosses the GENEVE tunnel (ssh from one to the other, counted
# on the tunnel port); the trace prints ovn-trace beside the model; what the backend does not compile is
# refused by name, at `up` and at runtime, changing nothing; `down`, and `down` after kill -9 of the router,
# leave no daemon, namespace or file. The seed's §2.1–2.2 walk-through on it: netns_demo_ovn.
source "$(dirname "$0")/lib.sh"

for program in ovsdb-server ovs-vswitchd ovn-northd ovn-controller ovn-nbctl ovn-trace ethtool; do
    if ! command -v "$program" >/dev/null; then
        echo "SKIP: $program is not installed (scripts/setup.sh installs ovn-central ovn-host openvswitch-switch ethtool)"
        exit 77
    fi
done

template="$SOURCE_DIR/labs/endpoints-lab.yaml"
stack=$(new_stack ovn)
ovn_processes() { pgrep -f "/run/vpclab/$1/ovn/" || true; }

# Refused before anything is made: a lab with a load balancer, and --chassis without --backend ovn.
refused=$(new_stack ovnpl)
out=$("$VPCLAB" up "$SOURCE_DIR/labs/privatelink-lab.yaml" --stack-name "$refused" --backend ovn 2>&1)
check_not "up of the second seed lab on OVN fails" test $? = 0
check_contains "it names what the backend does not compile" "does not compile load balancers" "$out"
check_equal "nothing of it was made" "" "$(stack_leftovers "$refused")"
out=$("$VPCLAB" up "$template" --stack-name "$refused" --chassis 2 2>&1)
check_contains "--chassis needs --backend ovn" "--chassis is for --backend ovn" "$out"

out=$("$VPCLAB" up "$template" --stack-name "$stack" --backend ovn --chassis 2 2>&1)
check "up --backend ovn --chassis 2" test $? = 0
echo "$out" | tail -n 4
sb="--db=unix:/run/vpclab/$stack/ovn/central/sb.sock"
for ns in "$stack-ovn" "$stack-chassis-1" "$stack-chassis-2"; do
    check "namespace $ns exists" ip netns pids "$ns"
done

# Both instances bound, on different chassis.
public_eni=$("$VPCLAB" ec2 describe-instances --stack-name "$stack" --filters Name=tag:Name,Values=jh-test-Public-EC2 \
    --query 'Reservations[0].Instances[0].NetworkInterfaces[0].NetworkInterfaceId' --output text)
private_eni=$("$VPCLAB" ec2 describe-instances --stack-name "$stack" --filters Name=tag:Name,Values=jh-test-Private-EC2 \
    --query 'Reservations[0].Instances[0].NetworkInterfaces[0].NetworkInterfaceId' --output text)
chassis_of() { ovn-sbctl "$sb" --bare --columns=chassis find Port_Binding "logical_port=$1"; }
chassis_name() { ovn-sbctl "$sb" --bare --columns=name list Chassis "$1"; }
public_chassis=$(chassis_name "$(chassis_of "$public_eni")")
private_chassis=$(chassis_name "$(chassis_of "$private_eni")")
check_equal "the public instance is on chassis 1" "vpclab-chassis-1" "$public_chassis"
check_equal "the private instance is on chassis 2" "vpclab-chassis-2" "$private_chassis"

# Across chassis: ssh from the region to the public instance (NAT on the gateway chassis), then on to the
# private one with the UserData's password; the GENEVE tunnel port on chassis 2 counts what it carried.
key="/run/vpclab/$stack/vpclab-KeyName.pem"
public_ip=$("$VPCLAB" ec2 describe-instances --stack-name "$stack" --filters Name=tag:Name,Values=jh-test-Public-EC2 \
    --query 'Reservations[0].Instances[0].PublicIpAddress' --output text)
out=$("$VPCLAB" exec --stack-name "$stack" region -- timeout 20 ssh -i "$key" -o StrictHostKeyChecking=accept-new -o LogLevel=ERROR \
    -o ConnectTimeout=5 "ec2-user@$public_ip" \
    "sshpass -p qwe123 ssh -o StrictHostKeyChecking=accept-new -o LogLevel=ERROR -o ConnectTimeout=5 root@10.10.1.4 hostname" 2>&1)
check_contains "ssh region → public instance → private instance (across chassis)" "ip-10-10-1-4" "$out"
db2="--db=unix:/run/vpclab/$stack/ovn/c2/db.sock"
tunnel=$(ovs-vsctl "$db2" --bare --columns=name find Interface type=geneve)
check "chassis 2 has a GENEVE tunnel port" test -n "$tunnel"
rx=$(ip netns exec "$stack-chassis-2" cat /sys/class/net/underlay/statistics/rx_packets)
check "chassis 2's underlay link carried the ssh ($rx packets in)" test "${rx:-0}" -gt 10

# The trace: the model's expectation, then ovn-trace on the same packet.
out=$("$VPCLAB" trace --stack-name "$stack" jh-test-Private-EC2 s3.ap-northeast-2.amazonaws.com 2>&1)
echo "$out" | tail -n 12
check_contains "the model says the private table has no route" "dropped at route" "$out"
check_contains "ovn-trace follows" "ingress(dp=\"" "$out"
check_not "… and ran" grep -q "ovn-trace failed" <<<"$out"
check_contains "… and drops it in the VPC's router, which has no route" "drop;" "$out"
out=$("$VPCLAB" trace --stack-name "$stack" jh-test-Public-EC2 jh-test-Private-EC2 --protocol tcp --port 22 2>&1)
check_contains "ovn-trace of ssh to the private instance reaches its port" "output to \"$private_eni\"" "$out"

# vpclab's resolver and metadata service, plugged at the VPC's base+2: names from both subnets, the metadata
# service's answer about the asking instance, nothing while the VPC's DNS support is off; stats say OVN is in sync.
out=$("$VPCLAB" exec --stack-name "$stack" jh-test-Private-EC2 -- dig +short +time=2 +tries=1 s3.ap-northeast-2.amazonaws.com)
check_equal "the private instance resolves S3 (dig, with EDNS)" "198.18.10.10" "$out"
out=$("$VPCLAB" exec --stack-name "$stack" jh-test-Private-EC2 -- curl -s -m 3 http://169.254.169.254/latest/meta-data/local-ipv4)
check_equal "the metadata service answers the private instance with its own address" "10.10.1.4" "$out"
vpc=$("$VPCLAB" ec2 describe-vpcs --stack-name "$stack" --query 'Vpcs[0].VpcId' --output text)
"$VPCLAB" ec2 modify-vpc-attribute --stack-name "$stack" --vpc-id "$vpc" --no-enable-dns-support >/dev/null
check_not "DNS support off: no answer" "$VPCLAB" exec --stack-name "$stack" jh-test-Public-EC2 -- dig +short +time=1 +tries=1 s3.ap-northeast-2.amazonaws.com
"$VPCLAB" ec2 modify-vpc-attribute --stack-name "$stack" --vpc-id "$vpc" --enable-dns-support >/dev/null
out=$("$VPCLAB" exec --stack-name "$stack" jh-test-Public-EC2 -- dig +short +time=2 +tries=1 s3.ap-northeast-2.amazonaws.com)
check_equal "on again: answered" "198.18.10.10" "$out"
check_contains "stats: OVN has the model" '"InSync": true' "$("$VPCLAB" stats --stack-name "$stack" --output json)"

# Stopped and started: the private instance's port goes and comes back, still in its security group (a ping,
# which the group does not allow, stays unanswered; ssh, which it does, works again).
private_id=$("$VPCLAB" ec2 describe-instances --stack-name "$stack" --filters Name=tag:Name,Values=jh-test-Private-EC2 \
    --query 'Reservations[0].Instances[0].InstanceId' --output text)
"$VPCLAB" ec2 stop-instances --stack-name "$stack" --instance-ids "$private_id" >/dev/null
stopped() { [ "$("$VPCLAB" ec2 describe-instances --stack-name "$stack" --instance-ids "$private_id" --query 'Reservations[0].Instances[0].State.Name' --output text)" = stopped ]; }
check "the private instance stops" wait_until 30 stopped
check_equal "its port is gone from OVN" "" "$(chassis_of "$private_eni")"
"$VPCLAB" ec2 start-instances --stack-name "$stack" --instance-ids "$private_id" >/dev/null
ssh_private() {
    "$VPCLAB" exec --stack-name "$stack" region -- timeout 10 ssh -i "$key" -o StrictHostKeyChecking=accept-new -o LogLevel=ERROR -o ConnectTimeout=3 \
        "ec2-user@$public_ip" "sshpass -p qwe123 ssh -o StrictHostKeyChecking=accept-new -o LogLevel=ERROR -o ConnectTimeout=3 root@10.10.1.4 true"
}
check "started again, ssh reaches it" wait_until 30 ssh_private
check_equal "bound on its chassis again" "vpclab-chassis-2" "$(chassis_name "$(chassis_of "$private_eni")")"
check_not "its security group applies again: no ping" "$VPCLAB" exec --stack-name "$stack" jh-test-Public-EC2 -- ping -c 2 -i 0.3 -W 1 10.10.1.4

# At runtime, what the backend does not compile is refused by name and changes nothing.
before=$("$VPCLAB" ec2 describe-flow-logs --stack-name "$stack" --output json)
out=$("$VPCLAB" ec2 create-flow-logs --stack-name "$stack" --resource-type VPC --resource-ids "$vpc" --traffic-type ALL --log-group-name g 2>&1)
check_contains "flow logs refused on OVN" "UnsupportedOperation" "$out"
check_equal "no flow log made" "$before" "$("$VPCLAB" ec2 describe-flow-logs --stack-name "$stack" --output json)"

# down: no daemon, namespace or file left.
check "down" "$VPCLAB" down --stack-name "$stack"
check_equal "no OVN daemon left" "" "$(ovn_processes "$stack")"
check_equal "nothing of the stack left" "" "$(stack_leftovers "$stack")"

# kill -9 of the router: the databases and northd die with it (ovs-vswitchd, under its --monitor, lives on
# until down); down removes everything.
stack2=$(new_stack ovnk)
check "up --backend ovn --chassis 1" "$VPCLAB" up "$template" --stack-name "$stack2" --backend ovn --chassis 1
check "its daemons run" test -n "$(ovn_processes "$stack2")"
kill -9 "$(cat "/run/vpclab/$stack2/router.pid")"
central_gone() { ! pgrep -f "/run/vpclab/$stack2/ovn/central/" >/dev/null; }
check "the databases and northd die with the router" wait_until 10 central_gone
check "down after kill -9" "$VPCLAB" down --stack-name "$stack2"
check_equal "no OVN daemon left" "" "$(ovn_processes "$stack2")"
check_equal "nothing of it left" "" "$(stack_leftovers "$stack2")"

finish
