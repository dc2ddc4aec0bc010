// Interface endpoints on the frame pipeline: a client's TCP connection to the endpoint's ENI becomes the
// ENI's own connection to the service (its address, a port of its own) and the replies come back; the
// ENI's security group and the subnets' ACLs apply; ping and other ports get nothing; overlapping VPCs
// stay apart. And the endpoint connection table against a slow reference on random operations.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <random>
#include <tuple>

#include "router/data_path/pipeline.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/pipeline_lab.hpp"
#include "tests/unit/recording_sink.hpp"
#include "wire/ethernet.hpp"
#include "wire/l4.hpp"
#include "wire/vnet_header.hpp"

using namespace vpclab;
using namespace vpclab::router;
using routing::PortIndex;

namespace {

using Lab = test::PipelineLab;
constexpr std::uint32_t pub_ip = Lab::pub_ip, priv_ip = Lab::priv_ip;
constexpr std::uint8_t syn = 0x02, ack = 0x10, fin = 0x01, psh_ack = 0x18;

using Sink = test::RecordingSink;
using test::dropped;

// A client's segment to ENI `eni` and the service's back to it, taken as handlers/interface_endpoint.cpp
// takes them: the connection found, then what the segment changed remembered (FlowMemory); a SYN that
// finds none opens one.
constexpr auto endpoint_table = FlowMemory::Connections::interface_endpoints;
const EndpointConnection* from_client(FlowState& flows, std::uint16_t eni, std::uint32_t client, std::uint16_t client_port, std::uint32_t service,
                                      std::uint16_t service_port, std::uint8_t flags, std::uint32_t now) {
    flows.now = now;
    FlowMemory memory(flows);
    if (const EndpointConnection* c = memory.from_client(endpoint_table, eni, 6, client, client_port, service, service_port))
        return memory.client_sent(endpoint_table, *c, flags, InterfaceEndpointConnections::idle_timeout_seconds);
    if (!wire::opens_tcp_connection(flags)) return nullptr;
    return memory.open(endpoint_table, eni, 6, client, client_port, service, service_port,
                       {service, service_port, 0, eni, false, InterfaceEndpointConnections::idle_timeout_seconds});
}
const EndpointConnection* from_service(FlowState& flows, std::uint16_t eni, std::uint32_t service, std::uint16_t service_port,
                                       std::uint16_t translated_port, std::uint8_t flags, std::uint32_t now) {
    flows.now = now;
    FlowMemory memory(flows);
    const EndpointConnection* c = memory.from_back(endpoint_table, eni, 6, service, service_port, 0, translated_port);
    return c ? memory.back_sent(endpoint_table, *c, flags) : nullptr;
}

std::vector<std::uint8_t> tcp(std::uint32_t from, std::uint32_t to, std::uint16_t sport, std::uint16_t dport, std::uint8_t flags) {
    return test::build_tcp_segment(from, to, sport, dport, flags);
}

Sink send(Lab& lab, PortIndex from, const std::vector<std::uint8_t>& packet, const wire::MacAddress& mac) { return test::send_through(lab, from, packet, mac); }

// The pipeline lab with a CloudFormation interface endpoint in the private subnet.
struct EndpointLab : Lab {
    std::string endpoint;
    std::uint32_t eni_ip = 0, service_copy = 0;
    PortIndex eni_port = 0;
    explicit EndpointLab(std::vector<std::string> groups = {}) {
        m.modify_vpc_attribute(vpc, std::nullopt, true);
        endpoint = m.create_interface_endpoint("", vpc, "com.amazonaws.ap-northeast-2.cloudformation", {priv}, groups, std::nullopt, "", {}, "t").id;
        const auto& eni = m.network_interface(m.vpc_endpoint(endpoint).network_interface_ids[0]);
        eni_ip = eni.private_ip;
        eni_port = eni.port;
        service_copy = sp.endpoint_address(m.vpc_endpoint(endpoint).slot, 0xc6120c0a);  // 198.18.12.10's copy
        recompile();
    }
    Sink from_host(PortIndex host, const std::vector<std::uint8_t>& p) { return send(*this, host, p, mac(host)); }
    Sink from_region(const std::vector<std::uint8_t>& p) { return send(*this, region, p, sp.region_mac); }
};


}  // namespace

