// UDP and TCP DNS service for the VPC resolver.
#include "router/dns_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "endpoints/dns_answer.hpp"
#include "router/client_slots.hpp"

namespace vpclab::router {

namespace {
// A one-datagram message with room for an IP_PKTINFO control block (the local address of a query, or
// the source address of its answer).
struct PktinfoMessage {
    sockaddr_in peer{};
    iovec iov{};
    alignas(cmsghdr) std::uint8_t control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
    msghdr msg{};
    PktinfoMessage(void* data, std::size_t size) {
        iov = {data, size};
        msg.msg_name = &peer;
        msg.msg_namelen = sizeof peer;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
    }
    PktinfoMessage(const PktinfoMessage&) = delete;
};
}  // namespace

DnsServer::DnsServer(int udp_fd, int tcp_listener_fd, const routing::ServicePorts& ports,
                     const std::vector<endpoints::DnsZone>& zones, std::uint64_t& answered)
    : udp_fd_(udp_fd), tcp_fd_(tcp_listener_fd), ports_(ports), zones_(zones), answered_(answered) {}

const endpoints::DnsZone* DnsServer::zone_for(std::uint32_t local) const {
    const std::uint32_t vpc = ports_.resolver_vpc(local);
    return vpc < zones_.size() ? &zones_[vpc] : nullptr;
}

void DnsServer::on_udp_readable() {
    std::uint8_t query[4096];
    for (int budget = 0; budget < 64; ++budget) {
        PktinfoMessage in(query, sizeof query);
        const ssize_t n = ::recvmsg(udp_fd_, &in.msg, 0);
        if (n < 0) return;
        in_pktinfo info{};
        bool have_info = false;
        for (cmsghdr* c = CMSG_FIRSTHDR(&in.msg); c; c = CMSG_NXTHDR(&in.msg, c))
            if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                std::memcpy(&info, CMSG_DATA(c), sizeof info);
                have_info = true;
            }
        if (!have_info) continue;
        const endpoints::DnsZone* zone = zone_for(ntohl(info.ipi_addr.s_addr));
        if (!zone) continue;
        const auto reply = endpoints::answer_dns_query(wire::ConstBytes(query, static_cast<std::size_t>(n)), *zone);
        if (reply.empty()) continue;
        // Answer from the address the query was sent to, so the router maps the reply back to its VPC.
        PktinfoMessage out(const_cast<std::uint8_t*>(reply.data()), reply.size());
        out.peer = in.peer;
        cmsghdr* c = CMSG_FIRSTHDR(&out.msg);
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
        in_pktinfo from{};
        from.ipi_spec_dst = info.ipi_addr;
        std::memcpy(CMSG_DATA(c), &from, sizeof from);
        if (::sendmsg(udp_fd_, &out.msg, 0) > 0) ++answered_;
    }
}

std::vector<std::pair<int, std::size_t>> DnsServer::on_tcp_acceptable() {
    std::vector<std::pair<int, std::size_t>> added;
    while (true) {
        sockaddr_in local{};
        socklen_t len = sizeof local;
        const int fd = ::accept4(tcp_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return added;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0 || !zone_for(ntohl(local.sin_addr.s_addr))) {
            ::close(fd);
            continue;
        }
        // A free slot, else the oldest connection makes room (a resolver may close idle connections,
        // RFC 7766 §6.2.3).
        const std::size_t slot = free_or_oldest_slot(clients_);
        TcpClient& c = clients_[slot];
        c.fd = tap::UniqueFd(fd);
        c.vpc = ports_.resolver_vpc(ntohl(local.sin_addr.s_addr));
        c.buffer.clear();
        c.accepted_order = ++accepted_;
        added.emplace_back(fd, slot);
    }
}

void DnsServer::on_tcp_readable(std::size_t slot) {
    TcpClient& c = clients_[slot];
    std::uint8_t chunk[4096];
    // Up to 64 chunks per wakeup (a client streaming queries cannot keep the loop here); the rest stays in
    // the socket for the next one.
    for (int budget = 0; budget < 64; ++budget) {
        const ssize_t n = ::read(c.fd.get(), chunk, sizeof chunk);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return c.fd.reset();
        if (n < 0) return;
        c.buffer.insert(c.buffer.end(), chunk, chunk + n);
        // Each message is preceded by its two-byte length (RFC 1035 §4.2.2); answer every complete one,
        // then drop them from the buffer at once (not one by one: that would be quadratic in pipelined queries).
        std::size_t at = 0;
        while (c.buffer.size() - at >= 2) {
            const std::size_t len = (std::size_t{c.buffer[at]} << 8) | c.buffer[at + 1];
            if (c.buffer.size() - at < 2 + len) break;
            const auto reply = endpoints::answer_dns_query(wire::ConstBytes(c.buffer.data() + at + 2, len), zones_[c.vpc]);
            at += 2 + len;
            if (reply.empty()) continue;
            std::vector<std::uint8_t> framed{static_cast<std::uint8_t>(reply.size() >> 8), static_cast<std::uint8_t>(reply.size())};
            framed.insert(framed.end(), reply.begin(), reply.end());
            if (::send(c.fd.get(), framed.data(), framed.size(), MSG_NOSIGNAL | MSG_DONTWAIT) != static_cast<ssize_t>(framed.size()))
                return c.fd.reset();  // a client that does not read its answers is closed (RFC 7766 §6.2.3)
            ++answered_;
        }
        c.buffer.erase(c.buffer.begin(), c.buffer.begin() + static_cast<long>(at));
    }
}

}  // namespace vpclab::router
