// The subnet family of the EC2 API: DescribeSubnets, CreateSubnet, DeleteSubnet, ModifySubnetAttribute.
#include "router/control/ec2/family.hpp"
#include "routing/availability_zone_id.hpp"

namespace vpclab::router::ec2 {

json subnet_json(const routing::VpcModel& m, const routing::Subnet& s) {
    std::size_t used = 0;
    for (const auto& e : m.network_interfaces()) used += e.subnet_id == s.id;
    return {{"AvailabilityZone", s.availability_zone},
            {"AvailabilityZoneId", routing::availability_zone_id(s.availability_zone)},
            {"AvailableIpAddressCount", s.cidr.size() - 5 - used},
            {"CidrBlock", s.cidr.to_string()},
            {"DefaultForAz", false},
            {"MapPublicIpOnLaunch", s.map_public_ip_on_launch},
            {"State", "available"},
            {"SubnetId", s.id},
            {"VpcId", s.vpc_id},
            {"OwnerId", owner_id},
            {"AssignIpv6AddressOnCreation", false},  // vpclab's VPCs are IPv4 only
            {"Ipv6CidrBlockAssociationSet", json::array()},
            {"Tags", tags_json(m, s)},
            {"SubnetArn", "arn:aws:ec2:" + m.region() + ":" + owner_id + ":subnet/" + s.id},
            {"EnableDns64", false},
            {"Ipv6Native", false},
            {"PrivateDnsNameOptionsOnLaunch", {{"HostnameType", "ip-name"}, {"EnableResourceNameDnsARecord", false}, {"EnableResourceNameDnsAAAARecord", false}}}};
}

namespace {

json describe_subnets(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"Subnets", describe(m.subnets(), params, "SubnetIds", "InvalidSubnetID.NotFound", "subnet", [&](const auto& s) { return subnet_json(m, s); })}};
}

json create_subnet(const Request& params, RouterState& state) {
    const auto tags = tags_for(params, "subnet");
    return state.commit([&](routing::VpcModel& next) {
        // A new subnet does not map public IPs (EC2 User Guide, "Modify the public IPv4 addressing attribute").
        return json{{"Subnet", subnet_json(next, next.create_subnet("", string_param(params, "VpcId"), string_param(params, "CidrBlock"),
                                                                    string_param(params, "AvailabilityZone"), false, tags))}};
    });
}

json delete_subnet(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.delete_subnet(string_param(params, "SubnetId"));
        return json::object();
    });
}

json modify_subnet_attribute(const Request& params, RouterState& state) {
    auto it = params.find("MapPublicIpOnLaunch");
    if (it == params.end())
        throw ApiError("MissingParameter", "Specify an attribute to change: --map-public-ip-on-launch or --no-map-public-ip-on-launch", "MapPublicIpOnLaunch");
    const bool map = (*it)["Value"].get<bool>();
    return state.commit([&](routing::VpcModel& next) {
        next.modify_subnet_attribute(string_param(params, "SubnetId"), map);
        return json::object();
    });
}

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> subnet_actions() {
    using namespace ec2;
    return {
        {"describe-subnets", "DescribeSubnets", "list subnets",
         {{"--subnet-ids", "SubnetIds", K::list, false}, {"--filters", "Filters", K::filters, false}}, describe_subnets,
         {"subnet-id", "vpc-id", "cidr-block", "availability-zone", "state", "owner-id", "default-for-az", "map-public-ip-on-launch", "tag-key"}},
        {"create-subnet", "CreateSubnet", "create a subnet in a VPC and availability zone",
         {{"--vpc-id", "VpcId", K::string, true},
          {"--cidr-block", "CidrBlock", K::string, true},
          {"--availability-zone", "AvailabilityZone", K::string, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false}},
         create_subnet},
        {"delete-subnet", "DeleteSubnet", "delete a subnet (its instances and interfaces must go first)",
         {{"--subnet-id", "SubnetId", K::string, true}}, delete_subnet},
        {"modify-subnet-attribute", "ModifySubnetAttribute", "turn MapPublicIpOnLaunch on or off",
         {{"--subnet-id", "SubnetId", K::string, true}, {"--map-public-ip-on-launch", "MapPublicIpOnLaunch", K::attribute_boolean, false}},
         modify_subnet_attribute},
    };
}

}  // namespace vpclab::router
