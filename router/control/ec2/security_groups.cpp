// The security group family of the EC2 API: CreateSecurityGroup, DeleteSecurityGroup,
// AuthorizeSecurityGroupIngress/Egress, RevokeSecurityGroupIngress/Egress, DescribeSecurityGroups,
// DescribeSecurityGroupRules (EC2 API reference).
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

namespace {

bool has_ports(const std::string& protocol) { return protocol == "tcp" || protocol == "udp" || protocol == "icmp"; }

// DescribeSecurityGroups shows one IpPermission per protocol and port range, its peers listed in it.
json permissions_json(const std::vector<routing::SecurityGroupRule>& rules) {
    json out = json::array();
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const auto& r = rules[i];
        bool seen = false;
        for (std::size_t k = 0; k < i && !seen; ++k)
            seen = rules[k].ip_protocol == r.ip_protocol && rules[k].from_port == r.from_port && rules[k].to_port == r.to_port;
        if (seen) continue;
        json j = {{"IpProtocol", r.ip_protocol}};
        if (has_ports(r.ip_protocol)) {
            j["FromPort"] = r.from_port;
            j["ToPort"] = r.to_port;
        }
        j["IpRanges"] = json::array();
        j["Ipv6Ranges"] = json::array();
        j["PrefixListIds"] = json::array();
        j["UserIdGroupPairs"] = json::array();
        for (std::size_t k = i; k < rules.size(); ++k) {
            const auto& x = rules[k];
            if (x.ip_protocol != r.ip_protocol || x.from_port != r.from_port || x.to_port != r.to_port) continue;
            json peer;
            if (x.cidr) peer = {{"CidrIp", x.cidr->to_string()}};
            else if (!x.prefix_list_id.empty()) peer = {{"PrefixListId", x.prefix_list_id}};
            else peer = {{"GroupId", x.source_group_id}, {"UserId", owner_id}};
            if (!x.description.empty()) peer["Description"] = x.description;
            j[x.cidr ? "IpRanges" : !x.prefix_list_id.empty() ? "PrefixListIds" : "UserIdGroupPairs"].push_back(peer);
        }
        out.push_back(j);
    }
    return out;
}

json rule_json(const routing::VpcModel& m, const routing::SecurityGroup& g, const routing::SecurityGroupRule& r, bool egress) {
    json j = {{"SecurityGroupRuleId", r.rule_id}, {"GroupId", g.id}, {"GroupOwnerId", owner_id}, {"IsEgress", egress},
              {"IpProtocol", r.ip_protocol}, {"FromPort", has_ports(r.ip_protocol) ? r.from_port : -1},
              {"ToPort", has_ports(r.ip_protocol) ? r.to_port : -1}};
    if (r.cidr) j["CidrIpv4"] = r.cidr->to_string();
    if (!r.prefix_list_id.empty()) j["PrefixListId"] = r.prefix_list_id;
    if (!r.source_group_id.empty()) j["ReferencedGroupInfo"] = {{"GroupId", r.source_group_id}, {"UserId", owner_id}};
    if (!r.description.empty()) j["Description"] = r.description;
    j["Tags"] = json::array();
    j["SecurityGroupRuleArn"] = "arn:aws:ec2:" + m.region() + ":" + owner_id + ":security-group-rule/" + r.rule_id;
    return j;
}

// A group named by --group-id, or by --group-name (GroupName) where the call takes one.
const routing::SecurityGroup& group_of(const Request& params, const routing::VpcModel& m) {
    const std::string id = string_param(params, "GroupId"), name = string_param(params, "GroupName");
    if (!id.empty()) return m.security_group(id);
    if (!name.empty()) {
        const routing::SecurityGroup* found = nullptr;
        for (const auto& g : m.security_groups())
            if (g.group_name == name) {
                if (found) throw ApiError("InvalidParameterValue", "More than one VPC has a security group named '" + name + "'; give --group-id", "GroupName");
                found = &g;
            }
        if (!found) throw ApiError("InvalidGroup.NotFound", "The security group '" + name + "' does not exist", "GroupName");
        return *found;
    }
    throw ApiError("MissingParameter", "The request must contain the parameter GroupId (or GroupName)", "GroupId");
}

