// The lab's web console over HTTP: the page and its files (embedded in the binary), the resource map, and
// read-only calls to the control API, for one browser on this host. Only 127.0.0.1 listens (the event loop
// opens it so); a request must name the host as 127.0.0.1 or localhost with the console's port (a page of
// another site cannot reach it by DNS rebinding) and carry the lab's console token (the query's token=, or
// the X-Vpclab-Token header the page's script sends); anything else is answered 403 and served nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "router/router_state.hpp"

namespace vpclab::console {

// Largest request body taken: a control call's JSON (the page sends a few hundred bytes).
constexpr std::size_t max_console_body_bytes = 64 * 1024;

// The map last drawn, and the model generation it shows.
struct MapCache {
    std::uint64_t generation = 0;
    std::string svg;
};

struct ConsoleAccess {
    std::string token;        // 32 hex digits from getrandom(2), made when the router starts
    std::uint16_t port = 0;   // the listener's, on 127.0.0.1
    MapCache* map_cache = nullptr;  // the server's (none: drawn for each request)
};
// A console token: 32 hex digits from getrandom(2).
std::string make_console_token();

// Whether the console lets a page call this action: reads only (Describe…, Get…, Search…, FilterLogEvents,
// and vpclab's listing, counters and trace's dry run), so that nothing changes the lab behind the API's back.
bool console_may_call(std::string_view action);

// One whole request (as aws_api::http_request_extent cut it) answered. Never throws: what would have is
// answered 500. `before_data_path` is called (once) before a call that reads what forwarding workers write
// (counters, flow tables, logs): the event loop pauses its second worker then, and only then (the page, the
// map and refusals read the model alone, which only the loop's thread changes).
std::string serve_console_request(std::string_view request, router::RouterState& state, const ConsoleAccess& access,
                                  const std::function<void()>& before_data_path = [] {}) noexcept;

// The reply to a request http_request_extent refused (too large, not HTTP).
std::string refuse_console_request(int status, std::string_view reason);

}  // namespace vpclab::console
