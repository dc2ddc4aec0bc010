// Traffic Mirroring on the frame pipeline, driven as the forwarding worker drives it (TrafficMirror::before,
// the pipeline through a MirroringSink, after): the VXLAN copy's bytes (RFC 7348, the Traffic Mirroring
// Guide's packet format), egress and ingress, what is not mirrored (filtered out, dropped at the source,
// the Amazon DNS server's), the packet length, and no allocation per frame.
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>

#include "router/data_path/traffic_mirror.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/pipeline_lab.hpp"
#include "tests/unit/recording_sink.hpp"

using namespace vpclab;
using namespace vpclab::router;
using routing::PortIndex;

extern std::atomic<std::size_t> allocations;  // pipeline_test.cpp's count of heap allocations

namespace {

// The pipeline lab with a session on the private instance's ENI (source) to the second private instance's
// (monitor, same subnet): egress TCP to port 80 and all ingress, VNI 4242.
struct MirrorPipelineLab : test::PipelineLab {
    std::string filter, session;
    TrafficMirror mirror;
    std::vector<std::uint8_t> scratch = std::vector<std::uint8_t>(pipeline_scratch_size);
    MirrorPipelineLab() {
        const std::string target = m.create_traffic_mirror_target("", eni_of(priv2_host), "", "", {}).id;
        filter = m.create_traffic_mirror_filter("", "", {}, {}).id;
        routing::TrafficMirrorRuleSpec web;
        web.traffic_direction = "egress";
        web.rule_number = 10;
        web.rule_action = "accept";
        web.protocol = 6;
        web.destination_ports = routing::TrafficMirrorPortRange{80, 80};
        web.source_cidr = web.destination_cidr = "0.0.0.0/0";
        m.create_traffic_mirror_filter_rule("", filter, web);
        routing::TrafficMirrorRuleSpec in = web;
        in.traffic_direction = "ingress";
        in.protocol.reset();
        in.destination_ports.reset();
        m.create_traffic_mirror_filter_rule("", filter, in);
        routing::TrafficMirrorSessionSpec s;
        s.network_interface_id = eni_of(priv_host);
        s.target_id = target;
        s.filter_id = filter;
        s.session_number = 1;
        s.virtual_network_id = 4242;
        session = m.create_traffic_mirror_session("", s, {}).id;
        recompile();
    }
    std::string eni_of(PortIndex p) const { return m.interface_on_port(p)->id; }
    // What the worker does with one frame.
    test::RecordingSink send(PortIndex from, std::vector<std::uint8_t> frame) {
        test::RecordingSink sink;
        MirroringSink mirroring(sink, mirror, *snap);
        mirror.before(*snap, from, frame);
        process_frame(*snap, from, frame, scratch, mirroring, flows);
        mirror.after(*snap, sink);
        return sink;
    }
    std::vector<std::uint8_t> from_priv(const std::vector<std::uint8_t>& packet) const { return test::frame_of(mac(priv_host), packet); }
};

// A VXLAN copy read back: its outer headers checked, its inner Ethernet frame returned.
struct Vxlan {
    std::uint32_t source = 0, destination = 0, vni = 0;
    std::uint16_t source_port = 0, destination_port = 0;
    wire::MacAddress eth_source, eth_destination;
    std::vector<std::uint8_t> inner;
};
Vxlan read_vxlan(const test::Sent& s) {
    Vxlan v;
    const auto& f = s.frame;
    REQUIRE(f.size() >= 10 + 14 + 20 + 8 + 8);
    for (int i = 0; i < 10; ++i) CHECK(f[i] == 0);  // no offload asked of the kernel
    v.eth_destination = s.destination();
    v.eth_source = s.source();
    CHECK(wire::load_be16(f.data() + 10 + 12) == 0x0800);
    const std::vector<std::uint8_t> packet = s.packet();
    CHECK(test::verify_checksums(packet) == "");  // the IPv4 header's (UDP's is zero: RFC 7348 §5)
    CHECK(packet[9] == 17);
    CHECK(wire::load_be16(packet.data() + 2) == packet.size());
    v.source = wire::load_be32(packet.data() + 12);
    v.destination = wire::load_be32(packet.data() + 16);
    v.source_port = wire::load_be16(packet.data() + 20);
    v.destination_port = wire::load_be16(packet.data() + 22);
    CHECK(wire::load_be16(packet.data() + 24) == packet.size() - 20);
    CHECK(wire::load_be16(packet.data() + 26) == 0);
    CHECK(packet[28] == 0x08);  // I flag: the VNI is valid
    CHECK((packet[29] | packet[30] | packet[31] | packet[35]) == 0);
    v.vni = wire::load_be32(packet.data() + 32) >> 8;
    v.inner.assign(packet.begin() + 36, packet.end());
    return v;
}

std::vector<test::Sent> copies_to(const test::RecordingSink& s, PortIndex port) {
    std::vector<test::Sent> out;
    for (const auto& x : s.sent)
        if (x.port == port) out.push_back(x);
    return out;
}

}  // namespace

