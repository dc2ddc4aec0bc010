// The control plane's front door: request bounds (size, nesting depth), parsing and error replies, and the
// non-blocking ControlServer driven over real Unix sockets: idle, dripping, flooding and non-reading
// clients never hold up another client's request.
#include <doctest/doctest.h>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "router/aws_api/endpoint_listener.hpp"
#include "router/control/control_request.hpp"
#include "router/control/control_server.hpp"
#include "router/control/describe_filters.hpp"
#include "router/control/ec2_actions.hpp"
#include "router/template/template_loader.hpp"
#include "router/control/control_socket.hpp"
#include "tests/unit/pipeline_lab.hpp"

using namespace vpclab;
using namespace vpclab::router;
using nlohmann::json;

namespace {

// A RouterState over the pipeline lab, as the router builds one (no namespaces, no fds).
struct State {
    RouterState state;
    routing::PortIndex priv_port = 0;  // the first private instance's
    State() {
        test::PipelineLab lab;
        state.model = std::make_unique<routing::VpcModel>(std::move(lab.m));
        state.catalog = std::make_unique<endpoints::RegionCatalog>("ap-northeast-2", endpoints::PublicAddressPlan{});
        state.model->offer_services(state.catalog->service_offers());  // as the router offers them
        state.service_ports = lab.sp;
        priv_port = lab.priv_host;
        state.recompile();
    }
};

json reply_to(RouterState& s, std::string_view line) {
    const std::string text = serve_control_line(line, s);
    REQUIRE(!text.empty());
    REQUIRE(text.back() == '\n');
    return json::parse(text);
}

std::string nested(std::size_t depth) {
    return R"({"Action":"DescribeVpcs","Params":{"Filters":)" + std::string(depth, '[') + std::string(depth, ']') + "}}";
}

}  // namespace

