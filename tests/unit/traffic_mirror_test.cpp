// Traffic Mirroring without packets: the model's checks (what EC2 refuses, and that a refusal changes
// nothing), sessions leaving with their source, and the data path's choice of session and filter rule
// checked against a slow reading of the Traffic Mirroring Guide's words on random filters and packets.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "routing/forwarding_snapshot.hpp"
#include "tests/unit/two_subnet_lab.hpp"

using namespace vpclab;
using namespace vpclab::routing;

namespace {

struct MirrorLab : test::TwoSubnetLab {
    std::string source_instance, monitor_instance, source_eni, monitor_eni, target, filter;
    MirrorLab() {
        source_instance = launch(priv);
        monitor_instance = launch(pub);
        source_eni = m.instance(source_instance).network_interface_ids.front();
        monitor_eni = m.instance(monitor_instance).network_interface_ids.front();
        target = m.create_traffic_mirror_target("", monitor_eni, "", "monitor", {}).id;
        filter = m.create_traffic_mirror_filter("", "web", {}, {}).id;
    }
    TrafficMirrorRuleSpec rule(const char* direction, int number, const char* action, const char* source = "0.0.0.0/0",
                               const char* destination = "0.0.0.0/0") const {
        TrafficMirrorRuleSpec r;
        r.traffic_direction = direction;
        r.rule_number = number;
        r.rule_action = action;
        r.source_cidr = source;
        r.destination_cidr = destination;
        return r;
    }
    TrafficMirrorSessionSpec session(int number, std::string filter_id = {}) const {
        TrafficMirrorSessionSpec s;
        s.network_interface_id = source_eni;
        s.target_id = target;
        s.filter_id = filter_id.empty() ? filter : filter_id;
        s.session_number = number;
        return s;
    }
    // Everything a refusal must leave as it was.
    std::string state() const {
        std::string out;
        for (const auto& t : m.traffic_mirror_targets()) out += t.id + "|" + t.network_interface_id + "|" + t.description + ";";
        for (const auto& f : m.traffic_mirror_filters()) {
            out += f.id + (f.amazon_dns ? "+dns" : "") + "[";
            for (const auto& r : f.rules)
                out += r.id + ":" + (r.ingress ? "in" : "out") + std::to_string(r.rule_number) + (r.accept ? "a" : "r") + r.source.to_string() +
                       ">" + r.destination.to_string() + std::to_string(r.protocol.value_or(-1)) + ",";
            out += "]";
        }
        for (const auto& s : m.traffic_mirror_sessions())
            out += s.id + "|" + s.network_interface_id + "|" + s.target_id + "|" + s.filter_id + "|" + std::to_string(s.session_number) + "|" +
                   std::to_string(s.packet_length.value_or(-1)) + "|" + std::to_string(s.virtual_network_id) + ";";
        return out;
    }
};

void check_refused(MirrorLab& lab, const char* code, auto&& call) {
    const std::string before = lab.state();
    try {
        call();
        FAIL("not refused; expected ", code);
    } catch (const ApiError& e) {
        CHECK(e.code() == std::string(code));
    }
    CHECK(lab.state() == before);
}

}  // namespace

