// Security groups on the data path: connection tracking per ENI, and the verdict for a packet leaving or
// entering an ENI.
//
// EC2 User Guide, "Security group connection tracking": a flow a rule allowed one way has its replies
// allowed the other way whatever the rules say, until it has been idle for its timeout; removing the rule
// does not cut it. Flows are keyed per ENI (its port is the key's zone) from the ENI's side: local address
// and port, remote address and port, protocol; an ICMP echo by its identifier; other protocols by address
// and protocol alone. An ICMP error passes as part of the flow it quotes. TCP and UDP flows that all-open
// rules allow both ways are not tracked ("untracked connections"): each packet is judged by the rules.
// The table is bounded; when it is full a new tracked flow is refused and counted, never grown.
// Fragments (RFC 791): only the first carries ports, so a datagram whose first fragment passed the groups
// is remembered by source, destination, protocol and identification, and its later fragments pass with it
// (a large UDP reply to a tracked query arrives whole). Later fragments seen first are judged by the rules.
#pragma once

#include <cstdint>

#include "routing/flow_table.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "wire/ipv4.hpp"

namespace vpclab::router {

struct ConnectionTracking {
    // 131,072 flows: 262,144 slots of 32 bytes, 8 MiB (`vpclab up --max-tracked-connections` changes it).
    static constexpr std::size_t default_max_flows = 131072;
    // AWS documents idle timeouts for established TCP and for UDP (per ENI, configurable), and 600 s for
    // protocols other than TCP, UDP and ICMP. A TCP connection not yet answered or closing (FIN or RST
    // seen) is kept 60 s, the least the established timeout may be set to; an ICMP echo flow as long as a
    // single UDP exchange.
    static constexpr std::uint32_t tcp_transitory_seconds = 60, other_protocol_seconds = 600;

    // Datagrams in fragments remembered at once (16,384 slots, 512 KiB), each 30 s at most: Linux's
    // default reassembly timeout (ipfrag_time), after which the receiver gives up on the datagram anyway.
    static constexpr std::size_t max_fragmented_datagrams = 8192;
    static constexpr std::uint32_t fragment_seconds = 30;

    explicit ConnectionTracking(std::size_t max_flows = default_max_flows) : table(max_flows), fragments(max_fragmented_datagrams) {}
    routing::FlowTable table;
    routing::FlowTable fragments;  // first fragments that passed, keyed by RFC 791's (source, destination, protocol, id)
    std::uint64_t refused = 0;  // new flows refused because the table was full
};

enum class GroupVerdict : std::uint8_t {
    tracked,     // part of a tracked flow: allowed whatever the rules say now
    allowed,     // allowed by a rule (and now tracked, if it can be)
    untracked,   // allowed by all-open rules both ways: not tracked
    denied,      // no rule allows it and no tracked flow covers it
    table_full,  // allowed, but a new flow and the table is full: refused
};
constexpr bool passes(GroupVerdict v) { return v != GroupVerdict::denied && v != GroupVerdict::table_full; }

// The packet's facts the rules look at: `inbound` when it arrives at the ENI (the far end is its source).
routing::RuleProbe rule_probe(const wire::Ipv4View& ip, bool inbound) noexcept;

// The security groups of ENI `eni` on a packet leaving it (`inbound` false) or arriving at it.
GroupVerdict security_group_verdict(const routing::ForwardingSnapshot& snapshot, routing::PortIndex eni, const wire::Ipv4View& ip,
                                    bool inbound, ConnectionTracking& tracking, std::uint32_t now) noexcept;

}  // namespace vpclab::router
