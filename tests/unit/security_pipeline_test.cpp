// Security groups and network ACLs on the frame pipeline: statefulness, untracked flows, revocation,
// ACL rule order and subnet edges, traffic never filtered, the bounded connection table, and no heap
// allocation per frame with filtering on.
#include <doctest/doctest.h>

#include <atomic>

#include "router/data_path/pipeline.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/pipeline_lab.hpp"
#include "wire/ethernet.hpp"
#include "wire/vnet_header.hpp"

extern std::atomic<std::size_t> allocations;  // pipeline_test.cpp's count of heap allocations

using namespace vpclab;
using namespace vpclab::router;
using routing::PortIndex;
using routing::SecurityGroupRule;

namespace {

using Lab = test::PipelineLab;
constexpr std::uint32_t pub_ip = Lab::pub_ip, priv_ip = Lab::priv_ip, priv2_ip = Lab::priv2_ip, public_ip = Lab::public_ip, s3 = Lab::s3;

struct Sink final : FrameSink {
    std::vector<PortIndex> sent;
    std::vector<std::pair<PortIndex, DropReason>> drops;
    std::vector<std::uint16_t> acl_rules;  // rule numbers that denied
    std::vector<std::uint32_t> acls;        // the keys (routing::network_acl_key) of the ACLs that denied
    void transmit(PortIndex port, wire::ConstBytes) noexcept override { sent.push_back(port); }
    void drop(PortIndex port, wire::ConstBytes, DropReason reason) noexcept override { drops.emplace_back(port, reason); }
    void drop_by_network_acl(PortIndex port, wire::ConstBytes frame, DropReason reason, std::uint32_t acl, std::uint16_t rule) noexcept override {
        acl_rules.push_back(rule);
        acls.push_back(acl);
        drop(port, frame, reason);
    }
};


Sink send(const Lab& lab, PortIndex from, const test::FiveTuple& t) {
    auto f = test::frame_of(lab.mac(from), test::build_packet(t));
    Sink sink;
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    process_frame(*lab.snap, from, f, scratch, sink, lab.flows);
    return sink;
}

Sink send_packet(const Lab& lab, PortIndex from, const std::vector<std::uint8_t>& packet) {
    auto f = test::frame_of(lab.mac(from), packet);
    Sink sink;
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    process_frame(*lab.snap, from, f, scratch, sink, lab.flows);
    return sink;
}

bool delivered(const Sink& s, PortIndex to) { return s.drops.empty() && s.sent.size() == 1 && s.sent[0] == to; }
bool dropped(const Sink& s, PortIndex at, DropReason why) {
    return s.sent.empty() && s.drops.size() == 1 && s.drops[0].first == at && s.drops[0].second == why;
}

SecurityGroupRule rule(const char* protocol, int from, int to, const char* cidr) {
    SecurityGroupRule r;
    r.ip_protocol = protocol;
    r.from_port = from;
    r.to_port = to;
    r.cidr = *routing::Cidr::parse(cidr);
    return r;
}

// The seed templates' group: HTTP and SSH from anywhere, all outbound (a new group's default).
struct SeedGroupLab : Lab {
    std::string web;
    SeedGroupLab() {
        web = m.create_security_group("Web", vpc, "web", "Enable HTTP and SSH", {rule("tcp", 80, 80, "0.0.0.0/0"), rule("tcp", 22, 22, "0.0.0.0/0")},
                                      std::nullopt, {})
                  .id;
        for (PortIndex p : {pub_host, priv_host, priv2_host}) m.modify_network_interface_groups(eni_on(p), {web});
        recompile();
    }
    std::string eni_on(PortIndex p) const { return m.interface_on_port(p)->id; }
};

}  // namespace

