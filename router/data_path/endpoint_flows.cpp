// Flow keys of gateway-endpoint traffic.
#include "router/data_path/endpoint_flows.hpp"

#include "wire/bytes.hpp"

namespace vpclab::router {

std::optional<routing::FlowKey> endpoint_flow_key(const wire::Ipv4View& ip, bool outbound) noexcept {
    if (!ip.is_first_fragment()) return std::nullopt;
    const wire::Bytes l4 = ip.payload();
    routing::FlowKey k;
    k.protocol = ip.protocol();
    k.source = outbound ? ip.source() : ip.destination();
    k.destination = outbound ? ip.destination() : ip.source();
    switch (ip.protocol()) {
        case 6:    // TCP
        case 17: {  // UDP
            if (l4.size() < 4) return std::nullopt;
            const std::uint16_t from = wire::load_be16(l4.data()), to = wire::load_be16(l4.data() + 2);
            k.source_port = outbound ? from : to;
            k.destination_port = outbound ? to : from;
            return k;
        }
        case 1: {  // ICMP (RFC 792): echo request out, echo reply back, matched by identifier
            if (l4.size() < 8) return std::nullopt;
            const std::uint8_t type = l4[0];
            if (type != (outbound ? 8 : 0)) return std::nullopt;
            k.source_port = wire::load_be16(l4.data() + 4);
            return k;
        }
        default: return std::nullopt;
    }
}

}  // namespace vpclab::router
