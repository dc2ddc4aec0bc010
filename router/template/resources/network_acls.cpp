// AWS::EC2::NetworkAcl, AWS::EC2::NetworkAclEntry and AWS::EC2::SubnetNetworkAclAssociation.
#include "router/template/resource_handlers.hpp"

namespace vpclab::cfn {

namespace {

void create_network_acl(ResourceContext& c) {
    auto& props = c.props;
    const auto& acl = c.model.create_network_acl(c.resource.logical_id, props.string("VpcId", true), props.tags());
    c.set_ref(acl.id);
    c.set_att("Id", acl.id);
}

// CloudFormation User Guide, "AWS::EC2::NetworkAclEntry": Protocol is a number (-1: all); PortRange
// {From, To} for TCP and UDP; Icmp {Type, Code} for ICMP; Egress defaults to false.
void create_network_acl_entry(ResourceContext& c) {
    auto& props = c.props;
    routing::NetworkAclEntry e;
    const Node* number = props.get("RuleNumber");
    if (!number || number->is_null()) props.fail("RuleNumber", "is required");
    e.rule_number = props.integer_of(*number, "RuleNumber");
    e.protocol = props.string("Protocol", true);
    const std::string action = props.string("RuleAction", true);
    if (action != "allow" && action != "deny") props.fail("RuleAction", "must be allow or deny, got '" + action + "'");
    e.allow = action == "allow";
    e.egress = props.boolean("Egress").value_or(false);
    const std::string cidr = props.string("CidrBlock", false);
    if (cidr.empty()) props.fail("CidrBlock", props.get("Ipv6CidrBlock") ? "the lab's VPCs have no IPv6 CIDR: give CidrBlock" : "is required");
    std::string why;
    const auto parsed = routing::Cidr::parse(cidr, &why);
    if (!parsed) props.fail("CidrBlock", why);
    e.cidr = *parsed;
    auto member = [&](const Node* map, const char* key, const std::string& where) {
        const Node* v = map->find(key);
        if (!v) props.fail(where, std::string("needs ") + key);
        return props.integer_of(*v, where + "." + key);
    };
    if (const Node* range = props.get("PortRange"); range && !range->is_null()) {
        if (!range->is_map()) props.fail("PortRange", "expected {From, To}");
        e.port_range = routing::NetworkAclEntry::PortRange{member(range, "From", "PortRange"), member(range, "To", "PortRange")};
    }
    if (const Node* icmp = props.get("Icmp"); icmp && !icmp->is_null()) {
        if (!icmp->is_map()) props.fail("Icmp", "expected {Type, Code}");
        e.icmp = routing::NetworkAclEntry::IcmpTypeCode{member(icmp, "Type", "Icmp"), member(icmp, "Code", "Icmp")};
    }
    const std::string acl = props.string("NetworkAclId", true);
    const int rule_number = e.rule_number;
    const bool egress = e.egress;
    c.model.create_network_acl_entry(acl, std::move(e));
    c.set_ref(acl + "/" + (egress ? "egress/" : "ingress/") + std::to_string(rule_number));
    c.keep_for_deletion("NetworkAclId", acl);
    c.keep_for_deletion("RuleNumber", std::to_string(rule_number));
    c.keep_for_deletion("Egress", egress ? "true" : "false");
}

void create_subnet_association(ResourceContext& c) {
    auto& props = c.props;
    const std::string subnet = props.string("SubnetId", true);
    const std::string id = c.model.associate_network_acl(subnet, props.string("NetworkAclId", true));
    c.set_ref(id);
    c.keep_for_deletion("SubnetId", subnet);
    c.set_att("AssociationId", id);
}

}  // namespace

std::vector<ResourceType> network_acl_resource_types() {
    return {{"AWS::EC2::NetworkAcl", create_network_acl},
            {"AWS::EC2::NetworkAclEntry", create_network_acl_entry},
            {"AWS::EC2::SubnetNetworkAclAssociation", create_subnet_association}};
}

}  // namespace vpclab::cfn
