// PrivateLink: an interface endpoint of an endpoint service carries connections to the provider's load balancer, and back.
#include "router/data_path/stage_context.hpp"

namespace vpclab::router::stages {

namespace {


}  // namespace

// PrivateLink (PrivateLink Guide, "Share your services through AWS PrivateLink"): a consumer's packet to an
// interface endpoint's ENI of an endpoint service goes to the service's load balancer node in the ENI's zone,
// straight across the two VPCs (no internet gateway, no public address), and is balanced there.
void into_privatelink(Context& c, Frame& f, PortIndex eni) {
    const routing::PortInfo& e = c.snap.port(eni);
    const PortIndex node = e.privatelink_node;
    if (!is_load_balancer_node(c, node)) return drop(c, eni, DropReason::privatelink_not_accepted);
    // PrivateLink Guide, "Create a service powered by AWS PrivateLink", considerations: TCP traffic only.
    if (!f.l4.is_tcp() || !f.l4.whole_header) return drop(c, eni, DropReason::privatelink_not_tcp);
    if (c.steps) [[unlikely]]
        record_handled(*c.steps, Stage::privatelink, Verdict::pass, eni, e.interface_endpoint, node);
    balance(c, f, Entrance{eni, e.ip, node, true});
}

// A target's answer on a PrivateLink connection: out through the target's groups (and its subnet's ACL when
// the node is in another subnet), through the node to the endpoint's ENI in the consumer's VPC, and from the
// ENI to the client; with a PROXY header in the stream, its acknowledgments are the client's again.
void back_through_privatelink(Context& c, Frame& f, const TranslatedConnection& conn) {
    const PortIndex eni = conn.zone;
    const routing::PortInfo& e = c.snap.port(eni);
    const PortIndex node_port = e.privatelink_node;  // none once the endpoint is rejected
    if (!is_load_balancer_node(c, node_port)) return drop(c, c.ingress, DropReason::privatelink_not_accepted);
    if (!target_may_reach_node(c, f, node_port)) return;
    unshift_from_back(c, f, conn, f.vnet.needs_checksum());
    rewrite(c, f, Stage::privatelink, node_port, endpoints::NatField::source, f.ip.source(), e.ip, conn.front_port);
    rewrite(c, f, Stage::privatelink, node_port, endpoints::NatField::destination, f.ip.destination(), conn.client, conn.client_port);
    deliver_from_endpoint_eni(c, f, eni, conn.client, conn.client_port);
}

}  // namespace vpclab::router::stages
