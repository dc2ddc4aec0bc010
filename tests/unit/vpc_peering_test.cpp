// VPC peering in the model and the snapshot's route decision (VPC Peering Guide): the lifecycle and what each
// state refuses (changing nothing), overlapping CIDRs failing, routes that are blackholes unless the
// connection is active, decisions that reach the peer VPC's own addresses only (not transitive), and security
// group references across the connection only while it is active.
#include <doctest/doctest.h>

#include "routing/forwarding_snapshot.hpp"
#include "routing/vpc_model.hpp"
#include "tests/unit/api_refusal.hpp"

using namespace vpclab::routing;
using vpclab::test::refusal;

namespace {
// Three VPCs, each with a subnet, its main table and one instance at base+4: A 10.1, B 10.2, C 10.3.
struct ThreeVpcs {
    VpcModel m{"pcx", "ap-northeast-2"};
    std::string vpc[3], subnet[3], rt[3], instance[3];
    ThreeVpcs() {
        for (int i = 0; i < 3; ++i) {
            const std::string net = "10." + std::to_string(i + 1);
            vpc[i] = m.create_vpc("", net + ".0.0/16", {}).id;
            subnet[i] = m.create_subnet("", vpc[i], net + ".1.0/24", "ap-northeast-2a", false, {}).id;
            rt[i] = m.vpc(vpc[i]).main_route_table_id;
            InstanceLaunch l;
            l.interfaces.push_back({0, subnet[i], std::nullopt, false, {}, true});
            instance[i] = m.run_instance(l).id;
        }
    }
    PortIndex port(int i) const { return m.network_interface(m.instance(instance[i]).network_interface_ids[0]).port; }
    static std::uint32_t ip(int i) { return 0x0a000104 + (static_cast<std::uint32_t>(i + 1) << 24 >> 8); }  // 10.(i+1).1.4
    std::string state() const {
        std::string out;
        for (const auto& p : m.vpc_peering_connections()) out += p.id + ":" + p.status + ";";
        for (const auto& t : m.route_tables()) out += t.id + ":" + std::to_string(t.routes.size()) + ";";
        return out;
    }
};
}  // namespace

TEST_CASE("peering: requested, pending; accepted, active; what each state refuses changes nothing") {
    ThreeVpcs lab;
    REQUIRE(ThreeVpcs::ip(1) == 0x0a020104);
    VpcModel& m = lab.m;
    const std::string pcx = m.create_vpc_peering_connection("", lab.vpc[0], lab.vpc[1], {}, 1000).id;
    CHECK(pcx.rfind("pcx-", 0) == 0);
    CHECK(m.vpc_peering_connection(pcx).status == "pending-acceptance");
    CHECK(m.vpc_peering_connection(pcx).message == "Pending Acceptance by 123456789012");
    const std::string before = lab.state();
    CHECK(refusal([&] { m.create_vpc_peering_connection("", lab.vpc[1], lab.vpc[0], {}, 1000); }) == "VpcPeeringConnectionAlreadyExists");
    CHECK(refusal([&] { m.create_vpc_peering_connection("", lab.vpc[0], lab.vpc[0], {}, 1000); }) == "InvalidParameterValue");
    CHECK(refusal([&] { m.create_vpc_peering_connection("", lab.vpc[0], "vpc-00000000000000000", {}, 1000); }) == "InvalidVpcID.NotFound");
    CHECK(refusal([&] { m.modify_vpc_peering_options(pcx, true, std::nullopt); }) == "OperationNotPermitted");
    CHECK(refusal([&] { m.accept_vpc_peering_connection("pcx-00000000000000000", 1000); }) == "InvalidVpcPeeringConnectionID.NotFound");
    CHECK(lab.state() == before);
    m.accept_vpc_peering_connection(pcx, 1001);
    CHECK(m.vpc_peering_connection(pcx).active());
    CHECK(refusal([&] { m.accept_vpc_peering_connection(pcx, 1002); }) == "InvalidStateTransition");
    CHECK(refusal([&] { m.reject_vpc_peering_connection(pcx, 1002); }) == "InvalidStateTransition");  // active: deleted, not rejected
    m.modify_vpc_peering_options(pcx, true, std::nullopt);
    CHECK(m.vpc_peering_connection(pcx).requester_dns);
    m.delete_vpc_peering_connection(pcx, 1003);
    CHECK(m.vpc_peering_connection(pcx).status == "deleted");
    CHECK(refusal([&] { m.delete_vpc_peering_connection(pcx, 1004); }) == "InvalidStateTransition");
    // Listed for two hours, then forgotten; a request left alone expires after a week.
    const std::string waiting = m.create_vpc_peering_connection("", lab.vpc[0], lab.vpc[2], {}, 1005).id;
    m.forget_old_vpc_peering_connections(1003 + VpcModel::peering_listed_seconds);
    CHECK(m.vpc_peering_connections().size() == 2);
    m.forget_old_vpc_peering_connections(1004 + VpcModel::peering_listed_seconds);
    CHECK(m.vpc_peering_connections().size() == 1);
    m.forget_old_vpc_peering_connections(1006 + VpcModel::peering_request_seconds);
    CHECK(m.vpc_peering_connection(waiting).status == "expired");
    CHECK(refusal([&] { m.accept_vpc_peering_connection(waiting, 1007 + VpcModel::peering_request_seconds); }) == "InvalidStateTransition");
}

