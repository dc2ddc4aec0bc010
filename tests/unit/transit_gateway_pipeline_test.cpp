// Transit gateways on the frame pipeline: a packet enters through the sender's VPC's attachment, is routed by
// the associated table and leaves through the destination attachment into the other VPC, untranslated; the
// subnets' network ACLs judge it as the Transit Gateways Guide says ("Network ACLs for transit gateways":
// which subnet's rules, which direction, and none from the transit gateway to instances of its own
// subnet); 8500 bytes is the MTU; what the tables refuse is dropped and counted, a loop ends; no allocation.
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>

#include "router/data_path/pipeline.hpp"
#include "tests/unit/logged_lab.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/pipeline_lab.hpp"
#include "tests/unit/recording_sink.hpp"

using namespace vpclab;
using namespace vpclab::router;
using routing::PortIndex;
using test::dropped;

extern std::atomic<std::size_t> allocations;  // pipeline_test.cpp's count of heap allocations

namespace {

// The pipeline lab (VPC 10.10.0.0/16, its private subnet 10.10.1.0/24 in zone c) and a spoke VPC 10.30.0.0/16
// with one instance (10.30.1.4, zone c), both attached to a transit gateway with its default table (each
// attachment in its own /28 of zone c), each routing the other's CIDR to it. With `with_endpoints`, the
// pipeline lab's S3 gateway endpoint and CloudFormation interface endpoint (private subnet) are there too.
struct TgwPipelineLab : test::PipelineLab {
    static constexpr std::uint32_t spoke_ip = 0x0a1e0104;  // 10.30.1.4
    std::string spoke_vpc, spoke_subnet, tgw, own_attachment, spoke_attachment, own_tgw_subnet, spoke_tgw_subnet;
    PortIndex spoke_host = 0;
    explicit TgwPipelineLab(bool attachments_in_instance_subnets = false, bool with_endpoints = false) : PipelineLab(with_endpoints) {
        spoke_vpc = m.create_vpc("Spoke", "10.30.0.0/16", {}).id;
        spoke_subnet = m.create_subnet("SpokeSubnet", spoke_vpc, "10.30.1.0/24", "ap-northeast-2c", false, {}).id;
        routing::SecurityGroupRule everyone;
        everyone.cidr = routing::Cidr{0, 0};
        m.authorize_security_group(m.vpc(spoke_vpc).default_security_group_id, true, {everyone});
        spoke_host = port_of(launch(spoke_subnet));
        own_tgw_subnet = attachments_in_instance_subnets ? priv : m.create_subnet("TgwSubnet", vpc, "10.10.2.0/28", "ap-northeast-2c", false, {}).id;
        spoke_tgw_subnet = attachments_in_instance_subnets ? spoke_subnet
                                                           : m.create_subnet("SpokeTgwSubnet", spoke_vpc, "10.30.0.0/28", "ap-northeast-2c", false, {}).id;
        tgw = m.create_transit_gateway("", {}, 1000).id;
        own_attachment = m.create_transit_gateway_vpc_attachment("", tgw, vpc, {own_tgw_subnet}, false, true, {}, 1000).id;
        spoke_attachment = m.create_transit_gateway_vpc_attachment("", tgw, spoke_vpc, {spoke_tgw_subnet}, false, true, {}, 1000).id;
        m.create_route(priv_rt(), "10.30.0.0/16", {"", "", "", "", "", tgw});
        m.create_route(m.vpc(spoke_vpc).main_route_table_id, "10.10.0.0/16", {"", "", "", "", "", tgw});
        recompile();
    }
    PortIndex eni_of(const std::string& attachment) const {
        return m.network_interface(m.transit_gateway_attachment(attachment).network_interface_ids.front()).port;
    }
    test::RecordingSink from_host(PortIndex host, const std::vector<std::uint8_t>& p) { return test::send_through(*this, host, p, mac(host)); }
    // A new ACL of `vpc_id` for `subnet`: `first`, then rule 100 allowing everything both ways.
    void acl_for(const std::string& vpc_id, const std::string& subnet, std::vector<routing::NetworkAclEntry> first) {
        const std::string acl = m.create_network_acl("", vpc_id, {}).id;
        routing::NetworkAclEntry all;
        all.rule_number = 100;
        all.allow = true;
        all.cidr = routing::Cidr{0, 0};
        first.push_back(all);
        all.egress = true;
        first.push_back(all);
        for (const auto& e : first) m.create_network_acl_entry(acl, e);
        for (const auto& a : m.network_acl_of(subnet).associations)
            if (a.subnet_id == subnet) {
                m.replace_network_acl_association(a.association_id, acl);
                break;
            }
        recompile();
    }
    static routing::NetworkAclEntry deny(bool egress, routing::Cidr cidr) {
        routing::NetworkAclEntry e;
        e.rule_number = 10;
        e.egress = egress;
        e.cidr = cidr;
        return e;
    }
};

constexpr std::uint32_t own = test::PipelineLab::priv_ip, spoke = TgwPipelineLab::spoke_ip;

std::vector<Stage> stages_of(TgwPipelineLab& lab, PortIndex from, const std::vector<std::uint8_t>& packet, StepLog& log) {
    auto f = test::frame_of(lab.mac(from), packet);
    test::RecordingSink sink;
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    process_frame(*lab.snap, from, f, scratch, sink, lab.flows, &log);
    std::vector<Stage> stages;
    for (const Step& s : log) stages.push_back(s.stage);
    return stages;
}

}  // namespace

