// The network ACL family of the EC2 API: CreateNetworkAcl, DeleteNetworkAcl, CreateNetworkAclEntry,
// ReplaceNetworkAclEntry, DeleteNetworkAclEntry, ReplaceNetworkAclAssociation, DescribeNetworkAcls.
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

namespace {

// An entry's direction: the API's Egress, true or false (the aws CLI sends Egress=false for --ingress), or
// vpclab's switches, which send Egress=true for --egress and Ingress=true for --ingress. Neither, or both
// ways at once, is refused.
bool entry_is_egress(const Request& params) {
    const bool ingress = params.value("Ingress", false);
    const auto egress = params.find("Egress");
    if (egress == params.end() || !egress->is_boolean()) {
        if (ingress) return false;
        throw ApiError("MissingParameter", "Specify --egress or --ingress", "Egress");
    }
    if (ingress && egress->get<bool>()) throw ApiError("InvalidParameterCombination", "Specify --egress or --ingress, not both", "Egress");
    return egress->get<bool>();
}

json entry_json(const routing::NetworkAclEntry& e) {
    json j = {{"CidrBlock", e.cidr.to_string()}, {"Egress", e.egress}};
    if (e.icmp) j["IcmpTypeCode"] = {{"Code", e.icmp->code}, {"Type", e.icmp->type}};
    if (e.port_range) j["PortRange"] = {{"From", e.port_range->from}, {"To", e.port_range->to}};
    j["Protocol"] = e.protocol;
    j["RuleAction"] = e.allow ? "allow" : "deny";
    j["RuleNumber"] = e.rule_number;
    return j;
}

// The entry a create or replace call describes.
routing::NetworkAclEntry entry_of(const Request& params) {
    routing::NetworkAclEntry e;
    const auto number = int_param(params, "RuleNumber");
    if (!number) throw ApiError("MissingParameter", "The request must contain the parameter RuleNumber", "RuleNumber");
    e.rule_number = *number;
    e.protocol = string_param(params, "Protocol");
    if (e.protocol.empty()) throw ApiError("MissingParameter", "The request must contain the parameter Protocol", "Protocol");
    const std::string action = string_param(params, "RuleAction");
    if (action != "allow" && action != "deny")
        throw ApiError(action.empty() ? "MissingParameter" : "InvalidParameterValue", "RuleAction must be allow or deny" + (action.empty() ? "" : ", got '" + action + "'"), "RuleAction");
    e.allow = action == "allow";
    const bool egress = entry_is_egress(params);
    e.egress = egress;
    const std::string cidr = string_param(params, "CidrBlock");
    if (cidr.empty()) throw ApiError("MissingParameter", "The request must contain the parameter CidrBlock", "CidrBlock");
    e.cidr = cidr_param(cidr, "CidrBlock");
    if (const Request* range = structures_param(params, "PortRange")) {
        const Request& r = single_structure(*range);
        e.port_range = routing::NetworkAclEntry::PortRange{signed_int_param(r, "From").value_or(-1), signed_int_param(r, "To").value_or(-1)};
    }
    if (const Request* icmp = structures_param(params, "IcmpTypeCode")) {
        const Request& r = single_structure(*icmp);
        e.icmp = routing::NetworkAclEntry::IcmpTypeCode{signed_int_param(r, "Type").value_or(-1), signed_int_param(r, "Code").value_or(-1)};
    }
    return e;
}

json describe_network_acls(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"NetworkAcls", describe(m.network_acls(), params, "NetworkAclIds", "InvalidNetworkAclID.NotFound", "network ACL",
                                     [&](const auto& a) { return network_acl_json(m, a); })}};
}

json create_network_acl(const Request& params, RouterState& state) {
    auto tags = tags_for(params, "network-acl");
    return state.commit([&](routing::VpcModel& next) {
        return json{{"NetworkAcl", network_acl_json(next, next.create_network_acl("", string_param(params, "VpcId"), std::move(tags)))}};
    });
}

json delete_network_acl(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.delete_network_acl(string_param(params, "NetworkAclId"));
        return json::object();
    });
}

json create_network_acl_entry(const Request& params, RouterState& state) {
    auto entry = entry_of(params);
    return state.commit([&](routing::VpcModel& next) {
        next.create_network_acl_entry(string_param(params, "NetworkAclId"), std::move(entry));
        return json::object();
    });
}

json replace_network_acl_entry(const Request& params, RouterState& state) {
    auto entry = entry_of(params);
    return state.commit([&](routing::VpcModel& next) {
        next.replace_network_acl_entry(string_param(params, "NetworkAclId"), std::move(entry));
        return json::object();
    });
}

