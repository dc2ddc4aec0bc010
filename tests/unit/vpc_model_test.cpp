// VPC model rules (one case per EC2 validation) and deterministic IDs.
#include <doctest/doctest.h>

#include "routing/vpc_model.hpp"
#include "tests/unit/two_subnet_lab.hpp"

using namespace vpclab::routing;

namespace {
std::string error_code_of(auto&& call) {
    try {
        call();
    } catch (const ApiError& e) {
        return e.code() + "/" + e.parameter();
    }
    return "no error";
}

using vpclab::test::TwoSubnetLab;
}  // namespace

TEST_CASE("IDs are deterministic per stack and logical ID, and have 17 hex digits") {
    ResourceIds a("lab"), b("lab"), c("other");
    CHECK(a.make("vpc", "jhVPC") == b.make("vpc", "jhVPC"));
    CHECK(a.make("vpc", "jhVPC") != c.make("vpc", "jhVPC"));
    CHECK(a.make("vpc", "jhVPC") != a.make("subnet", "jhVPC"));
    const auto id = a.make("subnet", "x");
    CHECK(id.rfind("subnet-", 0) == 0);
    CHECK(id.size() == 7 + 17);
    CHECK(id.find_first_not_of("0123456789abcdef", 7) == std::string::npos);
}

TEST_CASE("a VPC comes with a main route table holding the local route") {
    TwoSubnetLab lab;
    const Vpc& v = lab.m.vpc(lab.vpc);
    const RouteTable& main = lab.m.route_table(v.main_route_table_id);
    CHECK(main.main);
    REQUIRE(main.routes.size() == 1);
    CHECK(main.routes[0].target_kind == RouteTargetKind::local);
    CHECK(main.routes[0].destination.to_string() == "10.10.0.0/16");
    // The private subnet has no explicit association: the main table applies.
    CHECK(lab.m.effective_route_table(lab.m.subnet(lab.priv)).id == main.id);
    CHECK(lab.m.effective_route_table(lab.m.subnet(lab.pub)).id == lab.pub_rt);
}

TEST_CASE("VPC and subnet validation") {
    TwoSubnetLab lab;
    CHECK(error_code_of([&] { lab.m.create_vpc("W", "10.0.0.0/8", {}); }) == "InvalidVpc.Range/CidrBlock");
    CHECK(error_code_of([&] { lab.m.create_vpc("W", "10.0.0.0/29", {}); }) == "InvalidVpc.Range/CidrBlock");
    CHECK(error_code_of([&] { lab.m.create_vpc("W", "10.0.0.1/16", {}); }) == "InvalidParameterValue/CidrBlock");
    CHECK(error_code_of([&] { lab.m.create_subnet("S", lab.vpc, "10.10.2.0/29", "", false, {}); }) == "InvalidSubnet.Range/CidrBlock");
    CHECK(error_code_of([&] { lab.m.create_subnet("S", lab.vpc, "10.11.0.0/24", "", false, {}); }) == "InvalidSubnet.Range/CidrBlock");
    CHECK(error_code_of([&] { lab.m.create_subnet("S", lab.vpc, "10.10.0.128/25", "", false, {}); }) == "InvalidSubnet.Conflict/CidrBlock");
    CHECK(error_code_of([&] { lab.m.create_subnet("S", "vpc-00000000000000000", "10.10.9.0/24", "", false, {}); }) == "InvalidVpcID.NotFound/VpcId");
    CHECK(error_code_of([&] { lab.m.create_subnet("S", lab.vpc, "10.10.9.0/24", "us-east-1a", false, {}); }) == "InvalidParameterValue/AvailabilityZone");
    CHECK(error_code_of([&] { lab.m.create_subnet("S", lab.vpc, "10.10.9.0/28", "", false, {}); }) == "no error");
}

