// Transit gateways in the model and the snapshot's decisions (Transit Gateways Guide): the lifecycle and what
// each call refuses (changing nothing), default association and propagation, a table's routes (static before
// propagated, identical CIDRs propagated once, blackholes), the VPC route to the gateway, the zone an
// attachment reaches and the one a packet leaves by (appliance mode the same both ways), and route selection
// in random transit gateway route tables against a slow reference.
#include <doctest/doctest.h>

#include <random>

#include "routing/forwarding_snapshot.hpp"
#include "routing/vpc_model.hpp"
#include "tests/unit/api_refusal.hpp"

using namespace vpclab::routing;
using vpclab::test::refusal;

namespace {
// Three VPCs A 10.1, B 10.2, C 10.3, each with subnets in zones a (10.x.1.0/24) and b (10.x.2.0/24), an
// instance in each (10.x.1.4, 10.x.2.4), and a transit gateway with its default table; attachments made by tests.
struct TgwLab {
    VpcModel m{"tgw", "ap-northeast-2"};
    std::string vpc[3], subnet_a[3], subnet_b[3], rt[3], in_a[3], in_b[3], tgw;
    TgwLab() {
        for (int i = 0; i < 3; ++i) {
            const std::string net = "10." + std::to_string(i + 1);
            vpc[i] = m.create_vpc("", net + ".0.0/16", {}).id;
            subnet_a[i] = m.create_subnet("", vpc[i], net + ".1.0/24", "ap-northeast-2a", false, {}).id;
            subnet_b[i] = m.create_subnet("", vpc[i], net + ".2.0/24", "ap-northeast-2b", false, {}).id;
            rt[i] = m.vpc(vpc[i]).main_route_table_id;
            in_a[i] = launch(subnet_a[i]);
            in_b[i] = launch(subnet_b[i]);
        }
        tgw = m.create_transit_gateway("", {}, 1000).id;
    }
    std::string launch(const std::string& subnet) {
        InstanceLaunch l;
        l.interfaces.push_back({0, subnet, std::nullopt, false, {}, true});
        return m.run_instance(l).id;
    }
    PortIndex port(const std::string& instance) const { return m.network_interface(m.instance(instance).network_interface_ids[0]).port; }
    static std::uint32_t ip(int vpc, int zone) { return 0x0a000004u | (static_cast<std::uint32_t>(vpc + 1) << 16) | (static_cast<std::uint32_t>(zone + 1) << 8); }
    std::string attach(int i, const std::vector<std::string>& subnets, bool appliance = false) {
        return m.create_transit_gateway_vpc_attachment("", tgw, vpc[i], subnets, appliance, true, {}, 1000).id;
    }
    // Each VPC's 10.0.0.0/8 to the transit gateway.
    void route_all() {
        for (int i = 0; i < 3; ++i) m.create_route(rt[i], "10.0.0.0/8", {"", "", "", "", "", tgw});
    }
    const TransitGatewayRouteTable& default_table() const { return m.transit_gateway_route_table(m.transit_gateway(tgw).default_route_table_id); }
    std::string state() const {
        std::string out;
        for (const auto& a : m.transit_gateway_attachments()) out += a.id + ":" + std::to_string(a.subnet_ids.size()) + ":" + a.associated_route_table_id + ";";
        for (const auto& t : m.transit_gateway_route_tables())
            out += t.id + ":" + std::to_string(t.static_routes.size()) + ":" + std::to_string(t.propagating_attachment_ids.size()) + ";";
        out += std::to_string(m.transit_gateways().size()) + ":" + std::to_string(m.network_interfaces().size());
        for (const auto& t : m.route_tables()) out += ";" + std::to_string(t.routes.size());
        return out;
    }
};
}  // namespace

