// Vpclab.Trace and the live trace's requests: what they answer, what they refuse (changing nothing), and
// which frames a live trace keeps.
#include <doctest/doctest.h>

#include "router/control/control_api.hpp"
#include "tests/unit/control_lab.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/recording_sink.hpp"

using namespace vpclab;
using namespace vpclab::router;
using nlohmann::json;

namespace {

// The pipeline lab as the router holds it, with the data path's tables and the region's services offered.
struct TraceState : test::ControlLab {
    TraceState() : ControlLab(false, true) {}
};

}  // namespace

TEST_CASE("Vpclab.Trace: both directions, each step with its stage, verdict and detail") {
    TraceState s;
    const json r = s.call("Vpclab.Trace", {{"Source", s.pub_instance}, {"Destination", "10.10.1.4"}, {"Protocol", "tcp"}, {"Port", 22}});
    REQUIRE(r["ok"] == true);
    const json& t = r["result"];
    CHECK(t["Destination"] == "10.10.1.4");
    CHECK(t["Delivered"] == true);
    CHECK(t["Forward"]["Result"] == "delivered");
    CHECK(t["Forward"]["Packet"] == "TCP 10.10.0.4:40000 → 10.10.1.4:22 [SYN]");
    CHECK(t["Return"]["Packet"] == "TCP 10.10.1.4:22 → 10.10.0.4:40000 [SYN,ACK]");
    REQUIRE(t["Forward"]["Steps"].size() == 7);
    CHECK(t["Forward"]["Steps"][1]["Stage"] == "route");
    CHECK(t["Forward"]["Steps"][1]["RouteTableId"] == s.lab.pub_rt);
    CHECK(t["Forward"]["Steps"][1]["Route"]["GatewayId"] == "local");
    CHECK(t["Forward"]["Steps"][6]["Verdict"] == "deliver");
    // By an instance as the destination, and by the region's address of an instance with a public IP.
    CHECK(s.call("Vpclab.Trace", {{"Source", s.pub_instance}, {"Destination", s.priv_instance}})["result"]["Destination"] == "10.10.1.4");
    const json from_region = s.call("Vpclab.Trace", {{"Source", "region"}, {"Destination", s.pub_instance}, {"Port", 80}});
    CHECK(from_region["result"]["Destination"] == "198.19.0.10");
    CHECK(from_region["result"]["Forward"]["Steps"][1]["Stage"] == "igw_nat");
}

TEST_CASE("Vpclab.Trace: a drop says where, why and what to change") {
    TraceState s;
    const json r = s.call("Vpclab.Trace", {{"Source", s.priv_instance}, {"Destination", "8.8.8.8"}});
    REQUIRE(r["ok"] == true);
    const json& forward = r["result"]["Forward"];
    CHECK(r["result"]["Delivered"] == false);
    CHECK(!r["result"].contains("Return"));
    CHECK(forward["Result"] == "dropped");
    CHECK(forward["DropReason"] == "no_route");
    CHECK(forward["Fix"].get<std::string>().find("add a route to 0.0.0.0/0 via " + s.lab.igw) != std::string::npos);
    CHECK(forward["Fix"].get<std::string>().find("has none") != std::string::npos);  // the private instance has no public IP
}

TEST_CASE("Vpclab.Trace refuses what it cannot trace, naming it, and changes nothing") {
    TraceState s;
    test::send_through(s.lab, s.lab.pub_host, test::build_packet({1, test::PipelineLab::pub_ip, test::PipelineLab::priv_ip, 7, 0}), s.lab.mac(s.lab.pub_host));
    s.flows = s.lab.flows;
    const std::size_t tracked = s.flows.connections.table.size();
    REQUIRE(tracked > 0);
    const json base{{"Source", s.pub_instance}, {"Destination", "10.10.1.4"}};
    auto with = [&](const char* key, const json& value) {
        json p = base;
        p[key] = value;
        return p;
    };
    CHECK(s.refused("Vpclab.Trace", {{"Destination", "10.10.1.4"}}) == "MissingParameter");
    CHECK(s.refused("Vpclab.Trace", {{"Source", s.pub_instance}}) == "MissingParameter");
    CHECK(s.refused("Vpclab.Trace", with("Colour", "red")) == "UnknownParameter");
    CHECK(s.refused("Vpclab.Trace", with("Protocol", "sctp")) == "InvalidParameterValue");
    CHECK(s.refused("Vpclab.Trace", with("Port", 22)) == "no error");  // tcp by default with a port
    CHECK(s.refused("Vpclab.Trace", with("Port", 0)) == "InvalidParameterValue");
    CHECK(s.refused("Vpclab.Trace", with("Port", 65536)) == "InvalidParameterValue");
    CHECK(s.refused("Vpclab.Trace", with("Port", "22")) == "InvalidParameterValue");
    json icmp_port = with("Protocol", "icmp");
    icmp_port["Port"] = 22;
    CHECK(s.refused("Vpclab.Trace", icmp_port) == "InvalidParameterValue");
    CHECK(s.refused("Vpclab.Trace", with("Source", "no-such-instance")) == "InvalidParameterValue");
    CHECK(s.refused("Vpclab.Trace", with("Destination", "no.such.name")) == "InvalidParameterValue");
    CHECK(s.refused("Vpclab.Trace", with("SourceIp", "198.18.0.9")) == "InvalidParameterValue");  // only from the region
    json bad_region_ip = {{"Source", "region"}, {"Destination", "10.10.0.4"}, {"SourceIp", "not-an-ip"}};
    CHECK(s.refused("Vpclab.Trace", bad_region_ip) == "InvalidParameterValue");
    const json message = s.call("Vpclab.Trace", with("Source", "no-such-instance"));
    CHECK(message["error"]["Message"].get<std::string>().find("'no-such-instance' is no instance") != std::string::npos);
    CHECK(s.flows.connections.table.size() == tracked);
    s.state.flows = nullptr;
    CHECK(s.refused("Vpclab.Trace", base) == "IncorrectState");
}

