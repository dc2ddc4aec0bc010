// The resource map (`vpclab diagram`, the console's map) and the console's HTTP front: the seed labs' graphs
// against expected ones, the SVG's layout (children inside parents, siblings apart), escaping, and who the
// console lets in and what it lets them do.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "router/console/console_http.hpp"
#include "router/console/map_render.hpp"
#include "router/control/control_api.hpp"
#include "router/control/ec2_actions.hpp"
#include "tests/unit/expected_output.hpp"
#include "tests/unit/seed_lab_state.hpp"

using namespace vpclab;
using namespace vpclab::console;

namespace {

using test::check_expected;

struct Rect {
    int x, y, w, h;
    bool inside(const Rect& o) const { return x >= o.x && y >= o.y && x + w <= o.x + o.w && y + h <= o.y + o.h; }
    bool overlaps(const Rect& o) const { return x < o.x + o.w && o.x < x + w && y < o.y + o.h && o.y < y + h; }
};

struct DrawnNode {
    std::string kind, ids;
    Rect rect;
    int parent = -1;  // index of the enclosing node's element
};

// The SVG's nodes with their first rect and the node element they sit in (a small reader of our own output:
// elements are `<g class="node kind-…" data-ids="…">`, then `<title>…</title><rect x=… y=… width=… height=…`).
std::vector<DrawnNode> drawn_nodes(const std::string& svg) {
    std::vector<DrawnNode> nodes;
    std::vector<int> open;  // node indices of the <g class="node"> elements now open (-1: another <g>)
    static const std::regex tag(R"re(<g class="node kind-([a-z_]+)" data-ids="([^"]*)">|<g[ >]|</g>|<rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)")re");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), tag); it != std::sregex_iterator(); ++it) {
        const std::smatch& m = *it;
        if (m[1].matched) {
            int parent = -1;
            for (auto o = open.rbegin(); o != open.rend(); ++o)
                if (*o >= 0) {
                    parent = *o;
                    break;
                }
            nodes.push_back({m[1], m[2], {-1, -1, 0, 0}, parent});
            open.push_back(static_cast<int>(nodes.size()) - 1);
        } else if (m.str() == "</g>") {
            REQUIRE(!open.empty());
            open.pop_back();
        } else if (m[3].matched) {
            if (!open.empty() && open.back() >= 0 && nodes[static_cast<std::size_t>(open.back())].rect.x < 0)
                nodes[static_cast<std::size_t>(open.back())].rect = {std::stoi(m[3]), std::stoi(m[4]), std::stoi(m[5]), std::stoi(m[6])};
        } else {
            open.push_back(-1);
        }
    }
    CHECK(open.empty());  // every element closed
    return nodes;
}

// What a layout must hold: each node drawn, inside the node it belongs to, apart from its siblings.
void check_layout(const std::string& svg) {
    const auto nodes = drawn_nodes(svg);
    REQUIRE(!nodes.empty());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto& n = nodes[i];
        INFO(n.kind << " " << n.ids);
        CHECK(n.rect.x >= 0);
        CHECK(n.rect.w > 0);
        CHECK(n.rect.h > 0);
        if (n.parent >= 0) CHECK(n.rect.inside(nodes[static_cast<std::size_t>(n.parent)].rect));
        for (std::size_t j = i + 1; j < nodes.size(); ++j)
            if (nodes[j].parent == n.parent) {
                INFO("and " << nodes[j].kind << " " << nodes[j].ids);
                CHECK_FALSE(n.rect.overlaps(nodes[j].rect));
            }
    }
}

struct ConsoleLab {
    router::RouterState state;
    router::FlowState flows{256, 4096};  // what a trace's dry run copies
    ConsoleAccess access{"0123456789abcdef0123456789abcdef", 8123};
    explicit ConsoleLab(const char* file = "endpoints-lab.yaml") {
        test::load_seed_lab(state, file, "jh-test");
        state.flows = &flows;
        state.console_port = access.port;
        state.console_token = access.token;
    }
    std::string get(const std::string& target, const std::string& extra_headers = "Host: 127.0.0.1:8123\r\n") {
        return serve_console_request("GET " + target + " HTTP/1.1\r\n" + extra_headers + "\r\n", state, access);
    }
    std::string post(const std::string& target, const std::string& body, const std::string& token_header = "X-Vpclab-Token: 0123456789abcdef0123456789abcdef\r\n") {
        return serve_console_request("POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1:8123\r\n" + token_header +
                                         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body,
                                     state, access);
    }
};

