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
#include "wire/l4.hpp"

namespace vpclab::router {

struct ConnectionTracking {
    // 131,072 flows: 262,144 slots of 32 bytes, 8 MiB (`vpclab up --max-tracked-connections` changes it).
    static constexpr std::size_t default_max_flows = 131072;
    // AWS documents idle timeouts for established TCP and for UDP (per ENI, configurable), and 600 s for
    // protocols other than TCP, UDP and ICMP; an ICMP echo flow lasts as long as a single UDP exchange. How
    // long a TCP connection that is not established, or is closing, is kept AWS does not document; the lab
    // keeps such flows briefly, so that a flood of them cannot hold an ENI's share for long:
    //  - not yet established (a SYN unanswered, or answered and not yet acknowledged; a FIN or RST on a flow
    //    never established too): 10 s. Linux's
    //    conntrack keeps 120 s (SYN_SENT) and 60 s (SYN_RECV), but a flow is opened again by the opener's
    //    next SYN (retransmitted after 1 s, then 3, 7, …: RFC 6298's initial RTO, doubling), so 10 s costs a
    //    live connection nothing: its peer's answer comes within the first retransmissions;
    //  - half-closed (a FIN one way): 60 s after its last packet, Linux's CLOSE_WAIT; every packet of the
    //    side still sending keeps it;
    //  - closed (FIN both ways, or a RST): 10 s for the last ACKs and retransmitted FINs, Linux's CLOSE (it
    //    keeps TIME_WAIT 120 s after FINs; the lab's load balancers keep 10 s too, TranslatedConnections).
    static constexpr std::uint32_t tcp_unestablished_seconds = 10, tcp_half_closed_seconds = 60, tcp_closed_seconds = 10,
                                   other_protocol_seconds = 600;

    // Datagrams in fragments remembered at once (16,384 slots, 512 KiB), each 30 s at most: Linux's
    // default reassembly timeout (ipfrag_time), after which the receiver gives up on the datagram anyway.
    static constexpr std::size_t max_fragmented_datagrams = 8192;
    static constexpr std::uint32_t fragment_seconds = 30;

    // Both tables count each ENI's flows (the key's zone): share_among() shares them fairly.
    explicit ConnectionTracking(std::size_t max_flows = default_max_flows, std::size_t max_fragmented = max_fragmented_datagrams)
        : table(max_flows, routing::FlowTable::Owners::by_zone), fragments(max_fragmented, routing::FlowTable::Owners::by_zone) {}
    routing::FlowTable table;
    routing::FlowTable fragments;  // first fragments that passed, keyed by RFC 791's (source, destination, protocol, id)
    std::uint64_t refused = 0;  // new flows refused because the table, or the ENI's share of it, was full

    // Shares both tables among `enis` ENIs (routing::FlowTable::fair_shares): each may always hold its
    // reserved part, and one ENI's flood is refused (connection_table_full, on its ENI) before it takes
    // what the others need. Control path.
    void share_among(std::size_t enis) noexcept {
        table.share_fairly(enis);
        fragments.share_fairly(enis);
    }
};

// Forgets a flow as ENI `eni` tracks it (its own address and port, the other end's): a connection the
// router itself ended, such as a health check's once the check is over. Control path.
void forget_tracked_flow(ConnectionTracking& tracking, routing::PortIndex eni, std::uint8_t protocol, std::uint32_t local,
                         std::uint16_t local_port, std::uint32_t remote, std::uint16_t remote_port) noexcept;

enum class GroupVerdict : std::uint8_t {
    tracked,     // part of a tracked flow: allowed whatever the rules say now
    allowed,     // allowed by a rule (and now tracked, if it can be)
    untracked,   // allowed by all-open rules both ways: not tracked
    denied,      // no rule allows it and no tracked flow covers it
    table_full,  // allowed, but a new flow and the table is full: refused
};
constexpr bool passes(GroupVerdict v) { return v != GroupVerdict::denied && v != GroupVerdict::table_full; }

// What a security group verdict asks to be remembered; the verdict itself reads the tables and writes
// nothing (FlowMemory::remember, router/data_path/flow_memory.hpp, is where it is written).
struct TrackingNote {
    enum class Kind : std::uint8_t {
        nothing,  // nothing to remember (denied, untracked, an ICMP error, a reset, no key)
        seen,     // a tracked flow seen again: `flow` (found under `key`) now has `state`, idle `timeout`
        opened,   // a new tracked flow: `key` with `state`, idle `timeout` (table_full when there is no room)
    };
    Kind kind = Kind::nothing;
    routing::FlowKey key;
    const routing::FlowTable::Entry* flow = nullptr;
    std::uint32_t state = 0, timeout = 0;
    // A first fragment that passed: its datagram (RFC 791's key) lets the later fragments through.
    bool fragments_follow = false;
    routing::FlowKey datagram;
};

struct GroupJudgement {
    GroupVerdict verdict = GroupVerdict::denied;  // allowed when a new flow is to be tracked: remember() may refuse it
    std::uint32_t allowed_by = 0xffffffff;        // when a rule decided: its origin (CompiledSecurityGroups::origin_of)
    TrackingNote note;
};

// The packet's facts the rules look at: `inbound` when it arrives at the ENI (the far end is its source).
routing::RuleProbe rule_probe(const wire::Ipv4View& ip, const wire::TransportRepr& l4, bool inbound) noexcept;

// The security groups of ENI `eni` on a packet leaving it (`inbound` false) or arriving at it, reading the
// tracked flows of `tracking` and, when given, of `beneath` (a dry run's overlay reads the live tables
// through it). Which rule allowed it is looked up only when `want_rule` (one more memory access per packet).
GroupJudgement security_group_verdict(const routing::ForwardingSnapshot& snapshot, routing::PortIndex eni, const wire::Ipv4View& ip,
                                      const wire::TransportRepr& l4, bool inbound, const ConnectionTracking& tracking, const ConnectionTracking* beneath,
                                      std::uint32_t now, bool want_rule = false) noexcept;

}  // namespace vpclab::router
