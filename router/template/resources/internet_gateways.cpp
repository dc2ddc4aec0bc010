// AWS::EC2::InternetGateway and AWS::EC2::VPCGatewayAttachment.
#include "router/template/resource_handlers.hpp"

namespace vpclab::cfn {

namespace {
void create_internet_gateway(ResourceContext& c) {
    const auto& g = c.model.create_internet_gateway(c.resource.logical_id, c.props.tags());
    c.set_ref(g.id);
    c.set_att("InternetGatewayId", g.id);
}

void attach(ResourceContext& c) {
    if (c.props.get("VpnGatewayId"))
        c.unsupported(c.props.line_of("VpnGatewayId"), c.label() + ": VPN gateways are not supported; attachment not made");
    else {
        const std::string gateway = c.props.string("InternetGatewayId", true), vpc = c.props.string("VpcId", true);
        c.model.attach_internet_gateway(gateway, vpc);
        c.keep_for_deletion("InternetGatewayId", gateway);
        c.keep_for_deletion("VpcId", vpc);
    }
    c.set_ref(c.model.template_id("attach", c.resource.logical_id));
}
}  // namespace

std::vector<ResourceType> internet_gateway_resource_types() {
    return {{"AWS::EC2::InternetGateway", create_internet_gateway}, {"AWS::EC2::VPCGatewayAttachment", attach}};
}

}  // namespace vpclab::cfn
