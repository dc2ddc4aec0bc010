// Non-blocking control connections: accept with a client cap, read a line, answer, write, close.
#include "router/control/control_server.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cstring>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace vpclab::router {

namespace {

// The control socket's framing: a request is one line; a line longer than the limit is refused.
ControlServer::RequestCutter line_cutter(std::size_t request_bytes) {
    return [request_bytes](std::string_view buffered, bool peer_done) {
        using Cut = ControlServer::Cut;
        const auto newline = buffered.find('\n');
        if (newline != std::string_view::npos) return Cut{Cut::Kind::request, newline, {}};
        if (buffered.size() > request_bytes)
            return Cut{Cut::Kind::refused, 0,
                       "{\"ok\":false,\"error\":{\"Code\":\"MalformedRequest\",\"Message\":\"request larger than " + std::to_string(request_bytes) +
                           " bytes\"}}\n"};
        // The client shut down its side: what it sent is the request.
        if (peer_done && !buffered.empty()) return Cut{Cut::Kind::request, buffered.size(), {}};
        return Cut{};
    };
}

}  // namespace

ControlServer::ControlServer(tap::UniqueFd listener, int epoll_fd, std::uint64_t first_tag, Handler handler, Limits limits)
    : ControlServer(std::move(listener), epoll_fd, first_tag, std::move(handler), limits, line_cutter(limits.request_bytes)) {}

ControlServer::ControlServer(tap::UniqueFd listener, int epoll_fd, std::uint64_t first_tag, Handler handler, Limits limits, RequestCutter cutter)
    : listener_(std::move(listener)), epoll_fd_(epoll_fd), first_tag_(first_tag), handler_(std::move(handler)), limits_(limits),
      cutter_(std::move(cutter)) {
    limits_.clients = std::clamp<std::size_t>(limits_.clients, 1, max_clients);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = first_tag_;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listener_.get(), &ev) != 0)
        throw std::runtime_error(std::string("epoll_ctl(control socket): ") + std::strerror(errno));
}

std::size_t ControlServer::client_count() const {
    std::size_t n = 0;
    for (const auto& c : clients_) n += static_cast<bool>(c.fd);
    return n;
}

void ControlServer::close_client(Client& c) {
    // Closing the fd removes it from the epoll set.
    c.fd.reset();
    c.replying = false;
    c.wanted = 0;
    std::string().swap(c.in);
    std::string().swap(c.out);
    c.sent = 0;
    c.drain_after_reply = c.draining = false;
}

ControlServer::Client* ControlServer::slot_for_new_client() {
    // Full: the oldest client that has not sent a whole request yet makes room (an idle or slow client
    // cannot lock others out); if every client is being answered, the oldest of those. A client whose
    // request is already waiting in its socket is not idle: it is read (and answered) first, and the
    // choice made again.
    for (std::size_t attempt = 0; attempt <= limits_.clients; ++attempt) {
        Client* oldest_waiting = nullptr;
        Client* oldest = nullptr;
        for (std::size_t i = 0; i < limits_.clients; ++i) {
            Client& c = clients_[i];
            if (!c.fd) return &c;
            if (c.draining) {  // answered: only waiting for the client to go, the first to make room
                close_client(c);
                return &c;
            }
            if (!c.replying && (!oldest_waiting || c.order < oldest_waiting->order)) oldest_waiting = &c;
            if (!oldest || c.order < oldest->order) oldest = &c;
        }
        if (oldest_waiting && attempt < limits_.clients) {
            read_request(*oldest_waiting);
            if (!oldest_waiting->fd || oldest_waiting->replying) continue;  // it had a request, or had gone
        }
        Client* victim = oldest_waiting ? oldest_waiting : oldest;
        spdlog::debug("control: {} clients connected; dropping the oldest {}", limits_.clients, oldest_waiting ? "idle one" : "one");
        close_client(*victim);
        return victim;
    }
    return nullptr;  // not reached: the last attempt always closes one
}

void ControlServer::watch_listener(bool on) noexcept {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = first_tag_;
    if (!on) {
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listener_.get(), &ev);
        return;
    }
    listener_resting_until_.reset();
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listener_.get(), &ev) != 0 && errno != EEXIST)
        listener_resting_until_ = Clock::now() + listener_rest;  // try again after another rest
}

