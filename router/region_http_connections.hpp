// The region web server's connections: a bounded table shared fairly between clients, each connection on a
// deadline. One instance holding hundreds of idle connections used to fill the table and deny S3 and every
// other service to the whole lab (shared/repro/region-http-idle-clients.sh); now no address holds more than
// its share, a connection idle in its request is closed, and a full table makes room by closing the oldest
// connection still waiting for its request (as the resolver and metadata service make room). A pure table
// of decisions: the server (region_http_server.cpp) owns the sockets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace vpclab::router {

class RegionConnections {
public:
    static constexpr std::size_t max_connections = 256;
    static constexpr std::size_t max_per_address = 32;  // an eighth of the table
    // A request's head must arrive within 10 s of the connection (a client dripping it byte by byte gets no
    // more), and its body may not pause longer; a response the client stops taking is given up after 30 s.
    static constexpr std::int64_t request_ms = 10'000, stalled_response_ms = 30'000;

    struct Entry {
        bool used = false;
        std::uint32_t peer = 0;
        std::uint64_t order = 0;   // when it was accepted, among all
        bool responding = false;   // its request is whole; the response is being sent
        std::int64_t deadline_ms = 0;
    };
    // Where a new connection from `peer` goes: `slot`, after closing `evicted` when that is set; no slot:
    // refused (every connection that could make room is busy sending a response).
    struct Admission {
        std::optional<std::size_t> slot, evicted;
    };
    Admission admit(std::uint32_t peer) const;

    void open(std::size_t slot, std::uint32_t peer, std::int64_t now_ms);
    // Bytes of the request's body arrived (the head's deadline is fixed at open).
    void body_progressed(std::size_t slot, std::int64_t now_ms);
    // The response started, or the client took some of it.
    void response_progressed(std::size_t slot, std::int64_t now_ms);
    void close(std::size_t slot);

    // Connections past their deadline, to be closed.
    std::vector<std::size_t> overdue(std::int64_t now_ms) const;
    // The earliest deadline, for the server's poll timeout.
    std::optional<std::int64_t> next_deadline() const;

    const Entry& operator[](std::size_t slot) const { return entries_[slot]; }
    std::size_t count_of(std::uint32_t peer) const;
    std::size_t size() const;

private:
    std::array<Entry, max_connections> entries_{};
    std::uint64_t accepted_ = 0;
};

}  // namespace vpclab::router
