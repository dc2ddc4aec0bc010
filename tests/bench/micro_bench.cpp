// Micro-benchmarks (Google Benchmark): route lookup, connection table, per-frame pipeline. Figures only;
// nothing here asserts a speed. Run: build/tests/bench/micro_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <random>

#include <fstream>
#include <sstream>

#include "router/console/map_render.hpp"
#include "router/data_path/pipeline.hpp"
#include "router/data_path/traffic_mirror.hpp"
#include "router/flow_logs/flow_log_recorder.hpp"
#include "router/lab/lab_network.hpp"
#include "router/trace/dry_run.hpp"
#include "router/template/template_loader.hpp"
#include "tests/bench/pcap_file.hpp"
#include "routing/flow_table.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "routing/lpm_table.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/mirror_everything.hpp"
#include "tests/unit/two_subnet_lab.hpp"
#include "wire/ethernet.hpp"

using namespace vpclab;

namespace {

std::vector<std::uint32_t> random_addresses(std::size_t n, std::uint32_t seed, std::uint32_t base = 0, std::uint32_t mask = ~0u) {
    std::mt19937 rng(seed);
    std::vector<std::uint32_t> out(n);
    for (auto& a : out) a = base | (rng() & mask);
    return out;
}

// A VPC route table of 50 routes: the local route, subnets' worth of more specific routes, a default.
std::vector<routing::LpmTable::Entry> vpc_table() {
    std::vector<routing::LpmTable::Entry> e{{*routing::Cidr::parse("10.10.0.0/16"), 0}, {*routing::Cidr::parse("0.0.0.0/0"), 1}};
    std::mt19937 rng(1);
    while (e.size() < 50) {
        const std::uint8_t len = static_cast<std::uint8_t>(16 + rng() % 13);
        const std::uint32_t a = (0x0a000000u | static_cast<std::uint32_t>(rng() & 0x00ffffff)) & routing::Cidr::mask_of(len);
        e.push_back({routing::Cidr{a, len}, static_cast<std::uint32_t>(e.size())});
    }
    return e;
}

// A table whose bulk is a 1,000-entry prefix list (as AWS managed lists for large services are), plus the VPC's own routes.
std::vector<routing::LpmTable::Entry> prefix_list_table() {
    auto e = vpc_table();
    std::mt19937 rng(2);
    for (int i = 0; i < 1000; ++i) {
        const std::uint8_t len = static_cast<std::uint8_t>(14 + rng() % 11);
        e.push_back({routing::Cidr{static_cast<std::uint32_t>(rng()) & routing::Cidr::mask_of(len), len}, 100});
    }
    return e;
}

std::vector<routing::LpmTable::Entry> random_table(std::size_t n) {
    std::vector<routing::LpmTable::Entry> e;
    std::mt19937 rng(3);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t len = static_cast<std::uint8_t>(8 + rng() % 25);
        e.push_back({routing::Cidr{static_cast<std::uint32_t>(rng()) & routing::Cidr::mask_of(len), len}, static_cast<std::uint32_t>(i)});
    }
    return e;
}

void lookup_loop(benchmark::State& state, const routing::LpmTable& table, const std::vector<std::uint32_t>& probes) {
    std::uint64_t sum = 0;
    std::size_t i = 0;
    for (auto _ : state) {
        sum += table.lookup(probes[i]);
        i = (i + 1) & (probes.size() - 1);
    }
    benchmark::DoNotOptimize(sum);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["ranges"] = static_cast<double>(table.range_count());
    state.counters["memory_KiB"] = static_cast<double>(table.memory_bytes()) / 1024;
}

void BM_RouteLookup_Vpc50(benchmark::State& state) {
    const routing::LpmTable table(vpc_table());
    lookup_loop(state, table, random_addresses(1 << 16, 4, 0x0a000000, 0x00ffffff));
}
void BM_RouteLookup_PrefixList1000(benchmark::State& state) {
    const routing::LpmTable table(prefix_list_table());
    lookup_loop(state, table, random_addresses(1 << 16, 5));
}
void BM_RouteLookup_Random100k(benchmark::State& state) {
    const routing::LpmTable table(random_table(100000));
    lookup_loop(state, table, random_addresses(1 << 20, 6));
}

