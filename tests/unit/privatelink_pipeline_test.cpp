// PrivateLink on the frame pipeline: a consumer in another VPC with the same CIDR (its instance at the same
// address as a target) reaches the provider's load balancer through its interface endpoint's ENI once the
// connection is accepted; the target sees the node's private address; answers come back from the ENI; a
// rejected endpoint passes nothing; with proxy protocol v2 the stream starts with the PROXY header and the
// sequence numbers are shifted both ways.
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>

#include "endpoints/proxy_protocol.hpp"
#include "router/data_path/pipeline.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/pipeline_lab.hpp"
#include "tests/unit/recording_sink.hpp"

using namespace vpclab;
using namespace vpclab::router;
using routing::PortIndex;
using test::dropped;

namespace {

constexpr std::uint8_t syn = 0x02, ack = 0x10, rst = 0x04, psh_ack = 0x18;

// A TCP segment with its sequence and acknowledgment numbers and `payload` bytes.
std::vector<std::uint8_t> segment(std::uint32_t from, std::uint32_t to, std::uint16_t sport, std::uint16_t dport, std::uint8_t flags,
                                  std::uint32_t seq, std::uint32_t acknowledged, std::size_t payload = 0) {
    auto p = test::build_tcp_segment(from, to, sport, dport, flags, payload);
    wire::store_be32(p.data() + 24, seq);
    wire::store_be32(p.data() + 28, acknowledged);
    wire::store_be16(p.data() + 36, 0);
    wire::store_be16(p.data() + 36, test::l4_checksum_of(p));
    return p;
}
std::uint32_t seq_of(const std::vector<std::uint8_t>& p) { return wire::load_be32(p.data() + 24); }
std::uint32_t ack_of(const std::vector<std::uint8_t>& p) { return wire::load_be32(p.data() + 28); }

// The pipeline lab's VPC (10.10.0.0/16) as the provider: an internal network load balancer with nodes in
// both subnets, its listener on 80 forwarding to the two private instances (2c) on 8080, behind an endpoint
// service that requires acceptance. The consumer: another VPC, 10.10.0.0/16 too, with a subnet in 2c whose
// instance has the first target's address, and an interface endpoint there.
struct PrivateLinkLab : test::PipelineLab {
    std::string lb, tg, service, endpoint, consumer_vpc, consumer_subnet;
    PortIndex consumer = 0, eni = 0, node = 0;
    std::uint32_t eni_ip = 0, node_ip = 0;
    explicit PrivateLinkLab(bool proxy_protocol = false) {
        lb = m.create_load_balancer("", "svc", "network", "internal", {{pub, "", std::nullopt}, {priv, "", std::nullopt}}, {}, "t").id;
        tg = m.create_target_group("", {.name = "tg", .protocol = "TCP", .vpc_id = vpc, .port = 8080}, {}).id;
        m.create_listener("", lb, "TCP", 80, tg, {});
        std::vector<routing::Target> targets;
        for (const auto& i : m.instances())
            if (m.network_interface(i.network_interface_ids[0]).subnet_id == priv) targets.push_back({i.id, 0});
        m.register_targets(tg, targets);
        if (proxy_protocol) m.set_target_group_attribute(tg, "proxy_protocol_v2.enabled", "true");
        const auto& b = m.network_interface(m.load_balancer(lb).network_interface_ids[1]);  // the node in 2c
        node = b.port;
        node_ip = b.private_ip;
        service = m.create_endpoint_service("", {lb}, true, "", {}, "t").service_name;
        consumer_vpc = m.create_vpc("", "10.10.0.0/16", {}).id;
        consumer_subnet = m.create_subnet("", consumer_vpc, "10.10.1.0/24", "ap-northeast-2c", false, {}).id;
        routing::SecurityGroupRule everyone;
        everyone.cidr = routing::Cidr{0, 0};
        m.authorize_security_group(m.vpc(consumer_vpc).default_security_group_id, true, {everyone});
        consumer = port_of(launch(consumer_subnet, priv_ip));  // the same address as the first target
        endpoint = m.create_interface_endpoint("", consumer_vpc, service, {consumer_subnet}, {}, std::nullopt, "", {}, "t").id;
        const auto& e = m.network_interface(m.vpc_endpoint(endpoint).network_interface_ids[0]);
        eni = e.port;
        eni_ip = e.private_ip;
        recompile();
    }
    void accept() {
        m.accept_endpoint_connection(m.find_endpoint_service(service)->id, endpoint);
        recompile();
    }
    test::RecordingSink from_host(PortIndex host, const std::vector<std::uint8_t>& p) { return test::send_through(*this, host, p, mac(host)); }
};

}  // namespace