int status_of(const std::string& reply) { return reply.size() > 12 ? std::stoi(reply.substr(9, 3)) : 0; }
std::string body_of(const std::string& reply) {
    const auto at = reply.find("\r\n\r\n");
    return at == std::string::npos ? std::string() : reply.substr(at + 4);
}

}  // namespace

TEST_CASE("the seed labs' maps: dot and text as expected, every subnet and instance drawn, the SVG laid out") {
    for (const char* file : {"endpoints-lab.yaml", "privatelink-lab.yaml"}) {
        INFO(file);
        router::RouterState state;
        test::load_seed_lab(state, file, "jh-test");
        const ResourceMap map = build_resource_map(*state.model);
        const std::string stem = std::string(file).substr(0, std::string(file).size() - 5);
        check_expected(stem + ".dot", render_dot(map));
        check_expected(stem + ".txt", render_text(map));
        const std::string svg = render_svg(map);
        check_layout(svg);
        for (const auto& s : state.model->subnets()) {
            CHECK(svg.find("data-ids=\"" + s.id) != std::string::npos);
            CHECK(svg.find(s.display_name()) != std::string::npos);
        }
        for (const auto& i : state.model->instances()) CHECK(svg.find("data-ids=\"" + i.id) != std::string::npos);
        // Every route of every table is a row a trace can mark, and every edge's ends are drawn.
        for (const auto& t : state.model->route_tables())
            for (const auto& r : t.routes) CHECK(svg.find("data-ids=\"" + t.id + "|" + r.destination_text() + "\"") != std::string::npos);
        for (const auto& e : map.edges) {
            CHECK(map.find(e.from) != nullptr);
            CHECK(map.find(e.to) != nullptr);
        }
    }
}

TEST_CASE("the map of the first seed lab: what the blog draws") {
    router::RouterState state;
    test::load_seed_lab(state, "endpoints-lab.yaml", "jh-test");
    const ResourceMap map = build_resource_map(*state.model);
    const routing::VpcModel& m = *state.model;
    // Each subnet inside its zone inside the VPC; each instance inside its subnet; its table associated.
    for (const auto& s : m.subnets()) {
        const MapNode* node = map.find(s.id);
        REQUIRE(node != nullptr);
        CHECK(node->parent == s.vpc_id + "/" + s.availability_zone);
        CHECK(map.find(node->parent)->parent == s.vpc_id);
        const std::string table = m.effective_route_table(s).id;
        CHECK(std::any_of(map.edges.begin(), map.edges.end(),
                          [&](const MapEdge& e) { return e.kind == MapEdgeKind::association && e.from == s.id && e.to == table; }));
    }
    for (const auto& i : m.instances()) CHECK(map.find(i.id)->parent == m.network_interface(i.network_interface_ids.front()).subnet_id);
    // The public table's default route leads to the internet gateway, and the gateway to the region.
    const auto& igw = m.internet_gateways().front();
    CHECK(std::any_of(map.edges.begin(), map.edges.end(), [&](const MapEdge& e) { return e.kind == MapEdgeKind::route && e.to == igw.id && e.label == "0.0.0.0/0"; }));
    CHECK(std::any_of(map.edges.begin(), map.edges.end(), [&](const MapEdge& e) { return e.from == igw.id && e.to == "region"; }));
}

TEST_CASE("the map follows the API: a gateway endpoint's route appears, the console's generation grows") {
    router::RouterState state;
    test::load_seed_lab(state, "endpoints-lab.yaml", "jh-test");
    const std::uint64_t before = state.generation;
    const auto count_routes_to = [&](const std::string& target) {
        const ResourceMap map = build_resource_map(*state.model);
        return std::count_if(map.edges.begin(), map.edges.end(), [&](const MapEdge& e) { return e.to == target; });
    };
    std::vector<std::string> tables;
    for (const auto& t : state.model->route_tables()) tables.push_back(t.id);
    const auto reply = router::handle_control_request(
        {{"Action", "CreateVpcEndpoint"},
         {"Params", {{"VpcId", state.model->vpcs().front().id}, {"ServiceName", "com.amazonaws.ap-northeast-2.s3"}, {"RouteTableIds", tables}}}},
        state);
    REQUIRE(reply["ok"] == true);
    const std::string endpoint = reply["result"]["VpcEndpoint"]["VpcEndpointId"];
    CHECK(state.generation > before);
    CHECK(count_routes_to(endpoint) == static_cast<long>(tables.size()));
    CHECK(render_text(build_resource_map(*state.model)).find("Gateway endpoint") != std::string::npos);
}

