// AWS::EC2::SecurityGroup (its inline rules), AWS::EC2::SecurityGroupIngress and AWS::EC2::SecurityGroupEgress.
#include "router/template/resource_handlers.hpp"

namespace vpclab::cfn {

namespace {

// One rule's keys (CloudFormation User Guide, "AWS::EC2::SecurityGroup Ingress / Egress"), from an inline
// rule's map or a rule resource's properties. The model checks protocol, ports and peer.
struct RuleKeys {
    ResourceContext& c;
    bool ingress;
    bool read(routing::SecurityGroupRule& rule, const std::string& k, const Node& v, const std::string& where, const std::string& vpc_id) {
        auto& props = c.props;
        if (k == "IpProtocol") rule.ip_protocol = props.string_of(v, where);
        else if (k == "FromPort") rule.from_port = props.integer_of(v, where);
        else if (k == "ToPort") rule.to_port = props.integer_of(v, where);
        else if (k == "CidrIp") {
            std::string why;
            auto cidr = routing::Cidr::parse(props.string_of(v, where), &why);
            if (!cidr) c.fail(v.where(), where + ".CidrIp", why);
            rule.cidr = cidr;
        } else if (k == (ingress ? "SourceSecurityGroupId" : "DestinationSecurityGroupId")) rule.source_group_id = props.string_of(v, where);
        else if (ingress && k == "SourceSecurityGroupName") rule.source_group_id = c.model.security_group_by_name(props.string_of(v, where), vpc_id).id;
        else if (k == (ingress ? "SourcePrefixListId" : "DestinationPrefixListId")) rule.prefix_list_id = props.string_of(v, where);
        else if (k == "Description") rule.description = props.string_of(v, where);
        else return false;
        return true;
    }
};

std::vector<routing::SecurityGroupRule> inline_rules(ResourceContext& c, const std::string& key, bool ingress, const std::string& vpc_id) {
    auto& props = c.props;
    std::vector<routing::SecurityGroupRule> out;
    const Node* list = props.get(key);
    if (!list || list->is_null()) return out;
    if (!list->is_list()) props.fail(key, "expected a list of rules");
    RuleKeys keys{c, ingress};
    for (const auto& item : list->items) {
        if (!item.is_map()) props.fail(key, "each rule must be a map");
        routing::SecurityGroupRule rule;
        for (const auto& [k, v] : item.entries)
            if (!keys.read(rule, k, v, key, vpc_id)) c.unsupported(v.where(), "security group rule key " + k + " is not supported and was ignored");
        // Protocol and ports are checked here, so an error points at the rule; the model checks the peer.
        try {
            routing::VpcModel::checked_permission(rule, key.c_str());
        } catch (const routing::ApiError& e) {
            c.fail(item.line, key, e.what());
        }
        out.push_back(std::move(rule));
    }
    return out;
}

void create_security_group(ResourceContext& c) {
    auto& props = c.props;
    const std::string vpc = props.string("VpcId", false);
    if (vpc.empty()) props.fail("VpcId", "is required: the lab has no default VPC");
    auto ingress = inline_rules(c, "SecurityGroupIngress", true, vpc);
    std::optional<std::vector<routing::SecurityGroupRule>> egress;
    if (props.get("SecurityGroupEgress")) egress = inline_rules(c, "SecurityGroupEgress", false, vpc);
    const auto& g = c.model.create_security_group(c.resource.logical_id, vpc, props.string("GroupName", false),
                                                      props.string("GroupDescription", true), std::move(ingress),
                                                      std::move(egress), props.tags());
    c.set_ref(g.id);
    c.set_att("GroupId", g.id);
    c.set_att("VpcId", g.vpc_id);
}

// A rule resource: its group (GroupId, or GroupName for ingress) and one rule.
void create_rule(ResourceContext& c, bool ingress) {
    auto& props = c.props;
    std::string group_id = props.string("GroupId", false);
    if (group_id.empty() && ingress) {
        const std::string name = props.string("GroupName", false);
        if (!name.empty()) group_id = c.model.security_group_by_name(name).id;
    }
    if (group_id.empty()) props.fail("GroupId", ingress ? "is required (or GroupName)" : "is required");
    const std::string vpc_id = c.model.security_group(group_id).vpc_id;
    // The rule's keys are the resource's properties (RuleKeys reads only the keys of this direction).
    routing::SecurityGroupRule rule;
    RuleKeys keys{c, ingress};
    for (const char* k : {"IpProtocol", "FromPort", "ToPort", "CidrIp", "Description", "SourceSecurityGroupId", "SourceSecurityGroupName",
                          "SourcePrefixListId", "DestinationSecurityGroupId", "DestinationPrefixListId"})
        if (const Node* v = c.props.get(k); v && !v->is_null() && !keys.read(rule, k, *v, k, vpc_id))
            c.unsupported(v->where(), std::string(k) + " is not a property of this rule's direction and was ignored");
    const auto added = c.model.authorize_security_group(group_id, ingress, {rule});
    c.set_ref(added.front().rule_id);
    c.set_att("Id", added.front().rule_id);
    c.keep_for_deletion("GroupId", group_id);
    c.keep_for_deletion("Direction", ingress ? "ingress" : "egress");
}

void create_ingress(ResourceContext& c) { create_rule(c, true); }
void create_egress(ResourceContext& c) { create_rule(c, false); }

}  // namespace

std::vector<ResourceType> security_group_resource_types() {
    return {{"AWS::EC2::SecurityGroup", create_security_group},
            {"AWS::EC2::SecurityGroupIngress", create_ingress},
            {"AWS::EC2::SecurityGroupEgress", create_egress}};
}

}  // namespace vpclab::cfn
