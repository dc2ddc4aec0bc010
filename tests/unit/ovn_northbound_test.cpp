// The model compiled into OVN's northbound rows, without daemons: the first seed lab against its expected rows
// (tests/expected/endpoints-lab.ovn.txt), what each AWS piece became (docs/ovn-backend.md §2), a gateway
// endpoint's routes, the region's routes back, the resolver's names, and what this slice refuses by name.
#include <doctest/doctest.h>

#include <algorithm>

#include "routing/ovn/northbound.hpp"
#include "tests/unit/expected_output.hpp"
#include "tests/unit/seed_lab_state.hpp"

using namespace vpclab;
using namespace vpclab::routing::ovn;

namespace {

std::string column(const Row* r, const std::string& key) {
    REQUIRE(r != nullptr);
    const std::string* v = r->value(key);
    return v ? *v : "(none)";
}

const routing::NetworkInterface& eni_named(const routing::VpcModel& m, const std::string& name) {
    for (const auto& i : m.instances())
        if (i.display_name() == name) return m.network_interface(i.network_interface_ids.front());
    FAIL("no instance " << name);
    throw;
}

const routing::Subnet& subnet_named(const routing::VpcModel& m, const std::string& name) {
    for (const auto& s : m.subnets())
        if (s.display_name() == name) return s;
    FAIL("no subnet " << name);
    throw;
}

}  // namespace

TEST_CASE("ovn: the first seed lab as northbound rows") {
    router::RouterState state;
    test::load_seed_lab(state, "endpoints-lab.yaml", "jh-test");
    const routing::VpcModel& m = *state.model;
    Plan plan;
    const Northbound nb = compile_northbound(m, plan);
    test::check_expected("endpoints-lab.ovn.txt", nb.text());
    CHECK(compile_northbound(m, plan).text() == nb.text());  // a pure function of the model

    const routing::Vpc& vpc = m.vpcs().front();
    CHECK(column(nb.find("Logical_Router", vpc.id), "external_ids:cidr") == "10.10.0.0/16");
    const routing::Subnet& pub = subnet_named(m, "jh-test-Public-SN");
    const routing::Subnet& priv = subnet_named(m, "jh-test-Private-SN");
    // A switch per subnet, joined to the VPC's router at base+1, naming the subnet's route table (each seed
    // subnet has its own; the main table is named the same way when a subnet has none: the next test).
    CHECK(nb.find("Logical_Switch", pub.id) != nullptr);
    CHECK(column(nb.find("Logical_Router_Port", "lrp-" + pub.id), "networks") == "10.10.0.1/24");
    CHECK(column(nb.find("Logical_Router_Port", "lrp-" + pub.id), "options:route_table") == m.effective_route_table(pub).id);
    CHECK(column(nb.find("Logical_Router_Port", "lrp-" + priv.id), "options:route_table") == m.effective_route_table(priv).id);
    CHECK(column(nb.find("Logical_Switch_Port", "rp-" + priv.id), "type") == "router");
    // The public table's default route leaves by the VPC's edge towards the region; the private table has none.
    const std::string default_route = vpc.id + "|" + m.effective_route_table(pub).id + "|0.0.0.0/0";
    CHECK(column(nb.find("Logical_Router_Static_Route", default_route), "nexthop") == "198.18.0.2");
    CHECK(column(nb.find("Logical_Router_Static_Route", default_route), "output_port") == "lrp-edge-" + vpc.id);
    CHECK(nb.find("Logical_Router_Static_Route", vpc.id + "|" + m.effective_route_table(priv).id + "|0.0.0.0/0") == nullptr);
    // Instances: port security on MAC and address (the source/destination check); bound where plugged.
    const auto& public_eni = eni_named(m, "jh-test-Public-EC2");
    const auto& private_eni = eni_named(m, "jh-test-Private-EC2");
    const std::string mac_ip = public_eni.mac.to_string() + " " + routing::format_ipv4(public_eni.private_ip);
    CHECK(column(nb.find("Logical_Switch_Port", public_eni.id), "port_security") == mac_ip);
    CHECK(column(nb.find("Logical_Switch_Port", public_eni.id), "options:requested-chassis") == "(none)");
    // Its public address: one-to-one NAT on the VPC's router.
    REQUIRE(public_eni.public_ip);
    const Row* nat = nb.find("NAT", vpc.id + "|dnat_and_snat|" + routing::format_ipv4(*public_eni.public_ip));
    CHECK(column(nat, "logical_ip") == routing::format_ipv4(public_eni.private_ip));
    CHECK(nb.find("NAT", vpc.id + "|dnat_and_snat|" + routing::format_ipv4(private_eni.private_ip)) == nullptr);
    // The region reaches it through the VPC's edge address; nothing else (no gateway endpoint yet).
    const std::uint32_t edge = plan.edge_link.network + 16;
    CHECK(column(nb.find("Logical_Router_Port", "lrp-edge-" + vpc.id), "networks") == routing::format_ipv4(edge) + "/24");
    REQUIRE(nb.region_routes.size() == 1);
    CHECK(nb.region_routes[0] == RegionRoute{{*public_eni.public_ip, 32}, edge});
    // The seed's security group: a port group of both instances, SSH allowed in, everything else dropped.
    const routing::SecurityGroup* seed_group = nullptr;
    for (const auto& g : m.security_groups())
        if (std::find(public_eni.security_group_ids.begin(), public_eni.security_group_ids.end(), g.id) != public_eni.security_group_ids.end()) seed_group = &g;
    REQUIRE(seed_group != nullptr);
    const std::string pg = ovn_identifier(seed_group->id);
    CHECK(pg.find('-') == std::string::npos);
    CHECK(column(nb.find("Port_Group", pg), "ports").find(public_eni.id) != std::string::npos);
    bool ssh_allowed = false, dropped_otherwise = false;
    for (const auto& r : nb.rows) {
        if (r.table != "ACL" || column(&r, "port_group") != pg) continue;
        ssh_allowed = ssh_allowed || (column(&r, "match").find("tcp.dst == 22") != std::string::npos && column(&r, "action") == "allow-related");
        dropped_otherwise = dropped_otherwise || (column(&r, "action") == "drop" && column(&r, "direction") == "to-lport");
    }
    CHECK(ssh_allowed);
    CHECK(dropped_otherwise);
    // The default network ACL on each subnet's router port: rule 100 allows, "*" denies, statelessly.
    const std::string allow_out = priv.id + "|to-lport|32667|outport == \"rp-" + priv.id + "\" && ip4";
    CHECK(column(nb.find("ACL", allow_out), "action") == "allow-stateless");
    CHECK(column(nb.find("ACL", priv.id + "|from-lport|0|inport == \"rp-" + priv.id + "\" && ip4"), "action") == "drop");
    // The resolver: a port at base+2 on the subnet that holds it, and every table's way to its link-local
    // address and the metadata service's.
    CHECK(column(nb.find("Logical_Switch_Port", resolver_port_name(pub.id)), "addresses") == resolver_mac(vpc.id).to_string() + " 10.10.0.2");
    CHECK(nb.find("Logical_Switch_Port", resolver_port_name(priv.id)) == nullptr);
    CHECK(column(nb.find("Logical_Router_Static_Route", vpc.id + "|" + m.effective_route_table(priv).id + "|169.254.169.254/32"), "nexthop") == "10.10.0.2");
    CHECK(nb.find("DNS", pub.id) == nullptr);
}