TEST_CASE("the seed's group: HTTP and SSH in, other ports and ping out until an ICMP rule is added") {
    SeedGroupLab lab;
    CHECK(delivered(send(lab, lab.pub_host, {6, pub_ip, priv_ip, 40000, 80}), lab.priv_host));
    CHECK(delivered(send(lab, lab.priv_host, {6, priv_ip, pub_ip, 80, 40000}), lab.pub_host));  // the reply
    CHECK(delivered(send(lab, lab.pub_host, {6, pub_ip, priv_ip, 40001, 22}), lab.priv_host));
    CHECK(dropped(send(lab, lab.pub_host, {6, pub_ip, priv_ip, 40002, 8080}), lab.priv_host, DropReason::security_group_ingress));
    CHECK(dropped(send(lab, lab.pub_host, {1, pub_ip, priv_ip, 7, 0}), lab.priv_host, DropReason::security_group_ingress));
    // authorize-security-group-ingress --protocol icmp --port -1 --cidr 0.0.0.0/0
    lab.m.authorize_security_group(lab.web, true, {rule("icmp", -1, -1, "0.0.0.0/0")});
    lab.recompile();
    CHECK(delivered(send(lab, lab.pub_host, {1, pub_ip, priv_ip, 8, 0}), lab.priv_host));
    // Revoked: the echo flow already tracked goes on (same identifier), a new one is dropped.
    lab.m.revoke_security_group(lab.web, true, {rule("icmp", -1, -1, "0.0.0.0/0")}, {});
    lab.recompile();
    CHECK(delivered(send(lab, lab.pub_host, {1, pub_ip, priv_ip, 8, 0}), lab.priv_host));
    CHECK(dropped(send(lab, lab.pub_host, {1, pub_ip, priv_ip, 9, 0}), lab.priv_host, DropReason::security_group_ingress));
    // From the region to the public instance: port 80 in, 8080 not.
    CHECK(delivered(send(lab, lab.region, {6, s3, public_ip, 50000, 80}), lab.pub_host));
    CHECK(dropped(send(lab, lab.region, {6, s3, public_ip, 50000, 8080}), lab.pub_host, DropReason::security_group_ingress));
}

TEST_CASE("stateful: replies to an instance's own connections pass a group with no inbound rules; unsolicited ones do not") {
    SeedGroupLab lab;
    const std::string closed = lab.m.create_security_group("Closed", lab.vpc, "closed", "nothing in", {}, std::nullopt, {}).id;
    lab.m.modify_network_interface_groups(lab.eni_on(lab.pub_host), {closed});
    lab.recompile();
    CHECK(delivered(send(lab, lab.pub_host, {6, pub_ip, s3, 41000, 80}), lab.region));
    CHECK(delivered(send(lab, lab.region, {6, s3, public_ip, 80, 41000}), lab.pub_host));  // the reply, tracked
    CHECK(dropped(send(lab, lab.region, {6, s3, public_ip, 80, 41001}), lab.pub_host, DropReason::security_group_ingress));
    CHECK(dropped(send(lab, lab.region, {6, s3, public_ip, 50000, 22}), lab.pub_host, DropReason::security_group_ingress));
    // A related ICMP error (port unreachable about a UDP packet the instance sent) passes; an unrelated one does not.
    const auto udp = test::build_packet({17, pub_ip, s3, 42000, 53});
    CHECK(delivered(send_packet(lab, lab.pub_host, udp), lab.region));
    const auto as_seen = test::build_packet({17, public_ip, s3, 42000, 53});  // as the region saw it (translated)
    CHECK(delivered(send_packet(lab, lab.region, test::build_icmp_error(3, 3, s3, as_seen)), lab.pub_host));
    const auto other = test::build_packet({17, public_ip, s3, 42001, 53});
    CHECK(dropped(send_packet(lab, lab.region, test::build_icmp_error(3, 3, s3, other)), lab.pub_host, DropReason::security_group_ingress));
}