TEST_CASE("json_nesting_depth counts brackets outside strings, and stops past its limit") {
    CHECK(json_nesting_depth("", 32) == 0);
    CHECK(json_nesting_depth(R"({"a":[1,{"b":[]}]})", 32) == 4);
    CHECK(json_nesting_depth(R"({"a":"[[[[[[\"[[["})", 32) == 1);  // brackets and escaped quotes inside a string
    CHECK(json_nesting_depth("]]]]{", 32) == 1);                   // unbalanced garbage never underflows
    CHECK(json_nesting_depth(std::string(150000, '['), 32) == 33);
}

TEST_CASE("regression: a request nested 150,000 levels deep is refused, and the router's state is unchanged") {
    State s;
    const auto before = reply_to(s.state, R"({"Action":"DescribeRouteTables"})");
    const auto r = reply_to(s.state, nested(150000));
    CHECK(r["ok"] == false);
    CHECK(r["error"]["Code"] == "MalformedRequest");
    CHECK(r["error"]["Message"].get<std::string>().find("nested deeper than 32") != std::string::npos);
    CHECK(reply_to(s.state, R"({"Action":"DescribeRouteTables"})") == before);
    // Depth within the bound is parsed and answered as the API would (here: a misshapen filter).
    const auto shallow = reply_to(s.state, nested(20));
    CHECK(shallow["error"]["Code"] == "InvalidParameterValue");
}

TEST_CASE("malformed requests get MalformedRequest or the API's error, never an internal error") {
    State s;
    struct Case {
        std::string line;
        const char* code;
    };
    const Case cases[] = {
        {"not json", "MalformedRequest"},
        {"[1,2,3]", "MalformedRequest"},
        {R"({"Params":{}})", "MalformedRequest"},
        {R"({"Action":7})", "MalformedRequest"},
        {std::string(R"({"Action":"DescribeVpcs","Params":{"VpcIds":[")") + "\xff\xfe" + R"("]}})", "MalformedRequest"},
        {R"({"Action":"DescribeVpcs","Params":{"Filters":[1,2]}})", "InvalidParameterValue"},
        {R"({"Action":"DescribeVpcs","Params":{"Filters":[{"Name":5,"Values":["x"]}]}})", "InvalidParameterValue"},
        {R"({"Action":"DescribeVpcs","Params":{"Filters":[{"Name":"vpc-id","Values":[1]}]}})", "InvalidParameterValue"},
        {R"({"Action":"DescribeVpcs","Params":{"Filters":[{"Name":"vpc-id","Values":"x"}]}})", "InvalidParameterValue"},
        {R"({"Action":"DescribeVpcs","Params":{"Filters":[{"Name":"vpc-id","Values":[],"Extra":1}]}})", "InvalidParameterValue"},
        {R"({"Action":"DescribeVpcs","Params":{"VpcIds":[{"a":1}]}})", "InvalidParameterValue"},
        {R"({"Action":"DescribeVpcs","Params":[]})", "InvalidParameterValue"},
        {R"({"Action":"NoSuchAction"})", "InvalidAction"},
    };
    for (const auto& k : cases) {
        CAPTURE(k.line);
        const auto r = reply_to(s.state, k.line);
        CHECK(r["ok"] == false);
        CHECK(r["error"]["Code"] == k.code);
    }
    CHECK(reply_to(s.state, std::string(ControlServer::Limits{}.request_bytes + 10, ' '))["error"]["Code"] == "MalformedRequest");

    // EC2's filter limits (50 filters, 200 values each) also bound what one describe call costs the loop.
    json many = {{"Action", "DescribeVpcs"}, {"Params", {{"Filters", json::array()}}}};
    for (int i = 0; i < 51; ++i) many["Params"]["Filters"].push_back({{"Name", "vpc-id"}, {"Values", {"vpc-1"}}});
    CHECK(reply_to(s.state, many.dump())["error"]["Code"] == "FilterLimitExceeded");
    many["Params"]["Filters"] = json::array({{{"Name", "vpc-id"}, {"Values", json::array()}}});
    for (int i = 0; i < 201; ++i) many["Params"]["Filters"][0]["Values"].push_back("vpc-" + std::to_string(i));
    CHECK(reply_to(s.state, many.dump())["error"]["Code"] == "FilterLimitExceeded");
    many["Params"]["Filters"][0]["Values"].erase(200);
    CHECK(reply_to(s.state, many.dump())["ok"] == true);
}

TEST_CASE("an error reply echoes a non-ASCII ID as valid JSON") {
    State s;
    const auto r = reply_to(s.state, std::string(R"({"Action":"DescribeVpcs","Params":{"VpcIds":["vpc-)") + "\\u00ff" + R"("]}})");
    CHECK(r["error"]["Code"] == "InvalidVpcID.NotFound");
}

// ---- ControlServer over real sockets ----

namespace {

// What the server sent so far, and whether it closed the connection.
struct Received {
    std::string data;
    bool closed = false;
};
Received receive(int fd) {
    Received r;
    char buf[65536];
    while (true) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) r.data.append(buf, static_cast<std::size_t>(n));
        else {
            r.closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
            return r;
        }
    }
}


class ServerRig {
public:
    explicit ServerRig(ControlServer::Limits limits)
        : dir_(std::filesystem::temp_directory_path() / ("vpclab-control-test-" + std::to_string(::getpid()))),
          epoll_(::epoll_create1(EPOLL_CLOEXEC)),
          server_(make_listener(), epoll_.get(), 100, [this](std::string_view line) { return handle(line); }, limits) {}
    ~ServerRig() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    // One pass of the router's loop: wait up to `ms` for events (or the next deadline), serve them.
    void turn(int ms = 20) {
        epoll_event events[16];
        const int n = ::epoll_wait(epoll_.get(), events, 16, ms);
        server_.expire(ControlServer::Clock::now());
        for (int i = 0; i < n; ++i) {
            REQUIRE(server_.owns_tag(events[i].data.u64));
            server_.on_event(events[i].data.u64, events[i].events, ControlServer::Clock::now());
        }
    }
    // Runs the loop until `done` or `seconds` pass; returns whether done.
    template <class Done>
    bool run_until(Done done, double seconds = 5) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        while (!done()) {
            if (std::chrono::steady_clock::now() > end) return false;
            turn();
        }
        return true;
    }

    // Runs the loop until `client` has a whole reply line (returned) or `seconds` pass (empty).
    std::string reply_within(int client, double seconds) {
        std::string answer;
        const bool whole = run_until([&] {
            answer += receive(client).data;
            return !answer.empty() && answer.back() == '\n';
        }, seconds);
        return whole ? answer : std::string();
    }

    tap::UniqueFd connect_client() {
        tap::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        const std::string path = (dir_ / "control.sock").string();
        std::copy(path.begin(), path.end(), addr.sun_path);
        REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        return fd;
    }

    ControlServer& server() { return server_; }
    std::size_t handled = 0;
    std::size_t reply_size = 64;

private:
    tap::UniqueFd make_listener() {
        std::filesystem::create_directories(dir_);
        return listen_control_socket(dir_ / "control.sock");
    }
    std::string handle(std::string_view line) {
        ++handled;
        std::string reply = "{\"echo\":" + std::to_string(line.size()) + ",\"pad\":\"";
        reply += std::string(reply_size, 'x') + "\"}\n";
        return reply;
    }

    std::filesystem::path dir_;
    tap::UniqueFd epoll_;
    ControlServer server_;
};

void send_text(int fd, const std::string& text) { REQUIRE(::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size())); }

}  // namespace

TEST_CASE("a request line gets its reply and the connection closes") {
    ServerRig rig({4, std::chrono::milliseconds(2000), 1024});
    auto c = rig.connect_client();
    send_text(c.get(), "{\"Action\":\"x\"}\n");
    Received got;
    REQUIRE(rig.run_until([&] {
        auto r = receive(c.get());
        got.data += r.data;
        return r.closed;
    }));
    CHECK(got.data.rfind("{\"echo\":14,", 0) == 0);
    CHECK(rig.server().client_count() == 0);
}

TEST_CASE("an idle client neither blocks another client nor outlives its deadline") {
    ServerRig rig({4, std::chrono::milliseconds(300), 1024});
    auto idle = rig.connect_client();
    auto dripping = rig.connect_client();
    send_text(dripping.get(), "{");
    rig.turn(0);
    auto active = rig.connect_client();
    send_text(active.get(), "{}\n");
    // The active client is answered while the idle and dripping ones are still connected.
    REQUIRE(!rig.reply_within(active.get(), 0.25).empty());
    CHECK(rig.handled == 1);
    CHECK_FALSE(receive(idle.get()).closed);
    // Past the deadline both silent clients are dropped, with no reply.
    REQUIRE(rig.run_until([&] { return rig.server().client_count() == 0; }));
    const auto idle_end = receive(idle.get()), drip_end = receive(dripping.get());
    CHECK(idle_end.closed);
    CHECK(idle_end.data.empty());
    CHECK(drip_end.closed);
    CHECK(rig.handled == 1);
}

TEST_CASE("past the client cap, the oldest idle client makes room for a new one") {
    ServerRig rig({4, std::chrono::milliseconds(5000), 1024});
    std::vector<tap::UniqueFd> idle;
    for (int i = 0; i < 10; ++i) {
        idle.push_back(rig.connect_client());
        rig.turn(0);
    }
    CHECK(rig.server().client_count() == 4);
    auto active = rig.connect_client();
    send_text(active.get(), "{}\n");
    REQUIRE(!rig.reply_within(active.get(), 1).empty());
    // The seven oldest idle clients were dropped (six to fit ten into four slots, one for the active
    // client); the three newest are still connected.
    std::size_t closed = 0;
    for (std::size_t i = 0; i < idle.size(); ++i) {
        const bool c = receive(idle[i].get()).closed;
        closed += c;
        if (i >= 7) CHECK_FALSE(c);
    }
    CHECK(closed == 7);
}

TEST_CASE("a request over the size bound gets an error reply, unparsed") {
    ServerRig rig({4, std::chrono::milliseconds(2000), 1024});
    auto c = rig.connect_client();
    send_text(c.get(), std::string(3000, 'x'));
    std::string got;
    REQUIRE(rig.run_until([&] {
        auto r = receive(c.get());
        got += r.data;
        return r.closed;
    }));
    CHECK(got.find("\"MalformedRequest\"") != std::string::npos);
    CHECK(rig.handled == 0);
}

TEST_CASE("a client that does not read a large reply is dropped at its deadline without stalling others") {
    ServerRig rig({4, std::chrono::milliseconds(400), 1024});
    rig.reply_size = 8 << 20;  // far more than a socket buffer holds
    auto slow = rig.connect_client();
    send_text(slow.get(), "{}\n");
    rig.run_until([&] { return rig.handled == 1; }, 1);
    REQUIRE(rig.handled == 1);
    CHECK(rig.server().client_count() == 1);  // still writing to it
    rig.reply_size = 10;
    auto other = rig.connect_client();
    send_text(other.get(), "{}\n");
    REQUIRE(!rig.reply_within(other.get(), 0.3).empty());
    REQUIRE(rig.run_until([&] { return rig.server().client_count() == 0; }));
}

TEST_CASE("a client refused while it is still sending reads the refusal and a clean end, not a reset (TCP)") {
    // A cutter that refuses as soon as 1,000 bytes are in: what the AWS endpoint does on a Content-Length
    // over its bound, while the client keeps sending its body.
    std::uint16_t port = 0;
    tap::UniqueFd listener = aws_api::listen_on_loopback(port);
    tap::UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
    std::size_t handled = 0;
    ControlServer server(std::move(listener), epoll.get(), 100, [&](std::string_view) { return ++handled, std::string("served\n"); },
                         {4, std::chrono::milliseconds(3000), 1 << 20}, [](std::string_view buffered, bool) {
                             using Cut = ControlServer::Cut;
                             return buffered.size() >= 1000 ? Cut{Cut::Kind::refused, 0, "413 too large\n"} : Cut{};
                         });
    tap::UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(client.get(), reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
    const auto turn = [&] {
        epoll_event events[8];
        const int n = ::epoll_wait(epoll.get(), events, 8, 5);
        server.expire(ControlServer::Clock::now());
        for (int i = 0; i < n; ++i) server.on_event(events[i].data.u64, events[i].events, ControlServer::Clock::now());
    };
    // 4 MB, more than the socket buffers hold: the server must keep reading after it has refused.
    const std::string chunk(65536, 'b');
    std::size_t sent = 0;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (sent < (4u << 20) && std::chrono::steady_clock::now() < end) {
        const ssize_t n = ::send(client.get(), chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) sent += static_cast<std::size_t>(n);
        else REQUIRE((errno == EAGAIN || errno == EWOULDBLOCK));
        turn();
    }
    REQUIRE(sent >= (4u << 20));
    // Refused and answered, the server only waits for the client's end: an idle client wakes the loop no more
    // (a half-closed socket is always writable, so waiting for that would spin).
    // Once what the client sent is drained (however much the socket buffers held), a wait sees no event.
    bool quiet = false;
    for (int i = 0; i < 2000 && !quiet; ++i) {
        epoll_event events[8];
        const int n = ::epoll_wait(epoll.get(), events, 8, 20);
        quiet = n == 0;
        for (int k = 0; k < n; ++k) server.on_event(events[k].data.u64, events[k].events, ControlServer::Clock::now());
    }
    CHECK(quiet);
    ::shutdown(client.get(), SHUT_WR);
    std::string reply;
    bool clean_end = false, reset = false;
    while (std::chrono::steady_clock::now() < end && !clean_end && !reset) {
        turn();
        char buf[4096];
        const ssize_t n = ::recv(client.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) reply.append(buf, static_cast<std::size_t>(n));
        else if (n == 0) clean_end = true;
        else reset = errno == ECONNRESET;
    }
    CHECK(reply == "413 too large\n");
    CHECK(clean_end);
    CHECK_FALSE(reset);
    CHECK(handled == 0);
    REQUIRE(std::chrono::steady_clock::now() < end);
    for (int i = 0; i < 50 && server.client_count() > 0; ++i) turn();
    CHECK(server.client_count() == 0);
}

TEST_CASE("a burst of new clients does not evict clients whose request is already waiting") {
    ServerRig rig({4, std::chrono::milliseconds(5000), 1024});
    std::vector<tap::UniqueFd> asking, idle;
    for (int i = 0; i < 4; ++i) {
        asking.push_back(rig.connect_client());
        send_text(asking.back().get(), "{}\n");
    }
    for (int i = 0; i < 6; ++i) idle.push_back(rig.connect_client());  // all pending before the server looks
    for (auto& c : asking) CHECK(!rig.reply_within(c.get(), 1).empty());
    CHECK(rig.handled == 4);
}

// ---- The commit point: a mutating action changes model, snapshot and zones together, or nothing. ----

namespace {

// Everything a client can see of the model, and the identity of the compiled state.
struct Observed {
    json described;
    const void* snapshot;
    std::size_t zones;
    bool operator==(const Observed&) const = default;
};
Observed observe(RouterState& s) {
    json d = json::object();
    for (const char* action : {"DescribeVpcs", "DescribeSubnets", "DescribeRouteTables", "DescribeInternetGateways",
                               "DescribeAddresses", "DescribeInstances"})
        d[action] = reply_to(s, std::string(R"({"Action":")") + action + "\"}");
    return {d, s.snapshot.get(), s.dns_zones.size()};
}

}  // namespace

TEST_CASE("a refused action leaves model, snapshot and zones as they were") {
    State s;
    const std::string rtb = s.state.model->route_tables().front().id, vpc = s.state.model->vpcs().front().id;
    const std::string igw = s.state.model->internet_gateways().front().id;
    const Observed before = observe(s.state);
    const std::vector<std::string> refused = {
        R"({"Action":"CreateRoute","Params":{"RouteTableId":")" + rtb + R"(","DestinationCidrBlock":"10.99.0.0/33","GatewayId":")" + igw + "\"}}",
        R"({"Action":"CreateRoute","Params":{"RouteTableId":"rtb-00000000000000000","DestinationCidrBlock":"10.99.0.0/16","GatewayId":")" + igw + "\"}}",
        R"({"Action":"DeleteRoute","Params":{"RouteTableId":")" + rtb + R"(","DestinationCidrBlock":"10.10.0.0/16"}})",
        R"({"Action":"ReplaceRoute","Params":{"RouteTableId":")" + rtb + R"(","DestinationCidrBlock":"10.77.0.0/16","GatewayId":")" + igw + "\"}}",
        R"({"Action":"AttachInternetGateway","Params":{"InternetGatewayId":")" + igw + R"(","VpcId":")" + vpc + "\"}}",
        R"({"Action":"DetachInternetGateway","Params":{"InternetGatewayId":"igw-00000000000000000","VpcId":")" + vpc + "\"}}",
        R"({"Action":"AssociateAddress","Params":{"AllocationId":"eipalloc-00000000000000000","InstanceId":"i-00000000000000000"}})",
        R"({"Action":"DisassociateAddress","Params":{"AssociationId":"eipassoc-00000000000000000"}})",
        R"({"Action":"ReleaseAddress","Params":{"AllocationId":"eipalloc-00000000000000000"}})",
        R"({"Action":"ModifyVpcAttribute","Params":{"VpcId":"vpc-00000000000000000","EnableDnsSupport":{"Value":false}}})",
    };
    for (const auto& request : refused) {
        CAPTURE(request);
        CHECK(reply_to(s.state, request)["ok"] == false);
        CHECK(observe(s.state) == before);
    }
}

