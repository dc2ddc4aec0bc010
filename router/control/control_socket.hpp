// The router's control socket: a root-only Unix stream socket carrying one JSON request line and one JSON
// reply line. The router side is served by ControlServer (control_server.hpp); this is the socket and the client.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tap/unique_fd.hpp"

namespace vpclab::router {

// Binds and listens at `path` with mode 0600 (root only), non-blocking.
tap::UniqueFd listen_control_socket(const std::filesystem::path& path);

// Client side: sends `request` to the stack's router and returns its reply. Throws std::runtime_error
// naming the stack if the router cannot be reached.
// The reply keeps the order of its members (ordered_json), so `vpclab ec2` prints them as the aws CLI does.
nlohmann::ordered_json call_router(const std::filesystem::path& socket_path, const nlohmann::json& request);

}  // namespace vpclab::router