TEST_CASE("interface endpoint: the client's connection becomes the ENI's own to the service; the replies come back") {
    EndpointLab lab;
    REQUIRE(lab.snap->port(lab.eni_port).served_by_router());
    // ARP for the ENI's address is answered with its MAC, from its own subnet.
    CHECK(*lab.snap->arp_answer(lab.priv_host, lab.eni_ip) == lab.m.network_interface(lab.m.vpc_endpoint(lab.endpoint).network_interface_ids[0]).mac);
    for (const PortIndex host : {lab.pub_host, lab.priv_host}) {
        const std::uint32_t ip = host == lab.pub_host ? pub_ip : priv_ip;
        CAPTURE(ip);
        auto out = lab.from_host(host, tcp(ip, lab.eni_ip, 40000, 80, syn));
        REQUIRE(out.sent.size() == 1);
        CHECK(out.sent[0].port == lab.region);
        CHECK(out.sent[0].destination() == lab.sp.region_mac);
        const auto seen = test::tuple_of(out.sent[0].packet());
        // The service sees the ENI's address (and a port of the ENI's), at the endpoint's copy of its address.
        CHECK(seen.source == lab.eni_ip);
        CHECK(seen.destination == lab.service_copy);
        CHECK(seen.destination_port == 80);
        CHECK(test::verify_checksums(out.sent[0].packet()) == "");
        auto back = lab.from_region(tcp(lab.service_copy, lab.eni_ip, 80, seen.source_port, syn | ack));
        REQUIRE(back.sent.size() == 1);
        CHECK(back.sent[0].port == host);
        CHECK(back.sent[0].destination() == lab.mac(host));
        // From the ENI on port 80, as the client connected; across subnets from the client subnet's router.
        CHECK(test::tuple_of(back.sent[0].packet()) == test::FiveTuple{6, lab.eni_ip, ip, 80, 40000});
        CHECK(test::verify_checksums(back.sent[0].packet()) == "");
        CHECK(back.sent[0].source() == (host == lab.priv_host ? lab.snap->port(lab.eni_port).mac : lab.snap->subnet(lab.snap->port(host).subnet).router_mac));
    }
    // Both clients used port 40000: the second got another port of the ENI's.
    CHECK(lab.flows.interface_endpoints.size() == 2);
}

TEST_CASE("interface endpoint: ping, other ports, stray segments and unknown replies get nothing") {
    EndpointLab lab;
    CHECK(dropped(lab.from_host(lab.pub_host, test::build_packet({1, pub_ip, lab.eni_ip, 7, 0})), DropReason::interface_endpoint_port_closed));
    CHECK(dropped(lab.from_host(lab.pub_host, tcp(pub_ip, lab.eni_ip, 40001, 22, syn)), DropReason::interface_endpoint_port_closed));
    CHECK(dropped(lab.from_host(lab.pub_host, test::build_packet({17, pub_ip, lab.eni_ip, 40001, 443})), DropReason::interface_endpoint_port_closed));
    CHECK(dropped(lab.from_host(lab.pub_host, tcp(pub_ip, lab.eni_ip, 40002, 443, psh_ack)), DropReason::interface_endpoint_no_connection));
    CHECK(dropped(lab.from_region(tcp(lab.service_copy, lab.eni_ip, 80, 40003, syn | ack)), DropReason::interface_endpoint_no_connection));
    // 443 works as 80 does.
    auto out = lab.from_host(lab.pub_host, tcp(pub_ip, lab.eni_ip, 40004, 443, syn));
    REQUIRE(out.sent.size() == 1);
    CHECK(test::tuple_of(out.sent[0].packet()).destination_port == 443);
}

TEST_CASE("interface endpoint: its security group decides who may connect; connections end with FIN or RST") {
    EndpointLab lab;
    // A group that lets in only the public instance's address on 80.
    routing::SecurityGroupRule http;
    http.ip_protocol = "tcp";
    http.from_port = http.to_port = 80;
    http.cidr = routing::Cidr{pub_ip, 32};
    const std::string group = lab.m.create_security_group("", lab.vpc, "only-pub", "HTTP from the public instance", {http}, std::nullopt, {}).id;
    const std::string default_group = lab.m.vpc(lab.vpc).default_security_group_id;
    lab.m.modify_interface_endpoint(lab.endpoint, {{}, {}, {group}, {default_group}, std::nullopt, std::nullopt, false});
    lab.recompile();
    CHECK(dropped(lab.from_host(lab.priv_host, tcp(priv_ip, lab.eni_ip, 41000, 80, syn)), DropReason::security_group_ingress));
    CHECK(lab.flows.interface_endpoints.size() == 0);
    auto out = lab.from_host(lab.pub_host, tcp(pub_ip, lab.eni_ip, 41001, 80, syn));
    REQUIRE(out.sent.size() == 1);
    const std::uint16_t port = test::tuple_of(out.sent[0].packet()).source_port;
    // The reply leaves the ENI as part of the tracked connection (the group has no outbound rule for it: not needed).
    REQUIRE(lab.from_region(tcp(lab.service_copy, lab.eni_ip, 80, port, syn | ack)).sent.size() == 1);
    CHECK(lab.from_host(lab.pub_host, tcp(pub_ip, lab.eni_ip, 41001, 80, fin | ack)).sent.size() == 1);
    CHECK(lab.from_region(tcp(lab.service_copy, lab.eni_ip, 80, port, fin | ack)).sent.size() == 1);
    CHECK(lab.flows.interface_endpoints.size() == 1);
    lab.flows.now += InterfaceEndpointConnections::closed_seconds + 1;
    lab.flows.expire_some(1 << 20);
    CHECK(lab.flows.interface_endpoints.size() == 0);  // closed both ways: gone after a few seconds, not 350
    CHECK(dropped(lab.from_region(tcp(lab.service_copy, lab.eni_ip, 80, port, ack)), DropReason::interface_endpoint_no_connection));
    // The endpoint subnet's ACL applies on the way in: a deny for the public subnet stops it before the ENI.
    routing::NetworkAclEntry deny;
    deny.rule_number = 50;
    deny.protocol = "-1";
    deny.cidr = routing::Cidr{0x0a0a0000, 24};
    lab.m.associate_network_acl(lab.priv, lab.acl_allowing_all({deny}));
    lab.recompile();
    CHECK(dropped(lab.from_host(lab.pub_host, tcp(pub_ip, lab.eni_ip, 41002, 80, syn)), DropReason::network_acl_inbound));
}