TEST_CASE("an ICMP echo flow runs one way: the opener's requests and the other side's replies, nothing else") {
    SeedGroupLab lab;
    const std::string closed = lab.m.create_security_group("Closed", lab.vpc, "closed", "nothing in", {}, std::nullopt, {}).id;
    lab.m.modify_network_interface_groups(lab.eni_on(lab.pub_host), {closed});
    lab.recompile();
    auto echo = [](std::uint8_t type, std::uint32_t from, std::uint32_t to, std::uint16_t id) {
        auto p = test::build_packet({1, from, to, id, 0});
        std::uint8_t* h = p.data() + 20;
        h[0] = type;
        wire::store_be16(h + 2, 0);
        wire::store_be16(h + 2, wire::internet_checksum(wire::ConstBytes(h, p.size() - 20)));
        return p;
    };
    CHECK(delivered(send_packet(lab, lab.pub_host, echo(8, pub_ip, s3, 7)), lab.region));      // ping out: allowed, tracked
    CHECK(delivered(send_packet(lab, lab.region, echo(0, s3, public_ip, 7)), lab.pub_host));   // its reply
    // The far side's own request with the same identifier is not part of the flow: no rule lets it in.
    CHECK(dropped(send_packet(lab, lab.region, echo(8, s3, public_ip, 7)), lab.pub_host, DropReason::security_group_ingress));
    CHECK(dropped(send_packet(lab, lab.region, echo(0, s3, public_ip, 8)), lab.pub_host, DropReason::security_group_ingress));  // unsolicited reply
    // An echo reply the instance sends unasked opens nothing: a request back with its identifier is dropped.
    CHECK(delivered(send_packet(lab, lab.pub_host, echo(0, pub_ip, s3, 9)), lab.region));
    CHECK(dropped(send_packet(lab, lab.region, echo(8, s3, public_ip, 9)), lab.pub_host, DropReason::security_group_ingress));
}

TEST_CASE("the later fragments of a datagram whose first fragment passed go with it; others are judged by the rules") {
    SeedGroupLab lab;
    const std::string closed = lab.m.create_security_group("Closed", lab.vpc, "closed", "nothing in", {}, std::nullopt, {}).id;
    lab.m.modify_network_interface_groups(lab.eni_on(lab.pub_host), {closed});
    lab.recompile();
    // RFC 791: the fragment field (flags and offset in 8-byte units) and the identification they share.
    auto fragment = [](std::vector<std::uint8_t> p, std::uint16_t id, std::uint16_t field) {
        wire::store_be16(p.data() + 4, id);
        wire::store_be16(p.data() + 6, field);
        wire::Ipv4View(p).fill_header_checksum();
        return p;
    };
    constexpr std::uint16_t more_fragments = 0x2000;
    CHECK(delivered(send(lab, lab.pub_host, {17, pub_ip, s3, 42000, 53}), lab.region));  // a query out: tracked
    const auto reply = test::build_packet({17, s3, public_ip, 53, 42000}, 1000, 0, false);
    CHECK(delivered(send_packet(lab, lab.region, fragment(reply, 77, more_fragments)), lab.pub_host));  // first: the flow's reply
    CHECK(delivered(send_packet(lab, lab.region, fragment(reply, 77, 125)), lab.pub_host));  // the rest of datagram 77
    // A later fragment of a datagram whose first fragment was not seen: no rule lets UDP in.
    CHECK(dropped(send_packet(lab, lab.region, fragment(reply, 78, 125)), lab.pub_host, DropReason::security_group_ingress));
    // A first fragment the groups refused lets nothing of its datagram through.
    const auto unsolicited = test::build_packet({17, s3, public_ip, 53, 42001}, 1000, 0, false);
    CHECK(dropped(send_packet(lab, lab.region, fragment(unsolicited, 79, more_fragments)), lab.pub_host, DropReason::security_group_ingress));
    CHECK(dropped(send_packet(lab, lab.region, fragment(unsolicited, 79, 125)), lab.pub_host, DropReason::security_group_ingress));
    // Stopping the instance forgets its datagrams with its flows.
    CHECK(lab.flows.connections.fragments.size() == 1);
    lab.flows.forget_port(lab.pub_host);
    CHECK(lab.flows.connections.fragments.size() == 0);
    CHECK(lab.flows.connections.table.size() == 0);
    // A FIN flood's flows are never established either: 10 s, not the half-closed 60 s.
    CHECK(delivered(send_packet(lab, lab.pub_host, test::build_tcp_segment(pub_ip, s3, 21000, 80, 0x11, 0)), lab.region));
    CHECK(lab.flows.connections.table.find(routing::FlowKey{pub_ip, s3, 21000, 80, 6, static_cast<std::uint16_t>(lab.pub_host)}, lab.flows.now)->idle_timeout ==
          ConnectionTracking::tcp_unestablished_seconds);
}

