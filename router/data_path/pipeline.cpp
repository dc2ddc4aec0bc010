// The frame pipeline: Ethernet → ARP responder | IPv4 routing → MAC rewrite.
#include "router/data_path/pipeline.hpp"

#include <cstring>

#include "wire/arp.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/vnet_header.hpp"

namespace vpclab::router {

namespace {

using routing::ForwardingSnapshot;
using routing::PortIndex;
using wire::Bytes;

Verdict drop(DropReason r) {
    Verdict v;
    v.reason = r;
    return v;
}

// RFC 826: turn the request into the reply in place; the frame keeps its length.
Verdict answer_arp(const ForwardingSnapshot& snap, PortIndex ingress, Bytes frame, wire::EthernetView eth) {
    if (wire::ArpView::check(eth.payload()) != wire::WireError::none) return drop(DropReason::arp_malformed);
    wire::ArpView arp(eth.payload());
    if (arp.operation() != static_cast<std::uint16_t>(wire::ArpOperation::request)) return drop(DropReason::arp_not_request);
    const wire::MacAddress* answer = snap.arp_answer(ingress, arp.target_ip());
    if (!answer) return drop(DropReason::arp_unanswered);
    const wire::MacAddress asker_mac = arp.sender_mac();
    const std::uint32_t asker_ip = arp.sender_ip();
    const std::uint32_t target_ip = arp.target_ip();
    wire::ArpView::build(eth.payload(), wire::ArpOperation::reply, *answer, target_ip, asker_mac, asker_ip);
    eth.set_destination(asker_mac);
    eth.set_source(*answer);
    wire::VnetHeader{}.write(frame);  // a plain frame: no offload metadata
    Verdict v;
    v.transmit = true;
    v.port = ingress;
    v.frame = frame.first(wire::VnetHeader::length + wire::EthernetView::header_length + wire::ArpView::length);
    return v;
}

Verdict route_ipv4(const ForwardingSnapshot& snap, PortIndex ingress, Bytes frame, wire::EthernetView eth) {
    const auto error = wire::Ipv4View::check(eth.payload());
    if (error != wire::WireError::none) return drop(drop_reason_for(error));
    const wire::Ipv4View ip(eth.payload());
    const routing::Decision d = snap.decide(ingress, ip.source(), ip.destination());
    if (d.outcome != routing::Outcome::deliver) return drop(drop_reason_for(d.outcome));
    // The VPC router is not an IP hop (no TTL decrement); within a subnet the frame keeps the sender's MAC,
    // across subnets it comes from the destination subnet's router.
    const routing::PortInfo& to = snap.port(d.port);
    eth.set_destination(to.mac);
    if (!d.same_subnet) eth.set_source(snap.subnet(to.subnet).router_mac);
    Verdict v;
    v.transmit = true;
    v.port = d.port;
    v.frame = frame;
    return v;
}

}  // namespace

Verdict process_frame(const ForwardingSnapshot& snap, PortIndex ingress, Bytes frame) noexcept {
    if (wire::VnetHeader::check(frame) != wire::WireError::none) return drop(DropReason::vnet_header_truncated);
    const Bytes ethernet = frame.subspan(wire::VnetHeader::length);
    if (wire::EthernetView::check(ethernet) != wire::WireError::none) return drop(DropReason::frame_truncated);
    wire::EthernetView eth(ethernet);
    if (!(eth.source() == snap.port(ingress).mac)) return drop(DropReason::source_mac_mismatch);
    switch (eth.ether_type()) {
        case static_cast<std::uint16_t>(wire::EtherType::arp): return answer_arp(snap, ingress, frame, eth);
        case static_cast<std::uint16_t>(wire::EtherType::ipv4): return route_ipv4(snap, ingress, frame, eth);
        case static_cast<std::uint16_t>(wire::EtherType::ipv6): return drop(DropReason::ipv6_not_enabled);
        default: return drop(DropReason::ether_type_unsupported);
    }
}

}  // namespace vpclab::router
