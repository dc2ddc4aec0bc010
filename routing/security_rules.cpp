// Compiling security groups and network ACLs from the model; matching a probe against the compiled rules.
#include "routing/security_rules.hpp"

#include <algorithm>

#include "routing/vpc_model.hpp"

namespace vpclab::routing {

bool CompiledRule::matches(const RuleProbe& p) const noexcept {
    if ((p.address & mask) != network) return false;
    if (protocol < 0) return true;
    if (p.protocol != protocol) return false;
    if (protocol == 6 || protocol == 17) {
        if (!p.has_l4) return port_from == 0 && port_to == 65535;
        return p.port >= port_from && p.port <= port_to;
    }
    if (protocol == 1) {
        if (icmp_type < 0) return true;
        if (!p.has_l4) return false;
        return p.icmp_type == icmp_type && (icmp_code < 0 || p.icmp_code == icmp_code);
    }
    return true;  // other protocols have no ports
}

const CompiledRule* security_group_match(const std::vector<CompiledRule>& rules, const RuleProbe& probe) noexcept {
    for (const auto& r : rules)
        if (r.matches(probe)) return &r;
    return nullptr;
}

bool security_groups_allow(const std::vector<CompiledRule>& rules, const RuleProbe& probe) noexcept {
    return security_group_match(rules, probe) != nullptr;
}

AclVerdict network_acl_verdict(const std::vector<CompiledAclEntry>& entries, const RuleProbe& probe) noexcept {
    for (const auto& e : entries)
        if (e.rule.matches(probe)) return {e.allow, e.rule_number};
    return {false, static_cast<std::uint16_t>(network_acl_final_rule)};
}

namespace {

std::uint32_t mask_of(const Cidr& c) { return c.prefix_length == 0 ? 0 : ~std::uint32_t{0} << (32 - c.prefix_length); }

CompiledRule base_rule(std::int16_t protocol) {
    CompiledRule r;
    r.protocol = protocol;
    return r;
}

// One compiled rule per peer address block.
void expand(const VpcModel& model, const SecurityGroup& holder, const SecurityGroupRule& rule, std::uint32_t origin, std::vector<CompiledRule>& out,
            std::vector<std::uint32_t>& origins) {
    CompiledRule r;
    if (rule.ip_protocol == "-1") r.protocol = -1;
    else if (rule.ip_protocol == "tcp") r.protocol = 6;
    else if (rule.ip_protocol == "udp") r.protocol = 17;
    else if (rule.ip_protocol == "icmp") r.protocol = 1;
    else r.protocol = static_cast<std::int16_t>(std::stoi(rule.ip_protocol));
    if (r.protocol == 6 || r.protocol == 17) {
        r.port_from = static_cast<std::uint16_t>(rule.from_port);
        r.port_to = static_cast<std::uint16_t>(rule.to_port);
    }
    if (r.protocol == 1) {
        r.icmp_type = static_cast<std::int16_t>(rule.from_port);
        r.icmp_code = static_cast<std::int16_t>(rule.to_port);
    }
    auto add = [&](const Cidr& c) {
        CompiledRule x = r;
        x.mask = mask_of(c);
        x.network = c.network & x.mask;
        out.push_back(x);
        origins.push_back(origin);
    };
    if (rule.cidr) add(*rule.cidr);
    if (!rule.prefix_list_id.empty())
        for (const auto& l : model.prefix_lists())
            if (l.id == rule.prefix_list_id)
                for (const auto& e : l.entries) add(e.cidr);
    // EC2 User Guide, "Security group referencing": the peer is every ENI that carries the group, by its
    // private address (kept current: the snapshot is recompiled whenever membership changes). A group of a
    // peered VPC counts only while the peering is active (VPC Peering Guide, "Update your security groups to
    // reference peer security groups": the rule is stale once the peering is gone).
    const SecurityGroup* peer = rule.source_group_id.empty() ? nullptr : model.find_security_group(rule.source_group_id);
    if (peer && peer->vpc_id != holder.vpc_id && !model.active_peering(holder.vpc_id, peer->vpc_id)) return;
    if (!rule.source_group_id.empty())
        for (const auto& e : model.network_interfaces())
            if (std::find(e.security_group_ids.begin(), e.security_group_ids.end(), rule.source_group_id) != e.security_group_ids.end())
                add(Cidr{e.private_ip, 32});
}

// A rule for all traffic of `protocol` (6 or 17) to or from anywhere: every port, 0.0.0.0/0.
bool all_open(const std::vector<SecurityGroupRule>& rules, const char* protocol) {
    for (const auto& r : rules) {
        if (!r.cidr || r.cidr->prefix_length != 0) continue;
        if (r.ip_protocol == "-1") return true;
        if (r.ip_protocol == protocol && r.from_port == 0 && r.to_port == 65535) return true;
    }
    return false;
}

}  // namespace

CompiledSecurityGroups compile_security_groups(const VpcModel& model, const std::vector<std::string>& group_ids) {
    CompiledSecurityGroups c;
    std::vector<SecurityGroupRule> ingress, egress;
    for (const auto& id : group_ids)
        for (const auto& g : model.security_groups())
            if (g.id == id) {
                ingress.insert(ingress.end(), g.ingress.begin(), g.ingress.end());
                egress.insert(egress.end(), g.egress.begin(), g.egress.end());
                for (const auto* rules : {&g.ingress, &g.egress})
                    for (const auto& r : *rules) {
                        const auto origin = static_cast<std::uint32_t>(c.origins.size());
                        c.origins.push_back({g.id, r.rule_id});
                        const bool inbound = rules == &g.ingress;
                        expand(model, g, r, origin, inbound ? c.ingress : c.egress, inbound ? c.ingress_origin : c.egress_origin);
                    }
            }
    c.untracked_tcp = all_open(ingress, "tcp") && all_open(egress, "tcp");
    c.untracked_udp = all_open(ingress, "udp") && all_open(egress, "udp");
    return c;
}

CompiledNetworkAcl compile_network_acl(const VpcModel& model, std::uint32_t acl_index) {
    CompiledNetworkAcl c;
    c.acl = network_acl_key(model.network_acls()[acl_index].id);
    const NetworkAcl& acl = model.network_acls()[acl_index];
    for (const auto& e : acl.entries) {
        CompiledAclEntry x;
        x.rule = base_rule(e.protocol == "-1" ? -1 : static_cast<std::int16_t>(std::stoi(e.protocol)));
        x.rule.mask = mask_of(e.cidr);
        x.rule.network = e.cidr.network & x.rule.mask;
        if (e.port_range) {
            x.rule.port_from = static_cast<std::uint16_t>(e.port_range->from);
            x.rule.port_to = static_cast<std::uint16_t>(e.port_range->to);
        }
        if (e.icmp) {
            x.rule.icmp_type = static_cast<std::int16_t>(e.icmp->type);
            x.rule.icmp_code = static_cast<std::int16_t>(e.icmp->code);
        }
        x.rule_number = static_cast<std::uint16_t>(e.rule_number);
        x.allow = e.allow;
        (e.egress ? c.outbound : c.inbound).push_back(x);
    }
    auto by_number = [](const CompiledAclEntry& a, const CompiledAclEntry& b) { return a.rule_number < b.rule_number; };
    std::sort(c.inbound.begin(), c.inbound.end(), by_number);
    std::sort(c.outbound.begin(), c.outbound.end(), by_number);
    return c;
}

std::uint32_t network_acl_key(std::string_view id) noexcept {
    std::uint32_t h = 2166136261u;
    for (const char c : id) h = (h ^ static_cast<std::uint8_t>(c)) * 16777619u;
    return h;
}

const NetworkAcl* network_acl_by_key(const VpcModel& model, std::uint32_t key) noexcept {
    for (const auto& acl : model.network_acls())
        if (network_acl_key(acl.id) == key) return &acl;
    return nullptr;
}

}  // namespace vpclab::routing
