// The router's control socket: a root-only Unix stream socket carrying one JSON request and one JSON reply.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tap/unique_fd.hpp"

namespace vpclab::router {

// Binds and listens at `path` with mode 0600 (root only), non-blocking.
tap::UniqueFd listen_control_socket(const std::filesystem::path& path);

// Serves one accepted connection: reads a request line, calls `handle`, writes the reply, closes.
// A client that sends nothing within a second is dropped, so a stuck client cannot stall the router.
template <class Handler>
void serve_control_connection(int client_fd, Handler&& handle);

// Client side: sends `request` to the stack's router and returns its reply. Throws std::runtime_error
// naming the stack if the router cannot be reached.
nlohmann::json call_router(const std::filesystem::path& socket_path, const nlohmann::json& request);

// Implementation details shared with the template above.
std::string read_request_line(int fd);
void write_all(int fd, const std::string& data);

template <class Handler>
void serve_control_connection(int client_fd, Handler&& handle) {
    tap::UniqueFd client(client_fd);
    nlohmann::json reply;
    try {
        const std::string line = read_request_line(client.get());
        reply = handle(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception& e) {
        reply = {{"ok", false}, {"error", {{"Code", "MalformedRequest"}, {"Message", e.what()}}}};
    } catch (const std::exception& e) {
        reply = {{"ok", false}, {"error", {{"Code", "InternalError"}, {"Message", e.what()}}}};
    }
    try {
        write_all(client.get(), reply.dump() + "\n");
    } catch (const std::exception&) {
        // The client went away; nothing to tell it.
    }
}

}  // namespace vpclab::router
