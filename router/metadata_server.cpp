// The instance metadata service's connections: accept, read a request head, answer, close.
#include "router/metadata_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>

#include "instance/base64.hpp"
#include "router/client_slots.hpp"

namespace vpclab::router {

namespace {
// A fresh IMDSv2 token: 40 random bytes, base64 (56 characters, as EC2's are).
std::string new_token() {
    unsigned char bytes[40];
    std::size_t have = 0;
    while (have < sizeof bytes) {
        const ssize_t n = ::getrandom(bytes + have, sizeof bytes - have, 0);
        if (n > 0) have += static_cast<std::size_t>(n);
    }
    return instance::base64_encode(std::string(reinterpret_cast<const char*>(bytes), sizeof bytes));
}
}  // namespace

std::string MetadataServer::instance_asking(std::uint32_t local, std::uint32_t peer) const {
    const std::uint32_t vpc = state_.service_ports.resolver_vpc(local);
    if (vpc == routing::no_port || !routing::ServicePorts::is_metadata(local) || !state_.snapshot) return "";
    const routing::PortIndex port = state_.snapshot->port_by_address(vpc, peer);
    if (port == routing::no_port) return "";
    for (const auto& eni : state_.model->network_interfaces())
        if (eni.port == port && !eni.instance_id.empty()) return eni.instance_id;
    return "";
}

std::vector<std::pair<int, std::size_t>> MetadataServer::on_acceptable() {
    std::vector<std::pair<int, std::size_t>> added;
    while (true) {
        sockaddr_in local{}, peer{};
        socklen_t local_len = sizeof local, peer_len = sizeof peer;
        const int fd = ::accept4(listener_, reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return added;
        std::string instance_id;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0)
            instance_id = instance_asking(ntohl(local.sin_addr.s_addr), ntohl(peer.sin_addr.s_addr));
        if (instance_id.empty()) {
            ::close(fd);
            continue;
        }
        const std::size_t slot = free_or_oldest_slot(clients_);
        Client& c = clients_[slot];
        c.fd = tap::UniqueFd(fd);
        c.instance_id = std::move(instance_id);
        c.buffer.clear();
        c.answered = false;
        c.accepted_order = ++accepted_;
        added.emplace_back(fd, slot);
    }
}

void MetadataServer::on_readable(std::size_t slot) {
    Client& c = clients_[slot];
    char chunk[4096];
    for (int budget = 0; budget < 8; ++budget) {
        const ssize_t n = ::read(c.fd.get(), chunk, sizeof chunk);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return c.fd.reset();
        if (n < 0) return;
        if (c.answered) continue;  // what follows the request (a body) is not read
        c.buffer.append(chunk, static_cast<std::size_t>(n));
        const auto end = c.buffer.find("\r\n\r\n");
        if (end == std::string::npos) {
            if (c.buffer.size() > max_request_bytes) return c.fd.reset();
            continue;
        }
        endpoints::HttpResponse response;
        const auto request = endpoints::parse_http_request(std::string_view(c.buffer).substr(0, end));
        const routing::Instance* inst = nullptr;
        for (const auto& i : state_.model->instances())
            if (i.id == c.instance_id) inst = &i;
        if (!request || !inst) {
            response.status = 400;
        } else {
            // Nothing may escape into the event loop: a fault here is this request's 500, not the router's end.
            try {
                response = endpoints::answer_metadata(*request, endpoints::instance_facts(*state_.model, *inst), tokens_,
                                                      static_cast<std::int64_t>(std::time(nullptr)), new_token);
            } catch (const std::exception&) {
                response = endpoints::HttpResponse{};
                response.status = 500;
            }
        }
        if (response.ip_ttl > 0) ::setsockopt(c.fd.get(), IPPROTO_IP, IP_TTL, &response.ip_ttl, sizeof response.ip_ttl);
        const std::string bytes = endpoints::render_http(response);
        // Replies are small (user data is at most 16 KB): one send fits the socket's buffer.
        if (::send(c.fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT) != static_cast<ssize_t>(bytes.size()))
            return c.fd.reset();
        ::shutdown(c.fd.get(), SHUT_WR);  // the client sees the end; the slot frees when it closes
        c.answered = true;
        c.buffer.clear();
    }
}

}  // namespace vpclab::router
