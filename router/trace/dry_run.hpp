// A dry run of the data path: a synthetic packet, and the reply its far end would send, through the real
// pipeline against the live snapshot, with every step recorded and no live table changed.
//
// Both directions remember what they open in a small overlay laid over the live connection tables
// (router/data_path/flow_memory.hpp), so that the reply meets what the packet opened (a tracked flow, a load
// balancer's connection, an endpoint's translation) exactly as it would for real, while the router's own
// tables are only read: never written, never copied. The pipeline code is the forwarding code; what the
// overlay asks of the live tables before it opens anything (their room, an ENI's or a client's share, the
// ports a connection holds) it asks as they stand. What it does not see: the router's own health checks (a
// trace of a target's answer to one finds no probe), and room a full live table would make by reclaiming
// idle flows first (the trace says table full where forwarding might just find room).
#pragma once

#include <cstdint>
#include <vector>

#include "router/data_path/flow_state.hpp"
#include "router/data_path/pipeline.hpp"
#include "router/trace/step_text.hpp"

namespace vpclab::router {

// What a trace sends, and from where: an ENI's port (with its MAC) or the region's.
struct TracePacket {
    routing::PortIndex port = routing::no_port;
    std::uint8_t protocol = 1;  // 1, 6 or 17
    std::uint32_t source = 0, destination = 0;
    std::uint16_t source_port = 0, destination_port = 0;  // TCP and UDP
    std::uint8_t icmp_type = 8;                           // ICMP: an echo request (a reply: 0)
    std::uint8_t tcp_flags = 0x02;                        // TCP: a SYN (a reply: SYN, ACK)
};

// One direction: the frame's steps, and where it ended.
struct TraceLeg {
    TracePacket sent;
    StepLog steps;
    bool delivered = false;                        // written to a port other than the one it came from
    routing::PortIndex delivered_to = routing::no_port;
    PacketFacts arrived;                           // as it left the router
};

struct DryRun {
    TraceLeg forward, reply;
    bool reply_sent = false;  // the forward leg was delivered, so its far end answered
};

// The virtio-net header and Ethernet frame `packet` is read as from its port (the source MAC its port's).
std::vector<std::uint8_t> trace_frame(const routing::ForwardingSnapshot& snapshot, const TracePacket& packet);

// `packet` through the pipeline, and when it is delivered the reply from where it arrived (addresses and
// ports swapped, an ICMP echo reply or a TCP SYN-ACK), both over `flows` as they are at `flows.now`.
DryRun dry_run(const routing::ForwardingSnapshot& snapshot, const FlowState& flows, const TracePacket& packet);

// The same on empty connection tables: what the configuration alone lets through (Reachability Analyzer
// "analyzes the network configuration"; no tracked connection of the running lab lets a packet pass).
DryRun dry_run_on_configuration(const routing::ForwardingSnapshot& snapshot, const TracePacket& packet);

}  // namespace vpclab::router
