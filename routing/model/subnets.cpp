// The subnet family of the model: create, delete and modify subnets (EC2 API CreateSubnet, DeleteSubnet, ModifySubnetAttribute).
#include "routing/vpc_model.hpp"

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

Subnet& VpcModel::create_subnet(const std::string& logical_id, const std::string& vpc_id, const std::string& cidr_text,
                                const std::string& availability_zone, bool map_public_ip, std::vector<Tag> tags) {
    const Vpc& v = vpc(vpc_id);
    const Cidr cidr = parse_cidr_or_throw(cidr_text, "CidrBlock");
    if (cidr.prefix_length < 16 || cidr.prefix_length > 28)
        throw ApiError("InvalidSubnet.Range", "The CIDR '" + cidr.to_string() + "' is invalid: a subnet CIDR block must be between /16 and /28", "CidrBlock");
    if (!v.cidr.contains(cidr))
        throw ApiError("InvalidSubnet.Range", "The CIDR '" + cidr.to_string() + "' is invalid: it is not inside the VPC CIDR " + v.cidr.to_string() + " of " + v.id, "CidrBlock");
    for (const auto& s : subnets_)
        if (s.vpc_id == vpc_id && s.cidr.overlaps(cidr))
            throw ApiError("InvalidSubnet.Conflict", "The CIDR '" + cidr.to_string() + "' conflicts with another subnet: " + s.display_name() + " (" + s.id + ", " + s.cidr.to_string() + ")", "CidrBlock");
    const std::string az = availability_zone.empty() ? region_ + "a" : availability_zone;
    if (az.rfind(region_, 0) != 0 || az.size() != region_.size() + 1 || az.back() < 'a' || az.back() > 'z')
        throw ApiError("InvalidParameterValue", "Value (" + az + ") for parameter availabilityZone is invalid: it is not a zone of " + region_, "AvailabilityZone");
    Subnet s;
    s.logical_id = logical_id;
    s.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    s.id = new_id("subnet", logical_id);
    s.tags = std::move(tags);
    s.vpc_id = vpc_id;
    s.cidr = cidr;
    s.availability_zone = az;
    s.map_public_ip_on_launch = map_public_ip;
    associate_with_default_network_acl(s);  // VPC User Guide: a new subnet uses the default network ACL
    subnets_.push_back(std::move(s));
    return subnets_.back();
}

void VpcModel::delete_subnet(const std::string& subnet_id) {
    const Subnet& s = subnet(subnet_id);
    // EC2 API reference, "DeleteSubnet": terminate the instances and delete the ENIs in it first.
    for (const auto& e : network_interfaces_)
        if (e.subnet_id == s.id)
            dependency_violation("subnet", s.id, "network interface " + e.id + (e.instance_id.empty() ? "" : " of instance " + e.instance_id) + " is in it");
    const std::string id = s.id;
    for (auto& t : route_tables_) t.remove_association(id);  // its associations go with it
    for (auto& a : network_acls_) std::erase_if(a.associations, [&](const NetworkAclAssociation& x) { return x.subnet_id == id; });
    std::erase_if(subnets_, [&](const Subnet& x) { return x.id == id; });
}

void VpcModel::modify_subnet_attribute(const std::string& subnet_id, bool map_public_ip_on_launch) {
    subnet_mut(subnet_id).map_public_ip_on_launch = map_public_ip_on_launch;
}

}  // namespace vpclab::routing
