// The frame pipeline, frames in and frames out: ARP answers, routing and MAC rewrite, drop reasons,
// random garbage (never a crash) and no heap allocation per frame.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <new>
#include <random>

#include "router/data_path/data_path_lock.hpp"
#include "router/data_path/deferred_transmits.hpp"
#include "router/data_path/drop_log.hpp"
#include "router/data_path/pipeline.hpp"
#include "router/flow_logs/flow_log_recorder.hpp"
#include "wire/arp.hpp"
#include "wire/checksum.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/pipeline_lab.hpp"
#include "wire/vnet_header.hpp"

// Counts heap allocations made by this test binary (replaceable global operator new, [new.delete]); the
// other pipeline test files read it too.
std::atomic<std::size_t> allocations{0};
void* operator new(std::size_t n) {
    ++allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    ++allocations;
    return std::malloc(n ? n : 1);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace vpclab;
using namespace vpclab::router;
using routing::PortIndex;

namespace {

constexpr std::uint32_t pub_ip = test::PipelineLab::pub_ip, priv_ip = test::PipelineLab::priv_ip, priv2_ip = test::PipelineLab::priv2_ip;
constexpr std::uint32_t public_ip = test::PipelineLab::public_ip;  // 198.19.0.10, the public instance's
constexpr std::uint32_t s3 = test::PipelineLab::s3;                // 198.18.10.10

using Lab = test::PipelineLab;

struct Output {
    PortIndex port;
    std::vector<std::uint8_t> frame;
    wire::EthernetView eth() { return wire::EthernetView(wire::Bytes(frame).subspan(wire::VnetHeader::length)); }
    std::vector<std::uint8_t> packet() { return std::vector<std::uint8_t>(frame.begin() + 24, frame.end()); }
};

struct RecordingSink final : FrameSink {
    std::vector<Output> sent;
    std::vector<DropReason> drops;
    void transmit(PortIndex port, wire::ConstBytes frame) noexcept override { sent.push_back({port, {frame.begin(), frame.end()}}); }
    void drop(PortIndex, wire::ConstBytes, DropReason reason) noexcept override { drops.push_back(reason); }
};

RecordingSink run(const Lab& lab, PortIndex ingress, std::vector<std::uint8_t>& frame) {
    RecordingSink sink;
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    process_frame(*lab.snap, ingress, frame, scratch, sink, lab.flows);
    return sink;
}

using test::frame_of;

std::vector<std::uint8_t> ipv4_frame(const wire::MacAddress& src_mac, std::uint32_t src, std::uint32_t dst, std::size_t payload = 16) {
    return frame_of(src_mac, test::build_packet({1, src, dst, 7, 0}, payload));
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

// Sets the IPv4 fragment field of a frame's packet (flags + offset in 8-byte units) and fixes the header checksum.
void set_fragment_field(std::vector<std::uint8_t>& frame, std::uint16_t field) {
    wire::Ipv4View ip(wire::Bytes(frame).subspan(24));
    wire::store_be16(frame.data() + 24 + 6, field);
    ip.fill_header_checksum();
}

DropReason only_drop(const RecordingSink& s) {
    REQUIRE(s.sent.empty());
    REQUIRE(s.drops.size() == 1);
    return s.drops[0];
}

}  // namespace

TEST_CASE("ARP for the gateway is answered in place with the subnet router's MAC") {
    Lab lab;
    auto f = arp_request(lab.mac(lab.priv_host), priv_ip, 0x0a0a0101);
    auto out = run(lab, lab.priv_host, f);
    REQUIRE(out.sent.size() == 1);
    CHECK(out.sent[0].port == lab.priv_host);
    auto eth = out.sent[0].eth();
    wire::ArpView arp(eth.payload());
    const auto& router_mac = lab.snap->subnet(lab.snap->port(lab.priv_host).subnet).router_mac;
    CHECK(arp.operation() == 2);
    CHECK(arp.sender_ip() == 0x0a0a0101);
    CHECK(arp.sender_mac() == router_mac);
    CHECK(arp.target_ip() == priv_ip);
    CHECK(arp.target_mac() == lab.mac(lab.priv_host));
    CHECK(eth.destination() == lab.mac(lab.priv_host));
    CHECK(eth.source() == router_mac);
}

TEST_CASE("ARP for a same-subnet peer is answered with the peer's MAC; other subnets go unanswered") {
    Lab lab;
    auto f = arp_request(lab.mac(lab.priv_host), priv_ip, priv2_ip);
    auto out = run(lab, lab.priv_host, f);
    REQUIRE(out.sent.size() == 1);
    CHECK(wire::ArpView(out.sent[0].eth().payload()).sender_mac() == lab.mac(lab.priv2_host));
    auto other = arp_request(lab.mac(lab.priv_host), priv_ip, pub_ip);
    CHECK(only_drop(run(lab, lab.priv_host, other)) == DropReason::arp_unanswered);
}

TEST_CASE("ARP from the region and the resolver: the router answers for its side of each link") {
    Lab lab;
    auto f = arp_request(lab.sp.region_mac, 0xc6120002, lab.sp.region_router_ip);
    auto out = run(lab, lab.region, f);
    REQUIRE(out.sent.size() == 1);
    CHECK(wire::ArpView(out.sent[0].eth().payload()).sender_mac() == lab.sp.region_router_mac);
    auto g = arp_request(lab.sp.resolver_mac, 0xa9fefe02, lab.sp.resolver_router_ip);
    out = run(lab, lab.resolver, g);
    REQUIRE(out.sent.size() == 1);
    CHECK(wire::ArpView(out.sent[0].eth().payload()).sender_mac() == lab.sp.resolver_router_mac);
    auto h = arp_request(lab.sp.region_mac, 0xc6120002, 0xc6120009);
    CHECK(only_drop(run(lab, lab.region, h)) == DropReason::arp_unanswered);
}

TEST_CASE("IPv4 across subnets: delivered to the peer's port, MACs rewritten, TTL and bytes untouched") {
    Lab lab;
    auto f = ipv4_frame(lab.mac(lab.pub_host), pub_ip, priv_ip);
    const auto before = f;
    auto out = run(lab, lab.pub_host, f);
    REQUIRE(out.sent.size() == 1);
    CHECK(out.sent[0].port == lab.priv_host);
    auto eth = out.sent[0].eth();
    CHECK(eth.destination() == lab.mac(lab.priv_host));
    CHECK(eth.source() == lab.snap->subnet(lab.snap->port(lab.priv_host).subnet).router_mac);
    // Everything from the IP header on is unchanged: the VPC router is not a hop (no TTL decrement).
    CHECK(std::equal(before.begin() + 24, before.end(), out.sent[0].frame.begin() + 24));
}

TEST_CASE("IPv4 within a subnet keeps the sender's MAC as source") {
    Lab lab;
    auto f = ipv4_frame(lab.mac(lab.priv_host), priv_ip, priv2_ip);
    auto out = run(lab, lab.priv_host, f);
    REQUIRE(out.sent.size() == 1);
    CHECK(out.sent[0].port == lab.priv2_host);
    CHECK(out.sent[0].eth().source() == lab.mac(lab.priv_host));
}

TEST_CASE("vnet header metadata of offloaded frames passes through unchanged") {
    Lab lab;
    auto f = frame_of(lab.mac(lab.pub_host), test::build_packet({6, pub_ip, priv_ip, 40000, 22}, 3000));
    wire::VnetHeader h;
    h.flags = wire::VnetHeader::flag_needs_csum;
    h.gso_type = wire::VnetHeader::gso_tcpv4;
    h.gso_size = 1448;
    h.csum_start = 34;
    h.csum_offset = 16;
    h.write(f);
    auto out = run(lab, lab.pub_host, f);
    REQUIRE(out.sent.size() == 1);
    const auto v = wire::VnetHeader::read(out.sent[0].frame);
    CHECK(v.gso_size == 1448);
    CHECK(v.csum_start == 34);
    CHECK(v.needs_checksum());
}

TEST_CASE("internet gateway outbound: the source becomes the public IP, the frame goes to the region") {
    Lab lab;
    auto f = frame_of(lab.mac(lab.pub_host), test::build_packet({6, pub_ip, s3, 40000, 80}, 100));
    auto out = run(lab, lab.pub_host, f);
    REQUIRE(out.sent.size() == 1);
    CHECK(out.sent[0].port == lab.region);
    CHECK(out.sent[0].eth().destination() == lab.sp.region_mac);
    CHECK(out.sent[0].eth().source() == lab.sp.region_router_mac);
    const auto p = out.sent[0].packet();
    CHECK(test::tuple_of(p) == test::FiveTuple{6, public_ip, s3, 40000, 80});
    CHECK(test::verify_checksums(p) == "");
}

TEST_CASE("internet gateway inbound: the public IP becomes the private one, delivered to the instance") {
    Lab lab;
    auto f = frame_of(lab.sp.region_mac, test::build_packet({6, s3, public_ip, 80, 40000}, 100));
    auto out = run(lab, lab.region, f);
    REQUIRE(out.sent.size() == 1);
    CHECK(out.sent[0].port == lab.pub_host);
    CHECK(out.sent[0].eth().destination() == lab.mac(lab.pub_host));
    const auto p = out.sent[0].packet();
    CHECK(test::tuple_of(p) == test::FiveTuple{6, s3, pub_ip, 80, 40000});
    CHECK(test::verify_checksums(p) == "");
}

TEST_CASE("the IGW refuses: no public IP, no such public IP, detached gateway, no route") {
    Lab lab;
    // The private subnet uses the main table (local only): no route at all.
    auto f = ipv4_frame(lab.mac(lab.priv_host), priv_ip, s3);
    CHECK(only_drop(run(lab, lab.priv_host, f)) == DropReason::no_route);
    // Give the private subnet a default route to the IGW: its instances have no public IP.
    lab.m.create_route(lab.m.vpc(lab.vpc).main_route_table_id, "0.0.0.0/0", {lab.igw, "", ""});
    lab.recompile();
    f = ipv4_frame(lab.mac(lab.priv_host), priv_ip, s3);
    CHECK(only_drop(run(lab, lab.priv_host, f)) == DropReason::no_public_ip);
    auto in = frame_of(lab.sp.region_mac, test::build_packet({6, s3, 0xc6130063, 80, 1}));
    CHECK(only_drop(run(lab, lab.region, in)) == DropReason::no_such_public_ip);
    auto stray = frame_of(lab.sp.region_mac, test::build_packet({6, s3, priv_ip, 80, 1}));
    CHECK(only_drop(run(lab, lab.region, stray)) == DropReason::not_from_region_range);
}

TEST_CASE("path MTU 1500 beyond the IGW: DF gets ICMP fragmentation-needed, the rest is fragmented") {
    Lab lab;
    SUBCASE("DF set: an ICMP error back to the instance from its subnet router, quoting its own packet") {
        auto f = frame_of(lab.mac(lab.pub_host), test::build_packet({6, pub_ip, s3, 40000, 80}, 3000));
        const auto original = std::vector<std::uint8_t>(f.begin() + 24, f.end());
        auto out = run(lab, lab.pub_host, f);
        REQUIRE(out.drops == std::vector<DropReason>{DropReason::fragmentation_needed});
        REQUIRE(out.sent.size() == 1);
        CHECK(out.sent[0].port == lab.pub_host);
        CHECK(out.sent[0].eth().destination() == lab.mac(lab.pub_host));
        const auto icmp = out.sent[0].packet();
        CHECK(wire::load_be32(icmp.data() + 12) == 0x0a0a0001);
        CHECK(wire::load_be32(icmp.data() + 16) == pub_ip);
        CHECK(icmp[20] == 3);
        CHECK(icmp[21] == 4);
        CHECK(wire::load_be16(icmp.data() + 26) == 1500);
        CHECK(std::equal(original.begin(), original.begin() + 28, icmp.begin() + 28));  // untranslated quote
        CHECK(test::verify_checksums(icmp) == "");
    }
    SUBCASE("a GSO frame whose segments fit goes through whole") {
        auto f = frame_of(lab.mac(lab.pub_host), test::build_packet({6, pub_ip, s3, 40000, 80}, 3000));
        wire::VnetHeader h;
        h.flags = wire::VnetHeader::flag_needs_csum;
        h.gso_type = wire::VnetHeader::gso_tcpv4;
        h.gso_size = 1448;
        h.csum_start = 34;
        h.csum_offset = 16;
        h.write(f);
        auto out = run(lab, lab.pub_host, f);
        REQUIRE(out.sent.size() == 1);
        CHECK(out.sent[0].port == lab.region);
    }
    SUBCASE("DF clear: translated fragments of at most 1500 bytes") {
        auto f = frame_of(lab.mac(lab.pub_host), test::build_packet({17, pub_ip, s3, 4000, 5000}, 3000, 0, false));
        auto out = run(lab, lab.pub_host, f);
        REQUIRE(out.sent.size() == 3);
        for (auto& o : out.sent) {
            CHECK(o.port == lab.region);
            const auto p = o.packet();
            CHECK(p.size() <= 1500);
            CHECK(wire::load_be32(p.data() + 12) == public_ip);
            CHECK(wire::fold(wire::ones_complement_sum(wire::ConstBytes(p.data(), 20))) == 0xffff);
        }
    }
    SUBCASE("inbound too: a large DF packet from the region gets the error from the router's region address") {
        auto f = frame_of(lab.sp.region_mac, test::build_packet({6, s3, public_ip, 80, 40000}, 4000));
        auto out = run(lab, lab.region, f);
        REQUIRE(out.sent.size() == 1);
        CHECK(out.sent[0].port == lab.region);
        CHECK(wire::load_be32(out.sent[0].packet().data() + 12) == lab.sp.region_router_ip);
    }
}

TEST_CASE("DNS to base+2 or 169.254.169.253 goes to the resolver, per VPC, and back") {
    Lab lab;
    for (std::uint32_t server : {0x0a0a0002u, 0xa9fea9fdu}) {
        auto f = frame_of(lab.mac(lab.priv_host), test::build_packet({17, priv_ip, server, 5353, 53}, 30));
        auto out = run(lab, lab.priv_host, f);
        REQUIRE(out.sent.size() == 1);
        CHECK(out.sent[0].port == lab.resolver);
        const auto q = out.sent[0].packet();
        const std::uint32_t resolver_address = server == 0x0a0a0002u ? 0xa9fe0002 : 0xa9fe00fd;
        CHECK(test::tuple_of(q) == test::FiveTuple{17, priv_ip, resolver_address, 5353, 53});
        CHECK(test::verify_checksums(q) == "");
        // The answer comes back from that address and leaves as if from the address the instance asked.
        auto reply = frame_of(lab.sp.resolver_mac, test::build_packet({17, resolver_address, priv_ip, 53, 5353}, 60));
        auto back = run(lab, lab.resolver, reply);
        REQUIRE(back.sent.size() == 1);
        CHECK(back.sent[0].port == lab.priv_host);
        CHECK(test::tuple_of(back.sent[0].packet()) == test::FiveTuple{17, server, priv_ip, 53, 5353});
        CHECK(test::verify_checksums(back.sent[0].packet()) == "");
    }
    // TCP 53 too; other ports to base+2 are not DNS.
    auto tcp = frame_of(lab.mac(lab.priv_host), test::build_packet({6, priv_ip, 0x0a0a0002, 40000, 53}));
    CHECK(run(lab, lab.priv_host, tcp).sent.at(0).port == lab.resolver);
    auto other = frame_of(lab.mac(lab.priv_host), test::build_packet({17, priv_ip, 0x0a0a0002, 5353, 54}));
    CHECK(only_drop(run(lab, lab.priv_host, other)) == DropReason::reserved_address);
    // enableDnsSupport false: no answer, as on AWS.
    lab.m.modify_vpc_attribute(lab.vpc, false, std::nullopt);
    lab.recompile();
    auto off = frame_of(lab.mac(lab.priv_host), test::build_packet({17, priv_ip, 0x0a0a0002, 5353, 53}));
    CHECK(only_drop(run(lab, lab.priv_host, off)) == DropReason::dns_disabled);
    // A spoofed source does not reach the resolver either.
    auto spoofed = frame_of(lab.mac(lab.priv_host), test::build_packet({17, 0x0a0a0163, 0x0a0a0002, 5353, 53}));
    CHECK(only_drop(run(lab, lab.priv_host, spoofed)) == DropReason::source_dest_check_source);
}

TEST_CASE("each kind of bad frame is dropped with its reason") {
    Lab lab;
    auto reason_of = [&](std::vector<std::uint8_t> f, PortIndex in) { return only_drop(run(lab, in, f)); };
    CHECK(reason_of(std::vector<std::uint8_t>(5), lab.pub_host) == DropReason::vnet_header_truncated);
    CHECK(reason_of(std::vector<std::uint8_t>(20), lab.pub_host) == DropReason::frame_truncated);
    CHECK(reason_of(ipv4_frame(lab.mac(lab.priv_host), pub_ip, priv_ip), lab.pub_host) == DropReason::source_mac_mismatch);
    CHECK(reason_of(ipv4_frame(lab.mac(lab.pub_host), 0x0a0a0063, priv_ip), lab.pub_host) == DropReason::source_dest_check_source);
    CHECK(reason_of(ipv4_frame(lab.mac(lab.priv_host), priv_ip, 0x0a0a0199), lab.priv_host) == DropReason::no_such_address);
    CHECK(reason_of(ipv4_frame(lab.mac(lab.priv_host), priv_ip, 0xffffffff), lab.priv_host) == DropReason::broadcast_or_multicast);
    auto bad_checksum = ipv4_frame(lab.mac(lab.pub_host), pub_ip, priv_ip);
    bad_checksum[24 + 8] = 1;  // TTL changed, checksum not
    CHECK(reason_of(bad_checksum, lab.pub_host) == DropReason::ipv4_bad_checksum);
    auto truncated_ip = ipv4_frame(lab.mac(lab.pub_host), pub_ip, priv_ip);
    truncated_ip.resize(24 + 12);
    CHECK(reason_of(truncated_ip, lab.pub_host) == DropReason::ipv4_truncated);
    auto v6 = ipv4_frame(lab.mac(lab.pub_host), pub_ip, priv_ip);
    wire::EthernetView(wire::Bytes(v6).subspan(10)).set_ether_type(wire::EtherType::ipv6);
    CHECK(reason_of(v6, lab.pub_host) == DropReason::ipv6_not_enabled);
    auto short_arp = arp_request(lab.mac(lab.pub_host), pub_ip, 0x0a0a0001);
    short_arp.resize(short_arp.size() - 4);
    CHECK(reason_of(short_arp, lab.pub_host) == DropReason::arp_malformed);
    auto resolver_stray = frame_of(lab.sp.resolver_mac, test::build_packet({17, 0xa9fe0002, 0x0a0a0163, 53, 1}));
    CHECK(reason_of(resolver_stray, lab.resolver) == DropReason::resolver_unknown_destination);
}

TEST_CASE("random and mutated frames never crash, on every kind of port") {
    Lab lab;
    std::mt19937 rng(7);
    const std::vector<std::vector<std::uint8_t>> seeds = {
        frame_of(lab.mac(lab.pub_host), test::build_packet({6, pub_ip, s3, 40000, 80}, 40)),
        frame_of(lab.mac(lab.pub_host), test::build_packet({1, pub_ip, priv_ip, 7, 0}, 40)),
        frame_of(lab.sp.region_mac, test::build_packet({1, s3, public_ip, 7, 0}, 1600, 0, false)),
        frame_of(lab.mac(lab.priv_host), test::build_packet({17, priv_ip, 0x0a0a0002, 5353, 53}, 30)),
        frame_of(lab.sp.resolver_mac, test::build_packet({17, 0xa9fe0002, priv_ip, 53, 5353}, 30)),
        arp_request(lab.mac(lab.pub_host), pub_ip, 0x0a0a0001),
    };
    std::size_t outputs = 0, drops = 0;
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    struct CountingSink final : FrameSink {
        std::size_t sent = 0, dropped = 0, max_port = 0;
        void transmit(PortIndex port, wire::ConstBytes) noexcept override {
            ++sent;
            max_port = std::max<std::size_t>(max_port, port);
        }
        void drop(PortIndex, wire::ConstBytes, DropReason r) noexcept override { dropped += r < DropReason::count; }
    } sink;
    for (int i = 0; i < 200000; ++i) {
        std::vector<std::uint8_t> f;
        PortIndex ingress = lab.port_of_slot(static_cast<std::uint8_t>(rng()));
        if (i % 4 == 0) {
            f.resize(rng() % 120);
            for (auto& b : f) b = static_cast<std::uint8_t>(rng());
        } else {
            const std::size_t which = rng() % seeds.size();
            f = seeds[which];
            ingress = which == 2 ? lab.region : which == 4 ? lab.resolver : which == 3 ? lab.priv_host : lab.pub_host;
            for (int k = 0; k < 3; ++k) f[rng() % f.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
            if (rng() % 4 == 0) f.resize(rng() % f.size());
        }
        process_frame(*lab.snap, ingress, f, scratch, sink, lab.flows);
    }
    outputs = sink.sent;
    drops = sink.dropped;
    CHECK(outputs > 0);   // mutations that miss the headers still forward
    CHECK(drops > 0);
    CHECK(sink.max_port < lab.port_limit());
}

TEST_CASE("no heap allocation per frame, on every path") {
    Lab lab(true);  // with an S3 gateway endpoint on the private subnet's table, a CloudFormation interface endpoint
    // TCP segments with flags: an interface endpoint opens a connection on SYN only.
    const auto segment = [](std::uint32_t from, std::uint32_t to, std::uint16_t sport, std::uint16_t dport, std::uint8_t flags) {
        return test::build_tcp_segment(from, to, sport, dport, flags, 100);
    };
    struct CountingSink final : FrameSink {
        std::size_t sent = 0;
        void transmit(PortIndex, wire::ConstBytes) noexcept override { ++sent; }
        void drop(PortIndex, wire::ConstBytes, DropReason) noexcept override {}
    } sink;
    // The fourth time round, as a forwarding worker runs it (router/forwarding_worker.cpp): under the
    // data-path lock, a batch's sends queued (each frame's read slot referenced, scratch copied) and
    // written together once the batch is done.
    struct DeferringSink final : FrameSink {
        DeferredTransmits queued;
        wire::ConstBytes own;
        CountingSink& then;
        explicit DeferringSink(CountingSink& s) : then(s) {}
        void transmit(PortIndex port, wire::ConstBytes f) noexcept override {
            if (!queued.add(port, f, own)) then.transmit(port, f);
        }
        void drop(PortIndex, wire::ConstBytes, DropReason) noexcept override {}
    } deferring(sink);
    DataPathLock lock;
    const std::vector<std::pair<PortIndex, std::vector<std::uint8_t>>> originals = {
        {lab.pub_host, ipv4_frame(lab.mac(lab.pub_host), pub_ip, priv_ip)},
        {lab.priv_host, arp_request(lab.mac(lab.priv_host), priv_ip, 0x0a0a0101)},
        {lab.priv_host, ipv4_frame(lab.mac(lab.priv_host), priv_ip, s3)},                                           // gateway endpoint
        {lab.priv_host, frame_of(lab.mac(lab.priv_host), test::build_packet({6, priv_ip, s3, 40000, 80}, 100))},    // a flow out…
        {lab.region, frame_of(lab.sp.region_mac, test::build_packet({6, 0xc612800a, priv_ip, 80, 40000}, 100))},   // …its reply
        {lab.pub_host, frame_of(lab.mac(lab.pub_host), test::build_packet({6, pub_ip, s3, 40000, 80}, 100))},       // IGW out
        {lab.region, frame_of(lab.sp.region_mac, test::build_packet({6, s3, public_ip, 80, 40000}, 100))},  // IGW in
        {lab.pub_host, frame_of(lab.mac(lab.pub_host), test::build_packet({6, pub_ip, s3, 40000, 80}, 3000))},      // ICMP error
        {lab.pub_host, frame_of(lab.mac(lab.pub_host), test::build_packet({17, pub_ip, s3, 1, 2}, 3000, 0, false))},  // fragments
        {lab.priv_host, frame_of(lab.mac(lab.priv_host), test::build_packet({17, priv_ip, 0x0a0a0002, 5353, 53}, 30))},  // DNS
        {lab.pub_host, frame_of(lab.mac(lab.pub_host), segment(pub_ip, lab.cf_eni_ip, 40010, 80, 0x02))},        // to an interface endpoint…
        {lab.region, frame_of(lab.sp.region_mac, segment(lab.cf_service, lab.cf_eni_ip, 80, 40010, 0x12))},     // …the service's reply
        // dropped at the edge: offload fields that do not fit (vnet header set below), a fragment past 65,535
        {lab.pub_host, frame_of(lab.mac(lab.pub_host), test::build_packet({6, pub_ip, s3, 40000, 80}, 3000, 0, false))},
        {lab.pub_host, frame_of(lab.mac(lab.pub_host), test::build_packet({17, pub_ip, s3, 4000, 5000}, 1592, 0, false))},
    };
    auto bad_offload = originals[originals.size() - 2].second;
    wire::VnetHeader bad;
    bad.flags = wire::VnetHeader::flag_needs_csum;  // csum_start 0: into the IPv4 header
    bad.csum_offset = 16;
    bad.write(bad_offload);
    auto late_fragment = originals.back().second;
    set_fragment_field(late_fragment, 8190);
    auto frames = originals;
    frames[frames.size() - 2].second = bad_offload;
    frames.back().second = late_fragment;
    const auto starts = frames;
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    StepLog log;  // the second time round, every step recorded (as a live trace does): still nothing allocated
    // The third, flow logs on every port as well (their recorder passing the steps on to the live trace's):
    // the records go to an aggregator made before counting.
    FlowAggregator minute(4096);
    FlowAggregator* windows[2] = {&minute, nullptr};
    const std::vector<std::uint8_t> coverage(lab.port_limit() + 4, flow_window_minute);
    FlowLogRecorder flow_logs;
    flow_logs.also = &log;
    std::size_t steps = 0;
    const std::size_t before = allocations.load();
    for (int pass = 0; pass < 4; ++pass) {
        StepLog* recorder = pass == 1 || pass == 2 ? &log : nullptr;
        for (int i = 0; i < 5000; ++i) {
            for (std::size_t k = 0; k < frames.size(); ++k) {
                // The pipeline rewrites in place: start each round from the frames as they were sent.
                std::memcpy(frames[k].second.data(), starts[k].second.data(), frames[k].second.size());
                if (recorder) recorder->clear();
                if (pass == 2) flow_logs.begin(*lab.snap, frames[k].first, frames[k].second, coverage.data(), coverage.size());
                if (pass == 3) {
                    // Each frame in its own slot of the batch's read buffer, its sends queued until the
                    // batch ends (below).
                    deferring.own = frames[k].second;
                    std::lock_guard held(lock);
                    process_frame(*lab.snap, frames[k].first, frames[k].second, scratch, deferring, lab.flows);
                    continue;
                }
                process_frame(*lab.snap, frames[k].first, frames[k].second, scratch, sink, lab.flows,
                              pass == 2 ? static_cast<StepRecorder*>(&flow_logs) : recorder);
                if (pass == 2) flow_logs.finish(windows, 1000 + static_cast<std::uint32_t>(i / 100));
                if (recorder) steps += recorder->size;
            }
            if (pass == 3) deferring.queued.flush([&](PortIndex port, wire::ConstBytes f) { sink.transmit(port, f); });
            // Now and then time passes and the batch's sweep runs: flows, connections and their counts go.
            if (i % 100 == 99) {
                lab.flows.now += 11;
                lab.flows.expire_some(1 << 13);
            }
        }
    }
    CHECK(allocations.load() - before == 0);
    CHECK(sink.sent == 4 * 5000u * (1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 3 + 1 + 1 + 1 + 0 + 0));
    CHECK(steps >= 2 * 5000u * frames.size() * 2);  // at least the edge and one more per frame, live-traced and flow-logged
    CHECK(minute.size() > 0);  // the flow logs' records were made
}

// ---- Hardening regressions (issue 7): offload fields and fragment offsets are checked at the edge. ----

namespace {

std::vector<std::uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in, path);
    return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("regression: a virtio-net checksum offset into the IPv4 header is dropped before anything is written") {
    // shared/repro: byte 0 the ingress port, then a TAP read whose NEEDS_CSUM fields (csum_start 0,
    // csum_offset 16) point into the IPv4 header of a 3040-byte non-DF packet towards the IGW. It used to
    // overwrite the total length and then fragment 1,480 bytes past the frame.
    Lab lab;
    const auto input = read_file(std::string(VPCLAB_SOURCE_DIR) + "/tests/fuzz/regressions/pipeline/pipeline-checksum-offset-into-ip-header.bin");
    REQUIRE(input.size() > 1);
    std::vector<std::uint8_t> frame(input.begin() + 1, input.end());  // exactly the frame's size: ASan sees overruns
    const auto original = frame;
    auto out = run(lab, lab.port_of_slot(input[0]), frame);
    CHECK(only_drop(out) == DropReason::vnet_checksum_invalid);
    CHECK(frame == original);
}

TEST_CASE("offload fields that do not fit the packet are dropped by reason, the frame untouched") {
    Lab lab;
    struct Case {
        const char* what;
        std::uint8_t protocol, flags, gso_type;
        std::uint16_t gso_size, header_length, csum_start, csum_offset, fragment_field;
        DropReason reason;
    };
    constexpr auto csum = wire::VnetHeader::flag_needs_csum;
    constexpr auto tcp4 = wire::VnetHeader::gso_tcpv4, udp4 = wire::VnetHeader::gso_udp_l4;
    const Case cases[] = {
        {"checksum start inside the IPv4 header", 6, csum, 0, 0, 0, 14, 16, 0, DropReason::vnet_checksum_invalid},
        {"checksum field past the end of the frame", 6, csum, 0, 0, 0, 34, 9000, 0, DropReason::vnet_checksum_invalid},
        {"TCP checksum at UDP's offset", 6, csum, 0, 0, 0, 34, 6, 0, DropReason::vnet_checksum_invalid},
        {"UDP checksum at TCP's offset", 17, csum, 0, 0, 0, 34, 16, 0, DropReason::vnet_checksum_invalid},
        {"a partial checksum on ICMP", 1, csum, 0, 0, 0, 34, 2, 0, DropReason::vnet_checksum_invalid},
        {"a partial checksum on a later fragment", 17, csum, 0, 0, 0, 34, 6, 0x0010, DropReason::vnet_checksum_invalid},
        {"a partial checksum on a first fragment (MF)", 17, csum, 0, 0, 0, 34, 6, 0x2000, DropReason::vnet_checksum_invalid},
        {"GSO without a partial checksum", 6, 0, tcp4, 1448, 0, 0, 0, 0, DropReason::vnet_gso_invalid},
        {"TCPv4 GSO on UDP", 17, csum, tcp4, 1448, 0, 34, 6, 0, DropReason::vnet_gso_invalid},
        {"UDP GSO on TCP", 6, csum, udp4, 1448, 0, 34, 16, 0, DropReason::vnet_gso_invalid},
        {"IPv6 GSO on IPv4", 6, csum, wire::VnetHeader::gso_tcpv6, 1448, 0, 34, 16, 0, DropReason::vnet_gso_invalid},
        {"GSO size zero", 6, csum, tcp4, 0, 0, 34, 16, 0, DropReason::vnet_gso_invalid},
        {"header length past the packet", 6, csum, tcp4, 1448, 9000, 34, 16, 0, DropReason::vnet_gso_invalid},
    };
    for (const auto& k : cases) {
        CAPTURE(k.what);
        for (const PortIndex from : {lab.pub_host, lab.region}) {
            const std::uint32_t src = from == lab.region ? s3 : pub_ip, dst = from == lab.region ? public_ip : priv_ip;
            auto f = frame_of(lab.mac(from), test::build_packet({k.protocol, src, dst, 40000, 80}, 3000, 0, false));
            if (k.fragment_field) set_fragment_field(f, k.fragment_field);
            wire::VnetHeader h;
            h.flags = k.flags;
            h.gso_type = k.gso_type;
            h.gso_size = k.gso_size;
            h.header_length = k.header_length;
            h.csum_start = k.csum_start;
            h.csum_offset = k.csum_offset;
            h.write(f);
            const auto original = f;
            auto out = run(lab, from, f);
            CHECK(only_drop(out) == k.reason);
            CHECK(f == original);
        }
    }
    SUBCASE("the same fields set right pass") {
        auto f = frame_of(lab.mac(lab.pub_host), test::build_packet({17, pub_ip, priv_ip, 40000, 53}, 3000));
        wire::VnetHeader h;
        h.flags = csum;
        h.gso_type = udp4;
        h.gso_size = 1472;
        h.header_length = 42;
        h.csum_start = 34;
        h.csum_offset = 6;
        h.write(f);
        CHECK(run(lab, lab.pub_host, f).sent.size() == 1);
    }
}

TEST_CASE("regression: a fragment ending past 65,535 bytes is dropped, never refragmented with wrapped offsets") {
    Lab lab;
    // Offset 8190 (65,520 bytes) carrying 1,600 bytes towards the IGW: past RFC 791's 65,535-byte datagram.
    auto f = frame_of(lab.mac(lab.pub_host), test::build_packet({17, pub_ip, s3, 4000, 5000}, 1600 - 8, 0, false));
    set_fragment_field(f, 8190);
    const auto original = f;
    auto out = run(lab, lab.pub_host, f);
    CHECK(only_drop(out) == DropReason::ipv4_fragment_beyond_limit);
    CHECK(f == original);

    SUBCASE("a late fragment that stays within 65,535 is refragmented with offsets that keep counting") {
        auto g = frame_of(lab.mac(lab.pub_host), test::build_packet({17, pub_ip, s3, 4000, 5000}, 1600 - 8, 0, false));
        set_fragment_field(g, 0x2000 | 7000);  // more fragments follow; offset 56,000 bytes
        auto sent = run(lab, lab.pub_host, g);
        REQUIRE(sent.sent.size() == 2);
        const auto first = sent.sent[0].packet(), second = sent.sent[1].packet();
        CHECK((wire::load_be16(first.data() + 6) & 0x1fff) == 7000);
        CHECK((wire::load_be16(second.data() + 6) & 0x1fff) == 7000 + (1500 - 20) / 8);
        CHECK((wire::load_be16(second.data() + 6) & 0x2000) != 0);  // the original's MF is kept
    }
}

TEST_CASE("offload fields as Linux sets them pass the edge check, from every kind of port") {
    // What a TAP with IFF_VNET_HDR hands a reader (virtio_net_hdr_from_skb): csum_start at the L4 header
    // (after any IP options), csum_offset 16 (TCP) or 6 (UDP); GSO always with NEEDS_CSUM, TCPv4 possibly
    // with the ECN bit, UDP_L4 for UDP segmentation; hdr_len within the frame.
    Lab lab;
    struct Case {
        const char* what;
        PortIndex from;
        std::uint8_t protocol;
        std::size_t options;
        std::uint8_t gso_type;
        std::uint16_t gso_size;
    };
    const Case cases[] = {
        {"TCP checksum only", lab.pub_host, 6, 0, 0, 0},
        {"UDP checksum only", lab.pub_host, 17, 0, 0, 0},
        {"TCP checksum after 8 bytes of IP options", lab.pub_host, 6, 8, 0, 0},
        {"TCPv4 GSO", lab.pub_host, 6, 0, wire::VnetHeader::gso_tcpv4, 1448},
        {"TCPv4 GSO with the ECN bit", lab.pub_host, 6, 0, wire::VnetHeader::gso_tcpv4 | wire::VnetHeader::gso_ecn, 1448},
        {"TCPv4 GSO after IP options", lab.pub_host, 6, 12, wire::VnetHeader::gso_tcpv4, 1436},
        {"UDP_L4 GSO", lab.pub_host, 17, 0, wire::VnetHeader::gso_udp_l4, 1472},
        {"TCPv4 GSO from the region", lab.region, 6, 0, wire::VnetHeader::gso_tcpv4, 1448},
        {"UDP checksum from the region", lab.region, 17, 0, 0, 0},
    };
    for (const auto& k : cases) {
        const std::string what = k.what;
        CAPTURE(what);
        const bool from_region = k.from == lab.region;
        // From the region towards the public instance's public IP; from an instance to another subnet.
        auto f = frame_of(lab.mac(k.from), test::build_packet({k.protocol, from_region ? s3 : pub_ip, from_region ? public_ip : priv_ip, 40000, 80},
                                                              k.gso_type ? 2000 : 1000, k.options));  // without GSO, within 1500
        const std::size_t ihl = 20 + k.options;
        wire::VnetHeader h;
        h.flags = wire::VnetHeader::flag_needs_csum;
        h.gso_type = k.gso_type;
        h.gso_size = k.gso_size;
        h.header_length = static_cast<std::uint16_t>(14 + ihl + (k.protocol == 6 ? 20 : 8));
        h.csum_start = static_cast<std::uint16_t>(14 + ihl);
        h.csum_offset = k.protocol == 6 ? 16 : 6;
        h.write(f);
        auto out = run(lab, k.from, f);
        CHECK(out.drops.empty());
        REQUIRE(out.sent.size() == 1);
        CHECK(out.sent[0].port == (from_region ? lab.pub_host : lab.priv_host));
        const auto v = wire::VnetHeader::read(out.sent[0].frame);
        CHECK(v.gso_type == k.gso_type);
        CHECK(v.csum_start == h.csum_start);
    }
}

TEST_CASE("a drop in the -v log names the ENI, instance, packet and, for no_route, the route table") {
    Lab lab;
    auto f = ipv4_frame(lab.mac(lab.priv_host), priv_ip, s3);
    auto out = run(lab, lab.priv_host, f);
    REQUIRE(only_drop(out) == DropReason::no_route);
    const auto& eni = *lab.m.interface_on_port(lab.priv_host);
    const auto& table = lab.m.route_table(lab.m.vpcs().front().main_route_table_id);
    const std::string line = describe_drop(lab.m, *lab.snap, lab.priv_host, f, DropReason::no_route);
    CHECK(line == "dropped on " + eni.id + " (" + lab.m.instance(eni.instance_id).display_name() + ", 10.10.1.4): ICMP 10.10.1.4 → 198.18.10.10: no_route: route table " +
                      table.id + " (" + table.display_name() + ") has no route for 198.18.10.10");
    auto tcp = frame_of(lab.mac(lab.pub_host), test::build_packet({6, pub_ip, priv_ip, 40000, 22}, 10));
    CHECK(describe_drop(lab.m, *lab.snap, lab.pub_host, tcp, DropReason::source_mac_mismatch).find("TCP 10.10.0.4:40000 → 10.10.1.4:22: source_mac_mismatch: ") !=
          std::string::npos);
    const std::vector<std::uint8_t> garbage = {1, 2, 3};
    CHECK(describe_drop(lab.m, *lab.snap, lab.region, garbage, DropReason::vnet_header_truncated) ==
          "dropped on the region port: a frame of 3 bytes: vnet_header_truncated: frame shorter than its virtio-net header");
}

TEST_CASE("the drop log's budget: so many lines a second, then a count of what was left out") {
    LogBudget budget(3);
    const auto t0 = LogBudget::Clock::now();
    std::uint64_t suppressed = 99;
    for (int i = 0; i < 3; ++i) CHECK(budget.take(t0, suppressed));
    CHECK(suppressed == 0);
    CHECK_FALSE(budget.take(t0 + std::chrono::milliseconds(10), suppressed));
    CHECK_FALSE(budget.take(t0 + std::chrono::milliseconds(20), suppressed));
    CHECK(budget.take(t0 + std::chrono::milliseconds(1001), suppressed));
    CHECK(suppressed == 2);
}

TEST_CASE("through the IGW only to what the region answers at: its hosts, its link, the lab's public IPs") {
    Lab lab;
    auto nowhere = frame_of(lab.mac(lab.pub_host), test::build_packet({1, pub_ip, 0x08080808, 7, 0}, 20));  // 8.8.8.8
    CHECK(only_drop(run(lab, lab.pub_host, nowhere)) == DropReason::no_internet_host);
    for (const std::uint32_t there : {s3, public_ip, lab.sp.region_router_ip + 1}) {  // a service, hairpin, the region's eth0
        CAPTURE(there);
        auto f = frame_of(lab.mac(lab.pub_host), test::build_packet({1, pub_ip, there, 7, 0}, 20));
        auto out = run(lab, lab.pub_host, f);
        REQUIRE(out.sent.size() == 1);
        CHECK(out.sent[0].port == lab.region);
    }
}

TEST_CASE("an offloaded checksum completed before fragmenting covers the packet, not link padding after it") {
    Lab lab;
    auto packet = test::build_packet({17, pub_ip, s3, 4000, 5000}, 3000, 0, false);
    // NEEDS_CSUM: the UDP checksum field holds the pseudo-header sum only (virtio-net partial checksum).
    const auto l4_length = static_cast<std::uint16_t>(packet.size() - 20);
    wire::store_be16(packet.data() + 26, wire::fold(wire::pseudo_header_sum(pub_ip, s3, 17, l4_length)));
    auto f = frame_of(lab.mac(lab.pub_host), packet);
    f.insert(f.end(), {0xde, 0xad, 0xbe, 0xef});  // padding after the IP packet
    wire::VnetHeader h;
    h.flags = wire::VnetHeader::flag_needs_csum;
    h.csum_start = 34;
    h.csum_offset = 6;
    h.write(f);
    auto out = run(lab, lab.pub_host, f);
    REQUIRE(out.sent.size() == 3);
    // Reassembled, the datagram's UDP checksum verifies (as translated to the public IP).
    const auto first = out.sent[0].packet();
    std::vector<std::uint8_t> whole(first.begin(), first.begin() + 20);
    for (auto& o : out.sent) {
        const auto p = o.packet();
        whole.insert(whole.end(), p.begin() + 20, p.end());
    }
    wire::store_be16(whole.data() + 2, static_cast<std::uint16_t>(whole.size()));
    wire::store_be16(whole.data() + 6, 0);
    wire::Ipv4View(wire::Bytes(whole)).fill_header_checksum();
    CHECK(wire::load_be32(whole.data() + 12) == public_ip);
    CHECK(test::verify_checksums(whole) == "");
}

// --- gateway endpoints (VPC User Guide, "Gateway endpoints") ---

namespace {
constexpr std::uint32_t endpoint_block = 0xc6128000;  // 198.18.128.0/17: slot k's copy of S3 is 198.18.(128+k).10
}

TEST_CASE("gateway endpoint: out with the private source to the endpoint's copy of the service address, the reply back") {
    Lab lab;
    lab.add_s3_endpoint({lab.priv_rt(), lab.pub_rt});
    lab.recompile();
    const std::uint32_t s3_at_endpoint = endpoint_block + 10;  // slot 0
    for (const PortIndex host : {lab.priv_host, lab.pub_host}) {
        const std::uint32_t ip = host == lab.pub_host ? pub_ip : priv_ip;
        CAPTURE(ip);
        auto f = frame_of(lab.mac(host), test::build_packet({6, ip, s3, 40000, 80}, 100));
        auto out = run(lab, host, f);
        REQUIRE(out.sent.size() == 1);
        CHECK(out.sent[0].port == lab.region);
        CHECK(out.sent[0].eth().destination() == lab.sp.region_mac);
        // The private address, even from the public instance: the endpoint route beats 0.0.0.0/0 → IGW.
        CHECK(test::tuple_of(out.sent[0].packet()) == test::FiveTuple{6, ip, s3_at_endpoint, 40000, 80});
        CHECK(test::verify_checksums(out.sent[0].packet()) == "");
        auto reply = frame_of(lab.sp.region_mac, test::build_packet({6, s3_at_endpoint, ip, 80, 40000}, 100));
        auto back = run(lab, lab.region, reply);
        REQUIRE(back.sent.size() == 1);
        CHECK(back.sent[0].port == host);
        CHECK(back.sent[0].eth().destination() == lab.mac(host));
        CHECK(test::tuple_of(back.sent[0].packet()) == test::FiveTuple{6, s3, ip, 80, 40000});
        CHECK(test::verify_checksums(back.sent[0].packet()) == "");
    }
    // ping: the echo identifier is the flow.
    auto echo = frame_of(lab.mac(lab.priv_host), test::build_packet({1, priv_ip, s3, 77, 0}));
    REQUIRE(run(lab, lab.priv_host, echo).sent.size() == 1);
    auto echo_reply = test::build_packet({1, s3_at_endpoint, priv_ip, 77, 0});
    echo_reply[20] = 0;  // type 0: echo reply
    wire::store_be16(echo_reply.data() + 22, 0);
    wire::store_be16(echo_reply.data() + 22, wire::internet_checksum(wire::ConstBytes(echo_reply.data() + 20, echo_reply.size() - 20)));
    auto echo_back = frame_of(lab.sp.region_mac, echo_reply);
    auto pong = run(lab, lab.region, echo_back);
    REQUIRE(pong.sent.size() == 1);
    CHECK(pong.sent[0].port == lab.priv_host);
}

TEST_CASE("gateway endpoint: only replies come in — unsolicited, other ports, expired flows and other addresses are dropped") {
    Lab lab;
    lab.add_s3_endpoint({lab.priv_rt()});
    lab.recompile();
    const std::uint32_t s3_at_endpoint = endpoint_block + 10;
    auto unsolicited = frame_of(lab.sp.region_mac, test::build_packet({6, s3_at_endpoint, priv_ip, 80, 40000}));
    CHECK(only_drop(run(lab, lab.region, unsolicited)) == DropReason::endpoint_no_flow);
    lab.flows.now = 1000;
    auto out = frame_of(lab.mac(lab.priv_host), test::build_packet({6, priv_ip, s3, 40000, 80}));
    REQUIRE(run(lab, lab.priv_host, out).sent.size() == 1);
    auto wrong_port = frame_of(lab.sp.region_mac, test::build_packet({6, s3_at_endpoint, priv_ip, 80, 40001}));
    CHECK(only_drop(run(lab, lab.region, wrong_port)) == DropReason::endpoint_no_flow);
    // To the other private instance, which never asked.
    auto other_host = frame_of(lab.sp.region_mac, test::build_packet({6, s3_at_endpoint, priv2_ip, 80, 40000}));
    CHECK(only_drop(run(lab, lab.region, other_host)) == DropReason::endpoint_no_flow);
    // An endpoint slot no endpoint holds.
    auto no_endpoint = frame_of(lab.sp.region_mac, test::build_packet({6, endpoint_block + 0x500 + 10, priv_ip, 80, 40000}));
    CHECK(only_drop(run(lab, lab.region, no_endpoint)) == DropReason::endpoint_unknown_destination);
    // Idle past the timeout: expired, and the late reply is dropped.
    lab.flows.now += EndpointFlows::idle_timeout_seconds + 1;
    CHECK(lab.flows.endpoint.table.expire(lab.flows.now, 1 << 20) == 1);
    auto late = frame_of(lab.sp.region_mac, test::build_packet({6, s3_at_endpoint, priv_ip, 80, 40000}));
    CHECK(only_drop(run(lab, lab.region, late)) == DropReason::endpoint_no_flow);
    // The endpoint reaches only its service's addresses; beyond them the private table has no route.
    auto elsewhere = ipv4_frame(lab.mac(lab.priv_host), priv_ip, 0xc6126410);  // example.com's block
    CHECK(only_drop(run(lab, lab.priv_host, elsewhere)) == DropReason::no_route);
    // An address in the service's block that nothing answers at.
    auto nobody = ipv4_frame(lab.mac(lab.priv_host), priv_ip, s3 + 1);
    CHECK(only_drop(run(lab, lab.priv_host, nobody)) == DropReason::no_internet_host);
}

TEST_CASE("gateway endpoint: the connection table is bounded; a new flow is refused when it is full, an existing one passes") {
    Lab lab;
    lab.add_s3_endpoint({lab.priv_rt()});
    lab.recompile();
    lab.flows.endpoint = EndpointFlows(2);
    for (std::uint16_t port : {40000, 40001}) {
        auto f = frame_of(lab.mac(lab.priv_host), test::build_packet({17, priv_ip, s3, port, 53}));
        CHECK(run(lab, lab.priv_host, f).sent.size() == 1);
    }
    auto third = frame_of(lab.mac(lab.priv_host), test::build_packet({17, priv_ip, s3, 40002, 53}));
    CHECK(only_drop(run(lab, lab.priv_host, third)) == DropReason::endpoint_flow_table_full);
    auto again = frame_of(lab.mac(lab.priv_host), test::build_packet({17, priv_ip, s3, 40000, 53}));
    CHECK(run(lab, lab.priv_host, again).sent.size() == 1);
    CHECK(lab.flows.endpoint.table.size() == 2);
}

TEST_CASE("gateway endpoints of two VPCs with the same CIDR: the same private address, the same ports, each reply to its own instance") {
    Lab lab;
    lab.add_s3_endpoint({lab.priv_rt()});
    // A second VPC, 10.10.0.0/16 again, with an instance at 10.10.1.4 like the first VPC's private one.
    const std::string vpc2 = lab.m.create_vpc("V2", "10.10.0.0/16", {}).id;
    const std::string subnet2 = lab.m.create_subnet("Priv2", vpc2, "10.10.1.0/24", "ap-northeast-2a", false, {}).id;
    const PortIndex twin = lab.port_of(lab.launch(subnet2, priv_ip));
    lab.m.create_gateway_endpoint("S3Endpoint2", vpc2, "com.amazonaws.ap-northeast-2.s3", {lab.m.vpc(vpc2).main_route_table_id}, "", {}, "");
    lab.recompile();
    REQUIRE(lab.snap->port(twin).ip == priv_ip);
    std::vector<std::uint32_t> seen;
    for (const PortIndex host : {lab.priv_host, twin}) {
        auto f = frame_of(lab.mac(host), test::build_packet({6, priv_ip, s3, 40000, 80}));
        auto out = run(lab, host, f);
        REQUIRE(out.sent.size() == 1);
        seen.push_back(test::tuple_of(out.sent[0].packet()).destination);
    }
    // Two connections to the region, told apart by the endpoint each went through.
    CHECK(seen[0] == endpoint_block + 10);
    CHECK(seen[1] == endpoint_block + 0x100 + 10);
    for (std::size_t k = 0; k < 2; ++k) {
        auto reply = frame_of(lab.sp.region_mac, test::build_packet({6, seen[k], priv_ip, 80, 40000}));
        auto back = run(lab, lab.region, reply);
        REQUIRE(back.sent.size() == 1);
        CHECK(back.sent[0].port == (k == 0 ? lab.priv_host : twin));
        CHECK(test::tuple_of(back.sent[0].packet()).source == s3);
    }
}

TEST_CASE("gateway endpoint: a flow forwarded by an appliance in the VPC gets its reply at the instance, by the local route") {
    Lab lab;
    lab.add_s3_endpoint({lab.pub_rt});
    // The public instance is an appliance: its check off, it forwards the private instance's packets.
    lab.m.modify_source_dest_check(lab.m.interface_on_port(lab.pub_host)->id, false);
    lab.recompile();
    auto forwarded = frame_of(lab.mac(lab.pub_host), test::build_packet({6, priv_ip, s3, 40000, 80}));
    REQUIRE(run(lab, lab.pub_host, forwarded).sent.size() == 1);
    auto reply = frame_of(lab.sp.region_mac, test::build_packet({6, endpoint_block + 10, priv_ip, 80, 40000}));
    auto back = run(lab, lab.region, reply);
    REQUIRE(back.sent.size() == 1);
    CHECK(back.sent[0].port == lab.priv_host);
}
