#!/usr/bin/env bash
# Instances that behave like the seeds' instances: the second seed lab's web servers serve the page their
# UserData wrote, ssh logs in with its password, a script with lines outside the subset still does the
# rest and says what it skipped, the first seed without its sed lines refuses password logins, and the
# host's files, services and tree are the same before `up` and after `down`.
source "$(dirname "$0")/lib.sh"

# What must not change on the host: files by checksum, and what listens in its network namespace.
host_state() {
    sha256sum /etc/shadow /etc/passwd /etc/group /etc/hostname /etc/hosts 2>&1
    find /etc/ssh /root/.ssh /var/www -type f -exec sha256sum {} + 2>&1 | sort
    ls -d /var/www 2>&1
    hostname
}
# Every TCP and UDP socket listening in the host's namespace.
host_listeners() { ss -Hltun | awk '{print $1, $5}' | sort -u; }
before_files=$(host_state)
before_listeners=$(host_listeners)

stack=$(new_stack web)
out=$("$VPCLAB" up "$SOURCE_DIR/labs/privatelink-lab.yaml" --stack-name "$stack" 2>&1)
check "the second seed template comes up verbatim" test $? = 0
check_contains "up says what became of each UserData line" "line 11: write /var/www/html/index.html" "$out"
check_contains "… a web server started" "line 10: start httpd (served from /var/www/html" "$out"

ip_of() {
    "$VPCLAB" ec2 describe-instances --stack-name "$stack" --filters "Name=tag:Name,Values=$1" \
        --query 'Reservations[0].Instances[0].PrivateIpAddress' --output text
}
web1=$(ip_of jh-Custom-WEB-1)
web2=$(ip_of jh-Custom-WEB-2)
on() { local who=$1; shift; "$VPCLAB" exec --stack-name "$stack" "$who" -- "$@"; }

# --- the blog's curl: each web server from the other ---
check_equal "curl web 1 from web 2: the page its UserData wrote" \
    "<html><h1>Endpoint Service Lab - CloudNeta Web Server 1</h1></html>" "$(on jh-Custom-WEB-2 curl -s -m 5 "http://$web1/")"
check_equal "curl web 2 from web 1: its own page" \
    "<html><h1>Endpoint Service Lab - CloudNeta Web Server 2</h1></html>" "$(on jh-Custom-WEB-1 curl -s -m 5 "http://$web2/")"
check_contains "the access log (in web 1's view) shows web 2's address" "$web2:" "$(on jh-Custom-WEB-1 cat /var/log/httpd/access_log)"
check_contains "… and the request" "url:/" "$(on jh-Custom-WEB-1 cat /var/log/httpd/access_log)"
check_equal "a missing page is a 404" "404" "$(on jh-Custom-WEB-2 curl -s -o /dev/null -w '%{http_code}' -m 5 "http://$web1/nosuch")"
check_contains "the web server listens on port 80 in web 1" "0.0.0.0:80" "$(on jh-Custom-WEB-1 ss -Hltn 'sport = :80')"
check_not "the instance without a web server has no /var/www" on jh-EC2 test -e /var/www
check_equal "each instance's page is its own" "<html><h1>Endpoint Service Lab - CloudNeta Web Server 2</h1></html>" \
    "$(on jh-Custom-WEB-2 cat /var/www/html/index.html)"
check_contains "the instance's files are kept under /run/vpclab/<stack>/<instance-id>/" "CloudNeta Web Server 1" \
    "$(cat /run/vpclab/"$stack"/i-*/var/www/html/index.html 2>&1)"
on jh-Custom-WEB-1 sh -c 'echo written inside > /tmp/mine'
check_not "an instance's /tmp is its own" on jh-Custom-WEB-2 test -e /tmp/mine
check_not "… and not the host's" test -e /tmp/mine

