// What a frame adds to the flow log records, read from the data path's own steps (never from a second
// classification): the sending ENI's egress verdict (its ACL's and groups' — ACCEPT, or REJECT by either),
// and the receiving ENI's ingress verdict (REJECT by its ACL or groups, ACCEPT once delivered). VPC User
// Guide, "Flow log records" and its examples: a reply a stateless ACL denies is a REJECT record of its own.
//
// Traffic AWS does not log is left out (VPC User Guide, "Flow log limitations"): to and from the Amazon
// DNS server, 169.254.169.254 (instance metadata), 169.254.169.123 (Time Sync), DHCP, the reserved
// address of the VPC router, and between an endpoint's ENI and a load balancer's (PrivateLink's inside).
//
// A recorder of the data path: never allocates, never throws. Per frame: begin(), the pipeline's steps,
// finish(). It passes each step on to `also` (a live trace) when one is set.
#pragma once

#include <array>
#include <cstdint>

#include "router/data_path/step.hpp"
#include "router/flow_logs/flow_aggregator.hpp"
#include "router/trace/step_text.hpp"

namespace vpclab::router {

// Which aggregation windows record a port's traffic: bit 0 the one-minute window, bit 1 the ten-minute one
// (a flow log's MaxAggregationInterval). 0: no flow log covers the port.
enum : std::uint8_t { flow_window_minute = 1, flow_window_ten_minutes = 2 };

class FlowLogRecorder final : public StepRecorder {
public:
    StepRecorder* also = nullptr;

    // A frame read on `in_port`; `coverage` is indexed by port (flow_window_* bits), `coverage_size` long.
    void begin(const routing::ForwardingSnapshot& snapshot, routing::PortIndex in_port, wire::ConstBytes frame, const std::uint8_t* coverage,
               std::size_t coverage_size) noexcept;
    void record(const Step& step) noexcept override;
    void packet(std::uint32_t source, std::uint32_t destination, const wire::TransportRepr& l4) noexcept override;
    // Adds the frame's notes to the windows' aggregators ([0] minute, [1] ten minutes) at `now` (epoch seconds).
    void finish(FlowAggregator* const windows[2], std::uint32_t now) noexcept;

    // Packets and bytes of a frame on the wire: a segmentation-offload frame is several packets, each with
    // its own headers (virtio-net's gso_size and hdr_len); exposed for tests.
    struct WireSize {
        std::uint32_t packets = 1, bytes = 0;
    };
    static WireSize wire_size(wire::ConstBytes frame) noexcept;
    // tcp-flags as flow logs count them: FIN 1, SYN 2, RST 4, and SYN-ACK 18 (ACK only with SYN).
    static std::uint8_t logged_tcp_flags(std::uint8_t flags) noexcept;

private:
    struct Note {
        routing::PortIndex port;
        FlowDirection direction;
        FlowAction action;
        PacketFacts packet;
    };
    const routing::ForwardingSnapshot* snap_ = nullptr;
    const std::uint8_t* coverage_ = nullptr;
    std::size_t coverage_size_ = 0;
    bool skip_ = true;
    PacketFacts packet_;  // as it stands after the steps so far
    WireSize size_;
    std::uint8_t traffic_path_ = 0;
    std::array<Note, 6> notes_{};
    bool answered_ = false;            // the router answered (an ICMP error, a health check's reply): what it sends is its own
    bool inside_privatelink_ = false;  // carried by an endpoint to a load balancer node: the node's side is not logged
    int balancer_rewrites_ = 0;        // a client's packet is rewritten at the node destination first, a reply source first
    std::size_t note_count_ = 0;
    routing::PortIndex in_port_ = routing::no_port;

    bool covered(routing::PortIndex port) const noexcept { return port < coverage_size_ && coverage_[port] != 0; }
    void note(routing::PortIndex port, FlowDirection direction, FlowAction action) noexcept;
    void apply_rewrite(const Step& step) noexcept;
};

}  // namespace vpclab::router
