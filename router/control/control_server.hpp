// The control socket, served inside the router's event loop without ever waiting on a client (DESIGN.md §3:
// "the loop never waits on a client"): non-blocking connections, each with bounded buffers and a deadline,
// at most max_clients at once (a new client makes room by dropping the oldest one that has not yet sent a
// whole request). One request, one reply, then the connection closes. The control socket's request is one
// JSON line and so is its reply; the AWS endpoint's is an HTTP request (a RequestCutter says where one ends).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "tap/unique_fd.hpp"

namespace vpclab::router {

// A request line larger than this is refused without being parsed (the CLI's largest is a few KiB).
constexpr std::size_t max_control_request_bytes = 1 << 20;

class ControlServer {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t max_clients = 32;  // slots; Limits::clients may use fewer (tests)

    struct Limits {
        std::size_t clients = max_clients;
        // From accept to the last byte of the reply: a client that is slower than this is dropped.
        std::chrono::milliseconds deadline{5000};
        // Larger requests are refused (with a reply) and the connection closed.
        std::size_t request_bytes = max_control_request_bytes;
    };

    // Serves one request line (without its newline) and returns the reply line (with its newline).
    using Handler = std::function<std::string(std::string_view request_line)>;

    // Where the first request in the bytes read so far ends: a whole request (the `length` bytes the handler
    // gets), not yet (with `length` the size below which asking again is useless: an HTTP body's end, so that
    // a dripping client does not make the cutter read its head again for each byte), or refused at once with
    // `reply` (too large, malformed). `peer_done`: the client shut down its side, so no more bytes come.
    struct Cut {
        enum class Kind { incomplete, request, refused } kind = Kind::incomplete;
        std::size_t length = 0;
        std::string reply;
    };
    using RequestCutter = std::function<Cut(std::string_view buffered, bool peer_done)>;

    // `listener` must be a non-blocking listening socket. The server adds it to `epoll_fd` with tag
    // `first_tag`, and its clients with the tags first_tag + 1 … first_tag + max_clients.
    // Requests are JSON lines (a line over limits.request_bytes is refused with a MalformedRequest reply).
    ControlServer(tap::UniqueFd listener, int epoll_fd, std::uint64_t first_tag, Handler handler, Limits limits);
    ControlServer(tap::UniqueFd listener, int epoll_fd, std::uint64_t first_tag, Handler handler)
        : ControlServer(std::move(listener), epoll_fd, first_tag, std::move(handler), Limits{}) {}
    // Requests as `cutter` delimits them (the handler gets the request's bytes).
    ControlServer(tap::UniqueFd listener, int epoll_fd, std::uint64_t first_tag, Handler handler, Limits limits, RequestCutter cutter);

    bool owns_tag(std::uint64_t tag) const { return tag >= first_tag_ && tag <= first_tag_ + max_clients; }
    // An epoll event with one of our tags: accepts pending connections (at most accepts_per_wakeup; the
    // rest on the next wakeup), or reads or writes what a client's socket is ready for.
    void on_event(std::uint64_t tag, std::uint32_t events, Clock::time_point now);
    // Drops clients past their deadline; lets a resting listener accept again.
    void expire(Clock::time_point now);
    // The earliest deadline of a connected client (or the end of the listener's rest), if any: when the loop
    // must wake for expire().
    std::optional<Clock::time_point> next_deadline() const;
    std::size_t client_count() const;

private:
    struct Client {
        tap::UniqueFd fd;
        bool replying = false;
        std::string in, out;
        std::size_t sent = 0;
        std::uint64_t order = 0;  // accept order: the oldest has the smallest
        std::size_t wanted = 0;   // the cutter needs at least this many bytes before it can say more
        Clock::time_point deadline{};
        // A refused request's client may still be sending: after the reply, the connection is half-closed and
        // what comes is read and dropped until the client closes (or its deadline), so that the client reads
        // the reply rather than a reset (TCP resets a connection closed with unread bytes: RFC 1122, 4.2.2.13).
        bool drain_after_reply = false, draining = false;
    };
    // Accepts per wakeup, so a flood of connections cannot keep the loop here.
    static constexpr int accepts_per_wakeup = 2 * max_clients;
    // After accept fails for want of fds or memory, the listener rests this long (else a level-triggered
    // listener would wake the loop at once, forever).
    static constexpr std::chrono::milliseconds listener_rest{100};
    void close_client(Client& c);
    void read_request(Client& c);
    void start_reply(Client& c, std::string reply);
    void drain(Client& c);
    static constexpr std::size_t drained_per_wakeup = 64 * 1024;  // one client cannot keep the loop reading
    void write_reply(Client& c);
    Client* slot_for_new_client();
    void accept_clients(Clock::time_point now);
    void on_client_ready(Client& c, std::uint32_t events);
    void watch_listener(bool on) noexcept;
    std::uint64_t tag_of(const Client& c) const { return first_tag_ + 1 + static_cast<std::uint64_t>(&c - clients_.data()); }

    tap::UniqueFd listener_;
    int epoll_fd_;
    std::uint64_t first_tag_;
    Handler handler_;
    Limits limits_;
    RequestCutter cutter_;
    std::array<Client, max_clients> clients_;
    std::uint64_t accepted_ = 0;
    std::optional<Clock::time_point> listener_resting_until_;
};

}  // namespace vpclab::router