TEST_CASE("names are escaped in every format") {
    router::RouterState state;
    test::load_seed_lab(state, "endpoints-lab.yaml", "jh-test");
    const std::string vpc = state.model->vpcs().front().id;
    const std::string hostile = "<script>alert(\"x\")</script> & 'q' \\ \x01\x1b[31m\nline";
    REQUIRE(router::handle_control_request({{"Action", "CreateTags"}, {"Params", {{"Resources", {vpc}}, {"Tags", {{{"Key", "Name"}, {"Value", hostile}}}}}}}, state)["ok"] == true);
    const ResourceMap map = build_resource_map(*state.model);
    const std::string svg = render_svg(map);
    CHECK(svg.find("<script") == std::string::npos);
    CHECK(svg.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;q&apos;") != std::string::npos);
    CHECK(svg.find('\x01') == std::string::npos);
    check_layout(svg);
    // A node's <title> keeps its lines; a box's text is one line.
    CHECK(svg.find("&apos;q&apos; \\ \xEF\xBF\xBD\xEF\xBF\xBD[31m\nline\n" + vpc + "\n") != std::string::npos);  // U+FFFD for each control
    // The terminal gets no escape sequence and no broken line.
    const std::string text = render_text(map);
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find("VPC <script>alert(\"x\")</script> & 'q' \\   [31m line · " + vpc) != std::string::npos);
    const std::string dot = render_dot(map);
    CHECK(dot.find("label=\"<script>alert(\\\"x\\\")</script> & 'q' \\\\") != std::string::npos);
}

TEST_CASE("a long name is cut to its box in the SVG, whole in its title") {
    router::RouterState state;
    test::load_seed_lab(state, "endpoints-lab.yaml", "jh-test");
    const std::string subnet = state.model->subnets().front().id;
    const std::string long_name(250, 'n');  // AWS's tag values are at most 256 characters
    REQUIRE(router::handle_control_request({{"Action", "CreateTags"}, {"Params", {{"Resources", {subnet}}, {"Tags", {{{"Key", "Name"}, {"Value", long_name}}}}}}}, state)["ok"] == true);
    const std::string svg = render_svg(build_resource_map(*state.model));
    CHECK(svg.find("<title>" + long_name) != std::string::npos);
    CHECK(svg.find(std::string(80, 'n') + "…</text>") == std::string::npos);  // cut well before 80 characters
    CHECK(svg.find("n…</text>") != std::string::npos);
    check_layout(svg);
}

TEST_CASE("the transit gateway lab: three VPCs, one band each, the gateway shared") {
    router::RouterState state;
    test::load_seed_lab(state, "transit-gateway-lab.yaml", "tgw");
    const ResourceMap map = build_resource_map(*state.model);
    const std::string svg = render_svg(map);
    check_layout(svg);
    const auto& gw = state.model->transit_gateways().front();
    CHECK(map.find(gw.id)->parent.empty());
    CHECK(std::count_if(map.edges.begin(), map.edges.end(), [&](const MapEdge& e) { return e.kind == MapEdgeKind::attachment && e.from == gw.id; }) ==
          static_cast<long>(state.model->vpcs().size()));
    CHECK(render_text(map).find("blackhole") != std::string::npos);
}

