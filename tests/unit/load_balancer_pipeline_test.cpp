// Network load balancers on the frame pipeline: a client's connection from the internet to a node's public
// address reaches one target (the client's address preserved) and stays on it; the target's answers go
// back out through the node whatever the target's route table says; health and zones decide where new flows
// go (fail open when none is healthy); draining targets keep their connections; without client IP
// preservation the target sees the node; health probes' TCP reaches the target and ends in a RST.
#include <doctest/doctest.h>

#include <atomic>
#include <set>

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

constexpr std::uint8_t syn = 0x02, ack = 0x10, rst = 0x04;
constexpr std::uint32_t client = 0xc6130063;  // 198.19.0.99: a public address of the lab, beyond the internet gateway

std::vector<std::uint8_t> tcp(std::uint32_t from, std::uint32_t to, std::uint16_t sport, std::uint16_t dport, std::uint8_t flags) {
    return test::build_tcp_segment(from, to, sport, dport, flags);
}

// The pipeline lab with an internet-facing load balancer: node A in the public subnet (2a), node B in the
// private one (2c), a TCP listener on 80 forwarding to the two private instances (2c) on 8080.
struct BalancedLab : test::PipelineLab {
    std::string lb, tg, web1, web2;
    PortIndex node = 0;
    std::uint32_t node_ip = 0, node_public = 0;
    explicit BalancedLab(bool cross_zone = true, const std::string& target_type = "instance") {
        lb = m.create_load_balancer("", "web", "network", "internet-facing", {{pub, "", std::nullopt}, {priv, "", std::nullopt}}, {}, "t").id;
        tg = m.create_target_group("", {.name = "tg", .protocol = "TCP", .vpc_id = vpc, .target_type = target_type, .port = 8080}, {}).id;
        m.create_listener("", lb, "TCP", 80, tg, {});
        for (const auto& i : m.instances())
            if (m.network_interface(i.network_interface_ids[0]).subnet_id == priv) (web1.empty() ? web1 : web2) = i.id;
        if (target_type == "instance") m.register_targets(tg, {{web1, 0}, {web2, 0}});
        else m.register_targets(tg, {{routing::format_ipv4(priv_ip), 0}, {routing::format_ipv4(priv2_ip), 0}});
        if (cross_zone) m.set_load_balancer_attribute(lb, "load_balancing.cross_zone.enabled", "true");
        const auto& a = m.network_interface(m.load_balancer(lb).network_interface_ids[0]);
        node = a.port;
        node_ip = a.private_ip;
        node_public = *a.public_ip;
        recompile();
    }
    void health(const std::string& target_id, routing::TargetState state) {
        m.set_target_health(tg, target_id, 8080, {state, "", ""});
        recompile();
    }
    // A health probe from node A to `target` on 8080 (TCP, or HTTP with `request`).
    HealthProbe probe_to(PortIndex target, std::string_view request = {}) const {
        HealthProbe p;
        p.target_port = target;
        p.target_ip = snap->port(target).ip;
        p.node_ip = node_ip;
        p.target_tcp_port = 8080;
        p.request = request;
        return p;
    }
    test::RecordingSink from_region(const std::vector<std::uint8_t>& p) { return test::send_through(*this, region, p, sp.region_mac); }
    test::RecordingSink from_host(PortIndex host, const std::vector<std::uint8_t>& p) { return test::send_through(*this, host, p, mac(host)); }
    // A new connection from the client's `port`: the target port it reached (or no_port).
    PortIndex connect(std::uint16_t port) {
        auto out = from_region(tcp(client, node_public, port, 80, syn));
        return out.sent.size() == 1 ? out.sent[0].port : routing::no_port;
    }
};

}  // namespace