TEST_CASE("traffic mirror: egress HTTP copied as VXLAN from the source's address to the target, the frame as the instance sent it") {
    MirrorPipelineLab lab;
    const auto request = test::build_packet({6, test::PipelineLab::priv_ip, test::PipelineLab::pub_ip, 40000, 80}, 100);
    const auto frame = lab.from_priv(request);
    const auto sink = lab.send(lab.priv_host, frame);
    REQUIRE(sink.drops.empty());
    REQUIRE(sink.sent.size() == 2);
    CHECK(sink.sent[0].port == lab.pub_host);  // the original, forwarded first
    CHECK(sink.sent[0].packet() == request);
    REQUIRE(sink.sent[1].port == lab.priv2_host);
    const Vxlan v = read_vxlan(sink.sent[1]);
    CHECK(v.source == test::PipelineLab::priv_ip);  // "The primary IP address of the source network interface"
    CHECK(v.destination == test::PipelineLab::priv2_ip);
    CHECK(v.destination_port == 4789);
    CHECK(v.source_port >= 49152);
    CHECK(v.vni == 4242);
    CHECK(v.eth_destination == lab.mac(lab.priv2_host));
    CHECK(v.eth_source == lab.mac(lab.priv_host));  // same subnet: the sender's MAC, as any frame within a subnet
    // The inner frame is the Ethernet frame the instance sent (before the router rewrote its MACs).
    CHECK(v.inner == std::vector<std::uint8_t>(frame.begin() + 10, frame.end()));

    // The same flow's next packet leaves by the same outer source port (a hash of the flow, RFC 7348 §5).
    const auto again = lab.send(lab.priv_host, lab.from_priv(request));
    REQUIRE(again.sent.size() == 2);
    CHECK(read_vxlan(again.sent[1]).source_port == v.source_port);
}