routing::FlowKey flow_key(std::uint32_t i) {
    return {0x0a000000u + (i >> 8), 0xc6120000u + (i & 0xff), static_cast<std::uint16_t>(1024 + (i % 50000)), 443, 6, 0};
}
constexpr std::uint32_t million = 1'000'000;

void BM_FlowTable_Insert1M(benchmark::State& state) {
    for (auto _ : state) {
        state.PauseTiming();
        auto table = std::make_unique<routing::FlowTable>(million);
        state.ResumeTiming();
        for (std::uint32_t i = 0; i < million; ++i) table->upsert(flow_key(i * 2654435761u), i, 0, 10);
        benchmark::DoNotOptimize(table->size());
        state.counters["bytes_per_flow"] = static_cast<double>(table->memory_bytes()) / million;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * million);
}

void BM_FlowTable_Lookup1M(benchmark::State& state) {
    routing::FlowTable table(million);
    for (std::uint32_t i = 0; i < million; ++i) table.upsert(flow_key(i * 2654435761u), i, 0, 10);
    std::mt19937 rng(7);
    std::vector<routing::FlowKey> probes(1 << 16);
    for (auto& p : probes) p = flow_key(static_cast<std::uint32_t>(rng() % million) * 2654435761u);
    std::uint64_t hits = 0;
    std::size_t i = 0;
    for (auto _ : state) {
        hits += table.find(probes[i], 1) != nullptr;
        i = (i + 1) & (probes.size() - 1);
    }
    benchmark::DoNotOptimize(hits);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["bytes_per_flow"] = static_cast<double>(table.memory_bytes()) / million;
}

void BM_FlowTable_Expire1M(benchmark::State& state) {
    for (auto _ : state) {
        state.PauseTiming();
        auto table = std::make_unique<routing::FlowTable>(million);
        for (std::uint32_t i = 0; i < million; ++i) table->upsert(flow_key(i * 2654435761u), i, 0, 10);
        state.ResumeTiming();
        benchmark::DoNotOptimize(table->expire(100, ~std::size_t{0}));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * million);
}

// The per-frame pipeline on built frames (no I/O).
// The replay's lab (the first seed lab's two subnets, an instance in each) and its four frames: subnet to
// subnet, out through the IGW, in from the region, DNS.
struct ReplayLab {
    test::TwoSubnetLab lab{"bench"};
    routing::PortIndex pub = 0, priv = 0;
    routing::ServicePorts sp;
    std::shared_ptr<const routing::ForwardingSnapshot> snap;
    std::vector<std::pair<routing::PortIndex, std::vector<std::uint8_t>>> originals;
    ReplayLab() {
        lab.add_default_route();
        pub = lab.port_of(lab.launch(lab.pub, std::nullopt, true));
        priv = lab.port_of(lab.launch(lab.priv));
        sp.region_mac = wire::MacAddress::locally_administered(1);
        sp.resolver_mac = wire::MacAddress::locally_administered(2);
        sp.public_pool = {0xc6130000, 16};
        sp.resolver_base = 0xa9fe0000;
        snap = routing::ForwardingSnapshot::compile(lab.m, sp);
        auto frame = [](const wire::MacAddress& mac, const std::vector<std::uint8_t>& packet) {
            std::vector<std::uint8_t> f(24, 0);
            f.insert(f.end(), packet.begin(), packet.end());
            wire::EthernetView eth(wire::Bytes(f).subspan(10));
            eth.set_source(mac);
            eth.set_ether_type(wire::EtherType::ipv4);
            return f;
        };
        originals = {
            {pub, frame(snap->port(pub).mac, test::build_packet({6, 0x0a0a0004, 0x0a0a0104, 40000, 22}, 1400))},
            {pub, frame(snap->port(pub).mac, test::build_packet({6, 0x0a0a0004, 0xc6120a0a, 40000, 80}, 1400))},
            {sp.region, frame(sp.region_mac, test::build_packet({6, 0xc6120a0a, 0xc613000a, 80, 40000}, 1400))},
            {priv, frame(snap->port(priv).mac, test::build_packet({17, 0x0a0a0104, 0x0a0a0002, 5353, 53}, 40))},
        };
    }
};

