// The instance family of the model: launch, state changes, termination.
#include "routing/vpc_model.hpp"

#include <algorithm>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

Instance& VpcModel::run_instance(const InstanceLaunch& launch) {
    if (launch.interfaces.empty())
        throw ApiError("MissingParameter", "An instance needs a SubnetId or a NetworkInterfaces entry", "SubnetId");
    // Validate every interface, choosing addresses, before changing anything.
    struct Planned {
        const Subnet* subnet;
        std::uint32_t ip;
        bool public_ip;
    };
    std::vector<Planned> planned;
    std::vector<std::uint32_t> taken_here;
    std::vector<int> device_indexes;
    for (const auto& spec : launch.interfaces) {
        if (std::find(device_indexes.begin(), device_indexes.end(), spec.device_index) != device_indexes.end())
            throw ApiError("InvalidParameterValue", "Each network interface requires a unique device index", "DeviceIndex");
        device_indexes.push_back(spec.device_index);
        const Subnet& s = subnet(spec.subnet_id);
        if (!planned.empty() && planned.front().subnet->availability_zone != s.availability_zone)
            throw ApiError("InvalidParameterValue", "All network interfaces of an instance must be in one availability zone", "SubnetId");
        for (const auto& sg : spec.security_group_ids)
            if (security_group(sg).vpc_id != s.vpc_id)
                throw ApiError("InvalidParameter", "Security group " + sg + " and subnet " + s.id + " belong to different networks", "GroupSet");
        const std::uint32_t ip = choose_address(s, spec.private_ip, taken_here);
        taken_here.push_back(ip);
        // A subnet's MapPublicIpOnLaunch applies to a launch with one interface only (EC2 User Guide,
        // "Assign a public IPv4 address during instance launch").
        planned.push_back({&s, ip, spec.associate_public_ip.value_or(launch.interfaces.size() == 1 && s.map_public_ip_on_launch)});
    }
    check_metadata_options(launch.metadata_http_tokens, launch.metadata_hop_limit);
    if (!launch.key_name.empty() && !find_key_pair(launch.key_name))
        throw ApiError("InvalidKeyPair.NotFound", "The key pair '" + launch.key_name + "' does not exist", "KeyName");
    if (launch.interfaces.size() > 1)
        for (const auto& spec : launch.interfaces)
            if (spec.associate_public_ip.value_or(false))
                throw ApiError("InvalidParameterCombination", "The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces", "AssociatePublicIpAddress");

    Instance inst;
    inst.logical_id = launch.logical_id;
    inst.cloudformation_stack_id = launch.logical_id.empty() ? std::string() : creating_stack_id_;
    inst.id = launch.logical_id.empty() ? ids_.make("i", ids_.next("i")) : new_id("i", launch.logical_id);
    inst.tags = launch.tags;
    inst.instance_type = launch.instance_type;
    inst.image_id = launch.image_id;
    inst.key_name = launch.key_name;
    if (const KeyPair* key = find_key_pair(launch.key_name)) inst.public_key = key->public_key;
    inst.user_data = launch.user_data;
    inst.metadata_http_tokens = launch.metadata_http_tokens;
    inst.metadata_hop_limit = launch.metadata_hop_limit;
    inst.state = launch.state;
    inst.launch_time = launch.launch_time;
    inst.availability_zone = planned.front().subnet->availability_zone;
    for (std::size_t i = 0; i < planned.size(); ++i) {
        const auto& spec = launch.interfaces[i];
        NetworkInterface e;
        e.id = ids_.make("eni", inst.id + "/" + std::to_string(spec.device_index));
        e.subnet_id = planned[i].subnet->id;
        e.vpc_id = planned[i].subnet->vpc_id;
        e.instance_id = inst.id;
        e.attachment_id = ids_.make("eni-attach", e.id);
        e.attach_time = launch.launch_time;
        e.port = free_port();
        e.device_index = spec.device_index;
        e.private_ip = planned[i].ip;
        e.mac = wire::MacAddress::locally_administered(stable_hash(e.id));
        e.source_dest_check = spec.source_dest_check;
        e.delete_on_termination = spec.delete_on_termination;
        e.description = spec.description;
        e.security_group_ids = spec.security_group_ids;
        if (e.security_group_ids.empty()) e.security_group_ids.push_back(vpc(e.vpc_id).default_security_group_id);
        if (planned[i].public_ip) e.public_ip = next_public_ip();
        e.auto_public_ip = planned[i].public_ip;
        inst.network_interface_ids.push_back(e.id);
        network_interfaces_.push_back(std::move(e));
    }
    instances_.push_back(std::move(inst));
    return instances_.back();
}

void VpcModel::set_instance_state(const std::string& instance_id, InstanceState state, std::string reason) {
    Instance& inst = instance_mut(instance_id);
    inst.state = state;
    inst.state_transition_reason = std::move(reason);
}

InstanceState VpcModel::terminate_instance(const std::string& instance_id, const std::string& reason) {
    Instance& inst = instance_mut(instance_id);
    const InstanceState before = inst.state;
    if (before == InstanceState::terminated || before == InstanceState::shutting_down) return before;
    inst.state = InstanceState::shutting_down;
    inst.state_transition_reason = reason;
    return before;
}

