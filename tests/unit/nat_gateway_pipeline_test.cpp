// NAT gateways on the frame pipeline: a private instance's TCP, UDP and ICMP leave from the gateway's Elastic
// IP through the internet gateway and their replies come back; nothing from outside gets in; an idle
// connection is answered with a RST; ICMP errors come back translated (path MTU discovery works); UDP
// fragments pass and TCP's do not; the subnets' network ACLs apply on both sides; a private gateway gets
// nothing through the internet gateway; a deleted one leaves a blackhole; a routing loop ends; every
// decision is a recorded step; nothing is allocated per frame.
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>

#include "router/data_path/pipeline.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/pipeline_lab.hpp"
#include "tests/unit/recording_sink.hpp"

using namespace vpclab;
using namespace vpclab::router;
using routing::PortIndex;
using test::dropped;

extern std::atomic<std::size_t> allocations;  // pipeline_test.cpp's count of heap allocations

namespace {

constexpr std::uint8_t syn = 0x02, ack = 0x10, rst = 0x04, psh_ack = 0x18;

// The pipeline lab with a public NAT gateway in the public subnet (its Elastic IP `eip`), and the private
// subnet's table sending 0.0.0.0/0 to it.
struct NatLab : test::PipelineLab {
    std::string nat;
    PortIndex nat_port = 0;
    std::uint32_t nat_ip = 0, eip = 0;
    explicit NatLab(const std::string& connectivity = "public") {
        const routing::NatGateway& g = add_nat_gateway(pub, connectivity == "public");
        REQUIRE(g.available());
        nat = g.id;
        nat_ip = g.private_ip;
        eip = g.public_ip;
        nat_port = m.network_interface(g.network_interface_id).port;
        m.create_route(priv_rt(), "0.0.0.0/0", {"", "", "", nat});
        recompile();
    }
    test::RecordingSink from_region(const std::vector<std::uint8_t>& p) { return test::send_through(*this, region, p, sp.region_mac); }
    test::RecordingSink from_host(PortIndex host, const std::vector<std::uint8_t>& p) { return test::send_through(*this, host, p, mac(host)); }
    // Sends `p` from `host` and steps it, returning the recorded steps.
    StepLog traced(PortIndex host, const std::vector<std::uint8_t>& p) {
        auto f = test::frame_of(host == region ? sp.region_mac : mac(host), p);
        test::RecordingSink sink;
        std::vector<std::uint8_t> scratch(pipeline_scratch_size);
        StepLog log;
        process_frame(*snap, host, f, scratch, sink, flows, &log);
        return log;
    }
};

std::vector<std::uint8_t> tcp(std::uint32_t from, std::uint32_t to, std::uint16_t sport, std::uint16_t dport, std::uint8_t flags,
                              std::size_t payload = 20) {
    return test::build_tcp_segment(from, to, sport, dport, flags, payload);
}

// `p` as the fragment at byte `offset` (a multiple of 8) of datagram `id`, more following or not.
std::vector<std::uint8_t> as_fragment(std::vector<std::uint8_t> p, std::uint16_t id, std::size_t offset, bool more) {
    wire::store_be16(p.data() + 4, id);
    wire::store_be16(p.data() + 6, static_cast<std::uint16_t>((more ? 0x2000 : 0) | (offset / 8)));
    wire::Ipv4View(p).fill_header_checksum();
    return p;
}

// A later fragment of datagram `id`: `size` bytes of data at `offset` (no transport header).
std::vector<std::uint8_t> later_fragment(std::uint8_t protocol, std::uint32_t from, std::uint32_t to, std::uint16_t id, std::size_t offset,
                                         std::size_t size) {
    std::vector<std::uint8_t> p(20 + size, 0x5a);
    wire::Ipv4View::build(p, protocol, from, to, static_cast<std::uint16_t>(p.size()), 64, id, false);
    return as_fragment(p, id, offset, false);
}

}  // namespace