void ControlServer::on_event(std::uint64_t tag, std::uint32_t events, Clock::time_point now) {
    if (tag == first_tag_) return accept_clients(now);
    if (!owns_tag(tag)) return;
    on_client_ready(clients_[tag - first_tag_ - 1], events);
}

void ControlServer::accept_clients(Clock::time_point now) {
    for (int accepted = 0; accepted < accepts_per_wakeup; ++accepted) {
        tap::UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                spdlog::warn("control: cannot accept a client: {}; the socket rests {} ms", std::strerror(errno), listener_rest.count());
                watch_listener(false);
                listener_resting_until_ = now + listener_rest;  // expire() lets it accept again
            }
            return;  // EAGAIN: nothing more pending; ECONNABORTED and the like: the next wakeup retries
        }
        Client& c = *slot_for_new_client();
        c.fd = std::move(fd);
        c.order = ++accepted_;
        c.deadline = now + limits_.deadline;
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.u64 = tag_of(c);
        if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd.get(), &ev) != 0) close_client(c);
    }
}

void ControlServer::on_client_ready(Client& c, std::uint32_t events) {
    if (!c.fd) return;  // dropped earlier in this batch of events
    if (c.draining) return drain(c);
    if (c.replying) {
        if (events & (EPOLLERR | EPOLLHUP)) return close_client(c);
        return write_reply(c);
    }
    read_request(c);
}

void ControlServer::read_request(Client& c) {
    char buf[16384];
    bool peer_done = false;
    Cut cut;
    while (true) {
        const ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, 0);
        if (n > 0) {
            c.in.append(buf, static_cast<std::size_t>(n));
            if (c.in.size() < c.wanted) continue;
            cut = cutter_(c.in, false);
            if (cut.kind != Cut::Kind::incomplete) break;
            c.wanted = cut.length;
            continue;
        }
        if (n == 0) {
            peer_done = true;  // the client shut down its side
            cut = cutter_(c.in, true);
            break;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // the rest comes later
        return close_client(c);
    }
    if (cut.kind == Cut::Kind::refused) {
        c.drain_after_reply = !peer_done;
        return start_reply(c, std::move(cut.reply));
    }
    if (cut.kind == Cut::Kind::incomplete) {
        if (peer_done) close_client(c);  // no whole request will come
        return;
    }
    start_reply(c, handler_(std::string_view(c.in).substr(0, cut.length)));
}

void ControlServer::start_reply(Client& c, std::string reply) {
    c.replying = true;
    std::string().swap(c.in);
    c.out = std::move(reply);
    c.sent = 0;
    write_reply(c);
    if (c.fd && c.replying && !c.draining) {
        // The client's receive buffer is full: finish when it reads (or at its deadline).
        epoll_event ev{};
        ev.events = EPOLLOUT;
        ev.data.u64 = tag_of(c);
        if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd.get(), &ev) != 0) close_client(c);
    }
}

void ControlServer::write_reply(Client& c) {
    while (c.sent < c.out.size()) {
        const ssize_t n = ::send(c.fd.get(), c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c.sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        return close_client(c);
    }
    if (!c.drain_after_reply) return close_client(c);  // whole reply sent: one request per connection
    ::shutdown(c.fd.get(), SHUT_WR);
    c.draining = true;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = tag_of(c);
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd.get(), &ev) != 0) close_client(c);
}

void ControlServer::drain(Client& c) {
    char buf[16384];
    for (std::size_t read = 0; read < drained_per_wakeup;) {
        const ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, 0);
        if (n > 0) {
            read += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        return close_client(c);  // the client closed (or the connection failed): done
    }
}

void ControlServer::expire(Clock::time_point now) {
    if (listener_resting_until_ && *listener_resting_until_ <= now) watch_listener(true);
    for (auto& c : clients_)
        if (c.fd && c.deadline <= now) {
            spdlog::debug("control: a client did not finish within {} ms; dropped", limits_.deadline.count());
            close_client(c);
        }
}

std::optional<ControlServer::Clock::time_point> ControlServer::next_deadline() const {
    std::optional<Clock::time_point> next = listener_resting_until_;
    for (const auto& c : clients_)
        if (c.fd && (!next || c.deadline < *next)) next = c.deadline;
    return next;
}

}  // namespace vpclab::router
