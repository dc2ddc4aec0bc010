// The region web server's connection table: admission (shares, making room), deadlines.
#include "router/region_http_connections.hpp"

namespace vpclab::router {

RegionConnections::Admission RegionConnections::admit(std::uint32_t peer) const {
    // The oldest connection that is still waiting for its request, of `peer` alone or of anyone.
    auto oldest_waiting = [&](bool of_peer) -> std::optional<std::size_t> {
        std::optional<std::size_t> found;
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            const Entry& e = entries_[i];
            if (!e.used || e.responding || (of_peer && e.peer != peer)) continue;
            if (!found || e.order < entries_[*found].order) found = i;
        }
        return found;
    };
    if (count_of(peer) >= max_per_address) {
        // At its share: the address's own oldest idle connection makes room; nobody else's.
        const auto victim = oldest_waiting(true);
        return victim ? Admission{victim, victim} : Admission{};
    }
    for (std::size_t i = 0; i < entries_.size(); ++i)
        if (!entries_[i].used) return {i, std::nullopt};
    const auto victim = oldest_waiting(false);
    return victim ? Admission{victim, victim} : Admission{};
}

void RegionConnections::open(std::size_t slot, std::uint32_t peer, std::int64_t now_ms) {
    entries_[slot] = Entry{true, peer, ++accepted_, false, now_ms + request_ms};
}

void RegionConnections::body_progressed(std::size_t slot, std::int64_t now_ms) { entries_[slot].deadline_ms = now_ms + request_ms; }

void RegionConnections::response_progressed(std::size_t slot, std::int64_t now_ms) {
    entries_[slot].responding = true;
    entries_[slot].deadline_ms = now_ms + stalled_response_ms;
}

void RegionConnections::close(std::size_t slot) { entries_[slot] = Entry{}; }

std::vector<std::size_t> RegionConnections::overdue(std::int64_t now_ms) const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < entries_.size(); ++i)
        if (entries_[i].used && entries_[i].deadline_ms <= now_ms) out.push_back(i);
    return out;
}

std::optional<std::int64_t> RegionConnections::next_deadline() const {
    std::optional<std::int64_t> next;
    for (const Entry& e : entries_)
        if (e.used && (!next || e.deadline_ms < *next)) next = e.deadline_ms;
    return next;
}

std::size_t RegionConnections::count_of(std::uint32_t peer) const {
    std::size_t n = 0;
    for (const Entry& e : entries_) n += e.used && e.peer == peer;
    return n;
}

std::size_t RegionConnections::size() const {
    std::size_t n = 0;
    for (const Entry& e : entries_) n += e.used;
    return n;
}

}  // namespace vpclab::router