TEST_CASE("load balancer: a connection from the internet reaches one target, keeps the client's address, and is answered through the node") {
    BalancedLab lab;
    auto out = lab.from_region(tcp(client, lab.node_public, 40000, 80, syn));
    REQUIRE(out.sent.size() == 1);
    const PortIndex target = out.sent[0].port;
    CHECK((target == lab.priv_host || target == lab.priv2_host));
    const auto in = test::tuple_of(out.sent[0].packet());
    CHECK(in.source == client);  // client IP preservation (instance targets)
    CHECK(in.source_port == 40000);
    CHECK(in.destination == lab.snap->port(target).ip);
    CHECK(in.destination_port == 8080);
    CHECK(test::verify_checksums(out.sent[0].packet()).empty());
    CHECK(out.sent[0].destination() == lab.snap->port(target).mac);
    // The target answers the client directly; its route table has no way out, yet the answer leaves
    // through the node, from the node's public address on the listener's port.
    const std::uint32_t target_ip = in.destination;
    auto back = lab.from_host(target, tcp(target_ip, client, 8080, 40000, syn | ack));
    REQUIRE(back.sent.size() == 1);
    CHECK(back.sent[0].port == lab.region);
    const auto reply = test::tuple_of(back.sent[0].packet());
    CHECK(reply.source == lab.node_public);
    CHECK(reply.source_port == 80);
    CHECK(reply.destination == client);
    CHECK(reply.destination_port == 40000);
    CHECK(test::verify_checksums(back.sent[0].packet()).empty());
    // The rest of the connection stays on the same target.
    for (int i = 0; i < 5; ++i) {
        auto more = lab.from_region(tcp(client, lab.node_public, 40000, 80, ack));
        REQUIRE(more.sent.size() == 1);
        CHECK(more.sent[0].port == target);
    }
    // The same target's traffic that answers no load-balanced connection is routed as usual (no way out).
    CHECK(dropped(lab.from_host(target, tcp(target_ip, client, 8080, 40001, syn | ack)), DropReason::no_route));
}

TEST_CASE("load balancer: other ports, stray segments, and no target in the node's zone") {
    BalancedLab lab(false);
    CHECK(dropped(lab.from_region(tcp(client, lab.node_public, 40000, 81, syn)), DropReason::load_balancer_no_listener));
    CHECK(dropped(lab.from_region(test::build_packet({17, client, lab.node_public, 40000, 80})), DropReason::load_balancer_no_listener));
    CHECK(dropped(lab.from_region(tcp(client, lab.node_public, 40000, 80, ack)), DropReason::load_balancer_no_connection));
    // Node A is in 2a and the targets in 2c: without cross-zone load balancing it has none to send to.
    CHECK(dropped(lab.from_region(tcp(client, lab.node_public, 40000, 80, syn)), DropReason::load_balancer_no_target));
    lab.m.set_load_balancer_attribute(lab.lb, "load_balancing.cross_zone.enabled", "true");
    lab.recompile();
    CHECK(lab.connect(40000) != routing::no_port);
}

TEST_CASE("load balancer: new flows go to healthy targets, to all when none is (fail open), never to a draining one") {
    BalancedLab lab;
    const PortIndex web1 = lab.port_of(lab.web1), web2 = lab.port_of(lab.web2);
    std::set<PortIndex> reached;
    for (std::uint16_t p = 1000; p < 1064; ++p) reached.insert(lab.connect(p));
    CHECK(reached == std::set<PortIndex>{web1, web2});  // initial, both: fail open
    const PortIndex kept = lab.connect(2000);
    lab.health(lab.web1, routing::TargetState::healthy);
    for (std::uint16_t p = 3000; p < 3064; ++p) CHECK(lab.connect(p) == web1);
    // A live flow never moves: the connection from before keeps its target whatever health says now.
    auto again = lab.from_region(tcp(client, lab.node_public, 2000, 80, ack));
    REQUIRE(again.sent.size() == 1);
    CHECK(again.sent[0].port == kept);
    lab.health(lab.web2, routing::TargetState::healthy);
    lab.health(lab.web1, routing::TargetState::unhealthy);
    for (std::uint16_t p = 4000; p < 4064; ++p) CHECK(lab.connect(p) == web2);
    // Draining: web2's connection goes on; new flows go elsewhere (web1, unhealthy: fail open).
    const PortIndex on_web2 = lab.connect(5000);
    REQUIRE(on_web2 == web2);
    lab.m.deregister_targets(lab.tg, {{lab.web2, 0}}, 1000);
    lab.recompile();
    for (std::uint16_t p = 6000; p < 6064; ++p) CHECK(lab.connect(p) == web1);
    auto draining = lab.from_region(tcp(client, lab.node_public, 5000, 80, ack));
    REQUIRE(draining.sent.size() == 1);
    CHECK(draining.sent[0].port == web2);
}