TEST_CASE("peering: overlapping CIDRs fail at once, and a failed connection can be neither accepted nor deleted") {
    ThreeVpcs lab;
    const std::string overlapping = lab.m.create_vpc("", "10.1.128.0/17", {}).id;
    const auto& p = lab.m.create_vpc_peering_connection("", lab.vpc[0], overlapping, {}, 1000);
    CHECK(p.status == "failed");
    CHECK(p.message == "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range");
    const std::string id = p.id;
    CHECK(refusal([&] { lab.m.accept_vpc_peering_connection(id, 1000); }) == "InvalidStateTransition");
    CHECK(refusal([&] { lab.m.delete_vpc_peering_connection(id, 1000); }) == "InvalidStateTransition");
    CHECK(refusal([&] { lab.m.create_route(lab.rt[0], "10.1.128.0/17", {"", "", "", "", id}); }) == "InvalidVpcPeeringConnectionID.NotFound");
}

TEST_CASE("peering: traffic needs an active connection and a route; it reaches the peer VPC's addresses only") {
    ThreeVpcs lab;
    VpcModel& m = lab.m;
    const std::string ab = m.create_vpc_peering_connection("", lab.vpc[0], lab.vpc[1], {}, 1000).id;
    const std::string bc = m.create_vpc_peering_connection("", lab.vpc[1], lab.vpc[2], {}, 1000).id;
    m.accept_vpc_peering_connection(bc, 1000);
    // A route to a pending connection is allowed, and a blackhole until it is accepted.
    m.create_route(lab.rt[0], "10.2.0.0/16", {"", "", "", "", ab});
    m.create_route(lab.rt[0], "10.3.0.0/16", {"", "", "", "", ab});  // A's way to C through B
    CHECK(m.route_is_blackhole(m.route_table(lab.rt[0]), m.route_table(lab.rt[0]).routes[1]));
    CHECK(refusal([&] { m.create_route(lab.rt[2], "10.1.0.0/16", {"", "", "", "", ab}); }) == "InvalidParameterValue");  // C is not of A–B
    CHECK(refusal([&] { m.create_route(lab.rt[0], "10.1.5.0/24", {"", "", "", "", ab}); }) == "InvalidParameterValue");  // inside A
    auto snap = ForwardingSnapshot::compile(m);
    CHECK(snap->decide(lab.port(0), ThreeVpcs::ip(0), ThreeVpcs::ip(1)).outcome == Outcome::drop_no_route);
    m.accept_vpc_peering_connection(ab, 1001);
    snap = ForwardingSnapshot::compile(m);
    const Decision to_b = snap->decide(lab.port(0), ThreeVpcs::ip(0), ThreeVpcs::ip(1));
    CHECK(to_b.outcome == Outcome::vpc_peering);
    CHECK(to_b.port == lab.port(1));
    CHECK(snap->vpc_peering_id(to_b.peering) == ab);
    // C's address through the A–B connection: not transitive.
    const Decision to_c = snap->decide(lab.port(0), ThreeVpcs::ip(0), ThreeVpcs::ip(2));
    CHECK(to_c.outcome == Outcome::drop_peering_transitive);
    CHECK(snap->vpc_peering_id(to_c.peering) == ab);
    // B answers only with its own route back.
    CHECK(snap->decide(lab.port(1), ThreeVpcs::ip(1), ThreeVpcs::ip(0)).outcome == Outcome::drop_no_route);
    m.create_route(lab.rt[1], "10.1.0.0/16", {"", "", "", "", ab});
    snap = ForwardingSnapshot::compile(m);
    CHECK(snap->decide(lab.port(1), ThreeVpcs::ip(1), ThreeVpcs::ip(0)).outcome == Outcome::vpc_peering);
    // An address of B that no ENI holds.
    CHECK(snap->decide(lab.port(0), ThreeVpcs::ip(0), 0x0a020163).outcome == Outcome::drop_no_such_address);
    // Deleted: the routes stay, as blackholes, and carry nothing at once.
    m.delete_vpc_peering_connection(ab, 1002);
    snap = ForwardingSnapshot::compile(m);
    CHECK(m.route_is_blackhole(m.route_table(lab.rt[0]), m.route_table(lab.rt[0]).routes[1]));
    CHECK(snap->decide(lab.port(0), ThreeVpcs::ip(0), ThreeVpcs::ip(1)).outcome == Outcome::drop_no_route);
}

