// A small non-blocking HTTP/1.1 server (one response per connection) for the region namespace.
#include "router/region_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "router/http_request_reader.hpp"
#include "router/region_http_connections.hpp"
#include "tap/network_namespace.hpp"
#include "tap/system_error.hpp"

namespace vpclab::router {

using routing::format_ipv4;

HttpAnswer answer_http(const std::string& method, const std::string& path, std::size_t body_received,
                       std::uint32_t local, std::uint32_t peer, const endpoints::RegionCatalog& catalog, const PublishedEndpoint* via) {
    HttpAnswer a;
    const routing::Cidr endpoint_block = catalog.plan().endpoint_block();
    const bool through_endpoint = endpoint_block.contains(local);
    std::uint32_t asked = local;
    if (through_endpoint && via)
        if (const auto* svc = catalog.find_by_service_name(via->service_name)) asked = svc->block.network + (local & 0xff);
    std::string text = catalog.describe_address(asked) + " at " + format_ipv4(asked) + " answered " + method + " " + path + "\n" +
                       "your address as seen here: " + format_ipv4(peer) + "\n";
    if (through_endpoint)
        text += via ? "through " + std::string(via->endpoint_type == "Interface" ? "interface" : "gateway") + " endpoint " + via->endpoint_id +
                          " of " + via->vpc_id + " (no internet gateway, no public address)\n"
                    : "through a VPC endpoint that no longer exists\n";
    if (method == "POST" || method == "PUT") text += "received " + std::to_string(body_received) + " bytes\n";
    if (method != "GET" && method != "HEAD" && method != "POST" && method != "PUT") {
        a.status = 405;
    } else if (path.rfind("/bytes/", 0) == 0) {
        const std::string n = path.substr(7);
        if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos || std::stoul(n) > 100'000'000) {
            a.status = 400;
            text += "use /bytes/N with N at most 100000000\n";
        } else {
            const std::size_t want = std::stoul(n);
            if (want < text.size()) text.resize(want);
            a.filler_bytes = want - text.size();
        }
    }
    a.head_text = text;
    return a;
}

namespace {

struct Client {
    int fd = -1;
    std::optional<PublishedEndpoint> via;  // the gateway endpoint the connection came through
    std::uint32_t local = 0, peer = 0;
    HttpRequestReader request;
    std::string out;             // what remains of the head and text
    std::size_t filler_left = 0, filler_sent = 0;
};

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void start_response(Client& c, const endpoints::RegionCatalog& catalog) {
    const std::string& method = c.request.method();
    HttpAnswer a = c.request.state() == HttpRequestReader::State::bad
                       ? HttpAnswer{400, "the request could not be read (a head over 64 KiB, or a Content-Length that is not a number)\n", 0}
                       : answer_http(method, c.request.path(), c.request.body_received(), c.local, c.peer, catalog, c.via ? &*c.via : nullptr);
    const char* reason = a.status == 200 ? "OK" : a.status == 400 ? "Bad Request" : "Method Not Allowed";
    c.out = "HTTP/1.1 " + std::to_string(a.status) + " " + reason + "\r\nServer: vpclab-region\r\nContent-Type: text/plain\r\n" +
            "Content-Length: " + std::to_string(a.head_text.size() + a.filler_bytes) + "\r\nConnection: close\r\n\r\n";
    if (method != "HEAD") {
        c.out += a.head_text;
        c.filler_left = a.filler_bytes;
    }
}

enum class ReadResult { waiting, body_progressed, ready, closed };

// Reads what is there (at most 1 MiB a wakeup, so one client cannot keep the server).
ReadResult read_client(Client& c) {
    char buf[65536];
    const bool head_before = c.request.head_done();
    for (int budget = 0; budget < 16; ++budget) {
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n == 0) return ReadResult::closed;
        if (n < 0) return errno == EAGAIN || errno == EINTR ? (head_before ? ReadResult::body_progressed : ReadResult::waiting) : ReadResult::closed;
        if (c.request.feed(std::string_view(buf, static_cast<std::size_t>(n))) != HttpRequestReader::State::reading) return ReadResult::ready;
    }
    return head_before ? ReadResult::body_progressed : ReadResult::waiting;
}

