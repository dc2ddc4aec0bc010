// Where the data path remembers what its decisions opened and saw: the one writer of the flow tables, and a
// dry run's overlay over the live tables.
//
// Decisions read the tables and return what to remember (a security group verdict's TrackingNote; the flow
// or connection a packet belongs to); the stages hand that here, after deciding. Forwarding remembers in the
// live tables. A dry run (router/trace/dry_run.hpp) remembers in a small FlowState of its own laid over the
// live tables: reads look in its own first, then in the live ones, and a flow found in the live tables is
// copied into its own before it changes. So a trace's reply meets what its packet opened, exactly as it
// would for real, and the live tables are neither written nor copied whole.
#pragma once

#include "router/data_path/flow_state.hpp"

namespace vpclab::router {

class FlowMemory {
public:
    // Forwarding: decisions read, and are remembered in, the live tables.
    FlowMemory(FlowState& live) noexcept : own_(live) {}  // NOLINT(google-explicit-constructor): every forwarding call site
    // A dry run: remembered in `overlay`, read from it and then from `beneath`, which is never written.
    FlowMemory(FlowState& overlay, const FlowState& beneath) noexcept : own_(overlay), beneath_(&beneath) {}

    std::uint32_t now() const noexcept { return own_.now; }
    // The health checks the router's nodes play (in a dry run, the overlay's: none, so a trace never meets one).
    HealthProbes& health_probes() noexcept { return own_.health_probes; }

    // Security groups of ENI `eni` (connection_tracking.hpp): the verdict, reading both layers; then what it
    // asks remembered, which turns `allowed` into `table_full` when the new flow has no room.
    GroupJudgement judge(const routing::ForwardingSnapshot& snapshot, routing::PortIndex eni, const wire::Ipv4View& ip,
                         const wire::TransportRepr& l4, bool inbound, bool want_rule) const noexcept {
        return security_group_verdict(snapshot, eni, ip, l4, inbound, own_.connections, beneath_ ? &beneath_->connections : nullptr, now(), want_rule);
    }
    GroupVerdict remember(const GroupJudgement& judgement) noexcept;

    // Gateway endpoint flows (endpoint_flows.hpp): opening one for ENI `eni` (false: the table, or the ENI's
    // share, is full); the live flow a reply from the region belongs to; and that reply seen on it.
    bool open_endpoint_flow(const routing::FlowKey& key, routing::PortIndex eni) noexcept;
    const routing::FlowTable::Entry* endpoint_flow(const routing::FlowKey& key) const noexcept;
    void endpoint_reply_seen(const routing::FlowKey& key, const routing::FlowTable::Entry& flow) noexcept;

    // Translated connections (translated_connections.hpp) of interface endpoints, load balancers or NAT gateways.
    enum class Connections : std::uint8_t { interface_endpoints, load_balancers, nat_gateways };
    const TranslatedConnection* from_client(Connections which, std::uint16_t zone, std::uint8_t protocol, std::uint32_t client,
                                            std::uint16_t client_port, std::uint32_t front, std::uint16_t front_port) const noexcept;
    const TranslatedConnection* from_back(Connections which, std::uint16_t back_zone, std::uint8_t protocol, std::uint32_t back,
                                          std::uint16_t back_port, std::uint32_t seen, std::uint16_t translated_port) const noexcept;
    // What a segment on a connection found above changes, remembered; each returns the connection as it is
    // now remembered (in a dry run the overlay's copy), or nullptr when a dry run's overlay has no room for it.
    const TranslatedConnection* client_sent(Connections which, const TranslatedConnection& found, std::uint8_t tcp_flags,
                                            std::uint32_t idle_timeout) noexcept;
    const TranslatedConnection* back_sent(Connections which, const TranslatedConnection& found, std::uint8_t tcp_flags) noexcept;
    const TranslatedConnection* open(Connections which, std::uint16_t zone, std::uint8_t protocol, std::uint32_t client, std::uint16_t client_port,
                                     std::uint32_t front, std::uint16_t front_port, const TranslatedConnections::Back& back) noexcept;
    // A fragmented UDP datagram through a NAT gateway (NatGatewayTranslations::fragment_key): where its later
    // fragments go (nullptr: its first was not seen, or too long ago); and that, remembered.
    const routing::FlowTable::Entry* nat_fragment(const routing::FlowKey& key) const noexcept;
    void remember_nat_fragment(const routing::FlowKey& key, std::uint32_t address) noexcept;
    // The NAT gateways' idle timeout (the live tables' in a dry run).
    std::uint32_t nat_idle_timeout() const noexcept { return (beneath_ ? beneath_->nat_gateways : own_.nat_gateways).idle_timeout; }
    // Why the last open() of `which` returned nullptr.
    TranslatedConnections::Refusal refusal(Connections which) const noexcept { return table(own_, which).last_refusal(); }
    // A connection's stream starting after the client's SYN `syn_sequence`; its inserted bytes acknowledged.
    void start_stream(Connections which, const TranslatedConnection& found, std::uint32_t syn_sequence) noexcept;
    void acknowledge_inserted(Connections which, const TranslatedConnection& found) noexcept;

private:
    static TranslatedConnections& table(FlowState& s, Connections which) noexcept {
        return which == Connections::load_balancers ? s.load_balancers
               : which == Connections::nat_gateways ? static_cast<TranslatedConnections&>(s.nat_gateways)
                                                    : static_cast<TranslatedConnections&>(s.interface_endpoints);
    }
    static const TranslatedConnections& table(const FlowState& s, Connections which) noexcept {
        return table(const_cast<FlowState&>(s), which);
    }
    // `found` as this memory's own: itself, or (a dry run) its copy in the overlay, made now; nullptr: no room.
    const TranslatedConnection* owned(Connections which, const TranslatedConnection& found) noexcept;

    FlowState& own_;
    const FlowState* beneath_ = nullptr;
};

}  // namespace vpclab::router
