// The internet gateway family of the model: create, attach, detach, delete.
#include "routing/vpc_model.hpp"

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

InternetGateway& VpcModel::create_internet_gateway(const std::string& logical_id, std::vector<Tag> tags) {
    InternetGateway g;
    g.logical_id = logical_id;
    g.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    g.id = new_id("igw", logical_id);
    g.tags = std::move(tags);
    internet_gateways_.push_back(std::move(g));
    return internet_gateways_.back();
}


void VpcModel::attach_internet_gateway(const std::string& igw_id, const std::string& vpc_id) {
    const InternetGateway& g = internet_gateway(igw_id);
    vpc(vpc_id);
    if (!g.attached_vpc_id.empty())
        throw ApiError("Resource.AlreadyAssociated", "resource " + igw_id + " is already attached to network " + g.attached_vpc_id, "InternetGatewayId");
    for (const auto& other : internet_gateways_)
        if (other.attached_vpc_id == vpc_id)
            throw ApiError("Resource.AlreadyAssociated", "network " + vpc_id + " already has an internet gateway attached (" + other.id + ")", "VpcId");
    internet_gateway_mut(igw_id).attached_vpc_id = vpc_id;
}


void VpcModel::detach_internet_gateway(const std::string& igw_id, const std::string& vpc_id) {
    const InternetGateway& g = internet_gateway(igw_id);
    vpc(vpc_id);
    if (g.attached_vpc_id != vpc_id)
        throw ApiError("Gateway.NotAttached", "resource " + igw_id + " is not attached to network " + vpc_id, "InternetGatewayId");
    for (const auto& e : network_interfaces_)
        if (e.vpc_id == vpc_id && e.public_ip)
            throw ApiError("DependencyViolation", "Network " + vpc_id + " has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.", "VpcId");
    internet_gateway_mut(igw_id).attached_vpc_id.clear();
}

void VpcModel::delete_internet_gateway(const std::string& igw_id) {
    const InternetGateway& g = internet_gateway(igw_id);
    if (!g.attached_vpc_id.empty()) dependency_violation("internetGateway", g.id, "it is attached to " + g.attached_vpc_id);
    std::erase_if(internet_gateways_, [&](const InternetGateway& x) { return x.id == igw_id; });
}

}  // namespace vpclab::routing
