// A bounded table of translated connections: a client's connection to a front address (an interface
// endpoint's ENI, a load balancer node) carried on to a back end (the service, a target) as the back end sees
// it (from the ENI's or node's address on a port of its own, or from the client itself), and the back end's
// replies mapped back. Shared by interface endpoints and network load balancers (DESIGN.md §3: one bounded
// connection table with expiry for the handlers that need state per flow).
//
// Idle connections are forgotten after their timeout; a TCP connection closed both ways 10 s after its
// second FIN, one reset at the next sweep, and one not yet established (the back end has not answered, or
// the client has not acknowledged the answer) after 10 s, so that a SYN flood holds little for long. Shared
// fairly: one client (an address at one entrance) holds at most an eighth of the table, so a flood from one
// client is refused before it takes what the others need. A full table, or a client at its share, refuses
// new connections and counts them; nothing allocates after construction. A table may also bound the
// connections towards one destination (back end address, port and protocol, as one source address sees
// them): a NAT gateway's 55,000 (VPC User Guide, "NAT gateway basics").
#pragma once

#include <cstdint>
#include <vector>

#include "routing/flow_table.hpp"

namespace vpclab::router {

struct TranslatedConnection {
    std::uint32_t client = 0;           // the client's address
    std::uint32_t front = 0;            // what the client addressed (an ENI's service, a node's address)
    std::uint32_t back = 0;             // the back end's address (the service's copy, a target)
    std::uint32_t seen = 0;             // the source address the back end sees (0: the zone's own)
    std::uint16_t client_port = 0, front_port = 0, back_port = 0;
    std::uint16_t translated_port = 0;  // the source port the back end sees
    std::uint16_t zone = 0;             // the router port of the ENI or node the client reached
    std::uint16_t back_zone = 0;        // the router port replies come in on (the ENI, or the target's ENI)
    std::uint8_t protocol = 6;
    std::uint8_t fins = 0;              // FIN seen: 1 from the client, 2 from the back end
    std::uint8_t progress = 0;          // TCP: 1 the back end answered, 2 established (the client spoke after it)
    bool used = false;
    std::uint32_t last_seen = 0, idle_timeout = 0;
    // Bytes the router puts before the client's stream (a PROXY v2 header, endpoints/proxy_protocol.hpp):
    // the client's sequence numbers from `stream_start` (its SYN's + 1) reach the back end `inserted` later.
    // The stream's start is set again when the client reuses its port (start_stream), and the back end
    // acknowledging the inserted bytes means they need not be sent again (acknowledge_inserted).
    std::uint32_t stream_start = 0;
    std::uint16_t inserted = 0;
    bool inserted_acknowledged = false;
    // A dry run's copy of a live connection (adopt): the live table counts it towards its destination.
    bool adopted = false;
};

class TranslatedConnections {
public:
    static constexpr std::uint32_t closed_seconds = 10;  // after FIN both ways: for the last ACKs (RST: 0)
    // Not yet established: as security group tracking keeps such a flow (ConnectionTracking).
    static constexpr std::uint32_t unestablished_seconds = 10;

    // `per_client` (0: an eighth of the table) bounds the connections of one client address at one entrance;
    // `per_destination` (0: no bound but the ports) those towards one destination from one seen address.
    explicit TranslatedConnections(std::size_t max_connections, std::size_t per_client = 0, std::size_t per_destination = 0);

    // Why the last open() returned nullptr.
    enum class Refusal : std::uint8_t { none, table_full, client_share, ports };

