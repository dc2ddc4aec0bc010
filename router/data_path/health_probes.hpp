// Health checks' TCP exchanges between load balancer nodes and targets (ELB NLB guide, "Health checks for
// Network Load Balancer target groups"): real TCP from the node's address to the target, the node's side
// played here. A TCP check passes when the target answers the SYN with SYN-ACK (the node then resets the
// half-open connection); an HTTP check sends its request once the handshake is done and reads the status
// line of the answer. A RST, a wrong answer or no answer in time fails.
//
// The health checker (control side) starts a probe in a free slot; the pipeline hands it the target's
// segments addressed to the probe's port on the node and sends what it answers. Each probe is a connection
// of its own from a port that changes from one probe to the next, as AWS's checks come (so a connection the
// target's security groups tracked for one probe never carries the next: each is judged by the groups as
// they are then). Fixed size, no allocation.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "wire/bytes.hpp"
#include "wire/l4.hpp"

namespace vpclab::router {

struct HealthProbe {
    enum class Phase : std::uint8_t { idle, syn_sent, request_sent, passed, failed };
    Phase phase = Phase::idle;
    std::uint32_t target_port = 0;  // the target's ENI's router port
    std::uint32_t node_ip = 0, target_ip = 0;
    std::uint16_t target_tcp_port = 0;
    std::uint16_t node_tcp_port = 0;        // the node's port of this probe (HealthProbes::start picks it)
    std::uint32_t isn = 0, their_next = 0;  // our initial sequence number; the next byte we expect from them
    std::string_view request;               // HTTP: the request to send (owned by the health checker); empty: TCP
    int http_status = 0;                    // HTTP: the status code the target answered
    bool finished() const { return phase == Phase::passed || phase == Phase::failed; }
};

class HealthProbes {
public:
    // The node's source ports of probes, outside the ports its connections use: each probe takes the next
    // port of the range not in use by another probe in flight, so a slot's probes come from ever other ports.
    static constexpr std::uint16_t first_port = 61440;
    static constexpr std::size_t port_count = 65536 - first_port;  // 4,096
    static constexpr std::size_t slots = 1024;
    static bool owns(std::uint16_t node_tcp_port) { return node_tcp_port >= first_port; }

    // Starts a probe in `slot` from the next free port and writes its SYN (an IPv4 packet) to `out`; returns
    // its length.
    std::size_t start(std::size_t slot, const HealthProbe& probe, std::uint32_t isn, wire::Bytes out) noexcept;
    // Ends the probe in `slot` (its port is free again).
    void finish(std::size_t slot) noexcept;
    // A TCP segment from `source` to a node's probe port, with its facts `tcp` (a whole TCP header) and its
    // bytes `segment` (header and data, as the IPv4 total length bounds them): when it is from the probe's
    // target while the probe waits (`consumed`), advances the probe and writes what the node answers to `out`
    // (`length` bytes, 0: nothing to send). Anything else is not the probe's.
    struct Answer {
        bool consumed = false;
        std::size_t length = 0;
    };
    Answer on_segment(std::uint32_t source, const wire::TransportRepr& tcp, wire::ConstBytes segment, wire::Bytes out) noexcept;
    HealthProbe& operator[](std::size_t slot) { return probes_[slot]; }
    const HealthProbe& operator[](std::size_t slot) const { return probes_[slot]; }

private:
    std::array<HealthProbe, slots> probes_{};
    std::array<std::uint16_t, port_count> slot_of_port_{};  // slot + 1 of the probe using each port; 0: free
    std::size_t next_port_ = 0;                              // where the search for a free port starts
};

// Writes an IPv4 packet carrying one TCP segment (no options) with `payload`, checksums complete; returns
// its length, 0 when `out` is too small.
std::size_t build_tcp_packet(wire::Bytes out, std::uint32_t source, std::uint32_t destination, std::uint16_t source_port,
                             std::uint16_t destination_port, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags,
                             std::string_view payload = {}, std::uint16_t window = 64240) noexcept;

}  // namespace vpclab::router
