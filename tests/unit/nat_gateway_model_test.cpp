// NAT gateways in the model (VPC User Guide, "NAT gateways"; EC2 API reference, CreateNatGateway, NatGateway,
// DeleteNatGateway): what is refused at once (changing nothing), what fails as AWS reports it, the ENI and
// Elastic IP a gateway holds, routes to it and their blackhole once it is gone, and how long it stays listed.
#include <doctest/doctest.h>

#include "routing/forwarding_snapshot.hpp"
#include "routing/vpc_model.hpp"
#include "tests/unit/api_refusal.hpp"
#include "tests/unit/two_subnet_lab.hpp"

using namespace vpclab::routing;
using vpclab::test::refusal;
using vpclab::test::TwoSubnetLab;

namespace {
VpcModel::NatGatewaySpec public_in(const std::string& subnet, const std::string& allocation) {
    VpcModel::NatGatewaySpec s;
    s.subnet_id = subnet;
    s.allocation_id = allocation;
    return s;
}
// What a refusal must leave as it was: the gateways, ENIs and Elastic IPs.
std::string state_of(const VpcModel& m) {
    std::string out;
    for (const auto& g : m.nat_gateways()) out += g.id + ":" + g.state + ";";
    for (const auto& e : m.network_interfaces()) out += e.id + ";";
    for (const auto& e : m.elastic_ips()) out += e.allocation_id + ">" + e.network_interface_id + ";";
    return out;
}
}  // namespace

TEST_CASE("a public NAT gateway takes its Elastic IP onto a requester-managed ENI in its subnet, with no security groups") {
    TwoSubnetLab lab;
    const ElasticIp& eip = lab.m.allocate_address();
    const std::string allocation = eip.allocation_id;
    const std::uint32_t address = eip.public_ip;
    const NatGateway& g = lab.m.create_nat_gateway("", public_in(lab.pub, allocation), 1000);
    CHECK(g.id.rfind("nat-", 0) == 0);
    CHECK(g.state == "available");
    CHECK(g.public_ip == address);
    CHECK(g.vpc_id == lab.vpc);
    const NetworkInterface& eni = lab.m.network_interface(g.network_interface_id);
    CHECK(eni.subnet_id == lab.pub);
    CHECK(eni.interface_type == "nat_gateway");
    CHECK(eni.requester_managed());
    CHECK(eni.security_group_ids.empty());
    CHECK(!eni.source_dest_check);
    CHECK(eni.public_ip == address);
    CHECK(eni.private_ip == g.private_ip);
    CHECK(eni.description == "Interface for NAT Gateway " + g.id);
    CHECK(lab.m.elastic_ips().front().network_interface_id == eni.id);
    // The ENI is AWS's: the account cannot change it, nor take its Elastic IP, nor release it.
    const std::string before = state_of(lab.m);
    CHECK(refusal([&] { lab.m.delete_network_interface(eni.id); }) == "OperationNotPermitted");
    CHECK(refusal([&] { lab.m.disassociate_address(lab.m.elastic_ips().front().association_id); }) == "OperationNotPermitted");
    CHECK(refusal([&] { lab.m.release_address(allocation); }) == "InvalidIPAddress.InUse");
    CHECK(refusal([&] { lab.m.delete_subnet(lab.pub); }) == "DependencyViolation");
    CHECK(refusal([&] { lab.m.detach_internet_gateway(lab.igw, lab.vpc); }) == "DependencyViolation");
    CHECK(state_of(lab.m) == before);
    // A template's gateway has an ID drawn from its logical ID, like every template resource.
    TwoSubnetLab again;
    const std::string again_allocation = again.m.allocate_address({}, "Eip").allocation_id;
    CHECK(again_allocation == TwoSubnetLab().m.allocate_address({}, "Eip").allocation_id);
    CHECK(again.m.create_nat_gateway("Nat", public_in(again.pub, again_allocation), 1000).id == again.m.template_id("nat", "Nat"));
}