TEST_CASE("traffic mirroring: targets, filters, rules and sessions as EC2 makes them") {
    MirrorLab lab;
    const auto& t = lab.m.traffic_mirror_target(lab.target);
    CHECK(t.id.rfind("tmt-", 0) == 0);
    CHECK(std::string(t.type()) == "network-interface");
    CHECK(lab.m.traffic_mirror_filter(lab.filter).id.rfind("tmf-", 0) == 0);

    // Rules are kept by direction, each by ascending number, whatever order they were made in.
    const std::string r30 = lab.m.create_traffic_mirror_filter_rule("", lab.filter, lab.rule("ingress", 30, "reject")).id;
    const std::string r10 = lab.m.create_traffic_mirror_filter_rule("", lab.filter, lab.rule("ingress", 10, "accept")).id;
    const std::string e10 = lab.m.create_traffic_mirror_filter_rule("", lab.filter, lab.rule("egress", 10, "accept")).id;
    CHECK(r10.rfind("tmfr-", 0) == 0);
    const auto& rules = lab.m.traffic_mirror_filter(lab.filter).rules;
    REQUIRE(rules.size() == 3);
    CHECK(rules[0].id == r10);
    CHECK(rules[1].id == r30);
    CHECK(rules[2].id == e10);

    // Modify: a field changes, RemoveFields resets one; the number moves the rule.
    TrafficMirrorRuleSpec change;
    change.rule_number = 40;
    change.protocol = 6;
    change.destination_ports = TrafficMirrorPortRange{80, 80};
    lab.m.modify_traffic_mirror_filter_rule(r10, change);
    CHECK(rules[0].id == r30);
    CHECK(rules[1].rule_number == 40);
    CHECK(rules[1].protocol == 6);
    TrafficMirrorRuleSpec remove;
    remove.remove_destination_ports = true;
    remove.remove_protocol = true;
    lab.m.modify_traffic_mirror_filter_rule(r10, remove);
    CHECK_FALSE(lab.m.traffic_mirror_filter_rule(r10).protocol.has_value());
    CHECK_FALSE(lab.m.traffic_mirror_filter_rule(r10).destination_ports.has_value());

    // Sessions: a VNI of their own unless one is given; modify and remove it.
    const auto& s1 = lab.m.create_traffic_mirror_session("", lab.session(1), {});
    const std::string s1_id = s1.id;
    auto with_vni = lab.session(2);
    with_vni.virtual_network_id = 42;
    with_vni.packet_length = 100;
    const std::string s2_id = lab.m.create_traffic_mirror_session("", with_vni, {}).id;
    CHECK(lab.m.traffic_mirror_session(s1_id).virtual_network_id != 0);
    CHECK(lab.m.traffic_mirror_session(s1_id).virtual_network_id <= 0xffffff);
    CHECK(lab.m.traffic_mirror_session(s2_id).virtual_network_id == 42);
    CHECK(lab.m.traffic_mirror_session(s2_id).packet_length == 100);
    TrafficMirrorSessionSpec modify;
    modify.virtual_network_id = lab.m.traffic_mirror_session(s1_id).virtual_network_id;
    modify.remove_packet_length = true;
    lab.m.modify_traffic_mirror_session(s2_id, modify);
    CHECK_FALSE(lab.m.traffic_mirror_session(s2_id).packet_length.has_value());
    TrafficMirrorSessionSpec fresh;
    fresh.remove_virtual_network_id = true;
    lab.m.modify_traffic_mirror_session(s2_id, fresh);
    CHECK(lab.m.traffic_mirror_session(s2_id).virtual_network_id != 0);
    CHECK(lab.m.traffic_mirror_session(s2_id).virtual_network_id != 42);

    // Tags on every taggable kind.
    lab.m.create_tags({lab.target, lab.filter, s1_id}, {{"Name", "mirror"}});
    CHECK(lab.m.traffic_mirror_session(s1_id).tags.size() == 1);

    // Deleting the source's ENI (its instance terminated) deletes its sessions (Traffic Mirroring Guide,
    // "Considerations"); the target and filter stay.
    lab.m.terminate_instance(lab.source_instance, "test");
    lab.m.finish_termination(lab.source_instance, 1000);
    CHECK(lab.m.traffic_mirror_sessions().empty());
    CHECK(lab.m.traffic_mirror_targets().size() == 1);
    lab.m.delete_traffic_mirror_filter_rule(r30);
    CHECK(lab.m.traffic_mirror_filter(lab.filter).rules.size() == 2);
    lab.m.delete_traffic_mirror_filter(lab.filter);
    lab.m.delete_traffic_mirror_target(lab.target);
    CHECK(lab.m.traffic_mirror_filters().empty());
    CHECK(lab.m.traffic_mirror_targets().empty());
}

