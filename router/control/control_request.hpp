// One control request line in, one reply line out: the bounds every request passes before it is parsed
// (size, nesting depth), the parse, the dispatch, and a reply that always serialises. Never throws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "router/control/control_server.hpp"
#include "router/router_state.hpp"

namespace vpclab::router {

// Deeper JSON than this is refused before parsing: the deepest valid request (a filter's values) is 4 levels,
// and nlohmann::json copies and prints recursively, so depth must never reach the stack's limit.
constexpr std::size_t max_control_request_depth = 32;

// The deepest nesting of JSON arrays and objects in `text` (brackets inside strings are not counted),
// scanning no further than one level past `limit`. Works on any bytes, valid JSON or not.
std::size_t json_nesting_depth(std::string_view text, std::size_t limit) noexcept;

// Serves one request (without its newline): {"Action": …, "Params": {…}}. Returns the reply JSON text with
// a trailing newline: {"ok": true, "result": …} or {"ok": false, "error": {"Code": …, "Message": …}}.
// Malformed requests get Code MalformedRequest; invalid UTF-8 anywhere is replaced in the reply, never thrown.
std::string serve_control_line(std::string_view line, RouterState& state) noexcept;

}  // namespace vpclab::router
