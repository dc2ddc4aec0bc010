// The VPC family of the EC2 API: DescribeVpcs, CreateVpc, DeleteVpc, Modify/DescribeVpcAttribute.
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

json vpc_json(const routing::VpcModel& m, const routing::Vpc& v) {
    return {{"CidrBlock", v.cidr.to_string()},
            {"DhcpOptionsId", "default"},
            {"State", "available"},
            {"VpcId", v.id},
            {"OwnerId", owner_id},
            {"InstanceTenancy", "default"},
            {"CidrBlockAssociationSet", json::array({{{"AssociationId", m.ids().make("vpc-cidr-assoc", v.id)},
                                                       {"CidrBlock", v.cidr.to_string()},
                                                       {"CidrBlockState", {{"State", "associated"}}}}})},
            {"IsDefault", false},
            {"Tags", tags_json(m, v)}};
}

namespace {

json describe_vpcs(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"Vpcs", describe(m.vpcs(), params, "VpcIds", "InvalidVpcID.NotFound", "vpc", [&](const auto& v) { return vpc_json(m, v); })}};
}

json create_vpc(const Request& params, RouterState& state) {
    const auto tags = tags_for(params, "vpc");
    return state.commit([&](routing::VpcModel& next) {
        return json{{"Vpc", vpc_json(next, next.create_vpc("", string_param(params, "CidrBlock"), tags))}};
    });
}

json delete_vpc(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.delete_vpc(string_param(params, "VpcId"), now_seconds());
        return json::object();
    });
}

json modify_vpc_attribute(const Request& params, RouterState& state) {
    const bool has_support = params.contains("EnableDnsSupport"), has_hostnames = params.contains("EnableDnsHostnames");
    // EC2 takes one attribute per call.
    if (has_support == has_hostnames)
        throw ApiError("InvalidParameterCombination", "Specify exactly one of --enable-dns-support and --enable-dns-hostnames", "EnableDnsSupport");
    std::optional<bool> s, h;
    if (has_support) s = params["EnableDnsSupport"]["Value"].get<bool>();
    if (has_hostnames) h = params["EnableDnsHostnames"]["Value"].get<bool>();
    return state.commit([&](routing::VpcModel& next) {
        next.modify_vpc_attribute(string_param(params, "VpcId"), s, h);
        return json::object();
    });
}

json describe_vpc_attribute(const Request& params, RouterState& state) {
    const auto& v = state.model->vpc(string_param(params, "VpcId"));
    const std::string attribute = string_param(params, "Attribute");
    if (attribute == "enableDnsSupport") return {{"VpcId", v.id}, {"EnableDnsSupport", {{"Value", v.enable_dns_support}}}};
    if (attribute == "enableDnsHostnames") return {{"VpcId", v.id}, {"EnableDnsHostnames", {{"Value", v.enable_dns_hostnames}}}};
    throw ApiError("InvalidParameterValue", "Value (" + attribute + ") for parameter attribute is invalid: use enableDnsSupport or enableDnsHostnames", "Attribute");
}

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> vpc_actions() {
    using namespace ec2;
    return {
        {"describe-vpcs", "DescribeVpcs", "list VPCs", {{"--vpc-ids", "VpcIds", K::list, false}, {"--filters", "Filters", K::filters, false}},
         describe_vpcs, {"vpc-id", "cidr", "cidr-block", "state", "is-default", "owner-id", "tag-key"}},
        {"create-vpc", "CreateVpc", "create a VPC (with its main route table and default security group)",
         {{"--cidr-block", "CidrBlock", K::string, true}, {"--tag-specifications", "TagSpecifications", K::structures, false}}, create_vpc},
        {"delete-vpc", "DeleteVpc", "delete a VPC (its subnets, gateways, interfaces and other tables must go first)",
         {{"--vpc-id", "VpcId", K::string, true}}, delete_vpc},
        {"modify-vpc-attribute", "ModifyVpcAttribute", "turn enableDnsSupport or enableDnsHostnames on or off",
         {{"--vpc-id", "VpcId", K::string, true},
          {"--enable-dns-support", "EnableDnsSupport", K::attribute_boolean, false},
          {"--enable-dns-hostnames", "EnableDnsHostnames", K::attribute_boolean, false}},
         modify_vpc_attribute},
        {"describe-vpc-attribute", "DescribeVpcAttribute", "show enableDnsSupport or enableDnsHostnames",
         {{"--vpc-id", "VpcId", K::string, true}, {"--attribute", "Attribute", K::string, true}}, describe_vpc_attribute},
    };
}

}  // namespace vpclab::router