TEST_CASE("NAT gateway: a private instance's TCP leaves from the gateway's Elastic IP and its reply comes back to it") {
    NatLab lab;
    CHECK(lab.snap->port(lab.nat_port).is_nat_gateway());
    CHECK(!lab.snap->port(lab.nat_port).has_security_groups());
    auto out = lab.from_host(lab.priv_host, tcp(test::PipelineLab::priv_ip, test::PipelineLab::s3, 40000, 80, syn));
    REQUIRE(out.sent.size() == 1);
    CHECK(out.sent[0].port == lab.region);
    const auto seen = test::tuple_of(out.sent[0].packet());
    CHECK(seen.source == lab.eip);  // the region sees the Elastic IP (VPC User Guide, "NAT gateways")
    CHECK(seen.destination == test::PipelineLab::s3);
    CHECK(seen.source_port >= 1024);
    CHECK(test::verify_checksums(out.sent[0].packet()).empty());
    CHECK(lab.flows.nat_gateways.size() == 1);
    // The answer, to the Elastic IP and the port the region saw, comes back to the instance.
    auto back = lab.from_region(tcp(test::PipelineLab::s3, lab.eip, 80, seen.source_port, syn | ack));
    REQUIRE(back.sent.size() == 1);
    CHECK(back.sent[0].port == lab.priv_host);
    const auto delivered = test::tuple_of(back.sent[0].packet());
    CHECK(delivered == test::FiveTuple{6, test::PipelineLab::s3, test::PipelineLab::priv_ip, 80, 40000});
    CHECK(test::verify_checksums(back.sent[0].packet()).empty());
    CHECK(back.sent[0].source() == lab.snap->subnet(lab.snap->port(lab.priv_host).subnet).router_mac);
    // The connection goes on.
    out = lab.from_host(lab.priv_host, tcp(test::PipelineLab::priv_ip, test::PipelineLab::s3, 40000, 80, ack));
    REQUIRE(out.sent.size() == 1);
    CHECK(test::tuple_of(out.sent[0].packet()).source_port == seen.source_port);
}

TEST_CASE("NAT gateway: two inside hosts on one source port to one destination get two ports, and each its own replies") {
    NatLab lab;
    auto a = lab.from_host(lab.priv_host, test::build_packet({17, test::PipelineLab::priv_ip, test::PipelineLab::s3, 5000, 53}, 20));
    auto b = lab.from_host(lab.priv2_host, test::build_packet({17, test::PipelineLab::priv2_ip, test::PipelineLab::s3, 5000, 53}, 20));
    REQUIRE(a.sent.size() == 1);
    REQUIRE(b.sent.size() == 1);
    const auto ta = test::tuple_of(a.sent[0].packet()), tb = test::tuple_of(b.sent[0].packet());
    CHECK(ta.source == lab.eip);
    CHECK(tb.source == lab.eip);
    CHECK(ta.source_port != tb.source_port);
    CHECK(tb.source_port >= 1024);
    CHECK(test::verify_checksums(b.sent[0].packet()).empty());
    for (const auto& [port, host, ip] : {std::tuple{ta.source_port, lab.priv_host, test::PipelineLab::priv_ip},
                                         std::tuple{tb.source_port, lab.priv2_host, test::PipelineLab::priv2_ip}}) {
        auto r = lab.from_region(test::build_packet({17, test::PipelineLab::s3, lab.eip, 53, port}, 20));
        REQUIRE(r.sent.size() == 1);
        CHECK(r.sent[0].port == host);
        CHECK(test::tuple_of(r.sent[0].packet()) == test::FiveTuple{17, test::PipelineLab::s3, ip, 53, 5000});
        CHECK(test::verify_checksums(r.sent[0].packet()).empty());
    }
}