TEST_CASE("interface endpoint: fragments are dropped both ways, counted") {
    EndpointLab lab;
    auto first = tcp(pub_ip, lab.eni_ip, 43000, 80, syn);
    wire::store_be16(first.data() + 6, 0x2000);  // MF: a first fragment
    wire::Ipv4View(first).fill_header_checksum();
    CHECK(dropped(lab.from_host(lab.pub_host, first), DropReason::interface_endpoint_fragment));
    CHECK(lab.flows.interface_endpoints.size() == 0);
    auto later = tcp(lab.service_copy, lab.eni_ip, 80, 43000, ack);
    wire::store_be16(later.data() + 6, 100);  // offset 800
    wire::Ipv4View(later).fill_header_checksum();
    CHECK(dropped(lab.from_region(later), DropReason::interface_endpoint_fragment));
}

TEST_CASE("interface endpoint: many clients on the same port each get a port of the ENI's") {
    FlowState flows(64, 64, 64, 32768, 64);
    const InterfaceEndpointConnections& table = flows.interface_endpoints;
    std::set<std::uint16_t> ports;
    for (std::uint32_t client = 0; client < 1000; ++client) {
        const EndpointConnection* c = from_client(flows, 7, 0x0a0a0000 + client, 40000, 0xc6128c0a, 443, syn, 100);
        REQUIRE(c != nullptr);
        ports.insert(c->translated_port);
    }
    CHECK(ports.size() == 1000);
    CHECK(ports.count(40000) == 1);  // the first kept its own
    // 20,000 random clients and ports towards one service fill a third of the ENI's ports: a taken
    // candidate is common, and each retry must try somewhere else.
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i) {
        const EndpointConnection* c = from_client(flows, 7, 0x0a0a0000 | (rng() & 0xffff), static_cast<std::uint16_t>(32768 + rng() % 28232),
                                                        0xc6128c0a, 443, syn, 100);
        REQUIRE(c != nullptr);
        ports.insert(c->translated_port);
    }
    CHECK(table.refused() == 0);
    CHECK(ports.size() == table.size());  // no two connections share a port of the ENI's
}

TEST_CASE("interface endpoint: forgetting the ENI's port ends its connections") {
    EndpointLab lab;
    auto out = lab.from_host(lab.pub_host, tcp(pub_ip, lab.eni_ip, 42000, 80, syn));
    REQUIRE(out.sent.size() == 1);
    const std::uint16_t port = test::tuple_of(out.sent[0].packet()).source_port;
    lab.flows.forget_port(lab.eni_port);
    CHECK(lab.flows.interface_endpoints.size() == 0);
    CHECK(dropped(lab.from_region(tcp(lab.service_copy, lab.eni_ip, 80, port, syn | ack)), DropReason::interface_endpoint_no_connection));
}

