// Interface endpoints in the model and the resolver: one requester-managed ENI per subnet and AZ, the
// regional and zonal DNS names, private DNS in the endpoint's VPC only (two VPCs with the same CIDR), and
// refusals that name what is wrong and change nothing.
#include <doctest/doctest.h>

#include <regex>

#include "endpoints/dns_zone.hpp"
#include "routing/api_error.hpp"
#include "tests/unit/api_refusal.hpp"

using namespace vpclab;
using routing::ApiError;

namespace {

const std::string cloudformation = "com.amazonaws.ap-northeast-2.cloudformation";
const std::string cloudformation_name = "cloudformation.ap-northeast-2.amazonaws.com";

// The first seed lab's VPC (public 10.10.0.0/24 in 2a, private 10.10.1.0/24 in 2c, one instance each) and
// a second VPC with the same CIDR, offering the region catalog's services.
struct Lab {
    endpoints::RegionCatalog catalog{"ap-northeast-2", {}};
    routing::VpcModel m{"ie", "ap-northeast-2"};
    std::string vpc, pub, priv, other_vpc, other_sub, web;
    Lab() {
        m.offer_services(catalog.service_offers());
        vpc = m.create_vpc("V", "10.10.0.0/16", {}).id;
        pub = m.create_subnet("Pub", vpc, "10.10.0.0/24", "ap-northeast-2a", false, {}).id;
        priv = m.create_subnet("Priv", vpc, "10.10.1.0/24", "ap-northeast-2c", false, {}).id;
        other_vpc = m.create_vpc("W", "10.10.0.0/16", {}).id;
        other_sub = m.create_subnet("WPub", other_vpc, "10.10.0.0/24", "ap-northeast-2a", false, {}).id;
        web = m.create_security_group("Web", vpc, "web", "HTTP", {}, std::nullopt, {}).id;
        for (const auto& s : {pub, priv, other_sub}) {
            routing::InstanceLaunch l;
            l.interfaces.push_back({0, s, std::nullopt, false, {}, true});
            m.run_instance(l);
        }
    }
    void hostnames(const std::string& v, bool on) { m.modify_vpc_attribute(v, std::nullopt, on); }
    std::vector<std::uint32_t> answer(std::size_t vpc_index, const std::string& name) const {
        const auto zone = endpoints::build_zone(m, catalog, vpc_index);
        const auto it = zone.a_records.find(name);
        return it == zone.a_records.end() ? std::vector<std::uint32_t>{} : it->second;
    }
    std::uint32_t public_address() const { return catalog.find_by_service_name(cloudformation)->addresses.front(); }
};

using test::refusal;

}  // namespace