TEST_CASE("transit gateway: a default table; attachments associate and propagate by default; what is refused changes nothing") {
    TgwLab lab;
    VpcModel& m = lab.m;
    CHECK(lab.tgw.rfind("tgw-", 0) == 0);
    const auto& t = lab.default_table();
    CHECK(t.default_table);
    const std::string a = lab.attach(0, {lab.subnet_a[0], lab.subnet_b[0]});
    CHECK(a.rfind("tgw-attach-", 0) == 0);
    const auto& att = m.transit_gateway_attachment(a);
    CHECK(att.associated_route_table_id == t.id);
    CHECK(att.network_interface_ids.size() == 2);
    for (const auto& eni : att.network_interface_ids) {
        CHECK(m.network_interface(eni).interface_type == "transit_gateway");
        CHECK_FALSE(m.network_interface(eni).source_dest_check);
        CHECK(m.network_interface(eni).security_group_ids.empty());
    }
    CHECK(lab.default_table().propagating_attachment_ids == std::vector<std::string>{a});
    const std::string before = lab.state();
    CHECK(refusal([&] { lab.attach(0, {lab.subnet_a[0]}); }) == "DuplicateTransitGatewayAttachment");
    const std::string extra_a = m.create_subnet("", lab.vpc[1], "10.2.3.0/24", "ap-northeast-2a", false, {}).id;  // (not in state())
    CHECK(refusal([&] { lab.attach(1, {lab.subnet_a[1], extra_a}); }) == "DuplicateSubnetsInSameZone");
    CHECK(refusal([&] { lab.attach(1, {lab.subnet_a[0]}); }) == "InvalidParameterValue");  // A's subnet for B
    CHECK(refusal([&] { lab.attach(1, {}); }) == "MissingParameter");
    CHECK(refusal([&] { m.delete_transit_gateway(lab.tgw); }) == "IncorrectState");
    CHECK(refusal([&] { m.delete_transit_gateway_route_table(t.id); }) == "IncorrectState");
    CHECK(refusal([&] { m.associate_transit_gateway_route_table(t.id, a); }) == "Resource.AlreadyAssociated");
    CHECK(refusal([&] { m.enable_transit_gateway_route_table_propagation(t.id, a); }) == "TransitGatewayRouteTablePropagation.Duplicate");
    CHECK(refusal([&] { m.create_transit_gateway_route(t.id, "10.9.0.1/16", a, false); }) == "InvalidParameterValue");  // not a network address
    CHECK(refusal([&] { m.create_transit_gateway_route(t.id, "10.9.0.0/16", a, true); }) == "InvalidParameterCombination");
    CHECK(refusal([&] { m.create_transit_gateway_route(t.id, "10.9.0.0/16", "", false); }) == "InvalidParameterCombination");
    CHECK(refusal([&] { m.delete_transit_gateway_route(t.id, "10.1.0.0/16"); }) == "InvalidRoute.NotFound");  // propagated
    CHECK(refusal([&] { m.create_transit_gateway("", {.amazon_side_asn = 65535}, 0); }) == "InvalidParameterValue");
    CHECK(lab.state() == before);
    const std::string other = m.create_transit_gateway("", {}, 1000).id;
    const std::string before_other = lab.state();
    CHECK(refusal([&] { m.associate_transit_gateway_route_table(m.transit_gateway(other).default_route_table_id, a); }) == "InvalidParameterValue");
    CHECK(refusal([&] { m.create_transit_gateway_route(m.transit_gateway(other).default_route_table_id, "10.9.0.0/16", a, false); }) ==
          "InvalidParameterValue");
    CHECK(lab.state() == before_other);
    // A VPC route to the transit gateway needs the VPC attached; inside the VPC it is refused.
    CHECK(refusal([&] { m.create_route(lab.rt[1], "10.0.0.0/8", {"", "", "", "", "", lab.tgw}); }) == "InvalidParameterValue");
    CHECK(refusal([&] { m.create_route(lab.rt[0], "10.1.5.0/24", {"", "", "", "", "", lab.tgw}); }) == "InvalidParameterValue");
    CHECK(lab.state() == before_other);
    m.create_route(lab.rt[0], "10.0.0.0/8", {"", "", "", "", "", lab.tgw});
    CHECK_FALSE(m.route_is_blackhole(m.route_table(lab.rt[0]), m.route_table(lab.rt[0]).routes.back()));
    // Deleting the attachment: its ENIs, association and propagation go; the VPC route is a blackhole.
    const std::size_t enis = m.network_interfaces().size();
    m.delete_transit_gateway_vpc_attachment(a);
    CHECK(m.network_interfaces().size() == enis - 2);
    CHECK(lab.default_table().propagating_attachment_ids.empty());
    CHECK(m.route_is_blackhole(m.route_table(lab.rt[0]), m.route_table(lab.rt[0]).routes.back()));
    m.delete_transit_gateway(lab.tgw);
    CHECK(m.transit_gateway_route_tables().size() == 1);  // the other gateway's
    CHECK(refusal([&] { m.transit_gateway(lab.tgw); }) == "InvalidTransitGatewayID.NotFound");
}