TEST_CASE("an action that fails after its change (compile, swap) changes nothing; the same action then succeeds") {
    State s;
    // The main table: the private subnet's, which has no route out of the VPC yet.
    const std::string rtb = s.state.model->vpcs().front().main_route_table_id, igw = s.state.model->internet_gateways().front().id;
    CHECK(s.state.snapshot->decide(s.priv_port, test::PipelineLab::priv_ip, 0x0a630001).outcome == routing::Outcome::drop_no_route);
    const std::string create = R"({"Action":"CreateRoute","Params":{"RouteTableId":")" + rtb +
                               R"(","DestinationCidrBlock":"10.99.0.0/16","GatewayId":")" + igw + "\"}}";
    const Observed before = observe(s.state);
    s.state.fault_before_swap = [] { throw std::runtime_error("injected failure after compile"); };
    const auto failed = reply_to(s.state, create);
    CHECK(failed["error"]["Code"] == "InternalError");
    CHECK(observe(s.state) == before);
    CHECK(s.state.snapshot->decide(s.priv_port, test::PipelineLab::priv_ip, 0x0a630001).outcome == routing::Outcome::drop_no_route);

    s.state.fault_before_swap = nullptr;
    CHECK(reply_to(s.state, create)["ok"] == true);
    const Observed after = observe(s.state);
    CHECK(after.snapshot != before.snapshot);  // a new snapshot, swapped in with the model
    CHECK(after.described["DescribeRouteTables"].dump().find("10.99.0.0/16") != std::string::npos);
    // The new snapshot routes by the new model: 10.99.0.0/16 now leaves through the gateway.
    CHECK(s.state.snapshot->decide(s.priv_port, test::PipelineLab::priv_ip, 0x0a630001).outcome == routing::Outcome::internet_gateway);
}

