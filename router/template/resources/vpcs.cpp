// AWS::EC2::VPC.
#include "router/template/resource_handlers.hpp"

namespace vpclab::cfn {

namespace {
void create_vpc(ResourceContext& c) {
    auto& props = c.props;
    const auto& v = c.model.create_vpc(c.resource.logical_id, props.string("CidrBlock", true), props.tags());
    c.model.modify_vpc_attribute(v.id, props.boolean("EnableDnsSupport"), props.boolean("EnableDnsHostnames"));
    if (props.string("InstanceTenancy", false) == "dedicated")
        c.unsupported(props.line_of("InstanceTenancy"), c.label() + ": InstanceTenancy dedicated has no effect in the lab");
    c.set_ref(v.id);
    c.set_att("VpcId", v.id);
    c.set_att("CidrBlock", v.cidr.to_string());
    c.set_att("DefaultSecurityGroup", v.default_security_group_id);
}
}  // namespace

std::vector<ResourceType> vpc_resource_types() { return {{"AWS::EC2::VPC", create_vpc}}; }

}  // namespace vpclab::cfn
