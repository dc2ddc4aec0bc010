// The internet gateway family of the EC2 API: describe, create, attach, detach, delete.
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

json internet_gateway_json(const routing::VpcModel& m, const routing::InternetGateway& g) {
    json attachments = json::array();
    if (!g.attached_vpc_id.empty()) attachments.push_back({{"State", "available"}, {"VpcId", g.attached_vpc_id}});
    return {{"Attachments", attachments}, {"InternetGatewayId", g.id}, {"OwnerId", owner_id}, {"Tags", tags_json(m, g)}};
}

namespace {

json describe_internet_gateways(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"InternetGateways", describe(m.internet_gateways(), params, "InternetGatewayIds", "InvalidInternetGatewayID.NotFound",
                                          "internetGateway", [&](const auto& g) { return internet_gateway_json(m, g); })}};
}

json create_internet_gateway(const Request& params, RouterState& state) {
    const auto tags = tags_for(params, "internet-gateway");
    return state.commit([&](routing::VpcModel& next) {
        return json{{"InternetGateway", internet_gateway_json(next, next.create_internet_gateway("", tags))}};
    });
}

json attach_internet_gateway(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.attach_internet_gateway(string_param(params, "InternetGatewayId"), string_param(params, "VpcId"));
        return json::object();
    });
}

json detach_internet_gateway(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.detach_internet_gateway(string_param(params, "InternetGatewayId"), string_param(params, "VpcId"));
        return json::object();
    });
}

json delete_internet_gateway(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.delete_internet_gateway(string_param(params, "InternetGatewayId"));
        return json::object();
    });
}

const std::vector<ParamSpec> attachment_params = {{"--internet-gateway-id", "InternetGatewayId", K::string, true},
                                                  {"--vpc-id", "VpcId", K::string, true}};

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> internet_gateway_actions() {
    using namespace ec2;
    return {
        {"describe-internet-gateways", "DescribeInternetGateways", "list internet gateways",
         {{"--internet-gateway-ids", "InternetGatewayIds", K::list, false}, {"--filters", "Filters", K::filters, false}},
         describe_internet_gateways, {"internet-gateway-id", "attachment.vpc-id", "attachment.state", "owner-id", "tag-key"}},
        {"create-internet-gateway", "CreateInternetGateway", "create an internet gateway (attach it to use it)",
         {{"--tag-specifications", "TagSpecifications", K::structures, false}}, create_internet_gateway},
        {"attach-internet-gateway", "AttachInternetGateway", "attach an internet gateway to a VPC", attachment_params, attach_internet_gateway},
        {"detach-internet-gateway", "DetachInternetGateway", "detach an internet gateway from its VPC", attachment_params, detach_internet_gateway},
        {"delete-internet-gateway", "DeleteInternetGateway", "delete a detached internet gateway",
         {{"--internet-gateway-id", "InternetGatewayId", K::string, true}}, delete_internet_gateway},
    };
}

}  // namespace vpclab::router
