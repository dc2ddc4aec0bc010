// The data path's recorded steps: for each handler and each kind of drop, exactly the stages, verdicts and
// AWS components expected; a dry run changes no table; and recording changes nothing the pipeline does, on
// every frame of the pipeline fuzzer's corpus.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <tuple>

#include "router/flow_logs/flow_log_recorder.hpp"
#include "router/trace/dry_run.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/recording_sink.hpp"
#include "wire/l4.hpp"

using namespace vpclab;
using namespace vpclab::router;
using routing::PortIndex;

namespace {

using Lab = test::PipelineLab;
constexpr std::uint32_t pub_ip = Lab::pub_ip, priv_ip = Lab::priv_ip, priv2_ip = Lab::priv2_ip, public_ip = Lab::public_ip, s3 = Lab::s3;

std::vector<Stage> stages(const StepLog& log) {
    std::vector<Stage> out;
    for (const Step& s : log) out.push_back(s.stage);
    return out;
}

const Step& step_at(const StepLog& log, Stage stage, std::size_t nth = 0) {
    for (const Step& s : log)
        if (s.stage == stage && nth-- == 0) return s;
    FAIL("no step of stage " << name_of(stage));
    static Step none;
    return none;
}

TracePacket packet(PortIndex from, std::uint8_t protocol, std::uint32_t source, std::uint32_t destination, std::uint16_t port = 80) {
    TracePacket p;
    p.port = from;
    p.protocol = protocol;
    p.source = source;
    p.destination = destination;
    p.source_port = 40000;
    p.destination_port = port;
    return p;
}

// Every flow of a table, for comparing its contents before and after.
std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint16_t, std::uint16_t, std::uint8_t, std::uint16_t, std::uint32_t, std::uint32_t>> contents(
    routing::FlowTable& table) {
    std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint16_t, std::uint16_t, std::uint8_t, std::uint16_t, std::uint32_t, std::uint32_t>> out;
    table.erase_if([&](const routing::FlowKey& k, const routing::FlowTable::Entry& e) {
        out.emplace_back(k.source, k.destination, k.source_port, k.destination_port, k.protocol, k.zone, e.value, e.idle_timeout);
        return false;
    });
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("steps: within the VPC, across subnets, and the tracked reply") {
    Lab lab(true);
    const DryRun run = dry_run(*lab.snap, lab.flows, packet(lab.pub_host, 1, pub_ip, priv_ip));
    CHECK(stages(run.forward.steps) ==
          std::vector<Stage>{Stage::edge, Stage::route, Stage::acl_out, Stage::sg_egress, Stage::acl_in, Stage::sg_ingress, Stage::deliver});
    const Step& route = step_at(run.forward.steps, Stage::route);
    CHECK(route.outcome == routing::Outcome::deliver);
    CHECK(route.next == lab.priv_host);
    // The route that matched is the public table's local route, named by ID.
    const auto& table = lab.m.route_table(std::string(lab.snap->route_table_id(lab.pub_host)));
    CHECK(table.id == lab.pub_rt);
    REQUIRE(route.entry < table.routes.size());
    CHECK(table.routes[route.entry].target_id == "local");
    // The ACL (the VPC's default) and its rule 100; the security group rule that allowed it, by ID.
    const Step& acl = step_at(run.forward.steps, Stage::acl_out);
    CHECK(acl.table == routing::network_acl_key(lab.m.network_acl_of(lab.pub).id));
    CHECK(acl.entry == 100);
    const Step& egress = step_at(run.forward.steps, Stage::sg_egress);
    CHECK(egress.group == GroupDecision::rule);
    const auto& origin = lab.snap->security_groups_of(lab.pub_host).origins.at(egress.entry);
    CHECK(origin.group_id == lab.m.vpc(lab.vpc).default_security_group_id);
    CHECK(origin.rule_id.rfind("sgr-", 0) == 0);
    CHECK(step_at(run.forward.steps, Stage::deliver).port == lab.priv_host);
    CHECK(run.forward.delivered);
    CHECK(run.forward.delivered_to == lab.priv_host);
    // The echo reply is part of the tracked flow both ways.
    REQUIRE(run.reply_sent);
    CHECK(step_at(run.reply.steps, Stage::sg_egress).group == GroupDecision::tracked);
    CHECK(step_at(run.reply.steps, Stage::sg_ingress).group == GroupDecision::tracked);
    CHECK(run.reply.delivered_to == lab.pub_host);
}

TEST_CASE("steps: the internet gateway's translation out and in") {
    Lab lab(true);
    const DryRun run = dry_run(*lab.snap, lab.flows, packet(lab.pub_host, 6, pub_ip, s3));
    CHECK(stages(run.forward.steps) == std::vector<Stage>{Stage::edge, Stage::route, Stage::acl_out, Stage::sg_egress, Stage::igw_nat, Stage::deliver});
    CHECK(step_at(run.forward.steps, Stage::route).outcome == routing::Outcome::internet_gateway);
    const Step& nat = step_at(run.forward.steps, Stage::igw_nat);
    CHECK(nat.verdict == Verdict::rewrite);
    CHECK(!nat.destination_side);
    CHECK(nat.from_address == pub_ip);
    CHECK(nat.to_address == public_ip);
    CHECK(lab.snap->internet_gateway_id(nat.table) == lab.igw);
    CHECK(run.forward.delivered_to == lab.region);
    CHECK(run.forward.arrived.source == public_ip);
    CHECK(stages(run.reply.steps) == std::vector<Stage>{Stage::edge, Stage::igw_nat, Stage::acl_in, Stage::sg_ingress, Stage::deliver});
    const Step& back = step_at(run.reply.steps, Stage::igw_nat);
    CHECK(back.destination_side);
    CHECK(back.from_address == public_ip);
    CHECK(back.to_address == pub_ip);
    CHECK(run.reply.delivered_to == lab.pub_host);
}

TEST_CASE("steps: a gateway endpoint's route and translation, and the reply by its flow") {
    Lab lab(true);
    const DryRun run = dry_run(*lab.snap, lab.flows, packet(lab.priv_host, 6, priv_ip, s3, 443));
    CHECK(stages(run.forward.steps) ==
          std::vector<Stage>{Stage::edge, Stage::route, Stage::acl_out, Stage::sg_egress, Stage::gateway_endpoint, Stage::deliver});
    const Step& route = step_at(run.forward.steps, Stage::route);
    CHECK(route.outcome == routing::Outcome::gateway_endpoint);
    const auto& table = lab.m.route_table(lab.priv_rt());
    REQUIRE(route.entry < table.routes.size());
    CHECK(table.routes[route.entry].target_id == lab.s3_endpoint);
    const Step& translation = step_at(run.forward.steps, Stage::gateway_endpoint);
    CHECK(lab.snap->endpoint_id(translation.table) == lab.s3_endpoint);
    CHECK(translation.from_address == s3);
    CHECK(translation.to_address == lab.sp.endpoint_address(lab.m.vpc_endpoint(lab.s3_endpoint).slot, s3));
    CHECK(stages(run.reply.steps) == std::vector<Stage>{Stage::edge, Stage::gateway_endpoint, Stage::acl_in, Stage::sg_ingress, Stage::deliver});
    CHECK(run.reply.delivered_to == lab.priv_host);
}

// The fixture's load balancer has only the public subnet's zone, where its targets (in the private subnet's
// zone) are not used: the public instance is registered too, so that its node has a target.
struct BalancedLab : Lab {
    BalancedLab() : Lab(true) {
        m.register_targets(m.target_groups().front().id, {{m.interface_on_port(pub_host)->instance_id, 0}});
        recompile();
    }
};

TEST_CASE("steps: an interface endpoint, a load balancer from the internet, PrivateLink, the resolver") {
    BalancedLab lab;
    SUBCASE("interface endpoint: the client's connection becomes the ENI's own, and back") {
        const DryRun run = dry_run(*lab.snap, lab.flows, packet(lab.pub_host, 6, pub_ip, lab.cf_eni_ip, 443));
        CHECK(stages(run.forward.steps) == std::vector<Stage>{Stage::edge, Stage::route, Stage::acl_out, Stage::sg_egress, Stage::acl_in,
                                                              Stage::sg_ingress, Stage::interface_endpoint, Stage::interface_endpoint, Stage::deliver});
        const Step& source = step_at(run.forward.steps, Stage::interface_endpoint, 0);
        CHECK(!source.destination_side);
        CHECK(source.to_address == lab.cf_eni_ip);
        CHECK(lab.snap->endpoint_id(source.table) == lab.cf_endpoint);
        CHECK(step_at(run.forward.steps, Stage::interface_endpoint, 1).to_address == lab.cf_service);
        CHECK(run.forward.delivered_to == lab.region);
        CHECK(run.reply.delivered_to == lab.pub_host);
        CHECK(step_at(run.reply.steps, Stage::interface_endpoint, 1).to_address == pub_ip);
    }
    SUBCASE("load balancer: from the internet to its public address, to its target") {
        TracePacket p = packet(lab.region, 6, 0xc6120002, lab.lb_public);
        const DryRun run = dry_run(*lab.snap, lab.flows, p);
        // The node has no security groups: its subnet's ACL on the way in, then the target's groups.
        CHECK(stages(run.forward.steps) ==
              std::vector<Stage>{Stage::edge, Stage::igw_nat, Stage::acl_in, Stage::load_balancer, Stage::sg_ingress, Stage::deliver});
        const Step& balanced = step_at(run.forward.steps, Stage::load_balancer);
        CHECK(balanced.destination_side);
        CHECK(balanced.from_address == lab.lb_node_ip);
        CHECK(balanced.to_address == pub_ip);
        CHECK(balanced.table == lab.pub_host);  // the target chosen
        CHECK(run.forward.delivered_to == balanced.table);
        // The target's answer goes back through the node, as the node's own, out through the IGW.
        CHECK(run.reply.delivered_to == lab.region);
        CHECK(step_at(run.reply.steps, Stage::load_balancer).to_address == lab.lb_node_ip);
        CHECK(run.reply.arrived.source == lab.lb_public);
    }
    SUBCASE("PrivateLink: the endpoint carries the connection to the service's load balancer") {
        const DryRun run = dry_run(*lab.snap, lab.flows, packet(lab.priv_host, 6, priv_ip, lab.pl_eni_ip));
        const Step& carried = step_at(run.forward.steps, Stage::privatelink);
        CHECK(carried.verdict == Verdict::pass);
        CHECK(carried.next == lab.lb_node);
        CHECK(step_at(run.forward.steps, Stage::privatelink, 1).verdict == Verdict::rewrite);
        CHECK(run.forward.delivered_to == lab.pub_host);  // the target
        CHECK(run.reply.delivered_to == lab.priv_host);
    }
    SUBCASE("the VPC resolver, whatever the routes say") {
        TracePacket p = packet(lab.priv_host, 17, priv_ip, 0x0a0a0002, 53);
        const DryRun run = dry_run(*lab.snap, lab.flows, p);
        CHECK(stages(run.forward.steps) == std::vector<Stage>{Stage::edge, Stage::route, Stage::resolver, Stage::deliver});
        CHECK(step_at(run.forward.steps, Stage::route).outcome == routing::Outcome::to_resolver);
        CHECK(step_at(run.forward.steps, Stage::route).entry == Step::none);
        CHECK(run.forward.delivered_to == lab.resolver);
        CHECK(stages(run.reply.steps) == std::vector<Stage>{Stage::edge, Stage::resolver, Stage::deliver});
        CHECK(run.reply.delivered_to == lab.priv_host);
    }
}

TEST_CASE("steps: each kind of drop names its stage, reason and component") {
    Lab lab(true);
    SUBCASE("no route") {
        const DryRun run = dry_run(*lab.snap, lab.flows, packet(lab.priv_host, 1, priv_ip, 0x08080808));
        CHECK(stages(run.forward.steps) == std::vector<Stage>{Stage::edge, Stage::route});
        const Step& route = step_at(run.forward.steps, Stage::route);
        CHECK(route.verdict == Verdict::drop);
        CHECK(route.reason == DropReason::no_route);
        CHECK(route.entry == Step::none);
        CHECK(!run.reply_sent);
    }
    SUBCASE("a network ACL's rule") {
        routing::NetworkAclEntry deny;
        deny.rule_number = 50;
        deny.protocol = "-1";
        deny.cidr = routing::Cidr{0x0a0a0000, 24};
        const std::string acl = lab.acl_allowing_all({deny});
        lab.m.associate_network_acl(lab.priv, acl);
        lab.recompile();
        const DryRun run = dry_run(*lab.snap, lab.flows, packet(lab.pub_host, 1, pub_ip, priv_ip));
        const Step& last = *(run.forward.steps.end() - 1);
        CHECK(last.stage == Stage::acl_in);
        CHECK(last.verdict == Verdict::drop);
        CHECK(last.reason == DropReason::network_acl_inbound);
        CHECK(last.table == routing::network_acl_key(acl));
        CHECK(last.entry == 50);
        CHECK(last.port == lab.priv_host);
    }
    SUBCASE("a security group with no rule for it") {
        const std::string closed = lab.m.create_security_group("Closed", lab.vpc, "closed", "nothing in", {}, std::nullopt, {}).id;
        lab.m.modify_network_interface_groups(lab.m.interface_on_port(lab.priv_host)->id, {closed});
        lab.recompile();
        const DryRun run = dry_run(*lab.snap, lab.flows, packet(lab.pub_host, 6, pub_ip, priv_ip, 22));
        const Step& last = *(run.forward.steps.end() - 1);
        CHECK(last.stage == Stage::sg_ingress);
        CHECK(last.reason == DropReason::security_group_ingress);
        CHECK(last.group == GroupDecision::denied);
        CHECK(last.entry == Step::none);
    }
    SUBCASE("the source/destination check, and a frame cut short at the edge") {
        const DryRun spoofed = dry_run(*lab.snap, lab.flows, packet(lab.pub_host, 1, 0x0a0a0063, priv_ip));
        CHECK(stages(spoofed.forward.steps) == std::vector<Stage>{Stage::edge, Stage::source_dest_check});
        CHECK(step_at(spoofed.forward.steps, Stage::source_dest_check).reason == DropReason::source_dest_check_source);
        std::vector<std::uint8_t> cut(12);
        std::vector<std::uint8_t> scratch(pipeline_scratch_size);
        test::RecordingSink sink;
        StepLog log;
        process_frame(*lab.snap, lab.pub_host, cut, scratch, sink, lab.flows, &log);
        CHECK(stages(log) == std::vector<Stage>{Stage::edge});
        CHECK(log.steps[0].reason == DropReason::frame_truncated);
    }
}

TEST_CASE("a dry run changes no table") {
    BalancedLab lab;
    // Real traffic first, so the tables hold flows of every kind.
    test::send_through(lab, lab.pub_host, test::build_packet({1, pub_ip, priv_ip, 7, 0}), lab.mac(lab.pub_host));
    test::send_through(lab, lab.priv_host, test::build_packet({6, priv_ip, s3, 41000, 443}), lab.mac(lab.priv_host));
    test::send_through(lab, lab.pub_host, test::build_tcp_segment(pub_ip, lab.cf_eni_ip, 41001, 443, 0x02, 0), lab.mac(lab.pub_host));
    test::send_through(lab, lab.region, test::build_tcp_segment(0xc6120002, lab.lb_public, 41002, 80, 0x02, 0), lab.sp.region_mac);
    test::send_through(lab, lab.priv_host, test::build_tcp_segment(priv_ip, lab.pl_eni_ip, 41003, 80, 0x02, 0), lab.mac(lab.priv_host));
    const auto tracked = contents(lab.flows.connections.table), endpoint = contents(lab.flows.endpoint.table);
    const std::size_t interface = lab.flows.interface_endpoints.size(), balanced = lab.flows.load_balancers.size();
    REQUIRE(!tracked.empty());
    REQUIRE(!endpoint.empty());
    REQUIRE(interface == 1);
    REQUIRE(balanced == 2);
    for (const TracePacket& p : {packet(lab.pub_host, 1, pub_ip, priv2_ip), packet(lab.priv_host, 6, priv_ip, s3, 80), packet(lab.pub_host, 6, pub_ip, lab.cf_eni_ip, 80),
                                 packet(lab.region, 6, 0xc6120003, lab.lb_public), packet(lab.priv_host, 6, priv_ip, lab.pl_eni_ip), packet(lab.pub_host, 17, pub_ip, s3, 53)}) {
        const DryRun run = dry_run(*lab.snap, lab.flows, p);
        CHECK(run.forward.delivered);
    }
    CHECK(contents(lab.flows.connections.table) == tracked);
    CHECK(contents(lab.flows.endpoint.table) == endpoint);
    CHECK(lab.flows.interface_endpoints.size() == interface);
    CHECK(lab.flows.load_balancers.size() == balanced);
}

TEST_CASE("a dry run reads the live connections through its overlay: a segment in the middle of a connection passes, and only there") {
    BalancedLab lab;
    TracePacket ack = packet(lab.region, 6, 0xc6120002, lab.lb_public);
    ack.source_port = 41000;
    ack.tcp_flags = wire::tcp_flags::ack;
    // Before the connection: an ACK opens nothing at the load balancer, nor at the interface endpoint.
    const DryRun early = dry_run(*lab.snap, lab.flows, ack);
    REQUIRE(early.forward.steps.size > 0);
    CHECK(early.forward.steps.steps[early.forward.steps.size - 1].reason == DropReason::load_balancer_no_connection);
    TracePacket endpoint_ack = packet(lab.pub_host, 6, pub_ip, lab.cf_eni_ip, 443);
    endpoint_ack.source_port = 41001;
    endpoint_ack.tcp_flags = wire::tcp_flags::ack;
    CHECK(!dry_run(*lab.snap, lab.flows, endpoint_ack).forward.delivered);
    // The real SYNs open them (and the tracked flows of the security groups on the way).
    test::send_through(lab, lab.region, test::build_tcp_segment(0xc6120002, lab.lb_public, 41000, 80, 0x02, 0), lab.sp.region_mac);
    test::send_through(lab, lab.pub_host, test::build_tcp_segment(pub_ip, lab.cf_eni_ip, 41001, 443, 0x02, 0), lab.mac(lab.pub_host));
    const auto tracked = contents(lab.flows.connections.table);
    const TranslatedConnection* live = lab.flows.load_balancers.peek(static_cast<std::uint16_t>(lab.lb_node), 6, 0xc6120002, 41000, lab.lb_node_ip, 80);
    REQUIRE(live != nullptr);
    const TranslatedConnection before = *live;
    lab.flows.now += 3;
    for (const TracePacket& p : {ack, endpoint_ack}) {
        const DryRun run = dry_run(*lab.snap, lab.flows, p);
        CHECK(run.forward.delivered);
        CHECK(run.reply.delivered_to == p.port);  // and its answer found the way back
    }
    // The live tables were read, not written: nothing refreshed, nothing advanced.
    CHECK(contents(lab.flows.connections.table) == tracked);
    CHECK(live->last_seen == before.last_seen);
    CHECK(live->progress == before.progress);
    CHECK(live->idle_timeout == before.idle_timeout);
}

TEST_CASE("a dry run is refused where forwarding would be: a client at its share of the live load balancer table") {
    BalancedLab lab;
    constexpr std::uint32_t client = 0xc6120002;
    const std::size_t share = lab.flows.load_balancers.per_client();
    for (std::uint32_t i = 0; i < share; ++i)
        test::send_through(lab, lab.region, test::build_tcp_segment(client, lab.lb_public, static_cast<std::uint16_t>(20000 + i), 80, 0x02, 0),
                           lab.sp.region_mac);
    REQUIRE(lab.flows.load_balancers.held_by(static_cast<std::uint16_t>(lab.lb_node), client) == share);
    TracePacket more = packet(lab.region, 6, client, lab.lb_public);
    const DryRun refused = dry_run(*lab.snap, lab.flows, more);
    CHECK(!refused.forward.delivered);
    REQUIRE(refused.forward.steps.size > 0);
    CHECK(refused.forward.steps.steps[refused.forward.steps.size - 1].reason == DropReason::load_balancer_table_full);
    // Another client has its own share.
    more.source = client + 1;
    CHECK(dry_run(*lab.snap, lab.flows, more).forward.delivered);
}

TEST_CASE("a dry run (recorded, in an overlay over the live tables) does what forwarding does, and its steps agree with the outputs, on every frame of the fuzz corpus") {
    test::FuzzPipelineLab lab;  // the pipeline fuzzer's
    lab.flows.share_among(*lab.snap);
    std::vector<std::filesystem::path> inputs;
    for (const char* dir : {"tests/fuzz/corpus/pipeline", "tests/fuzz/regressions/pipeline"})
        for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(VPCLAB_SOURCE_DIR) / dir)) inputs.push_back(entry.path());
    std::sort(inputs.begin(), inputs.end());
    REQUIRE(inputs.size() > 50);
    std::size_t delivered = 0, dropped = 0, through_nat_gateway = 0, across_peering = 0, across_transit_gateway = 0;
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    for (const auto& path : inputs) {
        std::ifstream in(path, std::ios::binary);
        const std::vector<std::uint8_t> data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        if (data.empty()) continue;
        const PortIndex ingress = lab.port_of_slot(data[0]);
        std::vector<std::uint8_t> traced(data.begin() + 1, data.end()), real = traced;
        // The trace's way: a recorder, in a dry run's overlay over the tables (read through, never written);
        // then forwarding's own way on the tables, which the frames before this one have filled.
        FlowState overlay = FlowState::small(64, lab.flows.now);
        const auto tracked_before = contents(lab.flows.connections.table);
        test::RecordingSink with_steps, without;
        StepLog log;
        process_frame(*lab.snap, ingress, traced, scratch, with_steps, FlowMemory(overlay, lab.flows), &log);
        CHECK(contents(lab.flows.connections.table) == tracked_before);
        process_frame(*lab.snap, ingress, real, scratch, without, lab.flows);
        INFO(path.filename().string());
        REQUIRE(with_steps.sent.size() == without.sent.size());
        for (std::size_t i = 0; i < without.sent.size(); ++i) {
            CHECK(with_steps.sent[i].port == without.sent[i].port);
            CHECK(with_steps.sent[i].frame == without.sent[i].frame);
        }
        CHECK(with_steps.drops == without.drops);
        // Each frame written is a deliver step, each drop a drop step with its reason, in order.
        REQUIRE(log.lost == 0);
        std::vector<PortIndex> delivered_to;
        std::vector<std::pair<PortIndex, DropReason>> drops;
        for (const Step& s : log) {
            if (s.verdict == Verdict::deliver) delivered_to.push_back(s.port);
            if (s.verdict == Verdict::drop) drops.emplace_back(s.port, s.reason);
        }
        std::vector<PortIndex> sent_to;
        for (const auto& s : without.sent) sent_to.push_back(s.port);
        CHECK(delivered_to == sent_to);
        CHECK(drops == without.drops);
        CHECK((!log.size || log.steps[0].stage == Stage::edge));
        delivered += !sent_to.empty();
        dropped += !drops.empty();
        const auto has = [&](Stage stage, Verdict verdict) {
            return std::any_of(log.begin(), log.end(), [&](const Step& s) { return s.stage == stage && s.verdict == verdict; });
        };
        through_nat_gateway += has(Stage::nat_gateway, Verdict::rewrite) && !sent_to.empty();
        across_peering += has(Stage::vpc_peering, Verdict::pass) && !sent_to.empty();
        across_transit_gateway += has(Stage::transit_gateway, Verdict::pass) && !sent_to.empty();
    }
    // The corpus reaches both outcomes, through the NAT gateway both ways (TCP, UDP, ICMP, an error,
    // fragments: seeds nat-gateway-01, 02 and 05 to 13) and across the peering (peering-1 to 4).
    CHECK(through_nat_gateway >= 11);
    CHECK(across_peering >= 4);
    CHECK(across_transit_gateway >= 3);  // transit-gateway-1 to 3
    CHECK(delivered > 10);
    CHECK(dropped > 10);
}