// The aws CLI's --port: "22", "1024-65535", or "-1" (all; for ICMP, type-code: "8-0", "-1").
std::pair<int, int> ports_of(const std::string& text) {
    auto number = [&](const std::string& t) {
        const bool negative = !t.empty() && t[0] == '-';
        const std::string digits = negative ? t.substr(1) : t;
        if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos)
            throw ApiError("InvalidParameterValue", "--port '" + text + "' is not a port, a range (from-to) or -1", "Port");
        return negative ? -std::stoi(digits) : std::stoi(digits);
    };
    if (text == "-1") return {-1, -1};
    const auto dash = text.find('-', 1);
    if (dash == std::string::npos) return {number(text), number(text)};
    return {number(text.substr(0, dash)), number(text.substr(dash + 1))};
}

// The rules a request names: --ip-permissions (IpPermissions, each permission's peers one rule apiece), or
// the aws CLI's shorthand --protocol, --port, --cidr, --source-group.
std::vector<routing::SecurityGroupRule> rules_of(const Request& params, const routing::VpcModel& m, const routing::SecurityGroup& g) {
    std::vector<routing::SecurityGroupRule> out;
    if (const Request* permissions = structures_param(params, "IpPermissions")) {
        for (const auto& p : *permissions) {
            if (!p.is_object()) throw ApiError("InvalidParameterValue", "IpPermissions: each permission must be a structure", "IpPermissions");
            routing::SecurityGroupRule base;
            base.ip_protocol = string_param(p, "IpProtocol");
            if (base.ip_protocol.empty()) throw ApiError("MissingParameter", "IpPermissions: each permission needs IpProtocol", "IpPermissions");
            base.from_port = signed_int_param(p, "FromPort").value_or(-1);
            base.to_port = signed_int_param(p, "ToPort").value_or(-1);
            const std::size_t before = out.size();
            auto each = [&](const char* list, auto&& f) {
                auto it = p.find(list);
                if (it == p.end()) return;
                if (!it->is_array()) throw ApiError("InvalidParameterValue", std::string("IpPermissions: ") + list + " must be a list", "IpPermissions");
                for (const auto& item : *it) {
                    if (!item.is_object()) throw ApiError("InvalidParameterValue", std::string("IpPermissions: ") + list + " holds structures", "IpPermissions");
                    routing::SecurityGroupRule r = base;
                    r.description = string_param(item, "Description");
                    f(item, r);
                    out.push_back(std::move(r));
                }
            };
            each("IpRanges", [&](const Request& item, routing::SecurityGroupRule& r) { r.cidr = cidr_param(string_param(item, "CidrIp"), "IpPermissions"); });
            each("PrefixListIds", [&](const Request& item, routing::SecurityGroupRule& r) { r.prefix_list_id = string_param(item, "PrefixListId"); });
            each("UserIdGroupPairs", [&](const Request& item, routing::SecurityGroupRule& r) {
                r.source_group_id = string_param(item, "GroupId");
                if (r.source_group_id.empty() && !string_param(item, "GroupName").empty())
                    r.source_group_id = m.security_group_by_name(string_param(item, "GroupName"), g.vpc_id).id;
            });
            if (p.contains("Ipv6Ranges") && !p["Ipv6Ranges"].empty())
                throw ApiError("InvalidParameterValue", "IpPermissions: Ipv6Ranges: the lab's VPCs have no IPv6 CIDR", "IpPermissions");
            if (out.size() == before) out.push_back(base);  // no peer: the model names what is missing
        }
    }
    const std::string protocol = string_param(params, "IpProtocol"), cidr = string_param(params, "CidrIp"),
                      source_group = string_param(params, "SourceSecurityGroupName"), port = string_param(params, "Port");
    if (!protocol.empty() || !cidr.empty() || !source_group.empty() || !port.empty()) {
        if (!out.empty())
            throw ApiError("InvalidParameterCombination", "Give either --ip-permissions or --protocol/--port/--cidr/--source-group, not both", "IpPermissions");
        routing::SecurityGroupRule r;
        if (protocol.empty()) throw ApiError("MissingParameter", "--protocol is required with --port, --cidr or --source-group", "IpProtocol");
        r.ip_protocol = protocol;
        if (!port.empty()) std::tie(r.from_port, r.to_port) = ports_of(port);
        if (!cidr.empty()) r.cidr = cidr_param(cidr, "CidrIp");
        // --source-group takes a group's ID or its name (in the group's VPC).
        if (!source_group.empty())
            r.source_group_id = source_group.rfind("sg-", 0) == 0 ? source_group : m.security_group_by_name(source_group, g.vpc_id).id;
        out.push_back(std::move(r));
    }
    if (out.empty()) throw ApiError("MissingParameter", "Give the rules: --ip-permissions, or --protocol with --port and --cidr or --source-group", "IpPermissions");
    return out;
}