TEST_CASE("transit gateway: no default table when both defaults are off; a table's routes: static first, identical CIDRs once, blackholes") {
    TgwLab lab;
    VpcModel& m = lab.m;
    const std::string bare = m.create_transit_gateway("", {.default_route_table_association = false, .default_route_table_propagation = false}, 1000).id;
    CHECK(m.transit_gateway(bare).default_route_table_id.empty());
    const std::string a = lab.attach(0, {lab.subnet_a[0]}), b = lab.attach(1, {lab.subnet_a[1]});
    // A fourth VPC with B's CIDR: attached and propagating, its CIDR is not propagated a second time.
    const std::string twin = m.create_vpc("", "10.2.0.0/16", {}).id;
    const std::string twin_subnet = m.create_subnet("", twin, "10.2.1.0/24", "ap-northeast-2a", false, {}).id;
    const std::string d = m.create_transit_gateway_vpc_attachment("", lab.tgw, twin, {twin_subnet}, false, true, {}, 1000).id;
    const auto routes = [&] { return m.transit_gateway_routes(lab.default_table()); };
    REQUIRE(routes().size() == 2);
    CHECK(routes()[0].destination.to_string() == "10.1.0.0/16");
    CHECK(routes()[1].attachment_id == b);
    CHECK(routes()[1].propagated);
    // A static route on B's prefix takes its place; a blackhole for a range.
    const std::string table = lab.default_table().id;
    m.create_transit_gateway_route(table, "10.2.0.0/16", d, false);
    m.create_transit_gateway_route(table, "10.2.128.0/17", "", true);
    REQUIRE(routes().size() == 3);
    CHECK((routes()[0].attachment_id == d && !routes()[0].propagated));
    CHECK(std::string(m.transit_gateway_route_state(routes()[1])) == "blackhole");
    CHECK(routes()[2].attachment_id == a);
    CHECK(refusal([&] { m.create_transit_gateway_route(table, "10.2.0.0/16", a, false); }) == "RouteAlreadyExists");
    m.replace_transit_gateway_route(table, "10.2.0.0/16", b, false);
    CHECK(routes()[0].attachment_id == b);
    // Propagation disabled: the propagated route goes; deleting an attachment makes static routes to it blackholes.
    m.disable_transit_gateway_route_table_propagation(table, a);
    CHECK(routes().size() == 2);
    m.delete_transit_gateway_route(table, "10.2.0.0/16");
    CHECK(routes().size() == 2);  // now B's propagated route again, and the blackhole
    CHECK((routes()[1].attachment_id == b && routes()[1].propagated));
    m.create_transit_gateway_route(table, "10.1.0.0/16", a, false);
    m.delete_transit_gateway_vpc_attachment(a);
    CHECK(std::string(m.transit_gateway_route_state(routes()[1])) == "blackhole");
}

