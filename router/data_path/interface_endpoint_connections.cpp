// The interface endpoint connection table: opening, finding, closing and expiring translated connections.
#include "router/data_path/interface_endpoint_connections.hpp"

namespace vpclab::router {

namespace {
constexpr std::uint8_t tcp_fin = 0x01, tcp_syn = 0x02, tcp_rst = 0x04, tcp_ack = 0x10;
constexpr std::uint32_t index_never_idle = 0xffffffff;  // the indexes live as long as their connection
constexpr std::uint8_t protocol_tcp = 6;
// Ports the ENI picks when the client's own is taken towards the same service: the non-privileged ones.
constexpr std::uint32_t first_port = 1024, port_count = 65536 - first_port;
constexpr int port_attempts = 64;
}  // namespace

InterfaceEndpointConnections::InterfaceEndpointConnections(std::size_t max_connections)
    : connections_(max_connections), by_client_(max_connections), by_service_(max_connections) {
    free_.reserve(max_connections);
    for (std::size_t i = max_connections; i > 0; --i) free_.push_back(static_cast<std::uint32_t>(i - 1));
}

routing::FlowKey InterfaceEndpointConnections::client_key(std::uint16_t eni, std::uint32_t client, std::uint16_t client_port,
                                                          std::uint32_t service, std::uint16_t service_port) const noexcept {
    return routing::FlowKey{client, service, client_port, service_port, protocol_tcp, eni};
}

routing::FlowKey InterfaceEndpointConnections::service_key(std::uint16_t eni, std::uint32_t service, std::uint16_t service_port,
                                                           std::uint16_t translated_port) const noexcept {
    return routing::FlowKey{service, 0, service_port, translated_port, protocol_tcp, eni};
}

void InterfaceEndpointConnections::remove(std::uint32_t index) noexcept {
    EndpointConnection& c = connections_[index];
    by_client_.erase(client_key(c.eni, c.client, c.client_port, c.service, c.service_port));
    by_service_.erase(service_key(c.eni, c.service, c.service_port, c.translated_port));
    c.used = false;
    free_.push_back(index);  // within the reserved capacity: never allocates
}

EndpointConnection* InterfaceEndpointConnections::live(routing::FlowTable::Entry* index_entry, std::uint32_t now) noexcept {
    if (!index_entry) return nullptr;
    const std::uint32_t index = index_entry->value;
    EndpointConnection& c = connections_[index];
    if (now - c.last_seen > c.idle_timeout) {
        remove(index);
        return nullptr;
    }
    return &c;
}

void InterfaceEndpointConnections::note_flags(EndpointConnection& c, std::uint8_t flags, bool from_client, std::uint32_t now) noexcept {
    c.last_seen = now;
    if (flags & tcp_rst) c.idle_timeout = 0;  // gone at the next sweep (this second's segments still pass)
    if (flags & tcp_fin) c.fins |= from_client ? 1 : 2;
    if (c.fins == 3 && c.idle_timeout > closed_seconds) c.idle_timeout = closed_seconds;
}

const EndpointConnection* InterfaceEndpointConnections::from_client(std::uint16_t eni, std::uint32_t client, std::uint16_t client_port,
                                                                    std::uint32_t service, std::uint16_t service_port, std::uint8_t flags,
                                                                    std::uint32_t now) noexcept {
    const routing::FlowKey key = client_key(eni, client, client_port, service, service_port);
    const bool syn = (flags & (tcp_syn | tcp_ack | tcp_rst)) == tcp_syn;
    if (EndpointConnection* c = live(by_client_.find(key, now), now)) {
        // A new SYN on a connection that closed: the client reuses its port; the binding starts afresh.
        if (syn && (c->fins == 3 || c->idle_timeout == 0)) c->fins = 0, c->idle_timeout = idle_timeout_seconds;
        note_flags(*c, flags, true, now);
        return c;
    }
    if (!syn) return nullptr;
    if (free_.empty()) {
        expire(now, 256);
        if (free_.empty()) return ++refused_, nullptr;
    }
    // The client's own port when the ENI has not used it towards this service, else another one.
    std::uint16_t port = client_port;
    for (int attempt = 0; by_service_.find(service_key(eni, service, service_port, port), now); ++attempt) {
        if (attempt == port_attempts) return ++refused_, nullptr;
        // Each attempt a different, well-mixed candidate (the attempt number goes in before the multiply).
        const std::uint64_t h = ((std::uint64_t{client} << 16 | client_port) ^ (static_cast<std::uint64_t>(attempt + 1) * 0x2545f4914f6cdd1dULL)) *
                                0x9e3779b97f4a7c15ULL;
        port = static_cast<std::uint16_t>(first_port + (h >> 32) % port_count);
    }
    const std::uint32_t index = free_.back();
    if (!by_client_.upsert(key, index, now, index_never_idle)) return ++refused_, nullptr;
    if (!by_service_.upsert(service_key(eni, service, service_port, port), index, now, index_never_idle)) {
        by_client_.erase(key);
        return ++refused_, nullptr;
    }
    free_.pop_back();
    EndpointConnection& c = connections_[index];
    c = EndpointConnection{client, service, client_port, port, service_port, eni, 0, true, now, idle_timeout_seconds};
    return &c;
}

const EndpointConnection* InterfaceEndpointConnections::from_service(std::uint16_t eni, std::uint32_t service, std::uint16_t service_port,
                                                                     std::uint16_t translated_port, std::uint8_t flags,
                                                                     std::uint32_t now) noexcept {
    EndpointConnection* c = live(by_service_.find(service_key(eni, service, service_port, translated_port), now), now);
    if (c) note_flags(*c, flags, false, now);
    return c;
}

std::size_t InterfaceEndpointConnections::expire(std::uint32_t now, std::size_t max_slots) noexcept {
    std::size_t removed = 0;
    if (connections_.empty()) return 0;
    for (std::size_t n = 0; n < max_slots && n < connections_.size(); ++n) {
        hand_ = (hand_ + 1) % connections_.size();
        const EndpointConnection& c = connections_[hand_];
        if (c.used && now - c.last_seen > c.idle_timeout) {
            remove(static_cast<std::uint32_t>(hand_));
            ++removed;
        }
    }
    return removed;
}

}  // namespace vpclab::router