# --- /dev: each instance's own, on its own storage (shared/repro/instance-dev-shm-shared.sh) ---
on jh-Custom-WEB-2 sh -c "echo shm2 > /dev/shm/$stack-shm; touch /dev/$stack-dev"
check_equal "a file written in /dev/shm is there for the instance that wrote it" "shm2" "$(on jh-Custom-WEB-2 cat "/dev/shm/$stack-shm")"
check_not "… not in another instance's /dev/shm" on jh-Custom-WEB-1 test -e "/dev/shm/$stack-shm"
check_not "… nor in the host's" test -e "/dev/shm/$stack-shm"
check_not "a file made in an instance's /dev is not in another's" on jh-Custom-WEB-1 test -e "/dev/$stack-dev"
check_not "… nor in the host's /dev" test -e "/dev/$stack-dev"
check "… both are kept with the instance's files" sh -c "ls /run/vpclab/$stack/i-*/dev/shm/$stack-shm /run/vpclab/$stack/i-*/dev/$stack-dev"
out=$(on jh-Custom-WEB-2 dd if=/dev/zero of=/dev/shm/fill bs=1M count=300 2>&1)
check_contains "/dev/shm fills the instance's own 256 MiB, not the host's memory" "No space left on device" "$out"
on jh-Custom-WEB-2 rm -f /dev/shm/fill
check_equal "the devices programs open work in an instance (zero, urandom, null, full)" "4 4 0 No space left on device" \
    "$(on jh-Custom-WEB-2 sh -c 'echo $(head -c 4 /dev/zero | wc -c) $(head -c 4 /dev/urandom | wc -c) $(wc -c </dev/null) "$(dd if=/dev/zero of=/dev/full bs=1 count=1 2>&1 | head -1 | sed "s/.*: //")"')"
check_equal "an instance's /dev holds only its own devices" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero" \
    "$(on jh-Custom-WEB-1 ls /dev | tr '\n' ' ' | sed 's/ $//')"

# --- instance metadata at 169.254.169.254: each instance's own answers, IMDSv1 and v2 ---
imds=http://169.254.169.254/latest
for who in jh-EC2 jh-Custom-WEB-1 jh-Custom-WEB-2; do
    id=$("$VPCLAB" ec2 describe-instances --stack-name "$stack" --filters "Name=tag:Name,Values=$who" \
        --query 'Reservations[0].Instances[0].[InstanceId,PrivateIpAddress,PublicIpAddress,Placement.AvailabilityZone]' --output text)
    read -r want_id want_ip want_public want_az <<<"$id"
    check_equal "IMDSv1 from $who: its instance-id" "$want_id" "$(on "$who" curl -s -m 5 "$imds/meta-data/instance-id")"
    token=$(on "$who" curl -s -m 5 -X PUT "$imds/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")
    v2() { on "$who" curl -s -m 5 -H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/$1"; }
    check_equal "IMDSv2 from $who: its local-ipv4" "$want_ip" "$(v2 local-ipv4)"
    check_equal "… its public-ipv4" "$want_public" "$(v2 public-ipv4)"
    check_equal "… its placement/availability-zone" "$want_az" "$(v2 placement/availability-zone)"
    check_equal "… its mac, eth0's" "$(on "$who" cat /sys/class/net/eth0/address)" "$(v2 mac)"
    check_equal "… its local-hostname" "ip-${want_ip//./-}.ap-northeast-2.compute.internal" "$(v2 local-hostname)"
    check_contains "… its network/interfaces/macs/ entry" "$(v2 mac)/" "$(v2 network/interfaces/macs/)"
done
check_contains "user-data from web 1: its script" "CloudNeta Web Server 1" "$(on jh-Custom-WEB-1 curl -s -m 5 "$imds/user-data")"
check_equal "a token from another instance is refused (401)" "401" \
    "$(on jh-Custom-WEB-1 curl -s -o /dev/null -w '%{http_code}' -m 5 -H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/instance-id")"