TEST_CASE("the console lets in only its token, on 127.0.0.1 or localhost at its port") {
    ConsoleLab lab;
    CHECK(status_of(lab.get("/")) == 403);
    CHECK(status_of(lab.get("/?token=0123456789abcdef0123456789abcdee")) == 403);  // one digit off
    CHECK(status_of(lab.get("/?token=0123456789abcdef")) == 403);                  // a prefix
    CHECK(status_of(lab.get("/api/map.svg")) == 403);
    CHECK(status_of(lab.get("/api/lab", "Host: 127.0.0.1:8123\r\nX-Vpclab-Token: wrong\r\n")) == 403);
    // Another host name (DNS rebinding), another port, another origin: refused with the right token too.
    CHECK(status_of(lab.get("/?token=" + lab.access.token, "Host: attacker.example:8123\r\n")) == 403);
    CHECK(status_of(lab.get("/?token=" + lab.access.token, "Host: 127.0.0.1:8124\r\n")) == 403);
    CHECK(status_of(lab.get("/?token=" + lab.access.token, "Host: 127.0.0.1:8123\r\nOrigin: http://attacker.example\r\n")) == 403);
    CHECK(body_of(lab.get("/")).find("token") != std::string::npos);  // says what is missing

    const std::string page = lab.get("/?token=" + lab.access.token);
    CHECK(status_of(page) == 200);
    CHECK(page.find("Content-Type: text/html") != std::string::npos);
    CHECK(page.find("Cache-Control: no-store") != std::string::npos);
    CHECK(body_of(page).find("{{token}}") == std::string::npos);
    CHECK(body_of(page).find(lab.access.token) != std::string::npos);
    CHECK(status_of(lab.get("/?token=" + lab.access.token, "Host: localhost:8123\r\n")) == 200);
    const std::string headers = "Host: 127.0.0.1:8123\r\nX-Vpclab-Token: " + lab.access.token + "\r\n";
    CHECK(status_of(lab.get("/console.js", headers)) == 200);
    CHECK(status_of(lab.get("/console.css", headers)) == 200);
    const std::string svg = lab.get("/api/map.svg", headers);
    CHECK(svg.find("Content-Type: image/svg+xml") != std::string::npos);
    CHECK(body_of(svg) == render_svg(build_resource_map(*lab.state.model)));
    // Drawn once per generation when the server keeps a cache, and again once the lab changes.
    MapCache cache;
    lab.access.map_cache = &cache;
    CHECK(body_of(lab.get("/api/map.svg", headers)) == body_of(svg));
    CHECK(cache.generation == lab.state.generation);
    cache.svg = "<svg>stale</svg>";
    CHECK(body_of(lab.get("/api/map.svg", headers)) == "<svg>stale</svg>");  // the same generation: not drawn again
    REQUIRE(router::handle_control_request({{"Action", "CreateTags"}, {"Params", {{"Resources", {lab.state.model->vpcs().front().id}},
                                                                                  {"Tags", {{{"Key", "Name"}, {"Value", "renamed"}}}}}}},
                                           lab.state)["ok"] == true);
    const std::string redrawn = body_of(lab.get("/api/map.svg", headers));
    CHECK(redrawn == render_svg(build_resource_map(*lab.state.model)));
    CHECK(redrawn.find(">renamed<") != std::string::npos);
    const auto lab_json = nlohmann::json::parse(body_of(lab.get("/api/lab", headers)));
    CHECK(lab_json["StackName"] == "jh-test");
    CHECK(lab_json["Generation"] == lab.state.generation);
    CHECK(lab_json["Instances"].size() == lab.state.plan.instances.size());
    CHECK(status_of(lab.get("/nothing", headers)) == 404);
    CHECK(status_of(lab.get("/api/map.dot", headers)) == 200);
}