TEST_CASE("a tracked connection survives revoking its rule; an untracked one stops at once") {
    SeedGroupLab lab;
    // Tracked: SSH allowed by the seed group's port-22 rule.
    CHECK(delivered(send(lab, lab.pub_host, {6, pub_ip, priv_ip, 43000, 22}), lab.priv_host));
    lab.m.revoke_security_group(lab.web, true, {rule("tcp", 22, 22, "0.0.0.0/0")}, {});
    lab.recompile();
    CHECK(delivered(send(lab, lab.pub_host, {6, pub_ip, priv_ip, 43000, 22}), lab.priv_host));
    CHECK(dropped(send(lab, lab.pub_host, {6, pub_ip, priv_ip, 43001, 22}), lab.priv_host, DropReason::security_group_ingress));

    // Untracked: all traffic allowed both ways (0.0.0.0/0, all protocols) on the server.
    const std::string open = lab.m.create_security_group("Open", lab.vpc, "open", "all in", {rule("-1", -1, -1, "0.0.0.0/0")}, std::nullopt, {}).id;
    lab.m.modify_network_interface_groups(lab.eni_on(lab.priv2_host), {open});
    lab.recompile();
    CHECK(lab.snap->security_groups_of(lab.priv2_host).untracked(6));
    CHECK_FALSE(lab.snap->security_groups_of(lab.priv_host).untracked(6));
    const std::size_t tracked_before = lab.flows.connections.table.size();
    CHECK(delivered(send(lab, lab.pub_host, {6, pub_ip, priv2_ip, 44000, 22}), lab.priv2_host));
    CHECK(delivered(send(lab, lab.priv2_host, {6, priv2_ip, pub_ip, 22, 44000}), lab.pub_host));
    CHECK(lab.flows.connections.table.size() == tracked_before + 1);  // at the client only
    lab.m.revoke_security_group(open, true, {rule("-1", -1, -1, "0.0.0.0/0")}, {});
    lab.recompile();
    CHECK(dropped(send(lab, lab.pub_host, {6, pub_ip, priv2_ip, 44000, 22}), lab.priv2_host, DropReason::security_group_ingress));
    // ICMP is always tracked, even between all-open groups.
    CHECK_FALSE(lab.snap->security_groups_of(lab.priv_host).untracked(1));
}

TEST_CASE("a rule naming a group lets its members in, and a member added later too") {
    SeedGroupLab lab;
    const std::string clients = lab.m.create_security_group("Clients", lab.vpc, "clients", "clients", {}, std::nullopt, {}).id;
    const std::string db = lab.m.create_security_group("Db", lab.vpc, "db", "database", {}, std::nullopt, {}).id;
    SecurityGroupRule from_clients;
    from_clients.ip_protocol = "tcp";
    from_clients.from_port = from_clients.to_port = 5432;
    from_clients.source_group_id = clients;
    lab.m.authorize_security_group(db, true, {from_clients});
    lab.m.modify_network_interface_groups(lab.eni_on(lab.priv_host), {db});
    lab.m.modify_network_interface_groups(lab.eni_on(lab.pub_host), {clients});
    lab.recompile();
    CHECK(delivered(send(lab, lab.pub_host, {6, pub_ip, priv_ip, 45000, 5432}), lab.priv_host));
    CHECK(dropped(send(lab, lab.priv2_host, {6, priv2_ip, priv_ip, 45000, 5432}), lab.priv_host, DropReason::security_group_ingress));
    lab.m.modify_network_interface_groups(lab.eni_on(lab.priv2_host), {lab.web, clients});  // a new member
    lab.recompile();
    CHECK(delivered(send(lab, lab.priv2_host, {6, priv2_ip, priv_ip, 45001, 5432}), lab.priv_host));
}