TEST_CASE("traffic mirroring: what EC2 refuses, refused with the model unchanged") {
    MirrorLab lab;
    lab.m.create_traffic_mirror_filter_rule("", lab.filter, lab.rule("ingress", 10, "accept"));
    const std::string session = lab.m.create_traffic_mirror_session("", lab.session(1), {}).id;

    check_refused(lab, "MissingParameter", [&] { lab.m.create_traffic_mirror_target("", "", "", "", {}); });
    check_refused(lab, "InvalidNetworkInterfaceID.NotFound", [&] { lab.m.create_traffic_mirror_target("", "eni-0000000000000000f", "", "", {}); });
    // A session's source cannot be a target as well.
    check_refused(lab, "InvalidParameterCombination", [&] { lab.m.create_traffic_mirror_target("", lab.source_eni, "", "", {}); });
    check_refused(lab, "InvalidParameterValue", [&] { lab.m.create_traffic_mirror_filter("", "", {"dns"}, {}); });

    check_refused(lab, "TrafficMirrorFilterRuleAlreadyExists", [&] { lab.m.create_traffic_mirror_filter_rule("", lab.filter, lab.rule("ingress", 10, "reject")); });
    check_refused(lab, "InvalidParameterValue", [&] { lab.m.create_traffic_mirror_filter_rule("", lab.filter, lab.rule("inbound", 11, "accept")); });
    check_refused(lab, "InvalidParameterValue", [&] { lab.m.create_traffic_mirror_filter_rule("", lab.filter, lab.rule("ingress", 0, "accept")); });
    check_refused(lab, "InvalidParameterValue", [&] { lab.m.create_traffic_mirror_filter_rule("", lab.filter, lab.rule("ingress", 32767, "accept")); });
    check_refused(lab, "InvalidParameterValue", [&] { lab.m.create_traffic_mirror_filter_rule("", lab.filter, lab.rule("ingress", 11, "drop")); });
    check_refused(lab, "InvalidParameterValue", [&] { lab.m.create_traffic_mirror_filter_rule("", lab.filter, lab.rule("ingress", 11, "accept", "::/0", "::/0")); });
    check_refused(lab, "InvalidParameterValue", [&] { lab.m.create_traffic_mirror_filter_rule("", lab.filter, lab.rule("ingress", 11, "accept", "10.0.0.0/33")); });
    auto icmp_ports = lab.rule("ingress", 11, "accept");
    icmp_ports.protocol = 1;
    icmp_ports.destination_ports = TrafficMirrorPortRange{80, 80};
    check_refused(lab, "InvalidParameterCombination", [&] { lab.m.create_traffic_mirror_filter_rule("", lab.filter, icmp_ports); });
    auto backwards = lab.rule("ingress", 11, "accept");
    backwards.source_ports = TrafficMirrorPortRange{90, 80};
    check_refused(lab, "InvalidParameterValue", [&] { lab.m.create_traffic_mirror_filter_rule("", lab.filter, backwards); });
    auto no_cidr = lab.rule("egress", 11, "accept");
    no_cidr.source_cidr.reset();
    check_refused(lab, "MissingParameter", [&] { lab.m.create_traffic_mirror_filter_rule("", lab.filter, no_cidr); });
    // Ten rules a filter (Traffic Mirroring Guide, "Quotas").
    for (int n = 20; lab.m.traffic_mirror_filter(lab.filter).rules.size() < VpcModel::traffic_mirror_rules_per_filter; ++n)
        lab.m.create_traffic_mirror_filter_rule("", lab.filter, lab.rule("egress", n, "accept"));
    check_refused(lab, "TrafficMirrorFilterRuleLimitExceeded", [&] { lab.m.create_traffic_mirror_filter_rule("", lab.filter, lab.rule("egress", 99, "accept")); });
    // Modify into a taken number.
    TrafficMirrorRuleSpec taken;
    taken.rule_number = 20;
    const std::string egress_21 = lab.m.traffic_mirror_filter(lab.filter).rules[2].id;
    check_refused(lab, "TrafficMirrorFilterRuleAlreadyExists", [&] { lab.m.modify_traffic_mirror_filter_rule(egress_21, taken); });

    check_refused(lab, "InvalidParameterValue", [&] { lab.m.create_traffic_mirror_session("", lab.session(0), {}); });
    check_refused(lab, "InvalidParameterValue", [&] { lab.m.create_traffic_mirror_session("", lab.session(32767), {}); });
    check_refused(lab, "InvalidParameterValue", [&] { lab.m.create_traffic_mirror_session("", lab.session(1), {}); });  // number taken on the ENI
    auto long_vni = lab.session(5);
    long_vni.virtual_network_id = 0x1000000;
    check_refused(lab, "InvalidParameterValue", [&] { lab.m.create_traffic_mirror_session("", long_vni, {}); });
    auto zero_length = lab.session(5);
    zero_length.packet_length = 0;
    check_refused(lab, "InvalidParameterValue", [&] { lab.m.create_traffic_mirror_session("", zero_length, {}); });
    check_refused(lab, "InvalidTrafficMirrorFilterId.NotFound", [&] { lab.m.create_traffic_mirror_session("", lab.session(5, "tmf-0000000000000000f"), {}); });
    auto no_number = lab.session(5);
    no_number.session_number.reset();
    check_refused(lab, "MissingParameter", [&] { lab.m.create_traffic_mirror_session("", no_number, {}); });
    // The target mirroring itself.
    auto self = lab.session(5);
    self.network_interface_id = lab.monitor_eni;
    check_refused(lab, "InvalidParameterCombination", [&] { lab.m.create_traffic_mirror_session("", self, {}); });
    // A target in a VPC the source's is not peered with.
    const std::string other_vpc = lab.m.create_vpc("", "10.50.0.0/16", {}).id;
    const std::string other_subnet = lab.m.create_subnet("", other_vpc, "10.50.1.0/24", "ap-northeast-2a", false, {}).id;
    const std::string far_eni = lab.m.instance(lab.launch(other_subnet)).network_interface_ids.front();
    const std::string far_target = lab.m.create_traffic_mirror_target("", far_eni, "", "", {}).id;
    auto far = lab.session(5);
    far.target_id = far_target;
    check_refused(lab, "InvalidParameterValue", [&] { lab.m.create_traffic_mirror_session("", far, {}); });
    // Three sessions a source ENI.
    lab.m.create_traffic_mirror_session("", lab.session(2), {});
    lab.m.create_traffic_mirror_session("", lab.session(3), {});
    check_refused(lab, "TrafficMirrorSessionsPerInterfaceLimitExceeded", [&] { lab.m.create_traffic_mirror_session("", lab.session(4), {}); });
    TrafficMirrorSessionSpec to_two;
    to_two.session_number = 2;
    check_refused(lab, "InvalidParameterValue", [&] { lab.m.modify_traffic_mirror_session(session, to_two); });

    // In use: neither the target nor the filter goes while a session uses it.
    check_refused(lab, "TrafficMirrorTargetInUseException", [&] { lab.m.delete_traffic_mirror_target(lab.target); });
    check_refused(lab, "TrafficMirrorFilterInUse", [&] { lab.m.delete_traffic_mirror_filter(lab.filter); });
    check_refused(lab, "InvalidTrafficMirrorSessionId.NotFound", [&] { lab.m.delete_traffic_mirror_session("tms-0000000000000000f"); });
    check_refused(lab, "InvalidTrafficMirrorFilterRuleId.NotFound", [&] { lab.m.delete_traffic_mirror_filter_rule("tmfr-0000000000000000f"); });
}

