// The translated connection table: opening, finding, closing and expiring connections.
#include "router/data_path/translated_connections.hpp"

#include "router/data_path/health_probes.hpp"

#include <algorithm>

#include "wire/l4.hpp"

namespace vpclab::router {

namespace {
namespace flag = wire::tcp_flags;
constexpr std::uint32_t index_never_idle = 0xffffffff;  // the indexes live as long as their connection
// Ports chosen when the client's own is taken towards the same back end: the non-privileged ones below the
// health probes' (a node's own port must never meet a probe's).
constexpr std::uint32_t first_port = 1024, port_count = HealthProbes::first_port - first_port;
constexpr std::uint32_t full_port_count = 65536 - first_port;  // 1024–65535
constexpr int port_attempts = 64;
}  // namespace

TranslatedConnections::TranslatedConnections(std::size_t max_connections, std::size_t per_client, std::size_t per_destination)
    : connections_(max_connections),
      by_client_(max_connections),
      by_back_(max_connections),
      clients_(max_connections),  // a client holding none is not kept: never more clients than connections
      destinations_(per_destination ? max_connections : 1),  // likewise; unused without a bound
      per_client_(per_client ? per_client : std::max<std::size_t>(1, max_connections / 8)),
      per_destination_(per_destination) {
    free_.reserve(max_connections);
    for (std::size_t i = max_connections; i > 0; --i) free_.push_back(static_cast<std::uint32_t>(i - 1));
}

std::size_t TranslatedConnections::held_by(std::uint16_t zone, std::uint32_t client) const noexcept {
    const routing::FlowTable::Entry* e = clients_.peek(share_key(zone, client));
    return e ? e->value : 0;
}

std::size_t TranslatedConnections::held_towards(std::uint16_t back_zone, std::uint8_t protocol, std::uint32_t back, std::uint16_t back_port,
                                                std::uint32_t seen) const noexcept {
    if (!per_destination_) return 0;
    const routing::FlowTable::Entry* e = destinations_.peek(destination_key(back_zone, protocol, back, back_port, seen));
    return e ? e->value : 0;
}

void TranslatedConnections::remove(std::uint32_t index) noexcept {
    TranslatedConnection& c = connections_[index];
    by_client_.erase(client_key(c.zone, c.protocol, c.client, c.client_port, c.front, c.front_port));
    by_back_.erase(back_key(c.back_zone, c.protocol, c.back, c.back_port, c.seen, c.translated_port));
    if (routing::FlowTable::Entry* held = clients_.find(share_key(c.zone, c.client), 0); held && --held->value == 0)
        clients_.erase(share_key(c.zone, c.client));
    const routing::FlowKey towards = destination_key(c.back_zone, c.protocol, c.back, c.back_port, c.seen);
    if (per_destination_ && !c.adopted)
        if (routing::FlowTable::Entry* held = destinations_.find(towards, 0); held && --held->value == 0) destinations_.erase(towards);
    c.used = false;
    free_.push_back(index);  // within the reserved capacity: never allocates
}

void TranslatedConnections::note_flags(TranslatedConnection& c, std::uint8_t flags, bool from_client, std::uint32_t now,
                                       std::uint32_t established_timeout) noexcept {
    c.last_seen = now;
    if (c.protocol != 6) return;
    if (!from_client) {
        c.progress |= 1;
    } else if (c.progress == 1 && !(flags & flag::syn)) {
        // The client acknowledged the answer (or sent data): established, kept for the listener's timeout.
        c.progress |= 2;
        if (c.fins == 0 && c.idle_timeout != 0) c.idle_timeout = established_timeout;
    }
    if (flags & flag::rst) c.idle_timeout = 0;  // gone at the next sweep (this second's segments still pass)
    if (flags & flag::fin) c.fins |= from_client ? 1 : 2;
    if (c.fins == 3 && c.idle_timeout > closed_seconds) c.idle_timeout = closed_seconds;
}

void TranslatedConnections::client_sent(const TranslatedConnection& found, std::uint8_t flags, std::uint32_t now, std::uint32_t idle_timeout) noexcept {
    TranslatedConnection& c = own(found);
    // A new SYN on a connection that closed: the client reuses its port; the binding starts afresh.
    if (c.protocol == 6 && wire::opens_tcp_connection(flags) && (c.fins == 3 || c.idle_timeout == 0))
        c.fins = 0, c.progress = 0, c.idle_timeout = unestablished_seconds;
    note_flags(c, flags, true, now, idle_timeout);
}

const TranslatedConnection* TranslatedConnections::adopt(const TranslatedConnection& c, std::uint32_t now) noexcept {
    if (free_.empty()) return nullptr;
    const std::uint32_t index = free_.back();
    TranslatedConnection copy = c;
    copy.adopted = true;
    if (!index_connection(index, copy, now)) return nullptr;
    free_.pop_back();
    connections_[index] = copy;
    return &connections_[index];
}

bool TranslatedConnections::index_connection(std::uint32_t index, const TranslatedConnection& c, std::uint32_t now) noexcept {
    const routing::FlowKey key = client_key(c.zone, c.protocol, c.client, c.client_port, c.front, c.front_port);
    if (!by_client_.upsert(key, index, now, index_never_idle)) return false;
    if (!by_back_.upsert(back_key(c.back_zone, c.protocol, c.back, c.back_port, c.seen, c.translated_port), index, now, index_never_idle)) {
        by_client_.erase(key);
        return false;
    }
    // Counted for its client (an entry per client with connections: never more than connections, so it fits).
    if (routing::FlowTable::Entry* held = clients_.find(share_key(c.zone, c.client), now)) ++held->value;
    else clients_.upsert(share_key(c.zone, c.client), 1, now, index_never_idle);
    if (per_destination_ && !c.adopted) {
        const routing::FlowKey towards = destination_key(c.back_zone, c.protocol, c.back, c.back_port, c.seen);
        if (routing::FlowTable::Entry* held = destinations_.find(towards, now)) ++held->value;
        else destinations_.upsert(towards, 1, now, index_never_idle);
    }
    return true;
}

const TranslatedConnection* TranslatedConnections::open(std::uint16_t zone, std::uint8_t protocol, std::uint32_t client, std::uint16_t client_port,
                                                        std::uint32_t front, std::uint16_t front_port, const Back& back, std::uint32_t now,
                                                        const TranslatedConnections* beneath) noexcept {
    // An idle connection under the same key, not yet swept: its client reusing the port. It goes first.
    const routing::FlowKey key = client_key(zone, protocol, client, client_port, front, front_port);
    if (const routing::FlowTable::Entry* idle = by_client_.peek(key)) remove(idle->value);
    // A dry run cannot remove the live table's idle connection under the key (open() is called only when no
    // live one answers it), which forwarding would: its slot, share, destination count and port count as free.
    std::uint32_t stale = no_index;
    if (beneath)
        if (const routing::FlowTable::Entry* idle = beneath->by_client_.peek(key)) stale = idle->value;
    const TranslatedConnection* going = stale != no_index ? &beneath->connections_[stale] : nullptr;
    const std::size_t going_towards = going && destination_key(going->back_zone, going->protocol, going->back, going->back_port, going->seen) ==
                                                   destination_key(back.zone, protocol, back.address, back.port, back.seen);
    last_refusal_ = Refusal::none;
    if (free_.empty()) {
        expire(now, 256);
        if (free_.empty()) return refuse(Refusal::table_full);
    }
    // The client at its share: refused (its idle connections are reclaimed by the sweeps of every batch, not
    // by a sweep each packet of a flood would buy).
    if (held_by(zone, client) >= per_client_) return refuse(Refusal::client_share);
    if (beneath && beneath->free_.empty() && !going) return refuse(Refusal::table_full);
    if (beneath && beneath->held_by(zone, client) - (going ? 1 : 0) >= beneath->per_client_) return refuse(Refusal::client_share);
    if (per_destination_ && held_towards(back.zone, protocol, back.address, back.port, back.seen) +
                                    (beneath ? beneath->held_towards(back.zone, protocol, back.address, back.port, back.seen) - going_towards : 0) >=
                                per_destination_)
        return refuse(Refusal::ports);
    const std::uint16_t port = free_port(protocol, client, client_port, back, now, beneath, stale);
    if (!port) return refuse(Refusal::ports);
    const std::uint32_t index = free_.back();
    const TranslatedConnection c{.client = client, .front = front, .back = back.address, .seen = back.seen, .client_port = client_port,
                                 .front_port = front_port, .back_port = back.port, .translated_port = port, .zone = zone, .back_zone = back.zone,
                                 .protocol = protocol, .used = true, .last_seen = now,
                                 .idle_timeout = protocol == 6 ? std::min(back.idle_timeout, unestablished_seconds) : back.idle_timeout,
                                 .stream_start = back.stream_start, .inserted = back.inserted};
    if (!index_connection(index, c, now)) return refuse(Refusal::table_full);
    free_.pop_back();
    connections_[index] = c;
    return &connections_[index];
}

std::uint16_t TranslatedConnections::free_port(std::uint8_t protocol, std::uint32_t client, std::uint16_t client_port, const Back& back,
                                               std::uint32_t now, const TranslatedConnections* beneath, std::uint32_t beneath_stale) noexcept {
    // The client's own port when it is free towards this back end, else another one; never one of the
    // health probes' ports when the port is the node's own (a probe would meet the connection's replies).
    auto taken = [&](std::uint16_t p) {
        const routing::FlowKey key = back_key(back.zone, protocol, back.address, back.port, back.seen, p);
        if (back.full_port_range ? p < first_port : (!back.keep_client_port && HealthProbes::owns(p))) return true;
        if (by_back_.find(key, now) != nullptr) return true;
        const routing::FlowTable::Entry* below = beneath ? beneath->by_back_.peek(key) : nullptr;
        return below && below->value != beneath_stale;
    };
    if (!taken(client_port)) return client_port;
    if (back.keep_client_port) return 0;
    const std::uint32_t first = first_port, count = back.full_port_range ? full_port_count : port_count;
    std::uint64_t h = 0;
    for (int attempt = 0; attempt < port_attempts; ++attempt) {
        // Each attempt a different, well-mixed candidate (the attempt number goes in before the multiply).
        h = ((std::uint64_t{client} << 16 | client_port) ^ (static_cast<std::uint64_t>(attempt + 1) * 0x2545f4914f6cdd1dULL)) * 0x9e3779b97f4a7c15ULL;
        const auto port = static_cast<std::uint16_t>(first + (h >> 32) % count);
        if (!taken(port)) return port;
    }
    // Ports towards one destination nearly all taken (a NAT gateway near its 55,000): every port, once, from
    // the last candidate on, so that a free one is found while the bound allows one. Bounded by the range.
    if (!per_destination_) return 0;
    for (std::uint32_t n = 0, start = static_cast<std::uint32_t>((h >> 32) % count); n < count; ++n) {
        const auto port = static_cast<std::uint16_t>(first + (start + n) % count);
        if (!taken(port)) return port;
    }
    return 0;
}

std::size_t TranslatedConnections::expire(std::uint32_t now, std::size_t max_slots) noexcept {
    std::size_t removed = 0;
    if (connections_.empty()) return 0;
    for (std::size_t n = 0; n < max_slots && n < connections_.size(); ++n) {
        hand_ = (hand_ + 1) % connections_.size();
        const TranslatedConnection& c = connections_[hand_];
        if (c.used && now - c.last_seen > c.idle_timeout) {
            remove(static_cast<std::uint32_t>(hand_));
            ++removed;
        }
    }
    return removed;
}

}  // namespace vpclab::router
