// The security group family of the EC2 API: DescribeSecurityGroups (groups are made by templates for now).
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

namespace {

json rule_json(const routing::SecurityGroupRule& r) {
    json j = {{"IpProtocol", r.ip_protocol}, {"IpRanges", json::array()}, {"UserIdGroupPairs", json::array()},
              {"PrefixListIds", json::array()}, {"Ipv6Ranges", json::array()}};
    if (r.ip_protocol != "-1") {
        j["FromPort"] = r.from_port;
        j["ToPort"] = r.to_port;
    }
    if (r.cidr) {
        json range = {{"CidrIp", r.cidr->to_string()}};
        if (!r.description.empty()) range["Description"] = r.description;
        j["IpRanges"].push_back(range);
    }
    if (!r.source_group_id.empty()) j["UserIdGroupPairs"].push_back({{"GroupId", r.source_group_id}, {"UserId", owner_id}});
    return j;
}

json describe_security_groups(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"SecurityGroups", describe(m.security_groups(), params, "GroupIds", "InvalidGroup.NotFound", "security group",
                                        [&](const auto& g) { return security_group_json(m, g); })}};
}

}  // namespace

json security_group_json(const routing::VpcModel& m, const routing::SecurityGroup& g) {
    json in = json::array(), out = json::array();
    for (const auto& r : g.ingress) in.push_back(rule_json(r));
    for (const auto& r : g.egress) out.push_back(rule_json(r));
    return {{"Description", g.description}, {"GroupName", g.group_name}, {"IpPermissions", in}, {"OwnerId", owner_id},
            {"GroupId", g.id}, {"IpPermissionsEgress", out}, {"VpcId", g.vpc_id}, {"Tags", tags_json(m, g)}};
}

}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> security_group_actions() {
    using namespace ec2;
    return {
        {"describe-security-groups", "DescribeSecurityGroups", "list security groups",
         {{"--group-ids", "GroupIds", K::list, false}, {"--filters", "Filters", K::filters, false}}, describe_security_groups,
         {"group-id", "group-name", "vpc-id", "owner-id", "description", "tag-key"}},
    };
}

}  // namespace vpclab::router
