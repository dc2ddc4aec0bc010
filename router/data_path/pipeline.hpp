// The per-frame path: validate once at the edge, answer ARP, route IPv4 by the snapshot, translate at the
// internet gateway, hand DNS to the VPC resolver, rewrite MACs.
//
// A function of (snapshot, ingress port, frame bytes) and the gateway-endpoint connection table (its only
// state, fixed in size) that reports its outputs to a FrameSink: it never allocates, never throws, rewrites the frame in place, and builds what it generates (ARP replies,
// ICMP errors, fragments) in a caller-provided scratch slot. The event loop's sink writes to TAPs; the
// tests' sink records. Stages follow Click's style: one function per job, drops counted by reason.
#pragma once

#include "router/data_path/drop_reason.hpp"
#include "router/data_path/endpoint_flows.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "wire/bytes.hpp"

namespace vpclab::router {

class FrameSink {
public:
    // `frame` (virtio-net header + Ethernet frame) goes out on `port`. It may point into the scratch slot,
    // which the pipeline reuses after this call returns.
    virtual void transmit(routing::PortIndex port, wire::ConstBytes frame) noexcept = 0;
    // `frame` (as it arrived, or as far as it was rewritten) is for logging why; it may be any bytes.
    virtual void drop(routing::PortIndex ingress, wire::ConstBytes frame, DropReason reason) noexcept = 0;

protected:
    ~FrameSink() = default;
};

// Scratch must hold a 1500-byte packet plus headers (ICMP errors and fragments are built there).
constexpr std::size_t pipeline_scratch_size = 2048;

// `frame` starts with the virtio-net header as read from the ingress TAP.
void process_frame(const routing::ForwardingSnapshot& snapshot, routing::PortIndex ingress, wire::Bytes frame,
                   wire::Bytes scratch, FrameSink& sink, EndpointFlows& flows) noexcept;

}  // namespace vpclab::router
