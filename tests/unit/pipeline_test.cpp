// The frame pipeline, frames in and frames out: ARP answers, routing and MAC rewrite, drop reasons,
// random garbage (never a crash) and no heap allocation per frame.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>

#include "router/data_path/pipeline.hpp"
#include "wire/arp.hpp"
#include "wire/checksum.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/vnet_header.hpp"

// Counts heap allocations made by this test binary (replaceable global operator new, [new.delete]).
static std::atomic<std::size_t> allocations{0};
void* operator new(std::size_t n) {
    ++allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace vpclab;
using namespace vpclab::router;
using routing::PortIndex;

namespace {

struct Lab {
    routing::VpcModel m{"pipe", "ap-northeast-2"};
    std::shared_ptr<const routing::ForwardingSnapshot> snap;
    PortIndex pub = 0, priv = 1, priv2 = 2;
    Lab() {
        const auto vpc = m.create_vpc("V", "10.10.0.0/16", {}).id;
        const auto pub_sn = m.create_subnet("Pub", vpc, "10.10.0.0/24", "", false, {}).id;
        const auto priv_sn = m.create_subnet("Priv", vpc, "10.10.1.0/24", "", false, {}).id;
        for (const auto& s : {pub_sn, priv_sn, priv_sn}) {
            routing::InstanceLaunch l;
            l.interfaces.push_back({0, s, std::nullopt, std::nullopt, {}, true});
            m.run_instance(l);
        }
        snap = routing::ForwardingSnapshot::compile(m);
    }
    const wire::MacAddress& mac(PortIndex p) const { return snap->port(p).mac; }
};

std::vector<std::uint8_t> ipv4_frame(const wire::MacAddress& src_mac, const wire::MacAddress& dst_mac, std::uint32_t src,
                                     std::uint32_t dst, std::size_t payload = 16) {
    std::vector<std::uint8_t> f(wire::VnetHeader::length + 14 + 20 + payload, 0);
    wire::EthernetView eth(wire::Bytes(f).subspan(wire::VnetHeader::length));
    eth.set_destination(dst_mac);
    eth.set_source(src_mac);
    eth.set_ether_type(wire::EtherType::ipv4);
    wire::Ipv4View::build(eth.payload(), 1, src, dst, static_cast<std::uint16_t>(20 + payload), 64);
    return f;
}

std::vector<std::uint8_t> arp_request(const wire::MacAddress& src_mac, std::uint32_t src, std::uint32_t target) {
    std::vector<std::uint8_t> f(wire::VnetHeader::length + 14 + 28, 0);
    wire::EthernetView eth(wire::Bytes(f).subspan(wire::VnetHeader::length));
    eth.set_destination(wire::MacAddress::broadcast());
    eth.set_source(src_mac);
    eth.set_ether_type(wire::EtherType::arp);
    wire::ArpView::build(eth.payload(), wire::ArpOperation::request, src_mac, src, {}, target);
    return f;
}

constexpr std::uint32_t pub_ip = 0x0a0a0004, priv_ip = 0x0a0a0104, priv2_ip = 0x0a0a0105;
}  // namespace

TEST_CASE("ARP for the gateway is answered in place with the subnet router's MAC") {
    Lab lab;
    auto f = arp_request(lab.mac(lab.priv), priv_ip, 0x0a0a0101);
    const Verdict v = process_frame(*lab.snap, lab.priv, f);
    REQUIRE(v.transmit);
    CHECK(v.port == lab.priv);
    wire::EthernetView eth(v.frame.subspan(wire::VnetHeader::length));
    wire::ArpView arp(eth.payload());
    const auto& router_mac = lab.snap->subnet(lab.snap->port(lab.priv).subnet).router_mac;
    CHECK(arp.operation() == 2);
    CHECK(arp.sender_ip() == 0x0a0a0101);
    CHECK(arp.sender_mac() == router_mac);
    CHECK(arp.target_ip() == priv_ip);
    CHECK(arp.target_mac() == lab.mac(lab.priv));
    CHECK(eth.destination() == lab.mac(lab.priv));
    CHECK(eth.source() == router_mac);
}

TEST_CASE("ARP for a same-subnet peer is answered with the peer's MAC; other subnets go unanswered") {
    Lab lab;
    auto f = arp_request(lab.mac(lab.priv), priv_ip, priv2_ip);
    Verdict v = process_frame(*lab.snap, lab.priv, f);
    REQUIRE(v.transmit);
    CHECK(wire::ArpView(wire::EthernetView(v.frame.subspan(wire::VnetHeader::length)).payload()).sender_mac() == lab.mac(lab.priv2));
    auto other = arp_request(lab.mac(lab.priv), priv_ip, pub_ip);
    v = process_frame(*lab.snap, lab.priv, other);
    CHECK(!v.transmit);
    CHECK(v.reason == DropReason::arp_unanswered);
}

TEST_CASE("IPv4 across subnets: delivered to the peer's port, MACs rewritten, TTL and bytes untouched") {
    Lab lab;
    const auto router_mac_pub = lab.snap->subnet(lab.snap->port(lab.pub).subnet).router_mac;
    auto f = ipv4_frame(lab.mac(lab.pub), router_mac_pub, pub_ip, priv_ip);
    const auto before = f;
    const Verdict v = process_frame(*lab.snap, lab.pub, f);
    REQUIRE(v.transmit);
    CHECK(v.port == lab.priv);
    wire::EthernetView eth(v.frame.subspan(wire::VnetHeader::length));
    CHECK(eth.destination() == lab.mac(lab.priv));
    CHECK(eth.source() == lab.snap->subnet(lab.snap->port(lab.priv).subnet).router_mac);
    // Everything from the IP header on is unchanged: the VPC router is not a hop (no TTL decrement).
    CHECK(std::equal(before.begin() + 24, before.end(), f.begin() + 24));
    CHECK(wire::Ipv4View(eth.payload()).ttl() == 64);
}

TEST_CASE("IPv4 within a subnet keeps the sender's MAC as source") {
    Lab lab;
    auto f = ipv4_frame(lab.mac(lab.priv), lab.mac(lab.priv2), priv_ip, priv2_ip);
    const Verdict v = process_frame(*lab.snap, lab.priv, f);
    REQUIRE(v.transmit);
    CHECK(v.port == lab.priv2);
    CHECK(wire::EthernetView(v.frame.subspan(wire::VnetHeader::length)).source() == lab.mac(lab.priv));
}

TEST_CASE("vnet header metadata of offloaded frames passes through unchanged") {
    Lab lab;
    auto f = ipv4_frame(lab.mac(lab.pub), {}, pub_ip, priv_ip, 3000);
    wire::VnetHeader h;
    h.flags = wire::VnetHeader::flag_needs_csum;
    h.gso_type = wire::VnetHeader::gso_tcpv4;
    h.gso_size = 1448;
    h.csum_start = 34;
    h.csum_offset = 16;
    h.write(f);
    const Verdict v = process_frame(*lab.snap, lab.pub, f);
    REQUIRE(v.transmit);
    const auto out = wire::VnetHeader::read(v.frame);
    CHECK(out.gso_size == 1448);
    CHECK(out.csum_start == 34);
    CHECK(out.needs_checksum());
}

TEST_CASE("each kind of bad frame is dropped with its reason") {
    Lab lab;
    auto reason_of = [&](std::vector<std::uint8_t> f, PortIndex in) {
        const Verdict v = process_frame(*lab.snap, in, f);
        return v.transmit ? DropReason::count : v.reason;
    };
    CHECK(reason_of(std::vector<std::uint8_t>(5), lab.pub) == DropReason::vnet_header_truncated);
    CHECK(reason_of(std::vector<std::uint8_t>(20), lab.pub) == DropReason::frame_truncated);
    CHECK(reason_of(ipv4_frame(lab.mac(lab.priv), {}, pub_ip, priv_ip), lab.pub) == DropReason::source_mac_mismatch);
    CHECK(reason_of(ipv4_frame(lab.mac(lab.pub), {}, 0x0a0a0063, priv_ip), lab.pub) == DropReason::source_dest_check_source);
    CHECK(reason_of(ipv4_frame(lab.mac(lab.priv), {}, priv_ip, 0xc6120001), lab.priv) == DropReason::no_route);
    CHECK(reason_of(ipv4_frame(lab.mac(lab.priv), {}, priv_ip, 0x0a0a0199), lab.priv) == DropReason::no_such_address);
    CHECK(reason_of(ipv4_frame(lab.mac(lab.priv), {}, priv_ip, 0xffffffff), lab.priv) == DropReason::broadcast_or_multicast);
    auto bad_checksum = ipv4_frame(lab.mac(lab.pub), {}, pub_ip, priv_ip);
    bad_checksum[10 + 14 + 8] = 1;  // TTL changed, checksum not
    CHECK(reason_of(bad_checksum, lab.pub) == DropReason::ipv4_bad_checksum);
    auto truncated_ip = ipv4_frame(lab.mac(lab.pub), {}, pub_ip, priv_ip);
    truncated_ip.resize(10 + 14 + 12);
    CHECK(reason_of(truncated_ip, lab.pub) == DropReason::ipv4_truncated);
    auto v6 = ipv4_frame(lab.mac(lab.pub), {}, pub_ip, priv_ip);
    wire::EthernetView(wire::Bytes(v6).subspan(10)).set_ether_type(wire::EtherType::ipv6);
    CHECK(reason_of(v6, lab.pub) == DropReason::ipv6_not_enabled);
    auto short_arp = arp_request(lab.mac(lab.pub), pub_ip, 0x0a0a0001);
    short_arp.resize(short_arp.size() - 4);
    CHECK(reason_of(short_arp, lab.pub) == DropReason::arp_malformed);
}

TEST_CASE("random and mutated frames never crash and always get a verdict") {
    Lab lab;
    std::mt19937 rng(7);
    const auto valid = ipv4_frame(lab.mac(lab.pub), {}, pub_ip, priv_ip, 40);
    const auto arp = arp_request(lab.mac(lab.pub), pub_ip, 0x0a0a0001);
    std::size_t transmitted = 0, dropped = 0;
    for (int i = 0; i < 200000; ++i) {
        std::vector<std::uint8_t> f;
        switch (i % 3) {
            case 0: f.resize(rng() % 120); for (auto& b : f) b = static_cast<std::uint8_t>(rng()); break;
            case 1: f = valid; break;
            default: f = arp; break;
        }
        if (i % 3 && !f.empty()) {
            // Flip a few bytes anywhere (headers included) and maybe cut the frame short.
            for (int k = 0; k < 3; ++k) f[rng() % f.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
            if (rng() % 4 == 0) f.resize(rng() % f.size());
        }
        const Verdict v = process_frame(*lab.snap, static_cast<PortIndex>(rng() % 3), f);
        if (v.transmit) {
            ++transmitted;
            CHECK(v.port < lab.snap->port_count());
            CHECK(v.frame.size() <= f.size());
        } else {
            ++dropped;
            CHECK(v.reason < DropReason::count);
        }
    }
    CHECK(transmitted + dropped == 200000);
    CHECK(transmitted > 0);  // mutations that miss the headers still forward
}

TEST_CASE("no heap allocation per frame") {
    Lab lab;
    const auto ip_original = ipv4_frame(lab.mac(lab.pub), {}, pub_ip, priv_ip);
    const auto arp_original = arp_request(lab.mac(lab.priv), priv_ip, 0x0a0a0101);
    auto ip = ip_original, arp = arp_original;
    auto dropped = ipv4_frame(lab.mac(lab.priv), {}, priv_ip, 0xc6120001);
    const std::size_t before = allocations.load();
    std::size_t forwarded = 0;
    for (int i = 0; i < 10000; ++i) {
        // The pipeline rewrites in place: start each round from the frames as the instances sent them.
        std::memcpy(ip.data(), ip_original.data(), ip.size());
        std::memcpy(arp.data(), arp_original.data(), arp.size());
        forwarded += process_frame(*lab.snap, lab.pub, ip).transmit;
        forwarded += process_frame(*lab.snap, lab.priv, arp).transmit;
        forwarded += process_frame(*lab.snap, lab.priv, dropped).transmit;
    }
    CHECK(allocations.load() - before == 0);
    CHECK(forwarded == 20000);
}