TEST_CASE("privatelink: nothing passes while pendingAcceptance; once accepted a consumer with a target's own address is served") {
    PrivateLinkLab lab;
    CHECK(lab.m.vpc_endpoint(lab.endpoint).state == "pendingAcceptance");
    CHECK(dropped(lab.from_host(lab.consumer, segment(lab.priv_ip, lab.eni_ip, 40000, 80, syn, 1000, 0)), DropReason::privatelink_not_accepted));
    lab.accept();
    auto out = lab.from_host(lab.consumer, segment(lab.priv_ip, lab.eni_ip, 40000, 80, syn, 1000, 0));
    REQUIRE(out.sent.size() == 1);
    const PortIndex target = out.sent[0].port;
    CHECK((target == lab.priv_host || target == lab.priv2_host));
    // The target sees the node's private address (never the consumer's, though preservation is on for
    // instance targets), on a port of the node's.
    const auto in = test::tuple_of(out.sent[0].packet());
    CHECK(in.source == lab.node_ip);
    CHECK(in.destination == lab.snap->port(target).ip);
    CHECK(in.destination_port == 8080);
    CHECK(seq_of(out.sent[0].packet()) == 1000);  // no PROXY header: no shift
    CHECK(test::verify_checksums(out.sent[0].packet()).empty());
    // The answer goes back through the node and the endpoint's ENI to the consumer, from the ENI's address.
    auto back = lab.from_host(target, segment(in.destination, lab.node_ip, 8080, in.source_port, syn | ack, 5000, 1001));
    REQUIRE(back.sent.size() == 1);
    CHECK(back.sent[0].port == lab.consumer);
    const auto reply = test::tuple_of(back.sent[0].packet());
    CHECK(reply.source == lab.eni_ip);
    CHECK(reply.source_port == 80);
    CHECK(reply.destination == lab.priv_ip);
    CHECK(reply.destination_port == 40000);
    CHECK(ack_of(back.sent[0].packet()) == 1001);
    CHECK(test::verify_checksums(back.sent[0].packet()).empty());
    // The consumer's instance and the first target share 10.10.1.4: the provider's own instance still
    // talks inside its VPC (to the other target), untouched by the consumer's connection.
    auto local = lab.from_host(lab.priv_host, test::build_tcp_segment(lab.priv_ip, lab.priv2_ip, 5555, 22, syn));
    REQUIRE(local.sent.size() == 1);
    CHECK(local.sent[0].port == lab.priv2_host);
}

TEST_CASE("privatelink: a rejected endpoint passes nothing, its live connections neither") {
    PrivateLinkLab lab;
    lab.accept();
    auto out = lab.from_host(lab.consumer, segment(lab.priv_ip, lab.eni_ip, 40001, 80, syn, 1, 0));
    REQUIRE(out.sent.size() == 1);
    const PortIndex target = out.sent[0].port;
    const auto in = test::tuple_of(out.sent[0].packet());
    lab.m.reject_endpoint_connection(lab.m.find_endpoint_service(lab.service)->id, lab.endpoint);
    lab.recompile();
    CHECK(dropped(lab.from_host(lab.consumer, segment(lab.priv_ip, lab.eni_ip, 40001, 80, ack, 2, 1)), DropReason::privatelink_not_accepted));
    CHECK(dropped(lab.from_host(target, segment(in.destination, lab.node_ip, 8080, in.source_port, ack, 1, 2)), DropReason::privatelink_not_accepted));
    CHECK(dropped(lab.from_host(lab.consumer, segment(lab.priv_ip, lab.eni_ip, 40002, 80, syn, 1, 0)), DropReason::privatelink_not_accepted));
}