TEST_CASE("network ACLs: lowest rule first, replies need their own rule, not applied inside a subnet") {
    SeedGroupLab lab;
    const std::string unused = lab.m.create_network_acl("Unused", lab.vpc, {}).id;  // created first, deleted below
    const std::string acl = lab.m.create_network_acl("Strict", lab.vpc, {}).id;
    routing::NetworkAclEntry http_in;
    http_in.rule_number = 100;
    http_in.protocol = "6";
    http_in.allow = true;
    http_in.cidr = routing::Cidr{0, 0};
    http_in.port_range = routing::NetworkAclEntry::PortRange{80, 80};
    lab.m.create_network_acl_entry(acl, http_in);
    lab.m.associate_network_acl(lab.priv, acl);
    lab.recompile();
    // In on 80: allowed by rule 100; the reply out to an ephemeral port: no rule, the final * denies.
    CHECK(delivered(send(lab, lab.pub_host, {6, pub_ip, priv_ip, 46000, 80}), lab.priv_host));
    auto reply = send(lab, lab.priv_host, {6, priv_ip, pub_ip, 80, 46000});
    CHECK(dropped(reply, lab.priv_host, DropReason::network_acl_outbound));
    CHECK(reply.acl_rules == std::vector<std::uint16_t>{32767});
    // The denial names its ACL by a key that stays its own when an ACL listed before it is deleted.
    REQUIRE(reply.acls.size() == 1);
    CHECK(routing::network_acl_by_key(lab.m, reply.acls[0])->id == acl);
    lab.m.delete_network_acl(unused);
    CHECK(routing::network_acl_by_key(lab.m, reply.acls[0])->id == acl);
    CHECK(routing::network_acl_by_key(lab.m, routing::network_acl_key(unused)) == nullptr);
    routing::NetworkAclEntry ephemeral = http_in;
    ephemeral.egress = true;
    ephemeral.port_range = routing::NetworkAclEntry::PortRange{1024, 65535};
    lab.m.create_network_acl_entry(acl, ephemeral);
    lab.recompile();
    CHECK(delivered(send(lab, lab.priv_host, {6, priv_ip, pub_ip, 80, 46000}), lab.pub_host));
    // A deny numbered below the allow wins.
    routing::NetworkAclEntry deny = http_in;
    deny.rule_number = 50;
    deny.allow = false;
    deny.cidr = routing::Cidr{pub_ip, 32};
    lab.m.create_network_acl_entry(acl, deny);
    lab.recompile();
    auto denied = send(lab, lab.pub_host, {6, pub_ip, priv_ip, 46001, 80});
    CHECK(dropped(denied, lab.priv_host, DropReason::network_acl_inbound));
    CHECK(denied.acl_rules == std::vector<std::uint16_t>{50});
    // Between two ENIs of the private subnet the ACL does not apply (SSH is not in it).
    CHECK(delivered(send(lab, lab.priv2_host, {6, priv2_ip, priv_ip, 46002, 22}), lab.priv_host));
}

TEST_CASE("the VPC resolver is reached whatever groups and ACLs say") {
    SeedGroupLab lab;
    lab.m.revoke_security_group(lab.web, false, {rule("-1", -1, -1, "0.0.0.0/0")}, {});  // no egress at all
    const std::string acl = lab.m.create_network_acl("DenyAll", lab.vpc, {}).id;
    lab.m.associate_network_acl(lab.priv, acl);
    lab.recompile();
    CHECK(delivered(send(lab, lab.priv_host, {17, priv_ip, 0x0a0a0002, 45000, 53}), lab.resolver));
    CHECK(delivered(send(lab, lab.priv_host, {17, priv_ip, routing::amazon_dns_link_local, 45000, 53}), lab.resolver));
    CHECK(dropped(send(lab, lab.pub_host, {17, pub_ip, s3, 45000, 53}), lab.pub_host, DropReason::security_group_egress));
}

TEST_CASE("a full connection table refuses new flows, keeps forwarding tracked ones, and frees expired ones") {
    SeedGroupLab lab;
    lab.flows = FlowState(256, 4);
    lab.flows.now = 1000;
    for (std::uint16_t port = 50000; port < 50004; ++port) CHECK(delivered(send(lab, lab.pub_host, {17, pub_ip, s3, port, 9}), lab.region));
    CHECK(lab.flows.connections.table.size() == 4);
    CHECK(dropped(send(lab, lab.pub_host, {17, pub_ip, s3, 50004, 9}), lab.pub_host, DropReason::connection_table_full));
    CHECK(lab.flows.connections.refused == 1);
    CHECK(delivered(send(lab, lab.pub_host, {17, pub_ip, s3, 50000, 9}), lab.region));  // established goes on
    // UDP flows seen one way expire after the ENI's UDP timeout (30 s); then new ones fit.
    lab.flows.now += 31;
    lab.flows.expire_some(1 << 20);
    CHECK(lab.flows.connections.table.size() == 0);
    CHECK(delivered(send(lab, lab.pub_host, {17, pub_ip, s3, 50004, 9}), lab.region));
}

