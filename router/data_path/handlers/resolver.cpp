// The VPC resolver and the instance metadata service: to their namespace and back, mapped by VPC.
#include "router/data_path/stage_context.hpp"

namespace vpclab::router::stages {

// The Amazon DNS server and the instance metadata service (VPC User Guide, "Amazon DNS server"; EC2 User Guide,
// "Instance metadata"): on to the VPC's address in the resolver namespace, whatever the routes say, never filtered.
void to_resolver(Context& c, Frame& f, const routing::Decision& d) {
    const auto& sp = c.snap.service_ports();
    const Stage stage = routing::ServicePorts::is_metadata(d.resolver_address) ? Stage::metadata : Stage::resolver;
    rewrite(c, f, stage, c.ingress, endpoints::NatField::destination, f.ip.destination(), d.resolver_address);
    send(c, sp.resolver, f, sp.resolver_mac, sp.resolver_router_mac);
}

void from_resolver(Context& c, Frame& f) {
    const auto r = c.snap.from_resolver(f.ip.source(), f.ip.destination());
    if (!r.ok) return drop(c, c.ingress, DropReason::resolver_unknown_destination);
    const Stage stage = routing::ServicePorts::is_metadata(f.ip.source()) ? Stage::metadata : Stage::resolver;
    rewrite(c, f, stage, r.port, endpoints::NatField::source, r.from, r.to);
    const routing::PortInfo& to = c.snap.port(r.port);
    send(c, r.port, f, to.mac, c.snap.subnet(to.subnet).router_mac);
}

}  // namespace vpclab::router::stages