TEST_CASE("traffic mirror: ingress copied as delivered; what the filter does not select, and what never is, not copied") {
    MirrorPipelineLab lab;
    // Ingress: everything the source receives, as it was written to it.
    const auto ssh = test::build_packet({6, test::PipelineLab::pub_ip, test::PipelineLab::priv_ip, 50000, 22}, 10);
    const auto in = test::send_through(lab, lab.pub_host, ssh, lab.mac(lab.pub_host));  // (no mirror: for the delivered bytes)
    REQUIRE(in.sent.size() == 1);
    const auto sink = lab.send(lab.pub_host, test::frame_of(lab.mac(lab.pub_host), ssh));
    REQUIRE(sink.sent.size() == 2);
    CHECK(sink.sent[0].port == lab.priv_host);
    const Vxlan v = read_vxlan(sink.sent[1]);
    CHECK(v.source == test::PipelineLab::priv_ip);
    CHECK(v.inner == std::vector<std::uint8_t>(in.sent[0].frame.begin() + 10, in.sent[0].frame.end()));

    // Egress UDP is not selected by the egress rule (TCP 80 only): forwarded, not copied.
    const auto udp = lab.send(lab.priv_host, lab.from_priv(test::build_packet({17, test::PipelineLab::priv_ip, test::PipelineLab::pub_ip, 5000, 80})));
    CHECK(udp.sent.size() == 1);
    CHECK(copies_to(udp, lab.priv2_host).empty());
    // DNS to the VPC's Amazon DNS server: never mirrored without amazon-dns, whatever the rules say.
    const std::uint32_t dns = 0x0a0a0002;
    auto all_egress = [&] {
        routing::TrafficMirrorRuleSpec all;
        all.traffic_direction = "egress";
        all.rule_number = 5;
        all.rule_action = "accept";
        all.source_cidr = all.destination_cidr = "0.0.0.0/0";
        lab.m.create_traffic_mirror_filter_rule("", lab.filter, all);
        lab.recompile();
    };
    all_egress();
    const auto query = test::build_packet({17, test::PipelineLab::priv_ip, dns, 5353, 53});
    CHECK(copies_to(lab.send(lab.priv_host, lab.from_priv(query)), lab.priv2_host).empty());
    lab.m.modify_traffic_mirror_filter_network_services(lab.filter, {"amazon-dns"}, {});
    lab.recompile();
    CHECK(copies_to(lab.send(lab.priv_host, lab.from_priv(query)), lab.priv2_host).size() == 1);
    // ARP is never mirrored.
    std::vector<std::uint8_t> arp(10 + 14 + 28, 0);
    const auto& priv_mac = lab.mac(lab.priv_host);
    std::memset(arp.data() + 10, 0xff, 6);
    std::memcpy(arp.data() + 16, priv_mac.octets.data(), 6);
    wire::store_be16(arp.data() + 22, 0x0806);
    const std::uint8_t arp_header[] = {0, 1, 8, 0, 6, 4, 0, 1};
    std::memcpy(arp.data() + 24, arp_header, 8);
    std::memcpy(arp.data() + 32, priv_mac.octets.data(), 6);
    wire::store_be32(arp.data() + 38, test::PipelineLab::priv_ip);
    wire::store_be32(arp.data() + 48, test::PipelineLab::priv2_ip);
    const auto answered = lab.send(lab.priv_host, arp);
    REQUIRE(answered.sent.size() == 1);  // the ARP reply, to the asker (ingress), not copied
    CHECK(copies_to(answered, lab.priv2_host).empty());
}

TEST_CASE("traffic mirror: what the source's network ACL or source check drops is not mirrored; what is lost beyond it is") {
    MirrorPipelineLab lab;
    const auto request = test::build_packet({6, test::PipelineLab::priv_ip, test::PipelineLab::pub_ip, 40000, 80});
    // The private subnet's ACL denies TCP 80 out.
    const std::string acl = lab.m.create_network_acl("", lab.vpc, {}).id;
    routing::NetworkAclEntry deny;
    deny.rule_number = 10;
    deny.egress = true;
    deny.protocol = "6";
    deny.port_range = routing::NetworkAclEntry::PortRange{80, 80};
    deny.cidr = routing::Cidr{0, 0};
    lab.m.create_network_acl_entry(acl, deny);
    for (const auto& a : lab.m.network_acl_of(lab.priv).associations)
        if (a.subnet_id == lab.priv) {
            lab.m.replace_network_acl_association(a.association_id, acl);
            break;
        }
    lab.recompile();
    const auto denied = lab.send(lab.priv_host, lab.from_priv(request));
    CHECK(denied.sent.empty());
    REQUIRE(denied.drops.size() == 1);
    CHECK(denied.drops[0].second == DropReason::network_acl_outbound);
    // A spoofed source: dropped by the source/destination check, not mirrored.
    const auto spoofed = lab.send(lab.priv_host, lab.from_priv(test::build_packet({6, 0x0a0a0177, 0xc6120a0a, 40000, 80})));
    CHECK(spoofed.sent.empty());
    // Lost beyond the source (no route to that address): it had left the ENI, so it is mirrored.
    const auto lost = lab.send(lab.priv_host, lab.from_priv(test::build_packet({6, test::PipelineLab::priv_ip, 0x08080808, 40000, 80})));
    REQUIRE(lost.drops.size() == 1);  // the original (no route), and nothing else
    CHECK(lost.drops[0].second == DropReason::no_route);
    CHECK(copies_to(lost, lab.priv2_host).size() == 1);
}

