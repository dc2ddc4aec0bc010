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

namespace vpclab::router {

using EndpointConnection = TranslatedConnection;

class InterfaceEndpointConnections : public TranslatedConnections {
public:
    static constexpr std::size_t default_max_connections = 16384;  // 3.8 MiB with its three index tables (48-byte connections)
    static constexpr std::uint32_t idle_timeout_seconds = 350;

    explicit InterfaceEndpointConnections(std::size_t max_connections = default_max_connections) : TranslatedConnections(max_connections) {}
};

}  // namespace vpclab::router
