// VPC peering on the frame pipeline: a packet crosses an active connection to an ENI of the peer VPC untranslated,
// judged by both subnets' network ACLs and both ENIs' security groups, recorded as a vpc_peering step naming
// the connection; a third VPC (transitive) or the internet beyond the peer (edge to edge) is not reached, and
// the peer's NAT gateway takes nothing it did not open: each dropped and counted.
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

// The pipeline lab (VPC 10.10.0.0/16) peered with a second VPC 10.20.0.0/16 holding one instance (10.20.1.4)
// and a private NAT gateway; routes both ways on the private subnet's table and the peer's main table.
struct PeeredLab : test::PipelineLab {
    std::string peer_nat;
    std::uint32_t peer_nat_ip = 0;
    PeeredLab() {
        add_peered_vpc();
        const auto& g = add_nat_gateway(peer_subnet, false);
        peer_nat = g.id;
        peer_nat_ip = g.private_ip;
        recompile();
    }
    test::RecordingSink from_host(PortIndex host, const std::vector<std::uint8_t>& p) { return test::send_through(*this, host, p, mac(host)); }
};

}  // namespace

TEST_CASE("peering: across the connection untranslated, both ways, recorded as a step naming it") {
    PeeredLab lab;
    const auto packet = test::build_packet({6, test::PipelineLab::priv_ip, PeeredLab::peer_ip, 40000, 80});
    auto out = lab.from_host(lab.priv_host, packet);
    REQUIRE(out.sent.size() == 1);
    CHECK(out.sent[0].port == lab.peer_host);
    CHECK(out.sent[0].packet() == packet);  // no translation: the peer sees the sender's own address
    CHECK(out.sent[0].source() == lab.snap->subnet(lab.snap->port(lab.peer_host).subnet).router_mac);
    auto back = lab.from_host(lab.peer_host, test::build_packet({6, PeeredLab::peer_ip, test::PipelineLab::priv_ip, 80, 40000}));
    REQUIRE(back.sent.size() == 1);
    CHECK(back.sent[0].port == lab.priv_host);
    // The steps: route (to the connection), the sender's subnet's ACL and groups out, the connection, the
    // peer's ACL and groups in, delivered.
    auto f = test::frame_of(lab.mac(lab.priv_host), packet);
    test::RecordingSink sink;
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    StepLog log;
    process_frame(*lab.snap, lab.priv_host, f, scratch, sink, lab.flows, &log);
    std::vector<Stage> stages;
    for (const Step& s : log) stages.push_back(s.stage);
    CHECK(stages == std::vector<Stage>{Stage::edge, Stage::route, Stage::vpc_peering, Stage::acl_out, Stage::sg_egress, Stage::acl_in,
                                       Stage::sg_ingress, Stage::deliver});
    CHECK(log.steps[1].outcome == routing::Outcome::vpc_peering);
    CHECK(lab.snap->vpc_peering_id(log.steps[1].table) == lab.pcx);
    CHECK(lab.snap->vpc_peering_id(log.steps[2].table) == lab.pcx);
    CHECK(log.steps[2].next == lab.peer_host);
}

TEST_CASE("peering: flow logs record each ENI's side, the sender's egress through the connection as traffic-path 4") {
    test::LoggedLab<PeeredLab> s;
    const auto own = test::PipelineLab::priv_ip, peer = PeeredLab::peer_ip;
    REQUIRE(s.send(s.lab.priv_host, test::build_packet({6, own, peer, 40000, 80}, 10)).sent.size() == 1);
    const auto r = s.records();
    REQUIRE(r.size() == 2);
    for (const auto& record : r) {
        CHECK(record.key.action == FlowAction::accept);
        const bool egress = record.key.direction == FlowDirection::egress;
        CHECK(record.key.port == (egress ? s.lab.priv_host : s.lab.peer_host));
        // VPC User Guide, "Flow log records": 4 "through an intra-Region VPC peering connection"; ingress has none.
        CHECK(record.traffic_path == (egress ? 4 : 0));
    }
}

