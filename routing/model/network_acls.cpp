// The network ACL family of the model: ACLs, their numbered entries, and which ACL each subnet uses.
#include "routing/vpc_model.hpp"

#include <algorithm>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

namespace {

// VPC User Guide, "Network ACL rules": rule numbers 1 to 32766; the "*" rule comes last and denies.
constexpr int lowest_rule_number = 1, highest_rule_number = 32766;

std::string entry_name(int rule_number, bool egress) {
    return std::to_string(rule_number) + (egress ? " (egress)" : " (ingress)");
}

void sort_entries(NetworkAcl& acl) {
    std::stable_sort(acl.entries.begin(), acl.entries.end(), [](const NetworkAclEntry& a, const NetworkAclEntry& b) {
        return a.egress != b.egress ? b.egress : a.rule_number < b.rule_number;
    });
}

}  // namespace

NetworkAcl VpcModel::make_default_network_acl(const Vpc& v) {
    // VPC User Guide, "Default network ACL": allows all inbound and outbound IPv4 traffic (rule 100).
    NetworkAcl acl;
    acl.id = ids_.make("acl", v.id + "/default");
    acl.vpc_id = v.id;
    acl.is_default = true;
    for (bool egress : {false, true}) {
        NetworkAclEntry all;
        all.rule_number = 100;
        all.egress = egress;
        all.allow = true;
        all.cidr = Cidr{0, 0};
        acl.entries.push_back(all);
    }
    return acl;
}

void VpcModel::associate_with_default_network_acl(const Subnet& s) {
    network_acl_mut(vpc(s.vpc_id).default_network_acl_id).associations.push_back({ids_.make("aclassoc", s.id + "/default"), s.id});
}

const NetworkAcl& VpcModel::network_acl_of(const std::string& subnet_id) const {
    for (const auto& a : network_acls_)
        for (const auto& assoc : a.associations)
            if (assoc.subnet_id == subnet_id) return a;
    throw ApiError("InvalidSubnetID.NotFound", "The subnet ID '" + subnet_id + "' has no network ACL association", "SubnetId");
}

NetworkAcl& VpcModel::create_network_acl(const std::string& logical_id, const std::string& vpc_id, std::vector<Tag> tags) {
    vpc(vpc_id);
    NetworkAcl acl;
    acl.logical_id = logical_id;
    acl.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    acl.id = new_id("acl", logical_id);
    acl.tags = std::move(tags);
    acl.vpc_id = vpc_id;  // no entries: only the final "*" rules, which deny everything
    network_acls_.push_back(std::move(acl));
    return network_acls_.back();
}

void VpcModel::delete_network_acl(const std::string& network_acl_id) {
    const NetworkAcl& acl = network_acl(network_acl_id);
    if (acl.is_default) throw ApiError("InvalidParameterValue", "cannot delete default network ACL " + acl.id, "NetworkAclId");
    if (!acl.associations.empty())
        dependency_violation("network ACL", acl.id, "subnet " + acl.associations.front().subnet_id + " is associated with it");
    const std::string id = acl.id;
    std::erase_if(network_acls_, [&](const NetworkAcl& a) { return a.id == id; });
}

// EC2 API reference, "CreateNetworkAclEntry": Protocol -1 (all) or a number (tcp, udp and icmp by name
// too); PortRange required for TCP and UDP, IcmpTypeCode for ICMP; a CIDR block.
NetworkAclEntry VpcModel::checked_network_acl_entry(NetworkAclEntry e) {
    if (e.rule_number < lowest_rule_number || e.rule_number > highest_rule_number)
        throw ApiError("InvalidParameterValue", "Invalid rule number " + std::to_string(e.rule_number) + ": rule numbers are 1 to 32766", "RuleNumber");
    std::string p = e.protocol;
    std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (p == "all") p = "-1";
    else if (p == "tcp") p = "6";
    else if (p == "udp") p = "17";
    else if (p == "icmp") p = "1";
    if (p != "-1") {
        if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos || std::stoi(p) > 255)
            throw ApiError("InvalidParameterValue", "Invalid protocol '" + e.protocol + "': use -1 (all), tcp, udp, icmp or a protocol number 0 to 255", "Protocol");
        p = std::to_string(std::stoi(p));
    }
    e.protocol = p;
    if (p == "6" || p == "17") {
        if (!e.port_range) throw ApiError("MissingParameter", "The request must contain the parameter PortRange (TCP and UDP rules need one)", "PortRange");
        const auto r = *e.port_range;
        if (r.from < 0 || r.to > 65535 || r.from > r.to)
            throw ApiError("InvalidParameterValue", "Invalid port range " + std::to_string(r.from) + "-" + std::to_string(r.to) + ": From and To are 0 to 65535, From not above To", "PortRange");
    } else {
        e.port_range.reset();
    }
    if (p == "1") {
        if (!e.icmp) throw ApiError("MissingParameter", "The request must contain the parameter IcmpTypeCode (ICMP rules need one; -1 is any)", "IcmpTypeCode");
        if (e.icmp->type < -1 || e.icmp->type > 255 || e.icmp->code < -1 || e.icmp->code > 255)
            throw ApiError("InvalidParameterValue", "Invalid ICMP type " + std::to_string(e.icmp->type) + " or code " + std::to_string(e.icmp->code) + ": each is -1 (any) or 0 to 255", "IcmpTypeCode");
    } else {
        e.icmp.reset();
    }
    return e;
}

