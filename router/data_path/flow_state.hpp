// The data path's only state: its bounded connection tables and the clock they run on.
#pragma once

#include <cstdint>

#include "router/data_path/connection_tracking.hpp"
#include "router/data_path/endpoint_flows.hpp"
#include "router/data_path/health_probes.hpp"
#include "router/data_path/interface_endpoint_connections.hpp"
#include "router/data_path/nat_gateway_translations.hpp"

namespace vpclab::router {

struct FlowState {
    explicit FlowState(std::size_t endpoint_flows = EndpointFlows::default_max_flows,
                       std::size_t tracked_connections = ConnectionTracking::default_max_flows,
                       std::size_t fragmented_datagrams = ConnectionTracking::max_fragmented_datagrams,
                       std::size_t interface_endpoint_connections = InterfaceEndpointConnections::default_max_connections,
                       std::size_t load_balancer_connections = default_load_balancer_connections,
                       std::size_t nat_gateway_translations = NatGatewayTranslations::default_max_translations)
        : endpoint(endpoint_flows),
          connections(tracked_connections, fragmented_datagrams),
          interface_endpoints(interface_endpoint_connections),
          load_balancers{load_balancer_connections},
          nat_gateways(nat_gateway_translations) {}
    // Tables of `flows` entries each, the clock at `now`: room for what one traced packet and its reply open,
    // as a dry run's overlay (flow_memory.hpp) or its tables on the configuration alone.
    static FlowState small(std::size_t flows, std::uint32_t now) {
        FlowState s(flows, flows, flows, flows, flows, flows);
        s.now = now;
        return s;
    }

    EndpointFlows endpoint;          // gateway-endpoint flows: which instance a reply from the region is for
    ConnectionTracking connections;  // security group connection tracking, per ENI
    InterfaceEndpointConnections interface_endpoints;  // clients' connections through interface endpoint ENIs
    // Clients' connections through network load balancer nodes to their targets.
    TranslatedConnections load_balancers;
    // Inside hosts' connections through NAT gateways (nat_gateway_translations.hpp).
    NatGatewayTranslations nat_gateways;
    HealthProbes health_probes;      // health checks' TCP, from load balancer nodes to targets
    static constexpr std::size_t default_load_balancer_connections = 32768;  // 7.6 MiB with its three index tables (48-byte connections)
    // ELB NLB guide, "Connection idle timeout": 350 s for TCP, 120 s for UDP.
    static constexpr std::uint32_t load_balancer_tcp_idle_seconds = 350, load_balancer_udp_idle_seconds = 120;
    std::uint32_t now = 0;           // seconds on a monotonic clock, set by the caller before each batch
    // Moves the clock to `second`, never back: two workers read the clock before taking the lock, and a
    // step back would make every flow seen in the later second look 2^32 seconds idle (expiry is unsigned).
    void advance_clock(std::uint32_t second) noexcept {
        if (second > now) now = second;
    }
    std::size_t shared_among_ = 0;   // the ENIs the tables were last shared among (0: not yet shared)

    // Forgets every flow of the ports `doomed(port)` names, in one walk of each table: ports whose ENI was
    // released, stopped forwarding or was given to another ENI, so no tracked connection outlives its ENI
    // and a reused port starts clean (AWS: a stopped instance's connections are gone). Control path only.
    template <class Doomed>
    void forget_ports(Doomed&& doomed) noexcept {
        const auto of_port = [&](const routing::FlowKey& key, const routing::FlowTable::Entry&) { return doomed(routing::PortIndex{key.zone}); };
        connections.table.erase_if(of_port);
        connections.fragments.erase_if(of_port);
        endpoint.table.erase_if([&](const routing::FlowKey&, const routing::FlowTable::Entry& entry) { return doomed(routing::PortIndex{entry.value}); });
        interface_endpoints.forget_ports([&](std::uint16_t eni) { return doomed(routing::PortIndex{eni}); });
        load_balancers.forget_ports([&](std::uint16_t port) { return doomed(routing::PortIndex{port}); });
        nat_gateways.forget_ports([&](std::uint16_t port) { return doomed(routing::PortIndex{port}); });
        nat_gateways.fragments.erase_if(of_port);
    }
    void forget_port(routing::PortIndex port) noexcept {
        forget_ports([port](routing::PortIndex p) { return p == routing::PortIndex{static_cast<std::uint16_t>(port)}; });
    }

    // Shares the tables whose flows belong to ENIs (security group tracking, its fragments, gateway endpoint
    // flows) among the snapshot's ENIs that have security groups (a load balancer node or NAT gateway has none), so that
    // one ENI's flood is refused on that ENI before it takes what the others need (FlowTable::fair_shares).
    // Control path, after each commit; the tables are recounted only when the number of ENIs changed.
    void share_among(const routing::ForwardingSnapshot& snapshot) noexcept {
        std::size_t enis = 0;
        for (routing::PortIndex p = 0; p < snapshot.port_limit(); ++p)
            enis += snapshot.is_eni(p) && snapshot.port(p).has_security_groups();
        if (enis == shared_among_) return;
        shared_among_ = enis;
        connections.share_among(enis);
        endpoint.table.share_fairly(enis);
    }

    // Reclaims idle flows a few slots at a time (per batch), so forwarding never pauses for it.
    void expire_some(std::size_t slots) noexcept {
        endpoint.table.expire(now, slots);
        connections.table.expire(now, slots);
        connections.fragments.expire(now, slots);
        interface_endpoints.expire(now, slots);
        load_balancers.expire(now, slots);
        nat_gateways.expire(now, slots);
        nat_gateways.fragments.expire(now, slots);
    }
};

}  // namespace vpclab::router
