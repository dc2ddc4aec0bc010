// The instance metadata service's socket, served from the router's event loop: HTTP on port 80 in the
// resolver namespace. Which instance asked is told by the local address the router translated
// 169.254.169.254 to (169.254.k.254: VPC k) and the client's address (its private IP in that VPC); the
// answers are endpoints/instance_metadata's. Connections are bounded (the oldest makes room) and never
// waited on.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "endpoints/instance_metadata.hpp"
#include "router/router_state.hpp"
#include "tap/unique_fd.hpp"

namespace vpclab::router {

class MetadataServer {
public:
    static constexpr std::size_t max_clients = 64;
    static constexpr std::size_t max_request_bytes = 8192;

    MetadataServer(int listener_fd, RouterState& state) : listener_(listener_fd), state_(state) {}

    // Accepts pending connections; returns the new client fds with their slot, to watch for reading.
    std::vector<std::pair<int, std::size_t>> on_acceptable();
    // Reads a request; once its head is complete, answers it and closes the connection.
    void on_readable(std::size_t slot);

private:
    struct Client {
        tap::UniqueFd fd;
        std::string instance_id;
        std::string buffer;
        std::uint64_t accepted_order = 0;
        bool answered = false;  // the reply is sent; waiting for the client to close
    };
    // The instance whose ENI has `peer` in the VPC `local` (169.254.k.254) stands for, or "".
    std::string instance_asking(std::uint32_t local, std::uint32_t peer) const;

    int listener_;
    RouterState& state_;
    endpoints::MetadataTokens tokens_;
    std::array<Client, max_clients> clients_;
    std::uint64_t accepted_ = 0;
};

}  // namespace vpclab::router