TEST_CASE("connection tracking timeouts follow the ENI's specification and the flow's state") {
    SeedGroupLab lab;
    lab.m.modify_connection_tracking(lab.eni_on(lab.pub_host), 120, 60, 40);
    lab.recompile();
    lab.flows.now = 5000;
    CHECK(delivered(send(lab, lab.pub_host, {17, pub_ip, s3, 51000, 9}), lab.region));
    routing::FlowKey k{pub_ip, s3, 51000, 9, 17, static_cast<std::uint16_t>(lab.pub_host)};
    REQUIRE(lab.flows.connections.table.find(k, lab.flows.now) != nullptr);
    CHECK(lab.flows.connections.table.find(k, lab.flows.now)->idle_timeout == 40);  // UDP, one way so far
    CHECK(delivered(send(lab, lab.region, {17, s3, public_ip, 9, 51000}), lab.pub_host));
    CHECK(delivered(send(lab, lab.pub_host, {17, pub_ip, s3, 51000, 9}), lab.region));
    CHECK(lab.flows.connections.table.find(k, lab.flows.now)->idle_timeout == 60);  // a stream now
    // TCP, segment by segment: short while not established or closing, the ENI's timeout once established.
    routing::FlowKey t{pub_ip, s3, 51001, 80, 6, static_cast<std::uint16_t>(lab.pub_host)};
    auto out = [&](std::uint8_t flags) { return delivered(send_packet(lab, lab.pub_host, test::build_tcp_segment(pub_ip, s3, 51001, 80, flags, 0)), lab.region); };
    auto in = [&](std::uint8_t flags) { return delivered(send_packet(lab, lab.region, test::build_tcp_segment(s3, public_ip, 80, 51001, flags, 0)), lab.pub_host); };
    auto timeout = [&] { return lab.flows.connections.table.find(t, lab.flows.now)->idle_timeout; };
    constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, ack = 0x10;
    CHECK(out(syn));
    CHECK(timeout() == ConnectionTracking::tcp_unestablished_seconds);
    CHECK(in(syn | ack));
    CHECK(timeout() == ConnectionTracking::tcp_unestablished_seconds);  // answered, not yet acknowledged
    CHECK(out(ack));
    CHECK(timeout() == 120);  // established: the ENI's TcpEstablishedTimeout
    CHECK(in(ack));
    CHECK(timeout() == 120);
    CHECK(out(fin | ack));
    CHECK(timeout() == ConnectionTracking::tcp_half_closed_seconds);
    CHECK(in(ack));  // the other side may go on sending
    CHECK(timeout() == ConnectionTracking::tcp_half_closed_seconds);
    CHECK(in(fin | ack));
    CHECK(timeout() == ConnectionTracking::tcp_closed_seconds);
    CHECK(out(ack));
    // The client reuses its port: the flow starts afresh, and is established again by its handshake.
    CHECK(out(syn));
    CHECK(timeout() == ConnectionTracking::tcp_unestablished_seconds);
    CHECK(in(syn | ack));
    CHECK(out(ack));
    CHECK(timeout() == 120);
    CHECK(in(rst));
    CHECK(timeout() == ConnectionTracking::tcp_closed_seconds);
    // Closed, it is gone 10 s later: the other side's late segment is then judged by the rules (inbound: denied).
    lab.flows.now += ConnectionTracking::tcp_closed_seconds + 1;
    CHECK(dropped(send_packet(lab, lab.region, test::build_tcp_segment(s3, public_ip, 80, 51001, ack, 0)), lab.pub_host, DropReason::security_group_ingress));
}

