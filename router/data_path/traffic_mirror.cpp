// VPC Traffic Mirroring's copies: which frames, built how, sent where (see the header).
#include "router/data_path/traffic_mirror.hpp"

#include <algorithm>
#include <cstring>

#include "endpoints/path_mtu.hpp"
#include "router/data_path/step.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/vnet_header.hpp"

namespace vpclab::router {

using routing::CompiledMirrorSession;
using routing::ForwardingSnapshot;
using routing::MirrorDirection;
using routing::MirrorPacket;
using routing::PortIndex;

namespace {

constexpr std::size_t link_headers = wire::VnetHeader::length + wire::EthernetView::header_length;

// The packet's addresses, protocol and ports, from a frame (vnet header + Ethernet) no stage has checked yet
// (egress) or that the router wrote (ingress). False: not an IPv4 packet with a whole header (ARP among
// them, which is never mirrored).
bool packet_of(wire::ConstBytes frame, MirrorPacket& p) noexcept {
    if (frame.size() < link_headers) return false;
    const std::uint8_t* eth = frame.data() + wire::VnetHeader::length;
    if (wire::load_be16(eth + 12) != static_cast<std::uint16_t>(wire::EtherType::ipv4)) return false;
    const wire::ConstBytes ip = frame.subspan(link_headers);
    if (wire::Ipv4View::check(ip) != wire::WireError::none) return false;
    const std::uint8_t* h = ip.data();
    const std::size_t header = (h[0] & 0x0f) * 4u;
    p.source = wire::load_be32(h + 12);
    p.destination = wire::load_be32(h + 16);
    p.protocol = h[9];
    const bool first_fragment = (wire::load_be16(h + 6) & 0x1fff) == 0;
    const std::size_t total = wire::load_be16(h + 2);
    p.has_ports = (p.protocol == 6 || p.protocol == 17) && first_fragment && total >= header + 4;
    p.source_port = p.has_ports ? wire::load_be16(h + header) : 0;
    p.destination_port = p.has_ports ? wire::load_be16(h + header + 2) : 0;
    return true;
}

// RFC 7348 §5: the outer UDP source port from a hash of the inner packet's fields, in the dynamic range
// (the Traffic Mirroring Guide: "determined by a 5-tuple hash of the original L2 packet").
std::uint32_t hash_of(const MirrorPacket& p) noexcept {
    return routing::symmetric_flow_hash(p.source, p.destination, p.protocol, p.source_port, p.destination_port);
}

}  // namespace

TrafficMirror::TrafficMirror() : egress_inner_(max_inner), frame_(link_headers + outer_headers + max_inner) {}

std::size_t TrafficMirror::copy_inner(const CompiledMirrorSession& session, wire::ConstBytes frame, wire::Bytes out) noexcept {
    if (frame.size() <= wire::VnetHeader::length) return 0;
    const wire::ConstBytes ethernet = frame.subspan(wire::VnetHeader::length);
    std::size_t length = std::min(ethernet.size(), max_inner);
    if (session.packet_length != 0) length = std::min<std::size_t>(length, session.packet_length);
    std::memcpy(out.data(), ethernet.data(), length);
    // A packet whose checksum the sender left to offload: completed in the copy when the copy is whole, as a
    // NIC would have ("If the mirror packet is truncated, the mirror packet L4 checksum is not calculated").
    const wire::VnetHeader vnet = wire::VnetHeader::read(frame);
    if (vnet.needs_checksum() && !vnet.is_gso() && length == ethernet.size()) endpoints::finish_partial_checksum(out.first(length), vnet);
    return length;
}

void TrafficMirror::before(const ForwardingSnapshot& snap, PortIndex port, wire::ConstBytes frame) noexcept {
    egress_session_ = nullptr;
    left_ = false;
    const auto sessions = snap.mirror_sessions(port);
    MirrorPacket p;
    if (sessions.empty() || !packet_of(frame, p)) return;
    const CompiledMirrorSession* s = routing::choose_mirror_session(sessions, snap.mirror_rules(), MirrorDirection::egress, p, snap.vpc_dns_address(port));
    if (!s) return;
    egress_length_ = copy_inner(*s, frame, wire::Bytes(egress_inner_.data(), egress_inner_.size()));
    if (egress_length_ == 0) return;
    egress_session_ = s;
    egress_port_ = port;
    egress_hash_ = hash_of(p);
}

void TrafficMirror::saw_drop(PortIndex port, DropReason reason) noexcept {
    if (!egress_session_) return;
    // Dropped on its way in to another ENI (its ACL or groups): it had left the source.
    if (port != egress_port_) {
        left_ = true;
        return;
    }
    switch (stage_of(reason)) {
        case Stage::edge:
        case Stage::source_dest_check:
        case Stage::acl_out:
        case Stage::sg_egress: return;  // stopped at the source
        default: left_ = true;          // routed, and lost beyond the ENI (no route, a gateway's refusal): it left
    }
}

void TrafficMirror::after(const ForwardingSnapshot& snap, FrameSink& sink) noexcept {
    const CompiledMirrorSession* s = egress_session_;
    egress_session_ = nullptr;
    if (!s || !left_) return;
    send_copy(snap, egress_port_, *s, wire::ConstBytes(egress_inner_.data(), egress_length_), egress_hash_, sink);
}

void TrafficMirror::delivered(const ForwardingSnapshot& snap, PortIndex port, wire::ConstBytes frame, FrameSink& sink) noexcept {
    const auto sessions = snap.mirror_sessions(port);
    MirrorPacket p;
    if (sessions.empty() || !packet_of(frame, p)) return;
    const CompiledMirrorSession* s = routing::choose_mirror_session(sessions, snap.mirror_rules(), MirrorDirection::ingress, p, snap.vpc_dns_address(port));
    if (!s) return;
    // The inner frame is built where the VXLAN frame will carry it, so the ingress copy is copied once.
    const wire::Bytes inner(frame_.data() + link_headers + outer_headers, max_inner);
    const std::size_t length = copy_inner(*s, frame, inner);
    if (length == 0) return;
    send_copy(snap, port, *s, inner.first(length), hash_of(p), sink);
}

void TrafficMirror::send_copy(const ForwardingSnapshot& snap, PortIndex source, const CompiledMirrorSession& session, wire::ConstBytes inner,
                              std::uint32_t flow_hash, FrameSink& sink) noexcept {
    std::uint8_t* const f = frame_.data();
    const std::size_t inner_at = link_headers + outer_headers;
    if (inner.data() != f + inner_at) std::memcpy(f + inner_at, inner.data(), inner.size());
    const wire::Bytes out(f, inner_at + inner.size());
    const routing::MirrorRoute route = snap.mirror_route(source, session, flow_hash);
    // The headers are written whether or not the copy can go, so that a refused copy is logged and captured
    // as a whole frame (with no destination: zero address and MACs).
    wire::VnetHeader{}.write(out);  // a plain frame: the outer UDP checksum is zero (RFC 7348 §5), nothing to offload
    wire::EthernetView eth(out.subspan(wire::VnetHeader::length));
    eth.set_destination(route.destination_mac);
    eth.set_source(route.source_mac);
    eth.set_ether_type(wire::EtherType::ipv4);
    const std::size_t ip_length = outer_headers + inner.size();
    const bool goes = route.kind == routing::MirrorRoute::Kind::deliver;
    wire::Ipv4View::build(out.subspan(link_headers), 17, goes ? route.source : snap.port(source).ip, route.destination,
                          static_cast<std::uint16_t>(ip_length), 64, 0, false);
    std::uint8_t* udp = f + link_headers + 20;
    wire::store_be16(udp, static_cast<std::uint16_t>(49152 + flow_hash % 16384));
    wire::store_be16(udp + 2, goes ? route.destination_port : routing::vxlan_port);
    wire::store_be16(udp + 4, static_cast<std::uint16_t>(ip_length - 20));
    wire::store_be16(udp + 6, 0);
    // RFC 7348 §5: flags with I set (a valid VNI), 24 reserved bits, the VNI, 8 reserved bits.
    std::uint8_t* vxlan = udp + 8;
    wire::store_be32(vxlan, 0x08000000u);
    wire::store_be32(vxlan + 4, session.virtual_network_id << 8);
    if (!goes) {
        DropReason reason = DropReason::mirror_target_unreachable;
        switch (route.kind) {
            case routing::MirrorRoute::Kind::network_acl_outbound: reason = DropReason::mirror_network_acl_outbound; break;
            case routing::MirrorRoute::Kind::network_acl_inbound: reason = DropReason::mirror_network_acl_inbound; break;
            case routing::MirrorRoute::Kind::security_group: reason = DropReason::mirror_security_group; break;
            default: break;
        }
        return sink.drop(source, out, reason);
    }
    sink.transmit(route.port, out);
}

void MirroringSink::transmit(PortIndex port, wire::ConstBytes frame) noexcept {
    mirror_.saw_transmit();
    inner_.transmit(port, frame);
    mirror_.delivered(snap_, port, frame, inner_);
}

void MirroringSink::drop(PortIndex port, wire::ConstBytes frame, DropReason reason) noexcept {
    mirror_.saw_drop(port, reason);
    inner_.drop(port, frame, reason);
}

void MirroringSink::drop_by_network_acl(PortIndex port, wire::ConstBytes frame, DropReason reason, std::uint32_t acl, std::uint16_t rule_number) noexcept {
    mirror_.saw_drop(port, reason);
    inner_.drop_by_network_acl(port, frame, reason, acl, rule_number);
}

}  // namespace vpclab::router
