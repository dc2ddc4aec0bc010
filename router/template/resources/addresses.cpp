// AWS::EC2::EIP: an Elastic IP of the account, associated with an instance when the template says so.
#include "router/template/resource_handlers.hpp"

namespace vpclab::cfn {

namespace {
// CloudFormation User Guide, "AWS::EC2::EIP": Ref gives the public address; GetAtt AllocationId and PublicIp.
void allocate(ResourceContext& c) {
    if (const std::string domain = c.props.string("Domain", false); !domain.empty() && domain != "vpc")
        c.props.fail("Domain", "must be 'vpc' (EC2-Classic is gone), not '" + domain + "'");
    const routing::ElasticIp& e = c.model.allocate_address(c.props.tags(), c.resource.logical_id);
    const std::string allocation = e.allocation_id, address = routing::format_ipv4(e.public_ip);
    if (const std::string instance = c.props.string("InstanceId", false); !instance.empty())
        c.model.associate_address(allocation, instance, "", false);
    c.keep_for_deletion("AllocationId", allocation);
    c.set_ref(address);
    c.set_att("AllocationId", allocation);
    c.set_att("PublicIp", address);
}
}  // namespace

std::vector<ResourceType> address_resource_types() {
    return {{"AWS::EC2::EIP", allocate, {"NetworkBorderGroup", "PublicIpv4Pool", "TransferAddress"}}};
}

}  // namespace vpclab::cfn