TEST_CASE("transit gateway decisions: into the sender's zone's ENI, routed by the associated table, out in the same zone or another") {
    TgwLab lab;
    VpcModel& m = lab.m;
    const std::string a = lab.attach(0, {lab.subnet_a[0], lab.subnet_b[0]});
    const std::string b = lab.attach(1, {lab.subnet_a[1], lab.subnet_b[1]});
    const std::string c = lab.attach(2, {lab.subnet_a[2]});  // C: zone a only
    lab.route_all();
    auto snap = ForwardingSnapshot::compile(m);
    const auto eni_port = [&](const std::string& attachment, int i) {
        return m.network_interface(m.transit_gateway_attachment(attachment).network_interface_ids[static_cast<std::size_t>(i)]).port;
    };
    // A zone b → B: enters at A's zone-b ENI, leaves at B's zone-b ENI; the route is B's propagated CIDR.
    const Decision d = snap->decide(lab.port(lab.in_b[0]), TgwLab::ip(0, 1), TgwLab::ip(1, 1));
    REQUIRE(d.outcome == Outcome::transit_gateway);
    CHECK(d.port == eni_port(a, 1));
    CHECK(snap->transit_gateway_attachment_id(d.attachment) == a);
    TransitGatewayHop h = snap->transit_gateway_hop(d.attachment, d.port, TgwLab::ip(1, 1), 7);
    REQUIRE(h.kind == TransitGatewayHop::Kind::forward);
    CHECK(h.port == eni_port(b, 1));
    CHECK(snap->transit_gateway_route_table_id(h.route_table) == lab.default_table().id);
    CHECK(m.transit_gateway_routes(lab.default_table())[h.route].attachment_id == b);
    // A zone b → C, which has no subnet in zone b: out of C's only ENI (zone a).
    h = snap->transit_gateway_hop(d.attachment, d.port, TgwLab::ip(2, 0), 7);
    CHECK(h.port == eni_port(c, 0));
    // C's zone-b instance cannot reach the gateway: C's attachment has no subnet there.
    CHECK(snap->decide(lab.port(lab.in_b[2]), TgwLab::ip(2, 1), TgwLab::ip(0, 0)).outcome == Outcome::drop_transit_gateway_zone);
    // From the destination attachment's ENI the packet is routed by that subnet's table: the local route.
    const Decision on = snap->decide(h.port, TgwLab::ip(0, 1), TgwLab::ip(2, 0));
    CHECK(on.outcome == Outcome::deliver);
    CHECK(on.port == lab.port(lab.in_a[2]));
    // Not associated: dropped as such; no route; a blackhole.
    m.disassociate_transit_gateway_route_table(lab.default_table().id, a);
    snap = ForwardingSnapshot::compile(m);
    CHECK(snap->transit_gateway_hop(d.attachment, d.port, TgwLab::ip(1, 1), 7).kind == TransitGatewayHop::Kind::not_associated);
    const std::string isolated = m.create_transit_gateway_route_table("", lab.tgw, {}, 1000).id;
    m.associate_transit_gateway_route_table(isolated, a);
    m.create_transit_gateway_route(isolated, "10.2.0.0/16", "", true);
    snap = ForwardingSnapshot::compile(m);
    h = snap->transit_gateway_hop(d.attachment, d.port, TgwLab::ip(1, 1), 7);
    CHECK(h.kind == TransitGatewayHop::Kind::blackhole);
    CHECK(snap->transit_gateway_route_table_id(h.route_table) == isolated);
    CHECK(snap->transit_gateway_hop(d.attachment, d.port, TgwLab::ip(2, 0), 7).kind == TransitGatewayHop::Kind::no_route);
    // Detached: the VPC route to the gateway is a blackhole.
    m.delete_transit_gateway_vpc_attachment(c);
    snap = ForwardingSnapshot::compile(m);
    CHECK(snap->decide(lab.port(lab.in_a[2]), TgwLab::ip(2, 0), TgwLab::ip(0, 0)).outcome == Outcome::drop_no_route);
}

