#!/usr/bin/env bash
# Lab lifecycle: two stacks side by side, kill -9 of a router then down, refusals that create nothing,
# the built-in default lab, and a template with a bad line.
source "$(dirname "$0")/lib.sh"

a=$(new_stack a)
b=$(new_stack b)
check "stack A comes up from the built-in default lab" "$VPCLAB" up --stack-name "$a"
check "stack B comes up from the same template beside it" "$VPCLAB" up "$SOURCE_DIR/labs/endpoints-lab.yaml" --stack-name "$b"
ls_out=$("$VPCLAB" ls)
check_contains "ls shows stack A's instances" "$a-jh-test-Public-EC2" "$ls_out"
check_contains "ls shows stack B's instances" "$b-jh-test-Private-EC2" "$ls_out"
# SSH (22), which the seed's security group lets in (ping it does not, as on AWS).
check "A's instances reach each other" "$VPCLAB" exec --stack-name "$a" jh-test-Public-EC2 -- nc -z -w 2 10.10.1.4 22
check "B's instances reach each other (same addresses, separate labs)" "$VPCLAB" exec --stack-name "$b" jh-test-Public-EC2 -- nc -z -w 2 10.10.1.4 22
check_equal "an instance name in two stacks needs --stack-name (usage error)" "252" "$("$VPCLAB" exec jh-test-Public-EC2 -- true >/dev/null 2>&1; echo $?)"
check "--stack-name may also follow the instance name" "$VPCLAB" exec jh-test-Public-EC2 --stack-name "$a" -- nc -z -w 2 10.10.1.4 22
# (An instance has its own /run, without the host's /run/netns: compare the namespace itself.)
check_equal "… and then names the stack (B's namespace)" "$(stat -L -c %i "/run/netns/$b-jh-test-Public-EC2")" \
    "$("$VPCLAB" exec jh-test-Public-EC2 --stack-name="$b" -- stat -L -c %i /proc/self/ns/net)"

# Help everywhere, exit 0: each command's --help, and the aws CLI's `vpclab ec2 COMMAND help`.
check_contains "vpclab up --help lists its options" "--public-cidr" "$("$VPCLAB" up --help)"
check_contains "vpclab down -h" "usage: vpclab down" "$("$VPCLAB" down -h)"
check_contains "vpclab exec --help" "usage: vpclab exec" "$("$VPCLAB" exec --help)"
check_contains "vpclab ec2 describe-vpcs help (the aws CLI's form)" "--vpc-ids VALUE" "$("$VPCLAB" ec2 describe-vpcs help)"
check_contains "vpclab ec2 create-route --help marks what is required" "--route-table-id VALUE   (required)" "$("$VPCLAB" ec2 create-route --help)"
check "the aws CLI's --region (the stack's), --profile and --no-cli-pager are accepted" \
    "$VPCLAB" ec2 describe-vpcs --stack-name "$a" --region ap-northeast-2 --profile default --no-cli-pager
check_contains "another --region is a usage error naming the stack's" "imitates ap-northeast-2" \
    "$("$VPCLAB" ec2 describe-vpcs --stack-name "$a" --region us-east-1 2>&1)"
check_contains "help after -- belongs to the command run on the instance" "Usage" "$("$VPCLAB" exec --stack-name "$a" jh-test-Public-EC2 -- ping --help 2>&1)"
check_equal "a second up of a running stack is refused" "1" "$("$VPCLAB" up --stack-name "$a" >/dev/null 2>&1; echo $?)"

# A listener left running inside an instance must not keep its namespace alive after down.
"$VPCLAB" exec --stack-name "$a" jh-test-Private-EC2 -- sleep 60 &
sleeper=$!  # vpclab exec becomes the command (execvp): this is the sleep itself
background_pids+=($sleeper)
check "the background process runs in A's namespace" wait_until 5 sh -c "ip netns pids $a-jh-test-Private-EC2 | grep -q ."

# kill -9 the router of A: its TAPs vanish with it; down still removes everything.
pid=$(cat "/run/vpclab/$a/router.pid")
kill -9 "$pid"
check "the router is gone" wait_until 5 sh -c "! kill -0 $pid"
check_contains "ls reports A's leftovers" "leftovers" "$("$VPCLAB" ls 2>&1)"
check "down after kill -9 succeeds" "$VPCLAB" down --stack-name "$a"
check_equal "nothing of A is left" "" "$(stack_leftovers "$a")"
# (The router makes keys ahead from its start: a kill -9 meanwhile leaves its work directory, in the stack's.)
check_equal "… nor a key being made when it was killed" "" "$(ls -A /run/vpclab 2>/dev/null | grep keygen)"
check "the process left running inside A was stopped by down" wait_until 5 sh -c "! kill -0 $sleeper 2>/dev/null"
check "B was not disturbed" "$VPCLAB" exec --stack-name "$b" jh-test-Private-EC2 -- nc -z -w 2 10.10.0.4 22
# A live router's own down removes all its namespaces at once, processes left inside included.
b_sleepers=()
for instance in jh-test-Public-EC2 jh-test-Private-EC2; do
    "$VPCLAB" exec --stack-name "$b" "$instance" -- sleep 60 &
    b_sleepers+=($!)
    background_pids+=($!)
    check "a background process runs in B's $instance" wait_until 5 sh -c "ip netns pids $b-$instance | grep -q ."
done
b_router=$(cat "/run/vpclab/$b/router.pid")
check "down B" "$VPCLAB" down --stack-name "$b"
check_equal "nothing of B is left" "" "$(stack_leftovers "$b")"
check "B's router has exited" wait_until 5 sh -c "! kill -0 $b_router 2>/dev/null"
check "the processes left running in B were stopped" wait_until 5 sh -c "! kill -0 ${b_sleepers[0]} 2>/dev/null && ! kill -0 ${b_sleepers[1]} 2>/dev/null"