TEST_CASE("live trace: keeps the matching frames of the watched ENI, until Count; one at a time; polled or stopped") {
    TraceState s;
    CHECK(s.refused("Vpclab.TraceLiveStart", {{"Source", "nobody"}}) == "InvalidParameterValue");
    CHECK(s.refused("Vpclab.TraceLiveStart", {{"Source", s.priv_instance}, {"Count", 0}}) == "InvalidParameterValue");
    CHECK(s.refused("Vpclab.TraceLiveStart", {{"Source", s.priv_instance}, {"Count", 101}}) == "InvalidParameterValue");
    CHECK(s.refused("Vpclab.TraceLiveStart", {{"Source", s.priv_instance}, {"Protocol", "icmp"}, {"Port", 22}}) == "InvalidParameterValue");
    CHECK(!s.state.live_trace.active);
    const json started = s.call("Vpclab.TraceLiveStart", {{"Source", s.priv_instance}, {"Protocol", "icmp"}, {"Count", 2}});
    REQUIRE(started["ok"] == true);
    const std::uint64_t id = started["result"]["TraceId"];
    // Refused while it runs, and the running trace is as it was.
    CHECK(s.refused("Vpclab.TraceLiveStart", {{"Source", s.pub_instance}}) == "IncorrectState");
    CHECK(s.state.live_trace.id == id);
    CHECK(s.state.live_trace.watched == s.lab.priv_host);
    CHECK(s.state.live_trace.protocol == 1);
    CHECK(s.state.live_trace.wanted == 2);
    CHECK(s.refused("Vpclab.TraceLivePoll", {{"TraceId", id + 1}}) == "InvalidParameterValue");
    // Frames as the event loop hands them over: recorded, then considered.
    auto frame = [&](routing::PortIndex from, std::uint8_t protocol, std::uint32_t source, std::uint32_t destination) {
        auto f = test::frame_of(s.lab.mac(from), test::build_packet({protocol, source, destination, 40000, 22}));
        const PacketFacts before = packet_facts(f);
        std::vector<std::uint8_t> scratch(pipeline_scratch_size);
        test::RecordingSink sink;
        StepLog log;
        process_frame(*s.state.snapshot, from, f, scratch, sink, s.flows, &log);
        s.state.live_trace.consider(*s.state.model, *s.state.snapshot, from, before, log);
    };
    const std::uint32_t pub = test::PipelineLab::pub_ip, priv = test::PipelineLab::priv_ip, priv2 = test::PipelineLab::priv2_ip;
    frame(s.lab.pub_host, 1, pub, priv2);  // to another ENI: not kept
    frame(s.lab.pub_host, 6, pub, priv);   // TCP, not ICMP: not kept
    frame(s.lab.pub_host, 1, pub, priv);   // kept: to the watched ENI
    json polled = s.call("Vpclab.TraceLivePoll", {{"TraceId", id}})["result"];
    REQUIRE(polled["Frames"].size() == 1);
    CHECK(polled["Frames"][0]["Packet"] == "ICMP echo-request 10.10.0.4 → 10.10.1.4");
    CHECK(polled["Frames"][0]["Result"].get<std::string>().rfind("delivered to eni-", 0) == 0);
    CHECK(polled["Done"] == false);
    frame(s.lab.priv_host, 1, priv, pub);  // kept: from the watched ENI; the second, and the last
    frame(s.lab.priv_host, 1, priv, pub);  // past Count: not kept
    // Finished, its last frame not yet polled: a new trace waits for that poll.
    CHECK(!s.state.live_trace.active);
    CHECK(s.refused("Vpclab.TraceLiveStart", {{"Source", s.pub_instance}}) == "IncorrectState");
    polled = s.call("Vpclab.TraceLivePoll", {{"TraceId", id}})["result"];
    CHECK(polled["Frames"].size() == 1);
    CHECK(polled["Done"] == true);
    CHECK(!s.state.live_trace.active);
    // A second trace; stopped; one nobody polls stops by itself.
    const std::uint64_t second = s.call("Vpclab.TraceLiveStart", {{"Source", s.pub_instance}})["result"]["TraceId"];
    CHECK(second == id + 1);
    CHECK(s.call("Vpclab.TraceLiveStop", {{"TraceId", second}})["ok"] == true);
    CHECK(!s.state.live_trace.active);
    s.call("Vpclab.TraceLiveStart", {{"Source", s.pub_instance}});
    CHECK(s.state.live_trace.active);
    s.state.live_trace.expire(s.state.live_trace.last_poll + LiveTrace::idle_limit);
    CHECK(s.state.live_trace.active);
    s.state.live_trace.expire(s.state.live_trace.last_poll + LiveTrace::idle_limit + std::chrono::seconds(1));
    CHECK(!s.state.live_trace.active);
}