void BM_Pipeline_Replay(benchmark::State& state) {
    const ReplayLab replay;
    const auto& snap = replay.snap;
    const auto& originals = replay.originals;
    auto frames = originals;
    std::vector<std::uint8_t> scratch(router::pipeline_scratch_size);
    router::FlowState flows(1024, 4096);
    struct Sink final : router::FrameSink {
        std::size_t sent = 0;
        void transmit(routing::PortIndex, wire::ConstBytes) noexcept override { ++sent; }
        void drop(routing::PortIndex, wire::ConstBytes, router::DropReason) noexcept override {}
    } sink;
    std::size_t k = 0;
    // With a recorder (Arg 1), every step of every frame is recorded, as while `vpclab trace --live` runs;
    // with flow logs on every port (Arg 2), each frame's steps make its flow log records.
    router::StepLog log;
    router::StepLog* recorder = state.range(0) == 1 ? &log : nullptr;
    router::FlowAggregator minute;
    router::FlowAggregator* windows[2] = {&minute, nullptr};
    const std::vector<std::uint8_t> coverage(snap->port_limit() + 4, router::flow_window_minute);
    router::FlowLogRecorder flow_logs;
    const bool logging = state.range(0) == 2;
    std::uint32_t n = 0;
    for (auto _ : state) {
        auto& [port, f] = frames[k];
        // Restore the 58 bytes of headers the pipeline may rewrite (vnet + Ethernet + IP + ports).
        std::memcpy(f.data(), originals[k].second.data(), 24 + 20 + 24);
        log.clear();
        if (logging) {
            flow_logs.begin(*snap, port, f, coverage.data(), coverage.size());
            router::process_frame(*snap, port, f, scratch, sink, flows, &flow_logs);
            flow_logs.finish(windows, 1000);
            // A window closes now and then (in the router: once a second, off the per-frame path).
            if (++n % 65536 == 0) minute.take([](const router::FlowRecord&) {}, [](std::uint16_t, std::uint32_t) {});
        } else {
            router::process_frame(*snap, port, f, scratch, sink, flows, recorder);
        }
        k = (k + 1) % frames.size();
    }
    benchmark::DoNotOptimize(log.size);
    benchmark::DoNotOptimize(sink.sent);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}


// The replay with a traffic mirror session on the public instance's ENI to the private one's, accepting
// everything both ways: three of the four frames are copied as VXLAN, as the forwarding worker makes the
// copies (TrafficMirror::before, the pipeline through a MirroringSink, after).
void BM_Pipeline_ReplayMirrored(benchmark::State& state) {
    ReplayLab replay;
    routing::VpcModel& m = replay.lab.m;
    routing::SecurityGroupRule vxlan;
    vxlan.ip_protocol = "udp";
    vxlan.from_port = vxlan.to_port = 4789;
    vxlan.cidr = routing::Cidr{0, 0};
    m.authorize_security_group(m.vpc(replay.lab.vpc).default_security_group_id, true, {vxlan});
    test::mirror_everything(m, m.interface_on_port(replay.pub)->id, m.interface_on_port(replay.priv)->id);
    const auto snap = routing::ForwardingSnapshot::compile(m, replay.sp);
    auto frames = replay.originals;
    std::vector<std::uint8_t> scratch(router::pipeline_scratch_size);
    router::FlowState flows(1024, 4096);
    struct Sink final : router::FrameSink {
        std::size_t sent = 0;
        void transmit(routing::PortIndex, wire::ConstBytes) noexcept override { ++sent; }
        void drop(routing::PortIndex, wire::ConstBytes, router::DropReason) noexcept override {}
    } sink;
    router::TrafficMirror mirror;
    std::size_t k = 0;
    for (auto _ : state) {
        auto& [port, f] = frames[k];
        std::memcpy(f.data(), replay.originals[k].second.data(), 24 + 20 + 24);
        router::MirroringSink mirrored(sink, mirror, *snap);
        mirror.before(*snap, port, f);
        router::process_frame(*snap, port, f, scratch, mirrored, flows);
        mirror.after(*snap, sink);
        k = (k + 1) % frames.size();
    }
    benchmark::DoNotOptimize(sink.sent);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["copies_per_frame"] = static_cast<double>(sink.sent) / static_cast<double>(state.iterations()) - 1;
}

