// The per-frame path: validate once at the edge, answer ARP, route IPv4 by the snapshot, filter by network
// ACLs and security groups, translate at the internet gateway, hand DNS to the VPC resolver, rewrite MACs.
//
// A function of (snapshot, ingress port, frame bytes) and the connection tables (its only state, fixed in
// size) that reports its outputs to a FrameSink: it never allocates, never throws, rewrites the frame in
// place, and builds what it generates (ARP replies, ICMP errors, fragments) in a caller-provided scratch
// slot. The event loop's sink writes to TAPs; the tests' sink records. Stages follow Click's style: one
// function per job, drops counted by reason.
//
// The stages, as DESIGN.md §3 orders them and router/data_path/step.hpp names them: edge (the frame
// validated) → route (the sending subnet's table: a network ACL applies only where the packet leaves its
// subnet, so the route comes first) → network ACL out (when it leaves the subnet) → security groups of the
// sending ENI (egress, or its tracked flow) → the target's handler where the route leads out of the VPC
// (internet gateway, gateway endpoint, resolver) → network ACL in (when it enters another subnet) →
// security groups of the receiving ENI (ingress, or its tracked flow) → the handler of an ENI the router
// serves (interface endpoint, load balancer node, PrivateLink) → deliver. Traffic to and from the VPC
// resolver and the instance metadata service is never filtered (VPC User Guide, "Amazon DNS server"; EC2
// User Guide, "Security group connection tracking"). Every decision is reported to a StepRecorder when one
// is given for the frame. Deciding reads the connection tables; what a decision opened or saw is remembered
// after it, in one place (flow_memory.hpp), which is how a dry run evaluates a packet without writing them.
// pipeline.cpp validates and dispatches; each target's handler is a file of router/data_path/handlers/, over
// what the stages share (stage_context.hpp).
#pragma once

#include "router/data_path/drop_reason.hpp"
#include "router/data_path/flow_memory.hpp"
#include "router/data_path/step.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "wire/bytes.hpp"

namespace vpclab::router {

class FrameSink {
public:
    // `frame` (virtio-net header + Ethernet frame) goes out on `port`. It may point into the scratch slot,
    // which the pipeline reuses after this call returns.
    virtual void transmit(routing::PortIndex port, wire::ConstBytes frame) noexcept = 0;
    // `frame` (as it arrived, or as far as it was rewritten) is for logging why; it may be any bytes.
    // `port` is where the frame was dropped: the port it came in on, or, for a network ACL or security group
    // on the way in, the ENI it was for.
    virtual void drop(routing::PortIndex port, wire::ConstBytes frame, DropReason reason) noexcept = 0;
    // A drop by a network ACL (reason network_acl_inbound or _outbound), with what decided it: the ACL's key
    // (routing::network_acl_key) and the number of the rule that denied. By default just a drop.
    virtual void drop_by_network_acl(routing::PortIndex port, wire::ConstBytes frame, DropReason reason, std::uint32_t /*acl*/,
                                     std::uint16_t /*rule_number*/) noexcept {
        drop(port, frame, reason);
    }

protected:
    ~FrameSink() = default;
};

// Scratch must hold a 1500-byte packet plus headers (ICMP errors and fragments are built there).
constexpr std::size_t pipeline_scratch_size = 2048;

// Where a generated packet starts in a frame built in the scratch slot: after the virtio-net and Ethernet headers.
constexpr std::size_t generated_packet_offset = 10 + 14;  // virtio_net_hdr (10 bytes), Ethernet (14)

// A packet the router sends from load balancer node `node` to the target ENI `target` (a health check), built
// in `scratch` at generated_packet_offset: the target's subnet's ACL and its security groups apply.
void send_from_load_balancer_node(const routing::ForwardingSnapshot& snapshot, routing::PortIndex node, routing::PortIndex target,
                                  std::size_t packet_length, wire::Bytes scratch, FrameSink& sink, FlowMemory flows,
                                  StepRecorder* steps = nullptr) noexcept;

// `frame` starts with the virtio-net header as read from the ingress TAP. `flows` are the connection tables
// (the live FlowState, or a dry run's overlay over it: flow_memory.hpp). `steps`, when set, is told every
// decision made about the frame (and what it made the router send), in order (router/data_path/step.hpp).
void process_frame(const routing::ForwardingSnapshot& snapshot, routing::PortIndex ingress, wire::Bytes frame,
                   wire::Bytes scratch, FrameSink& sink, FlowMemory flows, StepRecorder* steps = nullptr) noexcept;

}  // namespace vpclab::router