TEST_CASE("a SYN flood's unanswered flows are gone after 10 s; answered, not acknowledged, the same") {
    SeedGroupLab lab;
    lab.flows.now = 7000;
    for (std::uint16_t port = 20000; port < 20100; ++port)
        CHECK(delivered(send_packet(lab, lab.pub_host, test::build_tcp_segment(pub_ip, s3, port, 80, 0x02, 0)), lab.region));
    for (std::uint16_t port = 20000; port < 20050; ++port)  // half of them answered; the flooder never acknowledges
        CHECK(delivered(send_packet(lab, lab.region, test::build_tcp_segment(s3, public_ip, 80, port, 0x12, 0)), lab.pub_host));
    CHECK(lab.flows.connections.table.size() == 100);
    lab.flows.now += ConnectionTracking::tcp_unestablished_seconds;
    lab.flows.expire_some(1 << 20);
    CHECK(lab.flows.connections.table.size() == 100);  // not before their time
    lab.flows.now += 1;
    lab.flows.expire_some(1 << 20);
    CHECK(lab.flows.connections.table.size() == 0);
    // A FIN flood's flows are never established either: 10 s, not the half-closed 60 s.
    CHECK(delivered(send_packet(lab, lab.pub_host, test::build_tcp_segment(pub_ip, s3, 21000, 80, 0x11, 0)), lab.region));
    CHECK(lab.flows.connections.table.find(routing::FlowKey{pub_ip, s3, 21000, 80, 6, static_cast<std::uint16_t>(lab.pub_host)}, lab.flows.now)->idle_timeout ==
          ConnectionTracking::tcp_unestablished_seconds);
}

TEST_CASE("filtering allocates nothing per frame") {
    SeedGroupLab lab;
    lab.m.associate_network_acl(lab.priv, lab.acl_allowing_all());
    lab.recompile();
    std::vector<std::pair<PortIndex, std::vector<std::uint8_t>>> frames;
    for (std::uint16_t i = 0; i < 64; ++i) {
        frames.emplace_back(lab.pub_host, test::frame_of(lab.mac(lab.pub_host), test::build_packet({6, pub_ip, priv_ip, static_cast<std::uint16_t>(30000 + i), 80})));
        frames.emplace_back(lab.priv_host, test::frame_of(lab.mac(lab.priv_host), test::build_packet({6, priv_ip, pub_ip, 80, static_cast<std::uint16_t>(30000 + i)})));
        frames.emplace_back(lab.pub_host, test::frame_of(lab.mac(lab.pub_host), test::build_packet({6, pub_ip, priv_ip, 30000, 8080})));
        frames.emplace_back(lab.region, test::frame_of(lab.mac(lab.region), test::build_packet({6, s3, public_ip, 80, 9999})));
    }
    struct Quiet final : FrameSink {
        std::size_t sent = 0, dropped = 0;
        void transmit(PortIndex, wire::ConstBytes) noexcept override { ++sent; }
        void drop(PortIndex, wire::ConstBytes, DropReason) noexcept override { ++dropped; }
    } sink;
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    const std::size_t before = allocations.load();
    for (auto& [port, f] : frames) process_frame(*lab.snap, port, f, scratch, sink, lab.flows);
    CHECK(allocations.load() == before);
    CHECK(sink.sent == 128);
    CHECK(sink.dropped == 128);
}