TEST_CASE("transit gateway: across untranslated both ways, from the destination subnet's router, every decision a step") {
    TgwPipelineLab lab;
    const auto packet = test::build_packet({6, own, spoke, 40000, 80});
    auto out = lab.from_host(lab.priv_host, packet);
    REQUIRE(out.sent.size() == 1);
    CHECK(out.sent[0].port == lab.spoke_host);
    CHECK(out.sent[0].packet() == packet);
    CHECK(out.sent[0].source() == lab.snap->subnet(lab.snap->port(lab.spoke_host).subnet).router_mac);
    CHECK(out.sent[0].destination() == lab.snap->port(lab.spoke_host).mac);
    auto back = lab.from_host(lab.spoke_host, test::build_packet({6, spoke, own, 80, 40000}));
    REQUIRE(back.sent.size() == 1);
    CHECK(back.sent[0].port == lab.priv_host);
    StepLog log;
    // Out of the sender's subnet (its ACL, its groups), into the attachment's subnet (its ACL inbound), the
    // transit gateway, then from the spoke's attachment: its subnet's table, its ACL out, the spoke's ACL in,
    // the spoke instance's groups (the attachments' ENIs have none).
    CHECK(stages_of(lab, lab.priv_host, packet, log) == std::vector<Stage>{Stage::edge, Stage::route, Stage::acl_out, Stage::sg_egress, Stage::acl_in,
                                                                          Stage::transit_gateway, Stage::route, Stage::acl_out, Stage::acl_in,
                                                                          Stage::sg_ingress, Stage::deliver});
    CHECK(log.steps[1].outcome == routing::Outcome::transit_gateway);
    CHECK(log.steps[1].next == lab.eni_of(lab.own_attachment));
    CHECK(lab.snap->transit_gateway_attachment_id(log.steps[1].table) == lab.own_attachment);
    const Step& hop = log.steps[5];
    CHECK(hop.port == lab.eni_of(lab.own_attachment));
    CHECK(hop.next == lab.eni_of(lab.spoke_attachment));
    CHECK(lab.snap->transit_gateway_route_table_id(hop.table) == lab.m.transit_gateway(lab.tgw).default_route_table_id);
    CHECK(log.steps[6].port == lab.eni_of(lab.spoke_attachment));
}

TEST_CASE("transit gateway: flow logs record the sender's egress as traffic-path 1 (through a resource in its VPC)") {
    test::LoggedLab<TgwPipelineLab> s;
    REQUIRE(s.send(s.lab.priv_host, test::build_packet({6, own, spoke, 40000, 80}, 10)).sent.size() == 1);
    const auto r = s.records();
    REQUIRE(r.size() == 2);
    for (const auto& record : r) {
        const bool egress = record.key.direction == FlowDirection::egress;
        CHECK(record.key.port == (egress ? s.lab.priv_host : s.lab.spoke_host));
        CHECK(record.traffic_path == (egress ? 1 : 0));
    }
}