void VpcModel::check_metadata_options(const std::string& http_tokens, int hop_limit) {
    if (http_tokens != "optional" && http_tokens != "required")
        throw ApiError("InvalidParameterValue", "Value (" + http_tokens + ") for parameter HttpTokens is invalid: optional or required", "HttpTokens");
    if (hop_limit < 1 || hop_limit > 64)
        throw ApiError("InvalidParameterValue", "Value (" + std::to_string(hop_limit) + ") for parameter HttpPutResponseHopLimit is invalid: 1 to 64",
                       "HttpPutResponseHopLimit");
}

void VpcModel::modify_metadata_options(const std::string& instance_id, const std::optional<std::string>& http_tokens,
                                       std::optional<int> hop_limit) {
    Instance& inst = instance_mut(instance_id);
    if (inst.state == InstanceState::terminated || inst.state == InstanceState::shutting_down)
        throw ApiError("IncorrectInstanceState", "The instance '" + instance_id + "' is not in a state from which it can be modified", "InstanceId");
    check_metadata_options(http_tokens.value_or(inst.metadata_http_tokens), hop_limit.value_or(inst.metadata_hop_limit));
    if (http_tokens) inst.metadata_http_tokens = *http_tokens;
    if (hop_limit) inst.metadata_hop_limit = *hop_limit;
}

void VpcModel::finish_termination(const std::string& instance_id, std::int64_t now) {
    Instance& inst = instance_mut(instance_id);
    // EC2 User Guide, "Terminate Amazon EC2 instances": ENIs created with the instance are deleted with it
    // (their auto-assigned public IP released, an Elastic IP disassociated but kept allocated); ENIs
    // attached later are detached and stay, with their Elastic IP.
    for (const auto& eni_id : inst.network_interface_ids) {
        auto it = std::find_if(network_interfaces_.begin(), network_interfaces_.end(), [&](const NetworkInterface& e) { return e.id == eni_id; });
        if (it == network_interfaces_.end()) continue;
        if (it->delete_on_termination) {
            for (auto& eip : elastic_ips_)
                if (eip.network_interface_id == eni_id) {
                    eip.association_id.clear();
                    eip.network_interface_id.clear();
                }
            network_interfaces_.erase(it);
            forget_traffic_mirror_source(eni_id);
        } else {
            it->instance_id.clear();
            it->attachment_id.clear();
        }
    }
    // describe-instances keeps showing where it was (its zone); the ENIs are no longer its.
    inst.network_interface_ids.clear();
    // ELB NLB guide, "Register targets": a terminated instance is deregistered automatically.
    for (auto& g : target_groups_) std::erase_if(g.targets, [&](const Target& t) { return t.id == inst.id; });
    inst.state = InstanceState::terminated;
    inst.terminated_at = now;
    std::erase_if(instances_, [&](const Instance& i) {
        return i.state == InstanceState::terminated && i.terminated_at + terminated_listed_seconds < now;
    });
}

namespace {
[[noreturn]] void incorrect_state(const Instance& inst, const char* action) {
    throw ApiError("IncorrectInstanceState", "The instance '" + inst.id + "' is not in a state from which it can be " + action + ": it is " + name_of(inst.state), "InstanceId");
}
bool has_elastic_ip(const std::vector<ElasticIp>& eips, const std::string& eni_id) {
    return std::any_of(eips.begin(), eips.end(), [&](const ElasticIp& e) { return e.network_interface_id == eni_id; });
}
}  // namespace

InstanceState VpcModel::stop_instance(const std::string& instance_id, const std::string& reason) {
    Instance& inst = instance_mut(instance_id);
    const InstanceState before = inst.state;
    if (before == InstanceState::stopping || before == InstanceState::stopped) return before;
    if (before != InstanceState::running) incorrect_state(inst, "stopped");
    for (const auto& eni_id : inst.network_interface_ids) {
        NetworkInterface& e = network_interface_mut(eni_id);
        if (e.auto_public_ip && !has_elastic_ip(elastic_ips_, e.id)) e.public_ip.reset();
    }
    inst.state = InstanceState::stopping;
    inst.state_transition_reason = reason;
    return before;
}

InstanceState VpcModel::start_instance(const std::string& instance_id) {
    Instance& inst = instance_mut(instance_id);
    const InstanceState before = inst.state;
    if (before == InstanceState::pending || before == InstanceState::running) return before;
    if (before != InstanceState::stopped) incorrect_state(inst, "started");
    // Validate (the pool may be exhausted) before changing anything.
    std::vector<NetworkInterface*> renumber;
    for (const auto& eni_id : inst.network_interface_ids) {
        NetworkInterface& e = network_interface_mut(eni_id);
        if (e.auto_public_ip && !e.public_ip) renumber.push_back(&e);
    }
    std::vector<std::uint32_t> addresses;
    for (std::size_t i = 0; i < renumber.size(); ++i) addresses.push_back(next_public_ip());
    for (std::size_t i = 0; i < renumber.size(); ++i) renumber[i]->public_ip = addresses[i];
    inst.state = InstanceState::pending;
    inst.state_transition_reason.clear();
    return before;
}

void VpcModel::finish_stop(const std::string& instance_id) {
    Instance& inst = instance_mut(instance_id);
    if (inst.state == InstanceState::stopping) inst.state = InstanceState::stopped;
}

}  // namespace vpclab::routing
