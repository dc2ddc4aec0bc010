// Flow logs' data-path side and its pure parts: the aggregation table against a slow reference on random
// data, the records a frame's steps make (ACCEPT and REJECT on the right ENI and direction, what AWS does
// not log), the wire size and TCP flags counted, record rendering, formats and filter patterns.
#include <doctest/doctest.h>

#include <map>
#include <random>

#include "router/flow_logs/filter_pattern.hpp"
#include "router/flow_logs/flow_log_publisher.hpp"
#include "router/flow_logs/flow_log_recorder.hpp"
#include "tests/unit/logged_lab.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/recording_sink.hpp"
#include "wire/l4.hpp"
#include "wire/vnet_header.hpp"

using namespace vpclab;
using namespace vpclab::router;
using test::PipelineLab;
using LoggedLab = test::LoggedLab<PipelineLab>;

namespace {

using test::as_tuple;

struct Expected {
    std::uint64_t packets = 0, bytes = 0;
    std::uint32_t first = 0, last = 0;
    std::uint8_t flags = 0;
};

}  // namespace

TEST_CASE("flow aggregator: the same records and skipped counts as an obvious map, full or not") {
    std::mt19937 rng(24);
    for (std::size_t capacity : {16, 64, 1024}) {
        FlowAggregator table(capacity);
        for (int window = 0; window < 3; ++window) {
            std::map<decltype(as_tuple(FlowRecordKey{})), Expected> reference;
            std::map<std::uint16_t, std::size_t> held;
            std::map<std::uint16_t, std::uint32_t> skipped;
            for (int i = 0; i < 3000; ++i) {
                FlowRecordKey k;
                k.port = static_cast<std::uint16_t>(rng() % 6);
                k.direction = rng() % 2 ? FlowDirection::egress : FlowDirection::ingress;
                k.action = rng() % 3 ? FlowAction::accept : FlowAction::reject;
                k.protocol = rng() % 2 ? 6 : 17;
                k.source = 0x0a000000 + rng() % 20;
                k.destination = 0x0a000100 + rng() % 3;
                k.source_port = static_cast<std::uint16_t>(40000 + rng() % 10);
                k.destination_port = 22;
                const std::uint32_t packets = 1 + rng() % 3, bytes = 40 + rng() % 1400, now = 1000 + static_cast<std::uint32_t>(i / 100);
                const std::uint8_t flags = static_cast<std::uint8_t>(rng() % 32);
                const auto key = as_tuple(k);
                const bool known = reference.count(key) > 0;
                const bool room = known || (reference.size() < table.capacity() && held[k.port] < table.per_port_limit());
                CHECK(table.add(k, packets, bytes, flags, 1, now) == room);
                if (!room) {
                    ++skipped[k.port];
                    continue;
                }
                Expected& e = reference[key];
                if (!known) {
                    ++held[k.port];
                    e.first = now;
                }
                e.packets += packets;
                e.bytes += bytes;
                e.last = now;
                e.flags |= flags;
            }
            std::size_t seen = 0;
            std::map<std::uint16_t, std::uint32_t> skipped_seen;
            table.take(
                [&](const FlowRecord& r) {
                    ++seen;
                    const auto it = reference.find(as_tuple(r.key));
                    REQUIRE(it != reference.end());
                    CHECK(r.packets == it->second.packets);
                    CHECK(r.bytes == it->second.bytes);
                    CHECK(r.first == it->second.first);
                    CHECK(r.last == it->second.last);
                    CHECK(r.tcp_flags == it->second.flags);
                },
                [&](std::uint16_t port, std::uint32_t count) { skipped_seen[port] = count; });
            CHECK(seen == reference.size());
            CHECK(skipped_seen == skipped);
            CHECK(table.size() == 0);  // empty for the next window
        }
    }
    // What the README and the header state a default window takes.
    CHECK(FlowAggregator{}.memory_bytes() <= std::size_t{5} << 19);
}

