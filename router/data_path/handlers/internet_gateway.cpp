// The internet gateway: one-to-one NAT between private and public addresses, and the internet's 1500-byte MTU.
#include "router/data_path/stage_context.hpp"

#include "endpoints/path_mtu.hpp"

namespace vpclab::router::stages {

MtuVerdict check_internet_mtu(Context& c, Frame& f, std::uint32_t icmp_source, const wire::MacAddress& icmp_mac) {
    if (endpoints::wire_packet_size(f.ip.bytes(), f.vnet) <= endpoints::internet_mtu) return MtuVerdict::fits;
    if (f.ip.dont_fragment()) {
        const std::size_t n = endpoints::build_fragmentation_needed(c.scratch.subspan(link_headers), f.ip.bytes(), icmp_source,
                                                                    endpoints::internet_mtu);
        if (n) {
            note(c, Stage::igw_nat, Verdict::answer, c.ingress);  // ICMP fragmentation needed, back to the sender
            send_generated(c, c.ingress, n, f.eth.source(), icmp_mac);
        }
        drop(c, c.ingress, DropReason::fragmentation_needed);
        return MtuVerdict::refused;
    }
    if (f.vnet.is_gso()) {
        drop(c, c.ingress, DropReason::cannot_fragment);
        return MtuVerdict::refused;
    }
    return MtuVerdict::fragment;
}

// Sends the frame on, whole or (MtuVerdict::fragment) as RFC 791 fragments built in the scratch slot.
void send_across_gateway(Context& c, Frame& f, MtuVerdict verdict, PortIndex port, const wire::MacAddress& destination,
                         const wire::MacAddress& source) {
    if (verdict == MtuVerdict::fits) return send(c, port, f, destination, source);
    // Fragments are sent without offload metadata, so an offloaded checksum is completed first, over the
    // packet only (not any link padding after it).
    const Bytes packet_frame = f.bytes.subspan(wire::VnetHeader::length, wire::EthernetView::header_length + f.ip.total_length());
    if (!endpoints::finish_partial_checksum(packet_frame, f.vnet)) return drop(c, c.ingress, DropReason::cannot_fragment);
    if (!endpoints::fragment_packet(f.ip.bytes().first(f.ip.total_length()), endpoints::internet_mtu, c.scratch.subspan(link_headers),
                                    [&](wire::ConstBytes piece) { send_generated(c, port, piece.size(), destination, source); }))
        drop(c, c.ingress, DropReason::cannot_fragment);
}

// Out through the internet gateway the route names (VPC User Guide, "Internet gateways"): the ENI needs a
// public IP and the gateway must be attached; the sender's subnet ACL and groups apply; the source becomes
// the public IP.
void out_through_internet_gateway(Context& c, Frame& f, const routing::Decision& d) {
    const routing::PortInfo& in = c.snap.port(c.ingress);
    const auto g = c.snap.internet_egress(c.ingress, d);
    if (g.kind == routing::GatewayDecision::Kind::no_public_ip) return drop(c, c.ingress, DropReason::no_public_ip);
    if (g.kind != routing::GatewayDecision::Kind::translate) return drop(c, c.ingress, DropReason::internet_gateway_detached);
    // The region would swallow it without a trace: count it here instead (e.g. `ping 8.8.8.8`).
    if (!c.snap.region_serves(f.ip.destination())) return drop(c, c.ingress, DropReason::no_internet_host);
    if (!may_leave(c, f, true)) return;
    const auto& sp = c.snap.service_ports();
    const MtuVerdict mtu = check_internet_mtu(c, f, c.snap.subnet(in.subnet).router_address(), c.snap.subnet(in.subnet).router_mac);
    if (mtu == MtuVerdict::refused) return;
    rewrite(c, f, Stage::igw_nat, c.ingress, endpoints::NatField::source, g.from, g.to, keep_port, d.gateway);
    send_across_gateway(c, f, mtu, sp.region, sp.region_mac, sp.region_router_mac);
}

// In from the region to a public IP: the ENI holding it, if its VPC's gateway is attached; the destination
// becomes the private address; the subnet's ACL and the ENI's groups apply (an internet-facing load
// balancer's node takes it on).
void in_through_internet_gateway(Context& c, Frame& f) {
    const auto& sp = c.snap.service_ports();
    const auto g = c.snap.internet_ingress(f.ip.destination());
    if (g.kind == routing::GatewayDecision::Kind::detached) return drop(c, c.ingress, DropReason::internet_gateway_detached);
    if (g.kind != routing::GatewayDecision::Kind::translate) return drop(c, c.ingress, DropReason::no_such_public_ip);
    const routing::PortInfo& to = c.snap.port(g.port);
    // The internet path's MTU is met at the gateway, before the subnet's ACL and the ENI's groups: a
    // packet too big for it is answered there whatever the filters would have said, as a router on the
    // path would. The filters then judge the whole packet once, not each fragment.
    const MtuVerdict mtu = check_internet_mtu(c, f, sp.region_router_ip, sp.region_router_mac);
    if (mtu == MtuVerdict::refused) return;
    rewrite(c, f, Stage::igw_nat, g.port, endpoints::NatField::destination, g.from, g.to, keep_port,
            c.steps ? c.snap.internet_gateway_of_vpc(to.vpc) : Step::none);
    if (!may_enter(c, f, g.port, true)) return;
    if (to.is_nat_gateway()) {
        // Replies to a NAT gateway's Elastic IP: fragments are met there (nat_gateway.cpp), whole packets only.
        if (mtu != MtuVerdict::fits) return drop(c, g.port, DropReason::nat_gateway_fragment);
        return back_through_nat_gateway(c, f, g.port);
    }
    if (to.is_load_balancer_node()) {
        // An internet-facing load balancer's node: its connections carry whole segments, never fragments.
        if (mtu != MtuVerdict::fits) return drop(c, g.port, DropReason::load_balancer_fragment);
        return into_load_balancer(c, f, g.port);
    }
    send_across_gateway(c, f, mtu, g.port, to.mac, c.snap.subnet(to.subnet).router_mac);
}

}  // namespace vpclab::router::stages