TEST_CASE("transit gateway: network ACLs as the Transit Gateways Guide applies them, attachments in their own subnets") {
    const routing::Cidr own_subnet{0x0a0a0100, 24};
    SUBCASE("instances to the transit gateway: the attachment subnet's inbound rules") {
        TgwPipelineLab lab;
        lab.acl_for(lab.vpc, lab.own_tgw_subnet, {TgwPipelineLab::deny(false, own_subnet)});
        const auto out = lab.from_host(lab.priv_host, test::build_packet({6, own, spoke, 40000, 80}));
        CHECK(dropped(out, DropReason::network_acl_inbound));
        CHECK(out.drops[0].first == lab.eni_of(lab.own_attachment));
    }
    SUBCASE("… and not its outbound rules, which judge what the transit gateway sends to the instances") {
        TgwPipelineLab lab;
        lab.acl_for(lab.vpc, lab.own_tgw_subnet, {TgwPipelineLab::deny(true, own_subnet)});
        CHECK(lab.from_host(lab.priv_host, test::build_packet({6, own, spoke, 40000, 80})).sent.size() == 1);
        const auto back = lab.from_host(lab.spoke_host, test::build_packet({6, spoke, own, 80, 40000}));
        CHECK(dropped(back, DropReason::network_acl_outbound));
        CHECK(back.drops[0].first == lab.eni_of(lab.own_attachment));
    }
    SUBCASE("the transit gateway to instances: the instances' subnet's inbound rules") {
        TgwPipelineLab lab;
        lab.acl_for(lab.spoke_vpc, lab.spoke_subnet, {TgwPipelineLab::deny(false, own_subnet)});
        const auto out = lab.from_host(lab.priv_host, test::build_packet({6, own, spoke, 40000, 80}));
        CHECK(dropped(out, DropReason::network_acl_inbound));
        CHECK(out.drops[0].first == lab.spoke_host);
    }
    SUBCASE("the sender's subnet's outbound rules") {
        TgwPipelineLab lab;
        lab.acl_for(lab.spoke_vpc, lab.spoke_subnet, {TgwPipelineLab::deny(true, own_subnet)});
        CHECK(dropped(lab.from_host(lab.spoke_host, test::build_packet({6, spoke, own, 80, 40000})), DropReason::network_acl_outbound));
    }
}

TEST_CASE("transit gateway: network ACLs, attachments in the instances' own subnets") {
    const routing::Cidr own_vpc{0x0a0a0000, 16};
    SUBCASE("instances to the transit gateway: the subnet's inbound rules judge it, though it stays in the subnet") {
        TgwPipelineLab lab(true);
        lab.acl_for(lab.vpc, lab.priv, {TgwPipelineLab::deny(false, own_vpc)});
        CHECK(dropped(lab.from_host(lab.priv_host, test::build_packet({6, own, spoke, 40000, 80})), DropReason::network_acl_inbound));
    }
    SUBCASE("the transit gateway to instances of its own subnet: no rules are evaluated") {
        TgwPipelineLab lab(true);
        lab.acl_for(lab.spoke_vpc, lab.spoke_subnet, {TgwPipelineLab::deny(false, own_vpc), TgwPipelineLab::deny(true, own_vpc)});
        const auto out = lab.from_host(lab.priv_host, test::build_packet({6, own, spoke, 40000, 80}));
        REQUIRE(out.sent.size() == 1);
        CHECK(out.sent[0].port == lab.spoke_host);
        CHECK(out.sent[0].source() == lab.snap->port(lab.eni_of(lab.spoke_attachment)).mac);  // on-link: from the attachment's ENI
    }
}

