// The connections an interface endpoint's ENI carries for its clients: a port translation table.
//
// PrivateLink Guide, "Access an AWS service using an interface VPC endpoint": a client connects to the
// endpoint's ENI, and the service sees the ENI's address as the source. So each client connection
// (client address and port → ENI on the service's port) becomes the ENI's own connection to the service
// (ENI address and a port of its own → the endpoint's copy of the service address in the region), and
// replies are mapped back. Connections idle longer than 350 s are forgotten (PrivateLink Guide, "Idle
// timeout": 350 s for interface endpoints); one closed both ways 10 s later, one reset at the next sweep.
// Bounded: a full table refuses new connections and counts them; nothing allocates after construction.
#pragma once

#include <cstdint>
#include <vector>

#include "routing/flow_table.hpp"

namespace vpclab::router {

struct EndpointConnection {
    std::uint32_t client = 0;         // the client's address, in the endpoint's VPC
    std::uint32_t service = 0;        // the endpoint's copy of the service address, in the region
    std::uint16_t client_port = 0;    // the client's port
    std::uint16_t translated_port = 0;  // the ENI's port for this connection, as the service sees it
    std::uint16_t service_port = 0;   // 80 or 443
    std::uint16_t eni = 0;            // the endpoint ENI's router port
    std::uint8_t fins = 0;            // FIN seen: 1 from the client, 2 from the service
    bool used = false;
    std::uint32_t last_seen = 0, idle_timeout = 0;
};

class InterfaceEndpointConnections {
public:
    static constexpr std::size_t default_max_connections = 16384;  // 2.4 MiB with its two index tables
    static constexpr std::uint32_t idle_timeout_seconds = 350;
    static constexpr std::uint32_t closed_seconds = 10;  // after FIN both ways: for the last ACKs (RST: 0)

    explicit InterfaceEndpointConnections(std::size_t max_connections = default_max_connections);

    // A TCP segment from `client`:`client_port` to ENI `eni` on `service_port`, bound for `service`: its
    // connection, opened when `opens` (a SYN) and none exists. nullptr: no connection (and not a SYN), or
    // the table (or the ENI's ports towards that service) full, counted in refused().
    const EndpointConnection* from_client(std::uint16_t eni, std::uint32_t client, std::uint16_t client_port, std::uint32_t service,
                                          std::uint16_t service_port, std::uint8_t tcp_flags, std::uint32_t now) noexcept;
    // A TCP segment from the service to ENI `eni` at `translated_port`: its connection, or nullptr.
    const EndpointConnection* from_service(std::uint16_t eni, std::uint32_t service, std::uint16_t service_port,
                                           std::uint16_t translated_port, std::uint8_t tcp_flags, std::uint32_t now) noexcept;

    // Forgets every connection of the router ports `doomed(eni)` names (their ENIs are gone or now others').
    template <class Doomed>
    void forget_ports(Doomed&& doomed) noexcept {
        for (std::uint32_t i = 0; i < connections_.size(); ++i)
            if (connections_[i].used && doomed(connections_[i].eni)) remove(i);
    }
    // Removes idle connections, looking at most at `max_slots` entries from where the last call stopped.
    std::size_t expire(std::uint32_t now, std::size_t max_slots) noexcept;

    std::size_t size() const { return connections_.size() - free_.size(); }
    std::size_t capacity() const { return connections_.size(); }
    std::uint64_t refused() const { return refused_; }

private:
    routing::FlowKey client_key(std::uint16_t eni, std::uint32_t client, std::uint16_t client_port, std::uint32_t service,
                                std::uint16_t service_port) const noexcept;
    routing::FlowKey service_key(std::uint16_t eni, std::uint32_t service, std::uint16_t service_port, std::uint16_t translated_port) const noexcept;
    // The live connection an index entry points at (an idle one is removed and nullptr returned).
    EndpointConnection* live(routing::FlowTable::Entry* index_entry, std::uint32_t now) noexcept;
    void note_flags(EndpointConnection& c, std::uint8_t tcp_flags, bool from_client, std::uint32_t now) noexcept;
    void remove(std::uint32_t index) noexcept;

    std::vector<EndpointConnection> connections_;
    std::vector<std::uint32_t> free_;  // indexes of unused entries (capacity reserved: never grows)
    routing::FlowTable by_client_, by_service_;  // values: indexes into connections_
    std::size_t hand_ = 0;
    std::uint64_t refused_ = 0;
};

}  // namespace vpclab::router