TEST_CASE("transit gateway decisions: appliance mode keeps both directions of a flow on one zone's ENI of the appliance VPC") {
    TgwLab lab;
    VpcModel& m = lab.m;
    lab.attach(0, {lab.subnet_a[0], lab.subnet_b[0]});
    const std::string appliance = lab.attach(1, {lab.subnet_a[1], lab.subnet_b[1]}, true);
    lab.attach(2, {lab.subnet_a[2], lab.subnet_b[2]});
    lab.route_all();
    const auto snap = ForwardingSnapshot::compile(m);
    std::mt19937 rng(28);
    int zone_b = 0;
    for (int i = 0; i < 200; ++i) {
        const std::uint16_t sport = static_cast<std::uint16_t>(rng()), dport = static_cast<std::uint16_t>(rng());
        const std::uint32_t from = TgwLab::ip(0, 0), to = TgwLab::ip(2, 1);
        // Forward: from A zone a; the reply: from C zone b. Both to the appliance VPC (its address as destination).
        const Decision fwd = snap->decide(lab.port(lab.in_a[0]), from, TgwLab::ip(1, 0));
        const Decision back = snap->decide(lab.port(lab.in_b[2]), to, TgwLab::ip(1, 0));
        const auto there = snap->transit_gateway_hop(fwd.attachment, fwd.port, TgwLab::ip(1, 0), symmetric_flow_hash(from, to, 6, sport, dport));
        const auto again = snap->transit_gateway_hop(back.attachment, back.port, TgwLab::ip(1, 0), symmetric_flow_hash(to, from, 6, dport, sport));
        REQUIRE(there.kind == TransitGatewayHop::Kind::forward);
        CHECK(there.port == again.port);
        CHECK(snap->transit_gateway_attachment_id(there.attachment) == appliance);
        zone_b += there.port == m.network_interface(m.transit_gateway_attachment(appliance).network_interface_ids[1]).port;
    }
    CHECK(zone_b > 50);  // both zones are used
    CHECK(zone_b < 150);
}

TEST_CASE("transit gateway route selection: the compiled table agrees with a slow reference on random tables") {
    std::mt19937 rng(2028);
    for (int round = 0; round < 20; ++round) {
        TgwLab lab;
        VpcModel& m = lab.m;
        std::string att[3];
        for (int i = 0; i < 3; ++i) att[i] = lab.attach(i, {lab.subnet_a[i]});
        lab.route_all();
        const std::string table = lab.default_table().id;
        if (rng() % 2) m.disable_transit_gateway_route_table_propagation(table, att[rng() % 3]);
        for (int r = 0; r < 30; ++r) {
            const int length = static_cast<int>(rng() % 25) + 8;
            const Cidr prefix{static_cast<std::uint32_t>(0x0a000000u | (rng() & 0x00ffffffu)) & (length ? ~0u << (32 - length) : 0), static_cast<std::uint8_t>(length)};
            try {
                m.create_transit_gateway_route(table, prefix.to_string(), rng() % 4 == 0 ? "" : att[rng() % 3], false);
            } catch (const ApiError&) {
            }  // a duplicate prefix, or the combination: a blackhole wanted with an attachment
            if (rng() % 5 == 0) try {
                    m.create_transit_gateway_route(table, prefix.to_string(), "", true);
                } catch (const ApiError&) {
                }
        }
        if (rng() % 3 == 0) m.delete_transit_gateway_vpc_attachment(att[2]);
        const auto snap = ForwardingSnapshot::compile(m);
        const auto routes = m.transit_gateway_routes(m.transit_gateway_route_table(table));
        const Decision from_a = snap->decide(lab.port(lab.in_a[0]), TgwLab::ip(0, 0), TgwLab::ip(1, 0));
        REQUIRE(from_a.outcome == Outcome::transit_gateway);
        for (int probe = 0; probe < 300; ++probe) {
            const std::uint32_t destination = 0x0a000000u | (rng() & 0x00ffffffu);
            // The reference: the longest prefix holding it, the first listed on a tie (static before propagated).
            std::size_t best = routes.size();
            for (std::size_t i = 0; i < routes.size(); ++i)
                if (routes[i].destination.contains(destination) && (best == routes.size() || routes[i].destination.prefix_length > routes[best].destination.prefix_length))
                    best = i;
            const auto h = snap->transit_gateway_hop(from_a.attachment, from_a.port, destination, 0);
            if (best == routes.size()) {
                CHECK(h.kind == TransitGatewayHop::Kind::no_route);
                continue;
            }
            CHECK(h.route == best);
            const bool hole = std::string(m.transit_gateway_route_state(routes[best])) == "blackhole";
            CHECK(h.kind == (hole ? TransitGatewayHop::Kind::blackhole : TransitGatewayHop::Kind::forward));
            if (!hole) CHECK(snap->transit_gateway_attachment_id(h.attachment) == routes[best].attachment_id);
        }
    }
}