// ---- Describe filters: names each call takes, wildcards. ----

TEST_CASE("wildcard_match: * any run, ? exactly one character, backslash escapes") {
    struct Case {
        const char* pattern;
        const char* value;
        bool match;
    };
    const Case cases[] = {
        {"jh-*", "jh-test-Public-EC2", true}, {"*Public*", "jh-test-Public-EC2", true}, {"*", "", true},
        {"jh-*", "xjh-test", false},          {"10.10.?.0/24", "10.10.1.0/24", true},   {"10.10.?.0/24", "10.10.12.0/24", false},
        {"a?c", "ac", false},                 {"a\\*c", "a*c", true},                   {"a\\*c", "abc", false},
        {"a\\?", "a?", true},                 {"a\\\\", "a\\", true},                   {"", "", true},
        {"", "x", false},                     {"**a**", "bab", true},                   {"exact", "exact", true},
    };
    for (const auto& k : cases) {
        CAPTURE(k.pattern);
        CAPTURE(k.value);
        CHECK(wildcard_match(k.pattern, k.value) == k.match);
    }
}

TEST_CASE("unknown filter names are refused as EC2 refuses them; every listed name selects a field") {
    State s;
    // Addresses to filter on: one Elastic IP, associated with the public instance.
    const auto eip = reply_to(s.state, R"({"Action":"AllocateAddress"})");
    const std::string instance = s.state.model->instances().front().id;
    REQUIRE(reply_to(s.state, R"({"Action":"AssociateAddress","Params":{"AllocationId":")" + eip["result"]["AllocationId"].get<std::string>() +
                                  R"(","InstanceId":")" + instance + R"(","AllowReassociation":true}})")["ok"] == true);
    // A route to an instance (route.instance-id, route.network-interface-id) and an instance with a key
    // (key-name), so that every filter name has something to select.
    const std::string rtb = s.state.model->vpcs().front().main_route_table_id;
    REQUIRE(reply_to(s.state, R"({"Action":"CreateRoute","Params":{"RouteTableId":")" + rtb +
                                  R"(","DestinationCidrBlock":"10.98.0.0/16","InstanceId":")" + instance + "\"}}")["ok"] == true);
    const std::string subnet = s.state.model->subnets().front().id;
    REQUIRE(reply_to(s.state, R"({"Action":"ImportKeyPair","Params":{"KeyName":"lab-key","PublicKeyMaterial":)"
                               R"("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBSIFJqju2RnlkS70sErstHXQWP43Eer1v6fP1xt90N3",)"
                               R"("TagSpecifications":[{"ResourceType":"key-pair","Tags":[{"Key":"Name","Value":"lab"}]}]}})")["ok"] == true);
    REQUIRE(reply_to(s.state, R"({"Action":"RunInstances","Params":{"SubnetId":")" + subnet + R"(","KeyName":"lab-key"}})")["ok"] == true);
    // A gateway endpoint and a customer-managed prefix list, tagged, with a route to the list.
    const std::string vpc = s.state.model->vpcs().front().id;
    REQUIRE(reply_to(s.state, R"({"Action":"CreateVpcEndpoint","Params":{"VpcId":")" + vpc +
                                  R"(","ServiceName":"com.amazonaws.ap-northeast-2.s3","RouteTableIds":[")" + rtb +
                                  R"("],"TagSpecifications":[{"ResourceType":"vpc-endpoint","Tags":[{"Key":"Name","Value":"s3"}]}]}})")["ok"] == true);
    const auto list = reply_to(s.state, R"({"Action":"CreateManagedPrefixList","Params":{"PrefixListName":"office","MaxEntries":"5",)"
                                        R"("AddressFamily":"IPv4","Entries":[{"Cidr":"203.0.113.0/24"}],)"
                                        R"("TagSpecifications":[{"ResourceType":"prefix-list","Tags":[{"Key":"Name","Value":"office"}]}]}})");
    REQUIRE(list["ok"] == true);
    REQUIRE(reply_to(s.state, R"({"Action":"CreateRoute","Params":{"RouteTableId":")" + rtb + R"(","DestinationPrefixListId":")" +
                                  list["result"]["PrefixList"]["PrefixListId"].get<std::string>() + R"(","InstanceId":")" + instance + "\"}}")["ok"] == true);
    // A tagged network ACL.
    REQUIRE(reply_to(s.state, R"({"Action":"CreateNetworkAcl","Params":{"VpcId":")" + vpc +
                                  R"(","TagSpecifications":[{"ResourceType":"network-acl","Tags":[{"Key":"Name","Value":"strict"}]}]}})")["ok"] == true);
    // An endpoint service on an internal load balancer, tagged, allowing everyone, with an endpoint of the
    // VPC connected and a notification.
    const auto lb = reply_to(s.state, R"({"Action":"CreateLoadBalancer","Params":{"Name":"svc","Type":"network","Scheme":"internal","Subnets":[")" +
                                          subnet + "\"]}}");
    REQUIRE(lb["ok"] == true);
    const auto service = reply_to(s.state, R"({"Action":"CreateVpcEndpointServiceConfiguration","Params":{"NetworkLoadBalancerArns":[")" +
                                               lb["result"]["LoadBalancers"][0]["LoadBalancerArn"].get<std::string>() +
                                               R"("],"AcceptanceRequired":true,"TagSpecifications":[{"ResourceType":"vpc-endpoint-service","Tags":[{"Key":"Name","Value":"svc"}]}]}})");
    REQUIRE(service["ok"] == true);
    const std::string service_id = service["result"]["ServiceConfiguration"]["ServiceId"];
    REQUIRE(reply_to(s.state, R"({"Action":"ModifyVpcEndpointServicePermissions","Params":{"ServiceId":")" + service_id +
                                  R"(","AddAllowedPrincipals":["*"]}})")["ok"] == true);
    const auto consumer = reply_to(s.state, R"({"Action":"CreateVpcEndpoint","Params":{"VpcId":")" + vpc + R"(","VpcEndpointType":"Interface","ServiceName":")" +
                                                service["result"]["ServiceConfiguration"]["ServiceName"].get<std::string>() + R"(","SubnetIds":[")" + subnet +
                                                R"("],"TagSpecifications":[{"ResourceType":"vpc-endpoint","Tags":[{"Key":"Name","Value":"consumer"}]}]}})");
    REQUIRE(consumer["ok"] == true);
    for (const std::string& on : {R"("ServiceId":")" + service_id, R"("VpcEndpointId":")" + consumer["result"]["VpcEndpoint"]["VpcEndpointId"].get<std::string>()})
        REQUIRE(reply_to(s.state, R"({"Action":"CreateVpcEndpointConnectionNotification","Params":{)" + on +
                                      R"(","ConnectionNotificationArn":"arn:aws:sns:ap-northeast-2:123456789012:events","ConnectionEvents":["Connect"]}})")["ok"] == true);
    // A tagged Reachability Analyzer path, analysed once (the analysis tagged too).
    const auto path = reply_to(s.state, R"({"Action":"CreateNetworkInsightsPath","Params":{"Source":")" + instance + R"(","Destination":")" + instance +
                                            R"(","Protocol":"tcp","DestinationPort":"22","TagSpecifications":[{"ResourceType":"network-insights-path","Tags":[{"Key":"Name","Value":"ssh"}]}]}})");
    REQUIRE(path["ok"] == true);
    REQUIRE(reply_to(s.state, R"({"Action":"StartNetworkInsightsAnalysis","Params":{"NetworkInsightsPathId":")" +
                                  path["result"]["NetworkInsightsPath"]["NetworkInsightsPathId"].get<std::string>() +
                                  R"(","TagSpecifications":[{"ResourceType":"network-insights-analysis","Tags":[{"Key":"Name","Value":"ssh"}]}]}})")["ok"] == true);
    // A tagged NAT gateway (with its own Elastic IP) and a route to it.
    const auto nat_eip = reply_to(s.state, R"({"Action":"AllocateAddress"})");
    const auto nat = reply_to(s.state, R"({"Action":"CreateNatGateway","Params":{"SubnetId":")" + subnet + R"(","AllocationId":")" +
                                           nat_eip["result"]["AllocationId"].get<std::string>() +
                                           R"(","TagSpecifications":[{"ResourceType":"natgateway","Tags":[{"Key":"Name","Value":"nat"}]}]}})");
    REQUIRE(nat["ok"] == true);
    REQUIRE(reply_to(s.state, R"({"Action":"CreateRoute","Params":{"RouteTableId":")" + rtb + R"(","DestinationCidrBlock":"10.97.0.0/16","NatGatewayId":")" +
                                  nat["result"]["NatGateway"]["NatGatewayId"].get<std::string>() + "\"}}")["ok"] == true);
    // A tagged peering connection to a second VPC, and a route to it.
    const auto other_vpc = reply_to(s.state, R"({"Action":"CreateVpc","Params":{"CidrBlock":"10.77.0.0/16"}})");
    REQUIRE(other_vpc["ok"] == true);
    const auto pcx = reply_to(s.state, R"({"Action":"CreateVpcPeeringConnection","Params":{"VpcId":")" + vpc + R"(","PeerVpcId":")" +
                                           other_vpc["result"]["Vpc"]["VpcId"].get<std::string>() +
                                           R"(","TagSpecifications":[{"ResourceType":"vpc-peering-connection","Tags":[{"Key":"Name","Value":"peer"}]}]}})");
    REQUIRE(pcx["ok"] == true);
    REQUIRE(reply_to(s.state, R"({"Action":"CreateRoute","Params":{"RouteTableId":")" + rtb + R"(","DestinationCidrBlock":"10.77.0.0/16","VpcPeeringConnectionId":")" +
                                  pcx["result"]["VpcPeeringConnection"]["VpcPeeringConnectionId"].get<std::string>() + "\"}}")["ok"] == true);
    // A tagged flow log of the VPC.
    REQUIRE(reply_to(s.state, R"({"Action":"CreateFlowLogs","Params":{"ResourceType":"VPC","ResourceIds":[")" + vpc +
                                  R"("],"TrafficType":"ALL","LogGroupName":"flows","TagSpecifications":[{"ResourceType":"vpc-flow-log","Tags":[{"Key":"Name","Value":"all"}]}]}})")["ok"] == true);
    // A tagged transit gateway with the VPC attached (tagged), a static route in its default table, a tagged
    // second table, and the VPC's route to the gateway.
    const auto tgw = reply_to(s.state, R"({"Action":"CreateTransitGateway","Params":{"TagSpecifications":[{"ResourceType":"transit-gateway","Tags":[{"Key":"Name","Value":"hub"}]}]}})");
    REQUIRE(tgw["ok"] == true);
    const std::string tgw_id = tgw["result"]["TransitGateway"]["TransitGatewayId"];
    const auto attachment = reply_to(s.state, R"({"Action":"CreateTransitGatewayVpcAttachment","Params":{"TransitGatewayId":")" + tgw_id + R"(","VpcId":")" + vpc +
                                                  R"(","SubnetIds":[")" + subnet + R"("],"TagSpecifications":[{"ResourceType":"transit-gateway-attachment","Tags":[{"Key":"Name","Value":"spoke"}]}]}})");
    REQUIRE(attachment["ok"] == true);
    const std::string tgw_rtb = s.state.model->transit_gateway(tgw_id).default_route_table_id;
    REQUIRE(reply_to(s.state, R"({"Action":"CreateTransitGatewayRoute","Params":{"TransitGatewayRouteTableId":")" + tgw_rtb +
                                  R"(","DestinationCidrBlock":"10.96.0.0/16","TransitGatewayAttachmentId":")" +
                                  attachment["result"]["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"].get<std::string>() + "\"}}")["ok"] == true);
    REQUIRE(reply_to(s.state, R"({"Action":"CreateTransitGatewayRouteTable","Params":{"TransitGatewayId":")" + tgw_id +
                                  R"(","TagSpecifications":[{"ResourceType":"transit-gateway-route-table","Tags":[{"Key":"Name","Value":"isolated"}]}]}})")["ok"] == true);
    REQUIRE(reply_to(s.state, R"({"Action":"CreateRoute","Params":{"RouteTableId":")" + rtb + R"(","DestinationCidrBlock":"10.95.0.0/16","TransitGatewayId":")" +
                                  tgw_id + "\"}}")["ok"] == true);
    // Traffic Mirroring: a described ENI target and a load balancer target, a described filter, and a
    // described session of the first instance's ENI to the second's, mirroring 128 bytes of each packet.
    const std::string source_eni = s.state.model->instance(instance).network_interface_ids.front();
    const std::string target_eni = s.state.model->instances()[1].network_interface_ids.front();
    auto call = [&](const char* action, const json& params) { return reply_to(s.state, json{{"Action", action}, {"Params", params}}.dump()); };
    const auto mirror_target = call("CreateTrafficMirrorTarget", {{"NetworkInterfaceId", target_eni}, {"Description", "monitor"},
                                                                   {"TagSpecifications", {{{"ResourceType", "traffic-mirror-target"}, {"Tags", {{{"Key", "Name"}, {"Value", "monitor"}}}}}}}});
    REQUIRE(mirror_target["ok"] == true);
    REQUIRE(call("CreateTrafficMirrorTarget", {{"NetworkLoadBalancerArn", lb["result"]["LoadBalancers"][0]["LoadBalancerArn"]}, {"Description", "nlb"}})["ok"] == true);
    const auto mirror_filter = call("CreateTrafficMirrorFilter", {{"Description", "all"}});
    REQUIRE(mirror_filter["ok"] == true);
    REQUIRE(call("CreateTrafficMirrorSession", {{"NetworkInterfaceId", source_eni},
                                                {"TrafficMirrorTargetId", mirror_target["result"]["TrafficMirrorTarget"]["TrafficMirrorTargetId"]},
                                                {"TrafficMirrorFilterId", mirror_filter["result"]["TrafficMirrorFilter"]["TrafficMirrorFilterId"]},
                                                {"SessionNumber", "1"}, {"PacketLength", "128"}, {"Description", "web"}})["ok"] == true);
    std::size_t describe_calls = 0;
    for (const auto& spec : ec2_actions()) {
        if (spec.filters.empty()) continue;
        ++describe_calls;
        const char* action = spec.action;
        const std::string action_name = action;
        CAPTURE(action_name);
        const bool of_tgw_table = action_name.rfind("GetTransitGatewayRouteTable", 0) == 0 || action_name == "SearchTransitGatewayRoutes";
        const std::string extra = action_name == "DescribeVpcEndpointServicePermissions" ? R"("ServiceId":")" + service_id + "\","
                                  : of_tgw_table ? R"("TransitGatewayRouteTableId":")" + tgw_rtb + "\","
                                                 : "";
        // DescribeFlowLogs and DescribeNatGateways call their filters Filter.
        const std::string filters = action_name == "DescribeFlowLogs" || action_name == "DescribeNatGateways" ? "Filter" : "Filters";
        auto request = [&](const std::string& name, const std::string& value) {
            return std::string(R"({"Action":")") + action + R"(","Params":{)" + extra + "\"" + filters + R"(":[{"Name":")" + name + R"(","Values":[")" + value +
                   "\"]}]}}";
        };
        const auto unknown = reply_to(s.state, request("vpc-idd", "x"));
        CHECK(unknown["error"]["Code"] == "InvalidParameterValue");
        CHECK(unknown["error"]["Message"].get<std::string>().rfind("The filter 'vpc-idd' is invalid", 0) == 0);
        const auto* names = supported_filters(action);
        REQUIRE(names != nullptr);
        for (const auto name : *names) {
            const std::string filter_name(name);
            CAPTURE(filter_name);
            // "*" matches any value the name selects: each listed name must select something in the lab.
            // SearchTransitGatewayRoutes' route-search filters take a CIDR: one that selects the static route, one nothing.
            const bool cidr_filter = filter_name.rfind("route-search.", 0) == 0;
            const std::string any = !cidr_filter                                     ? "*"
                                    : filter_name == "route-search.subnet-of-match"   ? "10.0.0.0/8"
                                    : filter_name == "route-search.supernet-of-match" ? "10.96.1.0/24"
                                    : filter_name == "route-search.exact-match"       ? "10.96.0.0/16"
                                                                                      : "10.96.0.0/24";
            const auto all = reply_to(s.state, request(std::string(name), any));
            REQUIRE(all["ok"] == true);
            // The fixture's default security group and its instances were not made by a template: no tags.
            const bool untagged = action_name == "DescribeSecurityGroups" || action_name == "DescribeInstances" ||
                                  action_name == "DescribeNetworkInterfaces";
            // The listed resources: the reply's one member (SearchTransitGatewayRoutes' Routes, beside AdditionalRoutesAvailable).
            const auto listed = [&](const auto& reply) { return action_name == "SearchTransitGatewayRoutes" ? reply["result"]["Routes"] : *reply["result"].begin(); };
            if (filter_name != "tag-key" || !untagged) CHECK(!listed(all).empty());
            CHECK(listed(reply_to(s.state, request(std::string(name), cidr_filter ? "192.0.2.0/24" : "no-such-value-anywhere"))).empty());
        }
    }
    CHECK(describe_calls == 33);   // every describe call of the registry was tried
    // A name valid for one call is not for another (EC2 lists filters per call).
    CHECK(reply_to(s.state, R"({"Action":"DescribeVpcs","Params":{"Filters":[{"Name":"route-table-id","Values":["x"]}]}})")["error"]["Code"] ==
          "InvalidParameterValue");
}

TEST_CASE("every resource a template made carries CloudFormation's stack-name, stack-id and logical-id tags") {
    std::ifstream in(std::string(VPCLAB_SOURCE_DIR) + "/labs/endpoints-lab.yaml");
    std::stringstream text;
    text << in.rdbuf();
    cfn::LoadOptions options;
    options.stack_name = "tagged";
    RouterState state;
    state.model = cfn::load_template(text.str(), options).model;
    state.catalog = std::make_unique<endpoints::RegionCatalog>("ap-northeast-2", endpoints::PublicAddressPlan{});
    state.recompile();
    std::size_t checked = 0;
    for (const auto& [action, list] : {std::pair{"DescribeVpcs", "Vpcs"}, {"DescribeSubnets", "Subnets"}, {"DescribeRouteTables", "RouteTables"},
                                       {"DescribeInternetGateways", "InternetGateways"}, {"DescribeSecurityGroups", "SecurityGroups"}}) {
        const auto reply = reply_to(state, std::string(R"({"Action":")") + action + "\"}");
        for (const auto& resource : reply["result"][list]) {
            std::map<std::string, std::string> tags;
            for (const auto& t : resource["Tags"]) tags[t["Key"]] = t["Value"];
            if (!tags.count("aws:cloudformation:logical-id")) continue;  // made by AWS itself (main table, default group)
            CAPTURE(resource.dump());
            CHECK(tags["aws:cloudformation:stack-name"] == "tagged");
            CHECK(tags["aws:cloudformation:stack-id"] == state.model->stack_id());
            CHECK(tags["aws:cloudformation:stack-id"].rfind("arn:aws:cloudformation:ap-northeast-2:123456789012:stack/tagged/", 0) == 0);
            ++checked;
        }
    }
    // VPC, 2 subnets, 2 route tables, the internet gateway, the security group(s): all of them.
    CHECK(checked >= 7);
    const auto igws = reply_to(state, R"({"Action":"DescribeInternetGateways"})")["result"]["InternetGateways"];
    REQUIRE(igws.size() == 1);
    CHECK(igws[0]["Tags"].dump().find(R"({"Key":"aws:cloudformation:logical-id","Value":"jhIGW"})") != std::string::npos);
}

TEST_CASE("replies keep the member order of the EC2 API's shapes, as the aws CLI prints them") {
    State s;
    const auto reply = nlohmann::ordered_json::parse(serve_control_line(R"({"Action":"DescribeVpcs"})", s.state));
    std::vector<std::string> keys;
    for (const auto& [k, v] : reply["result"]["Vpcs"][0].items()) keys.push_back(k);
    // The Vpc shape of the EC2 API (botocore's service model), as far as vpclab fills it in.
    const std::vector<std::string> vpc_shape = {"CidrBlock", "DhcpOptionsId", "State", "VpcId", "OwnerId",
                                                "InstanceTenancy", "CidrBlockAssociationSet", "IsDefault", "Tags"};
    CHECK(keys == vpc_shape);
    std::vector<std::string> top;
    for (const auto& [k, v] : reply.items()) top.push_back(k);
    CHECK(top == std::vector<std::string>{"ok", "result"});
}