TEST_CASE("an interface endpoint: an ENI per subnet, its DNS names, private DNS inside its own VPC only") {
    Lab lab;
    auto& m = lab.m;
    CHECK(lab.answer(0, cloudformation_name) == std::vector<std::uint32_t>{lab.public_address()});
    lab.hostnames(lab.vpc, true);
    const auto& e = m.create_interface_endpoint("", lab.vpc, cloudformation, {lab.priv}, {lab.web}, std::nullopt, "", {}, "t");
    const std::string id = e.id;
    CHECK(e.private_dns_enabled);  // the API's default for AWS services
    REQUIRE(e.network_interface_ids.size() == 1);
    const auto& eni = m.network_interface(e.network_interface_ids[0]);
    CHECK(eni.interface_type == "vpc_endpoint");
    CHECK(eni.requester_managed());
    CHECK(eni.description == "VPC Endpoint Interface " + id);
    CHECK(eni.instance_id.empty());
    CHECK(routing::Cidr{0x0a0a0100, 24}.contains(eni.private_ip));
    CHECK(eni.private_ip != 0x0a0a0104);  // not the instance's address: allocated like an instance's
    CHECK(eni.security_group_ids == std::vector<std::string>{lab.web});
    const std::string regional = routing::endpoint_regional_dns_name(m.vpc_endpoint(id), m.region());
    CHECK(std::regex_match(regional, std::regex("vpce-[0-9a-f]{17}-[a-z0-9]{8}\\.cloudformation\\.ap-northeast-2\\.vpce\\.amazonaws\\.com")));
    CHECK(regional.rfind(id + "-", 0) == 0);
    const std::string zonal_c = routing::endpoint_zonal_dns_name(m.vpc_endpoint(id), m.region(), "ap-northeast-2c");
    CHECK(zonal_c == regional.substr(0, id.size() + 9) + "-ap-northeast-2c" + regional.substr(id.size() + 9));

    // The seed's §2.3: the private subnet first, then both.
    CHECK(lab.answer(0, cloudformation_name) == std::vector<std::uint32_t>{eni.private_ip});
    m.modify_interface_endpoint(id, {{lab.pub}, {}, {}, {}, std::nullopt, std::nullopt, false});
    const auto& both = m.vpc_endpoint(id);
    REQUIRE(both.network_interface_ids.size() == 2);
    const std::uint32_t in_priv = m.network_interface(both.network_interface_ids[0]).private_ip;
    const std::uint32_t in_pub = m.network_interface(both.network_interface_ids[1]).private_ip;
    CHECK(routing::Cidr{0x0a0a0000, 24}.contains(in_pub));
    CHECK(lab.answer(0, cloudformation_name) == std::vector<std::uint32_t>{in_priv, in_pub});
    CHECK(lab.answer(0, regional) == std::vector<std::uint32_t>{in_priv, in_pub});
    CHECK(lab.answer(0, routing::endpoint_zonal_dns_name(both, m.region(), "ap-northeast-2a")) == std::vector<std::uint32_t>{in_pub});
    CHECK(lab.answer(0, zonal_c) == std::vector<std::uint32_t>{in_priv});
    // The other VPC (same CIDR): the public answer for the service, the endpoint's names as anywhere.
    CHECK(lab.answer(1, cloudformation_name) == std::vector<std::uint32_t>{lab.public_address()});
    CHECK(lab.answer(1, regional) == std::vector<std::uint32_t>{in_priv, in_pub});

    // Private DNS off: the service's name is public again, the endpoint's names still give the ENIs.
    m.modify_interface_endpoint(id, {{}, {}, {}, {}, false, std::nullopt, false});
    CHECK(lab.answer(0, cloudformation_name) == std::vector<std::uint32_t>{lab.public_address()});
    CHECK(lab.answer(0, regional) == std::vector<std::uint32_t>{in_priv, in_pub});
    m.modify_interface_endpoint(id, {{}, {}, {}, {}, true, std::nullopt, false});
    CHECK(lab.answer(0, cloudformation_name).size() == 2);
    // Removing a subnet takes its ENI; deleting the endpoint takes the rest and restores the public answer.
    const std::string pub_eni = both.network_interface_ids[1];
    m.modify_interface_endpoint(id, {{}, {lab.priv}, {}, {}, std::nullopt, std::nullopt, false});
    CHECK(lab.answer(0, cloudformation_name) == std::vector<std::uint32_t>{in_pub});
    const std::size_t interfaces = m.network_interfaces().size();
    m.delete_vpc_endpoint(id);
    CHECK(m.network_interfaces().size() == interfaces - 1);
    CHECK(refusal([&] { m.network_interface(pub_eni); }) == "InvalidNetworkInterfaceID.NotFound");
    CHECK(lab.answer(0, cloudformation_name) == std::vector<std::uint32_t>{lab.public_address()});
    CHECK(lab.answer(0, regional).empty());
}

TEST_CASE("the same service's endpoints in two VPCs with one CIDR, and two services in one VPC") {
    Lab lab;
    auto& m = lab.m;
    lab.hostnames(lab.vpc, true);
    lab.hostnames(lab.other_vpc, true);
    const auto a = m.create_interface_endpoint("", lab.vpc, cloudformation, {lab.pub}, {}, std::nullopt, "", {}, "t").id;
    const auto b = m.create_interface_endpoint("", lab.other_vpc, cloudformation, {lab.other_sub}, {}, std::nullopt, "", {}, "t").id;
    const auto sts = m.create_interface_endpoint("", lab.vpc, "com.amazonaws.ap-northeast-2.sts", {lab.pub}, {}, std::nullopt, "", {}, "t").id;
    const std::uint32_t ip_a = m.network_interface(m.vpc_endpoint(a).network_interface_ids[0]).private_ip;
    const std::uint32_t ip_b = m.network_interface(m.vpc_endpoint(b).network_interface_ids[0]).private_ip;
    const std::uint32_t ip_sts = m.network_interface(m.vpc_endpoint(sts).network_interface_ids[0]).private_ip;
    CHECK(ip_a == ip_b);  // the same first free address of the same CIDR: only the VPC tells them apart
    CHECK(ip_sts != ip_a);
    CHECK(m.vpc_endpoint(a).slot != m.vpc_endpoint(b).slot);
    CHECK(lab.answer(0, cloudformation_name) == std::vector<std::uint32_t>{ip_a});
    CHECK(lab.answer(1, cloudformation_name) == std::vector<std::uint32_t>{ip_b});
    CHECK(lab.answer(0, "sts.ap-northeast-2.amazonaws.com") == std::vector<std::uint32_t>{ip_sts});
    CHECK(lab.answer(1, "sts.ap-northeast-2.amazonaws.com") != std::vector<std::uint32_t>{ip_sts});
    // The default group when none is named.
    CHECK(m.vpc_endpoint(a).security_group_ids == std::vector<std::string>{m.vpc(lab.vpc).default_security_group_id});
}