TEST_CASE("load balancer: ip targets see the node's address and a port of the node's, and answers find their way back") {
    BalancedLab lab(true, "ip");
    auto out = lab.from_region(tcp(client, lab.node_public, 40000, 80, syn));
    REQUIRE(out.sent.size() == 1);
    const auto in = test::tuple_of(out.sent[0].packet());
    CHECK(in.source == lab.node_ip);
    CHECK(in.destination_port == 8080);
    CHECK(test::verify_checksums(out.sent[0].packet()).empty());
    auto back = lab.from_host(out.sent[0].port, tcp(in.destination, lab.node_ip, 8080, in.source_port, syn | ack));
    REQUIRE(back.sent.size() == 1);
    const auto reply = test::tuple_of(back.sent[0].packet());
    CHECK(reply.source == lab.node_public);
    CHECK(reply.destination == client);
    CHECK(reply.destination_port == 40000);
    CHECK(test::verify_checksums(back.sent[0].packet()).empty());
}

TEST_CASE("load balancer: a health probe's SYN reaches the target, its SYN-ACK passes the check, and the node resets") {
    BalancedLab lab;
    const PortIndex web1 = lab.port_of(lab.web1);
    const std::uint32_t web1_ip = lab.snap->port(web1).ip;
    const HealthProbe probe = lab.probe_to(web1);
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    const std::size_t n = lab.flows.health_probes.start(3, probe, 1000, wire::Bytes(scratch).subspan(generated_packet_offset));
    test::RecordingSink sink;
    send_from_load_balancer_node(*lab.snap, lab.node, web1, n, scratch, sink, lab.flows);
    REQUIRE(sink.sent.size() == 1);
    CHECK(sink.sent[0].port == web1);
    const auto syn_packet = sink.sent[0].packet();
    const auto t = test::tuple_of(syn_packet);
    CHECK(t.source == lab.node_ip);
    CHECK(t.destination_port == 8080);
    CHECK(t.source_port == lab.flows.health_probes[3].node_tcp_port);
    CHECK(HealthProbes::owns(t.source_port));
    CHECK(test::verify_checksums(syn_packet).empty());
    // The target's SYN-ACK (acknowledging ISN + 1).
    auto answer = tcp(web1_ip, lab.node_ip, 8080, t.source_port, syn | ack);
    wire::store_be32(answer.data() + 20 + 8, 1001);
    wire::store_be16(answer.data() + 20 + 16, 0);
    wire::store_be16(answer.data() + 20 + 16, test::l4_checksum_of(answer));
    auto out = lab.from_host(web1, answer);
    CHECK(lab.flows.health_probes[3].phase == HealthProbe::Phase::passed);
    REQUIRE(out.sent.size() == 1);
    CHECK(out.sent[0].port == web1);
    const auto reset = out.sent[0].packet();
    CHECK((reset[20 + 13] & rst) != 0);
    CHECK(test::verify_checksums(reset).empty());
    // A refused probe fails.
    lab.flows.health_probes.start(4, probe, 5000, wire::Bytes(scratch).subspan(generated_packet_offset));
    CHECK(lab.flows.health_probes[4].node_tcp_port != t.source_port);  // each probe its own port
    auto refused = tcp(web1_ip, lab.node_ip, 8080, lab.flows.health_probes[4].node_tcp_port, rst | ack);
    wire::store_be32(refused.data() + 20 + 8, 5001);
    wire::store_be16(refused.data() + 20 + 16, 0);
    wire::store_be16(refused.data() + 20 + 16, test::l4_checksum_of(refused));
    lab.from_host(web1, refused);
    CHECK(lab.flows.health_probes[4].phase == HealthProbe::Phase::failed);
}