namespace {

// The Traffic Mirroring Guide read slowly: sessions by ascending number; in each, the filter's rules of the
// direction by ascending number, the first that matches decides; none: on to the next session. Never ARP,
// DHCP, metadata, NTP, Windows activation; Amazon DNS only with amazon-dns. Returns the session's ID or "".
std::string reference_choice(const VpcModel& m, const std::string& eni, bool ingress, const MirrorPacket& p, std::uint32_t vpc_dns) {
    auto is = [&](std::uint32_t a) { return p.source == a || p.destination == a; };
    if (is(0xa9fea9fe) || is(0xa9fea97b) || is(0xa9fea9fa) || is(0xa9fea9fb)) return "";
    const bool udp = p.protocol == 17, tcp = p.protocol == 6;
    if (udp && p.has_ports && (p.source_port == 67 || p.source_port == 68 || p.destination_port == 67 || p.destination_port == 68)) return "";
    const bool dns = (udp || tcp) && p.has_ports &&
                     (((p.destination == vpc_dns || p.destination == 0xa9fea9fd) && p.destination_port == 53) ||
                      ((p.source == vpc_dns || p.source == 0xa9fea9fd) && p.source_port == 53));
    std::vector<const TrafficMirrorSession*> sessions;
    for (const auto& s : m.traffic_mirror_sessions())
        if (s.network_interface_id == eni) sessions.push_back(&s);
    std::sort(sessions.begin(), sessions.end(), [](auto* a, auto* b) { return a->session_number < b->session_number; });
    for (const auto* s : sessions) {
        const auto& f = m.traffic_mirror_filter(s->filter_id);
        if (dns) {
            if (f.amazon_dns) return s->id;
            continue;
        }
        std::vector<const TrafficMirrorFilterRule*> rules;
        for (const auto& r : f.rules)
            if (r.ingress == ingress) rules.push_back(&r);
        std::sort(rules.begin(), rules.end(), [](auto* a, auto* b) { return a->rule_number < b->rule_number; });
        for (const auto* r : rules) {
            bool match = r->source.contains(p.source) && r->destination.contains(p.destination) && (!r->protocol || *r->protocol == p.protocol);
            if (match && (r->source_ports || r->destination_ports)) {
                const bool ported = p.has_ports && (tcp || udp);
                auto in = [](const std::optional<TrafficMirrorPortRange>& range, std::uint16_t port) { return !range || (port >= range->from && port <= range->to); };
                match = ported && in(r->source_ports, p.source_port) && in(r->destination_ports, p.destination_port);
            }
            if (match) {
                if (r->accept) return s->id;
                break;
            }
        }
    }
    return "";
}

}  // namespace