TEST_CASE("interface endpoint refusals name what is wrong and change nothing") {
    Lab lab;
    auto& m = lab.m;
    auto unchanged = [&, endpoints = m.vpc_endpoints().size(), interfaces = m.network_interfaces().size()] {
        return m.vpc_endpoints().size() == endpoints && m.network_interfaces().size() == interfaces;
    };
    auto create = [&](std::vector<std::string> subnets, std::optional<bool> private_dns = std::nullopt, const std::string& service = cloudformation) {
        return refusal([&] { m.create_interface_endpoint("", lab.vpc, service, subnets, {}, private_dns, "", {}, "t"); });
    };
    // Private DNS needs enableDnsHostnames (off in a new VPC), and says so.
    try {
        m.create_interface_endpoint("", lab.vpc, cloudformation, {lab.priv}, {}, std::nullopt, "", {}, "t");
        FAIL("private DNS without DNS hostnames was accepted");
    } catch (const ApiError& e) {
        CHECK(e.code() == "InvalidParameter");
        CHECK(std::string(e.what()).find("enableDnsSupport and enableDnsHostnames") != std::string::npos);
    }
    CHECK(unchanged());
    lab.hostnames(lab.vpc, true);
    const std::string also_2a = m.create_subnet("Pub2", lab.vpc, "10.10.2.0/24", "ap-northeast-2a", false, {}).id;
    const std::size_t before = m.vpc_endpoints().size();
    CHECK(create({lab.pub, also_2a}) == "DuplicateSubnetsInSameZone");
    CHECK(create({"subnet-0123456789abcdef0"}) == "InvalidSubnetID.NotFound");
    CHECK(create({lab.other_sub}) == "InvalidParameter");  // another VPC's subnet
    CHECK(create({}) == "InvalidParameter");
    CHECK(create({lab.pub}, std::nullopt, "com.amazonaws.ap-northeast-2.nothing") == "InvalidServiceName");
    CHECK(refusal([&] { m.create_interface_endpoint("", lab.vpc, cloudformation, {lab.pub}, {"sg-0123456789abcdef0"}, std::nullopt, "", {}, "t"); }) ==
          "InvalidGroup.NotFound");
    CHECK(refusal([&] { m.create_gateway_endpoint("", lab.vpc, cloudformation, {}, "", {}, "t"); }) == "InvalidParameter");
    CHECK(m.vpc_endpoints().size() == before);
    CHECK(unchanged());
    // S3 takes both types, as on AWS today; a service that took Gateway endpoints only would refuse.
    const std::string s3 = m.create_interface_endpoint("", lab.vpc, "com.amazonaws.ap-northeast-2.s3", {lab.pub}, {}, false, "", {}, "t").id;
    CHECK(m.vpc_endpoint(s3).interface());
    m.delete_vpc_endpoint(s3);
    auto offers = lab.catalog.service_offers();
    offers.push_back({"com.amazonaws.ap-northeast-2.gatewayonly", true, "pl-00000001", {0xc6123000, 24}, false, "gatewayonly.example", 0});
    m.offer_services(offers);
    CHECK(create({lab.pub}, false, "com.amazonaws.ap-northeast-2.gatewayonly") == "InvalidParameter");
    CHECK(unchanged());

    // A second private-DNS endpoint for the service in the VPC conflicts; without private DNS it is fine.
    const std::string first = m.create_interface_endpoint("", lab.vpc, cloudformation, {lab.pub}, {}, std::nullopt, "", {}, "t").id;
    const std::size_t with_one = m.network_interfaces().size();
    CHECK(create({lab.priv}) == "InvalidParameter");
    CHECK(m.network_interfaces().size() == with_one);
    const std::string second = m.create_interface_endpoint("", lab.vpc, cloudformation, {lab.priv}, {}, false, "", {}, "t").id;
    CHECK(refusal([&] { m.modify_interface_endpoint(second, {{}, {}, {}, {}, true, std::nullopt, false}); }) == "InvalidParameter");
    CHECK(!m.vpc_endpoint(second).private_dns_enabled);
    // Its ENI belongs to the endpoint; its subnet and group are in use.
    const std::string eni = m.vpc_endpoint(first).network_interface_ids[0];
    CHECK(refusal([&] { m.delete_network_interface(eni); }) == "OperationNotPermitted");
    CHECK(refusal([&] { m.delete_subnet(lab.pub); }) == "DependencyViolation");
    CHECK(refusal([&] { m.modify_interface_endpoint(first, {{also_2a}, {}, {}, {}, std::nullopt, std::nullopt, false}); }) == "DuplicateSubnetsInSameZone");
    CHECK(refusal([&] { m.modify_interface_endpoint(first, {{}, {lab.pub}, {}, {}, std::nullopt, std::nullopt, false}); }) == "InvalidParameter");
    CHECK(refusal([&] { m.modify_interface_endpoint(first, {{}, {lab.priv}, {}, {}, std::nullopt, std::nullopt, false}); }) == "InvalidParameter");
    const std::string default_group = m.vpc(lab.vpc).default_security_group_id;
    CHECK(refusal([&] { m.modify_interface_endpoint(first, {{}, {}, {}, {default_group}, std::nullopt, std::nullopt, false}); }) == "InvalidParameter");
    CHECK(m.vpc_endpoint(first).subnet_ids == std::vector<std::string>{lab.pub});
    CHECK(m.network_interface(eni).security_group_ids == std::vector<std::string>{default_group});
    // Groups: replaced on every ENI of the endpoint.
    m.modify_interface_endpoint(first, {{}, {}, {lab.web}, {default_group}, std::nullopt, std::nullopt, false});
    CHECK(m.network_interface(eni).security_group_ids == std::vector<std::string>{lab.web});
    CHECK(refusal([&] { m.delete_security_group(lab.web); }) == "DependencyViolation");
}

