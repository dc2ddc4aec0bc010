// Gateway endpoints (S3, DynamoDB): to the service in the region by the endpoint's route, and the replies back by their flow.
#include "router/data_path/stage_context.hpp"

namespace vpclab::router::stages {

// VPC User Guide, "Gateway endpoints": the packet reaches the service with the instance's private source
// address, no public IP and no internet gateway involved. In the region it is addressed to the endpoint's
// copy of the service address (ServicePorts::endpoint_address), and its flow is recorded so that only
// replies come back, to the instance that asked.
void through_gateway_endpoint(Context& c, Frame& f, const routing::Decision& d) {
    const auto& sp = c.snap.service_ports();
    const std::uint32_t service_address = f.ip.destination();
    if (!c.snap.region_serves(service_address)) return drop(c, c.ingress, DropReason::no_internet_host);
    if (!may_leave(c, f, true)) return;
    const std::uint32_t endpoint_address = sp.endpoint_address(d.endpoint, service_address);
    // The flow is keyed as the region will answer it (to the endpoint's address), recorded before the
    // frame is rewritten, so that a refusal logs the packet as the instance sent it.
    if (auto key = endpoint_flow_key(f.ip, f.l4, true)) {
        key->destination = endpoint_address;
        // Refused when the table, or the ENI's share of it, is full.
        if (!c.memory.open_endpoint_flow(*key, c.ingress)) return drop(c, c.ingress, DropReason::endpoint_flow_table_full);
    }
    rewrite(c, f, Stage::gateway_endpoint, c.ingress, endpoints::NatField::destination, service_address, endpoint_address, keep_port, d.endpoint);
    send(c, sp.region, f, sp.region_mac, sp.region_router_mac);
}

// A reply from the region at a gateway endpoint's address: to the instance whose flow it answers.
void back_through_gateway_endpoint(Context& c, Frame& f) {
    const auto r = c.snap.endpoint_return(f.ip.source(), f.ip.destination());
    if (!r.ok) return drop(c, c.ingress, DropReason::endpoint_unknown_destination);
    if (r.interface) return back_from_interface_endpoint(c, f, r);
    const auto key = endpoint_flow_key(f.ip, f.l4, false);
    const routing::FlowTable::Entry* flow = key ? c.memory.endpoint_flow(*key) : nullptr;
    // The flow was opened from this endpoint's VPC (perhaps through an appliance ENI that forwarded it):
    // the reply goes to whoever holds the address, by the local route, as on AWS.
    if (!flow || !c.snap.is_eni(flow->value) || c.snap.port(flow->value).vpc != c.snap.endpoint_vpc(r.endpoint))
        return drop(c, c.ingress, DropReason::endpoint_no_flow);
    c.memory.endpoint_reply_seen(*key, *flow);  // the reply keeps the flow alive
    rewrite(c, f, Stage::gateway_endpoint, r.port, endpoints::NatField::source, f.ip.source(), r.service_address, keep_port, r.endpoint);
    if (!may_enter(c, f, r.port, true)) return;
    const routing::PortInfo& to = c.snap.port(r.port);
    send(c, r.port, f, to.mac, c.snap.subnet(to.subnet).router_mac);
}

}  // namespace vpclab::router::stages