json delete_network_acl_entry(const Request& params, RouterState& state) {
    const auto number = int_param(params, "RuleNumber");
    if (!number) throw ApiError("MissingParameter", "The request must contain the parameter RuleNumber", "RuleNumber");
    const bool egress = entry_is_egress(params);
    return state.commit([&](routing::VpcModel& next) {
        next.delete_network_acl_entry(string_param(params, "NetworkAclId"), *number, egress);
        return json::object();
    });
}

json replace_network_acl_association(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        return json{{"NewAssociationId", next.replace_network_acl_association(string_param(params, "AssociationId"), string_param(params, "NetworkAclId"))}};
    });
}

}  // namespace

json network_acl_json(const routing::VpcModel& m, const routing::NetworkAcl& a) {
    json associations = json::array();
    for (const auto& x : a.associations)
        associations.push_back({{"NetworkAclAssociationId", x.association_id}, {"NetworkAclId", a.id}, {"SubnetId", x.subnet_id}});
    // The final "*" rule of each direction (rule 32767, deny all) closes the list, as DescribeNetworkAcls shows it.
    json entries = json::array();
    for (bool egress : {true, false}) {
        for (const auto& e : a.entries)
            if (e.egress == egress) entries.push_back(entry_json(e));
        routing::NetworkAclEntry star;
        star.rule_number = routing::network_acl_final_rule;
        star.egress = egress;
        star.cidr = routing::Cidr{0, 0};
        entries.push_back(entry_json(star));
    }
    return {{"Associations", associations}, {"Entries", entries}, {"IsDefault", a.is_default}, {"NetworkAclId", a.id},
            {"Tags", tags_json(m, a)}, {"VpcId", a.vpc_id}, {"OwnerId", owner_id}};
}

}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> network_acl_actions() {
    using namespace ec2;
    auto entry_options = [] {
        return std::vector<ParamSpec>{{"--network-acl-id", "NetworkAclId", K::string, true},
                                      {"--rule-number", "RuleNumber", K::string, true},
                                      {"--protocol", "Protocol", K::string, true},
                                      {"--rule-action", "RuleAction", K::string, true},
                                      {"--egress", "Egress", K::flag, false},
                                      {"--ingress", "Ingress", K::flag, false, "the aws CLI's --ingress is the API's Egress=false"},
                                      {"--cidr-block", "CidrBlock", K::string, false},
                                      {"--port-range", "PortRange", K::structures, false},
                                      {"--icmp-type-code", "IcmpTypeCode", K::structures, false}};
    };
    return {
        {"describe-network-acls", "DescribeNetworkAcls", "list network ACLs with their numbered rules and subnets",
         {{"--network-acl-ids", "NetworkAclIds", K::list, false}, {"--filters", "Filters", K::filters, false}}, describe_network_acls,
         {"network-acl-id", "vpc-id", "default", "association.subnet-id", "association.network-acl-id", "association.association-id",
          "entry.rule-number", "entry.rule-action", "entry.protocol", "entry.egress", "entry.cidr", "owner-id", "tag-key"}},
        {"create-network-acl", "CreateNetworkAcl", "create a network ACL (it denies everything until rules are added)",
         {{"--vpc-id", "VpcId", K::string, true}, {"--tag-specifications", "TagSpecifications", K::structures, false}}, create_network_acl},
        {"delete-network-acl", "DeleteNetworkAcl", "delete a network ACL no subnet is associated with",
         {{"--network-acl-id", "NetworkAclId", K::string, true}}, delete_network_acl},
        {"create-network-acl-entry", "CreateNetworkAclEntry", "add a numbered allow or deny rule (lowest number first)", entry_options(),
         create_network_acl_entry},
        {"replace-network-acl-entry", "ReplaceNetworkAclEntry", "replace the rule with that number and direction", entry_options(),
         replace_network_acl_entry},
        {"delete-network-acl-entry", "DeleteNetworkAclEntry", "remove the rule with that number and direction",
         {{"--network-acl-id", "NetworkAclId", K::string, true},
          {"--rule-number", "RuleNumber", K::string, true},
          {"--egress", "Egress", K::flag, false},
          {"--ingress", "Ingress", K::flag, false, "the aws CLI's --ingress is the API's Egress=false"}},
         delete_network_acl_entry},
        {"replace-network-acl-association", "ReplaceNetworkAclAssociation", "associate a subnet with another network ACL (by its current association)",
         {{"--association-id", "AssociationId", K::string, true}, {"--network-acl-id", "NetworkAclId", K::string, true}},
         replace_network_acl_association},
    };
}

}  // namespace vpclab::router