TEST_CASE("privatelink: with proxy protocol v2 the target's stream starts with the PROXY header naming the consumer and the endpoint") {
    PrivateLinkLab lab(true);
    lab.accept();
    const std::uint32_t isn = 0xfffffff0;  // the stream wraps around 2^32 on the way: sequence arithmetic
    auto out = lab.from_host(lab.consumer, segment(lab.priv_ip, lab.eni_ip, 40003, 80, syn, isn, 0));
    REQUIRE(out.sent.size() == 1);
    CHECK(seq_of(out.sent[0].packet()) == isn);  // the SYN is not shifted
    const PortIndex target = out.sent[0].port;
    const auto in = test::tuple_of(out.sent[0].packet());
    auto synack = lab.from_host(target, segment(in.destination, lab.node_ip, 8080, in.source_port, syn | ack, 7000, isn + 1));
    REQUIRE(synack.sent.size() == 1);
    CHECK(ack_of(synack.sent[0].packet()) == isn + 1);
    // The client's ACK completing the handshake: the header goes first, as the first bytes of the stream,
    // then the ACK, shifted past it.
    const auto header = static_cast<std::uint32_t>(endpoints::proxy_v2_header_length(lab.endpoint.size()));
    auto first = lab.from_host(lab.consumer, segment(lab.priv_ip, lab.eni_ip, 40003, 80, ack, isn + 1, 7001));
    REQUIRE(first.sent.size() == 2);
    const auto h = first.sent[0].packet();
    CHECK(first.sent[0].port == target);
    CHECK(test::verify_checksums(h).empty());
    CHECK(test::tuple_of(h).source == lab.node_ip);
    CHECK(test::tuple_of(h).source_port == in.source_port);
    CHECK(seq_of(h) == isn + 1);
    CHECK(ack_of(h) == 7001);
    REQUIRE(h.size() == 40 + header);
    const std::uint8_t* p = h.data() + 40;
    CHECK(std::memcmp(p, "\r\n\r\n\0\r\nQUIT\n", 12) == 0);
    CHECK(p[12] == 0x21);  // version 2, PROXY
    CHECK(p[13] == 0x11);  // TCP over IPv4
    CHECK(wire::load_be16(p + 14) == header - 16);
    CHECK(wire::load_be32(p + 16) == lab.priv_ip);  // the consumer
    CHECK(wire::load_be32(p + 20) == lab.eni_ip);   // what it connected to
    CHECK(wire::load_be16(p + 24) == 40003);
    CHECK(wire::load_be16(p + 26) == 80);
    CHECK(p[28] == 0xEA);
    CHECK(wire::load_be16(p + 29) == 1 + lab.endpoint.size());
    CHECK(p[31] == 0x01);
    CHECK(std::string(reinterpret_cast<const char*>(p + 32), lab.endpoint.size()) == lab.endpoint);
    CHECK(seq_of(first.sent[1].packet()) == isn + 1 + header);
    CHECK(test::verify_checksums(first.sent[1].packet()).empty());
    // Not yet acknowledged: the first data segment brings the header again (a duplicate the target drops).
    auto data = lab.from_host(lab.consumer, segment(lab.priv_ip, lab.eni_ip, 40003, 80, psh_ack, isn + 1, 7001, 100));
    REQUIRE(data.sent.size() == 2);
    CHECK(seq_of(data.sent[1].packet()) == isn + 1 + header);
    CHECK(test::verify_checksums(data.sent[1].packet()).empty());
    // The target acknowledges header and data: the consumer sees its own 100 bytes acknowledged.
    auto acked = lab.from_host(target, segment(in.destination, lab.node_ip, 8080, in.source_port, ack, 7001, isn + 1 + header + 100));
    REQUIRE(acked.sent.size() == 1);
    CHECK(ack_of(acked.sent[0].packet()) == isn + 1 + 100);
    CHECK(test::verify_checksums(acked.sent[0].packet()).empty());
    // An acknowledgment of part of the header acknowledges none of the consumer's bytes.
    auto partial = lab.from_host(target, segment(in.destination, lab.node_ip, 8080, in.source_port, ack, 7001, isn + 1 + 10));
    REQUIRE(partial.sent.size() == 1);
    CHECK(ack_of(partial.sent[0].packet()) == isn + 1);
    // Acknowledged: a retransmission from the stream's start is shifted, with no header again.
    auto again = lab.from_host(lab.consumer, segment(lab.priv_ip, lab.eni_ip, 40003, 80, psh_ack, isn + 1, 7001, 100));
    REQUIRE(again.sent.size() == 1);
    CHECK(seq_of(again.sent[0].packet()) == isn + 1 + header);
}