TEST_CASE("CreateNatGateway refuses what EC2 refuses at once, changing nothing") {
    TwoSubnetLab lab;
    const std::string allocation = lab.m.allocate_address().allocation_id;
    const std::string before = state_of(lab.m);
    CHECK(refusal([&] { lab.m.create_nat_gateway("", public_in("subnet-00000000000000000", allocation), 1000); }) == "InvalidSubnetID.NotFound");
    CHECK(refusal([&] { lab.m.create_nat_gateway("", public_in(lab.pub, ""), 1000); }) == "MissingParameter");
    auto odd = public_in(lab.pub, allocation);
    odd.connectivity_type = "semi";
    CHECK(refusal([&] { lab.m.create_nat_gateway("", odd, 1000); }) == "InvalidParameterValue");
    auto private_with_eip = public_in(lab.pub, allocation);
    private_with_eip.connectivity_type = "private";
    CHECK(refusal([&] { lab.m.create_nat_gateway("", private_with_eip, 1000); }) == "InvalidParameterCombination");
    auto outside = public_in(lab.pub, allocation);
    outside.private_ip = 0x0a0a0104;  // 10.10.1.4: the private subnet's
    CHECK(refusal([&] { lab.m.create_nat_gateway("", outside, 1000); }) == "InvalidParameterValue");
    CHECK(state_of(lab.m) == before);
    // Five in a zone ("Troubleshoot NAT gateways"): the sixth is refused; a deleted one no longer counts.
    VpcModel::NatGatewaySpec p;
    p.subnet_id = lab.pub;
    p.connectivity_type = "private";
    std::vector<std::string> made;
    for (int i = 0; i < 5; ++i) made.push_back(lab.m.create_nat_gateway("", p, 1000).id);
    const std::string five = state_of(lab.m);
    CHECK(refusal([&] { lab.m.create_nat_gateway("", p, 1000); }) == "NatGatewayLimitExceeded");
    CHECK(state_of(lab.m) == five);
    lab.m.delete_nat_gateway(made[0], 1001);
    CHECK(lab.m.create_nat_gateway("", p, 1002).available());
}

TEST_CASE("what AWS reports later makes the gateway failed, with AWS's code and message, and holds nothing") {
    TwoSubnetLab lab;
    const std::string allocation = lab.m.allocate_address().allocation_id;
    // An Elastic IP that does not exist, or is associated already.
    const NatGateway& missing = lab.m.create_nat_gateway("", public_in(lab.pub, "eipalloc-00000000000000000"), 1000);
    CHECK(missing.state == "failed");
    CHECK(missing.failure_code == "InvalidAllocationID.NotFound");
    CHECK(missing.failure_message == "Elastic IP address eipalloc-00000000000000000 could not be associated with this NAT gateway");
    CHECK(missing.network_interface_id.empty());
    const std::string first = lab.m.create_nat_gateway("", public_in(lab.pub, allocation), 1000).id;
    const NatGateway& taken = lab.m.create_nat_gateway("", public_in(lab.priv, allocation), 1000);
    CHECK(taken.failure_code == "Resource.AlreadyAssociated");
    CHECK(taken.failure_message == "Elastic IP address " + allocation + " is already associated");
    // A public one in a VPC without an attached internet gateway.
    VpcModel m2("s", "ap-northeast-2");
    const std::string vpc = m2.create_vpc("", "10.1.0.0/16", {}).id;
    const std::string subnet = m2.create_subnet("", vpc, "10.1.0.0/24", "ap-northeast-2a", false, {}).id;
    const NatGateway& detached = m2.create_nat_gateway("", public_in(subnet, m2.allocate_address().allocation_id), 1000);
    CHECK(detached.failure_code == "Gateway.NotAttached");
    CHECK(detached.failure_message == "Network " + vpc + " has no Internet gateway attached");
    // A full subnet (a /28 holds 11 addresses).
    const std::string tiny = m2.create_subnet("", vpc, "10.1.1.0/28", "ap-northeast-2a", false, {}).id;
    for (int i = 0; i < 11; ++i) m2.create_network_interface("", tiny, std::nullopt, {}, "", {});
    VpcModel::NatGatewaySpec p;
    p.subnet_id = tiny;
    p.connectivity_type = "private";
    const NatGateway& full = m2.create_nat_gateway("", p, 1000);
    CHECK(full.failure_code == "InsufficientFreeAddressesInSubnet");
    CHECK(full.failure_message == "Subnet has insufficient free addresses to create this NAT gateway");
    // A failed gateway cannot be routed to or deleted, and is forgotten after about an hour.
    CHECK(refusal([&] { lab.m.create_route(lab.priv_rt(), "0.0.0.0/0", {"", "", "", taken.id}); }) == "InvalidNatGatewayID.NotFound");
    CHECK(refusal([&] { lab.m.delete_nat_gateway(taken.id, 1000); }) == "NatGatewayNotFound");
    CHECK(lab.m.nat_gateways().size() == 3);
    lab.m.forget_old_nat_gateways(1000 + VpcModel::nat_gateway_listed_seconds);
    CHECK(lab.m.nat_gateways().size() == 3);
    lab.m.forget_old_nat_gateways(1001 + VpcModel::nat_gateway_listed_seconds);
    REQUIRE(lab.m.nat_gateways().size() == 1);
    CHECK(lab.m.nat_gateways().front().id == first);
}

