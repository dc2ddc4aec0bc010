// Flow log records from a frame's steps.
#include "router/flow_logs/flow_log_recorder.hpp"

#include "wire/ethernet.hpp"
#include "wire/l4.hpp"
#include "wire/vnet_header.hpp"

namespace vpclab::router {

namespace {
constexpr std::uint32_t link_local = 0xa9fe0000;  // 169.254.0.0/16: metadata, Time Sync, the resolver's link
bool is_link_local(std::uint32_t a) { return (a & 0xffff0000) == link_local; }
}  // namespace

FlowLogRecorder::WireSize FlowLogRecorder::wire_size(wire::ConstBytes frame) noexcept {
    WireSize w;
    constexpr std::size_t link = wire::VnetHeader::length + wire::EthernetView::header_length;
    if (frame.size() <= link) return w;
    w.bytes = static_cast<std::uint32_t>(frame.size() - link);
    const wire::VnetHeader vnet = wire::VnetHeader::read(frame);
    if ((vnet.gso_type & ~wire::VnetHeader::gso_ecn) == wire::VnetHeader::gso_none || vnet.gso_size == 0) {
        // The IP packet's own length: a short frame's Ethernet padding is not the packet's.
        if (w.bytes >= 20 && (frame[link] >> 4) == 4) {
            const std::uint32_t total = wire::load_be16(frame.data() + link + 2);
            if (total >= 20 && total <= w.bytes) w.bytes = total;
        }
        return w;
    }
    // Each segment repeats the IP and TCP (or UDP) headers, measured here from the packet itself (this runs
    // before the pipeline validates the frame: every read is bounded here).
    if (w.bytes < 20) return w;
    const std::uint8_t* ip = frame.data() + link;
    const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
    std::size_t headers = ihl;
    if (ip[9] == 6 && w.bytes >= ihl + 20) headers += static_cast<std::size_t>(ip[ihl + 12] >> 4) * 4;
    else if (ip[9] == 17) headers += 8;
    if (headers < 20 || headers >= w.bytes) return w;
    const std::size_t payload = w.bytes - headers;
    w.packets = static_cast<std::uint32_t>((payload + vnet.gso_size - 1) / vnet.gso_size);
    w.bytes = static_cast<std::uint32_t>(payload + headers * w.packets);
    return w;
}

std::uint8_t FlowLogRecorder::logged_tcp_flags(std::uint8_t f) noexcept {
    using namespace wire::tcp_flags;
    std::uint8_t out = f & (fin | syn | rst);
    if ((f & syn) && (f & ack)) out |= ack;  // SYN-ACK: 18
    return out;
}

void FlowLogRecorder::begin(const routing::ForwardingSnapshot& snapshot, routing::PortIndex in_port, wire::ConstBytes frame, const std::uint8_t* coverage,
                            std::size_t coverage_size) noexcept {
    snap_ = &snapshot;
    coverage_ = coverage;
    coverage_size_ = coverage_size;
    in_port_ = in_port;
    note_count_ = 0;
    traffic_path_ = 0;
    answered_ = false;
    inside_privatelink_ = false;
    balancer_rewrites_ = 0;
    size_ = wire_size(frame);
    packet_.ipv4 = false;
    skip_ = true;  // until the edge reads an IPv4 packet (packet()): ARP and frames the edge refused are not logged
}

void FlowLogRecorder::packet(std::uint32_t source, std::uint32_t destination, const wire::TransportRepr& l4) noexcept {
    if (also) also->packet(source, destination, l4);
    read_facts(packet_, source, destination, l4);
    // From the resolver's namespace (the Amazon DNS server's answers), or to or from 169.254.0.0/16: nothing
    // AWS logs. DHCP is UDP 67/68.
    skip_ = !packet_.ipv4 || in_port_ == snap_->service_ports().resolver || is_link_local(packet_.source) || is_link_local(packet_.destination) ||
            (packet_.protocol == 17 && (packet_.destination_port == 67 || packet_.destination_port == 68));
}

void FlowLogRecorder::note(routing::PortIndex port, FlowDirection direction, FlowAction action) noexcept {
    if (!covered(port) || note_count_ == notes_.size()) return;
    // Once per ENI, direction and action a frame (a frame sent on as fragments is delivered several times).
    for (std::size_t i = 0; i < note_count_; ++i)
        if (notes_[i].port == port && notes_[i].direction == direction && notes_[i].action == action) return;
    notes_[note_count_++] = {port, direction, action, packet_};
}

void FlowLogRecorder::record(const Step& s) noexcept {
    if (also) also->record(s);
    if (skip_) return;
    if (s.verdict == Verdict::answer) answered_ = true;
    const routing::ForwardingSnapshot& snap = *snap_;
    switch (s.stage) {
        case Stage::route:
            if (s.outcome == routing::Outcome::to_resolver) {  // the Amazon DNS server, metadata, the router's address
                skip_ = true;
                note_count_ = 0;
                return;
            }
            // traffic-path (VPC User Guide): 1 through a resource of the same VPC (a NAT gateway's ENI is one, and
            // so is a transit gateway attachment's), 2 through an internet gateway or a gateway VPC endpoint, 4
            // through an intra-Region peering connection.
            if (s.verdict == Verdict::pass)
                traffic_path_ = s.outcome == routing::Outcome::deliver || s.outcome == routing::Outcome::nat_gateway ||
                                        s.outcome == routing::Outcome::transit_gateway
                                    ? 1
                                : s.outcome == routing::Outcome::vpc_peering                                           ? 4
                                : (s.outcome == routing::Outcome::internet_gateway || s.outcome == routing::Outcome::gateway_endpoint) ? 2
                                                                                                                                      : 0;
            return;
        case Stage::acl_out:
            if (s.verdict == Verdict::drop) note(s.port, FlowDirection::egress, FlowAction::reject);
            return;
        case Stage::sg_egress:
            note(s.port, FlowDirection::egress, s.verdict == Verdict::drop ? FlowAction::reject : FlowAction::accept);
            return;
        case Stage::acl_in:
            if (s.verdict == Verdict::drop) note(s.port, FlowDirection::ingress, FlowAction::reject);
            return;
        case Stage::sg_ingress:
            if (s.verdict == Verdict::drop) note(s.port, FlowDirection::ingress, FlowAction::reject);
            // An interface endpoint's ENI takes the packet here (it has no delivery of its own).
            else if (snap.is_eni(s.port) && snap.port(s.port).served_by_router() && !inside_privatelink_)
                note(s.port, FlowDirection::ingress, FlowAction::accept);
            return;
        case Stage::nat_gateway:
            // VPC User Guide, "Flow log record examples" (NAT gateway): the gateway's ENI logs the packet as it
            // came in (the inside host's, or the far side's reply to its address) and as it went on, translated.
            if (s.verdict == Verdict::pass) note(s.port, FlowDirection::ingress, FlowAction::accept);
            else if (s.verdict == Verdict::drop) note(s.port, FlowDirection::ingress, FlowAction::reject);
            else if (s.verdict == Verdict::rewrite) {
                apply_rewrite(s);
                note(s.port, FlowDirection::egress, FlowAction::accept);
            }
            return;
        case Stage::privatelink:
            if (s.verdict == Verdict::pass) inside_privatelink_ = true;  // endpoint ENI to node: not logged
            apply_rewrite(s);
            return;
        case Stage::load_balancer:
            // A client's packet reaching a node is rewritten to its target first (a target's reply, source first).
            if (s.verdict == Verdict::rewrite && balancer_rewrites_++ == 0 && s.destination_side && !inside_privatelink_)
                note(s.port, FlowDirection::ingress, FlowAction::accept);
            apply_rewrite(s);
            return;
        case Stage::deliver:
            if (s.verdict == Verdict::deliver && !answered_ && snap.is_eni(s.port) && !snap.port(s.port).served_by_router())
                note(s.port, FlowDirection::ingress, FlowAction::accept);
            else if (s.verdict == Verdict::drop)  // the write failed: not delivered after all
                for (std::size_t i = 0; i < note_count_;) {
                    if (notes_[i].port == s.port && notes_[i].direction == FlowDirection::ingress && notes_[i].action == FlowAction::accept)
                        notes_[i] = notes_[--note_count_];
                    else
                        ++i;
                }
            return;
        default:
            apply_rewrite(s);
            return;
    }
}

void FlowLogRecorder::apply_rewrite(const Step& s) noexcept {
    if (s.verdict != Verdict::rewrite) return;
    (s.destination_side ? packet_.destination : packet_.source) = s.to_address;
    if (s.to_port) (s.destination_side ? packet_.destination_port : packet_.source_port) = s.to_port;
}

void FlowLogRecorder::finish(FlowAggregator* const windows[2], std::uint32_t now) noexcept {
    if (skip_) return;
    const std::uint8_t flags = packet_.protocol == 6 ? logged_tcp_flags(packet_.tcp_flags) : 0;
    for (std::size_t i = 0; i < note_count_; ++i) {
        const Note& n = notes_[i];
        FlowRecordKey key;
        key.port = static_cast<std::uint16_t>(n.port);
        key.direction = n.direction;
        key.action = n.action;
        key.protocol = n.packet.protocol;
        key.source = n.packet.source;
        key.destination = n.packet.destination;
        // ICMP: flow logs show ports 0 (the guide's ping examples).
        key.source_port = n.packet.protocol == 6 || n.packet.protocol == 17 ? n.packet.source_port : 0;
        key.destination_port = n.packet.protocol == 6 || n.packet.protocol == 17 ? n.packet.destination_port : 0;
        const std::uint8_t path = n.direction == FlowDirection::egress ? traffic_path_ : 0;
        const std::uint8_t windows_of_port = coverage_[n.port];
        for (int w = 0; w < 2; ++w)
            if ((windows_of_port >> w) & 1 && windows[w]) windows[w]->add(key, size_.packets, size_.bytes, flags, path, now);
    }
    note_count_ = 0;
}

}  // namespace vpclab::router
