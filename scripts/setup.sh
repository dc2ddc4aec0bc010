#!/usr/bin/env bash
# Installs what vpclab needs from Debian 12 packages (when missing) and builds it into build/.
# Run as root on a fresh machine; safe to run again (installs nothing twice, rebuilds incrementally).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
    # build
    build-essential cmake ninja-build pkg-config
    # libraries (DESIGN.md §7)
    libnl-3-dev libnl-route-3-dev libboost-program-options-dev libspdlog-dev doctest-dev libyaml-cpp-dev nlohmann-json3-dev libldns-dev
    libbenchmark-dev
    # the router's batched TAP writes (tap/batched_writes.cpp)
    liburing-dev
    # tools the labs and tests run inside the namespaces
    iproute2 iputils-ping netcat-openbsd tcpdump traceroute dnsutils curl procps openssh-client sshpass
    # the instances' servers (README, "Inside an instance"): packages of the binaries alone, which start
    # and enable no service on the host (unlike openssh-server, apache2, nginx or lighttpd); libcrypt for
    # the password hashes UserData sets
    dropbear-bin busybox libcrypt-dev
    # key pairs' fingerprints (OpenSSL's digests; libldns-dev pulls it in too)
    libssl-dev
    # flow logs' S3 objects are gzip files
    zlib1g-dev
    # the tests' misbehaving clients (the inputs of shared/repro: a SYN flood, idle connections)
    python3
    # the forwarding benchmark (its kernel comparison uses nftables NAT)
    iperf3 nftables
    # the sanitizer and fuzzing build (scripts/test.sh, build-sanitize/): clang, its ASan/UBSan/libFuzzer
    # runtimes (a Recommends, which this script does not install), llvm-symbolizer for readable stack traces
    clang libclang-rt-14-dev llvm
    # the real AWS clients the wire API is tested with (issue 26), and botocore's service models
    # (/usr/lib/python3/dist-packages/botocore/data/) its codec and shape tests read
    awscli python3-boto3 python3-botocore
    # the web console's browser tests (tests/netns/console_test.sh drives headless Chromium over DevTools;
    # tests/tools/firefox.py drives headless Firefox ESR over WebDriver BiDi)
    chromium firefox-esr fonts-dejavu-core
    # vpclab capture's tcpdump filters (libpcap), and tshark, which the capture test reads its pcapng with
    libpcap-dev tshark
    # the OVN backend (vpclab up --backend ovn, docs/ovn-backend.md): OVN 23.03's databases, northd and
    # controller, Open vSwitch's userspace datapath, ethtool (the instances' checksum offload off)
    ovn-central ovn-host openvswitch-switch ethtool
)

if [ "$(id -u)" != 0 ]; then
    echo "scripts/setup.sh: run as root (sudo): it installs packages and the labs create network namespaces" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# On a machine run by systemd, installing OVN and Open vSwitch starts their system-wide daemons; vpclab starts
# its own per lab (own databases, sockets and namespaces) and needs none of them (docs/ovn-backend.md §4.1).
if [ -d /run/systemd/system ]; then
    systemctl disable --now ovn-host ovn-central openvswitch-switch >/dev/null 2>&1 || true
fi

echo "== building into build/"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -- -j"$(nproc)"
echo "== built: ./vpclab (wrapper for build/router/vpclab)"