TEST_CASE("traffic mirroring: the data path's choice of session agrees with the guide's rules on random filters and packets") {
    std::mt19937 rng(29);
    auto pick = [&](auto... options) {
        const std::uint32_t all[] = {static_cast<std::uint32_t>(options)...};
        return all[std::uniform_int_distribution<std::size_t>(0, sizeof...(options) - 1)(rng)];
    };
    const char* cidrs[] = {"0.0.0.0/0", "10.10.0.0/16", "10.10.1.0/24", "10.10.0.0/24", "10.10.1.4/32", "198.18.0.0/15", "10.10.1.128/25"};
    const std::uint32_t addresses[] = {0x0a0a0104, 0x0a0a0004, 0x0a0a0105, 0x0a0a0002, 0xc6120a0a, 0x0a0a0190, 0xa9fea9fe, 0xa9fea9fd, 0xa9fea97b};
    std::size_t mirrored = 0, compared = 0;
    for (int lab_round = 0; lab_round < 40; ++lab_round) {
        MirrorLab lab;
        for (int session = 0; session < 3; ++session) {
            const std::string filter = session == 0 ? lab.filter : lab.m.create_traffic_mirror_filter("", "", {}, {}).id;
            if (rng() % 4 == 0) lab.m.modify_traffic_mirror_filter_network_services(filter, {"amazon-dns"}, {});
            const int rule_count = static_cast<int>(rng() % 8);
            for (int r = 0; r < rule_count; ++r) {
                auto spec = lab.rule(rng() % 2 ? "ingress" : "egress", static_cast<int>(1 + rng() % 40), rng() % 3 ? "accept" : "reject",
                                     cidrs[rng() % std::size(cidrs)], cidrs[rng() % std::size(cidrs)]);
                if (rng() % 2) spec.protocol = static_cast<int>(pick(6, 17, 1, 47));
                const bool ported = !spec.protocol || *spec.protocol == 6 || *spec.protocol == 17;
                if (ported && rng() % 2) spec.destination_ports = TrafficMirrorPortRange{static_cast<std::uint16_t>(pick(53, 80, 0)), static_cast<std::uint16_t>(pick(80, 443, 65535))};
                if (ported && rng() % 3 == 0) spec.source_ports = TrafficMirrorPortRange{1024, 65535};
                if (spec.destination_ports && spec.destination_ports->from > spec.destination_ports->to) spec.destination_ports.reset();
                try {
                    lab.m.create_traffic_mirror_filter_rule("", filter, spec);
                } catch (const ApiError&) {  // a number taken in that direction: the reference reads the model either way
                }
            }
            lab.m.create_traffic_mirror_session("", lab.session(static_cast<int>(3 - session + rng() % 2 * 10), filter), {});
        }
        const auto snap = ForwardingSnapshot::compile(lab.m);
        const PortIndex port = lab.m.network_interface(lab.source_eni).port;
        REQUIRE(snap->mirroring());
        const auto sessions = snap->mirror_sessions(port);
        REQUIRE(sessions.size() == 3);
        CHECK(snap->mirror_sessions(lab.m.network_interface(lab.monitor_eni).port).empty());
        const std::uint32_t dns = snap->vpc_dns_address(port);
        for (int i = 0; i < 500; ++i) {
            MirrorPacket p;
            p.source = addresses[rng() % std::size(addresses)];
            p.destination = addresses[rng() % std::size(addresses)];
            p.protocol = static_cast<std::uint8_t>(pick(6, 17, 1, 47));
            p.has_ports = (p.protocol == 6 || p.protocol == 17) && rng() % 8 != 0;
            if (p.has_ports) {
                p.source_port = static_cast<std::uint16_t>(pick(53, 68, 80, 40000, 443));
                p.destination_port = static_cast<std::uint16_t>(pick(53, 67, 80, 443, 2000));
            }
            const bool ingress = rng() % 2;
            const CompiledMirrorSession* chosen = choose_mirror_session(sessions, snap->mirror_rules(), ingress ? MirrorDirection::ingress : MirrorDirection::egress, p, dns);
            const std::string expected = reference_choice(lab.m, lab.source_eni, ingress, p, dns);
            const std::string got = chosen ? std::string(snap->traffic_mirror_session_id(chosen->session)) : std::string();
            CHECK_MESSAGE(got == expected, "round ", lab_round, " packet ", i);
            mirrored += !expected.empty();
            ++compared;
        }
    }
    // The random filters mirror some packets and not others (the comparison means something both ways).
    CHECK(mirrored > compared / 20);
    CHECK(mirrored < compared * 9 / 10);
}