TEST_CASE("flow logs count TCP flags as the guide says, and a segmentation-offload frame as its packets") {
    using namespace wire::tcp_flags;
    CHECK(FlowLogRecorder::logged_tcp_flags(syn) == 2);
    CHECK(FlowLogRecorder::logged_tcp_flags(syn | ack) == 18);
    CHECK(FlowLogRecorder::logged_tcp_flags(ack) == 0);
    CHECK(FlowLogRecorder::logged_tcp_flags(psh | ack) == 0);
    CHECK(FlowLogRecorder::logged_tcp_flags(fin | ack) == 1);
    CHECK(FlowLogRecorder::logged_tcp_flags(rst) == 4);
    // 3,000 bytes of TCP payload in one frame with a 1,448-byte segment size: three packets on the wire,
    // each with its 20-byte IP and 20-byte TCP headers.
    auto frame = test::frame_of(wire::MacAddress{}, test::build_packet({6, PipelineLab::pub_ip, PipelineLab::priv_ip, 40000, 22}, 3000));
    wire::VnetHeader h;
    h.gso_type = wire::VnetHeader::gso_tcpv4;
    h.gso_size = 1448;
    h.write(wire::Bytes(frame.data(), frame.size()));
    const auto w = FlowLogRecorder::wire_size(frame);
    CHECK(w.packets == 3);
    CHECK(w.bytes == 3000 + 3 * 40);
    const auto plain = FlowLogRecorder::wire_size(test::frame_of(wire::MacAddress{}, test::build_packet({1, 1, 2, 7, 0}, 56)));
    CHECK(plain.packets == 1);
    CHECK(plain.bytes == 84);  // ping's 84 bytes
}

namespace {

bool has(const std::vector<FlowRecord>& records, routing::PortIndex port, FlowDirection d, FlowAction a, std::uint32_t source, std::uint32_t destination) {
    return std::any_of(records.begin(), records.end(), [&](const FlowRecord& r) {
        return r.key.port == port && r.key.direction == d && r.key.action == a && r.key.source == source && r.key.destination == destination;
    });
}

}  // namespace

TEST_CASE("flow log records from the steps: each ENI's own verdict, each way") {
    LoggedLab s;
    const auto pub = PipelineLab::pub_ip, priv = PipelineLab::priv_ip;
    SUBCASE("allowed: egress ACCEPT on the sender, ingress ACCEPT on the receiver, counted in packets and bytes") {
        s.send(s.lab.pub_host, test::build_packet({6, pub, priv, 40000, 22}, 100));
        s.send(s.lab.pub_host, test::build_packet({6, pub, priv, 40000, 22}, 60));
        const auto r = s.records();
        REQUIRE(r.size() == 2);
        CHECK(has(r, s.lab.pub_host, FlowDirection::egress, FlowAction::accept, pub, priv));
        CHECK(has(r, s.lab.priv_host, FlowDirection::ingress, FlowAction::accept, pub, priv));
        for (const auto& rec : r) {
            CHECK(rec.packets == 2);
            CHECK(rec.bytes == (40 + 100) + (40 + 60));  // IP and TCP headers with each payload
            CHECK(rec.key.destination_port == 22);
        }
        CHECK(r[0].traffic_path + r[1].traffic_path == 1);  // the egress record: through the same VPC
    }
    SUBCASE("a network ACL denies the request in: the sender's egress ACCEPT, the receiver's ingress REJECT") {
        routing::NetworkAclEntry deny;
        deny.rule_number = 10;
        deny.cidr = routing::Cidr{0, 0};
        const std::string acl = s.lab.acl_allowing_all({deny});
        for (const auto& a : s.lab.m.network_acl_of(s.lab.priv).associations)
            if (a.subnet_id == s.lab.priv) s.lab.m.replace_network_acl_association(a.association_id, acl);
        s.lab.recompile();
        CHECK(test::dropped(s.send(s.lab.pub_host, test::build_packet({1, pub, priv, 7, 0}, 56)), DropReason::network_acl_inbound));
        const auto r = s.records();
        REQUIRE(r.size() == 2);
        CHECK(has(r, s.lab.pub_host, FlowDirection::egress, FlowAction::accept, pub, priv));
        CHECK(has(r, s.lab.priv_host, FlowDirection::ingress, FlowAction::reject, pub, priv));
    }
    SUBCASE("the guide's example: the request in is accepted, the reply a stateless ACL denies out is a REJECT of its own") {
        routing::NetworkAclEntry deny_out;
        deny_out.rule_number = 10;
        deny_out.egress = true;
        deny_out.cidr = routing::Cidr{0, 0};
        const std::string acl = s.lab.acl_allowing_all({deny_out});
        for (const auto& a : s.lab.m.network_acl_of(s.lab.priv).associations)
            if (a.subnet_id == s.lab.priv) s.lab.m.replace_network_acl_association(a.association_id, acl);
        s.lab.recompile();
        CHECK(!s.send(s.lab.pub_host, test::build_packet({1, pub, priv, 7, 0}, 56)).sent.empty());
        auto reply = test::build_packet({1, priv, pub, 7, 0}, 56);
        reply[20] = 0;  // echo reply
        CHECK(test::dropped(s.send(s.lab.priv_host, reply), DropReason::network_acl_outbound));
        const auto r = s.records();
        CHECK(has(r, s.lab.priv_host, FlowDirection::ingress, FlowAction::accept, pub, priv));
        CHECK(has(r, s.lab.priv_host, FlowDirection::egress, FlowAction::reject, priv, pub));
        CHECK(!has(r, s.lab.pub_host, FlowDirection::ingress, FlowAction::accept, priv, pub));
    }
    SUBCASE("from the internet: the ENI's ingress record has its private address, after the gateway's translation") {
        CHECK(!s.send(s.lab.region, test::build_packet({6, 0xc6120002, PipelineLab::public_ip, 41000, 80}, 10)).sent.empty());
        const auto r = s.records();
        REQUIRE(r.size() == 1);
        CHECK(has(r, s.lab.pub_host, FlowDirection::ingress, FlowAction::accept, 0xc6120002, pub));
        CHECK(s.send(s.lab.pub_host, test::build_packet({6, pub, 0xc6120002, 80, 41000}, 10)).sent.size() == 1);
        const auto out = s.records();
        REQUIRE(out.size() == 1);
        CHECK(out[0].traffic_path == 2);  // through the internet gateway
    }
    SUBCASE("the router's own answer is not the sender's ingress; a write that failed is not an ACCEPT") {
        // 3,000 bytes with DF to the internet: the gateway answers fragmentation-needed to the sender.
        const auto sink = s.send(s.lab.pub_host, test::build_packet({6, pub, PipelineLab::s3, 40000, 80}, 3000));
        REQUIRE(sink.sent.size() == 1);
        REQUIRE(sink.sent[0].port == s.lab.pub_host);
        const auto r = s.records();
        REQUIRE(r.size() == 1);
        CHECK(has(r, s.lab.pub_host, FlowDirection::egress, FlowAction::accept, pub, PipelineLab::s3));
        s.send(s.lab.pub_host, test::build_packet({6, pub, priv, 40000, 22}, 10), s.lab.priv_host);
        const auto failed = s.records();
        REQUIRE(failed.size() == 1);
        CHECK(failed[0].key.port == s.lab.pub_host);
    }
    SUBCASE("not logged: the Amazon DNS server, instance metadata, DHCP, a port no flow log covers") {
        s.send(s.lab.pub_host, test::build_packet({17, pub, 0x0a0a0002, 40000, 53}, 30));       // the VPC resolver
        s.send(s.lab.pub_host, test::build_packet({6, pub, 0xa9fea9fe, 40000, 80}, 10));       // 169.254.169.254
        s.send(s.lab.pub_host, test::build_packet({17, pub, 0xffffffff, 68, 67}, 300));        // DHCP
        CHECK(s.records().empty());
        s.coverage[s.lab.priv_host] = 0;
        s.send(s.lab.pub_host, test::build_packet({6, pub, priv, 40000, 22}, 10));
        const auto r = s.records();
        REQUIRE(r.size() == 1);
        CHECK(r[0].key.port == s.lab.pub_host);
    }
}