TEST_CASE("peering: the peer's network ACL judges what arrives across the connection") {
    PeeredLab lab;
    routing::NetworkAclEntry deny;
    deny.rule_number = 10;
    deny.protocol = "6";
    deny.cidr = routing::Cidr{0x0a0a0000, 16};
    deny.port_range = routing::NetworkAclEntry::PortRange{80, 80};
    const std::string acl = lab.m.create_network_acl("", lab.peer_vpc, {}).id;
    lab.m.create_network_acl_entry(acl, deny);
    std::string association;
    for (const auto& a : lab.m.network_acl_of(lab.peer_subnet).associations)
        if (a.subnet_id == lab.peer_subnet) association = a.association_id;
    lab.m.replace_network_acl_association(association, acl);
    lab.recompile();
    const auto out = lab.from_host(lab.priv_host, test::build_packet({6, test::PipelineLab::priv_ip, PeeredLab::peer_ip, 40000, 80}));
    CHECK(dropped(out, DropReason::network_acl_inbound));
    CHECK(out.drops[0].first == lab.peer_host);
}

TEST_CASE("peering: not through the peer's NAT gateway, not beyond the peer, not from beyond this VPC, nothing once deleted") {
    PeeredLab lab;
    CHECK(dropped(lab.from_host(lab.priv_host, test::build_packet({17, test::PipelineLab::priv_ip, lab.peer_nat_ip, 5000, 53})),
                  DropReason::nat_gateway_unsolicited));
    // An appliance (source/destination check off) forwarding a packet from beyond its VPC: not across.
    lab.m.modify_source_dest_check(lab.m.instance(lab.m.instances()[1].id).network_interface_ids[0], false);
    lab.recompile();
    CHECK(dropped(lab.from_host(lab.priv_host, test::build_packet({6, 0xc6120a0a, PeeredLab::peer_ip, 80, 40000})), DropReason::peering_not_transitive));
    // The internet through the peer (a route to 0.0.0.0/0 via the connection): not an address of the peer VPC.
    lab.m.create_route(lab.priv_rt(), "0.0.0.0/0", {"", "", "", "", lab.pcx});
    lab.recompile();
    CHECK(dropped(lab.from_host(lab.priv_host, test::build_packet({6, test::PipelineLab::priv_ip, test::PipelineLab::s3 + 0x5a00, 40000, 80})),
                  DropReason::peering_not_transitive));
    lab.m.delete_vpc_peering_connection(lab.pcx, 2000);
    lab.recompile();
    CHECK(dropped(lab.from_host(lab.priv_host, test::build_packet({6, test::PipelineLab::priv_ip, PeeredLab::peer_ip, 40000, 80})), DropReason::no_route));
}

TEST_CASE("peering: no heap allocation per frame, across the connection or refused") {
    PeeredLab lab;
    lab.m.create_route(lab.priv_rt(), "0.0.0.0/0", {"", "", "", "", lab.pcx});  // beyond the peer: not transitive
    lab.recompile();
    constexpr std::uint32_t own = test::PipelineLab::priv_ip, peer = PeeredLab::peer_ip;
    test::CountingSink sink;
    const test::PortFrames originals = {
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), test::build_packet({6, own, peer, 40000, 80}))},
        {lab.peer_host, test::frame_of(lab.mac(lab.peer_host), test::build_packet({6, peer, own, 80, 40000}))},
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), test::build_packet({1, own, peer, 77, 0}, 56))},
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), test::build_packet({6, own, test::PipelineLab::s3, 40000, 80}))},  // refused
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), test::build_packet({17, own, lab.peer_nat_ip, 5000, 53}))},      // refused
    };
    CHECK(test::allocations_replaying(lab, originals, 2000, sink, allocations) == 0);
    CHECK(sink.sent == 2 * 2000u * 3);
    CHECK(sink.dropped == 2 * 2000u * 2);
}
