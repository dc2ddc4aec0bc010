// Fuzzes control requests: each input line is one request served in turn against a fresh router state; every reply must be one JSON line with a boolean "ok", and the snapshot left behind must forward frames.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include <nlohmann/json.hpp>

#include "router/control/control_request.hpp"
#include "router/data_path/pipeline.hpp"
#include "router/lab/lab_network.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/pipeline_lab.hpp"
#include "wire/ethernet.hpp"

using namespace vpclab;

namespace {

// The router's state as serve() in router_process.cpp sets it up, for the pipeline lab's model.
std::unique_ptr<router::RouterState> fresh_state(const routing::VpcModel& model) {
    auto s = std::make_unique<router::RouterState>();
    s->model = std::make_unique<routing::VpcModel>(model);
    s->catalog = std::make_unique<endpoints::RegionCatalog>(model.region(), endpoints::PublicAddressPlan{});
    s->plan = router::LabPlan::of(*s->model);
    s->service_ports = router::plan_service_ports(*s->model, *s->catalog);
    s->counters.resize(s->model->network_interfaces().size() + 2);
    s->recompile();
    return s;
}

// Frames whose fate the requests can change (routes, Elastic IPs, DNS support), each with its ingress port.
std::vector<std::pair<routing::PortIndex, std::vector<std::uint8_t>>> probe_frames(const test::PipelineLab& lab) {
    auto frame = [&](routing::PortIndex port, const test::FiveTuple& t) {
        const auto packet = test::build_packet(t, 20);
        std::vector<std::uint8_t> f(10 + 14 + packet.size(), 0);
        wire::EthernetView eth(wire::Bytes(f).subspan(10));
        eth.set_source(lab.mac(port));
        eth.set_ether_type(wire::EtherType::ipv4);
        std::copy(packet.begin(), packet.end(), f.begin() + 24);
        return std::pair{port, f};
    };
    return {frame(lab.pub_host, {6, test::PipelineLab::pub_ip, test::PipelineLab::s3, 40000, 80}),
            frame(lab.priv_host, {17, test::PipelineLab::priv_ip, test::PipelineLab::s3, 4000, 5000}),
            frame(lab.priv_host, {17, test::PipelineLab::priv_ip, 0xc0a80001, 4000, 5000}),  // 192.168.0.1
            frame(lab.priv2_host, {17, test::PipelineLab::priv2_ip, 0x0a0a0002, 5353, 53}),
            frame(lab.region, {1, test::PipelineLab::s3, 0xc613000b, 7, 0}),  // 198.19.0.11: the next public IP
            frame(lab.region, {1, test::PipelineLab::s3, test::PipelineLab::public_ip, 7, 0})};
}

struct CheckingSink final : router::FrameSink {
    routing::PortIndex ports = 0;
    void transmit(routing::PortIndex port, wire::ConstBytes) noexcept override {
        if (port >= ports) std::abort();
    }
    void drop(routing::PortIndex, wire::ConstBytes, router::DropReason reason) noexcept override {
        if (reason >= router::DropReason::count) std::abort();
    }
};

[[noreturn]] void bad_reply(std::string_view why, std::string_view reply) {
    std::fprintf(stderr, "control reply %.*s: %.200s\n", static_cast<int>(why.size()), why.data(), std::string(reply).c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const test::PipelineLab lab;
    const auto state = fresh_state(lab.m);
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    // Lines as the control socket splits them, so that a sequence (AllocateAddress, then AssociateAddress) can be fuzzed.
    while (!rest.empty()) {
        const auto eol = rest.find('\n');
        const std::string_view line = rest.substr(0, eol);
        rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
        const std::string reply = router::serve_control_line(line, *state);
        if (reply.empty() || reply.back() != '\n') bad_reply("does not end with a newline", reply);
        if (reply.find('\n') != reply.size() - 1) bad_reply("spans several lines", reply);
        const auto parsed = nlohmann::json::parse(reply, nullptr, false);
        if (parsed.is_discarded()) bad_reply("is not JSON", reply);
        if (!parsed.is_object() || !parsed.contains("ok") || !parsed["ok"].is_boolean()) bad_reply("has no boolean \"ok\"", reply);
    }
    // The data path's view of what the requests left: the snapshot forwards (or drops) the probes.
    static const auto probes = probe_frames(lab);
    std::vector<std::uint8_t> scratch(router::pipeline_scratch_size);
    CheckingSink sink;
    sink.ports = static_cast<routing::PortIndex>(state->counters.size());
    static router::FlowState flows(1024, 4096);
    for (auto [port, frame] : probes) router::process_frame(*state->snapshot, port, frame, scratch, sink, flows);
    return 0;
}