TEST_CASE("privatelink: TCP only; a rejected endpoint whose service is gone still sends nothing anywhere") {
    PrivateLinkLab lab;
    lab.accept();
    CHECK(dropped(lab.from_host(lab.consumer, test::build_packet({17, lab.priv_ip, lab.eni_ip, 5353, 80})), DropReason::privatelink_not_tcp));
    lab.m.reject_endpoint_connection(lab.m.find_endpoint_service(lab.service)->id, lab.endpoint);
    lab.m.delete_endpoint_service(lab.m.find_endpoint_service(lab.service)->id);
    lab.recompile();
    for (std::uint16_t port : {80, 443}) {
        const auto out = lab.from_host(lab.consumer, segment(lab.priv_ip, lab.eni_ip, 40010, port, syn, 1, 0));
        CHECK(out.sent.empty());  // never to the region, as an AWS service's endpoint would send it
        CHECK(dropped(out, DropReason::privatelink_not_accepted));
    }
}

TEST_CASE("proxy protocol v2 without PrivateLink: a header with no TLV, the client's window, acknowledgments shifted back") {
    PrivateLinkLab lab(true);
    // A client in the provider's own VPC (the public instance, 2a) to the node in 2a (cross-zone on: the
    // targets are in 2c): not through an endpoint.
    lab.m.set_load_balancer_attribute(lab.lb, "load_balancing.cross_zone.enabled", "true");
    lab.recompile();
    const auto& a = lab.m.network_interface(lab.m.load_balancer(lab.lb).network_interface_ids[0]);
    auto open = lab.from_host(lab.pub_host, segment(lab.pub_ip, a.private_ip, 41000, 80, syn, 500, 0));
    REQUIRE(open.sent.size() == 1);
    const PortIndex target = open.sent[0].port;
    const auto in = test::tuple_of(open.sent[0].packet());
    CHECK(in.source == lab.pub_ip);  // instance targets keep the client's address
    auto client_ack = segment(lab.pub_ip, a.private_ip, 41000, 80, ack, 501, 9001);
    wire::store_be16(client_ack.data() + 34, 1234);  // the client's window
    wire::store_be16(client_ack.data() + 36, 0);
    wire::store_be16(client_ack.data() + 36, test::l4_checksum_of(client_ack));
    auto first = lab.from_host(lab.pub_host, client_ack);
    REQUIRE(first.sent.size() == 2);
    const auto h = first.sent[0].packet();
    const std::size_t header = endpoints::proxy_v2_header_length(0);
    REQUIRE(h.size() == 40 + header);
    CHECK(test::verify_checksums(h).empty());
    CHECK(wire::load_be16(h.data() + 34) == 1234);
    CHECK(wire::load_be16(h.data() + 40 + 14) == 12);  // addresses only: no TLV
    CHECK(wire::load_be32(h.data() + 40 + 16) == lab.pub_ip);
    CHECK(wire::load_be32(h.data() + 40 + 20) == a.private_ip);
    CHECK(seq_of(first.sent[1].packet()) == 501 + header);
    // The target's acknowledgment of the header and 10 bytes reaches the client as 10 bytes acknowledged.
    auto back = lab.from_host(target, segment(in.destination, lab.pub_ip, 8080, 41000, ack, 9001, static_cast<std::uint32_t>(501 + header + 10)));
    REQUIRE(back.sent.size() == 1);
    CHECK(back.sent[0].port == lab.pub_host);
    CHECK(ack_of(back.sent[0].packet()) == 511);
    CHECK(test::verify_checksums(back.sent[0].packet()).empty());
}