TEST_CASE("one ENI's SYN flood is refused on that ENI, and the others still open connections") {
    // shared/repro/syn-flood.py: the tracking table was one pool, and one instance's flood denied every instance.
    SeedGroupLab lab;
    lab.flows.share_among(*lab.snap);
    const auto& table = lab.flows.connections.table;
    const auto shares = table.shares();
    REQUIRE(shares.reserved > 0);
    lab.flows.now = 9000;
    // The public instance floods the internet with SYNs from every port it has (the frames made first: the
    // flood's path, refusals at the ENI's share included, allocates nothing).
    std::vector<std::vector<std::uint8_t>> flood;
    for (std::uint32_t i = 0; i < 20000; ++i)
        flood.push_back(test::frame_of(lab.mac(lab.pub_host), test::build_tcp_segment(pub_ip, s3, static_cast<std::uint16_t>(1024 + i), 80, 0x02, 0)));
    struct Tally final : FrameSink {
        std::size_t to_region = 0, refused_at_flooder = 0, other = 0;
        PortIndex region = 0, flooder = 0;
        void transmit(PortIndex p, wire::ConstBytes) noexcept override { (p == region ? to_region : other)++; }
        void drop(PortIndex p, wire::ConstBytes, DropReason r) noexcept override {
            (p == flooder && r == DropReason::connection_table_full ? refused_at_flooder : other)++;  // charged to the flooder's ENI
        }
    } tally;
    tally.region = lab.region;
    tally.flooder = lab.pub_host;
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    const std::size_t allocated_before = allocations.load();
    for (auto& f : flood) process_frame(*lab.snap, lab.pub_host, f, scratch, tally, lab.flows);
    CHECK(allocations.load() == allocated_before);
    const std::size_t accepted = tally.to_region, refused = tally.refused_at_flooder;
    CHECK(tally.other == 0);
    CHECK(accepted == shares.reserved + shares.shared_per_owner);  // all it may hold, no more
    CHECK(accepted + refused == 20000);
    CHECK(table.held_by(static_cast<std::uint16_t>(lab.pub_host)) == accepted);
    CHECK(table.size() < table.capacity());
    // Meanwhile the private instances open connections to each other, every one of them tracked.
    for (std::uint16_t port = 30000; port < 30000 + 200; ++port) {
        CHECK(delivered(send_packet(lab, lab.priv_host, test::build_tcp_segment(priv_ip, priv2_ip, port, 80, 0x02, 0)), lab.priv2_host));
        CHECK(delivered(send_packet(lab, lab.priv2_host, test::build_tcp_segment(priv2_ip, priv_ip, 80, port, 0x12, 0)), lab.priv_host));
    }
    // The flood's half-open flows go 10 s later, and the flooder may open connections again.
    lab.flows.now += ConnectionTracking::tcp_unestablished_seconds + 1;
    lab.flows.expire_some(1 << 20);
    CHECK(table.held_by(static_cast<std::uint16_t>(lab.pub_host)) == 0);
    CHECK(delivered(send_packet(lab, lab.pub_host, test::build_tcp_segment(pub_ip, s3, 2000, 80, 0x02, 0)), lab.region));
}

TEST_CASE("under a full table shared anew, an ENI under its reserved part gets room from one past its own, allocating nothing") {
    SeedGroupLab lab;
    auto& table = lab.flows.connections.table;
    table.share_fairly(1);  // the public instance alone (as before the others came): it may take the whole table
    lab.flows.now = 500;
    std::vector<std::vector<std::uint8_t>> flood, connections;
    for (std::uint32_t i = 0; i < table.capacity(); ++i)
        flood.push_back(test::frame_of(lab.mac(lab.pub_host), test::build_tcp_segment(pub_ip, s3, static_cast<std::uint16_t>(1024 + i), 80, 0x02, 0)));
    constexpr std::uint16_t opened = 300;
    for (std::uint16_t port = 30000; port < 30000 + opened; ++port)
        connections.push_back(test::frame_of(lab.mac(lab.priv_host), test::build_tcp_segment(priv_ip, priv2_ip, port, 80, 0x02, 0)));
    struct Tally final : FrameSink {
        std::size_t sent = 0, dropped = 0;
        void transmit(PortIndex, wire::ConstBytes) noexcept override { ++sent; }
        void drop(PortIndex, wire::ConstBytes, DropReason) noexcept override { ++dropped; }
    } flooding, connecting;
    std::vector<std::uint8_t> scratch(pipeline_scratch_size);
    const std::size_t allocated_before = allocations.load();
    for (auto& f : flood) process_frame(*lab.snap, lab.pub_host, f, scratch, flooding, lab.flows);
    CHECK(table.size() == table.capacity());
    lab.flows.share_among(*lab.snap);  // the private instances are counted now: the public one is far past its part
    REQUIRE(table.shares().reserved >= opened);
    for (auto& f : connections) process_frame(*lab.snap, lab.priv_host, f, scratch, connecting, lab.flows);
    CHECK(allocations.load() == allocated_before);
    CHECK(flooding.sent == table.capacity());
    CHECK(connecting.sent == opened);  // each tracked at both private ENIs, in room the flood's flows made
    CHECK(connecting.dropped == 0);
    CHECK(table.held_by(static_cast<std::uint16_t>(lab.priv_host)) == opened);
    CHECK(table.held_by(static_cast<std::uint16_t>(lab.priv2_host)) == opened);
    CHECK(table.held_by(static_cast<std::uint16_t>(lab.pub_host)) == table.capacity() - 2u * opened);
}
