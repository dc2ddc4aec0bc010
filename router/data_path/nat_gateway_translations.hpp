// The translations NAT gateways keep: each inside host's connection to a destination, carried on from the
// gateway's private address and a port of its own, and the destination's replies mapped back.
//
// VPC User Guide, "NAT gateway basics": a NAT gateway "uses ports 1024–65535", and "each IPv4 address can
// support up to 55,000 simultaneous connections to each unique destination" (destination address, port and
// protocol); past that, the gateway cannot allocate a source port (CloudWatch's ErrorPortAllocation,
// "Monitor NAT gateways with CloudWatch"). "Troubleshoot NAT gateways": a connection idle for 350 seconds
// times out. One table serves every gateway of the lab (keyed by the gateway's port, so overlapping inside
// addresses of two VPCs never meet), bounded, shared fairly among inside hosts (an eighth each), swept a
// little per batch like the others.
#pragma once

#include "router/data_path/translated_connections.hpp"

namespace vpclab::router {

class NatGatewayTranslations : public TranslatedConnections {
public:
    // 65,536 translations: 19 MiB (48-byte translations, and four index tables of 32-byte slots at a load of
    // at most one half: 304 bytes a translation).
    static constexpr std::size_t default_max_translations = 65536;
    static constexpr std::size_t connections_per_destination = 55000;
    static constexpr std::uint32_t idle_timeout_seconds = 350;
    // The timeout the gateways apply: AWS's, or shorter for a class (vpclab up --nat-idle-timeout).
    std::uint32_t idle_timeout = idle_timeout_seconds;

    // "Compare NAT gateways and NAT instances": a NAT gateway "supports forwarding of IP fragmented packets
    // for the UDP protocol". A datagram's later fragments carry no ports: its first fragment, translated,
    // leaves here where they go (fragment_key), for fragment_seconds.
    static constexpr std::size_t max_fragmented_datagrams = 4096;
    static constexpr std::uint32_t fragment_seconds = 30;

    explicit NatGatewayTranslations(std::size_t max_translations = default_max_translations,
                                    std::size_t per_destination = connections_per_destination,
                                    std::size_t fragmented_datagrams = max_fragmented_datagrams)
        : TranslatedConnections(max_translations, 0, per_destination), fragments(fragmented_datagrams) {}

    // A UDP datagram in fragments through NAT gateway port `nat`: from `source` to `destination` with IP
    // identification `id`, `inbound` (to the gateway's address) or out. The value: the address its later
    // fragments are translated to (the inside host inbound, the gateway's own outbound).
    static routing::FlowKey fragment_key(std::uint16_t nat, std::uint32_t source, std::uint32_t destination, std::uint16_t id, bool inbound) noexcept {
        return routing::FlowKey{source, destination, id, static_cast<std::uint16_t>(inbound), 17, nat};
    }
    routing::FlowTable fragments;

    std::size_t memory_bytes() const noexcept { return TranslatedConnections::memory_bytes() + fragments.memory_bytes(); }
};

}  // namespace vpclab::router
