// The NAT gateway family of the EC2 API: create, describe, delete (VPC User Guide, "NAT gateways").
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

// Member order of the EC2 API's NatGateway shape. `state` overrides the gateway's (CreateNatGateway answers
// "pending", DeleteNatGateway's effect is first seen "deleting", as on AWS).
json nat_gateway_json(const routing::VpcModel& m, const routing::NatGateway& g, const char* state = nullptr) {
    json j = json::object();
    constexpr const char* ec2_time = "%Y-%m-%dT%H:%M:%S+00:00";
    j["CreateTime"] = utc_time(g.created_at, ec2_time);
    if (g.state == "deleted") j["DeleteTime"] = utc_time(g.gone_at, ec2_time);
    if (!g.failure_code.empty()) {
        j["FailureCode"] = g.failure_code;
        j["FailureMessage"] = g.failure_message;
    }
    json addresses = json::array();
    if (g.state != "failed") {
        json a = json::object();
        if (!g.allocation_id.empty()) a["AllocationId"] = g.allocation_id;
        a["NetworkInterfaceId"] = g.network_interface_id;
        a["PrivateIp"] = routing::format_ipv4(g.private_ip);
        if (g.public_ip) a["PublicIp"] = routing::format_ipv4(g.public_ip);
        addresses.push_back(std::move(a));
    }
    j["NatGatewayAddresses"] = std::move(addresses);
    j["NatGatewayId"] = g.id;
    j["State"] = state ? state : g.state;
    j["SubnetId"] = g.subnet_id;
    j["VpcId"] = g.vpc_id;
    j["Tags"] = tags_json(m, g);
    j["ConnectivityType"] = g.connectivity_type;
    return j;
}

namespace {

json create_nat_gateway(const Request& params, RouterState& state) {
    routing::VpcModel::NatGatewaySpec spec;
    spec.subnet_id = string_param(params, "SubnetId");
    spec.allocation_id = string_param(params, "AllocationId");
    if (const std::string type = string_param(params, "ConnectivityType"); !type.empty()) spec.connectivity_type = type;
    spec.private_ip = ipv4_param(params, "PrivateIpAddress");
    spec.tags = tags_for(params, "natgateway");
    return state.commit([&](routing::VpcModel& next) {
        const routing::NatGateway& g = next.create_nat_gateway("", spec, now_seconds());
        // "pending" is what AWS answers; a gateway that failed is seen failed by the next describe.
        return json{{"NatGateway", nat_gateway_json(next, g, "pending")}};
    });
}

json describe_nat_gateways(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    // DescribeNatGateways names its filters Filter, not Filters (as DescribeFlowLogs does).
    Request p = params;
    if (p.contains("Filter")) p["Filters"] = p["Filter"];
    const std::int64_t now = now_seconds();
    std::vector<routing::NatGateway> listed;  // failed and deleted ones for about an hour
    for (const auto& g : m.nat_gateways())
        if (g.gone_at == 0 || now - g.gone_at <= routing::VpcModel::nat_gateway_listed_seconds) listed.push_back(g);
    return {{"NatGateways", describe(listed, p, "NatGatewayIds", "NatGatewayNotFound", "NAT gateway", [&](const auto& g) { return nat_gateway_json(m, g); })}};
}

json delete_nat_gateway(const Request& params, RouterState& state) {
    const std::string id = string_param(params, "NatGatewayId");
    return state.commit([&](routing::VpcModel& next) {
        next.delete_nat_gateway(id, now_seconds());
        return json{{"NatGatewayId", id}};
    });
}

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> nat_gateway_actions() {
    using namespace ec2;
    return {
        {"create-nat-gateway", "CreateNatGateway", "create a NAT gateway in a subnet (public: with an Elastic IP; private: --connectivity-type private)",
         {{"--subnet-id", "SubnetId", K::string, true},
          {"--allocation-id", "AllocationId", K::string, false},
          {"--connectivity-type", "ConnectivityType", K::string, false},
          {"--private-ip-address", "PrivateIpAddress", K::string, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false}},
         create_nat_gateway},
        {"describe-nat-gateways", "DescribeNatGateways", "list NAT gateways (failed and deleted ones for about an hour)",
         {{"--nat-gateway-ids", "NatGatewayIds", K::list, false}, {"--filter", "Filter", K::filters, false}}, describe_nat_gateways,
         {"nat-gateway-id", "state", "subnet-id", "vpc-id", "tag-key"}},
        {"delete-nat-gateway", "DeleteNatGateway", "delete a NAT gateway (its Elastic IP is disassociated, not released; its routes become blackholes)",
         {{"--nat-gateway-id", "NatGatewayId", K::string, true}}, delete_nat_gateway},
    };
}

}  // namespace vpclab::router