extern std::atomic<std::size_t> allocations;  // pipeline_test.cpp's count of heap allocations

TEST_CASE("proxy protocol v2: a connection's SYN, its first segment with the header, and the target's acknowledgment allocate nothing") {
    PrivateLinkLab lab(true);
    lab.m.set_load_balancer_attribute(lab.lb, "load_balancing.cross_zone.enabled", "true");
    lab.recompile();
    const auto& a = lab.m.network_interface(lab.m.load_balancer(lab.lb).network_interface_ids[0]);
    // Learnt first (allocating as the recording sink does): where the target is, and as whom it sees the client.
    const auto learnt = lab.from_host(lab.pub_host, segment(lab.pub_ip, a.private_ip, 41000, 80, syn, 500, 0));
    REQUIRE(learnt.sent.size() == 1);
    const PortIndex target = learnt.sent[0].port;
    const auto in = test::tuple_of(learnt.sent[0].packet());
    const std::size_t header = endpoints::proxy_v2_header_length(0);
    // The client reusing its port: SYN (the stream starts anew), its first segment (the header sent before it,
    // the sequence shifted), the target acknowledging the header and 10 bytes (shifted back, acknowledged).
    const std::vector<std::pair<PortIndex, std::vector<std::uint8_t>>> starts = {
        {lab.pub_host, test::frame_of(lab.mac(lab.pub_host), segment(lab.pub_ip, a.private_ip, 41000, 80, rst, 501, 0))},
        {lab.pub_host, test::frame_of(lab.mac(lab.pub_host), segment(lab.pub_ip, a.private_ip, 41000, 80, syn, 500, 0))},
        {lab.pub_host, test::frame_of(lab.mac(lab.pub_host), segment(lab.pub_ip, a.private_ip, 41000, 80, ack, 501, 9001))},
        {target, test::frame_of(lab.mac(target), segment(in.destination, lab.pub_ip, 8080, 41000, ack, 9001, static_cast<std::uint32_t>(501 + header + 10)))},
    };
    auto frames = starts;
    struct Counting final : FrameSink {
        std::size_t sent = 0;
        void transmit(PortIndex, wire::ConstBytes) noexcept override { ++sent; }
        void drop(PortIndex, wire::ConstBytes, DropReason) noexcept override {}
    } sink;
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    StepLog log;
    const std::size_t before = allocations.load();
    for (int round = 0; round < 100; ++round)
        for (std::size_t k = 0; k < frames.size(); ++k) {
            std::memcpy(frames[k].second.data(), starts[k].second.data(), frames[k].second.size());
            log.clear();
            process_frame(*lab.snap, frames[k].first, frames[k].second, scratch, sink, lab.flows, round % 2 ? &log : nullptr);
        }
    CHECK(allocations.load() == before);
    // The RST, the SYN, the header and the segment, the acknowledgment; and once, the header before the first
    // round's RST (the learnt connection's stream had not started: its first segment is that RST).
    CHECK(sink.sent == 1 + 100 * (1 + 1 + 2 + 1));
}