# The token's reply leaves the service with the hop limit (1) as its IP TTL.
on jh-EC2 timeout 15 tcpdump -l -n -v -i eth0 'tcp and src host 169.254.169.254' >"/tmp/$stack-imds.out" 2>"/tmp/$stack-imds.err" &
background_pids+=($!)
check "tcpdump on jh-EC2 starts" wait_until 5 grep -q listening "/tmp/$stack-imds.err"
on jh-EC2 curl -s -m 5 -X PUT "$imds/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 60" >/dev/null
check "the token's reply reaches the instance with TTL 1 (HttpPutResponseHopLimit)" wait_until 5 grep -q "ttl 1," "/tmp/$stack-imds.out"
rm -f "/tmp/$stack-imds.out" "/tmp/$stack-imds.err"
ec2=$("$VPCLAB" ec2 describe-instances --stack-name "$stack" --filters Name=tag:Name,Values=jh-EC2 --query 'Reservations[0].Instances[0].InstanceId' --output text)
"$VPCLAB" ec2 modify-instance-metadata-options --stack-name "$stack" --instance-id "$ec2" --http-tokens required >/dev/null
check_equal "HttpTokens required: IMDSv1 gets 401" "401" "$(on jh-EC2 curl -s -o /dev/null -w '%{http_code}' -m 5 "$imds/meta-data/instance-id")"
token=$(on jh-EC2 curl -s -m 5 -X PUT "$imds/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 60")
check_equal "… IMDSv2 still answers" "$ec2" "$(on jh-EC2 curl -s -m 5 -H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/instance-id")"

# --- what a command typed in an instance can and cannot change ---
check_not "the host's tree is read-only in an instance" on jh-EC2 touch /usr/vpclab-test
check "… its own files are writable" on jh-EC2 sh -c 'echo 1.2.3.4 extra >> /etc/hosts'
check_not "… and the host's /etc/hosts did not change" grep -q "1.2.3.4 extra" /etc/hosts
check_equal "an instance's /run is its own: no host daemon's socket (systemd's) in it" "lock sshd.pid" "$(on jh-EC2 ls /run | tr '\n' ' ' | sed 's/ $//')"
check_not "the kernel's settings are read-only in an instance" on jh-EC2 sh -c 'echo 1 > /proc/sys/vm/drop_caches'
check "… but for its network namespace's own" on jh-EC2 sysctl -qw net.ipv4.conf.eth0.forwarding=1
check_equal "the instance's /etc/ssh is its own (the host's keys are not in it)" "ssh_host_ed25519_key sshd_config" \
    "$(on jh-EC2 ls /etc/ssh | tr '\n' ' ' | sed 's/ $//')"
out=$(on jh-EC2 dd if=/dev/zero of=/tmp/fill bs=1M count=300 2>&1)
check_contains "what an instance writes fills its own 256 MiB, not the host's /run" "No space left on device" "$out"
on jh-EC2 rm -f /tmp/fill
check "the host has /etc/gshadow" test -e /etc/gshadow
check_not "… the instance does not see it" on jh-EC2 test -e /etc/gshadow