// The pipeline on frames captured from a real lab (tests/bench/captures), against the model the router
// builds from the same template and stack name, so MACs and addresses match what was captured.
void BM_Pipeline_ReplayCapture(benchmark::State& state) {
    const std::string dir = std::string(VPCLAB_SOURCE_DIR) + "/tests/bench/";
    std::ifstream in(dir + "bench-lab.yaml");
    std::stringstream text;
    text << in.rdbuf();
    cfn::LoadOptions options;
    options.stack_name = "capture";
    const endpoints::RegionCatalog catalog(options.region, {});
    options.public_ips.pool = catalog.plan().instance_pool();
    const cfn::LoadedLab lab = cfn::load_template(text.str(), options);
    const routing::ServicePorts sp = router::plan_service_ports(*lab.model, catalog);
    const auto snap = routing::ForwardingSnapshot::compile(*lab.model, sp);
    auto port_of = [&](const std::string& name) {
        for (const auto& eni : lab.model->network_interfaces())
            if (lab.model->instance(eni.instance_id).display_name() == name) return eni.port;
        return sp.region;
    };
    std::vector<std::pair<routing::PortIndex, std::vector<std::uint8_t>>> originals;
    for (const auto& [file, port] : {std::pair{"A", port_of("A")}, std::pair{"B", port_of("B")}, std::pair{"region", sp.region}})
        for (auto& f : bench::read_pcap(dir + "captures/capture-" + file + ".pcap")) {
            std::vector<std::uint8_t> framed(10, 0);  // an empty virtio-net header, as a TAP read returns
            framed.insert(framed.end(), f.begin(), f.end());
            originals.emplace_back(port, std::move(framed));
        }
    auto frames = originals;
    std::vector<std::uint8_t> scratch(router::pipeline_scratch_size);
    router::FlowState flows(1024, 4096);
    struct Sink final : router::FrameSink {
        std::size_t sent = 0, dropped = 0;
        void transmit(routing::PortIndex, wire::ConstBytes) noexcept override { ++sent; }
        void drop(routing::PortIndex, wire::ConstBytes, router::DropReason) noexcept override { ++dropped; }
    } sink;
    std::size_t k = 0;
    for (auto _ : state) {
        auto& [port, f] = frames[k];
        // Restore what the pipeline may rewrite (headers up to the L4 checksum) before replaying a frame again.
        std::memcpy(f.data(), originals[k].second.data(), std::min<std::size_t>(f.size(), 10 + 14 + 60 + 20));
        router::process_frame(*snap, port, f, scratch, sink, flows);
        k = (k + 1) % frames.size();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["frames"] = static_cast<double>(originals.size());
    state.counters["forwarded_share"] = static_cast<double>(sink.sent) / static_cast<double>(sink.sent + sink.dropped);
}

}  // namespace

// A commit's compile with a 1,000-entry customer-managed list routed from the public table: after a change
// that leaves destinations alone (an instance launched) the LPMs are reused; after a change of the list
// the one table routing to it is rebuilt.
struct PrefixListLab : test::TwoSubnetLab {
    std::string list;
    PrefixListLab() : TwoSubnetLab("bench") {
        add_default_route();
        launch(pub);
        std::mt19937 rng(9);
        std::vector<routing::PrefixListEntry> entries;
        while (entries.size() < 999) {  // room for the one the benchmark adds and removes
            const std::uint8_t len = static_cast<std::uint8_t>(14 + rng() % 11);
            const routing::Cidr c{static_cast<std::uint32_t>(rng()) & routing::Cidr::mask_of(len), len};
            if (c.overlaps(m.vpc(vpc).cidr) || std::any_of(entries.begin(), entries.end(), [&](const auto& e) { return e.cidr == c; })) continue;
            entries.push_back({c, ""});
        }
        list = m.create_managed_prefix_list("", "big", 1000, std::vector<routing::PrefixListEntry>(entries.begin(), entries.begin() + 100), {}).id;
        for (std::size_t k = 100; k < entries.size(); k += 100)
            m.modify_managed_prefix_list(list, {}, std::vector<routing::PrefixListEntry>(entries.begin() + static_cast<std::ptrdiff_t>(k), entries.begin() + static_cast<std::ptrdiff_t>(std::min(k + 100, entries.size()))), {}, {}, {});
        m.create_route(pub_rt, routing::VpcModel::RouteDestination::prefix_list(list), {igw, "", ""});
    }
};
void BM_Compile_PrefixList1000_Unchanged(benchmark::State& state) {
    PrefixListLab lab;
    const auto first = routing::ForwardingSnapshot::compile(lab.m);
    std::size_t builds = 0;
    for (auto _ : state) builds += routing::ForwardingSnapshot::compile(lab.m, {}, first.get())->lpm_builds();
    state.counters["lpm_builds"] = static_cast<double>(builds) / static_cast<double>(state.iterations());
}
void BM_Compile_PrefixList1000_ListChanged(benchmark::State& state) {
    PrefixListLab lab;
    auto previous = routing::ForwardingSnapshot::compile(lab.m);
    std::size_t builds = 0;
    bool add = true;
    for (auto _ : state) {
        state.PauseTiming();
        lab.m.modify_managed_prefix_list(lab.list, {}, add ? std::vector<routing::PrefixListEntry>{{{0xcb007100, 24}, ""}} : std::vector<routing::PrefixListEntry>{},
                                         add ? std::vector<routing::Cidr>{} : std::vector<routing::Cidr>{{0xcb007100, 24}}, {}, {});
        add = !add;
        state.ResumeTiming();
        previous = routing::ForwardingSnapshot::compile(lab.m, {}, previous.get());
        builds += previous->lpm_builds();
    }
    state.counters["lpm_builds"] = static_cast<double>(builds) / static_cast<double>(state.iterations());
}

