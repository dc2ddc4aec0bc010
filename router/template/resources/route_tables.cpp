// AWS::EC2::RouteTable, AWS::EC2::SubnetRouteTableAssociation and AWS::EC2::Route.
#include "router/template/resource_handlers.hpp"

namespace vpclab::cfn {

namespace {
void create_route_table(ResourceContext& c) {
    const auto& t = c.model.create_route_table(c.resource.logical_id, c.props.string("VpcId", true), c.props.tags());
    c.set_ref(t.id);
    c.set_att("RouteTableId", t.id);
}

void associate(ResourceContext& c) {
    const std::string table = c.props.string("RouteTableId", true), subnet = c.props.string("SubnetId", true);
    const std::string id = c.model.associate_route_table(table, subnet);
    c.set_ref(id);
    c.set_att("Id", id);
}

void create_route(ResourceContext& c) {
    auto& props = c.props;
    for (const char* target : {"EgressOnlyInternetGatewayId", "CarrierGatewayId", "LocalGatewayId", "VpcEndpointId", "CoreNetworkArn"})
        if (props.get(target)) return c.leave_out(props.line_of(target), std::string("route target ") + target + " is not supported; the route was not created");
    if (props.get("DestinationIpv6CidrBlock"))
        return c.leave_out(c.line(), "IPv6 routes are not supported (the lab has no IPv6); the route was not created");
    const routing::VpcModel::RouteTarget target{props.string("GatewayId", false), props.string("InstanceId", false),
                                                props.string("NetworkInterfaceId", false), props.string("NatGatewayId", false),
                                                props.string("VpcPeeringConnectionId", false), props.string("TransitGatewayId", false)};
    const routing::VpcModel::RouteDestination destination{props.string("DestinationCidrBlock", false),
                                                          props.string("DestinationPrefixListId", false)};
    if (destination.cidr.empty() && destination.prefix_list_id.empty())
        props.fail("DestinationCidrBlock", "is required (or DestinationPrefixListId)");
    const std::string table = props.string("RouteTableId", true);
    c.model.create_route(table, destination, target);
    c.set_ref(c.model.template_id("r", c.resource.logical_id));
    c.keep_for_deletion("RouteTableId", table);
    c.keep_for_deletion(destination.cidr.empty() ? "DestinationPrefixListId" : "DestinationCidrBlock",
                        destination.cidr.empty() ? destination.prefix_list_id : destination.cidr);
}
}  // namespace

std::vector<ResourceType> route_table_resource_types() {
    return {{"AWS::EC2::RouteTable", create_route_table}, {"AWS::EC2::SubnetRouteTableAssociation", associate}, {"AWS::EC2::Route", create_route}};
}

}  // namespace vpclab::cfn
