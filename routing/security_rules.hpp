// Security groups and network ACLs compiled for the data path, and their pure verdicts.
//
// The control plane turns each ENI's groups (up to five, their rules' peers expanded: a prefix list into
// its entries, a security group into its members' private addresses) and each subnet's ACL into flat
// vectors of CompiledRule; the data path asks allow/deny of a RuleProbe (the packet's protocol, far
// address, destination port or ICMP type and code) without allocating. Connection state is the data
// path's (router/data_path/connection_tracking.*); these functions know nothing of it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "routing/ipv4_cidr.hpp"

namespace vpclab::routing {

class VpcModel;
struct NetworkAcl;

// What a rule is matched against.
struct RuleProbe {
    std::uint32_t address = 0;  // the far end: the source of inbound traffic, the destination of outbound
    std::uint8_t protocol = 0;
    std::uint16_t port = 0;     // TCP/UDP destination port
    std::uint8_t icmp_type = 0, icmp_code = 0;
    // false for a non-first fragment or a truncated header: no ports or ICMP type to match, so only a rule
    // that covers every port (or every ICMP type) matches it.
    bool has_l4 = true;
};

struct CompiledRule {
    std::uint32_t network = 0, mask = 0;
    std::int16_t protocol = -1;  // -1: any
    std::uint16_t port_from = 0, port_to = 65535;  // TCP/UDP rules
    std::int16_t icmp_type = -1, icmp_code = -1;   // ICMP rules; -1: any
    bool matches(const RuleProbe& p) const noexcept;
};

// The union of an ENI's security groups' rules (EC2 User Guide, "Security group rules": allow-only, the
// rules of all its groups are aggregated).
struct CompiledSecurityGroups {
    std::vector<CompiledRule> ingress, egress;
    // Where each compiled rule came from, for a step's "allowed by rule sgr-… of sg-…": `origins` indexed by
    // ingress_origin and egress_origin, which run parallel to ingress and egress (kept apart, so the rules
    // the data path scans stay 20 bytes).
    struct RuleOrigin {
        std::string group_id, rule_id;
    };
    std::vector<RuleOrigin> origins;
    std::vector<std::uint32_t> ingress_origin, egress_origin;
    // The origin of `rule`, one of ingress (`inbound`) or egress.
    std::uint32_t origin_of(const CompiledRule& rule, bool inbound) const noexcept {
        const auto& rules = inbound ? ingress : egress;
        return (inbound ? ingress_origin : egress_origin)[static_cast<std::size_t>(&rule - rules.data())];
    }
    // EC2 User Guide, "Untracked connections": a TCP or UDP flow allowed by a rule for all traffic
    // (0.0.0.0/0, every port) in each direction is not tracked; its replies pass by the rules alone.
    bool untracked_tcp = false, untracked_udp = false;
    bool untracked(std::uint8_t protocol) const noexcept {
        return (protocol == 6 && untracked_tcp) || (protocol == 17 && untracked_udp);
    }
};
// Whether any rule allows the probe (security groups never deny).
bool security_groups_allow(const std::vector<CompiledRule>& rules, const RuleProbe& probe) noexcept;
// The first rule that allows the probe, or nullptr.
const CompiledRule* security_group_match(const std::vector<CompiledRule>& rules, const RuleProbe& probe) noexcept;

// A subnet's network ACL: entries of one direction in rule-number order (VPC User Guide, "Network ACL
// rules": evaluated lowest number first, the first match decides; none matches: the "*" rule denies).
struct CompiledAclEntry {
    CompiledRule rule;
    std::uint16_t rule_number = 0;
    bool allow = false;
};
struct CompiledNetworkAcl {
    std::uint32_t acl = 0;  // network_acl_key of its ID: names the ACL in stats and the drop log
    std::vector<CompiledAclEntry> inbound, outbound;
};
struct AclVerdict {
    bool allow = false;
    std::uint16_t rule_number = 0;  // the rule that decided; 32767 for "*"
};
// A 32-bit key for an ACL's ID (FNV-1a), which the data path hands to its counters: unlike an index it
// stays the ACL's own when others are deleted, and a deleted ACL's key finds nothing.
std::uint32_t network_acl_key(std::string_view id) noexcept;
// The model's ACL with that key, or nullptr.
const NetworkAcl* network_acl_by_key(const VpcModel& model, std::uint32_t key) noexcept;

AclVerdict network_acl_verdict(const std::vector<CompiledAclEntry>& entries, const RuleProbe& probe) noexcept;

// Compiles groups by ID (their rules, peers expanded from the model as it is now).
CompiledSecurityGroups compile_security_groups(const VpcModel& model, const std::vector<std::string>& group_ids);
CompiledNetworkAcl compile_network_acl(const VpcModel& model, std::uint32_t acl_index);

}  // namespace vpclab::routing