TEST_CASE("ovn: a gateway endpoint's prefix list becomes routes to the region; what this slice does not compile is refused by name") {
    router::RouterState state;
    test::load_seed_lab(state, "endpoints-lab.yaml", "jh-test");
    routing::VpcModel& m = *state.model;
    const routing::Vpc& vpc = m.vpcs().front();
    const std::string main_table = vpc.main_route_table_id;
    // A subnet with no table of its own: its router port names the main table.
    const std::string loose = m.create_subnet("", vpc.id, "10.10.9.0/24", "ap-northeast-2a", false, {}).id;
    CHECK(column(compile_northbound(m, {}).find("Logical_Router_Port", "lrp-" + loose), "options:route_table") == main_table);
    const std::string endpoint = m.create_gateway_endpoint("", vpc.id, "com.amazonaws.ap-northeast-2.s3", {main_table}, "", {}, "2026-12-06T00:00:00+00:00").id;
    const Northbound nb = compile_northbound(m, {});
    const routing::ManagedPrefixList& s3 = m.prefix_list(m.vpc_endpoint(endpoint).prefix_list_id);
    REQUIRE_FALSE(s3.entries.empty());
    for (const auto& entry : s3.entries) {
        const Row* route = nb.find("Logical_Router_Static_Route", vpc.id + "|" + main_table + "|" + entry.cidr.to_string());
        CHECK(column(route, "output_port") == "lrp-edge-" + vpc.id);
        CHECK(column(route, "external_ids:vpclab-route") == s3.id);
    }
    // The services' replies to the VPC's private addresses go back through its edge.
    CHECK(std::find(nb.region_routes.begin(), nb.region_routes.end(), RegionRoute{vpc.cidr, Plan{}.edge_link.network + 16}) !=
          nb.region_routes.end());

    // The second seed lab (its load balancer, endpoint service and interface endpoint): refused, naming it.
    router::RouterState second;
    test::load_seed_lab(second, "privatelink-lab.yaml", "jh-pl");
    try {
        compile_northbound(*second.model, {});
        FAIL("compiled");
    } catch (const routing::ApiError& e) {
        CHECK(e.code() == "UnsupportedOperation");
        CHECK(std::string(e.what()).find("load balancers") != std::string::npos);
    }
    // A NAT gateway in the first: refused, naming it.
    routing::VpcModel::NatGatewaySpec spec;
    spec.subnet_id = m.subnets().front().id;
    spec.allocation_id = m.allocate_address().allocation_id;
    const std::string nat = m.create_nat_gateway("", spec, 1000).id;
    try {
        compile_northbound(m, {});
        FAIL("compiled");
    } catch (const routing::ApiError& e) {
        CHECK(std::string(e.what()).find("NAT gateways") != std::string::npos);
        CHECK(std::string(e.what()).find(nat) != std::string::npos);
    }
    CHECK(ovn_identifier("sg-0abc") == "sg_0abc");
    CHECK(ovn_identifier("pl-78a54011") == "pl_78a54011");
}