void VpcModel::create_network_acl_entry(const std::string& network_acl_id, NetworkAclEntry entry) {
    const NetworkAcl& acl = network_acl(network_acl_id);
    entry = checked_network_acl_entry(std::move(entry));
    for (const auto& e : acl.entries)
        if (e.rule_number == entry.rule_number && e.egress == entry.egress)
            throw ApiError("NetworkAclEntryAlreadyExists", "The network acl entry identified by " + entry_name(entry.rule_number, entry.egress) + " already exists.", "RuleNumber");
    NetworkAcl& m = network_acl_mut(network_acl_id);
    m.entries.push_back(std::move(entry));
    sort_entries(m);
}

void VpcModel::replace_network_acl_entry(const std::string& network_acl_id, NetworkAclEntry entry) {
    network_acl(network_acl_id);
    entry = checked_network_acl_entry(std::move(entry));
    for (auto& e : network_acl_mut(network_acl_id).entries)
        if (e.rule_number == entry.rule_number && e.egress == entry.egress) {
            e = std::move(entry);
            return;
        }
    throw ApiError("InvalidNetworkAclEntry.NotFound", "The network acl entry identified by " + entry_name(entry.rule_number, entry.egress) + " does not exist.", "RuleNumber");
}

void VpcModel::delete_network_acl_entry(const std::string& network_acl_id, int rule_number, bool egress) {
    const NetworkAcl& acl = network_acl(network_acl_id);
    if (std::none_of(acl.entries.begin(), acl.entries.end(), [&](const NetworkAclEntry& e) { return e.rule_number == rule_number && e.egress == egress; }))
        throw ApiError("InvalidNetworkAclEntry.NotFound", "The network acl entry identified by " + entry_name(rule_number, egress) + " does not exist.", "RuleNumber");
    std::erase_if(network_acl_mut(network_acl_id).entries, [&](const NetworkAclEntry& e) { return e.rule_number == rule_number && e.egress == egress; });
}

std::string VpcModel::replace_network_acl_association(const std::string& association_id, const std::string& network_acl_id) {
    const NetworkAcl& to = network_acl(network_acl_id);
    for (auto& from : network_acls_)
        for (const auto& assoc : from.associations) {
            if (assoc.association_id != association_id) continue;
            const std::string subnet_id = assoc.subnet_id;
            if (subnet(subnet_id).vpc_id != to.vpc_id)
                throw ApiError("InvalidParameterValue", "Network ACL " + to.id + " is not in the VPC of subnet " + subnet_id + " (" + subnet(subnet_id).vpc_id + ")", "NetworkAclId");
            const std::string new_id = ids_.next("aclassoc");
            std::erase_if(from.associations, [&](const NetworkAclAssociation& a) { return a.association_id == association_id; });
            network_acl_mut(network_acl_id).associations.push_back({new_id, subnet_id});
            return new_id;
        }
    throw ApiError("InvalidAssociationID.NotFound", "The association ID '" + association_id + "' does not exist", "AssociationId");
}

std::string VpcModel::associate_network_acl(const std::string& subnet_id, const std::string& network_acl_id) {
    subnet(subnet_id);
    network_acl(network_acl_id);
    for (const auto& a : network_acls_)
        for (const auto& assoc : a.associations)
            if (assoc.subnet_id == subnet_id) return replace_network_acl_association(assoc.association_id, network_acl_id);
    throw ApiError("InternalError", "subnet " + subnet_id + " has no network ACL association");
}

}  // namespace vpclab::routing
