// Interface endpoints: a client's connection to the endpoint's ENI carried on as the ENI's own to the service, and back.
#include "router/data_path/stage_context.hpp"

namespace vpclab::router::stages {

void into_interface_endpoint(Context& c, Frame& f, PortIndex eni) {
    const routing::PortInfo& e = c.snap.port(eni);
    // Routed to the ENI but addressed elsewhere: an endpoint's ENI forwards nothing (its
    // source/destination check cannot be turned off).
    if (f.ip.destination() != e.ip) return drop(c, eni, DropReason::source_dest_check_destination);
    // Its connections carry whole TCP segments; a fragment would reach the service half translated.
    if (f.ip.more_fragments() || !f.ip.is_first_fragment()) return drop(c, eni, DropReason::interface_endpoint_fragment);
    if (e.role == routing::PortRole::privatelink_endpoint) return into_privatelink(c, f, eni);
    const wire::TransportRepr& tcp = f.l4;  // the frame's own: read before the rewrites below change its ports
    if (!tcp.is_tcp() || !tcp.whole_header || (tcp.destination_port != 80 && tcp.destination_port != 443))
        return drop(c, eni, DropReason::interface_endpoint_port_closed);
    const auto& sp = c.snap.service_ports();
    const std::uint32_t service = e.endpoint_service;
    const std::uint32_t client = f.ip.source();
    constexpr auto table = FlowMemory::Connections::interface_endpoints;
    const auto zone = static_cast<std::uint16_t>(eni);
    const EndpointConnection* conn = c.memory.from_client(table, zone, 6, client, tcp.source_port, service, tcp.destination_port);
    const bool opens = tcp.opens_tcp_connection();
    if (conn) {
        conn = c.memory.client_sent(table, *conn, tcp.tcp_flags, InterfaceEndpointConnections::idle_timeout_seconds);
    } else if (opens) {
        const TranslatedConnections::Back back{service, tcp.destination_port, 0, zone, false, InterfaceEndpointConnections::idle_timeout_seconds};
        conn = c.memory.open(table, zone, 6, client, tcp.source_port, service, tcp.destination_port, back);
    }
    if (!conn) return drop(c, eni, opens ? DropReason::interface_endpoint_table_full : DropReason::interface_endpoint_no_connection);
    rewrite(c, f, Stage::interface_endpoint, eni, endpoints::NatField::source, client, e.ip, conn->translated_port, e.interface_endpoint);
    rewrite(c, f, Stage::interface_endpoint, eni, endpoints::NatField::destination, e.ip, service, keep_port, e.interface_endpoint);
    send(c, sp.region, f, sp.region_mac, sp.region_router_mac);
}

// A packet an interface endpoint's ENI sends its client (already addressed from the ENI to the client): the
// ENI's own route table decides the way (the local route, for a client in its VPC), out through the ENI's
// groups and its subnet's ACL, into the client's.
void deliver_from_endpoint_eni(Context& c, Frame& f, PortIndex eni, std::uint32_t client, std::uint16_t client_port) {
    const routing::PortInfo& e = c.snap.port(eni);
    const routing::Decision d = c.snap.decide(eni, e.ip, client, f.ip.protocol(), client_port);
    // A client in another VPC attached to a transit gateway (PrivateLink Guide, "Access an AWS service
    // through a transit gateway"-style centralized endpoints): the answer goes back through it, from the ENI.
    if (d.outcome == routing::Outcome::transit_gateway) {
        if (c.steps) [[unlikely]] record_route(*c.steps, eni, d);
        f.eth.set_source(e.mac);
        Context from_eni{c.snap, eni, c.frame, c.scratch, c.sink, c.memory, c.steps, c.reroutes};
        return into_transit_gateway(from_eni, f, d);
    }
    // Otherwise only a delivery to an instance's ENI carries the answer on; anything else is dropped as its outcome says.
    if (d.outcome != routing::Outcome::deliver || c.snap.port(d.port).served_by_router()) {
        const DropReason reason = drop_reason_for(d.outcome);
        if (c.steps) [[unlikely]] record_route(*c.steps, eni, d, reason);
        c.sink.drop(eni, c.frame, reason);
        return;
    }
    if (c.steps) [[unlikely]] record_route(*c.steps, eni, d);
    if (!may_leave(c, f, eni, !d.same_subnet) || !may_enter(c, f, d.port, !d.same_subnet)) return;
    const routing::PortInfo& to = c.snap.port(d.port);
    send(c, d.port, f, to.mac, d.same_subnet ? e.mac : c.snap.subnet(to.subnet).router_mac);
}

// From the service to an interface endpoint's ENI: back to the client of the connection, as from the ENI
// on the service's port; leaving the ENI (its groups, its subnet's ACL) and entering the client's ENI.
void back_from_interface_endpoint(Context& c, Frame& f, const routing::EndpointReturn& r) {
    const routing::PortInfo& e = c.snap.port(r.port);
    if (f.ip.more_fragments() || !f.ip.is_first_fragment()) return drop(c, c.ingress, DropReason::interface_endpoint_fragment);
    const wire::TransportRepr& tcp = f.l4;  // the frame's own: read before the rewrites below change its ports
    const bool whole = tcp.is_tcp() && tcp.whole_header;
    constexpr auto table = FlowMemory::Connections::interface_endpoints;
    const EndpointConnection* conn =
        whole ? c.memory.from_back(table, static_cast<std::uint16_t>(r.port), 6, f.ip.source(), tcp.source_port, 0, tcp.destination_port) : nullptr;
    if (conn) conn = c.memory.back_sent(table, *conn, tcp.tcp_flags);
    if (!conn) return drop(c, c.ingress, DropReason::interface_endpoint_no_connection);
    const std::uint32_t client = conn->client;
    rewrite(c, f, Stage::interface_endpoint, r.port, endpoints::NatField::source, f.ip.source(), e.ip, keep_port, e.interface_endpoint);
    rewrite(c, f, Stage::interface_endpoint, r.port, endpoints::NatField::destination, e.ip, client, conn->client_port, e.interface_endpoint);
    deliver_from_endpoint_eni(c, f, r.port, client, conn->client_port);
}

}  // namespace vpclab::router::stages
