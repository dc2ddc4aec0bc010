// The connections an interface endpoint's ENI carries for its clients: a port translation table.
//
// PrivateLink Guide, "Access an AWS service using an interface VPC endpoint": a client connects to the
// endpoint's ENI, and the service sees the ENI's address as the source. So each client connection
// (client address and port → ENI on the service's port) becomes the ENI's own connection to the service
// (ENI address and a port of its own → the endpoint's copy of the service address in the region), and
// replies are mapped back. Connections idle longer than 350 s are forgotten (PrivateLink Guide, "Idle
// timeout": 350 s for interface endpoints).
#pragma once

#include "router/data_path/translated_connections.hpp"
#include "wire/l4.hpp"

namespace vpclab::router {

using EndpointConnection = TranslatedConnection;

class InterfaceEndpointConnections : public TranslatedConnections {
public:
    static constexpr std::size_t default_max_connections = 16384;  // 3.8 MiB with its three index tables (48-byte connections)
    static constexpr std::uint32_t idle_timeout_seconds = 350;

    explicit InterfaceEndpointConnections(std::size_t max_connections = default_max_connections) : TranslatedConnections(max_connections) {}

    // A TCP segment from `client`:`client_port` to ENI `eni` on `service_port`, bound for `service`: its
    // connection, opened when it is a SYN and none exists. nullptr: no connection (and not a SYN), or the
    // table (or the ENI's ports towards that service) full, counted in refused().
    const EndpointConnection* from_client(std::uint16_t eni, std::uint32_t client, std::uint16_t client_port, std::uint32_t service,
                                          std::uint16_t service_port, std::uint8_t tcp_flags, std::uint32_t now) noexcept {
        if (const auto* c = TranslatedConnections::from_client(eni, 6, client, client_port, service, service_port, tcp_flags, now, idle_timeout_seconds))
            return c;
        if (!wire::opens_tcp_connection(tcp_flags)) return nullptr;
        return open(eni, 6, client, client_port, service, service_port, Back{service, service_port, 0, eni, false, idle_timeout_seconds}, now);
    }
    // A TCP segment from the service to ENI `eni` at `translated_port`: its connection, or nullptr.
    const EndpointConnection* from_service(std::uint16_t eni, std::uint32_t service, std::uint16_t service_port,
                                           std::uint16_t translated_port, std::uint8_t tcp_flags, std::uint32_t now) noexcept {
        return from_back(eni, 6, service, service_port, 0, translated_port, tcp_flags, now);
    }
};

}  // namespace vpclab::router
