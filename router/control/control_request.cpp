// Bounds, parsing and serialisation around the control API's dispatch.
#include "router/control/control_request.hpp"

#include <nlohmann/json.hpp>

#include "router/control/control_api.hpp"

namespace vpclab::router {

using nlohmann::json;

std::size_t json_nesting_depth(std::string_view text, std::size_t limit) noexcept {
    std::size_t depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
            if (deepest > limit) return deepest;
        } else if ((c == ']' || c == '}') && depth > 0) --depth;
    }
    return deepest;
}

namespace {

nlohmann::ordered_json error_reply(const char* code, const std::string& message) {
    return {{"ok", false}, {"error", {{"Code", code}, {"Message", message}}}};
}

// Invalid UTF-8 (e.g. echoed from a request) becomes U+FFFD instead of throwing from dump().
std::string serialise(const nlohmann::ordered_json& reply) {
    return reply.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string serve_control_line(std::string_view line, RouterState& state) noexcept {
    try {
        if (line.size() > max_control_request_bytes)
            return serialise(error_reply("MalformedRequest", "request larger than " + std::to_string(max_control_request_bytes) + " bytes"));
        if (json_nesting_depth(line, max_control_request_depth) > max_control_request_depth)
            return serialise(error_reply("MalformedRequest", "request JSON is nested deeper than " +
                                                                 std::to_string(max_control_request_depth) + " levels"));
        json request;
        try {
            request = json::parse(line);
        } catch (const json::parse_error& e) {
            return serialise(error_reply("MalformedRequest", std::string("request is not valid JSON: ") + e.what()));
        }
        if (!request.is_object()) return serialise(error_reply("MalformedRequest", "request must be a JSON object"));
        return serialise(handle_control_request(request, state));
    } catch (const std::exception& e) {
        try {
            return serialise(error_reply("InternalError", e.what()));
        } catch (...) {
        }
    } catch (...) {
    }
    return "{\"ok\":false,\"error\":{\"Code\":\"InternalError\",\"Message\":\"out of memory\"}}\n";
}

}  // namespace vpclab::router
