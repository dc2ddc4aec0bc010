// AWS::EC2::Subnet.
#include "router/template/resource_handlers.hpp"

namespace vpclab::cfn {

namespace {
void create_subnet(ResourceContext& c) {
    auto& props = c.props;
    const auto& s = c.model.create_subnet(c.resource.logical_id, props.string("VpcId", true), props.string("CidrBlock", true),
                                          props.string("AvailabilityZone", false), props.boolean("MapPublicIpOnLaunch").value_or(false),
                                          props.tags());
    c.set_ref(s.id);
    c.set_att("SubnetId", s.id);
    c.set_att("VpcId", s.vpc_id);
    c.set_att("AvailabilityZone", s.availability_zone);
    c.set_att("CidrBlock", s.cidr.to_string());
}
}  // namespace

std::vector<ResourceType> subnet_resource_types() { return {{"AWS::EC2::Subnet", create_subnet}}; }

}  // namespace vpclab::cfn
