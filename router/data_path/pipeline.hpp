// The per-frame path: validate once at the edge, answer ARP, route IPv4 by the snapshot, rewrite MACs.
//
// A pure function of (snapshot, ingress port, frame bytes): it never allocates, never throws, and rewrites
// the frame in place. The event loop does the I/O. Tested with frames in / frames out, no TAPs needed.
#pragma once

#include "router/data_path/drop_reason.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "wire/bytes.hpp"

namespace vpclab::router {

struct Verdict {
    bool transmit = false;
    routing::PortIndex port = routing::no_port;  // where to write `frame` when transmitting
    wire::Bytes frame;                           // vnet header + Ethernet frame to write
    DropReason reason = DropReason::count;
};

// `frame` starts with the virtio-net header as read from the ingress TAP.
Verdict process_frame(const routing::ForwardingSnapshot& snapshot, routing::PortIndex ingress, wire::Bytes frame) noexcept;

}  // namespace vpclab::router