TEST_CASE("traffic mirror: the packet length cuts the inner frame; a copy the target's groups refuse is counted, not sent") {
    MirrorPipelineLab lab;
    routing::TrafficMirrorSessionSpec shorter;
    shorter.packet_length = 64;
    lab.m.modify_traffic_mirror_session(lab.session, shorter);
    lab.recompile();
    const auto frame = lab.from_priv(test::build_packet({6, test::PipelineLab::priv_ip, test::PipelineLab::pub_ip, 40000, 80}, 500));
    const auto sink = lab.send(lab.priv_host, frame);
    REQUIRE(sink.sent.size() == 2);
    const Vxlan v = read_vxlan(sink.sent[1]);
    CHECK(v.inner == std::vector<std::uint8_t>(frame.begin() + 10, frame.begin() + 10 + 64));

    // The monitor in a group of its own that lets in only TCP 22: the copy (UDP 4789) is refused and counted
    // on the source; the original still goes.
    const std::string group = lab.m.create_security_group("", lab.vpc, "ssh-only", "ssh", {}, std::nullopt, {}).id;
    routing::SecurityGroupRule ssh;
    ssh.ip_protocol = "tcp";
    ssh.from_port = ssh.to_port = 22;
    ssh.cidr = routing::Cidr{0, 0};
    lab.m.authorize_security_group(group, true, {ssh});
    lab.m.modify_network_interface_groups(lab.eni_of(lab.priv2_host), {group});
    lab.recompile();
    const auto refused = lab.send(lab.priv_host, frame);
    REQUIRE(refused.sent.size() == 1);
    CHECK(refused.sent[0].port == lab.pub_host);
    REQUIRE(refused.drops.size() == 1);
    CHECK(refused.drops[0] == std::pair{lab.priv_host, DropReason::mirror_security_group});
}

TEST_CASE("traffic mirror: no heap allocation per frame, copies made or not") {
    MirrorPipelineLab lab;
    const test::PortFrames originals = {
        {lab.priv_host, lab.from_priv(test::build_packet({6, test::PipelineLab::priv_ip, test::PipelineLab::pub_ip, 40000, 80}, 1400))},
        {lab.pub_host, test::frame_of(lab.mac(lab.pub_host), test::build_packet({6, test::PipelineLab::pub_ip, test::PipelineLab::priv_ip, 80, 40000}, 1400))},
        {lab.priv_host, lab.from_priv(test::build_packet({17, test::PipelineLab::priv_ip, test::PipelineLab::pub_ip, 5000, 53}))},
        {lab.priv_host, lab.from_priv(test::build_packet({6, test::PipelineLab::priv_ip, 0x08080808, 40000, 80}))},
    };
    auto frames = originals;
    test::CountingSink sink;
    const std::size_t before = allocations.load();
    for (int round = 0; round < 2000; ++round)
        for (std::size_t k = 0; k < frames.size(); ++k) {
            std::memcpy(frames[k].second.data(), originals[k].second.data(), frames[k].second.size());
            MirroringSink mirroring(sink, lab.mirror, *lab.snap);
            lab.mirror.before(*lab.snap, frames[k].first, frames[k].second);
            process_frame(*lab.snap, frames[k].first, frames[k].second, lab.scratch, mirroring, lab.flows);
            lab.mirror.after(*lab.snap, sink);
        }
    CHECK(allocations.load() - before == 0);
    // Each round: 3 forwarded, 1 dropped (no route), and the copies of the two HTTP packets and the lost one.
    CHECK(sink.sent == 2000 * 6);
    CHECK(sink.dropped == 2000);

    // The copies refused by the target's groups (dropped as whole frames) allocate nothing either.
    const std::string group = lab.m.create_security_group("", lab.vpc, "nothing-in", "nothing in", {}, std::nullopt, {}).id;
    lab.m.modify_network_interface_groups(lab.eni_of(lab.priv2_host), {group});
    lab.recompile();
    test::CountingSink refused;
    const std::size_t again = allocations.load();
    for (int round = 0; round < 500; ++round) {
        std::memcpy(frames[0].second.data(), originals[0].second.data(), frames[0].second.size());
        MirroringSink mirroring(refused, lab.mirror, *lab.snap);
        lab.mirror.before(*lab.snap, frames[0].first, frames[0].second);
        process_frame(*lab.snap, frames[0].first, frames[0].second, lab.scratch, mirroring, lab.flows);
        lab.mirror.after(*lab.snap, refused);
    }
    CHECK(allocations.load() - again == 0);
    CHECK(refused.sent == 500);
    CHECK(refused.dropped == 500);
}

