// The frame pipeline: Ethernet → ARP responder | IPv4 from an ENI, from the region, from the resolver.
#include "router/data_path/pipeline.hpp"

#include "router/data_path/stage_context.hpp"

#include "endpoints/path_mtu.hpp"
#include "wire/arp.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/l4.hpp"
#include "wire/vnet_header.hpp"

namespace vpclab::router {

namespace stages {

void route_from_eni(Context& c, Frame& f) {
    const routing::Decision d = c.snap.decide(c.ingress, f.ip.source(), f.ip.destination(), f.ip.protocol(), f.l4.port(true));
    if (!routed(c, c.ingress, d)) return;
    switch (d.outcome) {
        case routing::Outcome::to_resolver: return to_resolver(c, f, d);
        case routing::Outcome::gateway_endpoint: return through_gateway_endpoint(c, f, d);
        case routing::Outcome::internet_gateway: return out_through_internet_gateway(c, f, d);
        case routing::Outcome::nat_gateway: return into_nat_gateway(c, f, d);
        case routing::Outcome::transit_gateway: return into_transit_gateway(c, f, d);
        case routing::Outcome::vpc_peering:
            if (!across_peering(c, f, d)) return;
            break;  // then delivered in the peer VPC as any ENI's packet is
        default: break;  // deliver (routed() let no other outcome through)
    }
    // Network ACLs are evaluated at the subnet's edge, not between two ENIs of one subnet (VPC User Guide,
    // "Network ACLs").
    if (!may_leave(c, f, !d.same_subnet) || !may_enter(c, f, d.port, !d.same_subnet)) return;
    switch (c.snap.port(d.port).role) {
        case routing::PortRole::load_balancer_node: return into_load_balancer(c, f, d.port);
        case routing::PortRole::interface_endpoint:
        case routing::PortRole::privatelink_endpoint: return into_interface_endpoint(c, f, d.port);
        case routing::PortRole::nat_gateway: return back_through_nat_gateway(c, f, d.port);
        // Addressed to an attachment's own ENI: nothing there answers (the transit gateway only forwards).
        case routing::PortRole::transit_gateway_attachment: return drop(c, d.port, DropReason::no_such_address);
        case routing::PortRole::instance: break;
    }
    // The VPC router is not an IP hop (no TTL decrement); within a subnet the frame keeps the sender's MAC,
    // across subnets it comes from the destination subnet's router.
    const routing::PortInfo& to = c.snap.port(d.port);
    send(c, d.port, f, to.mac, d.same_subnet ? f.eth.source() : c.snap.subnet(to.subnet).router_mac);
}

namespace {

void from_region(Context& c, Frame& f) {
    const auto& sp = c.snap.service_ports();
    if (sp.endpoint_block.prefix_length && sp.endpoint_block.contains(f.ip.source())) return back_through_gateway_endpoint(c, f);
    if (!sp.public_pool.contains(f.ip.destination())) return drop(c, c.ingress, DropReason::not_from_region_range);
    in_through_internet_gateway(c, f);
}

// RFC 826: turn the request into the reply in place; the frame keeps its length.
void answer_arp(Context& c, Frame& f) {
    if (wire::ArpView::check(f.eth.payload()) != wire::WireError::none) return drop(c, c.ingress, DropReason::arp_malformed);
    const wire::ArpView arp(f.eth.payload());
    if (arp.operation() != static_cast<std::uint16_t>(wire::ArpOperation::request)) return drop(c, c.ingress, DropReason::arp_not_request);
    const wire::MacAddress* answer = c.snap.is_eni(c.ingress) ? c.snap.arp_answer(c.ingress, arp.target_ip())
                                                              : c.snap.service_arp_answer(c.ingress, arp.target_ip());
    if (!answer) return drop(c, c.ingress, DropReason::arp_unanswered);
    const wire::MacAddress asker_mac = arp.sender_mac();
    const std::uint32_t asker_ip = arp.sender_ip(), target_ip = arp.target_ip();
    wire::ArpView::build(f.eth.payload(), wire::ArpOperation::reply, *answer, target_ip, asker_mac, asker_ip);
    wire::VnetHeader{}.write(f.bytes);  // a plain frame: no offload metadata
    f.bytes = f.bytes.first(link_headers + wire::ArpView::length);
    note(c, Stage::arp, Verdict::answer, c.ingress);
    send(c, c.ingress, f, asker_mac, *answer);
}

void from_eni(Context& c, Frame& f) {
    const routing::PortInfo& in = c.snap.port(c.ingress);
    // A target answering a load-balanced connection: back through the node it came by, whatever the
    // target's route table says (ELB NLB guide, "Client IP preservation").
    if (in.in_load_balanced_vpc && !in.served_by_router())
        if (const TranslatedConnection* conn = load_balanced_reply(c, f)) return back_from_target(c, f, *conn);
    route_from_eni(c, f);
}

}  // namespace
}  // namespace stages

using namespace stages;

void send_from_load_balancer_node(const ForwardingSnapshot& snap, PortIndex node, PortIndex target, std::size_t packet_length, Bytes scratch,
                                  FrameSink& sink, FlowMemory flows, StepRecorder* steps) noexcept {
    if (!snap.is_eni(node) || packet_length == 0 || packet_length + link_headers > scratch.size()) return;
    Context c{snap, node, scratch.first(link_headers + packet_length), scratch, sink, flows, steps};
    send_generated_from_node(c, node, target, packet_length);
}

void process_frame(const ForwardingSnapshot& snap, PortIndex ingress, Bytes bytes, Bytes scratch, FrameSink& sink, FlowMemory flows,
                   StepRecorder* steps) noexcept {
    Context c{snap, ingress, bytes, scratch, sink, flows, steps};
    if (wire::VnetHeader::check(bytes) != wire::WireError::none) return drop(c, ingress, DropReason::vnet_header_truncated);
    const Bytes ethernet = bytes.subspan(wire::VnetHeader::length);
    if (wire::EthernetView::check(ethernet) != wire::WireError::none) return drop(c, ingress, DropReason::frame_truncated);
    Frame f{bytes, wire::VnetHeader::read(bytes), wire::EthernetView(ethernet), {}, {}};
    const auto& sp = snap.service_ports();
    // A port no running instance holds (a TAP read after its instance stopped forwarding).
    if (!snap.is_eni(ingress) && ingress != sp.region && ingress != sp.resolver)
        return drop(c, ingress, DropReason::interface_not_forwarding);
    const wire::MacAddress& expected_source = snap.is_eni(ingress) ? snap.port(ingress).mac
                                              : ingress == sp.region    ? sp.region_mac
                                                                        : sp.resolver_mac;
    if (!(f.eth.source() == expected_source)) return drop(c, ingress, DropReason::source_mac_mismatch);

    switch (f.eth.ether_type()) {
        case static_cast<std::uint16_t>(wire::EtherType::arp): note(c, Stage::edge, Verdict::pass, ingress); return answer_arp(c, f);
        case static_cast<std::uint16_t>(wire::EtherType::ipv6): return drop(c, ingress, DropReason::ipv6_not_enabled);
        case static_cast<std::uint16_t>(wire::EtherType::ipv4): break;
        default: return drop(c, ingress, DropReason::ether_type_unsupported);
    }
    const auto error = wire::Ipv4View::check(f.eth.payload());
    if (error != wire::WireError::none) return drop(c, ingress, drop_reason_for(error));
    f.ip = wire::Ipv4View(f.eth.payload());
    f.l4.read(f.ip);  // the transport header, read here once for every stage
    if (steps) [[unlikely]]
        steps->packet(f.ip.source(), f.ip.destination(), f.l4);
    // The offload fields are trusted from here on (checksum completion, NAT, fragmenting): check them once.
    switch (wire::check_offloads(f.vnet, f.ip.bytes(), wire::EthernetView::header_length)) {
        case wire::OffloadError::none: break;
        case wire::OffloadError::checksum_fields: return drop(c, ingress, DropReason::vnet_checksum_invalid);
        case wire::OffloadError::gso_fields: return drop(c, ingress, DropReason::vnet_gso_invalid);
    }
    note(c, Stage::edge, Verdict::pass, ingress);
    if (snap.is_eni(ingress)) return from_eni(c, f);
    if (ingress == sp.region) return from_region(c, f);
    return from_resolver(c, f);
}

}  // namespace vpclab::router