TEST_CASE("NAT gateway: ping goes out by its identifier and the reply comes back; pinging the gateway gets nothing") {
    NatLab lab;
    auto a = lab.from_host(lab.priv_host, test::build_packet({1, test::PipelineLab::priv_ip, test::PipelineLab::s3, 77, 0}, 56));
    auto b = lab.from_host(lab.priv2_host, test::build_packet({1, test::PipelineLab::priv2_ip, test::PipelineLab::s3, 77, 0}, 56));
    REQUIRE(a.sent.size() == 1);
    REQUIRE(b.sent.size() == 1);
    const auto ta = test::tuple_of(a.sent[0].packet()), tb = test::tuple_of(b.sent[0].packet());
    CHECK(ta.source == lab.eip);
    CHECK(ta.source_port != tb.source_port);  // one identifier per inside host's query (RFC 5508 §3.1)
    CHECK(test::verify_checksums(b.sent[0].packet()).empty());
    auto reply = test::build_packet({1, test::PipelineLab::s3, lab.eip, tb.source_port, 0}, 56);
    reply[20] = 0;  // echo reply
    wire::store_be16(reply.data() + 22, 0);
    wire::store_be16(reply.data() + 22, wire::internet_checksum(wire::ConstBytes(reply.data() + 20, reply.size() - 20)));
    auto r = lab.from_region(reply);
    REQUIRE(r.sent.size() == 1);
    CHECK(r.sent[0].port == lab.priv2_host);
    CHECK(test::tuple_of(r.sent[0].packet()) == test::FiveTuple{1, test::PipelineLab::s3, test::PipelineLab::priv2_ip, 77, 0});
    CHECK(test::verify_checksums(r.sent[0].packet()).empty());
    // Trace records each translation as one rewrite: the address and the identifier, before and after.
    const StepLog out = lab.traced(lab.priv2_host, test::build_packet({1, test::PipelineLab::priv2_ip, test::PipelineLab::s3, 77, 0}, 56));
    const auto rewrite = std::find_if(out.begin(), out.end(), [](const Step& s) { return s.stage == Stage::nat_gateway && s.verdict == Verdict::rewrite; });
    REQUIRE(rewrite != out.end());
    CHECK(rewrite->from_address == test::PipelineLab::priv2_ip);
    CHECK(rewrite->from_port == 77);
    CHECK(rewrite->to_address == lab.nat_ip);
    CHECK(rewrite->to_port == tb.source_port);
    const StepLog in = lab.traced(lab.region, reply);
    const auto back = std::find_if(in.begin(), in.end(), [](const Step& s) { return s.stage == Stage::nat_gateway && s.verdict == Verdict::rewrite; });
    REQUIRE(back != in.end());
    CHECK(back->destination_side);
    CHECK(back->from_port == tb.source_port);
    CHECK(back->to_port == 77);
    CHECK(back->to_address == test::PipelineLab::priv2_ip);
    // "Troubleshoot NAT gateways": a ping to the gateway's Elastic IP or private address gets no response.
    CHECK(dropped(lab.from_region(test::build_packet({1, 0xc6120002, lab.eip, 5, 0}, 56)), DropReason::nat_gateway_unsolicited));
    CHECK(dropped(lab.from_host(lab.pub_host, test::build_packet({1, test::PipelineLab::pub_ip, lab.nat_ip, 5, 0}, 56)),
                  DropReason::nat_gateway_unsolicited));
}

TEST_CASE("NAT gateway: a connection from the internet to its Elastic IP is dropped, whatever port, and counted") {
    NatLab lab;
    for (std::uint16_t port : {22, 80, 40000}) {
        CAPTURE(port);
        const auto out = lab.from_region(tcp(0xc6120002, lab.eip, 50000, port, syn));
        CHECK(dropped(out, DropReason::nat_gateway_unsolicited));
        CHECK(out.drops[0].first == lab.nat_port);  // charged to the gateway's ENI, as `vpclab stats` shows it
    }
    CHECK(lab.flows.nat_gateways.size() == 0);
}