TEST_CASE("instance addresses: base+4 up, or as given but not reserved or taken") {
    TwoSubnetLab lab;
    const auto first = lab.launch(lab.priv);
    const auto second = lab.launch(lab.priv);
    auto ip_of = [&](const std::string& id) { return lab.m.network_interface(lab.m.instance(id).network_interface_ids[0]).private_ip; };
    CHECK(format_ipv4(ip_of(first)) == "10.10.1.4");
    CHECK(format_ipv4(ip_of(second)) == "10.10.1.5");
    CHECK(format_ipv4(ip_of(lab.launch(lab.priv, 0x0a0a0164))) == "10.10.1.100");
    for (std::uint32_t reserved : {0x0a0a0100u, 0x0a0a0101u, 0x0a0a0102u, 0x0a0a0103u, 0x0a0a01ffu})
        CHECK(error_code_of([&] { lab.launch(lab.priv, reserved); }) == "InvalidParameterValue/PrivateIpAddress");
    CHECK(error_code_of([&] { lab.launch(lab.priv, 0x0a0a0104); }) == "InvalidIPAddress.InUse/PrivateIpAddress");
    CHECK(error_code_of([&] { lab.launch(lab.priv, 0x0a0a0004); }) == "InvalidParameterValue/PrivateIpAddress");
    CHECK(error_code_of([&] { lab.launch("subnet-00000000"); }) == "InvalidSubnetID.NotFound/SubnetId");
}

TEST_CASE("a full /28 runs out of addresses after 11 instances") {
    TwoSubnetLab lab;
    const auto small = lab.m.create_subnet("Small", lab.vpc, "10.10.9.0/28", "", false, {}).id;
    for (int i = 0; i < 11; ++i) lab.launch(small);
    CHECK(error_code_of([&] { lab.launch(small); }) == "InsufficientFreeAddressesInSubnet/SubnetId");
}

TEST_CASE("public IPs: AssociatePublicIpAddress, else the subnet's MapPublicIpOnLaunch") {
    TwoSubnetLab lab;
    auto eni_of = [&](const std::string& id) { return lab.m.network_interface(lab.m.instance(id).network_interface_ids[0]); };
    CHECK(!eni_of(lab.launch(lab.pub)).public_ip);
    const auto with = eni_of(lab.launch(lab.pub, {}, true));
    REQUIRE(with.public_ip);
    CHECK(Cidr::parse("198.18.0.0/15")->contains(*with.public_ip));
    const auto mapping = lab.m.create_subnet("Map", lab.vpc, "10.10.5.0/24", "", true, {}).id;
    CHECK(eni_of(lab.launch(mapping)).public_ip);
    CHECK(!eni_of(lab.launch(mapping, {}, false)).public_ip);
}

TEST_CASE("routes: create, replace, delete, and the rules AWS enforces") {
    TwoSubnetLab lab;
    const auto nat = lab.launch(lab.pub);
    VpcModel::RouteTarget to_igw{lab.igw, "", ""};
    VpcModel::RouteTarget to_nat{"", nat, ""};
    lab.m.create_route(lab.pub_rt, "0.0.0.0/0", to_igw);
    CHECK(error_code_of([&] { lab.m.create_route(lab.pub_rt, "0.0.0.0/0", to_igw); }) == "RouteAlreadyExists/DestinationCidrBlock");
    CHECK(error_code_of([&] { lab.m.create_route(lab.pub_rt, "10.10.1.0/24", to_igw); }) == "InvalidParameterValue/DestinationCidrBlock");
    CHECK(error_code_of([&] { lab.m.create_route(lab.pub_rt, "10.10.0.0/16", to_nat); }) == "InvalidParameterValue/DestinationCidrBlock");
    CHECK(error_code_of([&] { lab.m.create_route(lab.pub_rt, "1.2.3.0/24", {"igw-nope", "", ""}); }) == "InvalidGatewayID.NotFound/GatewayId");
    CHECK(error_code_of([&] { lab.m.create_route(lab.pub_rt, "1.2.3.0/24", {}); }) == "InvalidParameterCombination/GatewayId");
    CHECK(error_code_of([&] { lab.m.create_route("rtb-nope", "1.2.3.0/24", to_igw); }) == "InvalidRouteTableID.Malformed/RouteTableId");
    CHECK(error_code_of([&] { lab.m.create_route(lab.pub_rt, "1.2.3.0/33", to_igw); }) == "InvalidParameterValue/DestinationCidrBlock");
    CHECK(error_code_of([&] { lab.m.delete_route(lab.pub_rt, "10.10.0.0/16"); }) == "InvalidParameterValue/DestinationCidrBlock");
    CHECK(error_code_of([&] { lab.m.replace_route(lab.pub_rt, "10.10.0.0/16", to_nat); }) == "InvalidParameterValue/DestinationCidrBlock");
    CHECK(error_code_of([&] { lab.m.delete_route(lab.pub_rt, "9.9.9.0/24"); }) == "InvalidRoute.NotFound/DestinationCidrBlock");

    lab.m.replace_route(lab.pub_rt, "0.0.0.0/0", to_nat);
    CHECK(lab.m.route_table(lab.pub_rt).routes.back().target_kind == RouteTargetKind::network_interface);
    CHECK(lab.m.route_table(lab.pub_rt).routes.back().instance_id == nat);
    lab.m.delete_route(lab.pub_rt, "0.0.0.0/0");
    CHECK(lab.m.route_table(lab.pub_rt).routes.size() == 1);

    // A gateway that is not attached to this VPC cannot be a target.
    const auto loose = lab.m.create_internet_gateway("Loose", {}).id;
    CHECK(error_code_of([&] { lab.m.create_route(lab.pub_rt, "0.0.0.0/0", {loose, "", ""}); }) == "InvalidParameterValue/GatewayId");
}