TEST_CASE("routes to a NAT gateway: its VPC's tables only; deleted, it leaves them blackholes and its Elastic IP allocated") {
    TwoSubnetLab lab;
    const std::string allocation = lab.m.allocate_address().allocation_id;
    const NatGateway& g = lab.m.create_nat_gateway("", public_in(lab.pub, allocation), 1000);
    const std::string nat = g.id, eni = g.network_interface_id;
    lab.m.create_route(lab.priv_rt(), "0.0.0.0/0", {"", "", "", nat});
    const Route& route = lab.m.route_table(lab.priv_rt()).routes.back();
    CHECK(route.target_kind == RouteTargetKind::nat_gateway);
    CHECK(route.target_id == nat);
    CHECK(!lab.m.route_is_blackhole(lab.m.route_table(lab.priv_rt()), route));
    // More specific than the local route is allowed for a NAT gateway (as for an ENI); the VPC's own CIDR is not.
    lab.m.create_route(lab.priv_rt(), "10.10.0.0/24", {"", "", "", nat});
    CHECK(refusal([&] { lab.m.create_route(lab.priv_rt(), "10.10.0.0/16", {"", "", "", nat}); }) == "InvalidParameterValue");
    CHECK(refusal([&] { lab.m.create_route(lab.priv_rt(), "0.0.0.0/0", {lab.igw, "", "", nat}); }) == "InvalidParameterCombination");
    CHECK(refusal([&] { lab.m.create_route(lab.priv_rt(), "1.0.0.0/8", {"", "", "", "nat-00000000000000000"}); }) == "InvalidNatGatewayID.NotFound");
    VpcModel& m = lab.m;
    const std::string other_vpc = m.create_vpc("", "10.50.0.0/16", {}).id;
    CHECK(refusal([&] { m.create_route(m.vpc(other_vpc).main_route_table_id, "0.0.0.0/0", {"", "", "", nat}); }) == "InvalidParameterValue");
    // The snapshot sends the route's traffic to the gateway's ENI.
    auto snap = ForwardingSnapshot::compile(m);
    lab.launch(lab.priv);
    snap = ForwardingSnapshot::compile(m);
    const PortIndex host = lab.port_of(m.instances().back().id);
    const Decision d = snap->decide(host, snap->port(host).ip, 0x08080808, 6, 80);
    CHECK(d.outcome == Outcome::nat_gateway);
    CHECK(d.port == m.network_interface(eni).port);
    CHECK(snap->nat_gateway_id(snap->port(d.port).nat_gateway) == nat);
    // Deleted: "deleted", its ENI gone, its Elastic IP disassociated but kept; its routes blackholes.
    m.delete_nat_gateway(nat, 2000);
    CHECK(m.nat_gateway(nat).state == "deleted");
    CHECK(m.nat_gateway(nat).created_at == 1000);
    CHECK(m.nat_gateway(nat).gone_at == 2000);  // DeleteTime
    CHECK(refusal([&] { m.network_interface(eni); }) == "InvalidNetworkInterfaceID.NotFound");
    CHECK(m.elastic_ips().size() == 1);
    CHECK(m.elastic_ips().front().association_id.empty());
    CHECK(m.route_is_blackhole(m.route_table(lab.priv_rt()), m.route_table(lab.priv_rt()).routes[1]));
    snap = ForwardingSnapshot::compile(m);
    CHECK(snap->decide(host, snap->port(host).ip, 0x08080808, 6, 80).outcome == Outcome::drop_no_route);
    CHECK(refusal([&] { m.delete_nat_gateway(nat, 2001); }) == "NatGatewayNotFound");
    // The Elastic IP can be released now.
    m.release_address(allocation);
    CHECK(m.elastic_ips().empty());
}
