// Public addresses in the model: the pool instances draw from, and Elastic IPs.
#include "routing/vpc_model.hpp"

#include <algorithm>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

std::uint32_t VpcModel::next_public_ip() {
    const std::uint32_t a = pool_.pool.network + pool_.first_host_offset + public_ips_issued_;
    if (!pool_.pool.contains(a) || a == pool_.pool.last())
        throw ApiError("AddressLimitExceeded", "The simulated public address pool " + pool_.pool.to_string() + " is exhausted");
    ++public_ips_issued_;
    return a;
}


const ElasticIp& VpcModel::allocate_address(std::vector<Tag> tags, const std::string& logical_id) {
    ElasticIp e;
    e.public_ip = next_public_ip();
    e.logical_id = logical_id;
    e.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    e.allocation_id = new_id("eipalloc", logical_id);
    e.id = e.allocation_id;
    e.tags = std::move(tags);
    elastic_ips_.push_back(e);
    return elastic_ips_.back();
}

std::string VpcModel::associate_address(const std::string& allocation_id, const std::string& instance_id,
                                        const std::string& network_interface_id, bool allow_reassociation) {
    auto eip = std::find_if(elastic_ips_.begin(), elastic_ips_.end(), [&](const ElasticIp& e) { return e.allocation_id == allocation_id; });
    if (eip == elastic_ips_.end())
        throw ApiError("InvalidAllocationID.NotFound", "The allocation ID '" + allocation_id + "' does not exist", "AllocationId");
    if (instance_id.empty() == network_interface_id.empty())
        throw ApiError("InvalidParameterCombination", "Specify either --instance-id or --network-interface-id", "InstanceId");
    if (!instance_id.empty() && !instance(instance_id).forwards())
        throw ApiError("IncorrectInstanceState", "The instance '" + instance_id + "' is not in a valid state for this operation: it is " + name_of(instance(instance_id).state), "InstanceId");
    const std::string eni_id = instance_id.empty() ? network_interface_id : instance(instance_id).network_interface_ids.front();
    const NetworkInterface& target = network_interface(eni_id);
    refuse_if_requester_managed(target, "given an Elastic IP");
    bool attached = false;
    for (const auto& g : internet_gateways_) attached = attached || g.attached_vpc_id == target.vpc_id;
    if (!attached)
        throw ApiError("Gateway.NotAttached", "Network " + target.vpc_id + " is not attached to any internet gateway", "AllocationId");
    if (!eip->association_id.empty() && eip->network_interface_id != eni_id && !allow_reassociation)
        throw ApiError("Resource.AlreadyAssociated", "resource " + allocation_id + " is already associated with " + eip->network_interface_id + " (use --allow-reassociation)", "AllocationId");
    // Take the address from where it was, and the ENI's current Elastic IP (if any) off it; then give the
    // ENI this one in place of whatever it had (an auto-assigned address is simply released).
    if (!eip->association_id.empty()) disassociate_address(eip->association_id);
    for (auto& other : elastic_ips_)
        if (other.network_interface_id == eni_id) {
            other.association_id.clear();
            other.network_interface_id.clear();
        }
    for (auto& e : network_interfaces_)
        if (e.id == eni_id) e.public_ip = eip->public_ip;
    eip->association_id = ids_.next("eipassoc");
    eip->network_interface_id = eni_id;
    return eip->association_id;
}

void VpcModel::disassociate_address(const std::string& association_id) {
    auto eip = std::find_if(elastic_ips_.begin(), elastic_ips_.end(), [&](const ElasticIp& e) { return !e.association_id.empty() && e.association_id == association_id; });
    if (eip == elastic_ips_.end())
        throw ApiError("InvalidAssociationID.NotFound", "The association ID '" + association_id + "' does not exist", "AssociationId");
    for (const auto& e : network_interfaces_)
        if (e.id == eip->network_interface_id) refuse_if_requester_managed(e, "have its Elastic IP disassociated");
    for (auto& e : network_interfaces_)
        if (e.id == eip->network_interface_id) e.public_ip.reset();  // a replaced auto-assigned IP does not come back (as on AWS)
    eip->association_id.clear();
    eip->network_interface_id.clear();
}

void VpcModel::release_address(const std::string& allocation_id) {
    auto eip = std::find_if(elastic_ips_.begin(), elastic_ips_.end(), [&](const ElasticIp& e) { return e.allocation_id == allocation_id; });
    if (eip == elastic_ips_.end())
        throw ApiError("InvalidAllocationID.NotFound", "The allocation ID '" + allocation_id + "' does not exist", "AllocationId");
    if (!eip->association_id.empty())
        throw ApiError("InvalidIPAddress.InUse", "Address " + format_ipv4(eip->public_ip) + " is in use (association " + eip->association_id + ")", "AllocationId");
    elastic_ips_.erase(eip);
}

}  // namespace vpclab::routing