TEST_CASE("peering: a rule may reference a peer VPC's group while the connection is active; after, it is stale and matches nothing") {
    ThreeVpcs lab;
    VpcModel& m = lab.m;
    const std::string group_a = m.vpc(lab.vpc[0]).default_security_group_id, group_b = m.vpc(lab.vpc[1]).default_security_group_id;
    SecurityGroupRule from_a;
    from_a.source_group_id = group_a;
    const std::string before = lab.state();
    CHECK(refusal([&] { m.authorize_security_group(group_b, true, {from_a}); }) == "InvalidGroup.NotFound");  // not peered
    CHECK(lab.state() == before);
    const std::string ab = m.create_vpc_peering_connection("", lab.vpc[0], lab.vpc[1], {}, 1000).id;
    CHECK(refusal([&] { m.authorize_security_group(group_b, true, {from_a}); }) == "InvalidGroup.NotFound");  // pending
    m.accept_vpc_peering_connection(ab, 1000);
    m.authorize_security_group(group_b, true, {from_a});
    auto rules = [&] { return compile_security_groups(m, {group_b}).ingress; };
    auto admits = [&](std::uint32_t address) {
        for (const auto& r : rules())
            if ((address & r.mask) == r.network) return true;
        return false;
    };
    CHECK(admits(ThreeVpcs::ip(0)));   // A's instance, a member of the referenced group
    CHECK(!admits(ThreeVpcs::ip(2)));  // C's is not
    m.delete_vpc_peering_connection(ab, 1001);
    CHECK(!admits(ThreeVpcs::ip(0)));  // stale: the rule stays, matching nothing
    bool kept = false;
    for (const auto& r : m.security_group(group_b).ingress) kept = kept || r.source_group_id == group_a;
    CHECK(kept);
}

TEST_CASE("peering: deleting either VPC deletes its connections then, listed two hours from that time") {
    ThreeVpcs lab;
    VpcModel& m = lab.m;
    const std::string lone = m.create_vpc("", "10.9.0.0/16", {}).id;
    const std::string pcx = m.create_vpc_peering_connection("", lab.vpc[0], lone, {}, 1000).id;
    m.accept_vpc_peering_connection(pcx, 1000);
    m.delete_vpc(lone, 5000);
    const VpcPeeringConnection& p = m.vpc_peering_connection(pcx);
    CHECK(p.status == "deleted");
    CHECK(p.gone_at == 5000);
    CHECK(p.listed_at(5000 + VpcModel::peering_listed_seconds));
    CHECK(!p.listed_at(5001 + VpcModel::peering_listed_seconds));
    CHECK(p.requester_cidr.to_string() == "10.1.0.0/16");  // shown as it was
}