TEST_CASE("transit gateway: the 8500-byte MTU; fragmentation-needed for a larger packet with DF, a drop without") {
    TgwPipelineLab lab;
    // 8500 bytes in all cross.
    CHECK(lab.from_host(lab.priv_host, test::build_packet({1, own, spoke, 77, 0}, 8500 - 28)).sent.size() == 1);
    const auto big = test::build_packet({1, own, spoke, 77, 0}, 8501 - 28);
    auto out = lab.from_host(lab.priv_host, big);
    REQUIRE(out.sent.size() == 1);
    CHECK(out.sent[0].port == lab.priv_host);
    const auto icmp = out.sent[0].packet();
    const wire::Ipv4View ip(wire::Bytes(const_cast<std::uint8_t*>(icmp.data()), icmp.size()));
    CHECK(ip.source() == lab.snap->port(lab.eni_of(lab.own_attachment)).ip);  // from the attachment's address
    CHECK(ip.destination() == own);
    const std::uint8_t* h = icmp.data() + 20;
    CHECK((h[0] == 3 && h[1] == 4));                       // destination unreachable, fragmentation needed (RFC 792)
    CHECK(wire::load_be16(h + 6) == 8500);                 // the next-hop MTU (RFC 1191)
    CHECK(out.drops.size() == 1);
    CHECK(out.drops[0].second == DropReason::transit_gateway_mtu);
    CHECK(dropped(lab.from_host(lab.priv_host, test::build_packet({17, own, spoke, 5000, 53}, 8501 - 28, 0, false)), DropReason::transit_gateway_mtu));
}

TEST_CASE("transit gateway: not associated, no route, a blackhole, no subnet in the sender's zone, a routing loop: each dropped and counted") {
    TgwPipelineLab lab;
    const auto packet = test::build_packet({6, own, spoke, 40000, 80});
    const std::string table = lab.m.transit_gateway(lab.tgw).default_route_table_id;
    lab.m.create_transit_gateway_route(table, "10.30.1.0/24", "", true);
    lab.recompile();
    CHECK(dropped(lab.from_host(lab.priv_host, packet), DropReason::transit_gateway_blackhole));
    lab.m.delete_transit_gateway_route(table, "10.30.1.0/24");
    lab.m.disable_transit_gateway_route_table_propagation(table, lab.spoke_attachment);
    lab.recompile();
    CHECK(dropped(lab.from_host(lab.priv_host, packet), DropReason::transit_gateway_no_route));
    lab.m.disassociate_transit_gateway_route_table(table, lab.own_attachment);
    lab.recompile();
    CHECK(dropped(lab.from_host(lab.priv_host, packet), DropReason::transit_gateway_not_associated));
    // The public subnet is in zone a, where the attachment has no subnet.
    lab.m.create_route(lab.pub_rt, "10.30.0.0/16", {"", "", "", "", "", lab.tgw});
    lab.recompile();
    CHECK(dropped(lab.from_host(lab.pub_host, test::build_packet({6, test::PipelineLab::pub_ip, spoke, 40000, 80})), DropReason::transit_gateway_no_subnet_in_zone));
    // 10.99.0.0/16: the table sends it to the spoke, whose attachment subnet's table sends it back: a loop, ended.
    TgwPipelineLab loop;
    loop.m.create_route(loop.priv_rt(), "10.99.0.0/16", {"", "", "", "", "", loop.tgw});
    loop.m.create_route(loop.m.vpc(loop.spoke_vpc).main_route_table_id, "10.99.0.0/16", {"", "", "", "", "", loop.tgw});
    loop.m.create_transit_gateway_route(loop.m.transit_gateway(loop.tgw).default_route_table_id, "10.99.0.0/16", loop.spoke_attachment, false);
    loop.recompile();
    CHECK(dropped(loop.from_host(loop.priv_host, test::build_packet({6, own, 0x0a630001, 40000, 80})), DropReason::routing_loop));
}