TEST_CASE("associations and gateway attachments") {
    TwoSubnetLab lab;
    CHECK(error_code_of([&] { lab.m.associate_route_table(lab.pub_rt, lab.pub); }) == "Resource.AlreadyAssociated/SubnetId");
    const auto other_igw = lab.m.create_internet_gateway("Other", {}).id;
    CHECK(error_code_of([&] { lab.m.attach_internet_gateway(other_igw, lab.vpc); }) == "Resource.AlreadyAssociated/VpcId");
    CHECK(error_code_of([&] { lab.m.attach_internet_gateway(lab.igw, lab.vpc); }) == "Resource.AlreadyAssociated/InternetGatewayId");
    const auto other_vpc = lab.m.create_vpc("W", "20.20.0.0/16", {}).id;
    const auto other_rt = lab.m.create_route_table("WRT", other_vpc, {}).id;
    CHECK(error_code_of([&] { lab.m.associate_route_table(other_rt, lab.priv); }) == "InvalidParameterValue/SubnetId");
}

TEST_CASE("security groups: default egress, duplicates, rule sources") {
    TwoSubnetLab lab;
    const auto& sg = lab.m.create_security_group("SG", lab.vpc, "", "web", {SecurityGroupRule{"tcp", 80, 80, Cidr{0, 0}, "", ""}}, std::nullopt, {});
    REQUIRE(sg.egress.size() == 1);
    CHECK(sg.egress[0].ip_protocol == "-1");
    CHECK(error_code_of([&] { lab.m.create_security_group("SG2", lab.vpc, sg.group_name, "x", {}, std::nullopt, {}); }) == "InvalidGroup.Duplicate/GroupName");
    CHECK(error_code_of([&] { lab.m.create_security_group("SG3", lab.vpc, "n", "", {}, std::nullopt, {}); }) == "MissingParameter/GroupDescription");
    CHECK(error_code_of([&] { lab.m.create_security_group("SG4", lab.vpc, "m", "x", {SecurityGroupRule{"tcp", 1, 2, std::nullopt, "sg-0000000000000000a", ""}}, std::nullopt, {}); }) == "InvalidGroup.NotFound/GroupId");
}

TEST_CASE("Elastic IPs: allocate, associate (replacing an auto-assigned IP), disassociate, release") {
    TwoSubnetLab lab;
    const auto web = lab.launch(lab.pub, {}, true);
    const auto eni = lab.m.instance(web).network_interface_ids[0];
    const auto auto_ip = *lab.m.network_interface(eni).public_ip;
    const auto& eip = lab.m.allocate_address();
    const auto allocation = eip.allocation_id;
    const auto eip_address = eip.public_ip;
    CHECK(allocation.rfind("eipalloc-", 0) == 0);
    CHECK(eip_address != auto_ip);
    const auto association = lab.m.associate_address(allocation, web, "", false);
    CHECK(*lab.m.network_interface(eni).public_ip == eip_address);
    CHECK(error_code_of([&] { lab.m.release_address(allocation); }) == "InvalidIPAddress.InUse/AllocationId");
    const auto other = lab.launch(lab.pub);
    CHECK(error_code_of([&] { lab.m.associate_address(allocation, other, "", false); }) == "Resource.AlreadyAssociated/AllocationId");
    lab.m.disassociate_address(association);
    CHECK(!lab.m.network_interface(eni).public_ip);  // the auto-assigned address does not come back
    lab.m.release_address(allocation);
    CHECK(lab.m.elastic_ips().empty());
    CHECK(error_code_of([&] { lab.m.disassociate_address(association); }) == "InvalidAssociationID.NotFound/AssociationId");
}