TEST_CASE("load balancer: a target's answer too big for the internet gets fragmentation-needed, to the target") {
    BalancedLab lab;
    auto out = lab.from_region(tcp(client, lab.node_public, 40000, 80, syn));
    REQUIRE(out.sent.size() == 1);
    const PortIndex target = out.sent[0].port;
    const std::uint32_t target_ip = lab.snap->port(target).ip;
    auto big = test::build_tcp_segment(target_ip, client, 8080, 40000, ack, 8000);  // a 9001-byte-MTU ENI's segment, DF set
    auto back = lab.from_host(target, big);
    REQUIRE(back.sent.size() == 1);
    CHECK(back.sent[0].port == target);
    const auto icmp = back.sent[0].packet();
    CHECK(icmp[9] == 1);
    CHECK(icmp[20] == 3);  // destination unreachable
    CHECK(icmp[21] == 4);  // fragmentation needed
    CHECK(wire::load_be16(icmp.data() + 26) == 1500);
    CHECK(wire::load_be32(icmp.data() + 28 + 12) == target_ip);  // it quotes the packet as the target sent it
    CHECK(back.drops.size() == 1);
}

TEST_CASE("load balancer: an HTTP health probe sends its request after the handshake and reads the status line") {
    BalancedLab lab;
    const PortIndex web1 = lab.port_of(lab.web1);
    const std::uint32_t web1_ip = lab.snap->port(web1).ip;
    const std::string request = "GET /health HTTP/1.1\r\nHost: 10.10.0.6:80\r\nUser-Agent: ELB-HealthChecker/2.0\r\nConnection: close\r\n\r\n";
    const HealthProbe probe = lab.probe_to(web1, request);
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    lab.flows.health_probes.start(9, probe, 100, wire::Bytes(scratch).subspan(generated_packet_offset));
    const std::uint16_t node_port = lab.flows.health_probes[9].node_tcp_port;
    auto segment = [&](std::uint32_t seq, std::uint32_t ack_number, std::uint8_t flags, std::string_view payload) {
        std::vector<std::uint8_t> p(40 + payload.size());
        REQUIRE(build_tcp_packet(p, web1_ip, lab.node_ip, 8080, node_port, seq, ack_number, flags, payload) == p.size());
        return p;
    };
    // SYN-ACK: the node answers with its request, acknowledging the target's SYN.
    auto out = lab.from_host(web1, segment(7000, 101, syn | ack, {}));
    REQUIRE(out.sent.size() == 1);
    const auto sent = out.sent[0].packet();
    CHECK(test::verify_checksums(sent).empty());
    CHECK(wire::load_be32(sent.data() + 20 + 4) == 101);
    CHECK(wire::load_be32(sent.data() + 20 + 8) == 7001);
    CHECK(std::string(sent.begin() + 40, sent.end()) == request);
    CHECK(lab.flows.health_probes[9].phase == HealthProbe::Phase::request_sent);
    // A segment out of order is not the answer; the status line is, and the node resets after it.
    CHECK(lab.from_host(web1, segment(9000, 101 + request.size(), ack, "HTTP/1.1 200 OK\r\n")).sent.empty());
    out = lab.from_host(web1, segment(7001, 101 + static_cast<std::uint32_t>(request.size()), ack, "HTTP/1.1 404 Not Found\r\n\r\n"));
    CHECK(lab.flows.health_probes[9].phase == HealthProbe::Phase::passed);
    CHECK(lab.flows.health_probes[9].http_status == 404);
    CHECK_FALSE(routing::http_code_matches("200-399", lab.flows.health_probes[9].http_status));  // the checker's verdict: failed
    REQUIRE(out.sent.size() == 1);
    const auto reset = out.sent[0].packet();
    CHECK((reset[20 + 13] & rst) != 0);
    CHECK(wire::load_be32(reset.data() + 20 + 4) == 101 + request.size());
}

TEST_CASE("load balancer: a client in the node's own subnet, its address preserved; the answer comes from the node's MAC") {
    BalancedLab lab;
    // pub_host (10.10.0.4) and node A share the public subnet.
    auto out = lab.from_host(lab.pub_host, tcp(test::PipelineLab::pub_ip, lab.node_ip, 41000, 80, syn));
    REQUIRE(out.sent.size() == 1);
    const PortIndex target = out.sent[0].port;
    const auto in = test::tuple_of(out.sent[0].packet());
    CHECK(in.source == test::PipelineLab::pub_ip);
    auto back = lab.from_host(target, tcp(in.destination, test::PipelineLab::pub_ip, 8080, 41000, syn | ack));
    REQUIRE(back.sent.size() == 1);
    CHECK(back.sent[0].port == lab.pub_host);
    CHECK(back.sent[0].source() == lab.snap->port(lab.node).mac);
    const auto reply = test::tuple_of(back.sent[0].packet());
    CHECK(reply.source == lab.node_ip);
    CHECK(reply.source_port == 80);
    CHECK(test::verify_checksums(back.sent[0].packet()).empty());
}

