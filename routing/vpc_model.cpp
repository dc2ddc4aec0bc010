// The VPC model's core: IDs, lookups and the rules every family shares. Each resource family's operations
// live in routing/model/<family>.cpp.
#include "routing/vpc_model.hpp"

#include "routing/model/model_rules.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace vpclab::routing {

std::string ResourceBase::display_name() const {
    for (const auto& t : tags)
        if (t.key == "Name" && !t.value.empty()) return t.value;  // an empty Name names nothing
    return logical_id.empty() ? id : logical_id;
}

std::string VpcModel::stack_id() const {
    return "arn:aws:cloudformation:" + region_ + ":" + std::string(account_id) + ":stack/" + stack_name() + "/" + ids_.make("stack", "id").substr(6);
}

VpcModel::VpcModel(std::string stack_name, std::string region, PublicIpPool pool)
    : region_(std::move(region)), ids_(std::move(stack_name)), pool_(pool) {}

namespace {
// EC2 tells an ID that cannot be one (InvalidXID.Malformed, 'Invalid id: "bogus"') from one that names
// nothing (InvalidXID.NotFound): an ID is the prefix, a dash and 8 or 17 hex digits.
bool well_formed(const std::string& id, std::string_view prefix) {
    if (id.size() <= prefix.size() + 1 || id.compare(0, prefix.size(), prefix) != 0 || id[prefix.size()] != '-') return false;
    const std::string_view digits = std::string_view(id).substr(prefix.size() + 1);
    return (digits.size() == 8 || digits.size() == 17) &&
           std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f'); });
}
}  // namespace

#define VPCLAB_LOOKUP(Type, name, member, prefix, code, malformed, what, param)                     \
    const Type& VpcModel::name(const std::string& id) const {                                      \
        for (const auto& item : member)                                                             \
            if (item.id == id) return item;                                                         \
        if (!well_formed(id, prefix)) throw ApiError(malformed, "Invalid id: \"" + id + "\" (expecting \"" prefix "-...\")", param); \
        throw ApiError(code, "The " what " ID '" + id + "' does not exist", param);                \
    }
VPCLAB_LOOKUP(Vpc, vpc, vpcs_, "vpc", "InvalidVpcID.NotFound", "InvalidVpcID.Malformed", "vpc", "VpcId")
VPCLAB_LOOKUP(Subnet, subnet, subnets_, "subnet", "InvalidSubnetID.NotFound", "InvalidSubnetID.Malformed", "subnet", "SubnetId")
VPCLAB_LOOKUP(RouteTable, route_table, route_tables_, "rtb", "InvalidRouteTableID.NotFound", "InvalidRouteTableID.Malformed", "routeTable", "RouteTableId")
VPCLAB_LOOKUP(InternetGateway, internet_gateway, internet_gateways_, "igw", "InvalidInternetGatewayID.NotFound",
              "InvalidInternetGatewayID.Malformed", "internetGateway", "InternetGatewayId")
VPCLAB_LOOKUP(SecurityGroup, security_group, security_groups_, "sg", "InvalidGroup.NotFound", "InvalidGroupId.Malformed", "security group", "GroupId")
VPCLAB_LOOKUP(Instance, instance, instances_, "i", "InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed", "instance", "InstanceId")
VPCLAB_LOOKUP(NetworkInterface, network_interface, network_interfaces_, "eni", "InvalidNetworkInterfaceID.NotFound",
              "InvalidNetworkInterfaceID.Malformed", "networkInterface", "NetworkInterfaceId")
VPCLAB_LOOKUP(ManagedPrefixList, prefix_list, prefix_lists_, "pl", "InvalidPrefixListID.NotFound", "InvalidPrefixListID.Malformed",
              "prefix list", "PrefixListId")
VPCLAB_LOOKUP(VpcEndpoint, vpc_endpoint, vpc_endpoints_, "vpce", "InvalidVpcEndpointId.NotFound", "InvalidVpcEndpointId.Malformed",
              "VPC endpoint", "VpcEndpointId")
VPCLAB_LOOKUP(NetworkAcl, network_acl, network_acls_, "acl", "InvalidNetworkAclID.NotFound", "InvalidNetworkAclID.Malformed",
              "network ACL", "NetworkAclId")
#undef VPCLAB_LOOKUP

std::string VpcModel::new_id(const char* prefix, const std::string& logical_id) {
    return logical_id.empty() ? ids_.next(prefix) : template_id(prefix, logical_id);
}

std::string VpcModel::template_id(const char* prefix, const std::string& logical_id) const {
    // The lab's own template keeps the IDs it always had; another stack's resources are keyed by its name.
    return ids_.make(prefix, creating_stack_.empty() ? logical_id : "stack:" + creating_stack_id_ + "/" + logical_id);
}

void VpcModel::begin_stack_template(const std::string& stack_name, const std::string& stack_id) {
    creating_stack_ = stack_name;
    creating_stack_id_ = stack_id;
}

std::string VpcModel::stack_name_of(const ResourceBase& r) const {
    // arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>
    const std::string& id = r.cloudformation_stack_id;
    const auto start = id.find(":stack/");
    if (start == std::string::npos) return stack_name();
    const auto end = id.find('/', start + 7);
    return id.substr(start + 7, end == std::string::npos ? std::string::npos : end - start - 7);
}