    // Finding reads; the data path's FlowMemory (flow_memory.hpp) then writes what the segment changed.
    // The live connection a packet from the client belongs to, or nullptr.
    const TranslatedConnection* find_from_client(std::uint16_t zone, std::uint8_t protocol, std::uint32_t client, std::uint16_t client_port,
                                                 std::uint32_t front, std::uint16_t front_port, std::uint32_t now) const noexcept {
        return live(by_client_.peek(client_key(zone, protocol, client, client_port, front, front_port)), now);
    }
    // The live connection a packet from the back end to `seen`:`translated_port` belongs to, or nullptr.
    const TranslatedConnection* find_from_back(std::uint16_t back_zone, std::uint8_t protocol, std::uint32_t back, std::uint16_t back_port,
                                               std::uint32_t seen, std::uint16_t translated_port, std::uint32_t now) const noexcept {
        return live(by_back_.peek(back_key(back_zone, protocol, back, back_port, seen, translated_port)), now);
    }
    // Whether `c` is one of this table's connections (as a find returned it).
    bool holds(const TranslatedConnection& c) const noexcept {
        const auto at = reinterpret_cast<std::uintptr_t>(&c), first = reinterpret_cast<std::uintptr_t>(connections_.data());
        return at >= first && at < first + connections_.size() * sizeof(TranslatedConnection);
    }
    // A segment with `tcp_flags` on connection `c` of this table (holds), from the client: `idle_timeout` is
    // the connection's once it is established. A SYN on a connection that closed (the client reusing its
    // port) starts it afresh.
    void client_sent(const TranslatedConnection& c, std::uint8_t tcp_flags, std::uint32_t now, std::uint32_t idle_timeout) noexcept;
    // A segment with `tcp_flags` on connection `c` of this table, from the back end.
    void back_sent(const TranslatedConnection& c, std::uint8_t tcp_flags, std::uint32_t now) noexcept {
        note_flags(own(c), tcp_flags, false, now, 0);
    }
    // Connection `c` of this table: its stream starts after `sequence` + 1 (the client's SYN), and its
    // inserted bytes are not yet acknowledged; or the back end has acknowledged them.
    void start_stream(const TranslatedConnection& c, std::uint32_t syn_sequence) noexcept {
        own(c).stream_start = syn_sequence + 1;
        own(c).inserted_acknowledged = false;
    }
    void acknowledge_inserted(const TranslatedConnection& c) noexcept { own(c).inserted_acknowledged = true; }
    // A copy of another table's connection `c` (a dry run's overlay taking one from the live table before it
    // changes it), with the same ports; nullptr when this table has no room. Not counted towards its
    // destination here: open() adds the live table's count to this one's, which would count it twice.
    const TranslatedConnection* adopt(const TranslatedConnection& c, std::uint32_t now) noexcept;
    // Where a new connection goes: the back end, the source address it sees and the zone its replies come
    // in on; the client's port is kept if free there (and must be when `keep_client_port`), else another.
    struct Back {
        std::uint32_t address = 0;
        std::uint16_t port = 0;
        std::uint32_t seen = 0;
        std::uint16_t zone = 0;
        bool keep_client_port = false;
        std::uint32_t idle_timeout = 0;  // once established (TCP; UDP from the start)
        std::uint32_t stream_start = 0;  // TranslatedConnection::stream_start and inserted
        std::uint16_t inserted = 0;
        // Translated ports from 1024 to 65535 (a NAT gateway's, VPC User Guide "NAT gateway basics"), rather
        // than below the health probes' ports (a node's own address meets probes).
        bool full_port_range = false;
    };
    // Opens a connection (the caller found none live; an idle one under the same client key is replaced).
    // nullptr: the table, the client's share of it, or the ports towards that back end, full (counted in
    // refused()). `beneath` (a dry run's overlay opening: the live table) is asked too: its room, the
    // client's share of it and the ports it holds count as this table's own.
    const TranslatedConnection* open(std::uint16_t zone, std::uint8_t protocol, std::uint32_t client, std::uint16_t client_port,
                                     std::uint32_t front, std::uint16_t front_port, const Back& back, std::uint32_t now,
                                     const TranslatedConnections* beneath = nullptr) noexcept;

    // Forgets every connection either of whose ports `doomed(port)` names (their ENIs are gone or now others').
    template <class Doomed>
    void forget_ports(Doomed&& doomed) noexcept {
        for (std::uint32_t i = 0; i < connections_.size(); ++i)
            if (connections_[i].used && (doomed(connections_[i].zone) || doomed(connections_[i].back_zone))) remove(i);
    }
    // Removes idle connections, looking at most at `max_slots` entries from where the last call stopped.
    std::size_t expire(std::uint32_t now, std::size_t max_slots) noexcept;