extern std::atomic<std::size_t> allocations;  // pipeline_test.cpp's count of heap allocations

TEST_CASE("a load balancer's and PrivateLink's paths allocate nothing, recorded or not") {
    BalancedLab lab;
    constexpr std::uint32_t client = 0xc6120002;
    std::vector<std::pair<PortIndex, std::vector<std::uint8_t>>> frames = {
        {lab.region, test::frame_of(lab.sp.region_mac, test::build_tcp_segment(client, lab.lb_public, 41000, 80, 0x02, 0))},
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), test::build_tcp_segment(priv_ip, lab.pl_eni_ip, 41001, 80, 0x02, 0))},
    };
    // The targets' answers, addressed as each target saw its SYN (learnt on a copy of the tables).
    {
        FlowState learn = lab.flows;
        std::vector<std::uint8_t> scratch(pipeline_scratch_size);
        for (auto f : std::vector(frames)) {
            test::RecordingSink sink;
            process_frame(*lab.snap, f.first, f.second, scratch, sink, learn);
            REQUIRE(sink.sent.size() == 1);
            REQUIRE(sink.sent[0].port == lab.pub_host);
            const PacketFacts seen = packet_facts(sink.sent[0].frame);
            frames.push_back({lab.pub_host, test::frame_of(lab.mac(lab.pub_host), test::build_tcp_segment(seen.destination, seen.source, seen.destination_port,
                                                                                                           seen.source_port, 0x12, 0))});
        }
    }
    struct Counting final : FrameSink {
        std::size_t sent = 0;
        void transmit(PortIndex, wire::ConstBytes) noexcept override { ++sent; }
        void drop(PortIndex, wire::ConstBytes, DropReason) noexcept override {}
    } sink;
    FlowState plain = lab.flows, recorded = lab.flows, logged = lab.flows;  // copies made before counting
    const auto starts = frames;
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    StepLog log;
    // The third pass with flow logs on every port, their recorder passing the steps on to the log.
    FlowAggregator minute(1024);
    FlowAggregator* windows[2] = {&minute, nullptr};
    const std::vector<std::uint8_t> coverage(lab.port_limit() + 4, flow_window_minute);
    FlowLogRecorder flow_logs;
    flow_logs.also = &log;
    std::size_t privatelink_steps = 0;
    const std::size_t before = allocations.load();
    for (int pass = 0; pass < 3; ++pass)
        for (std::size_t k = 0; k < frames.size(); ++k) {
            std::memcpy(frames[k].second.data(), starts[k].second.data(), frames[k].second.size());
            log.clear();
            StepRecorder* recorder = pass == 0 ? nullptr : pass == 1 ? static_cast<StepRecorder*>(&log) : &flow_logs;
            if (pass == 2) flow_logs.begin(*lab.snap, frames[k].first, frames[k].second, coverage.data(), coverage.size());
            process_frame(*lab.snap, frames[k].first, frames[k].second, scratch, sink, pass == 0 ? plain : pass == 1 ? recorded : logged, recorder);
            if (pass == 2) flow_logs.finish(windows, 1000);
            for (const Step& s : log) privatelink_steps += s.stage == Stage::privatelink;
        }
    CHECK(allocations.load() == before);
    CHECK(minute.size() > 0);
    CHECK(sink.sent == 3 * 4);  // each SYN to its target, each answer back (to the internet, to the client)
    CHECK(privatelink_steps >= 3);  // carried to the node, translated there and on the way back
}