TEST_CASE("an endpoint's ENI is AWS's: the ENI and address calls refuse it; subnets named twice are refused") {
    Lab lab;
    auto& m = lab.m;
    lab.hostnames(lab.vpc, true);
    const std::string id = m.create_interface_endpoint("", lab.vpc, cloudformation, {lab.pub, lab.priv}, {}, std::nullopt, "", {}, "t").id;
    const std::string eni = m.vpc_endpoint(id).network_interface_ids[0];
    const auto groups = m.network_interface(eni).security_group_ids;
    CHECK(refusal([&] { m.modify_network_interface_groups(eni, {lab.web}); }) == "OperationNotPermitted");
    CHECK(refusal([&] { m.modify_source_dest_check(eni, false); }) == "OperationNotPermitted");
    CHECK(refusal([&] { m.modify_connection_tracking(eni, 3600, std::nullopt, std::nullopt); }) == "OperationNotPermitted");
    m.create_internet_gateway("Igw", {});
    m.attach_internet_gateway(m.internet_gateways().back().id, lab.vpc);
    const std::string eip = m.allocate_address().allocation_id;
    CHECK(refusal([&] { m.associate_address(eip, "", eni, false); }) == "OperationNotPermitted");
    CHECK(m.network_interface(eni).security_group_ids == groups);
    CHECK(m.network_interface(eni).source_dest_check);
    CHECK(refusal([&] { m.modify_interface_endpoint(id, {{}, {lab.pub, lab.pub}, {}, {}, std::nullopt, std::nullopt, false}); }) == "InvalidParameter");
    CHECK(m.vpc_endpoint(id).subnet_ids.size() == 2);
    CHECK(m.vpc_endpoint(id).network_interface_ids.size() == 2);
}

TEST_CASE("S3 takes interface endpoints; its private DNS is for inbound Resolver endpoints and needs a Gateway endpoint") {
    Lab lab;
    auto& m = lab.m;
    lab.hostnames(lab.vpc, true);
    const std::string s3 = "com.amazonaws.ap-northeast-2.s3", s3_name = "s3.ap-northeast-2.amazonaws.com";
    const auto public_s3 = lab.answer(0, s3_name);
    try {
        m.create_interface_endpoint("", lab.vpc, s3, {lab.pub}, {}, std::nullopt, "", {}, "t");
        FAIL("S3 private DNS without a Gateway endpoint was accepted");
    } catch (const ApiError& e) {
        CHECK(std::string(e.what()).find("must have a Gateway endpoint for the service") != std::string::npos);
    }
    CHECK(m.vpc_endpoints().empty());
    m.create_gateway_endpoint("", lab.vpc, s3, {m.vpc(lab.vpc).main_route_table_id}, "", {}, "t");
    const std::string id = m.create_interface_endpoint("", lab.vpc, s3, {lab.pub}, {}, std::nullopt, "", {}, "t").id;
    CHECK(m.vpc_endpoint(id).private_dns_enabled);
    CHECK(lab.answer(0, s3_name) == public_s3);  // the VPC's own traffic keeps going through the Gateway endpoint
    CHECK(lab.answer(0, routing::endpoint_regional_dns_name(m.vpc_endpoint(id), m.region())).size() == 1);
}

TEST_CASE("private DNS answers only while the VPC has both DNS attributes") {
    Lab lab;
    auto& m = lab.m;
    lab.hostnames(lab.vpc, true);
    m.create_interface_endpoint("", lab.vpc, cloudformation, {lab.pub}, {}, std::nullopt, "", {}, "t");
    CHECK(lab.answer(0, cloudformation_name) != std::vector<std::uint32_t>{lab.public_address()});
    lab.hostnames(lab.vpc, false);
    CHECK(lab.answer(0, cloudformation_name) == std::vector<std::uint32_t>{lab.public_address()});
}