TEST_CASE("NAT gateway: idle past the timeout, the next segment from inside is answered with a RST, not passed on") {
    for (const std::uint32_t timeout : {350u, 10u}) {  // AWS's, and a class's shortened one (vpclab up --nat-idle-timeout)
        CAPTURE(timeout);
        NatLab lab;
        lab.flows.nat_gateways.idle_timeout = timeout;
        lab.flows.now = 5000;
        auto out = lab.from_host(lab.priv_host, tcp(test::PipelineLab::priv_ip, test::PipelineLab::s3, 40000, 80, syn));
        REQUIRE(out.sent.size() == 1);
        const std::uint16_t port = test::tuple_of(out.sent[0].packet()).source_port;
        REQUIRE(lab.from_region(tcp(test::PipelineLab::s3, lab.eip, 80, port, syn | ack)).sent.size() == 1);
        REQUIRE(lab.from_host(lab.priv_host, tcp(test::PipelineLab::priv_ip, test::PipelineLab::s3, 40000, 80, ack)).sent.size() == 1);
        // Idle just under the timeout: still there (and refreshed).
        lab.flows.now += timeout;
        REQUIRE(lab.from_host(lab.priv_host, tcp(test::PipelineLab::priv_ip, test::PipelineLab::s3, 40000, 80, psh_ack)).sent.size() == 1);
        // Idle past it: gone, swept or not; the segment is answered with a RST from the far end's address.
        lab.flows.now += timeout + 1;
        auto segment = tcp(test::PipelineLab::priv_ip, test::PipelineLab::s3, 40000, 80, psh_ack, 20);
        wire::store_be32(segment.data() + 28, 777777);  // its acknowledgment number
        wire::store_be16(segment.data() + 36, 0);
        wire::store_be16(segment.data() + 36, test::l4_checksum_of(segment));
        const auto reset = lab.from_host(lab.priv_host, segment);
        REQUIRE(reset.sent.size() == 1);
        REQUIRE(reset.drops.size() == 1);
        CHECK(reset.drops[0].second == DropReason::nat_gateway_idle_reset);
        CHECK(reset.sent[0].port == lab.priv_host);
        const auto packet = reset.sent[0].packet();
        CHECK(test::tuple_of(packet) == test::FiveTuple{6, test::PipelineLab::s3, test::PipelineLab::priv_ip, 80, 40000});
        CHECK(packet[33] == rst);                              // RST alone, never a FIN ("Troubleshoot NAT gateways")
        CHECK(wire::load_be32(packet.data() + 24) == 777777);  // RFC 793: its sequence number is the segment's ACK
        CHECK(test::verify_checksums(packet).empty());
        CHECK(reset.sent[0].destination() == lab.mac(lab.priv_host));
        // A RST from inside for no translation is not answered (RFC 793 §3.4).
        const auto quiet = lab.from_host(lab.priv_host, tcp(test::PipelineLab::priv_ip, test::PipelineLab::s3, 40000, 80, rst));
        CHECK(dropped(quiet, DropReason::nat_gateway_reset_discarded));
        CHECK(quiet.sent.empty());
        // A new connection (a SYN) opens a translation again.
        CHECK(lab.from_host(lab.priv_host, tcp(test::PipelineLab::priv_ip, test::PipelineLab::s3, 40001, 80, syn)).sent.size() == 1);
    }
}

