#!/usr/bin/env bash
# The guided demo: the first seed lab (built into vpclab) through its "basic environment" section.
# Interactive on a terminal (Enter moves on); straight through otherwise, so CI runs it as a test.
#
#   jh-test-Public-EC2  10.10.0.4  public subnet 10.10.0.0/24   (route 0.0.0.0/0 → IGW)
#   jh-test-Private-EC2 10.10.1.4  private subnet 10.10.1.0/24  (local route only)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
VPCLAB=${VPCLAB:-$here/build/router/vpclab}
stack=${DEMO_STACK:-demo-$$}

cleanup() { [ -d "/run/vpclab/$stack" ] && "$VPCLAB" down --stack-name "$stack" >/dev/null 2>&1 || true; }
trap cleanup EXIT

step() {
    echo
    echo "━━ $1"
    if [ -t 0 ]; then read -r -p "   (Enter to run) " _; fi
}
run() {
    echo "\$ vpclab $*" | sed "s| --stack-name $stack||"
    "$VPCLAB" "$@"
}

step "Bring the lab up: the seed's CloudFormation template, verbatim, built into vpclab"
run up --stack-name "$stack"

step "The route tables: the public subnet's sends 0.0.0.0/0 to the internet gateway; the private one has only 'local'"
"$VPCLAB" ec2 describe-route-tables --stack-name "$stack" |
    grep -E '"(RouteTableId|DestinationCidrBlock|GatewayId|Value)"' | grep -v 'aws:cloudformation' | sed 's/^ */   /'

step "From the public instance, ping the private one across subnets (TTL stays 64: the VPC router is not a hop)"
run exec --stack-name "$stack" jh-test-Public-EC2 -- ping -c 3 -i 0.3 10.10.1.4

step "SSH's port across subnets: a listener on the private instance, a client on the public one"
"$VPCLAB" exec --stack-name "$stack" jh-test-Private-EC2 -- timeout 10 nc -l 22 &
listener=$!
for _ in $(seq 100); do "$VPCLAB" exec --stack-name "$stack" jh-test-Private-EC2 -- ss -ltn | grep -q ':22 ' && break; sleep 0.05; done
echo "\$ echo 'SSH-2.0-hello' | vpclab exec jh-test-Public-EC2 -- nc 10.10.1.4 22"
echo "SSH-2.0-hello" | "$VPCLAB" exec --stack-name "$stack" jh-test-Public-EC2 -- nc -q 1 -w 3 10.10.1.4 22
wait "$listener" || true

step "From the private instance, try an address outside the VPC: no route, so the ping just hangs (as in the blog)"
run exec --stack-name "$stack" jh-test-Private-EC2 -- ping -c 2 -W 1 198.18.0.10 || true

step "The router counted why: no_route, on the private instance's ENI"
run stats --stack-name "$stack"

step "Tear it all down: namespaces, /etc/netns entries, sockets"
run down --stack-name "$stack"
echo
echo "Done. Run it yourself: sudo ./vpclab up  ·  sudo ./vpclab shell jh-test-Private-EC2  ·  sudo ./vpclab down"