TEST_CASE("traffic mirror: to a network load balancer, through its UDP 4789 listener to a target, the source's address kept") {
    test::PipelineLab lab(true);  // with its internet-facing load balancer, node in the public subnet
    const std::string lb = lab.m.load_balancers().front().id;
    const std::string target = lab.m.create_traffic_mirror_target("", "", lb, "", {}).id;
    const std::string filter = lab.m.create_traffic_mirror_filter("", "", {}, {}).id;
    routing::TrafficMirrorRuleSpec all;
    all.traffic_direction = "egress";
    all.rule_number = 1;
    all.rule_action = "accept";
    all.source_cidr = all.destination_cidr = "0.0.0.0/0";
    lab.m.create_traffic_mirror_filter_rule("", filter, all);
    routing::TrafficMirrorSessionSpec s;
    s.network_interface_id = lab.m.interface_on_port(lab.priv_host)->id;
    s.target_id = target;
    s.filter_id = filter;
    s.session_number = 1;
    lab.m.create_traffic_mirror_session("", s, {});
    lab.recompile();
    TrafficMirror mirror;
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    auto send = [&] {
        test::RecordingSink sink;
        auto frame = test::frame_of(lab.mac(lab.priv_host), test::build_packet({6, test::PipelineLab::priv_ip, test::PipelineLab::pub_ip, 40000, 80}));
        MirroringSink mirroring(sink, mirror, *lab.snap);
        mirror.before(*lab.snap, lab.priv_host, frame);
        process_frame(*lab.snap, lab.priv_host, frame, scratch, mirroring, lab.flows);
        mirror.after(*lab.snap, sink);
        return sink;
    };
    // No UDP 4789 listener: the copy has nowhere to go ("fails without an error indication" on AWS; counted here).
    const auto unheard = send();
    REQUIRE(unheard.sent.size() == 1);
    REQUIRE(unheard.drops.size() == 1);
    CHECK(unheard.drops[0] == std::pair{lab.priv_host, DropReason::mirror_target_unreachable});

    const std::string tg = lab.m.create_target_group("", {.name = "mirror", .protocol = "UDP", .vpc_id = lab.vpc, .port = 4789}, {}).id;
    lab.m.create_listener("", lb, "UDP", 4789, tg, {});
    // The public instance: in the load balancer's zone (a node sends to targets of the zones it has).
    lab.m.register_targets(tg, {{lab.m.interface_on_port(lab.pub_host)->instance_id, 0}});
    lab.recompile();
    const auto heard = send();
    REQUIRE(heard.drops.empty());
    REQUIRE(heard.sent.size() == 2);  // the original to the public instance, then its copy there too
    const Vxlan v = read_vxlan(heard.sent[1]);
    CHECK(heard.sent[1].port == lab.pub_host);
    CHECK(v.source == test::PipelineLab::priv_ip);  // client IP preservation: the source ENI's address
    CHECK(v.destination == test::PipelineLab::pub_ip);
    CHECK(v.destination_port == 4789);
    CHECK(v.eth_destination == lab.mac(lab.pub_host));
    CHECK(v.eth_source == lab.snap->subnet(lab.snap->port(lab.pub_host).subnet).router_mac);
    // Through the load balancer, no allocation per frame either.
    const auto original = test::frame_of(lab.mac(lab.priv_host), test::build_packet({6, test::PipelineLab::priv_ip, test::PipelineLab::pub_ip, 40000, 80}));
    auto frame = original;
    test::CountingSink counting;
    const std::size_t before = allocations.load();
    for (int round = 0; round < 500; ++round) {
        std::memcpy(frame.data(), original.data(), frame.size());
        MirroringSink mirroring(counting, mirror, *lab.snap);
        mirror.before(*lab.snap, lab.priv_host, frame);
        process_frame(*lab.snap, lab.priv_host, frame, scratch, mirroring, lab.flows);
        mirror.after(*lab.snap, counting);
    }
    CHECK(allocations.load() - before == 0);
    CHECK(counting.sent == 1000);  // each: the original and its copy
}