TEST_CASE("traffic mirroring: where a copy goes, and what stops it on the way") {
    MirrorLab lab;
    lab.m.create_traffic_mirror_filter_rule("", lab.filter, lab.rule("egress", 10, "accept"));
    lab.m.create_traffic_mirror_session("", lab.session(1), {});
    auto snap = ForwardingSnapshot::compile(lab.m);
    const PortIndex source = lab.m.network_interface(lab.source_eni).port, monitor = lab.m.network_interface(lab.monitor_eni).port;
    REQUIRE(snap->mirror_sessions(source).size() == 1);
    // Both in the VPC's default group, which lets its members in: delivered.
    CHECK(snap->mirror_route(source, snap->mirror_sessions(source)[0], 7).kind == MirrorRoute::Kind::deliver);
    // The monitor in a group of its own with no inbound rule: UDP 4789 from the source is not allowed.
    const std::string group = lab.m.create_security_group("", lab.vpc, "monitor", "monitor", {}, std::nullopt, {}).id;
    lab.m.modify_network_interface_groups(lab.monitor_eni, {group});
    snap = ForwardingSnapshot::compile(lab.m);
    MirrorRoute r = snap->mirror_route(source, snap->mirror_sessions(source)[0], 7);
    CHECK(r.kind == MirrorRoute::Kind::security_group);
    SecurityGroupRule vxlan;
    vxlan.ip_protocol = "udp";
    vxlan.from_port = 4789;
    vxlan.to_port = 4789;
    vxlan.cidr = Cidr{0x0a0a0000, 16};
    lab.m.authorize_security_group(group, true, {vxlan});
    snap = ForwardingSnapshot::compile(lab.m);
    r = snap->mirror_route(source, snap->mirror_sessions(source)[0], 7);
    REQUIRE(r.kind == MirrorRoute::Kind::deliver);
    CHECK(r.port == monitor);
    CHECK(r.source == lab.m.network_interface(lab.source_eni).private_ip);  // the source ENI's primary address
    CHECK(r.destination == lab.m.network_interface(lab.monitor_eni).private_ip);
    CHECK(r.destination_port == 4789);
    CHECK(r.destination_mac == lab.m.network_interface(lab.monitor_eni).mac);
    // Across subnets: from the monitor subnet's router.
    CHECK(r.source_mac == snap->subnet(snap->port(monitor).subnet).router_mac);
    // The monitor's subnet's ACL denying UDP 4789 in stops it (rule 50 before the default's 100).
    const std::string acl = lab.m.network_acl_of(lab.pub).id;
    NetworkAclEntry deny;
    deny.rule_number = 50;
    deny.protocol = "17";
    deny.port_range = NetworkAclEntry::PortRange{4789, 4789};
    deny.cidr = Cidr{0, 0};
    lab.m.create_network_acl_entry(acl, deny);
    snap = ForwardingSnapshot::compile(lab.m);
    CHECK(snap->mirror_route(source, snap->mirror_sessions(source)[0], 7).kind == MirrorRoute::Kind::network_acl_inbound);
    // A stopped target forwards nothing.
    lab.m.delete_network_acl_entry(acl, 50, false);
    lab.m.stop_instance(lab.monitor_instance, "test");
    snap = ForwardingSnapshot::compile(lab.m);
    CHECK(snap->mirror_route(source, snap->mirror_sessions(source)[0], 7).kind == MirrorRoute::Kind::target_not_running);
}
