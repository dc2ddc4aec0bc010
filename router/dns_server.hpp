// The VPC resolver's sockets, served from the router's event loop: UDP and TCP port 53 in the resolver
// namespace. Which VPC asked is told by the local address the router translated the query to
// (169.254.k.2 / 169.254.k.253 for VPC k); answers come from that VPC's zone.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "endpoints/dns_zone.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "tap/unique_fd.hpp"

namespace vpclab::router {

class DnsServer {
public:
    static constexpr std::size_t max_tcp_clients = 64;

    // `answered` counts the responses sent (shown by `vpclab stats`).
    DnsServer(int udp_fd, int tcp_listener_fd, const routing::ServicePorts& ports, const std::vector<endpoints::DnsZone>& zones,
              std::uint64_t& answered);

    void on_udp_readable();
    // Accepts pending connections; returns the new client fds with their slot, to watch for reading.
    std::vector<std::pair<int, std::size_t>> on_tcp_acceptable();
    // Reads and answers what a TCP client sent; closes the connection when the client is done.
    void on_tcp_readable(std::size_t slot);

private:
    struct TcpClient {
        tap::UniqueFd fd;
        std::size_t vpc = 0;
        std::vector<std::uint8_t> buffer;
        std::uint64_t accepted_order = 0;
    };
    // The asking VPC's zone, from the local address the query arrived at, or nullptr.
    const endpoints::DnsZone* zone_for(std::uint32_t local_address) const;

    int udp_fd_, tcp_fd_;
    const routing::ServicePorts& ports_;
    const std::vector<endpoints::DnsZone>& zones_;
    std::uint64_t& answered_;
    std::array<TcpClient, max_tcp_clients> clients_;
    std::uint64_t accepted_ = 0;
};

}  // namespace vpclab::router