TEST_CASE("load balancer: a node's own ports never take the health probes' range, and a UDP listener carries datagrams") {
    BalancedLab lab(true, "ip");
    // A client whose port is one of the probes': the node picks another port for it.
    auto out = lab.from_region(tcp(client, lab.node_public, HealthProbes::first_port + 5, 80, syn));
    REQUIRE(out.sent.size() == 1);
    CHECK_FALSE(HealthProbes::owns(test::tuple_of(out.sent[0].packet()).source_port));
    // UDP: a TCP_UDP group and listener on 53; each datagram of a flow goes to the same target.
    const std::string tg = lab.m.create_target_group("", {.name = "dns", .protocol = "TCP_UDP", .vpc_id = lab.vpc, .port = 53}, {}).id;
    lab.m.create_listener("", lab.lb, "TCP_UDP", 53, tg, {});
    lab.m.register_targets(tg, {{lab.web1, 0}, {lab.web2, 0}});
    lab.recompile();
    const auto datagram = test::build_packet({17, client, lab.node_public, 5353, 53});
    auto first = lab.from_region(datagram);
    REQUIRE(first.sent.size() == 1);
    const auto u = test::tuple_of(first.sent[0].packet());
    CHECK(u.source == client);  // UDP keeps the client's address
    CHECK(u.destination_port == 53);
    CHECK(test::verify_checksums(first.sent[0].packet()).empty());
    for (int i = 0; i < 4; ++i) CHECK(lab.from_region(datagram).sent.at(0).port == first.sent[0].port);
    auto answer = lab.from_host(first.sent[0].port, test::build_packet({17, u.destination, client, 53, 5353}));
    REQUIRE(answer.sent.size() == 1);
    CHECK(test::tuple_of(answer.sent[0].packet()).source == lab.node_public);
    CHECK(test::verify_checksums(answer.sent[0].packet()).empty());
}

TEST_CASE("load balancer: one client's SYN flood takes at most its share of the node's table, and is gone 10 s later") {
    // shared/repro/syn-flood.py: the flood filled the load balancer's table, and its half-open connections
    // held it for the full 350 s idle timeout.
    BalancedLab lab;
    lab.flows.share_among(*lab.snap);
    auto& table = lab.flows.load_balancers;
    const std::size_t share = table.per_client();
    REQUIRE(share == table.capacity() / 8);
    lab.flows.now = 4000;
    std::size_t accepted = 0, refused = 0;
    for (std::uint32_t i = 0; i < share + 500; ++i) {
        auto out = lab.from_region(tcp(client, lab.node_public, static_cast<std::uint16_t>(1024 + i), 80, syn));
        if (out.sent.size() == 1) ++accepted;
        else if (test::dropped(out, DropReason::load_balancer_table_full) && out.drops[0].first == lab.node) ++refused;
    }
    CHECK(accepted == share);
    CHECK(refused == 500);
    CHECK(table.held_by(static_cast<std::uint16_t>(lab.node), client) == share);
    // Another client still gets through, to a target.
    const std::uint32_t other = client + 1;
    auto out = lab.from_region(tcp(other, lab.node_public, 50000, 80, syn));
    REQUIRE(out.sent.size() == 1);
    CHECK(out.sent[0].port != lab.node);
    // The flood's connections were never established: 10 s, not the 350 s idle timeout, and they are gone.
    lab.flows.now += TranslatedConnections::unestablished_seconds + 1;
    lab.flows.expire_some(1 << 20);
    CHECK(table.held_by(static_cast<std::uint16_t>(lab.node), client) == 0);
    CHECK(lab.connect(1024) != routing::no_port);
}

