// AWS::EC2::NatGateway: a NAT gateway in a subnet, public with an Elastic IP's allocation or private.
#include "router/template/resource_handlers.hpp"

#include "router/control/ec2/family.hpp"

namespace vpclab::cfn {

namespace {
void create_nat_gateway(ResourceContext& c) {
    routing::VpcModel::NatGatewaySpec spec;
    spec.subnet_id = c.props.string("SubnetId", true);
    spec.allocation_id = c.props.string("AllocationId", false);
    if (const std::string type = c.props.string("ConnectivityType", false); !type.empty()) spec.connectivity_type = type;
    if (const std::string address = c.props.string("PrivateIpAddress", false); !address.empty()) {
        spec.private_ip = routing::parse_ipv4(address);
        if (!spec.private_ip) c.props.fail("PrivateIpAddress", "'" + address + "' is not an IPv4 address");
    }
    for (const char* secondary : {"SecondaryAllocationIds", "SecondaryPrivateIpAddresses", "SecondaryPrivateIpAddressCount", "MaxDrainDurationSeconds"})
        if (c.props.get(secondary)) c.props.fail(secondary, "is not supported: vpclab's NAT gateways have one address");
    spec.tags = c.props.tags();
    const routing::NatGateway& g = c.model.create_nat_gateway(c.resource.logical_id, spec, router::ec2::now_seconds());
    // CloudFormation waits for the gateway: one that failed fails the resource with AWS's reason.
    if (g.state == "failed") throw routing::ApiError(g.failure_code, "NAT gateway " + g.id + " failed: " + g.failure_message, "SubnetId");
    c.set_ref(g.id);
    c.set_att("NatGatewayId", g.id);
}
}  // namespace

std::vector<ResourceType> nat_gateway_resource_types() { return {{"AWS::EC2::NatGateway", create_nat_gateway}}; }

}  // namespace vpclab::cfn
