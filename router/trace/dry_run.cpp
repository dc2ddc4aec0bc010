// Dry runs: synthetic frames through the pipeline, remembering in an overlay over the connection tables.
#include "router/trace/dry_run.hpp"

#include "wire/checksum.hpp"
#include "wire/ethernet.hpp"
#include "wire/l4.hpp"
#include "wire/vnet_header.hpp"

namespace vpclab::router {

namespace {

// Keeps what the pipeline sent and dropped during a dry run.
struct DrySink final : FrameSink {
    struct Sent {
        routing::PortIndex port;
        std::vector<std::uint8_t> frame;
    };
    std::vector<Sent> sent;
    void transmit(routing::PortIndex port, wire::ConstBytes frame) noexcept override {
        try {
            sent.push_back({port, {frame.begin(), frame.end()}});
        } catch (...) {  // out of memory on the control path: the trace shows the frame as not sent
        }
    }
    void drop(routing::PortIndex, wire::ConstBytes, DropReason) noexcept override {}
};

const wire::MacAddress& mac_of(const routing::ForwardingSnapshot& snap, routing::PortIndex port) {
    const auto& sp = snap.service_ports();
    if (port == sp.region) return sp.region_mac;
    if (port == sp.resolver) return sp.resolver_mac;
    return snap.port(port).mac;
}

// `arrived` sent on from `port` (as it is, or `swapped` end for end: its reply), with `kind`'s ICMP type and
// TCP flags.
TracePacket sent_on(const PacketFacts& arrived, routing::PortIndex port, bool swapped, TracePacket kind) {
    kind.port = port;
    kind.protocol = arrived.protocol;
    kind.source = swapped ? arrived.destination : arrived.source;
    kind.destination = swapped ? arrived.source : arrived.destination;
    kind.source_port = swapped ? arrived.destination_port : arrived.source_port;
    kind.destination_port = swapped ? arrived.source_port : arrived.destination_port;
    return kind;
}

TraceLeg run(const routing::ForwardingSnapshot& snap, FlowMemory flows, const TracePacket& packet) {
    TraceLeg leg;
    leg.sent = packet;
    TracePacket p = packet;
    // The region routes the lab's public addresses back to the router: a packet to another instance's public
    // IP, or to an internet-facing load balancer, leaves by one internet gateway and comes in by another (or
    // the same). The leg follows it in once; its steps go on in the same log.
    for (int hop = 0; hop < 2; ++hop) {
        std::vector<std::uint8_t> frame = trace_frame(snap, p), scratch(pipeline_scratch_size);
        DrySink sink;
        process_frame(snap, p.port, frame, scratch, sink, flows, &leg.steps);
        leg.delivered = false;
        for (const auto& s : sink.sent)
            if (s.port != p.port) {
                leg.delivered = true;
                leg.delivered_to = s.port;
                leg.arrived = packet_facts(s.frame);
            }
        const auto& sp = snap.service_ports();
        if (!leg.delivered || leg.delivered_to != sp.region || !leg.arrived.ipv4 || !sp.public_pool.contains(leg.arrived.destination)) return leg;
        p = sent_on(leg.arrived, sp.region, false, p);
    }
    return leg;
}

DryRun both_ways(const routing::ForwardingSnapshot& snap, FlowState& overlay, const FlowState* live, const TracePacket& packet);

// Room for what a traced packet and its reply open (a few flows, a connection, perhaps a copy or two).
constexpr std::size_t overlay_flows = 64;

}  // namespace

std::vector<std::uint8_t> trace_frame(const routing::ForwardingSnapshot& snap, const TracePacket& p) {
    const std::size_t l4_length = p.protocol == 6 ? 20 : 8;
    const std::size_t ip_length = 20 + l4_length;
    std::vector<std::uint8_t> f(wire::VnetHeader::length + wire::EthernetView::header_length + ip_length);
    wire::Bytes bytes(f.data(), f.size());
    wire::VnetHeader{}.write(bytes);
    wire::EthernetView eth(bytes.subspan(wire::VnetHeader::length));
    const auto& sp = snap.service_ports();
    eth.set_destination(p.port == sp.region     ? sp.region_router_mac
                        : p.port == sp.resolver ? sp.resolver_router_mac
                                                : snap.subnet(snap.port(p.port).subnet).router_mac);
    eth.set_source(mac_of(snap, p.port));
    eth.set_ether_type(wire::EtherType::ipv4);
    std::uint8_t* ip = f.data() + wire::VnetHeader::length + wire::EthernetView::header_length;
    ip[0] = 0x45;
    wire::store_be16(ip + 2, static_cast<std::uint16_t>(ip_length));
    wire::store_be16(ip + 4, 0x7ace);  // identification
    wire::store_be16(ip + 6, 0x4000);  // DF, as Linux sends TCP and ping
    ip[8] = 64;
    ip[9] = p.protocol;
    wire::store_be32(ip + 12, p.source);
    wire::store_be32(ip + 16, p.destination);
    wire::store_be16(ip + 10, wire::internet_checksum(wire::ConstBytes(ip, 20)));
    std::uint8_t* l4 = ip + 20;
    const wire::ConstBytes segment(l4, l4_length);
    if (p.protocol == 1) {
        l4[0] = p.icmp_type;
        wire::store_be16(l4 + 4, 0x7ace);  // identifier
        wire::store_be16(l4 + 6, 1);       // sequence
        wire::store_be16(l4 + 2, wire::internet_checksum(segment));
        return f;
    }
    wire::store_be16(l4, p.source_port);
    wire::store_be16(l4 + 2, p.destination_port);
    if (p.protocol == 6) {
        wire::store_be32(l4 + 4, 0x10000000);                                  // sequence
        wire::store_be32(l4 + 8, (p.tcp_flags & 0x10) ? 0x20000001 : 0);      // acknowledgment
        l4[12] = 5 << 4;
        l4[13] = p.tcp_flags;
        wire::store_be16(l4 + 14, 64240);
        wire::store_be16(l4 + 16, wire::internet_checksum(segment, wire::pseudo_header_sum(p.source, p.destination, 6, 20)));
    } else {
        wire::store_be16(l4 + 4, 8);
        wire::store_be16(l4 + 6, wire::internet_checksum(segment, wire::pseudo_header_sum(p.source, p.destination, 17, 8)));
    }
    return f;
}

DryRun dry_run(const routing::ForwardingSnapshot& snap, const FlowState& live, const TracePacket& packet) {
    // Remembered in a small overlay, read through to the live tables, which are never written.
    FlowState overlay = FlowState::small(overlay_flows, live.now);
    return both_ways(snap, overlay, &live, packet);
}

DryRun dry_run_on_configuration(const routing::ForwardingSnapshot& snap, const TracePacket& packet) {
    // Small empty tables, unshared (the default: first come, first served), nothing beneath; the clock at 0.
    FlowState flows = FlowState::small(overlay_flows, 0);
    return both_ways(snap, flows, nullptr, packet);
}

namespace {
DryRun both_ways(const routing::ForwardingSnapshot& snap, FlowState& overlay, const FlowState* live, const TracePacket& packet) {
    const auto memory = [&] { return live ? FlowMemory(overlay, *live) : FlowMemory(overlay); };
    DryRun out;
    out.forward = run(snap, memory(), packet);
    const TraceLeg& f = out.forward;
    if (!f.delivered || !f.arrived.ipv4) return out;
    TracePacket answer;
    answer.icmp_type = 0;  // echo reply
    answer.tcp_flags = wire::tcp_flags::syn | wire::tcp_flags::ack;
    const TracePacket reply = sent_on(f.arrived, f.delivered_to, true, answer);
    // A reply is sent from an ENI, the region or the resolver: the ports a frame can come in on.
    const auto& sp = snap.service_ports();
    if (reply.port != sp.region && reply.port != sp.resolver && !snap.is_eni(reply.port)) return out;
    out.reply_sent = true;
    out.reply = run(snap, memory(), reply);
    return out;
}
}  // namespace

}  // namespace vpclab::router