TEST_CASE("NAT gateway: ICMP errors about what it sent come back translated, so path MTU discovery works through it") {
    NatLab lab;
    // A datagram to a closed port: the region's ICMP port unreachable, quoting it as it arrived (from the
    // Elastic IP), reaches the instance quoting it as the instance sent it.
    const auto datagram = test::build_packet({17, test::PipelineLab::priv_ip, test::PipelineLab::s3, 5353, 9999}, 20);
    auto out = lab.from_host(lab.priv_host, datagram);
    REQUIRE(out.sent.size() == 1);
    const auto as_sent = out.sent[0].packet();
    auto back = lab.from_region(test::build_icmp_error(3, 3, test::PipelineLab::s3, as_sent, 8));
    REQUIRE(back.sent.size() == 1);
    CHECK(back.sent[0].port == lab.priv_host);
    const auto error = back.sent[0].packet();
    CHECK(test::verify_checksums(error).empty());
    CHECK(wire::load_be32(error.data() + 16) == test::PipelineLab::priv_ip);
    CHECK(wire::load_be32(error.data() + 28 + 12) == test::PipelineLab::priv_ip);  // the quote's source
    CHECK(wire::load_be16(error.data() + 28 + 20) == 5353);                         // and its port
    // The quoted UDP checksum was fixed too: the quote is the datagram the instance sent, byte for byte.
    CHECK(std::equal(datagram.begin(), datagram.begin() + 28, error.begin() + 28));
    // An error about no translation is dropped.
    auto stray = as_sent;
    wire::store_be16(stray.data() + 20, 4444);
    CHECK(dropped(lab.from_region(test::build_icmp_error(3, 3, test::PipelineLab::s3, stray, 8)), DropReason::nat_gateway_unsolicited));
    // Too big for the internet's 1500 bytes with DF: fragmentation needed, from the instance's subnet's router,
    // quoting what it sent.
    const auto big = tcp(test::PipelineLab::priv_ip, test::PipelineLab::s3, 40000, 80, syn, 3000);
    auto refused = lab.from_host(lab.priv_host, big);
    REQUIRE(refused.sent.size() == 1);
    CHECK(refused.drops.size() == 1);
    CHECK(refused.drops[0].second == DropReason::fragmentation_needed);
    const auto needed = refused.sent[0].packet();
    CHECK(needed[20] == 3);
    CHECK(needed[21] == 4);
    CHECK(wire::load_be16(needed.data() + 26) == 1500);
    CHECK(wire::load_be32(needed.data() + 12) == 0x0a0a0101);  // 10.10.1.1, the private subnet's router
    CHECK(wire::load_be32(needed.data() + 28 + 12) == test::PipelineLab::priv_ip);
    CHECK(lab.flows.nat_gateways.size() == 1);  // the datagram's translation alone: the refused segment opened none
}

TEST_CASE("NAT gateway: fragments of UDP pass both ways, fragments of TCP and ICMP do not") {
    NatLab lab;
    constexpr std::uint32_t priv = test::PipelineLab::priv_ip, s3 = test::PipelineLab::s3;
    // Out: the first fragment (with the ports) opens the translation; a later one follows it; one of a
    // datagram whose start was never seen does not.
    const auto first = as_fragment(test::build_packet({17, priv, s3, 6000, 7000}, 1000, 0, false), 0x4242, 0, true);
    auto out = lab.from_host(lab.priv_host, first);
    REQUIRE(out.sent.size() == 1);
    CHECK(test::tuple_of(out.sent[0].packet()).source == lab.eip);
    const std::uint16_t port = test::tuple_of(out.sent[0].packet()).source_port;
    out = lab.from_host(lab.priv_host, later_fragment(17, priv, s3, 0x4242, 1008, 200));
    REQUIRE(out.sent.size() == 1);
    CHECK(wire::load_be32(out.sent[0].packet().data() + 12) == lab.eip);
    CHECK(test::verify_checksums(out.sent[0].packet()).empty());
    CHECK(dropped(lab.from_host(lab.priv_host, later_fragment(17, priv, s3, 0x4343, 1008, 200)), DropReason::nat_gateway_fragment));
    // In: the reply in two fragments reaches the instance.
    auto in = lab.from_region(as_fragment(test::build_packet({17, s3, lab.eip, 7000, port}, 1000, 0, false), 0x5151, 0, true));
    REQUIRE(in.sent.size() == 1);
    CHECK(in.sent[0].port == lab.priv_host);
    in = lab.from_region(later_fragment(17, s3, lab.eip, 0x5151, 1008, 200));
    REQUIRE(in.sent.size() == 1);
    CHECK(in.sent[0].port == lab.priv_host);
    CHECK(wire::load_be32(in.sent[0].packet().data() + 16) == priv);
    CHECK(test::verify_checksums(in.sent[0].packet()).empty());
    // TCP and ICMP fragments: dropped ("Compare NAT gateways and NAT instances").
    CHECK(dropped(lab.from_host(lab.priv_host, as_fragment(test::build_packet({6, priv, s3, 40000, 80}, 1000, 0, false), 7, 0, true)),
                  DropReason::nat_gateway_fragment));
    CHECK(dropped(lab.from_host(lab.priv_host, as_fragment(test::build_packet({1, priv, s3, 9, 0}, 1000, 0, false), 8, 0, true)),
                  DropReason::nat_gateway_fragment));
    // An ICMP echo too big for the internet without DF (ping -s 3000 -M dont): the internet gateway would
    // fragment it, so the NAT gateway drops it ("ping -s 10000 … does not work behind a NAT gateway").
    CHECK(dropped(lab.from_host(lab.priv_host, test::build_packet({1, priv, s3, 9, 0}, 3000, 0, false)), DropReason::nat_gateway_fragment));
    // And a protocol it does not carry.
    auto gre = test::build_packet({17, priv, s3, 1, 2}, 20);
    gre[9] = 47;
    wire::Ipv4View(gre).fill_header_checksum();
    CHECK(dropped(lab.from_host(lab.priv_host, gre), DropReason::nat_gateway_protocol));
}