TEST_CASE("the console reads the lab through the API and changes nothing") {
    ConsoleLab lab;
    const auto described = nlohmann::json::parse(body_of(lab.post("/api/call", R"({"Action":"DescribeVpcs","Params":{}})")));
    CHECK(described["ok"] == true);
    CHECK(described["result"]["Vpcs"].size() == lab.state.model->vpcs().size());
    const auto traced = nlohmann::json::parse(body_of(lab.post(
        "/api/call", R"({"Action":"Vpclab.Trace","Params":{"Source":"jh-test-Private-EC2","Destination":"s3.ap-northeast-2.amazonaws.com","Protocol":"icmp"}})")));
    INFO(traced.dump());
    REQUIRE(traced["ok"] == true);
    CHECK(traced["result"]["Delivered"] == false);
    CHECK(traced["result"]["Forward"]["DropReason"] == "no_route");

    // A call that would change the lab is refused by name, and the lab is as it was.
    const std::uint64_t generation = lab.state.generation;
    const std::size_t vpcs = lab.state.model->vpcs().size();
    for (const char* body : {R"({"Action":"CreateVpc","Params":{"CidrBlock":"10.99.0.0/16"}})", R"({"Action":"Vpclab.Shutdown"})",
                             R"({"Action":"Vpclab.TraceLiveStart","Params":{"Source":"jh-test-Private-EC2"}})", R"({"Action":"Describe"})"}) {
        INFO(body);
        const std::string reply = lab.post("/api/call", body);
        CHECK(status_of(reply) == 403);
        CHECK(nlohmann::json::parse(body_of(reply))["error"]["Code"] == "UnauthorizedOperation");
    }
    CHECK(lab.state.generation == generation);
    CHECK(lab.state.model->vpcs().size() == vpcs);
    CHECK_FALSE(lab.state.shutdown_requested);
    CHECK(status_of(lab.post("/api/call", "not json")) == 400);
    CHECK(status_of(lab.post("/api/call", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[")) == 400);
    CHECK(status_of(lab.post("/api/call", R"({"Action":"DescribeVpcs"})", "")) == 403);  // the token, for posts too
    CHECK(lab.state.generation == generation);
}

TEST_CASE("console_may_call: the reads the page makes, by name") {
    for (const char* read : {"DescribeInstances", "DescribeTargetHealth", "SearchTransitGatewayRoutes", "FilterLogEvents", "Vpclab.Stats", "Vpclab.Trace",
                             "Vpclab.ListLab"})
        CHECK(console_may_call(read));
    // Changes, vpclab's own controls, and reads that hand out a template or UserData or run the template loader.
    for (const char* refused : {"CreateRoute", "AuthorizeSecurityGroupIngress", "Vpclab.Shutdown", "Vpclab.Console", "Vpclab.TraceLiveStart",
                                "Vpclab.CaptureStart", "Describe", "Get", "StartNetworkInsightsAnalysis", "DeleteVpc", "GetTemplate",
                                "GetTemplateSummary", "DescribeInstanceAttribute", "DescribeVpcsAndDeleteThem"})
        CHECK_FALSE(console_may_call(refused));
}

TEST_CASE("every call the console lets through changes nothing") {
    ConsoleLab lab;
    const std::uint64_t generation = lab.state.generation;
    const std::string before = render_dot(build_resource_map(*lab.state.model));
    const std::size_t flows = lab.flows.connections.table.size();
    std::size_t answered = 0;
    for (const auto& spec : router::ec2_actions()) {
        if (!console_may_call(spec.action)) continue;
        INFO(spec.action);
        const std::string reply = lab.post("/api/call", nlohmann::json{{"Action", spec.action}, {"Params", nlohmann::json::object()}}.dump());
        CHECK((status_of(reply) == 200));
        answered += nlohmann::json::parse(body_of(reply)).value("ok", false);
    }
    CHECK(answered >= 20);  // most answer without parameters (a few need one: DescribeTargetHealth, FilterLogEvents)
    CHECK(lab.state.generation == generation);
    CHECK(render_dot(build_resource_map(*lab.state.model)) == before);
    CHECK(lab.flows.connections.table.size() == flows);
}

TEST_CASE("a console without a token lets nobody in") {
    ConsoleLab lab;
    lab.access.token.clear();
    CHECK(status_of(lab.get("/?token=")) == 403);
    CHECK(status_of(lab.get("/")) == 403);
}

TEST_CASE("Vpclab.Diagram: the three formats, and a format it does not draw refused by name") {
    router::RouterState state;
    test::load_seed_lab(state, "endpoints-lab.yaml", "jh-test");
    const auto map = build_resource_map(*state.model);
    const auto diagram = [&](const nlohmann::json& params) { return router::handle_control_request({{"Action", "Vpclab.Diagram"}, {"Params", params}}, state); };
    CHECK(diagram(nlohmann::json::object())["result"]["Diagram"] == render_text(map));
    CHECK(diagram({{"Format", "dot"}})["result"]["Diagram"] == render_dot(map));
    CHECK(diagram({{"Format", "svg"}})["result"]["Diagram"] == render_svg(map));
    for (const nlohmann::json& bad : {nlohmann::json{{"Format", "png"}}, nlohmann::json{{"Format", 5}}}) {
        const auto reply = diagram(bad);
        CHECK(reply["ok"] == false);
        CHECK(reply["error"]["Code"] == "InvalidParameterValue");
    }
    CHECK(make_console_token().size() == 32);
    CHECK(make_console_token() != make_console_token());
}
