// The data path's only state: its bounded connection tables and the clock they run on.
#pragma once

#include <cstdint>

#include "router/data_path/connection_tracking.hpp"
#include "router/data_path/endpoint_flows.hpp"

namespace vpclab::router {

struct FlowState {
    explicit FlowState(std::size_t endpoint_flows = EndpointFlows::default_max_flows,
                       std::size_t tracked_connections = ConnectionTracking::default_max_flows)
        : endpoint(endpoint_flows), connections(tracked_connections) {}

    EndpointFlows endpoint;          // gateway-endpoint flows: which instance a reply from the region is for
    ConnectionTracking connections;  // security group connection tracking, per ENI
    std::uint32_t now = 0;           // seconds on a monotonic clock, set by the caller before each batch

    // Reclaims idle flows a few slots at a time (per batch), so forwarding never pauses for it.
    void expire_some(std::size_t slots) noexcept {
        endpoint.table.expire(now, slots);
        connections.table.expire(now, slots);
    }
};

}  // namespace vpclab::router