TEST_CASE("flow log records through a load balancer, an interface endpoint and PrivateLink: each ENI that takes the packet, not PrivateLink's inside") {
    LoggedLab s(true);
    s.lab.m.register_targets(s.lab.m.target_groups().front().id, {{s.lab.m.interface_on_port(s.lab.pub_host)->instance_id, 0}});
    s.lab.recompile();
    const auto pub = PipelineLab::pub_ip, priv = PipelineLab::priv_ip;
    SUBCASE("from the internet to the load balancer: the node's ingress, then the target's") {
        CHECK(!s.send(s.lab.region, test::build_tcp_segment(0xc6120002, s.lab.lb_public, 41000, 80, 0x02, 0)).sent.empty());
        const auto r = s.records();
        CHECK(has(r, s.lab.lb_node, FlowDirection::ingress, FlowAction::accept, 0xc6120002, s.lab.lb_node_ip));
        CHECK(has(r, s.lab.pub_host, FlowDirection::ingress, FlowAction::accept, 0xc6120002, pub));
        CHECK(r.size() == 2);
        for (const auto& rec : r) CHECK(rec.tcp_flags == 2);  // SYN
    }
    SUBCASE("to an interface endpoint: the client's egress and the endpoint ENI's ingress") {
        CHECK(!s.send(s.lab.pub_host, test::build_tcp_segment(pub, s.lab.cf_eni_ip, 40010, 443, 0x02, 0)).sent.empty());
        const auto r = s.records();
        CHECK(has(r, s.lab.pub_host, FlowDirection::egress, FlowAction::accept, pub, s.lab.cf_eni_ip));
        CHECK(has(r, s.lab.cf_eni, FlowDirection::ingress, FlowAction::accept, pub, s.lab.cf_eni_ip));
    }
    SUBCASE("through PrivateLink: the endpoint ENI's ingress and the target's, not the node's") {
        CHECK(!s.send(s.lab.priv_host, test::build_tcp_segment(priv, s.lab.pl_eni_ip, 41001, 80, 0x02, 0)).sent.empty());
        const auto r = s.records();
        CHECK(has(r, s.lab.priv_host, FlowDirection::egress, FlowAction::accept, priv, s.lab.pl_eni_ip));
        CHECK(has(r, s.lab.pl_eni, FlowDirection::ingress, FlowAction::accept, priv, s.lab.pl_eni_ip));
        CHECK(std::none_of(r.begin(), r.end(), [&](const FlowRecord& rec) { return rec.key.port == s.lab.lb_node; }));
        CHECK(std::any_of(r.begin(), r.end(), [&](const FlowRecord& rec) { return rec.key.port == s.lab.pub_host && rec.key.direction == FlowDirection::ingress; }));
    }
}

