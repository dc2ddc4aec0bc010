// VPC peering: a packet that a route table sends across an active peering connection reaches an ENI of the
// peer VPC by that VPC's local addresses, with no translation; both subnets' network ACLs and both ENIs'
// security groups judge it (pipeline.cpp delivers it as any packet between subnets).
//
// VPC Peering Guide, "How VPC peering connections work" and "Unsupported VPC peering configurations": the
// connection carries traffic between the two VPCs only. The route decision (ForwardingSnapshot::decide)
// already refuses what is not an address of the peer VPC (transitive peering, the peer's internet gateway or
// gateway endpoint, or from beyond this VPC: edge to edge routing). A packet for the peer's NAT gateway's own
// address is its NAT's business: a reply to what the gateway sent across, or dropped as unsolicited.
// Traffic flows only when each side's route table sends it: the answer is routed by the peer's own table.
#include "router/data_path/stage_context.hpp"

namespace vpclab::router::stages {

bool across_peering(Context& c, Frame&, const routing::Decision& d) {
    if (c.steps) [[unlikely]]
        record_handled(*c.steps, Stage::vpc_peering, Verdict::pass, c.ingress, d.peering, d.port);
    return true;
}

}  // namespace vpclab::router::stages
