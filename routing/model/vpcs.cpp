// The VPC family of the model: create, delete and modify VPCs (EC2 API CreateVpc, DeleteVpc, ModifyVpcAttribute).
#include "routing/vpc_model.hpp"

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

Vpc& VpcModel::create_vpc(const std::string& logical_id, const std::string& cidr_text, std::vector<Tag> tags) {
    const Cidr cidr = parse_cidr_or_throw(cidr_text, "CidrBlock");
    // VPC User Guide, "VPC CIDR blocks": the allowed block size is between /16 and /28.
    if (cidr.prefix_length < 16 || cidr.prefix_length > 28)
        throw ApiError("InvalidVpc.Range", "The CIDR '" + cidr.to_string() + "' is invalid: a VPC CIDR block must be between /16 and /28", "CidrBlock");
    Vpc v;
    v.logical_id = logical_id;
    v.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    v.id = new_id("vpc", logical_id);
    v.tags = std::move(tags);
    v.cidr = cidr;

    // Every VPC comes with a main route table holding the local route, and a default security group.
    RouteTable main;
    main.id = ids_.make("rtb", v.id + "/main");
    main.vpc_id = v.id;
    main.main = true;
    main.routes.push_back(Route{cidr, "", RouteTargetKind::local, "local", "", "CreateRouteTable"});
    v.main_route_table_id = main.id;
    main.main_association_id = ids_.make("rtbassoc", v.id + "/main");

    SecurityGroup sg;
    sg.id = ids_.make("sg", v.id + "/default");
    sg.group_name = "default";
    sg.description = "default VPC security group";
    sg.vpc_id = v.id;
    // EC2 User Guide, "Default security groups for your VPCs": inbound from the group's own members,
    // outbound to anywhere.
    SecurityGroupRule all_out;
    all_out.cidr = Cidr{0, 0};
    all_out.rule_id = ids_.make("sgr", sg.id + "/egress");
    sg.egress.push_back(all_out);
    SecurityGroupRule members;
    members.source_group_id = sg.id;
    members.rule_id = ids_.make("sgr", sg.id + "/ingress");
    sg.ingress.push_back(members);
    v.default_security_group_id = sg.id;
    const NetworkAcl acl = make_default_network_acl(v);
    v.default_network_acl_id = acl.id;

    route_tables_.push_back(std::move(main));
    security_groups_.push_back(std::move(sg));
    network_acls_.push_back(acl);
    vpcs_.push_back(std::move(v));
    return vpcs_.back();
}


void VpcModel::modify_vpc_attribute(const std::string& vpc_id, std::optional<bool> enable_dns_support,
                                    std::optional<bool> enable_dns_hostnames) {
    Vpc& v = vpc_mut(vpc_id);
    if (enable_dns_support) v.enable_dns_support = *enable_dns_support;
    if (enable_dns_hostnames) v.enable_dns_hostnames = *enable_dns_hostnames;
}

void VpcModel::delete_vpc(const std::string& vpc_id, std::int64_t now) {
    const Vpc& v = vpc(vpc_id);
    // EC2 API reference, "DeleteVpc": everything in the VPC must be deleted or detached first, except its
    // main route table, default security group and default network ACL, which go with it.
    for (const auto& s : subnets_)
        if (s.vpc_id == v.id) dependency_violation("vpc", v.id, "subnet " + s.id + " is in it");
    for (const auto& g : internet_gateways_)
        if (g.attached_vpc_id == v.id) dependency_violation("vpc", v.id, "internet gateway " + g.id + " is attached to it");
    for (const auto& e : network_interfaces_)
        if (e.vpc_id == v.id) dependency_violation("vpc", v.id, "network interface " + e.id + " is in it");
    for (const auto& t : route_tables_)
        if (t.vpc_id == v.id && !t.main) dependency_violation("vpc", v.id, "route table " + t.id + " is in it");
    for (const auto& e : vpc_endpoints_)
        if (e.vpc_id == v.id) dependency_violation("vpc", v.id, "VPC endpoint " + e.id + " is in it");
    for (const auto& g : security_groups_)
        if (g.vpc_id == v.id && g.id != v.default_security_group_id) dependency_violation("vpc", v.id, "security group " + g.id + " is in it");
    for (const auto& a : network_acls_)
        if (a.vpc_id == v.id && !a.is_default) dependency_violation("vpc", v.id, "network ACL " + a.id + " is in it");
    const std::string id = v.id;
    // A peering connection of the VPC goes with it (VPC Peering Guide: deleting either VPC deletes it).
    for (auto& p : vpc_peering_connections_)
        if ((p.requester_vpc_id == id || p.accepter_vpc_id == id) && (p.active() || p.status == "pending-acceptance")) {
            p.status = "deleted";
            p.message = "Deleted by " + std::string(account_id);
            p.gone_at = now;
        }
    std::erase_if(route_tables_, [&](const RouteTable& t) { return t.vpc_id == id; });
    std::erase_if(security_groups_, [&](const SecurityGroup& g) { return g.vpc_id == id; });
    std::erase_if(network_acls_, [&](const NetworkAcl& a) { return a.vpc_id == id; });
    std::erase_if(vpcs_, [&](const Vpc& x) { return x.id == id; });
}

}  // namespace vpclab::routing