TEST_CASE("load balancer: a connection is established by the client's acknowledgment, and then kept for the idle timeout") {
    BalancedLab lab;
    lab.flows.now = 100;
    const PortIndex target = lab.connect(40000);
    REQUIRE(target != routing::no_port);
    const std::uint32_t target_ip = lab.snap->port(target).ip;
    auto connection = [&] {
        const TranslatedConnection* c = lab.flows.load_balancers.peek(static_cast<std::uint16_t>(lab.node), 6, client, 40000, lab.node_ip, 80);
        REQUIRE(c);
        return c;
    };
    CHECK(connection()->idle_timeout == TranslatedConnections::unestablished_seconds);
    // The target's SYN-ACK (to the client: its address is preserved), then the client's ACK.
    auto answer = lab.from_host(target, tcp(target_ip, client, 8080, 40000, syn | ack));
    REQUIRE(answer.sent.size() == 1);
    CHECK(connection()->idle_timeout == TranslatedConnections::unestablished_seconds);
    REQUIRE(lab.from_region(tcp(client, lab.node_public, 40000, 80, ack)).sent.size() == 1);
    CHECK(connection()->idle_timeout == FlowState::load_balancer_tcp_idle_seconds);
}

TEST_CASE("load balancer: connections opened, answered, established, reset, swept, refused at a client's share, and health probes allocate nothing") {
    BalancedLab lab;
    lab.flows.now = 100;
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    // Another client's connection, opened first (a trial, to learn its target), then answered, acknowledged, reset.
    const std::uint32_t other = client + 1;
    auto first = lab.from_region(tcp(other, lab.node_public, 50000, 80, syn));
    REQUIRE(first.sent.size() == 1);
    const PortIndex target = first.sent[0].port;
    const std::uint32_t target_ip = lab.snap->port(target).ip;
    // A health probe from the node, whose SYN-ACK the pipeline hands to it.
    lab.flows.health_probes.start(5, lab.probe_to(target), 7000, wire::Bytes(scratch).subspan(generated_packet_offset));
    auto probe_answer = tcp(target_ip, lab.node_ip, 8080, lab.flows.health_probes[5].node_tcp_port, syn | ack);
    wire::store_be32(probe_answer.data() + 20 + 8, 7001);
    wire::store_be16(probe_answer.data() + 20 + 16, 0);
    wire::store_be16(probe_answer.data() + 20 + 16, test::l4_checksum_of(probe_answer));
    std::vector<std::pair<PortIndex, std::vector<std::uint8_t>>> frames = {
        {target, test::frame_of(lab.mac(target), tcp(target_ip, other, 8080, 50000, syn | ack))},
        {lab.region, test::frame_of(lab.sp.region_mac, tcp(other, lab.node_public, 50000, 80, ack))},
        {lab.region, test::frame_of(lab.sp.region_mac, tcp(other, lab.node_public, 50000, 80, rst))},
        {target, test::frame_of(lab.mac(target), probe_answer)},
    };
    // One client's flood: one SYN more than its share.
    const std::size_t share = lab.flows.load_balancers.per_client();
    for (std::uint32_t i = 0; i <= share; ++i)
        frames.push_back({lab.region, test::frame_of(lab.sp.region_mac, tcp(client, lab.node_public, static_cast<std::uint16_t>(1024 + i), 80, syn))});
    struct Tally final : FrameSink {
        std::size_t sent = 0, refused = 0;
        void transmit(PortIndex, wire::ConstBytes) noexcept override { ++sent; }
        void drop(PortIndex, wire::ConstBytes, DropReason r) noexcept override { refused += r == DropReason::load_balancer_table_full; }
    } tally;
    const std::size_t before = allocations.load();
    for (auto& [port, f] : frames) process_frame(*lab.snap, port, f, scratch, tally, lab.flows);
    lab.flows.now += 400;  // past every timeout: the sweep removes the connections and their clients' counts
    lab.flows.expire_some(1 << 17);
    CHECK(allocations.load() == before);
    CHECK(tally.sent == 3 + 1 + share);  // answer, ACK, RST; the node's RST ending the probe; the flood up to the share
    CHECK(tally.refused == 1);
    CHECK(lab.flows.health_probes[5].phase == HealthProbe::Phase::passed);
    CHECK(lab.flows.load_balancers.size() == 0);
    CHECK(lab.flows.load_balancers.held_by(static_cast<std::uint16_t>(lab.node), client) == 0);
}