// Writes what the socket takes; returns false when done (or failed).
bool write_client(Client& c) {
    static const std::string filler = [] {
        std::string f(65536, '.');
        for (std::size_t i = 63; i < f.size(); i += 64) f[i] = '\n';
        return f;
    }();
    while (!c.out.empty() || c.filler_left) {
        // The filler continues where the last partial send stopped (its lines are 64 bytes), so the body is
        // the same bytes however the socket takes them: downloads can be compared by checksum.
        const std::size_t at = c.filler_sent % 64;
        const char* data = c.out.empty() ? filler.data() + at : c.out.data();
        const std::size_t len = c.out.empty() ? std::min(c.filler_left, filler.size() - at) : c.out.size();
        const ssize_t n = ::send(c.fd, data, len, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == EINTR;
        if (c.out.empty()) {
            c.filler_left -= static_cast<std::size_t>(n);
            c.filler_sent += static_cast<std::size_t>(n);
        } else {
            c.out.erase(0, static_cast<std::size_t>(n));
        }
    }
    return false;
}

std::optional<PublishedEndpoint> endpoint_behind(std::uint32_t local, const endpoints::RegionCatalog& catalog, const std::string& table_file) {
    const routing::Cidr block = catalog.plan().endpoint_block();
    if (!block.contains(local)) return std::nullopt;
    std::ifstream in(table_file);
    std::stringstream text;
    text << in.rdbuf();
    return find_published_endpoint(text.str(), (local - block.network) >> 8);
}

}  // namespace

int run_region_http_server(const std::string& netns, const endpoints::RegionCatalog& catalog, const std::string& endpoints_table) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::prctl(PR_SET_NAME, "vpclab-region", 0, 0, 0);
    tap::UniqueFd ns = tap::open_named_netns(netns);
    if (::setns(ns.get(), CLONE_NEWNET) != 0) tap::throw_errno("setns into " + netns);
    tap::UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    const int on = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_port = htons(80);
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) tap::throw_errno("bind region :80");
    if (::listen(listener.get(), 128) != 0) tap::throw_errno("listen region :80");

    RegionConnections table;
    std::vector<Client> clients(RegionConnections::max_connections);
    auto close_client = [&](std::size_t slot) {
        ::close(clients[slot].fd);
        clients[slot] = Client{};
        table.close(slot);
    };
    std::vector<pollfd> fds;
    std::vector<std::size_t> slot_of;  // fds[i + 1] is clients[slot_of[i]]
    while (true) {
        fds.assign(1, pollfd{listener.get(), POLLIN, 0});
        slot_of.clear();
        for (std::size_t i = 0; i < clients.size(); ++i)
            if (clients[i].fd >= 0) {
                fds.push_back({clients[i].fd, static_cast<short>(table[i].responding ? POLLOUT : POLLIN), 0});
                slot_of.push_back(i);
            }
        int timeout = -1;
        if (const auto next = table.next_deadline()) timeout = static_cast<int>(std::clamp<std::int64_t>(*next - now_ms() + 1, 0, 60'000));
        if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) tap::throw_errno("poll");
        for (std::size_t i = 1; i < fds.size(); ++i) {
            if (!fds[i].revents) continue;
            const std::size_t slot = slot_of[i - 1];
            Client& c = clients[slot];
            bool keep = true;
            if (!table[slot].responding && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                switch (read_client(c)) {
                    case ReadResult::waiting: break;
                    case ReadResult::body_progressed: table.body_progressed(slot, now_ms()); break;
                    case ReadResult::ready:
                        start_response(c, catalog);
                        table.response_progressed(slot, now_ms());
                        break;
                    case ReadResult::closed: keep = false; break;
                }
            }
            if (keep && table[slot].responding) {
                const std::size_t before = c.out.size() + c.filler_left;
                keep = write_client(c);
                if (keep && c.out.size() + c.filler_left != before) table.response_progressed(slot, now_ms());
            }
            if (!keep) close_client(slot);
        }
        // Deadlines: a request that did not arrive in time, a response the client stopped taking.
        for (const std::size_t slot : table.overdue(now_ms())) close_client(slot);
        if (fds[0].revents & POLLIN) {
            while (true) {
                sockaddr_in peer{}, local{};
                socklen_t plen = sizeof peer, llen = sizeof local;
                const int fd = ::accept4(listener.get(), reinterpret_cast<sockaddr*>(&peer), &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) break;
                ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen);
                const std::uint32_t peer_address = ntohl(peer.sin_addr.s_addr);
                const RegionConnections::Admission admission = table.admit(peer_address);
                if (!admission.slot) {
                    ::close(fd);
                    continue;
                }
                if (admission.evicted) close_client(*admission.evicted);
                Client& c = clients[*admission.slot];
                c = Client{};
                c.fd = fd;
                c.local = ntohl(local.sin_addr.s_addr);
                c.peer = peer_address;
                c.via = endpoint_behind(c.local, catalog, endpoints_table);
                table.open(*admission.slot, peer_address, now_ms());
            }
        }
    }
}

}  // namespace vpclab::router