TEST_CASE("the endpoint connection table agrees with a slow reference on random operations") {
    std::mt19937 rng(1124);
    FlowState flows = FlowState::small(64, 0);
    const InterfaceEndpointConnections& table = flows.interface_endpoints;  // a client holds at most 8 connections (an eighth)
    REQUIRE(table.per_client() == 8);
    // Reference: connection per (eni, client, client port, service, service port) → translated port and
    // state; translated ports unique per (eni, service, service port). A connection is kept 10 s until
    // established (the service answered, then the client spoke again), then the endpoint's 350 s.
    struct Ref {
        std::uint16_t translated;
        std::uint32_t last_seen, timeout;
        std::uint8_t fins, progress;
    };
    using ClientKey = std::tuple<std::uint16_t, std::uint32_t, std::uint16_t, std::uint32_t, std::uint16_t>;
    std::map<ClientKey, Ref> ref;
    std::uint32_t now = 100;
    auto alive = [&](const Ref& r) { return now - r.last_seen <= r.timeout; };
    constexpr std::uint32_t unestablished = InterfaceEndpointConnections::unestablished_seconds;
    auto note = [&](Ref& r, std::uint8_t flags, bool from_client) {
        r.last_seen = now;
        if (!from_client) {
            r.progress |= 1;
        } else if (r.progress == 1 && !(flags & syn)) {
            r.progress |= 2;
            if (r.fins == 0 && r.timeout != 0) r.timeout = InterfaceEndpointConnections::idle_timeout_seconds;
        }
        if (flags & 0x04) r.timeout = 0;
        if (flags & fin) r.fins |= from_client ? 1 : 2;
        if (r.fins == 3) r.timeout = std::min(r.timeout, InterfaceEndpointConnections::closed_seconds);
    };
    std::size_t refused_for_share = 0, refused_idle_counted = 0;
    for (int op = 0; op < 100000; ++op) {
        if (op % 50 == 0) now += rng() % 3;
        const std::uint16_t eni = static_cast<std::uint16_t>(rng() % 2);
        const std::uint32_t client = 0x0a0a0000 | (rng() % 4);
        const std::uint16_t client_port = static_cast<std::uint16_t>(40000 + rng() % 8);
        const std::uint32_t service = 0xc6128000 | (rng() % 2);
        const std::uint16_t service_port = rng() % 2 ? 80 : 443;
        const std::uint8_t flags = std::array<std::uint8_t, 5>{syn, ack, psh_ack, fin | ack, 0x04}[rng() % 5];
        const ClientKey key{eni, client, client_port, service, service_port};
        auto it = ref.find(key);
        if (it != ref.end() && !alive(it->second)) ref.erase(it), it = ref.end();
        if (rng() % 4 == 0 && it != ref.end()) {
            // The service answers on the translated port.
            const EndpointConnection* c = from_service(flows, eni, service, service_port, it->second.translated, flags, now);
            REQUIRE(c != nullptr);
            CHECK(c->client == client);
            CHECK(c->client_port == client_port);
            note(it->second, flags, false);
            continue;
        }
        std::size_t live = 0, of_client = 0;
        for (const auto& [k, r] : ref) {
            live += alive(r);
            of_client += alive(r) && std::get<0>(k) == eni && std::get<1>(k) == client;
        }
        // What the table counts for the client: its live connections, and idle ones not yet swept.
        const std::size_t counted = table.held_by(eni, client);
        const EndpointConnection* c = from_client(flows, eni, client, client_port, service, service_port, flags, now);
        if (it != ref.end()) {
            REQUIRE(c != nullptr);
            CHECK(c->translated_port == it->second.translated);
            Ref& r = it->second;
            if (flags == syn && (r.fins == 3 || r.timeout == 0)) r.fins = 0, r.progress = 0, r.timeout = unestablished;
            note(r, flags, true);
        } else if (flags != syn) {
            CHECK(c == nullptr);
        } else if (of_client >= table.per_client()) {
            CHECK(c == nullptr);  // the client holds its share
            ++refused_for_share;
        } else if (counted >= table.per_client()) {
            // Under its share alive, at it counting idle connections no sweep has reached yet: refused, unless
            // the lookup of this very key (or the sweep of a full table) reclaimed one of them first.
            if (c) ref[key] = Ref{c->translated_port, now, unestablished, 0, 0};
            else ++refused_idle_counted;
        } else if (live < table.capacity()) {
            REQUIRE(c != nullptr);
            // Its translated port is not one another live connection of the ENI uses towards the service.
            for (const auto& [k, r] : ref)
                if (alive(r) && std::get<0>(k) == eni && std::get<3>(k) == service && std::get<4>(k) == service_port) CHECK(r.translated != c->translated_port);
            ref[key] = Ref{c->translated_port, now, unestablished, 0, 0};
        } else {
            if (c) ref[key] = Ref{c->translated_port, now, unestablished, 0, 0};  // room made by expiry
        }
        if (c) CHECK(table.held_by(eni, client) <= table.per_client());
        if (op % 1000 == 999) {
            flows.interface_endpoints.expire(now, 1 << 20);
            std::erase_if(ref, [&](const auto& kv) { return !alive(kv.second); });
            CHECK(table.size() == ref.size());
        }
    }
    CHECK(refused_for_share > 100);  // clients did reach their share
    CHECK(refused_idle_counted > 0);  // and were held to it by idle connections not yet swept
}