TEST_CASE("flow log records rendered in the default and a custom format, NODATA and SKIPDATA as the guide shows them") {
    PipelineLab lab;
    routing::VpcModel& m = lab.m;
    routing::FlowLogSpec spec;
    spec.resource_type = "VPC";
    spec.log_group_name = "flows";
    std::vector<routing::VpcModel::FlowLogFailure> failed;
    m.create_flow_logs("", spec, {lab.vpc}, failed);
    spec.log_group_name = "custom";
    spec.log_format = "${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${srcaddr} ${dstport} ${tcp-flags} ${type} ${flow-direction} "
                      "${traffic-path} ${az-id} ${region} ${pkt-dst-aws-service} ${action} ${log-status} ${ecs-task-id}";
    m.create_flow_logs("", spec, {lab.vpc}, failed);
    REQUIRE(failed.empty());
    const routing::FlowLog& plain = m.flow_logs()[0];
    const routing::FlowLog& custom = m.flow_logs()[1];
    const routing::NetworkInterface& eni = *m.interface_on_port(lab.pub_host);
    FlowRecord r;
    r.key = {static_cast<std::uint16_t>(lab.pub_host), FlowDirection::egress, FlowAction::accept, 6, PipelineLab::pub_ip, PipelineLab::s3, 40000, 443};
    r.packets = 3;
    r.bytes = 180;
    r.first = 1700000000;
    r.last = 1700000005;
    r.tcp_flags = 2;
    r.traffic_path = 2;
    CHECK(render_flow_record(m, plain, eni, r, "OK") ==
          "2 " + std::string(routing::lab_account_id) + " " + eni.id + " 10.10.0.4 198.18.10.10 40000 443 6 3 180 1700000000 1700000005 ACCEPT OK");
    CHECK(render_flow_record(m, custom, eni, r, "OK") == "7 " + eni.vpc_id + " " + eni.subnet_id + " " + eni.instance_id + " " + eni.id +
                                                              " 10.10.0.4 443 2 IPv4 egress 2 apne2-az1 ap-northeast-2 S3 ACCEPT OK -");
    CHECK(render_flow_record(m, plain, eni, r, "NODATA") ==
          "2 " + std::string(routing::lab_account_id) + " " + eni.id + " - - - - - - - 1700000000 1700000005 - NODATA");
    CHECK(availability_zone_id("ap-northeast-2c") == "apne2-az3");
    CHECK(availability_zone_id("us-east-1a") == "use1-az1");
    CHECK(availability_zone_id("eu-west-1b") == "euw1-az2");
    CHECK(availability_zone_id("ap-southeast-2a") == "apse2-az1");
}

TEST_CASE("flow log formats: ${field} names separated by spaces; anything else is refused by name") {
    std::string why;
    CHECK(routing::parse_flow_log_format(routing::default_flow_log_format(), &why).size() == 14);
    CHECK(routing::default_flow_log_format().rfind("${version} ${account-id} ${interface-id}", 0) == 0);
    CHECK(routing::parse_flow_log_format("${srcaddr} ${pkt-dstaddr}", &why) == std::vector{routing::FlowLogField::srcaddr, routing::FlowLogField::pkt_dstaddr});
    for (const char* bad : {"${nosuch}", "${version}${srcaddr}", "version", "${version", "", "${version} ${srcaddr} ${version}"}) {
        why.clear();
        CHECK(routing::parse_flow_log_format(bad, &why).empty());
        CHECK(!why.empty());
    }
    routing::parse_flow_log_format("${version} ${nosuch}", &why);
    CHECK(why.find("${nosuch}") != std::string::npos);
}