json describe_security_groups(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"SecurityGroups", describe(m.security_groups(), params, "GroupIds", "InvalidGroup.NotFound", "security group",
                                        [&](const auto& g) { return security_group_json(m, g); })}};
}

json describe_security_group_rules(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    const auto ids = list_param(params, "SecurityGroupRuleIds");
    json all = json::array();
    std::vector<std::string> seen;
    for (const auto& g : m.security_groups())
        for (bool egress : {false, true})
            for (const auto& r : egress ? g.egress : g.ingress) {
                seen.push_back(r.rule_id);
                if (!ids.empty() && std::find(ids.begin(), ids.end(), r.rule_id) == ids.end()) continue;
                json j = rule_json(m, g, r, egress);
                if (matches_filters(j, params)) all.push_back(std::move(j));
            }
    for (const auto& id : ids)
        if (std::find(seen.begin(), seen.end(), id) == seen.end())
            throw ApiError("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '" + id + "' does not exist", "SecurityGroupRuleIds");
    return {{"SecurityGroupRules", all}};
}

json create_security_group(const Request& params, RouterState& state) {
    const std::string vpc_id = string_param(params, "VpcId");
    if (vpc_id.empty()) throw ApiError("VPCIdNotSpecified", "No default VPC for this user: give --vpc-id", "VpcId");
    const std::string name = string_param(params, "GroupName");
    if (name.empty()) throw ApiError("MissingParameter", "The request must contain the parameter GroupName", "GroupName");
    auto tags = tags_for(params, "security-group");
    return state.commit([&](routing::VpcModel& next) {
        const auto& g = next.create_security_group("", vpc_id, name, string_param(params, "Description"), {}, std::nullopt, std::move(tags));
        return json{{"GroupId", g.id}, {"Tags", tags_json(next, g)},
                    {"SecurityGroupArn", "arn:aws:ec2:" + next.region() + ":" + owner_id + ":security-group/" + g.id}};
    });
}

json delete_security_group(const Request& params, RouterState& state) {
    const std::string id = group_of(params, *state.model).id;
    return state.commit([&](routing::VpcModel& next) {
        next.delete_security_group(id);
        return json{{"Return", true}, {"GroupId", id}};
    });
}

json authorize(const Request& params, RouterState& state, bool ingress) {
    const auto& g = group_of(params, *state.model);
    auto rules = rules_of(params, *state.model, g);
    const std::string id = g.id;
    return state.commit([&](routing::VpcModel& next) {
        const auto added = next.authorize_security_group(id, ingress, std::move(rules));
        json out = json::array();
        for (const auto& r : added) out.push_back(rule_json(next, next.security_group(id), r, !ingress));
        return json{{"Return", true}, {"SecurityGroupRules", out}};
    });
}

json revoke(const Request& params, RouterState& state, bool ingress) {
    const auto& g = group_of(params, *state.model);
    const auto rule_ids = list_param(params, "SecurityGroupRuleIds");
    std::vector<routing::SecurityGroupRule> rules;
    if (rule_ids.empty() || params.contains("IpPermissions") || params.contains("IpProtocol")) rules = rules_of(params, *state.model, g);
    const std::string id = g.id;
    return state.commit([&](routing::VpcModel& next) {
        next.revoke_security_group(id, ingress, rules, rule_ids);
        return json{{"Return", true}};
    });
}

