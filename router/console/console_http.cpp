// Answering the console's requests: who may ask (host, origin, token), then the page, the map, the calls.
#include "router/console/console_http.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>

#include "router/aws_api/form_fields.hpp"
#include "router/aws_api/http_message.hpp"
#include "router/aws_api/stack_credentials.hpp"
#include "router/console/console_assets.hpp"
#include "router/console/map_render.hpp"
#include "router/control/control_api.hpp"
#include "router/control/control_request.hpp"
#include "endpoints/http_reason_phrase.hpp"

namespace vpclab::console {

namespace {

using json = nlohmann::ordered_json;

// Every reply: not cached (it shows the lab as it is now), not sniffed, no referrer sent anywhere (the token
// is in the page's address), and no script, style or connection from elsewhere.
std::string reply(int status, std::string_view type, std::string_view body) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + endpoints::http_reason_phrase(status) + "\r\n";
    out += "Content-Type: ";
    out += type;
    out += "\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\nX-Frame-Options: DENY\r\n"
           "Content-Security-Policy: default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'\r\n"
           "Server: vpclab\r\nConnection: close\r\n\r\n";
    out += body;
    return out;
}

std::string json_reply(int status, const json& body) {
    return reply(status, "application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string error_reply(int status, std::string_view code, std::string_view message) {
    return json_reply(status, {{"ok", false}, {"error", {{"Code", code}, {"Message", message}}}});
}

// Equal without telling by its time how much of the guess was right.
bool same_secret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char differ = 0;
    for (std::size_t i = 0; i < a.size(); ++i) differ |= static_cast<unsigned char>(a[i] ^ b[i]);
    return differ == 0;
}

std::string query_value(std::string_view query, std::string_view name) {
    std::vector<aws_api::FormField> fields;
    std::string error;
    if (!aws_api::decode_form(query, fields, error)) return {};
    for (const auto& f : fields)
        if (f.name == name) return f.value;
    return {};
}

// The page is this host's only: the Host header must be 127.0.0.1 or localhost at the console's port (a name
// of another site's, rebound to 127.0.0.1, is not), and a request a page made must come from the console's
// own origin.
bool host_allowed(const aws_api::HttpRequest& http, std::uint16_t port) {
    const std::string suffix = ":" + std::to_string(port);
    const std::string_view host = http.header("Host");
    if (host != "127.0.0.1" + suffix && host != "localhost" + suffix) return false;
    const std::string_view origin = http.header("Origin");
    return origin.empty() || origin == "http://127.0.0.1" + suffix || origin == "http://localhost" + suffix;
}

std::string page(const ConsoleAccess& access) {
    std::string html(console_html);
    for (std::size_t at = html.find("{{token}}"); at != std::string::npos; at = html.find("{{token}}", at + access.token.size()))
        html.replace(at, 9, access.token);
    return html;
}

std::string lab_summary(router::RouterState& state) {
    json reply = router::handle_control_request({{"Action", "Vpclab.ListLab"}}, state);
    if (!reply.value("ok", false)) return json_reply(500, reply);
    reply["result"]["Generation"] = state.generation;
    return json_reply(200, reply["result"]);
}

std::string call(std::string_view body, router::RouterState& state, const std::function<void()>& before_data_path) {
    if (router::json_nesting_depth(body, router::max_control_request_depth) > router::max_control_request_depth)
        return error_reply(400, "MalformedRequest", "the request nests too deep");
    const nlohmann::json request = nlohmann::json::parse(body, nullptr, false);
    if (request.is_discarded() || !request.is_object() || !request.contains("Action") || !request["Action"].is_string())
        return error_reply(400, "MalformedRequest", "the body must be a JSON object {\"Action\": …, \"Params\": {…}}");
    const std::string action = request["Action"];
    if (!console_may_call(action))
        return error_reply(403, "UnauthorizedOperation",
                           "the console makes only the reads its pages need, and " + action +
                               " is not one of them: use `vpclab ec2` or the aws CLI");
    before_data_path();  // counters, flow tables and logs are the forwarding workers' too
    nlohmann::json forwarded{{"Action", action}};
    if (request.contains("Params")) forwarded["Params"] = request["Params"];
    return json_reply(200, router::handle_control_request(forwarded, state));
}

// The map as SVG for the lab as it is: drawn once per generation however many browsers ask, when the caller
// keeps a cache (a 1,000-instance lab's takes about 11 ms to draw: micro_bench BM_ResourceMap_Svg).
std::string current_map_svg(const router::RouterState& state, MapCache* cache) {
    if (!cache) return render_svg(build_resource_map(*state.model));
    if (cache->svg.empty() || cache->generation != state.generation) {
        cache->svg = render_svg(build_resource_map(*state.model));
        cache->generation = state.generation;
    }
    return cache->svg;
}

std::string serve(std::string_view request, router::RouterState& state, const ConsoleAccess& access, const std::function<void()>& before_data_path) {
    aws_api::HttpRequest http;
    std::string error;
    if (!aws_api::parse_http_request(request, http, error)) return refuse_console_request(400, error);
    if (!host_allowed(http, access.port)) return reply(403, "text/plain; charset=utf-8", "the console answers only http://127.0.0.1:" + std::to_string(access.port) + "/\n");
    std::string token = query_value(http.query, "token");
    if (token.empty()) token = std::string(http.header("X-Vpclab-Token"));
    if (access.token.size() != 32 || !same_secret(token, access.token))  // no token made: nobody gets in
        return reply(403, "text/plain; charset=utf-8", "the console needs its token: open the address `vpclab console` prints\n");

    const std::string_view path = http.path;
    if (http.method == "POST") {
        if (path == "/api/call") return call(http.body, state, before_data_path);
        return error_reply(404, "NotFound", "no such call");
    }
    if (http.method != "GET") return reply(405, "text/plain; charset=utf-8", "GET or POST\n");
    if (path == "/" || path == "/index.html") return reply(200, "text/html; charset=utf-8", page(access));
    if (path == "/console.js") return reply(200, "text/javascript; charset=utf-8", console_js);
    if (path == "/console.css") return reply(200, "text/css; charset=utf-8", console_css);
    if (path == "/api/generation") return json_reply(200, {{"Generation", state.generation}});
    if (path == "/api/lab") return lab_summary(state);
    if (path == "/api/map.svg") return reply(200, "image/svg+xml; charset=utf-8", current_map_svg(state, access.map_cache));
    if (path == "/api/map.dot") return reply(200, "text/vnd.graphviz; charset=utf-8", render_dot(build_resource_map(*state.model)));
    if (path == "/api/map.txt") return reply(200, "text/plain; charset=utf-8", render_text(build_resource_map(*state.model)));
    return reply(404, "text/plain; charset=utf-8", "not found\n");
}

}  // namespace