# --foreground keeps the router attached; Ctrl-C (SIGINT) stops it and removes the lab.
f=$(new_stack fg)
"$VPCLAB" up --stack-name "$f" --foreground >/dev/null 2>&1 &
fg_pid=$!
background_pids+=($fg_pid)
check "a foreground router comes up" wait_until 10 "$VPCLAB" exec --stack-name "$f" jh-test-Public-EC2 -- nc -z -w 1 10.10.1.4 22
kill -INT "$fg_pid"
check "Ctrl-C stops it" wait_until 10 sh -c "! kill -0 $fg_pid"
check_equal "… and it removed its lab" "" "$(stack_leftovers "$f")"

# -v: the background router's log names each drop at once (flushed per line), with the route table at fault.
v=$(new_stack verbose)
check "up -v" "$VPCLAB" -v up --stack-name "$v"
check_not "private → S3 has no route" "$VPCLAB" exec --stack-name "$v" jh-test-Private-EC2 -- ping -c 1 -W 1 198.18.10.10
check "the log names the instance, the packet and the route table that had no route" wait_until 5 \
    grep -q "(jh-test-Private-EC2, 10.10.1.4): ICMP 10.10.1.4 → 198.18.10.10: no_route: route table rtb-[0-9a-f]* (jh-test-Private-RT) has no route for 198.18.10.10" \
    "/run/vpclab/$v/router.log"
check "down" "$VPCLAB" down --stack-name "$v"

# --public-cidr moves the whole simulated public side: services in its first /16, public IPs in its second.
p=$(new_stack pc)
check "up with --public-cidr 100.64.0.0/15" "$VPCLAB" up --stack-name "$p" --public-cidr 100.64.0.0/15
check_equal "the public IP comes from the second /16" "100.65.0.10" "$("$VPCLAB" ls --stack-name "$p" | awk '$2 == "jh-test-Public-EC2" {print $7}')"
check_equal "S3 lives in the first /16" "100.64.10.10" "$("$VPCLAB" exec --stack-name "$p" jh-test-Public-EC2 -- dig +short s3.ap-northeast-2.amazonaws.com)"
check_contains "… and is reached through the IGW from the new public IP" "your address as seen here: 100.65.0.10" \
    "$("$VPCLAB" exec --stack-name "$p" jh-test-Public-EC2 -- curl -s -m 5 http://s3.ap-northeast-2.amazonaws.com/)"
check "down" "$VPCLAB" down --stack-name "$p"
check_equal "a --public-cidr that is not a /15 is a usage error" "252" "$("$VPCLAB" up --stack-name "$p" --public-cidr 100.64.0.0/16 >/dev/null 2>&1; echo $?)"
check_equal "… and creates nothing" "" "$(stack_leftovers "$p")"

# Refusals create nothing.
c=$(new_stack c)
bad="/tmp/$c-bad.yaml"
sed 's|CidrBlock: 10.10.1.0/24|CidrBlock: 10.10.1.0/33|' "$SOURCE_DIR/labs/endpoints-lab.yaml" >"$bad"
err=$("$VPCLAB" up "$bad" --stack-name "$c" 2>&1)
line=$(grep -n "10.10.1.0/33" "$bad" | cut -d: -f1)
check_contains "a bad template names file, line, resource and property" "$bad:$line: resource jhPrivateSN (AWS::EC2::Subnet): property CidrBlock:" "$err"
check_contains "… and says nothing was created" "Nothing was created" "$err"
check_equal "… and nothing was created" "" "$(stack_leftovers "$c")"
rm -f "$bad"
ip netns add "$c-jh-test-Private-EC2"
err=$("$VPCLAB" up --stack-name "$c" 2>&1)
check_contains "a namespace name already taken is refused" "already exists and was not made by this stack" "$err"
check_equal "… leaving only the namespace that was there" "$c-jh-test-Private-EC2" "$(stack_leftovers "$c")"
ip netns del "$c-jh-test-Private-EC2"
check_equal "a bad stack name is a usage error" "252" "$("$VPCLAB" up --stack-name 'no/slashes' >/dev/null 2>&1; echo $?)"
err=$("$VPCLAB" up --empty --stack-name "$c" --workers 3 2>&1)
check_contains "--workers 3 is refused, saying what is allowed" "--workers must be 1 or 2, got 3" "$err"
check_equal "… and creates nothing" "" "$(stack_leftovers "$c")"
err=$("$VPCLAB" up --empty --stack-name "$c" --tap-writes sendmmsg 2>&1)
check_contains "--tap-writes sendmmsg is refused, saying what is allowed" "--tap-writes must be io_uring or write, got 'sendmmsg'" "$err"
check_equal "… and creates nothing" "" "$(stack_leftovers "$c")"
# A template with a type vpclab does not model (a virtual private gateway) fails under --strict.
strict_template=$(mktemp --suffix=.yaml)
{ cat "$SOURCE_DIR/labs/privatelink-lab.yaml"; printf '  Vgw:\n    Type: AWS::EC2::VPNGateway\n    Properties:\n      Type: ipsec.1\n'; } >"$strict_template"
err=$("$VPCLAB" up "$strict_template" --stack-name "$c" --strict 2>&1)
rc=$?
rm -f "$strict_template"
check_equal "a template with an unsupported type fails under --strict" "1" "$rc"
check_contains "… naming the type" "AWS::EC2::VPNGateway" "$err"
check_equal "… and creates nothing" "" "$(stack_leftovers "$c")"

finish
