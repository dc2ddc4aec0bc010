// The transit gateway: a packet a VPC's route table sends to it enters through the VPC's attachment (its ENI
// in the sender's Availability Zone), is routed by the route table associated with that attachment, and
// leaves through the destination attachment's ENI, from where the destination VPC routes it on by that
// ENI's subnet's route table, as any packet from an ENI of that subnet.
//
// Transit Gateways Guide: "How transit gateways work" (zones, appliance mode), "Route evaluation order",
// "Network ACLs for transit gateways" (which subnet's rules judge which direction), "Quotas" (MTU 8500).
// Security groups do not apply to the attachment's ENIs (PortInfo::has_security_groups).
#include "router/data_path/stage_context.hpp"

#include "endpoints/path_mtu.hpp"

namespace vpclab::router::stages {

namespace {

constexpr std::uint16_t transit_gateway_mtu = 8500;

// The transit gateway's step: the ENI it entered by (`port`), the route table and route that decided, and the
// ENI it leaves by; a drop names the table too (trace says which table had no route).
VPCLAB_COLD void record_hop(StepRecorder& r, PortIndex entered, const routing::TransitGatewayHop& h, DropReason reason) {
    Step s;
    s.stage = Stage::transit_gateway;
    s.verdict = reason == DropReason::count ? Verdict::pass : Verdict::drop;
    s.reason = reason;
    s.port = entered;
    s.table = h.route_table;
    s.entry = h.route;
    s.next = h.port;
    r.record(s);
}

DropReason drop_reason_of(routing::TransitGatewayHop::Kind k) {
    using Kind = routing::TransitGatewayHop::Kind;
    return k == Kind::not_associated ? DropReason::transit_gateway_not_associated
           : k == Kind::blackhole    ? DropReason::transit_gateway_blackhole
                                     : DropReason::transit_gateway_no_route;
}

// The 8500-byte MTU: a larger packet with DF set is answered with ICMP fragmentation-needed from the
// attachment's address; a larger one is dropped either way ("Packets with a size larger than 8500 bytes that
// arrive at the transit gateway are dropped").
bool fits_transit_gateway(Context& c, Frame& f, PortIndex entered, const wire::MacAddress& icmp_mac) {
    if (endpoints::wire_packet_size(f.ip.bytes(), f.vnet) <= transit_gateway_mtu) return true;
    // Answered to an instance only: the router's own ports (a NAT gateway, an endpoint's ENI) have nobody to read it.
    if (f.ip.dont_fragment() && !c.snap.port(c.ingress).served_by_router()) {
        const std::size_t n =
            endpoints::build_fragmentation_needed(c.scratch.subspan(link_headers), f.ip.bytes(), c.snap.port(entered).ip, transit_gateway_mtu);
        if (n) {
            note(c, Stage::transit_gateway, Verdict::answer, c.ingress);
            send_generated(c, c.ingress, n, f.eth.source(), icmp_mac);
        }
    }
    drop(c, entered, DropReason::transit_gateway_mtu);
    return false;
}

}  // namespace

void into_transit_gateway(Context& c, Frame& f, const routing::Decision& d) {
    const PortIndex entered = d.port;
    if (c.reroutes >= max_reroutes) return drop(c, c.ingress, DropReason::routing_loop);
    // "Network ACLs for transit gateways": from instances to the transit gateway, the outbound rules of the
    // instances' subnet and the inbound rules of the attachment's subnet (both, when it is one subnet); the
    // sender's security groups as always. What the transit gateway sent into a VPC and that VPC routes back
    // to it is judged by neither.
    if (!c.snap.port(c.ingress).is_transit_gateway_attachment() && (!may_leave(c, f, true) || !may_enter(c, f, entered, true))) return;
    const routing::PortInfo& sender = c.snap.port(c.ingress);
    if (!fits_transit_gateway(c, f, entered, d.same_subnet ? c.snap.port(entered).mac : c.snap.subnet(sender.subnet).router_mac)) return;
    const std::uint32_t hash = routing::symmetric_flow_hash(f.ip.source(), f.ip.destination(), f.ip.protocol(), port_or_identifier(f.l4, false),
                                                            port_or_identifier(f.l4, true));
    const routing::TransitGatewayHop h = c.snap.transit_gateway_hop(d.attachment, entered, f.ip.destination(), hash);
    const DropReason refused = h.kind == routing::TransitGatewayHop::Kind::forward ? DropReason::count : drop_reason_of(h.kind);
    if (c.steps) [[unlikely]]
        record_hop(*c.steps, entered, h, refused);
    if (refused != DropReason::count) return c.sink.drop(entered, c.frame, refused);
    // On from the destination attachment's ENI, as a packet of its subnet: routed by that subnet's table.
    f.eth.set_source(c.snap.port(h.port).mac);
    Context from_attachment{c.snap, h.port, c.frame, c.scratch, c.sink, c.memory, c.steps, static_cast<std::uint8_t>(c.reroutes + 1)};
    route_from_eni(from_attachment, f);
}

}  // namespace vpclab::router::stages
