// Flow keys of gateway-endpoint traffic.
#include "router/data_path/endpoint_flows.hpp"

namespace vpclab::router {

std::optional<routing::FlowKey> endpoint_flow_key(const wire::Ipv4View& ip, const wire::TransportRepr& l4, bool outbound) noexcept {
    routing::FlowKey k;
    k.protocol = l4.protocol;
    k.source = outbound ? ip.source() : ip.destination();
    k.destination = outbound ? ip.destination() : ip.source();
    if (l4.is_tcp() || l4.is_udp()) {
        if (!l4.ports) return std::nullopt;
        k.source_port = outbound ? l4.source_port : l4.destination_port;
        k.destination_port = outbound ? l4.destination_port : l4.source_port;
        return k;
    }
    // ICMP (RFC 792): echo request out, echo reply back, matched by identifier.
    const auto expected = outbound ? wire::IcmpType::echo_request : wire::IcmpType::echo_reply;
    if (!l4.is_icmp() || !l4.whole_header || l4.icmp_type != static_cast<std::uint8_t>(expected)) return std::nullopt;
    k.source_port = l4.echo_identifier;
    return k;
}

}  // namespace vpclab::router