TEST_CASE("NAT gateway: no security groups, but both subnets' network ACLs, each way") {
    NatLab lab;
    constexpr std::uint32_t priv = test::PipelineLab::priv_ip, s3 = test::PipelineLab::s3;
    // The public subnet's ACL lets nothing in on the ephemeral ports: the gateway's replies stop there (the
    // classic mistake the guide warns of: "NAT gateways use ports 1024–65535").
    routing::NetworkAclEntry deny;
    deny.rule_number = 50;
    deny.protocol = "6";
    deny.cidr = routing::Cidr{0, 0};
    deny.port_range = routing::NetworkAclEntry::PortRange{1024, 65535};
    const std::string acl = lab.acl_allowing_all({deny});
    const auto& association = lab.m.network_acl_of(lab.pub);
    std::string association_id;
    for (const auto& a : association.associations)
        if (a.subnet_id == lab.pub) association_id = a.association_id;
    lab.m.replace_network_acl_association(association_id, acl);
    lab.recompile();
    auto out = lab.from_host(lab.priv_host, tcp(priv, s3, 40000, 80, syn));
    REQUIRE(out.sent.size() == 1);  // in to the gateway on port 80: allowed
    const std::uint16_t port = test::tuple_of(out.sent[0].packet()).source_port;
    const auto back = lab.from_region(tcp(s3, lab.eip, 80, port, syn | ack));
    CHECK(dropped(back, DropReason::network_acl_inbound));
    CHECK(back.drops[0].first == lab.nat_port);
}

TEST_CASE("NAT gateway: a private one translates to its private address, and the internet gateway drops its traffic") {
    NatLab lab("private");
    CHECK(lab.eip == 0);
    const auto out = lab.from_host(lab.priv_host, tcp(test::PipelineLab::priv_ip, test::PipelineLab::s3, 40000, 80, syn));
    // VPC User Guide, "NAT gateways": "if you route traffic from the private NAT gateway to the internet
    // gateway, the internet gateway drops the traffic".
    CHECK(dropped(out, DropReason::no_public_ip));
    CHECK(out.drops[0].first == lab.nat_port);
}

TEST_CASE("NAT gateway: deleted, its route is a blackhole and what it carried is forgotten at once") {
    NatLab lab;
    REQUIRE(lab.from_host(lab.priv_host, tcp(test::PipelineLab::priv_ip, test::PipelineLab::s3, 40000, 80, syn)).sent.size() == 1);
    const auto before = lab.snap;
    lab.m.delete_nat_gateway(lab.nat, 2000);
    lab.recompile();
    CHECK(lab.m.route_is_blackhole(lab.m.route_table(lab.priv_rt()), lab.m.route_table(lab.priv_rt()).routes.back()));
    CHECK(dropped(lab.from_host(lab.priv_host, tcp(test::PipelineLab::priv_ip, test::PipelineLab::s3, 40000, 80, ack)), DropReason::no_route));
    // The commit forgets the ports that are no longer ENIs (router/event_loop.cpp, forget_replaced_ports).
    lab.flows.forget_ports([&](PortIndex p) { return before->is_eni(p) && !lab.snap->is_eni(p); });
    CHECK(lab.flows.nat_gateways.size() == 0);
}

