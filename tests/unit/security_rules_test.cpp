// Security group and network ACL verdicts: the compiled rules against a slow reference that reads the model
// directly, on seeded random rule sets and probes; untracked-flow detection; the model's refusals, which
// change nothing.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "routing/forwarding_snapshot.hpp"
#include "routing/security_rules.hpp"
#include "tests/unit/two_subnet_lab.hpp"

using namespace vpclab;
using namespace vpclab::routing;

namespace {

int protocol_number(const std::string& p) {
    if (p == "tcp") return 6;
    if (p == "udp") return 17;
    if (p == "icmp") return 1;
    return std::stoi(p);
}

// Slow and obvious: a rule of the model, its peer resolved now, against a probe.
bool reference_rule(const VpcModel& m, const SecurityGroupRule& r, const RuleProbe& p) {
    bool peer = r.cidr && r.cidr->contains(p.address);
    if (!r.prefix_list_id.empty())
        for (const auto& e : m.prefix_list(r.prefix_list_id).entries) peer = peer || e.cidr.contains(p.address);
    if (!r.source_group_id.empty())
        for (const auto& eni : m.network_interfaces())
            for (const auto& g : eni.security_group_ids) peer = peer || (g == r.source_group_id && eni.private_ip == p.address);
    if (!peer) return false;
    if (r.ip_protocol == "-1") return true;
    if (p.protocol != protocol_number(r.ip_protocol)) return false;
    if (r.ip_protocol == "tcp" || r.ip_protocol == "udp")
        return p.has_l4 ? p.port >= r.from_port && p.port <= r.to_port : r.from_port == 0 && r.to_port == 65535;
    if (r.ip_protocol == "icmp") {
        if (r.from_port == -1) return true;
        return p.has_l4 && p.icmp_type == r.from_port && (r.to_port == -1 || p.icmp_code == r.to_port);
    }
    return true;
}

bool reference_groups(const VpcModel& m, const NetworkInterface& eni, bool ingress, const RuleProbe& p) {
    for (const auto& id : eni.security_group_ids)
        for (const auto& r : ingress ? m.security_group(id).ingress : m.security_group(id).egress)
            if (reference_rule(m, r, p)) return true;
    return false;
}

AclVerdict reference_acl(const VpcModel& m, const std::string& subnet_id, bool egress, const RuleProbe& p) {
    std::vector<NetworkAclEntry> entries;
    for (const auto& e : m.network_acl_of(subnet_id).entries)
        if (e.egress == egress) entries.push_back(e);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.rule_number < b.rule_number; });
    for (const auto& e : entries) {
        if (!e.cidr.contains(p.address)) continue;
        if (e.protocol != "-1") {
            if (p.protocol != std::stoi(e.protocol)) continue;
            if (e.port_range && !(p.has_l4 ? p.port >= e.port_range->from && p.port <= e.port_range->to
                                           : e.port_range->from == 0 && e.port_range->to == 65535))
                continue;
            if (e.icmp && e.icmp->type != -1 && !(p.has_l4 && p.icmp_type == e.icmp->type && (e.icmp->code == -1 || p.icmp_code == e.icmp->code)))
                continue;
        }
        return {e.allow, static_cast<std::uint16_t>(e.rule_number)};
    }
    return {false, static_cast<std::uint16_t>(network_acl_final_rule)};
}

Cidr random_cidr(std::mt19937& rng) {
    const std::uint32_t bases[] = {0x0a0a0000, 0x0a0a0100, 0xc6120a00, 0};
    const std::uint32_t base = bases[rng() % 4];
    const std::uint8_t length = base == 0 ? static_cast<std::uint8_t>(rng() % 3 == 0 ? 0 : 8 + rng() % 25) : static_cast<std::uint8_t>(16 + rng() % 17);
    const std::uint32_t mask = length == 0 ? 0 : ~std::uint32_t{0} << (32 - length);
    return Cidr{static_cast<std::uint32_t>((base | (rng() & 0x1ff)) & mask), length};
}

RuleProbe random_probe(std::mt19937& rng, const std::vector<std::uint32_t>& hosts) {
    RuleProbe p;
    p.address = rng() % 2 ? hosts[rng() % hosts.size()] : (rng() % 2 ? 0x0a0a0000 : 0xc6120a00) | (rng() & 0x1ff);
    const std::uint8_t protocols[] = {1, 6, 17, 47};
    p.protocol = protocols[rng() % 4];
    p.port = static_cast<std::uint16_t>(rng() % 3 ? rng() % 120 : rng() % 65536);
    p.icmp_type = static_cast<std::uint8_t>(rng() % 3 == 0 ? 0 : rng() % 2 ? 8 : 3);
    p.icmp_code = static_cast<std::uint8_t>(rng() % 4);
    p.has_l4 = rng() % 10 != 0;
    return p;
}

}  // namespace

