// The security group family of the model: groups, their rules, and which groups an ENI carries.
#include "routing/vpc_model.hpp"

#include <algorithm>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

namespace {

bool all_digits(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

std::string SecurityGroupRule::describe() const {
    const std::string peer = cidr ? cidr->to_string() : !source_group_id.empty() ? source_group_id : prefix_list_id;
    if (ip_protocol == "-1") return "peer: " + peer + ", ALL, ALLOW";
    if (ip_protocol == "icmp")
        return "peer: " + peer + ", ICMP, type: " + std::to_string(from_port) + ", code: " + std::to_string(to_port) + ", ALLOW";
    if (ip_protocol == "tcp" || ip_protocol == "udp")
        return "peer: " + peer + ", " + upper(ip_protocol) + ", from port: " + std::to_string(from_port) + ", to port: " + std::to_string(to_port) + ", ALLOW";
    return "peer: " + peer + ", protocol " + ip_protocol + ", ALLOW";
}

// EC2 API reference, "IpPermission": IpProtocol is tcp, udp, icmp, a protocol number, or -1 for all
// (numbers 6, 17 and 1 are shown by name); FromPort/ToPort are the TCP/UDP port range, or the ICMP type
// and code (-1: any); for other protocols the ports are ignored.
SecurityGroupRule VpcModel::checked_permission(SecurityGroupRule r, const char* parameter) {
    std::string p = r.ip_protocol;
    std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (p == "all") p = "-1";
    if (all_digits(p)) {
        if (p.size() > 3 || std::stoi(p) > 255) throw ApiError("InvalidParameterValue", "Invalid value '" + r.ip_protocol + "' for IP protocol: a protocol number is 0 to 255", parameter);
        p = std::to_string(std::stoi(p));
        if (p == "6") p = "tcp";
        else if (p == "17") p = "udp";
        else if (p == "1") p = "icmp";
    } else if (p != "-1" && p != "tcp" && p != "udp" && p != "icmp") {
        throw ApiError("InvalidParameterValue", "Invalid value '" + r.ip_protocol + "' for IP protocol. Unknown protocol (use tcp, udp, icmp, -1 or a protocol number)", parameter);
    }
    r.ip_protocol = p;
    if (p == "tcp" || p == "udp") {
        if (r.from_port < 0 || r.to_port < 0 || r.from_port > 65535 || r.to_port > 65535)
            throw ApiError("InvalidParameterValue", "Invalid " + upper(p) + " port range " + std::to_string(r.from_port) + "-" + std::to_string(r.to_port) + ": ports are 0 to 65535", parameter);
        if (r.from_port > r.to_port)
            throw ApiError("InvalidParameterValue", "Invalid " + upper(p) + " port range: from port " + std::to_string(r.from_port) + " is greater than to port " + std::to_string(r.to_port), parameter);
    } else if (p == "icmp") {
        if (r.from_port < -1 || r.from_port > 255 || r.to_port < -1 || r.to_port > 255)
            throw ApiError("InvalidParameterValue", "Invalid ICMP type " + std::to_string(r.from_port) + " or code " + std::to_string(r.to_port) + ": each is -1 (any) or 0 to 255", parameter);
        if (r.from_port == -1 && r.to_port != -1)
            throw ApiError("InvalidParameterValue", "ICMP code " + std::to_string(r.to_port) + " needs an ICMP type: with type -1 (all types) the code must be -1", parameter);
    } else {
        r.from_port = r.to_port = -1;
    }
    return r;
}

SecurityGroupRule VpcModel::checked_security_group_rule(const SecurityGroup& group, SecurityGroupRule r, const char* parameter) const {
    r = checked_permission(std::move(r), parameter);
    const int peers = (r.cidr ? 1 : 0) + (r.source_group_id.empty() ? 0 : 1) + (r.prefix_list_id.empty() ? 0 : 1);
    if (peers == 0)
        throw ApiError("MissingParameter", "A security group rule needs a peer: a CIDR (CidrIp), a security group or a prefix list", parameter);
    if (peers > 1)
        throw ApiError("InvalidParameterCombination", "A security group rule has exactly one peer: a CIDR, a security group or a prefix list", parameter);
    // A group of the same VPC, or of a VPC peered with it by an active connection (VPC Peering Guide,
    // "Update your security groups to reference peer security groups").
    if (!r.source_group_id.empty()) {
        const std::string& other = security_group(r.source_group_id).vpc_id;
        if (other != group.vpc_id && !active_peering(group.vpc_id, other))
            throw ApiError("InvalidGroup.NotFound", "You have specified two resources that belong to different networks: " + r.source_group_id +
                                                        " is in " + other + ", which is not " + group.vpc_id + " nor peered with it", parameter);
    }
    if (!r.prefix_list_id.empty()) prefix_list(r.prefix_list_id);
    return r;
}

SecurityGroup& VpcModel::create_security_group(const std::string& logical_id, const std::string& vpc_id,
                                               const std::string& group_name, const std::string& description,
                                               std::vector<SecurityGroupRule> ingress,
                                               std::optional<std::vector<SecurityGroupRule>> egress,
                                               std::vector<Tag> tags) {
    vpc(vpc_id);
    if (description.empty())
        throw ApiError("MissingParameter", "The request must contain the parameter GroupDescription", "GroupDescription");
    const std::string id = new_id("sg", logical_id);
    // CloudFormation names an unnamed group "<stack>-<logical id>-<suffix>"; keep it recognisable.
    const std::string name = group_name.empty() ? stack_name() + "-" + logical_id + "-" + id.substr(3, 12) : group_name;
    if (name.rfind("sg-", 0) == 0)
        throw ApiError("InvalidParameterValue", "Group names may not be in the format sg-*", "GroupName");
    if (name == "default" )
        throw ApiError("InvalidGroup.Reserved", "The security group 'default' is reserved", "GroupName");
    for (const auto& g : security_groups_)
        if (g.vpc_id == vpc_id && g.group_name == name)
            throw ApiError("InvalidGroup.Duplicate", "The security group '" + name + "' already exists for VPC '" + vpc_id + "'", "GroupName");
    SecurityGroup g;
    g.logical_id = logical_id;
    g.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    g.id = id;
    g.tags = std::move(tags);
    g.group_name = name;
    g.description = description;
    g.vpc_id = vpc_id;
    // A rule may name the group itself (members reach each other): check the rules against the new group.
    security_groups_.push_back(g);
    try {
        auto check = [&](std::vector<SecurityGroupRule>& rules, const char* parameter) {
            std::vector<SecurityGroupRule> kept;
            for (auto& r : rules) {
                SecurityGroupRule c = checked_security_group_rule(g, std::move(r), parameter);
                // CloudFormation merges a template's repeated rule (EC2 would refuse it): keep one.
                if (std::none_of(kept.begin(), kept.end(), [&](const SecurityGroupRule& k) { return k.same_permission(c); })) kept.push_back(std::move(c));
            }
            rules = std::move(kept);
        };
        check(ingress, "SecurityGroupIngress");
        if (egress) check(*egress, "SecurityGroupEgress");
    } catch (...) {
        security_groups_.pop_back();
        throw;
    }
    SecurityGroup& made = security_groups_.back();
    made.ingress = std::move(ingress);
    // No egress given: AWS adds "allow all outbound" (EC2 User Guide, "Security group rules").
    if (egress) made.egress = std::move(*egress);
    else {
        SecurityGroupRule all;
        all.cidr = Cidr{0, 0};
        made.egress.push_back(all);
    }
    for (auto& r : made.ingress) r.rule_id = ids_.next("sgr");
    for (auto& r : made.egress) r.rule_id = ids_.next("sgr");
    return made;
}

std::vector<SecurityGroupRule> VpcModel::authorize_security_group(const std::string& group_id, bool ingress, std::vector<SecurityGroupRule> rules) {
    const SecurityGroup& g = security_group(group_id);
    const char* parameter = "IpPermissions";
    if (rules.empty()) throw ApiError("MissingParameter", "The request must contain the parameter IpPermissions", parameter);
    const auto& existing = ingress ? g.ingress : g.egress;
    std::vector<SecurityGroupRule> added;
    for (auto& r : rules) {
        SecurityGroupRule c = checked_security_group_rule(g, std::move(r), parameter);
        auto same = [&](const SecurityGroupRule& x) { return x.same_permission(c); };
        if (std::any_of(existing.begin(), existing.end(), same) || std::any_of(added.begin(), added.end(), same))
            throw ApiError("InvalidPermission.Duplicate", "the specified rule \"" + c.describe() + "\" already exists", parameter);
        added.push_back(std::move(c));
    }
    for (auto& r : added) r.rule_id = ids_.next("sgr");
    auto& target = ingress ? security_group_mut(group_id).ingress : security_group_mut(group_id).egress;
    target.insert(target.end(), added.begin(), added.end());
    return added;
}

void VpcModel::revoke_security_group(const std::string& group_id, bool ingress, const std::vector<SecurityGroupRule>& rules,
                                     const std::vector<std::string>& rule_ids) {
    const SecurityGroup& g = security_group(group_id);
    if (rules.empty() && rule_ids.empty())
        throw ApiError("MissingParameter", "The request must contain the parameter IpPermissions or SecurityGroupRuleIds", "IpPermissions");
    const auto& existing = ingress ? g.ingress : g.egress;
    std::vector<std::string> doomed;
    for (const auto& r : rules) {
        const SecurityGroupRule c = checked_security_group_rule(g, r, "IpPermissions");
        auto it = std::find_if(existing.begin(), existing.end(), [&](const SecurityGroupRule& x) { return x.same_permission(c); });
        if (it == existing.end())
            throw ApiError("InvalidPermission.NotFound", "The specified rule \"" + c.describe() + "\" does not exist in this security group", "IpPermissions");
        doomed.push_back(it->rule_id);
    }
    for (const auto& id : rule_ids) {
        if (std::none_of(existing.begin(), existing.end(), [&](const SecurityGroupRule& x) { return x.rule_id == id; }))
            throw ApiError("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '" + id + "' does not exist in " +
                                                                      std::string(ingress ? "the ingress" : "the egress") + " rules of " + g.id,
                           "SecurityGroupRuleIds");
        doomed.push_back(id);
    }
    auto& target = ingress ? security_group_mut(group_id).ingress : security_group_mut(group_id).egress;
    std::erase_if(target, [&](const SecurityGroupRule& x) { return std::find(doomed.begin(), doomed.end(), x.rule_id) != doomed.end(); });
}

void VpcModel::delete_security_group(const std::string& group_id) {
    const SecurityGroup& g = security_group(group_id);
    if (vpc(g.vpc_id).default_security_group_id == g.id)
        throw ApiError("CannotDelete", "the specified group: \"" + g.id + "\" name: \"default\" cannot be deleted by a user", "GroupId");
    for (const auto& e : network_interfaces_)
        if (std::find(e.security_group_ids.begin(), e.security_group_ids.end(), g.id) != e.security_group_ids.end())
            dependency_violation("security group", g.id, "network interface " + e.id + " uses it");
    for (const auto& other : security_groups_) {
        if (other.id == g.id) continue;
        for (const auto* rules : {&other.ingress, &other.egress})
            for (const auto& r : *rules)
                if (r.source_group_id == g.id) dependency_violation("security group", g.id, "a rule of security group " + other.id + " refers to it");
    }
    const std::string id = g.id;
    std::erase_if(security_groups_, [&](const SecurityGroup& x) { return x.id == id; });
}

const SecurityGroup& VpcModel::security_group_by_name(const std::string& group_name, const std::string& vpc_id) const {
    for (const auto& g : security_groups_)
        if (g.group_name == group_name && (vpc_id.empty() || g.vpc_id == vpc_id)) return g;
    throw ApiError("InvalidGroup.NotFound", "The security group '" + group_name + "' does not exist" + (vpc_id.empty() ? "" : " in VPC '" + vpc_id + "'"), "GroupName");
}

void VpcModel::modify_network_interface_groups(const std::string& network_interface_id, std::vector<std::string> group_ids) {
    const NetworkInterface& e = network_interface(network_interface_id);
    refuse_if_requester_managed(e, "given other security groups here");
    if (group_ids.empty()) throw ApiError("MissingParameter", "The request must contain at least one security group", "Groups");
    std::vector<std::string> unique;
    for (auto& id : group_ids)
        if (std::find(unique.begin(), unique.end(), id) == unique.end()) unique.push_back(std::move(id));
    if (unique.size() > max_groups_per_interface)
        throw ApiError("SecurityGroupsPerInterfaceLimitExceeded", "You have exceeded the maximum number of security groups allowed per network interface (" +
                                                                      std::to_string(max_groups_per_interface) + ")", "Groups");
    for (const auto& id : unique)
        if (security_group(id).vpc_id != e.vpc_id)
            throw ApiError("InvalidGroup.NotFound", "You have specified two resources that belong to different networks: " + id + " is not in " + e.vpc_id, "Groups");
    network_interface_mut(network_interface_id).security_group_ids = std::move(unique);
}

// EC2 API reference, "ConnectionTrackingSpecificationRequest": TCP established 60–432,000 s, UDP stream
// 60–180 s, UDP 30–60 s.
void VpcModel::modify_connection_tracking(const std::string& network_interface_id, std::optional<int> tcp_established,
                                          std::optional<int> udp_stream, std::optional<int> udp) {
    refuse_if_requester_managed(network_interface(network_interface_id), "given other connection tracking timeouts");
    auto check = [](std::optional<int> v, int lo, int hi, const char* name) {
        if (v && (*v < lo || *v > hi))
            throw ApiError("InvalidParameterValue", std::string(name) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                                                        " seconds, got " + std::to_string(*v), name);
    };
    check(tcp_established, 60, 432000, "TcpEstablishedTimeout");
    check(udp_stream, 60, 180, "UdpStreamTimeout");
    check(udp, 30, 60, "UdpTimeout");
    auto& t = network_interface_mut(network_interface_id).connection_tracking;
    if (tcp_established) t.tcp_established = *tcp_established;
    if (udp_stream) t.udp_stream = *udp_stream;
    if (udp) t.udp = *udp;
}

}  // namespace vpclab::routing
