// AWS::EC2::VPCPeeringConnection: two VPCs of the lab peered; CloudFormation accepts a same-account
// connection itself (CloudFormation User Guide, "AWS::EC2::VPCPeeringConnection"), so it is active at once.
#include "router/template/resource_handlers.hpp"

#include "router/control/ec2/family.hpp"

namespace vpclab::cfn {

namespace {
void create_peering(ResourceContext& c) {
    if (const std::string owner = c.props.string("PeerOwnerId", false); !owner.empty() && owner != routing::lab_account_id)
        c.props.fail("PeerOwnerId", "'" + owner + "' is not the lab's account (" + routing::lab_account_id + "): a lab is one account");
    if (const std::string region = c.props.string("PeerRegion", false); !region.empty() && region != c.model.region())
        c.props.fail("PeerRegion", "'" + region + "' is not the lab's region (" + c.model.region() + "): a lab is one region");
    const auto now = router::ec2::now_seconds();
    const routing::VpcPeeringConnection& p =
        c.model.create_vpc_peering_connection(c.resource.logical_id, c.props.string("VpcId", true), c.props.string("PeerVpcId", true), c.props.tags(), now);
    if (p.status == "failed") throw routing::ApiError("InvalidParameterValue", "VPC peering connection " + p.id + " failed: " + p.message, "PeerVpcId");
    const std::string id = p.id;
    c.model.accept_vpc_peering_connection(id, now);
    c.set_ref(id);
    c.set_att("Id", id);
}
}  // namespace

std::vector<ResourceType> vpc_peering_resource_types() { return {{"AWS::EC2::VPCPeeringConnection", create_peering, {"PeerRoleArn"}}}; }

}  // namespace vpclab::cfn