TEST_CASE("compiled security groups and ACLs agree with the model read directly, on random rule sets") {
    std::mt19937 rng(1105);
    for (int round = 0; round < 40; ++round) {
        test::TwoSubnetLab lab("sgr");
        auto& m = lab.m;
        std::vector<PrefixListEntry> entries;
        for (int i = 0; i < 3; ++i) {
            const Cidr c = random_cidr(rng);
            if (std::none_of(entries.begin(), entries.end(), [&](const auto& e) { return e.cidr == c; })) entries.push_back({c, ""});
        }
        const std::string pl = m.create_managed_prefix_list("", "random", 10, entries, {}).id;
        std::vector<std::string> instances;
        for (int i = 0; i < 5; ++i) instances.push_back(lab.launch(i % 2 ? lab.pub : lab.priv));
        std::vector<std::string> groups{m.vpc(lab.vpc).default_security_group_id};
        for (int g = 0; g < 4; ++g) {
            auto rules = [&] {
                std::vector<SecurityGroupRule> out;
                for (int n = static_cast<int>(rng() % 6); n > 0; --n) {
                    SecurityGroupRule r;
                    const char* protocols[] = {"-1", "tcp", "udp", "icmp", "47"};
                    r.ip_protocol = protocols[rng() % 5];
                    if (r.ip_protocol == "tcp" || r.ip_protocol == "udp") {
                        r.from_port = rng() % 5 == 0 ? 0 : static_cast<int>(rng() % 100);
                        r.to_port = rng() % 5 == 0 ? 65535 : r.from_port + static_cast<int>(rng() % 40);
                    } else if (r.ip_protocol == "icmp") {
                        r.from_port = rng() % 3 == 0 ? -1 : (rng() % 2 ? 8 : 3);
                        r.to_port = r.from_port == -1 || rng() % 2 ? -1 : static_cast<int>(rng() % 4);
                    }
                    switch (rng() % 3) {
                        case 0: r.cidr = random_cidr(rng); break;
                        case 1: r.prefix_list_id = pl; break;
                        default: r.source_group_id = groups[rng() % groups.size()];
                    }
                    out.push_back(r);
                }
                return out;
            };
            groups.push_back(m.create_security_group("", lab.vpc, "g" + std::to_string(g), "random", rules(), rules(), {}).id);
        }
        std::vector<std::uint32_t> hosts;
        for (const auto& id : instances) {
            const std::string eni = m.instance(id).network_interface_ids.front();
            std::vector<std::string> mine;
            for (int k = 1 + static_cast<int>(rng() % 3); k > 0; --k) mine.push_back(groups[rng() % groups.size()]);
            m.modify_network_interface_groups(eni, mine);
            hosts.push_back(m.network_interface(eni).private_ip);
        }
        // A random ACL on the private subnet (the public one keeps the default: allow all).
        const std::string acl = m.create_network_acl("", lab.vpc, {}).id;
        for (int n = static_cast<int>(rng() % 8); n > 0; --n) {
            NetworkAclEntry e;
            e.rule_number = 1 + static_cast<int>(rng() % 200);
            e.egress = rng() % 2;
            e.allow = rng() % 2;
            e.cidr = random_cidr(rng);
            const char* protocols[] = {"-1", "6", "17", "1"};
            e.protocol = protocols[rng() % 4];
            if (e.protocol == "6" || e.protocol == "17") {
                const int from = static_cast<int>(rng() % 100);
                e.port_range = NetworkAclEntry::PortRange{from, from + static_cast<int>(rng() % 60)};
            }
            if (e.protocol == "1") e.icmp = NetworkAclEntry::IcmpTypeCode{rng() % 2 ? -1 : 8, -1};
            try {
                m.create_network_acl_entry(acl, e);
            } catch (const ApiError&) {  // a number already taken in that direction
            }
        }
        m.associate_network_acl(lab.priv, acl);
        const auto snap = ForwardingSnapshot::compile(m);
        for (int probe = 0; probe < 400; ++probe) {
            const RuleProbe p = random_probe(rng, hosts);
            for (const auto& id : instances) {
                const auto& eni = m.network_interface(m.instance(id).network_interface_ids.front());
                const auto& compiled = snap->security_groups_of(eni.port);
                REQUIRE(security_groups_allow(compiled.ingress, p) == reference_groups(m, eni, true, p));
                REQUIRE(security_groups_allow(compiled.egress, p) == reference_groups(m, eni, false, p));
            }
            for (std::uint32_t s = 0; s < m.subnets().size(); ++s)
                for (bool egress : {false, true}) {
                    const auto& a = snap->network_acl(s);
                    const AclVerdict got = network_acl_verdict(egress ? a.outbound : a.inbound, p);
                    const AclVerdict want = reference_acl(m, m.subnets()[s].id, egress, p);
                    REQUIRE(got.allow == want.allow);
                    REQUIRE(got.rule_number == want.rule_number);
                }
        }
    }
}