std::string make_console_token() { return aws_api::random_text(32, "0123456789abcdef"); }

bool console_may_call(std::string_view action) {
    // Named one by one, not by prefix: a later action called Get… or Describe… is not let in by its name
    // alone. Not here: what would hand out a template or UserData (GetTemplate, DescribeInstanceAttribute),
    // or run the template loader (GetTemplateSummary).
    static constexpr std::string_view reads[] = {
        "DescribeVpcs", "DescribeSubnets", "DescribeRouteTables", "DescribeInternetGateways", "DescribeNatGateways", "DescribeVpcEndpoints",
        "DescribeSecurityGroups", "DescribeSecurityGroupRules", "DescribeNetworkAcls", "DescribeInstances", "DescribeNetworkInterfaces",
        "DescribeAddresses", "DescribeManagedPrefixLists", "DescribeVpcPeeringConnections", "DescribeTransitGateways",
        "DescribeTransitGatewayAttachments", "DescribeTransitGatewayRouteTables", "SearchTransitGatewayRoutes", "DescribeFlowLogs",
        "DescribeLoadBalancers", "DescribeListeners", "DescribeTargetGroups", "DescribeTargetHealth", "DescribeLogGroups", "FilterLogEvents",
        "Vpclab.ListLab", "Vpclab.Stats", "Vpclab.Trace"};
    return std::find(std::begin(reads), std::end(reads), action) != std::end(reads);
}

std::string refuse_console_request(int status, std::string_view reason) { return reply(status, "text/plain; charset=utf-8", std::string(reason) + "\n"); }

std::string serve_console_request(std::string_view request, router::RouterState& state, const ConsoleAccess& access,
                                  const std::function<void()>& before_data_path) noexcept {
    try {
        return serve(request, state, access, before_data_path);
    } catch (const std::exception& e) {
        spdlog::error("console: a request failed: {}", e.what());
    } catch (...) {
        spdlog::error("console: a request failed");
    }
    static constexpr std::string_view fallback =
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 15\r\nConnection: close\r\n\r\ninternal error\n";
    return std::string(fallback);
}

}  // namespace vpclab::console