TEST_CASE("an Elastic IP needs an internet gateway; a gateway with mapped public IPs cannot be detached") {
    TwoSubnetLab lab;
    const auto other_vpc = lab.m.create_vpc("W", "20.20.0.0/16", {}).id;
    const auto sub = lab.m.create_subnet("WS", other_vpc, "20.20.0.0/24", "", false, {}).id;
    const auto lonely = lab.launch(sub);
    const auto allocation = lab.m.allocate_address().allocation_id;
    CHECK(error_code_of([&] { lab.m.associate_address(allocation, lonely, "", false); }) == "Gateway.NotAttached/AllocationId");
    lab.launch(lab.pub, {}, true);
    CHECK(error_code_of([&] { lab.m.detach_internet_gateway(lab.igw, lab.vpc); }) == "DependencyViolation/VpcId");
    CHECK(error_code_of([&] { lab.m.detach_internet_gateway(lab.igw, other_vpc); }) == "Gateway.NotAttached/InternetGatewayId");
}

TEST_CASE("a route to a detached gateway is a blackhole") {
    TwoSubnetLab lab;
    lab.m.create_route(lab.pub_rt, "0.0.0.0/0", {lab.igw, "", ""});
    const auto& table = lab.m.route_table(lab.pub_rt);
    CHECK(!lab.m.route_is_blackhole(table, table.routes.back()));
    lab.m.detach_internet_gateway(lab.igw, lab.vpc);
    CHECK(lab.m.route_is_blackhole(table, lab.m.route_table(lab.pub_rt).routes.back()));
}

TEST_CASE("terminated instances stay listed for an hour, then are forgotten; their interfaces go at once") {
    vpclab::test::TwoSubnetLab lab;
    const std::string old_one = lab.launch(lab.priv), young = lab.launch(lab.priv), kept = lab.launch(lab.priv);
    lab.m.terminate_instance(old_one, "User initiated");
    lab.m.finish_termination(old_one, 1000);
    CHECK(lab.m.instance(old_one).state == InstanceState::terminated);
    CHECK(lab.m.instance(old_one).network_interface_ids.empty());
    CHECK(lab.m.network_interfaces().size() == 2);
    lab.m.terminate_instance(young, "User initiated");
    lab.m.finish_termination(young, 1000 + VpcModel::terminated_listed_seconds);  // exactly an hour: still listed
    CHECK(lab.m.instances().size() == 3);
    lab.m.terminate_instance(kept, "User initiated");
    lab.m.finish_termination(kept, 1001 + VpcModel::terminated_listed_seconds);
    CHECK(lab.m.instances().size() == 2);  // the first is gone
    CHECK_THROWS_AS(lab.m.instance(old_one), ApiError);
    CHECK(lab.m.instance(young).state == InstanceState::terminated);
}

TEST_CASE("an ID that cannot be one is Malformed, one that names nothing NotFound (as EC2 tells them apart)") {
    vpclab::test::TwoSubnetLab lab;
    const auto code = [](auto f) {
        try {
            f();
        } catch (const ApiError& e) {
            return e.code();
        }
        return std::string("none");
    };
    CHECK(code([&] { lab.m.instance("bogus"); }) == "InvalidInstanceID.Malformed");
    CHECK(code([&] { lab.m.instance("i-123"); }) == "InvalidInstanceID.Malformed");
    CHECK(code([&] { lab.m.instance("i-0123456789abcdef0"); }) == "InvalidInstanceID.NotFound");
    CHECK(code([&] { lab.m.instance("i-01234567"); }) == "InvalidInstanceID.NotFound");
    CHECK(code([&] { lab.m.vpc("vpc-0123456789ABCDEF0"); }) == "InvalidVpcID.Malformed");
    CHECK(code([&] { lab.m.security_group("sg-x"); }) == "InvalidGroupId.Malformed");
    CHECK(code([&] { lab.m.network_interface("eni-00000000000000000"); }) == "InvalidNetworkInterfaceID.NotFound");
}
