// The data path's only state: its bounded connection tables and the clock they run on.
#pragma once

#include <cstdint>

#include "router/data_path/connection_tracking.hpp"
#include "router/data_path/endpoint_flows.hpp"
#include "router/data_path/interface_endpoint_connections.hpp"

namespace vpclab::router {

struct FlowState {
    explicit FlowState(std::size_t endpoint_flows = EndpointFlows::default_max_flows,
                       std::size_t tracked_connections = ConnectionTracking::default_max_flows)
        : endpoint(endpoint_flows), connections(tracked_connections) {}

    EndpointFlows endpoint;          // gateway-endpoint flows: which instance a reply from the region is for
    ConnectionTracking connections;  // security group connection tracking, per ENI
    InterfaceEndpointConnections interface_endpoints;  // clients' connections through interface endpoint ENIs
    std::uint32_t now = 0;           // seconds on a monotonic clock, set by the caller before each batch

    // Forgets every flow of an ENI's port: called when the port is released, stops forwarding, or is
    // given to another ENI, so no tracked connection outlives its ENI and a reused port starts clean
    // (AWS: a stopped instance's connections are gone). Walks the tables: control path only.
    std::size_t forget_port(routing::PortIndex port) noexcept {
        const auto of_port = [port](const routing::FlowKey& key, const routing::FlowTable::Entry&) { return key.zone == static_cast<std::uint16_t>(port); };
        std::size_t removed = connections.table.erase_if(of_port);
        removed += connections.fragments.erase_if(of_port);
        removed += endpoint.table.erase_if([port](const routing::FlowKey&, const routing::FlowTable::Entry& entry) { return entry.value == port; });
        interface_endpoints.forget_port(static_cast<std::uint16_t>(port));
        return removed;
    }

    // Reclaims idle flows a few slots at a time (per batch), so forwarding never pauses for it.
    void expire_some(std::size_t slots) noexcept {
        endpoint.table.expire(now, slots);
        connections.table.expire(now, slots);
        connections.fragments.expire(now, slots);
        interface_endpoints.expire(now, slots);
    }
};

}  // namespace vpclab::router