TEST_CASE("transit gateway: another VPC's traffic uses this VPC's interface endpoint, not its DNS server nor its gateway endpoint (edge to edge)") {
    TgwPipelineLab lab(false, true);
    // The spoke to the CloudFormation endpoint's ENI: through the gateway to the service, and its answer back.
    const auto syn = lab.from_host(lab.spoke_host, test::build_tcp_segment(spoke, lab.cf_eni_ip, 40010, 80, 0x02));
    REQUIRE(syn.sent.size() == 1);
    CHECK(syn.sent[0].port == lab.region);
    const auto answer = test::send_through(lab, lab.region, test::build_tcp_segment(lab.cf_service, lab.cf_eni_ip, 80, 40010, 0x12), lab.sp.region_mac);
    REQUIRE(answer.sent.size() == 1);
    CHECK(answer.sent[0].port == lab.spoke_host);
    const auto back = answer.sent[0].packet();
    const wire::Ipv4View ip(wire::Bytes(const_cast<std::uint8_t*>(back.data()), back.size()));
    CHECK((ip.source() == lab.cf_eni_ip && ip.destination() == spoke));
    // The VPC's Amazon DNS server answers its own VPC only (VPC User Guide, "Amazon DNS server").
    CHECK(dropped(lab.from_host(lab.spoke_host, test::build_packet({17, spoke, 0x0a0a0002, 5353, 53}, 30)), DropReason::edge_to_edge));
    // A gateway endpoint's connections "cannot be extended out of a VPC" (VPC User Guide, "Gateway endpoints").
    lab.m.create_route(lab.m.vpc(lab.spoke_vpc).main_route_table_id, "198.18.10.0/24", {"", "", "", "", "", lab.tgw});
    lab.m.create_transit_gateway_route(lab.m.transit_gateway(lab.tgw).default_route_table_id, "198.18.10.0/24", lab.own_attachment, false);
    lab.recompile();
    CHECK(dropped(lab.from_host(lab.spoke_host, test::build_packet({6, spoke, test::PipelineLab::s3, 40011, 443})), DropReason::edge_to_edge));
    // The VPC's own instance still reaches S3 through the endpoint.
    CHECK(lab.from_host(lab.priv_host, test::build_packet({6, own, test::PipelineLab::s3, 40012, 443})).sent.size() == 1);
}

TEST_CASE("transit gateway: no heap allocation per frame, across, answered or refused") {
    TgwPipelineLab lab(false, true);
    lab.m.create_transit_gateway_route(lab.m.transit_gateway(lab.tgw).default_route_table_id, "10.30.9.0/24", "", true);
    lab.m.create_route(lab.pub_rt, "10.30.0.0/16", {"", "", "", "", "", lab.tgw});  // zone a: the attachment has no subnet there
    lab.recompile();
    test::CountingSink sink;
    const test::PortFrames originals = {
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), test::build_packet({6, own, spoke, 40000, 80}))},
        {lab.spoke_host, test::frame_of(lab.mac(lab.spoke_host), test::build_packet({6, spoke, own, 80, 40000}))},
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), test::build_packet({1, own, spoke, 77, 0}, 8501 - 28))},  // answered, refused
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), test::build_packet({17, own, 0x0a1e0909, 5000, 53}))},   // blackhole
        // The spoke through the gateway to this VPC's interface endpoint, and the service's answer back through it.
        {lab.spoke_host, test::frame_of(lab.mac(lab.spoke_host), test::build_tcp_segment(spoke, lab.cf_eni_ip, 40010, 80, 0x02))},
        {lab.region, test::frame_of(lab.sp.region_mac, test::build_tcp_segment(lab.cf_service, lab.cf_eni_ip, 80, 40010, 0x12))},
        {lab.spoke_host, test::frame_of(lab.mac(lab.spoke_host), test::build_packet({17, spoke, 0x0a0a0002, 5353, 53}, 30))},  // edge to edge
        {lab.pub_host, test::frame_of(lab.mac(lab.pub_host), test::build_packet({6, test::PipelineLab::pub_ip, spoke, 40000, 80}))},  // no subnet in zone
    };
    CHECK(test::allocations_replaying(lab, originals, 2000, sink, allocations) == 0);
    CHECK(sink.sent == 2 * 2000u * 5);
    CHECK(sink.dropped == 2 * 2000u * 4);
}