TEST_CASE("untracked flows: TCP or UDP allowed by all-open rules both ways (0.0.0.0/0, every port); ICMP never") {
    test::TwoSubnetLab lab("untracked");
    auto rule = [](const char* protocol, int from, int to, Cidr cidr) {
        SecurityGroupRule r;
        r.ip_protocol = protocol;
        r.from_port = from;
        r.to_port = to;
        r.cidr = cidr;
        return r;
    };
    auto compiled = [&](std::vector<SecurityGroupRule> in, std::vector<SecurityGroupRule> out) {
        static int n = 0;
        const auto& g = lab.m.create_security_group("", lab.vpc, "u" + std::to_string(n++), "u", std::move(in), std::move(out), {});
        return compile_security_groups(lab.m, {g.id});
    };
    const Cidr any{0, 0};
    auto all_open = compiled({rule("-1", -1, -1, any)}, {rule("-1", -1, -1, any)});
    CHECK(all_open.untracked(6));
    CHECK(all_open.untracked(17));
    CHECK_FALSE(all_open.untracked(1));
    auto tcp_only = compiled({rule("tcp", 0, 65535, any)}, {rule("-1", -1, -1, any)});
    CHECK(tcp_only.untracked(6));
    CHECK_FALSE(tcp_only.untracked(17));
    CHECK_FALSE(compiled({rule("tcp", 22, 22, any)}, {rule("-1", -1, -1, any)}).untracked(6));
    CHECK_FALSE(compiled({rule("-1", -1, -1, Cidr{0x0a000000, 8})}, {rule("-1", -1, -1, any)}).untracked(6));
    CHECK_FALSE(compiled({rule("-1", -1, -1, any)}, {}).untracked(6));
}