# --- ssh between the web servers with the UserData's password ---
out=$(on jh-Custom-WEB-2 timeout 20 sshpass -p qwe123 ssh -o StrictHostKeyChecking=accept-new "root@$web1" 'hostname; cat /var/www/html/index.html' 2>&1)
check_contains "ssh root@web1 from web 2 lands on web 1" "ip-${web1//./-}" "$out"
check_contains "… and sees web 1's files" "Web Server 1" "$out"
out=$(on jh-Custom-WEB-2 timeout 20 sshpass -p qwe123 ssh -tt -o StrictHostKeyChecking=accept-new "root@$web1" 'tty; ls /dev/pts' 2>&1)
check_contains "ssh -tt gets a terminal from web 1's own devpts" "/dev/pts/0" "$out"
# The two listeners the lab adds on the host are its AWS endpoint and its web console, both on 127.0.0.1
# (README, the aws CLI; the console).
endpoint_port=$("$VPCLAB" endpoint --stack-name "$stack"); endpoint_port=${endpoint_port##*:}
console_port=$("$VPCLAB" console --stack-name "$stack" 2>/dev/null | sed -E 's|^http://127\.0\.0\.1:([0-9]+)/.*|\1|')
check_equal "the host sees two new listeners: the AWS endpoint and the console, on 127.0.0.1" \
    "$(printf 'tcp 127.0.0.1:%s\n' "$endpoint_port" "$console_port" | sort)" "$(comm -13 <(echo "$before_listeners") <(host_listeners))"
check_equal "… and none goes" "" "$(comm -23 <(echo "$before_listeners") <(host_listeners))"

# --- UserData outside the subset, launched at runtime: the supported lines still take effect ---
subnet=$("$VPCLAB" ec2 describe-subnets --stack-name "$stack" --filters Name=tag:Name,Values=jh-Custom-Public-SN \
    --query 'Subnets[0].SubnetId' --output text)
script="/tmp/$stack-userdata.sh"
userdata_text='#!/bin/bash
yum install -y httpd
curl http://example.com/setup.sh | sh
systemctl start httpd
useradd bob
echo "partly supported" > /var/www/html/index.html
rm -rf /
'
printf '%s' "$userdata_text" >"$script"
# A key pair made at runtime; its private key printed once, as EC2 does.
"$VPCLAB" ec2 create-key-pair --stack-name "$stack" --key-name runtime-key --query KeyMaterial --output text >"/tmp/$stack-key.pem"
check_contains "create-key-pair prints the private key once (RSA PEM, EC2's default)" "-----BEGIN RSA PRIVATE KEY-----" "$(head -1 "/tmp/$stack-key.pem")"
# The seed's web group (HTTP and SSH from anywhere), by name: without it the VPC's default group would let
# in only its own members, as on AWS.
web_sg=$("$VPCLAB" ec2 describe-security-groups --stack-name "$stack" --filters Name=group-name,Values=jhCustomSG --query 'SecurityGroups[0].GroupId' --output text)
id=$("$VPCLAB" ec2 run-instances --stack-name "$stack" --subnet-id "$subnet" --security-group-ids "$web_sg" --user-data "file://$script" --metadata-options HttpTokens=required --key-name runtime-key \
    --tag-specifications 'ResourceType=instance,Tags=[{Key=Name,Value=partial}]' --query 'Instances[0].InstanceId' --output text)
rm -f "$script"
check "the instance with partly supported UserData runs" "$VPCLAB" ec2 wait instance-running --stack-name "$stack" --instance-ids "$id"
partial=$(ip_of partial)
check_equal "its supported lines took effect: the page is served" "partly supported" "$(on jh-Custom-WEB-1 curl -s -m 5 "http://$partial/")"
log=$(on partial cat /var/log/cloud-init-output.log)
check_contains "its cloud-init-output.log lists each skipped line with its number" "line 3 skipped (curl http://example.com/setup.sh | sh)" "$log"
check_contains "… line 5" "line 5 skipped (useradd bob)" "$log"
check_contains "… line 7" "line 7 skipped (rm -rf /)" "$log"
check_contains "… and what was done" "line 6: write /var/www/html/index.html" "$log"
on jh-Custom-WEB-1 sh -c 'umask 077; cat > /root/runtime-key.pem' <"/tmp/$stack-key.pem"
rm -f "/tmp/$stack-key.pem"
check_equal "ssh -i the runtime key ec2-user@ the instance launched with it" "ec2-user" \
    "$(on jh-Custom-WEB-1 timeout 20 ssh -i /root/runtime-key.pem -o StrictHostKeyChecking=accept-new -o LogLevel=ERROR -o BatchMode=yes "ec2-user@$partial" id -un 2>&1)"
check_contains "… whose metadata lists the key" "0=runtime-key" "$(on partial sh -c 'T=$(curl -s -m 5 -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60"); curl -s -m 5 -H "X-aws-ec2-metadata-token: $T" http://169.254.169.254/latest/meta-data/public-keys/')"
ssh-keygen -q -t ed25519 -N "" -C "" -f "/tmp/$stack-import"
check_equal "import-key-pair --public-key-material fileb://… (the aws CLI's form)" "imported" \
    "$("$VPCLAB" ec2 import-key-pair --stack-name "$stack" --key-name imported --public-key-material "fileb:///tmp/$stack-import.pub" --query KeyName --output text)"