TEST_CASE("filter patterns: the flow log guide's bracket form, and terms") {
    std::string why;
    const std::string reject = "2 123456789012 eni-1 10.0.0.4 10.0.1.4 40000 22 6 3 180 1700000000 1700000005 REJECT OK";
    const std::string accept = "2 123456789012 eni-1 10.0.0.4 10.0.1.4 40000 80 6 3 1800 1700000000 1700000005 ACCEPT OK";
    const auto guide = FilterPattern::parse("[version, account, eni, source, destination, srcport, destport=\"22\", protocol=\"6\", packets, bytes, windowstart, "
                                            "windowend, action=\"REJECT\", flowlogstatus]", &why);
    REQUIRE(guide);
    CHECK(guide->matches(reject));
    CHECK(!guide->matches(accept));
    CHECK(!guide->matches("2 123456789012 eni-1 - - - - - - - 1700000000 1700000005 - NODATA"));
    auto matches = [&](const char* pattern, const std::string& m) {
        const auto p = FilterPattern::parse(pattern, &why);
        REQUIRE_MESSAGE(p, pattern << ": " << why);
        return p->matches(m);
    };
    CHECK(matches("[..., action=REJECT, status]", reject));
    CHECK(matches("[v, a, e, src=10.0.0.*, ...]", reject));
    CHECK(!matches("[v, a, e, src=10.9.*, ...]", reject));
    CHECK(matches("[v, a, e, s, d, sp, dp, p, packets, bytes>=1000, ...]", accept));
    CHECK(!matches("[v, a, e, s, d, sp, dp, p, packets, bytes>=1000, ...]", reject));
    CHECK(matches("[v, a, e, s, d, sp, dp=80 || dp=8080, ...]", accept));
    CHECK(!matches("[v, a, e, s, d, sp, dp=80 || dp=8080, ...]", reject));
    CHECK(matches("[v, a, e, s, d, sp, dp=22 && p=6, p, ...]", reject));
    CHECK(!matches("[v, a, e, s, d, sp, dp=22 && p=17, p, ...]", reject));
    CHECK(!matches("[v, a, e]", reject));  // 14 fields, 3 names, no ellipsis
    CHECK(matches("REJECT", reject));
    CHECK(!matches("REJECT", accept));
    CHECK(matches("?REJECT ?ACCEPT", accept));
    CHECK(matches("eni-1 -REJECT", accept));
    CHECK(!matches("eni-1 -REJECT", reject));
    CHECK(matches("\"REJECT OK\"", reject));
    CHECK(matches("", reject));
    for (const char* bad : {"[a, b", "[a, , b]", "[a, b>x]", "[a, b, c=1 || d=2]", "\"open", "[a, b!1]", "[..., a, ...]", "[a, ...=1]"}) {
        why.clear();
        CHECK_MESSAGE(!FilterPattern::parse(bad, &why), bad);
        CHECK(why.rfind("Invalid filter pattern", 0) == 0);
    }
}

TEST_CASE("the flow log recorder takes any bytes: random frames, offload fields and all, through begin, the pipeline and finish") {
    LoggedLab s;
    std::mt19937 rng(7);
    const routing::PortIndex ports[] = {s.lab.pub_host, s.lab.priv_host, s.lab.region, s.lab.resolver};
    std::size_t made = 0;
    for (int i = 0; i < 20000; ++i) {
        const std::size_t size = rng() % 120;
        std::vector<std::uint8_t> f(size);
        for (auto& b : f) b = static_cast<std::uint8_t>(rng());
        if (size > 24 && rng() % 2) {  // mostly-plausible IPv4 behind a virtio-net header with offload fields
            f[22] = 0x08, f[23] = 0x00, f[24] = static_cast<std::uint8_t>(0x40 | (rng() % 16));
            f[1] = wire::VnetHeader::gso_tcpv4;
        }
        const routing::PortIndex from = ports[rng() % 4];
        FlowLogRecorder recorder;
        recorder.begin(*s.lab.snap, from, f, s.coverage.data(), s.coverage.size());
        test::RecordingSink sink;
        std::vector<std::uint8_t> scratch(pipeline_scratch_size);
        process_frame(*s.lab.snap, from, f, scratch, sink, s.lab.flows, &recorder);
        recorder.finish(s.windows, s.now);
        made += recorder.wire_size(f).packets;
    }
    CHECK(made >= 20000);  // every frame is at least one packet
    CHECK(s.minute.size() <= s.minute.capacity());
}