TEST_CASE("security group and ACL refusals name what is wrong and change nothing") {
    test::TwoSubnetLab lab("refuse");
    auto& m = lab.m;
    const std::string web = m.create_security_group("", lab.vpc, "web", "web", {}, std::nullopt, {}).id;
    const std::string eni = m.instance(lab.launch(lab.pub)).network_interface_ids.front();
    SecurityGroupRule ssh;
    ssh.ip_protocol = "tcp";
    ssh.from_port = ssh.to_port = 22;
    ssh.cidr = Cidr{0, 0};
    const auto added = m.authorize_security_group(web, true, {ssh});
    REQUIRE(added.size() == 1);
    CHECK(added[0].rule_id.rfind("sgr-", 0) == 0);
    const VpcModel before = m;
    auto unchanged = [&] {
        return m.security_group(web).ingress.size() == before.security_group(web).ingress.size() &&
               m.security_groups().size() == before.security_groups().size() && m.network_acls().size() == before.network_acls().size() &&
               m.network_interface(eni).security_group_ids == before.network_interface(eni).security_group_ids;
    };
    auto code_of = [&](auto&& f) {
        try {
            f();
        } catch (const ApiError& e) {
            return e.code();
        }
        return std::string("no error");
    };
    SecurityGroupRule bad = ssh;
    CHECK(code_of([&] { m.authorize_security_group(web, true, {ssh}); }) == "InvalidPermission.Duplicate");
    bad.from_port = 90, bad.to_port = 80;
    CHECK(code_of([&] { m.authorize_security_group(web, true, {bad}); }) == "InvalidParameterValue");
    bad = ssh, bad.ip_protocol = "sctpx";
    CHECK(code_of([&] { m.authorize_security_group(web, true, {bad}); }) == "InvalidParameterValue");
    bad = ssh, bad.cidr.reset();
    CHECK(code_of([&] { m.authorize_security_group(web, true, {bad}); }) == "MissingParameter");
    bad = ssh, bad.from_port = bad.to_port = 23;  // a valid rule with a duplicate in one call: neither is added
    CHECK(code_of([&] { m.authorize_security_group(web, true, {bad, ssh}); }) == "InvalidPermission.Duplicate");
    bad = ssh, bad.from_port = bad.to_port = 2222;
    CHECK(code_of([&] { m.revoke_security_group(web, true, {bad}, {}); }) == "InvalidPermission.NotFound");
    CHECK(code_of([&] { m.revoke_security_group(web, true, {}, {"sgr-00000000000000000"}); }) == "InvalidSecurityGroupRuleId.NotFound");
    CHECK(code_of([&] { m.delete_security_group(m.vpc(lab.vpc).default_security_group_id); }) == "CannotDelete");
    CHECK(unchanged());
    m.modify_network_interface_groups(eni, {web});
    CHECK(code_of([&] { m.delete_security_group(web); }) == "DependencyViolation");
    std::vector<std::string> six;
    for (int i = 0; i < 6; ++i) six.push_back(m.create_security_group("", lab.vpc, "many" + std::to_string(i), "m", {}, std::nullopt, {}).id);
    CHECK(code_of([&] { m.modify_network_interface_groups(eni, six); }) == "SecurityGroupsPerInterfaceLimitExceeded");
    CHECK(m.network_interface(eni).security_group_ids == std::vector<std::string>{web});
    CHECK(code_of([&] { m.modify_connection_tracking(eni, 59, std::nullopt, std::nullopt); }) == "InvalidParameterValue");
    CHECK(m.network_interface(eni).connection_tracking == ConnectionTrackingTimeouts{});
    CHECK(code_of([&] { m.create_security_group("", lab.vpc, "web", "again", {}, std::nullopt, {}); }) == "InvalidGroup.Duplicate");
    // A prefix list a rule names cannot be deleted while the rule is there (DependencyViolation).
    const std::string office = m.create_managed_prefix_list("", "office", 10, {{Cidr{0xcb007100, 24}, ""}}, {}).id;
    SecurityGroupRule from_office = ssh;
    from_office.cidr.reset();
    from_office.prefix_list_id = office;
    m.authorize_security_group(web, false, {from_office});
    CHECK(code_of([&] { m.delete_managed_prefix_list(office); }) == "DependencyViolation");
    CHECK(m.prefix_list(office).id == office);
    m.revoke_security_group(web, false, {from_office}, {});
    m.delete_managed_prefix_list(office);

    const std::string acl = m.create_network_acl("", lab.vpc, {}).id;
    NetworkAclEntry e;
    e.rule_number = 100;
    e.protocol = "tcp";
    e.allow = true;
    e.cidr = Cidr{0, 0};
    CHECK(code_of([&] { m.create_network_acl_entry(acl, e); }) == "MissingParameter");  // TCP without a port range
    e.port_range = NetworkAclEntry::PortRange{80, 80};
    m.create_network_acl_entry(acl, e);
    CHECK(m.network_acl(acl).entries.front().protocol == "6");
    CHECK(code_of([&] { m.create_network_acl_entry(acl, e); }) == "NetworkAclEntryAlreadyExists");
    e.rule_number = 32767;
    CHECK(code_of([&] { m.create_network_acl_entry(acl, e); }) == "InvalidParameterValue");
    e.rule_number = 7;
    CHECK(code_of([&] { m.replace_network_acl_entry(acl, e); }) == "InvalidNetworkAclEntry.NotFound");
    CHECK(code_of([&] { m.delete_network_acl_entry(acl, 100, true); }) == "InvalidNetworkAclEntry.NotFound");  // 100 is ingress
    CHECK(m.network_acl(acl).entries.size() == 1);
    CHECK(code_of([&] { m.delete_network_acl(m.vpc(lab.vpc).default_network_acl_id); }) == "InvalidParameterValue");
    m.associate_network_acl(lab.priv, acl);
    CHECK(code_of([&] { m.delete_network_acl(acl); }) == "DependencyViolation");
    CHECK(code_of([&] { m.replace_network_acl_association("aclassoc-00000000000000000", acl); }) == "InvalidAssociationID.NotFound");
    CHECK(m.network_acl_of(lab.priv).id == acl);
    CHECK(code_of([&] { m.delete_vpc(lab.vpc, 1000); }) == "DependencyViolation");
}

TEST_CASE("each VPC has a default group and ACL; subnets start on the default ACL and leave it when deleted") {
    test::TwoSubnetLab lab("defaults");
    const auto& v = lab.m.vpc(lab.vpc);
    const auto& g = lab.m.security_group(v.default_security_group_id);
    CHECK(g.group_name == "default");
    REQUIRE(g.ingress.size() == 1);
    CHECK(g.ingress[0].source_group_id == g.id);  // from its own members
    REQUIRE(g.egress.size() == 1);
    CHECK(g.egress[0].cidr == Cidr{0, 0});
    const auto& acl = lab.m.network_acl(v.default_network_acl_id);
    CHECK(acl.is_default);
    CHECK(acl.entries.size() == 2);  // rule 100 allows all, each way
    CHECK(lab.m.network_acl_of(lab.pub).id == acl.id);
    CHECK(lab.m.network_acl_of(lab.priv).id == acl.id);
    const std::string extra = lab.m.create_subnet("", lab.vpc, "10.10.9.0/24", "ap-northeast-2a", false, {}).id;
    CHECK(lab.m.network_acl(v.default_network_acl_id).associations.size() == 3);
    lab.m.delete_subnet(extra);
    CHECK(lab.m.network_acl(v.default_network_acl_id).associations.size() == 2);
}
