// The network interface family of the model: ENIs created on their own, attached, detached, deleted, and
// the source/destination check (EC2 User Guide, "Elastic network interfaces").
#include "routing/vpc_model.hpp"

#include <algorithm>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

NetworkInterface& VpcModel::create_network_interface(const std::string& logical_id, const std::string& subnet_id,
                                                     std::optional<std::uint32_t> private_ip,
                                                     std::vector<std::string> security_group_ids, std::string description,
                                                     std::vector<Tag> tags) {
    const Subnet& s = subnet(subnet_id);
    for (const auto& sg : security_group_ids)
        if (security_group(sg).vpc_id != s.vpc_id)
            throw ApiError("InvalidParameter", "Security group " + sg + " and subnet " + s.id + " belong to different networks", "Groups");
    NetworkInterface e;
    e.private_ip = choose_address(s, private_ip, {});
    e.logical_id = logical_id;
    e.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    e.id = new_id("eni", logical_id);
    e.tags = std::move(tags);
    e.subnet_id = s.id;
    e.vpc_id = s.vpc_id;
    e.port = free_port();
    e.mac = wire::MacAddress::locally_administered(stable_hash(e.id));
    e.description = std::move(description);
    e.delete_on_termination = false;  // AttachNetworkInterface's default
    e.security_group_ids = std::move(security_group_ids);
    if (e.security_group_ids.empty()) e.security_group_ids.push_back(vpc(e.vpc_id).default_security_group_id);
    network_interfaces_.push_back(std::move(e));
    return network_interfaces_.back();
}

std::string VpcModel::attach_network_interface(const std::string& network_interface_id, const std::string& instance_id, int device_index,
                                               const std::string& attach_time) {
    const NetworkInterface& e = network_interface(network_interface_id);
    const Instance& inst = instance(instance_id);
    refuse_if_requester_managed(e, "attached to an instance");
    if (!e.instance_id.empty())
        throw ApiError("InvalidNetworkInterface.InUse", "Interface: [" + e.id + "] in use by " + e.instance_id, "NetworkInterfaceId");
    // AWS also attaches to a stopped instance; vpclab makes the TAP of a running one only.
    if (inst.state != InstanceState::running)
        throw ApiError("IncorrectInstanceState", "The instance '" + inst.id + "' is " + name_of(inst.state) + ": vpclab attaches interfaces to running instances", "InstanceId");
    if (device_index < 1 || device_index > 15)
        throw ApiError("InvalidParameterValue", "Device index " + std::to_string(device_index) + " is not valid: use 1 to 15 (0 is the primary interface)", "DeviceIndex");
    const NetworkInterface& primary = network_interface(inst.network_interface_ids.front());
    if (primary.vpc_id != e.vpc_id)
        throw ApiError("InvalidParameterValue", "Network interface " + e.id + " and instance " + inst.id + " belong to different networks", "NetworkInterfaceId");
    // EC2 User Guide, "Attach a network interface": the interface and the instance must be in the same AZ.
    if (subnet(e.subnet_id).availability_zone != inst.availability_zone)
        throw ApiError("InvalidParameterCombination", "You may not attach a network interface to an instance if they are not in the same availability zone", "NetworkInterfaceId");
    for (const auto& id : inst.network_interface_ids)
        if (network_interface(id).device_index == device_index)
            throw ApiError("InvalidParameterValue", "Instance '" + inst.id + "' already has an interface attached at device index '" + std::to_string(device_index) + "'.", "DeviceIndex");
    NetworkInterface& m = network_interface_mut(network_interface_id);
    m.instance_id = inst.id;
    m.device_index = device_index;
    m.attachment_id = ids_.next("eni-attach");
    m.attach_time = attach_time;
    instance_mut(instance_id).network_interface_ids.push_back(m.id);
    return m.attachment_id;
}

void VpcModel::detach_network_interface(const std::string& attachment_id) {
    auto it = std::find_if(network_interfaces_.begin(), network_interfaces_.end(),
                           [&](const NetworkInterface& e) { return !e.attachment_id.empty() && e.attachment_id == attachment_id; });
    if (it == network_interfaces_.end())
        throw ApiError("InvalidAttachmentID.NotFound", "Interface attachment '" + attachment_id + "' does not exist", "AttachmentId");
    if (it->device_index == 0)
        throw ApiError("OperationNotPermitted", "The network interface at device index 0 cannot be detached.", "AttachmentId");
    const Instance& inst = instance(it->instance_id);
    if (inst.state != InstanceState::running)
        throw ApiError("IncorrectInstanceState", "The instance '" + inst.id + "' is " + name_of(inst.state) + ": vpclab detaches interfaces from running instances", "AttachmentId");
    auto& ids = instance_mut(it->instance_id).network_interface_ids;
    ids.erase(std::remove(ids.begin(), ids.end(), it->id), ids.end());
    it->instance_id.clear();
    it->attachment_id.clear();
    it->attach_time.clear();
}

void VpcModel::delete_network_interface(const std::string& network_interface_id) {
    const NetworkInterface& e = network_interface(network_interface_id);
    refuse_if_requester_managed(e, "deleted");
    if (!e.instance_id.empty())
        throw ApiError("InvalidNetworkInterface.InUse", "The network interface '" + e.id + "' is currently in use (attached to " + e.instance_id + ")", "NetworkInterfaceId");
    for (const auto& eip : elastic_ips_)
        if (eip.network_interface_id == e.id)
            throw ApiError("InvalidNetworkInterface.InUse", "The network interface '" + e.id + "' has Elastic IP " + format_ipv4(eip.public_ip) + " associated (" + eip.association_id + ")", "NetworkInterfaceId");
    network_interfaces_.erase(std::find_if(network_interfaces_.begin(), network_interfaces_.end(),
                                           [&](const NetworkInterface& x) { return x.id == network_interface_id; }));
    forget_traffic_mirror_source(network_interface_id);
}

void VpcModel::modify_source_dest_check(const std::string& network_interface_id, bool check) {
    refuse_if_requester_managed(network_interface(network_interface_id), "given another source/destination check");
    network_interface_mut(network_interface_id).source_dest_check = check;
}

NetworkInterface VpcModel::requester_managed_interface(const std::string& owner_id, const Subnet& s, std::uint32_t address, std::string description,
                                                      const char* interface_type) const {
    NetworkInterface e;
    e.private_ip = address;
    e.id = ids_.make("eni", owner_id + "/" + s.id);  // the same owner and subnet again: the same ID
    e.subnet_id = s.id;
    e.vpc_id = s.vpc_id;
    e.port = free_port();
    e.mac = wire::MacAddress::locally_administered(stable_hash(e.id));
    e.description = std::move(description);
    e.interface_type = interface_type;
    e.delete_on_termination = false;
    return e;
}

}  // namespace vpclab::routing