Vpc& VpcModel::vpc_mut(const std::string& id) { return const_cast<Vpc&>(vpc(id)); }
Subnet& VpcModel::subnet_mut(const std::string& id) { return const_cast<Subnet&>(subnet(id)); }
RouteTable& VpcModel::route_table_mut(const std::string& id) { return const_cast<RouteTable&>(route_table(id)); }
InternetGateway& VpcModel::internet_gateway_mut(const std::string& id) {
    return const_cast<InternetGateway&>(internet_gateway(id));
}
Instance& VpcModel::instance_mut(const std::string& id) { return const_cast<Instance&>(instance(id)); }
NetworkInterface& VpcModel::network_interface_mut(const std::string& id) {
    return const_cast<NetworkInterface&>(network_interface(id));
}
ManagedPrefixList& VpcModel::prefix_list_mut(const std::string& id) { return const_cast<ManagedPrefixList&>(prefix_list(id)); }
VpcEndpoint& VpcModel::vpc_endpoint_mut(const std::string& id) { return const_cast<VpcEndpoint&>(vpc_endpoint(id)); }
SecurityGroup& VpcModel::security_group_mut(const std::string& id) { return const_cast<SecurityGroup&>(security_group(id)); }
NetworkAcl& VpcModel::network_acl_mut(const std::string& id) { return const_cast<NetworkAcl&>(network_acl(id)); }

int code_of(InstanceState s) {
    switch (s) {
        case InstanceState::pending: return 0;
        case InstanceState::running: return 16;
        case InstanceState::shutting_down: return 32;
        case InstanceState::terminated: return 48;
        case InstanceState::stopping: return 64;
        case InstanceState::stopped: return 80;
    }
    return 0;
}

const char* name_of(InstanceState s) {
    switch (s) {
        case InstanceState::pending: return "pending";
        case InstanceState::running: return "running";
        case InstanceState::shutting_down: return "shutting-down";
        case InstanceState::terminated: return "terminated";
        case InstanceState::stopping: return "stopping";
        case InstanceState::stopped: return "stopped";
    }
    return "pending";
}

const NetworkInterface* VpcModel::interface_on_port(PortId port) const {
    for (const auto& e : network_interfaces_)
        if (e.port == port) return &e;
    return nullptr;
}

PortId VpcModel::free_port() const {
    std::vector<bool> used;
    for (const auto& e : network_interfaces_) {
        if (e.port >= used.size()) used.resize(e.port + 1);
        used[e.port] = true;
    }
    PortId p = first_eni_port;
    while (p < used.size() && used[p]) ++p;
    return p;
}

std::uint32_t VpcModel::choose_address(const Subnet& s, std::optional<std::uint32_t> wanted,
                                       const std::vector<std::uint32_t>& also_taken) const {
    // The subnet's addresses in use, sorted once: a launch of 100 instances into a subnet of 100 scans the
    // ENIs 100 times, not once per candidate address (which made RunInstances --count 100 take 10 ms).
    std::vector<std::uint32_t> taken(also_taken);
    for (const auto& e : network_interfaces_)
        if (e.vpc_id == s.vpc_id && s.cidr.contains(e.private_ip)) taken.push_back(e.private_ip);
    std::sort(taken.begin(), taken.end());
    auto is_taken = [&](std::uint32_t a) { return std::binary_search(taken.begin(), taken.end(), a); };
    if (wanted) {
        const std::uint32_t ip = *wanted;
        if (!s.cidr.contains(ip))
            throw ApiError("InvalidParameterValue", "Address " + format_ipv4(ip) + " does not fall within the subnet's address range " + s.cidr.to_string(), "PrivateIpAddress");
        if (s.is_reserved(ip))
            throw ApiError("InvalidParameterValue", "Address " + format_ipv4(ip) + " is reserved: AWS reserves the first four and the last address of subnet " + s.cidr.to_string(), "PrivateIpAddress");
        if (is_taken(ip)) throw ApiError("InvalidIPAddress.InUse", "Address " + format_ipv4(ip) + " is in use", "PrivateIpAddress");
        return ip;
    }
    // Addresses are handed out from base+4 up (the first unreserved address).
    for (std::uint32_t a = s.cidr.network + 4; a < s.cidr.last(); ++a)
        if (!is_taken(a)) return a;
    throw ApiError("InsufficientFreeAddressesInSubnet", "Subnet " + s.id + " (" + s.cidr.to_string() + ") has no free addresses", "SubnetId");
}

ResourceBase* VpcModel::taggable(const std::string& id) {
    auto in = [&](auto& items) -> ResourceBase* {
        for (auto& item : items)
            if (item.id == id) return &item;
        return nullptr;
    };
    for (ResourceBase* r : {in(vpcs_), in(subnets_), in(route_tables_), in(internet_gateways_), in(security_groups_),
                            in(instances_), in(network_interfaces_), in(key_pairs_), in(vpc_endpoints_), in(network_acls_),
                            in(endpoint_services_), in(network_insights_paths_), in(network_insights_analyses_), in(flow_logs_),
                            in(elastic_ips_), in(nat_gateways_), in(vpc_peering_connections_),
                            in(transit_gateways_), in(transit_gateway_attachments_), in(transit_gateway_route_tables_),
                            in(traffic_mirror_targets_), in(traffic_mirror_filters_), in(traffic_mirror_sessions_)})
        if (r) return r;
    // AWS-managed prefix lists belong to AWS: they cannot be tagged.
    for (auto& l : prefix_lists_)
        if (l.id == id && !l.aws_managed) return &l;
    return nullptr;
}

}  // namespace vpclab::routing