BENCHMARK(BM_RouteLookup_Vpc50);
BENCHMARK(BM_RouteLookup_PrefixList1000);
BENCHMARK(BM_RouteLookup_Random100k);
BENCHMARK(BM_Compile_PrefixList1000_Unchanged)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Compile_PrefixList1000_ListChanged)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FlowTable_Insert1M)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FlowTable_Lookup1M);
BENCHMARK(BM_FlowTable_Expire1M)->Unit(benchmark::kMillisecond);
// `vpclab trace`: a synthetic packet and its reply through the pipeline, on a copy of connection tables of
// the router's default sizes (what the event loop pauses for while it answers a trace).
void BM_Trace_DryRun(benchmark::State& state) {
    test::TwoSubnetLab lab("bench");
    lab.add_default_route();
    const routing::PortIndex pub = lab.port_of(lab.launch(lab.pub, std::nullopt, true));
    const routing::PortIndex priv = lab.port_of(lab.launch(lab.priv));
    routing::ServicePorts sp;
    sp.region_mac = wire::MacAddress::locally_administered(1);
    sp.resolver_mac = wire::MacAddress::locally_administered(2);
    sp.public_pool = {0xc6130000, 16};
    sp.resolver_base = 0xa9fe0000;
    const auto snap = routing::ForwardingSnapshot::compile(lab.m, sp);
    const router::FlowState flows;  // default sizes: 131,072 tracked connections and the rest
    router::TracePacket p;
    p.port = pub;
    p.protocol = 6;
    p.source = snap->port(pub).ip;
    p.destination = snap->port(priv).ip;
    p.source_port = 40000;
    p.destination_port = 22;
    std::size_t steps = 0;
    for (auto _ : state) steps += router::dry_run(*snap, flows, p).forward.steps.size;
    benchmark::DoNotOptimize(steps);
}

// The console's map of a lab of N instances (in subnets of 200), built from the model and drawn as SVG: what
// a browser's redraw costs the router's loop after each change.
static void BM_ResourceMap_Svg(benchmark::State& state) {
    test::TwoSubnetLab lab("bench");
    const auto instances = static_cast<int>(state.range(0));
    for (int i = 0; i < instances; ++i) {
        if (i % 200 == 0) {
            const std::string cidr = "10.10." + std::to_string(10 + i / 200) + ".0/24";
            lab.pub = lab.m.create_subnet("S" + std::to_string(i / 200), lab.vpc, cidr, i / 200 % 2 ? "ap-northeast-2c" : "ap-northeast-2a", false, {}).id;
        }
        lab.launch(lab.pub);
    }
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string svg = console::render_svg(console::build_resource_map(lab.m));
        bytes = svg.size();
        benchmark::DoNotOptimize(svg.data());
    }
    state.counters["svg_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_ResourceMap_Svg)->Arg(10)->Arg(1000)->Unit(benchmark::kMillisecond);

BENCHMARK(BM_Pipeline_Replay)->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_Pipeline_ReplayMirrored);
BENCHMARK(BM_Trace_DryRun)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Pipeline_ReplayCapture);
BENCHMARK_MAIN();