check_equal "… its fingerprint is OpenSSH's SHA-256, as EC2 gives it" "$(ssh-keygen -l -E sha256 -f "/tmp/$stack-import.pub" | awk '{print $2}' | sed 's/^SHA256://')=" \
    "$("$VPCLAB" ec2 describe-key-pairs --stack-name "$stack" --key-names imported --query 'KeyPairs[0].KeyFingerprint' --output text)"
rm -f "/tmp/$stack-import" "/tmp/$stack-import.pub"
# More keys at once than are made ahead: the router throttles (RequestLimitExceeded) rather than make one on
# its event loop, and the CLI retries as the aws CLI does; every call succeeds.
made=""
for k in 1 2 3 4; do made="$made $("$VPCLAB" ec2 create-key-pair --stack-name "$stack" --key-name "burst-$k" --query KeyName --output text)"; done
check_equal "four create-key-pair calls in a row all succeed" " burst-1 burst-2 burst-3 burst-4" "$made"
check_equal "run-instances --metadata-options HttpTokens=required: IMDSv1 refused" "401" \
    "$(on partial curl -s -o /dev/null -w '%{http_code}' -m 5 http://169.254.169.254/latest/meta-data/instance-id)"
check_equal "describe-instance-attribute returns the UserData base64, as given" "$(printf '%s' "$userdata_text" | base64 -w0)" \
    "$("$VPCLAB" ec2 describe-instance-attribute --stack-name "$stack" --instance-id "$id" --attribute userData --query UserData.Value --output text)"
"$VPCLAB" ec2 terminate-instances --stack-name "$stack" --instance-ids "$id" >/dev/null
check "terminate-instances" "$VPCLAB" ec2 wait instance-terminated --stack-name "$stack" --instance-ids "$id"
check_not "… removes the instance's files" test -e "/run/vpclab/$stack/$id"
check_contains "exec on it says it is terminated" "is terminated" "$(on partial true 2>&1)"

# --- UserData naming files a shell could not use (shared/repro): those lines fail, the rest is done, the instance runs ---
names="/tmp/$stack-names.sh"
{
    printf '#!/bin/bash\n'
    printf 'echo x > /tmp/%s\n' "$(printf 'A%.0s' $(seq 300))"
    printf 'echo y > /tmp/cut\0here\n'
    printf 'mkdir -p /root/d\0x\n'
    printf 'echo kept > /tmp/kept\n'
} >"$names"
id=$("$VPCLAB" ec2 run-instances --stack-name "$stack" --subnet-id "$subnet" --user-data "file://$names" \
    --tag-specifications 'ResourceType=instance,Tags=[{Key=Name,Value=names}]' --query 'Instances[0].InstanceId' --output text)
