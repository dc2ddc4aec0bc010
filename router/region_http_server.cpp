// A small non-blocking HTTP/1.1 server (one response per connection) for the region namespace.
#include "router/region_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

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
    std::string request;         // headers as received
    std::size_t body_expected = 0, body_received = 0;
    bool headers_done = false, responding = false;
    std::string out;             // what remains of the head and text
    std::size_t filler_left = 0, filler_sent = 0;
};

void close_client(Client& c) {
    ::close(c.fd);
    c = Client{};
}

void start_response(Client& c, const endpoints::RegionCatalog& catalog) {
    const std::string request_line = c.request.substr(0, c.request.find("\r\n"));
    const auto sp1 = request_line.find(' '), sp2 = request_line.find(' ', sp1 + 1);
    const std::string method = sp1 == std::string::npos ? "" : request_line.substr(0, sp1);
    const std::string path = sp2 == std::string::npos ? "/" : request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    HttpAnswer a = answer_http(method, path, c.body_received, c.local, c.peer, catalog, c.via ? &*c.via : nullptr);
    const char* reason = a.status == 200 ? "OK" : a.status == 400 ? "Bad Request" : "Method Not Allowed";
    c.out = "HTTP/1.1 " + std::to_string(a.status) + " " + reason + "\r\nServer: vpclab-region\r\nContent-Type: text/plain\r\n" +
            "Content-Length: " + std::to_string(a.head_text.size() + a.filler_bytes) + "\r\nConnection: close\r\n\r\n";
    if (method != "HEAD") {
        c.out += a.head_text;
        c.filler_left = a.filler_bytes;
    }
    c.responding = true;
}

// Reads what is there; returns false when the connection should be dropped.
bool read_client(Client& c, const endpoints::RegionCatalog& catalog) {
    char buf[65536];
    while (!c.responding) {
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n == 0) return false;
        if (n < 0) return errno == EAGAIN || errno == EINTR;
        std::size_t used = 0;
        if (!c.headers_done) {
            c.request.append(buf, static_cast<std::size_t>(n));
            const auto end = c.request.find("\r\n\r\n");
            if (end == std::string::npos) {
                if (c.request.size() > 65536) return false;
                continue;
            }
            c.headers_done = true;
            std::string lower = c.request.substr(0, end);
            for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            const auto cl = lower.find("\r\ncontent-length:");
            if (cl != std::string::npos) c.body_expected = std::strtoull(lower.c_str() + cl + 17, nullptr, 10);
            c.body_received = c.request.size() - (end + 4);
            c.request.resize(end + 4);
            used = static_cast<std::size_t>(n);
        }
        if (used == 0) c.body_received += static_cast<std::size_t>(n);
        if (c.body_received >= c.body_expected) start_response(c, catalog);
    }
    return true;
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

    std::vector<Client> clients(256);
    std::vector<pollfd> fds;
    while (true) {
        fds.assign(1, pollfd{listener.get(), POLLIN, 0});
        for (const auto& c : clients)
            if (c.fd >= 0) fds.push_back({c.fd, static_cast<short>(c.responding ? POLLOUT : POLLIN), 0});
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) tap::throw_errno("poll");
        if (fds[0].revents & POLLIN) {
            while (true) {
                sockaddr_in peer{}, local{};
                socklen_t plen = sizeof peer, llen = sizeof local;
                const int fd = ::accept4(listener.get(), reinterpret_cast<sockaddr*>(&peer), &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) break;
                ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen);
                Client* slot = nullptr;
                for (auto& c : clients)
                    if (c.fd < 0) {
                        slot = &c;
                        break;
                    }
                if (!slot) {
                    ::close(fd);
                    continue;
                }
                *slot = Client{};
                slot->fd = fd;
                slot->local = ntohl(local.sin_addr.s_addr);
                slot->peer = ntohl(peer.sin_addr.s_addr);
                slot->via = endpoint_behind(slot->local, catalog, endpoints_table);
            }
        }
        for (std::size_t i = 1; i < fds.size(); ++i) {
            if (!fds[i].revents) continue;
            for (auto& c : clients) {
                if (c.fd != fds[i].fd) continue;
                bool keep = true;
                if (!c.responding && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) keep = read_client(c, catalog);
                if (keep && c.responding) keep = write_client(c);
                if (!keep) close_client(c);
                break;
            }
        }
    }
}

}  // namespace vpclab::router
