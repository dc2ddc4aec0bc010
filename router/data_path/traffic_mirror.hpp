// VPC Traffic Mirroring in the data path: a copy of what a source ENI sends (egress) and receives (ingress),
// when a session's filter accepts it, VXLAN-encapsulated to the session's target (Traffic Mirroring Guide,
// "Traffic mirror packet format"; RFC 7348). docs/traffic-mirroring.md gives the sources and choices.
//
// Egress is mirrored only if the frame left the ENI: what the source's security groups or network ACL (or
// the edge's checks) drop is not ("Packets that are dropped at the traffic mirror source by security group
// rules or by network ACL rules are not mirrored"). So the frame is looked at before the pipeline rewrites
// it in place, the copy's inner frame kept, and sent once the pipeline has said what became of it. Ingress
// is mirrored as the frame is written to the ENI, after its security groups admitted it.
//
// Copies are never flow-logged nor traced (they pass no StepRecorder): "VPC Flow Logs do not capture
// mirrored traffic". Fixed buffers made once per worker; nothing allocated per frame.
#pragma once

#include <cstdint>
#include <vector>

#include "router/data_path/pipeline.hpp"
#include "routing/forwarding_snapshot.hpp"

namespace vpclab::router {

class TrafficMirror {
public:
    // A copy fits the target ENI's MTU (tap/link_config.hpp: 9001, EC2's jumbo frames): outer IPv4, UDP and
    // VXLAN headers and the inner Ethernet frame, cut ("We truncate the packet to the MTU value").
    static constexpr std::size_t eni_mtu = 9001;
    static constexpr std::size_t outer_headers = 20 + 8 + 8;  // IPv4, UDP, VXLAN
    static constexpr std::size_t max_inner = eni_mtu - outer_headers;

    TrafficMirror();

    // Before the pipeline: if a session on `port` mirrors this frame as egress, its inner frame is kept.
    void before(const routing::ForwardingSnapshot& snap, routing::PortIndex port, wire::ConstBytes frame) noexcept;
    // What the pipeline did with the frame in hand (MirroringSink tells): sent somewhere, or dropped at `port`
    // for `reason`. Decides whether it left the source.
    void saw_transmit() noexcept { left_ = true; }
    void saw_drop(routing::PortIndex port, DropReason reason) noexcept;
    // After the pipeline: sends the egress copy if the frame left the source ENI.
    void after(const routing::ForwardingSnapshot& snap, FrameSink& sink) noexcept;
    // A frame written to `port`: the ingress copy of it, if a session there mirrors it, sent at once.
    void delivered(const routing::ForwardingSnapshot& snap, routing::PortIndex port, wire::ConstBytes frame, FrameSink& sink) noexcept;

private:
    // Builds the VXLAN frame around `inner` (an Ethernet frame, already cut) and sends it to where the
    // session's target is, or drops it there with the reason.
    void send_copy(const routing::ForwardingSnapshot& snap, routing::PortIndex source, const routing::CompiledMirrorSession& session,
                   wire::ConstBytes inner, std::uint32_t flow_hash, FrameSink& sink) noexcept;
    // The inner frame `frame` (vnet header + Ethernet) makes for `session`, copied into `out`: cut to the
    // session's packet length and to max_inner; an offloaded checksum completed when the packet is whole.
    static std::size_t copy_inner(const routing::CompiledMirrorSession& session, wire::ConstBytes frame, wire::Bytes out) noexcept;

    std::vector<std::uint8_t> egress_inner_;  // max_inner: the egress copy's inner frame, until after()
    std::vector<std::uint8_t> frame_;         // the VXLAN frame being sent: vnet header, Ethernet, outer headers, inner
    const routing::CompiledMirrorSession* egress_session_ = nullptr;
    routing::PortIndex egress_port_ = routing::no_port;
    std::size_t egress_length_ = 0;
    std::uint32_t egress_hash_ = 0;
    bool left_ = false;
};

// The sink frames go through while any session mirrors: each send and drop is passed on, and told to the
// mirror (whether the frame left its source; a frame delivered to a mirrored ENI).
class MirroringSink final : public FrameSink {
public:
    MirroringSink(FrameSink& inner, TrafficMirror& mirror, const routing::ForwardingSnapshot& snap) noexcept
        : inner_(inner), mirror_(mirror), snap_(snap) {}
    void transmit(routing::PortIndex port, wire::ConstBytes frame) noexcept override;
    void drop(routing::PortIndex port, wire::ConstBytes frame, DropReason reason) noexcept override;
    void drop_by_network_acl(routing::PortIndex port, wire::ConstBytes frame, DropReason reason, std::uint32_t acl,
                             std::uint16_t rule_number) noexcept override;

private:
    FrameSink& inner_;
    TrafficMirror& mirror_;
    const routing::ForwardingSnapshot& snap_;
};

}  // namespace vpclab::router