rm -f "$names"
check "run-instances with UserData naming a 300-character file and a NUL runs" "$VPCLAB" ec2 wait instance-running --stack-name "$stack" --instance-ids "$id"
log=$(on names cat /var/log/cloud-init-output.log)
check_contains "… the 300-character name fails as a shell says" "line 2 failed: /tmp/AAAA" "$log"
check_contains "… 'File name too long'" "AAA: File name too long" "$log"
check_contains "… a name with a NUL fails, shown whole" 'line 3 failed: /tmp/cut\0here: a file name cannot contain a NUL byte' "$log"
check_contains "… as does mkdir of one" "line 4 failed: mkdir: cannot create directory '/root/d\\0x'" "$log"
check_equal "… the line after them was carried out" "kept" "$(on names cat /tmp/kept)"
check_not "… and nothing was written under a name cut at the NUL" on names test -e /tmp/cut
"$VPCLAB" ec2 terminate-instances --stack-name "$stack" --instance-ids "$id" >/dev/null
check "… and is terminated" "$VPCLAB" ec2 wait instance-terminated --stack-name "$stack" --instance-ids "$id"
stack3=$(new_stack nul)
out=$("$VPCLAB" up "$SOURCE_DIR/tests/fuzz/regressions/template/template-userdata-nul-in-file-name.yaml" --stack-name "$stack3" 2>&1)
check "a template whose UserData names files with a NUL comes up" test $? = 0
check_contains "… up says which lines failed" 'line 3 failed: /tmp/\0: a file name cannot contain a NUL byte' "$out"
check_equal "… and its instance runs, with the line that could be done done" "$(printf '\0\n' | od -c)" \
    "$("$VPCLAB" exec --stack-name "$stack3" rp-evil-1 -- cat /tmp/nulcontent | od -c)"
"$VPCLAB" down --stack-name "$stack3" >/dev/null

# --- the first seed without its sed lines: password logins stay off, as the AMI ships sshd ---
nosed="/tmp/$stack-nosed.yaml"
grep -v 'sed -i' "$SOURCE_DIR/labs/endpoints-lab.yaml" >"$nosed"
stack2=$(new_stack nosed)
"$VPCLAB" up "$nosed" --stack-name "$stack2" >/dev/null 2>&1
check "the seed without its sed lines comes up" test $? = 0
rm -f "$nosed"
out=$("$VPCLAB" exec --stack-name "$stack2" jh-test-Public-EC2 -- timeout 20 sshpass -p qwe123 ssh -o StrictHostKeyChecking=no root@10.10.1.4 true 2>&1)
check_contains "password login is refused" "Permission denied" "$out"
check_contains "the private instance's sshd_config still says so" "PasswordAuthentication no" \
    "$("$VPCLAB" exec --stack-name "$stack2" jh-test-Private-EC2 -- grep ^PasswordAuthentication /etc/ssh/sshd_config)"
"$VPCLAB" down --stack-name "$stack2" >/dev/null

# --- down: nothing left, nothing on the host changed ---
check_equal "each instance has one init while up" "3" "$(pgrep -f "__instance-init $stack " | wc -l)"
ec2_id=$("$VPCLAB" ec2 describe-instances --stack-name "$stack" --filters Name=tag:Name,Values=jh-EC2 \
    --query 'Reservations[0].Instances[0].InstanceId' --output text)
kill -9 "$(cat "/run/vpclab/$stack/$ec2_id/init.pid")"
out=$(on jh-EC2 true 2>&1)
check_contains "an instance whose init was killed is refused, never entered with the host's files" "has no running init" "$out"
pids=$(for ns in $(ip netns list | awk '{print $1}' | grep "^$stack-"); do ip netns pids "$ns"; done)
check_contains "… and sshd and httpd run in the instances" "httpd" "$(for p in $pids; do cat /proc/$p/cmdline | tr '\0' ' '; echo; done)"
"$VPCLAB" down --stack-name "$stack" >/dev/null
check_equal "down leaves no leftovers" "" "$(stack_leftovers "$stack"; stack_leftovers "$stack2"; stack_leftovers "$stack3")"
check_not "… nor what an instance wrote in its /dev/shm" test -e "/dev/shm/$stack-shm"
check_equal "… and no mount of theirs" "" "$(grep -E "/run/vpclab/($stack|$stack2)/" /proc/self/mountinfo)"
left=""
for p in $pids; do [ -e "/proc/$p/ns/net" ] && left="$left $p"; done  # a zombie has no namespaces left
check_equal "… and no process that ran in its instances (inits, sshd, httpd)" "" "$left"
check_equal "the host's files are as they were (shadow, passwd, ssh, /var/www, hostname)" "$before_files" "$(host_state)"
check_equal "… and nothing more listens on the host" "$before_listeners" "$(host_listeners)"
finish