TEST_CASE("NAT gateway: a route back to itself from its own subnet is a loop that ends in a counted drop") {
    NatLab lab;
    lab.m.replace_route(lab.pub_rt, "0.0.0.0/0", {"", "", "", lab.nat});
    lab.recompile();
    const auto out = lab.from_host(lab.priv_host, tcp(test::PipelineLab::priv_ip, test::PipelineLab::s3, 40000, 80, syn));
    CHECK(out.sent.empty());
    REQUIRE(out.drops.size() == 1);
    CHECK(out.drops[0].second == DropReason::routing_loop);
}

TEST_CASE("NAT gateway: trace records the route to it, its translation naming it, and the internet gateway's after") {
    NatLab lab;
    const StepLog log = lab.traced(lab.priv_host, tcp(test::PipelineLab::priv_ip, test::PipelineLab::s3, 40000, 80, syn));
    std::vector<Stage> stages;
    for (const Step& s : log) stages.push_back(s.stage);
    CHECK(stages == std::vector<Stage>{Stage::edge, Stage::route, Stage::acl_out, Stage::sg_egress, Stage::acl_in, Stage::nat_gateway,
                                       Stage::nat_gateway, Stage::route, Stage::acl_out, Stage::igw_nat, Stage::deliver});
    CHECK(log.steps[1].outcome == routing::Outcome::nat_gateway);
    CHECK(log.steps[1].next == lab.nat_port);
    const Step& rewrite = log.steps[6];
    CHECK(rewrite.verdict == Verdict::rewrite);
    CHECK(lab.snap->nat_gateway_id(rewrite.table) == lab.nat);
    CHECK(rewrite.from_address == test::PipelineLab::priv_ip);
    CHECK(rewrite.to_address == lab.nat_ip);
    CHECK(log.steps[7].port == lab.nat_port);  // then routed by the gateway's own subnet's table
    CHECK(log.steps[9].to_address == lab.eip);
}

TEST_CASE("NAT gateway: no heap allocation per frame, on every path through it") {
    NatLab lab;
    constexpr std::uint32_t priv = test::PipelineLab::priv_ip, s3 = test::PipelineLab::s3;
    test::CountingSink sink;
    // The translated port is the instance's own (free towards the destination): replies are written for it.
    const test::PortFrames originals = {
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), tcp(priv, s3, 40000, 80, syn))},
        {lab.region, test::frame_of(lab.sp.region_mac, tcp(s3, lab.eip, 80, 40000, syn | ack))},
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), test::build_packet({1, priv, s3, 1234, 0}, 56))},
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), test::build_packet({17, priv, s3, 5353, 9999}, 20))},
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), tcp(priv, s3, 40099, 80, ack))},                 // a RST back
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), tcp(priv, s3, 40098, 80, rst))},                 // discarded
        {lab.region, test::frame_of(lab.sp.region_mac, tcp(0xc6120002, lab.eip, 1, 22, syn))},                // unsolicited
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), test::build_packet({6, priv, s3, 40000, 80}, 3000))},  // too big
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), as_fragment(test::build_packet({17, priv, s3, 6000, 7000}, 1000, 0, false), 9, 0, true))},
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), later_fragment(17, priv, s3, 9, 1008, 200))},
        // Back through it: an ICMP error quoting the datagram as it left, and a reply in two fragments.
        {lab.region, test::frame_of(lab.sp.region_mac, test::build_icmp_error(3, 3, s3, test::build_packet({17, lab.eip, s3, 5353, 9999}, 20), 8))},
        {lab.region, test::frame_of(lab.sp.region_mac, as_fragment(test::build_packet({17, s3, lab.eip, 7000, 6000}, 1000, 0, false), 11, 0, true))},
        {lab.region, test::frame_of(lab.sp.region_mac, later_fragment(17, s3, lab.eip, 11, 1008, 200))},
    };
    CHECK(test::allocations_replaying(lab, originals, 2000, sink, allocations, [&](int i) {
              if (i % 100 == 99) {
                  lab.flows.now += 11;
                  lab.flows.expire_some(1 << 13);
              }
          }) == 0);
    // Each frame sends one (the too big and the stray ACK an answer back), but the unsolicited one and the
    // RST for no translation.
    CHECK(sink.sent == 2 * 2000u * (originals.size() - 2));
}
