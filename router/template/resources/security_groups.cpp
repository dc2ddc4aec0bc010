// AWS::EC2::SecurityGroup and its rules.
#include "router/template/resource_handlers.hpp"

namespace vpclab::cfn {

namespace {

std::vector<routing::SecurityGroupRule> rules(ResourceContext& c, const std::string& key, bool ingress) {
    auto& props = c.props;
    std::vector<routing::SecurityGroupRule> out;
    const Node* list = props.get(key);
    if (!list || list->is_null()) return out;
    if (!list->is_list()) props.fail(key, "expected a list of rules");
    for (const auto& item : list->items) {
        if (!item.is_map()) props.fail(key, "each rule must be a map");
        routing::SecurityGroupRule rule;
        for (const auto& [k, v] : item.entries) {
            const std::string where = key;
            if (k == "IpProtocol") {
                rule.ip_protocol = props.string_of(v, where);
                if (rule.ip_protocol == "-1" || rule.ip_protocol == "all") rule.ip_protocol = "-1";
            } else if (k == "FromPort") rule.from_port = props.integer_of(v, where);
            else if (k == "ToPort") rule.to_port = props.integer_of(v, where);
            else if (k == "CidrIp") {
                std::string why;
                auto cidr = routing::Cidr::parse(props.string_of(v, where), &why);
                if (!cidr) c.fail(v.where(), key + ".CidrIp", why);
                rule.cidr = cidr;
            } else if (k == (ingress ? "SourceSecurityGroupId" : "DestinationSecurityGroupId")) rule.source_group_id = props.string_of(v, where);
            else if (k == "Description") rule.description = props.string_of(v, where);
            else c.unsupported(v.where(), "security group rule key " + k + " is not supported and was ignored");
        }
        const std::string p = rule.ip_protocol;
        if (p != "-1" && p != "tcp" && p != "udp" && p != "icmp" && p.find_first_not_of("0123456789") != std::string::npos)
            c.fail(item.line, key + ".IpProtocol", "'" + p + "' is not tcp, udp, icmp, -1 or a protocol number");
        if ((p == "tcp" || p == "udp") && (rule.from_port < 0 || rule.to_port > 65535 || rule.from_port > rule.to_port))
            c.fail(item.line, key, "port range " + std::to_string(rule.from_port) + "-" + std::to_string(rule.to_port) + " is not valid for " + p);
        out.push_back(std::move(rule));
    }
    return out;
}

void create_security_group(ResourceContext& c) {
    auto& props = c.props;
    const std::string vpc = props.string("VpcId", false);
    if (vpc.empty()) props.fail("VpcId", "is required: the lab has no default VPC");
    auto ingress = rules(c, "SecurityGroupIngress", true);
    std::optional<std::vector<routing::SecurityGroupRule>> egress;
    if (props.get("SecurityGroupEgress")) egress = rules(c, "SecurityGroupEgress", false);
    const auto& g = c.model.create_security_group(c.resource.logical_id, vpc, props.string("GroupName", false),
                                                      props.string("GroupDescription", true), std::move(ingress),
                                                      std::move(egress), props.tags());
    c.set_ref(g.id);
    c.set_att("GroupId", g.id);
    c.set_att("VpcId", g.vpc_id);
}

}  // namespace

std::vector<ResourceType> security_group_resource_types() { return {{"AWS::EC2::SecurityGroup", create_security_group}}; }

}  // namespace vpclab::cfn