json authorize_ingress(const Request& params, RouterState& state) { return authorize(params, state, true); }
json authorize_egress(const Request& params, RouterState& state) { return authorize(params, state, false); }
json revoke_ingress(const Request& params, RouterState& state) { return revoke(params, state, true); }
json revoke_egress(const Request& params, RouterState& state) { return revoke(params, state, false); }

}  // namespace

json security_group_json(const routing::VpcModel& m, const routing::SecurityGroup& g) {
    return {{"Description", g.description}, {"GroupName", g.group_name}, {"IpPermissions", permissions_json(g.ingress)},
            {"OwnerId", owner_id}, {"GroupId", g.id}, {"IpPermissionsEgress", permissions_json(g.egress)}, {"VpcId", g.vpc_id},
            {"SecurityGroupArn", "arn:aws:ec2:" + m.region() + ":" + owner_id + ":security-group/" + g.id}, {"Tags", tags_json(m, g)}};
}

}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> security_group_actions() {
    using namespace ec2;
    // The rule options of authorize and revoke: --ip-permissions, or the aws CLI's shorthand.
    auto rule_options = [](bool ingress, bool revoke) {
        std::vector<ParamSpec> p{{"--group-id", "GroupId", K::string, false}};
        if (ingress) p.push_back({"--group-name", "GroupName", K::string, false});
        p.push_back({"--ip-permissions", "IpPermissions", K::structures, false});
        p.push_back({"--protocol", "IpProtocol", K::string, false});
        p.push_back({"--port", "Port", K::string, false, "the aws CLI's own option (awscli/customizations/ec2/secgroupsimplify.py): it sends IpPermissions"});
        p.push_back({"--cidr", "CidrIp", K::string, false});
        p.push_back({"--source-group", "SourceSecurityGroupName", K::string, false});
        if (revoke) p.push_back({"--security-group-rule-ids", "SecurityGroupRuleIds", K::list, false});
        return p;
    };
    return {
        {"describe-security-groups", "DescribeSecurityGroups", "list security groups",
         {{"--group-ids", "GroupIds", K::list, false}, {"--filters", "Filters", K::filters, false}}, describe_security_groups,
         {"group-id", "group-name", "vpc-id", "owner-id", "description", "tag-key"}},
        {"describe-security-group-rules", "DescribeSecurityGroupRules", "list security group rules (sgr-…), one per peer",
         {{"--security-group-rule-ids", "SecurityGroupRuleIds", K::list, false}, {"--filters", "Filters", K::filters, false}},
         describe_security_group_rules, {"group-id", "security-group-rule-id", "is-egress"}},
        {"create-security-group", "CreateSecurityGroup", "create a security group (no inbound rules; all outbound allowed)",
         {{"--group-name", "GroupName", K::string, true}, {"--description", "Description", K::string, true},
          {"--vpc-id", "VpcId", K::string, false}, {"--tag-specifications", "TagSpecifications", K::structures, false}},
         create_security_group},
        {"delete-security-group", "DeleteSecurityGroup", "delete a security group no interface uses and no rule refers to",
         {{"--group-id", "GroupId", K::string, false}, {"--group-name", "GroupName", K::string, false}}, delete_security_group},
        {"authorize-security-group-ingress", "AuthorizeSecurityGroupIngress", "add inbound rules to a security group",
         rule_options(true, false), authorize_ingress},
        {"authorize-security-group-egress", "AuthorizeSecurityGroupEgress", "add outbound rules to a security group",
         rule_options(false, false), authorize_egress},
        {"revoke-security-group-ingress", "RevokeSecurityGroupIngress", "remove inbound rules (tracked connections they allowed go on)",
         rule_options(true, true), revoke_ingress},
        {"revoke-security-group-egress", "RevokeSecurityGroupEgress", "remove outbound rules (tracked connections they allowed go on)",
         rule_options(false, true), revoke_egress},
    };
}

}  // namespace vpclab::router
