// Connection state for gateway-endpoint traffic: which instance a reply from the region belongs to.
//
// A packet through a gateway endpoint records its flow (protocol, private source, the endpoint's address
// in the region, ports or ICMP echo id); a packet from the region at an endpoint address passes only as a
// reply to a recorded flow, back to the ENI that opened it. The table is bounded (new flows are refused and
// counted when it is full) and flows idle longer than idle_timeout are expired a few slots at a time.
#pragma once

#include <cstdint>
#include <optional>

#include "routing/flow_table.hpp"
#include "wire/ipv4.hpp"
#include "wire/l4.hpp"

namespace vpclab::router {

struct EndpointFlows {
    // 350 s, the idle timeout AWS documents for NAT gateway connections (VPC User Guide, "NAT gateway
    // basics"): a flow idle longer is forgotten, and its replies are dropped as unsolicited.
    static constexpr std::uint32_t idle_timeout_seconds = 350;
    static constexpr std::size_t default_max_flows = 65536;  // ~4 MiB of slots

    // Flows are counted by the ENI that opened them (FlowState::share_among shares the table among ENIs).
    explicit EndpointFlows(std::size_t max_flows = default_max_flows) : table(max_flows, routing::FlowTable::Owners::by_value) {}
    routing::FlowTable table;
};

// The flow a packet belongs to, keyed the way the VPC side opened it: `outbound` for a packet from the
// instance (source = private address, destination = endpoint address), else for a reply from the region
// (its source and destination swapped back). TCP and UDP by ports; ICMP echo request (outbound) and echo
// reply (inbound) by the echo identifier. nullopt for anything else (other ICMP, non-first fragments,
// truncated headers): such packets have no flow of their own.
std::optional<routing::FlowKey> endpoint_flow_key(const wire::Ipv4View& ip, const wire::TransportRepr& l4, bool outbound) noexcept;

}  // namespace vpclab::router