    std::size_t size() const { return connections_.size() - free_.size(); }
    std::size_t capacity() const { return connections_.size(); }
    std::uint64_t refused() const { return refused_; }
    // Refused because no port towards the destination was free, or the destination held all it may.
    std::uint64_t refused_ports() const { return refused_ports_; }
    Refusal last_refusal() const { return last_refusal_; }
    std::size_t per_destination() const { return per_destination_; }
    // The connections towards `back`:`back_port` over `protocol` seen from `seen` at `back_zone`.
    std::size_t held_towards(std::uint16_t back_zone, std::uint8_t protocol, std::uint32_t back, std::uint16_t back_port,
                             std::uint32_t seen) const noexcept;
    std::size_t per_client() const { return per_client_; }
    // What the table holds in memory, all of it reserved at construction.
    std::size_t memory_bytes() const noexcept {
        return connections_.capacity() * sizeof(TranslatedConnection) + free_.capacity() * sizeof(std::uint32_t) + by_client_.memory_bytes() +
               by_back_.memory_bytes() + clients_.memory_bytes() + destinations_.memory_bytes();
    }
    // The connection a client's packet would find, as it is (not refreshed, idle or not): for tests and stats.
    const TranslatedConnection* peek(std::uint16_t zone, std::uint8_t protocol, std::uint32_t client, std::uint16_t client_port,
                                     std::uint32_t front, std::uint16_t front_port) const noexcept {
        const routing::FlowTable::Entry* e = by_client_.peek(client_key(zone, protocol, client, client_port, front, front_port));
        return e ? &connections_[e->value] : nullptr;
    }
    // The connections of `client` at entrance `zone` (live, or idle and not yet swept).
    std::size_t held_by(std::uint16_t zone, std::uint32_t client) const noexcept;

private:
    static routing::FlowKey client_key(std::uint16_t zone, std::uint8_t protocol, std::uint32_t client, std::uint16_t client_port,
                                       std::uint32_t front, std::uint16_t front_port) noexcept {
        return routing::FlowKey{client, front, client_port, front_port, protocol, zone};
    }
    static routing::FlowKey back_key(std::uint16_t back_zone, std::uint8_t protocol, std::uint32_t back, std::uint16_t back_port,
                                     std::uint32_t seen, std::uint16_t translated_port) noexcept {
        return routing::FlowKey{back, seen, back_port, translated_port, protocol, back_zone};
    }
    // The connection an index entry points at, if it is live at `now`.
    const TranslatedConnection* live(const routing::FlowTable::Entry* index_entry, std::uint32_t now) const noexcept {
        if (!index_entry) return nullptr;
        const TranslatedConnection& c = connections_[index_entry->value];
        return now - c.last_seen > c.idle_timeout ? nullptr : &c;
    }
    // A connection of this table, to be written (the table's one writer is the data path's FlowMemory).
    TranslatedConnection& own(const TranslatedConnection& c) noexcept { return connections_[static_cast<std::size_t>(&c - connections_.data())]; }
    static routing::FlowKey share_key(std::uint16_t zone, std::uint32_t client) noexcept { return routing::FlowKey{client, 0, 0, 0, 0, zone}; }
    static routing::FlowKey destination_key(std::uint16_t back_zone, std::uint8_t protocol, std::uint32_t back, std::uint16_t back_port,
                                            std::uint32_t seen) noexcept {
        return routing::FlowKey{back, seen, back_port, 0, protocol, back_zone};
    }
    // A free translated port towards `back` (0: none), the client's own first when it may be kept. A port
    // `beneath` holds for its connection at `beneath_stale` (an index; none: no_index) counts as free.
    static constexpr std::uint32_t no_index = 0xffffffffu;
    std::uint16_t free_port(std::uint8_t protocol, std::uint32_t client, std::uint16_t client_port, const Back& back, std::uint32_t now,
                            const TranslatedConnections* beneath, std::uint32_t beneath_stale) noexcept;
    const TranslatedConnection* refuse(Refusal why) noexcept {
        ++refused_;
        if (why == Refusal::ports) ++refused_ports_;
        last_refusal_ = why;
        return nullptr;
    }
    // Indexes connection `c` at slot `index` by its client's and its back end's keys, and counts it for its
    // client; false (nothing changed) when an index has no room.
    bool index_connection(std::uint32_t index, const TranslatedConnection& c, std::uint32_t now) noexcept;
    void note_flags(TranslatedConnection& c, std::uint8_t tcp_flags, bool from_client, std::uint32_t now, std::uint32_t established_timeout) noexcept;
    void remove(std::uint32_t index) noexcept;

    std::vector<TranslatedConnection> connections_;
    std::vector<std::uint32_t> free_;  // indexes of unused entries (capacity reserved: never grows)
    routing::FlowTable by_client_, by_back_;  // values: indexes into connections_
    routing::FlowTable clients_;              // by (zone, client address): how many connections it holds
    routing::FlowTable destinations_;         // by destination_key: how many connections go there (per_destination_ set)
    std::size_t per_client_ = 0, per_destination_ = 0;
    std::size_t hand_ = 0;
    std::uint64_t refused_ = 0, refused_ports_ = 0;
    Refusal last_refusal_ = Refusal::none;
};

}  // namespace vpclab::router
