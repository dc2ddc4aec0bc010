// Interface endpoints in the model (PrivateLink Guide, "Access an AWS service using an interface VPC
// endpoint"; EC2 API reference, "CreateVpcEndpoint", "ModifyVpcEndpoint"): requester-managed ENIs, one per
// subnet and AZ, their security groups, private DNS, and the endpoint's DNS names.
#include "routing/vpc_model.hpp"

#include <algorithm>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

namespace {

// The 8 characters AWS puts after the endpoint ID in its DNS names ("m8shdg7j"): here a stable function
// of the ID, so a lab's names are the same every run.
std::string dns_suffix(const VpcEndpoint& e) {
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::uint64_t h = stable_hash(e.id + "/dns");
    std::string out;
    for (int i = 0; i < 8; ++i, h /= 36) out += alphabet[h % 36];
    return out;
}

std::string service_part(const VpcEndpoint& e) { return e.service_name.substr(e.service_name.rfind('.') + 1); }

}  // namespace

std::string endpoint_regional_dns_name(const VpcEndpoint& e, const std::string& region) {
    return e.id + "-" + dns_suffix(e) + "." + service_part(e) + "." + region + ".vpce.amazonaws.com";
}

std::string endpoint_zonal_dns_name(const VpcEndpoint& e, const std::string& region, const std::string& availability_zone) {
    return e.id + "-" + dns_suffix(e) + "-" + availability_zone + "." + service_part(e) + "." + region + ".vpce.amazonaws.com";
}

void VpcModel::check_endpoint_subnets(const std::string& vpc_id, const std::vector<std::string>& subnet_ids, const char* parameter) const {
    for (std::size_t i = 0; i < subnet_ids.size(); ++i) {
        const Subnet& s = subnet(subnet_ids[i]);
        if (s.vpc_id != vpc_id)
            throw ApiError("InvalidParameter", "The subnet " + s.id + " is in " + s.vpc_id + ", not in the endpoint's VPC " + vpc_id, parameter);
        // PrivateLink Guide, "Subnets and Availability Zones": one endpoint subnet per Availability Zone.
        for (std::size_t j = 0; j < i; ++j)
            if (subnet(subnet_ids[j]).availability_zone == s.availability_zone)
                throw ApiError("DuplicateSubnetsInSameZone", "Found another VPC endpoint subnet in the availability zone of " + s.id +
                                                                 ". VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.",
                               parameter);
    }
}

std::string VpcModel::private_dns_name_of(const VpcEndpoint& endpoint) const {
    if (const ServiceOffer* service = find_service(endpoint.service_name)) return service->dns_name;
    if (const EndpointService* provided = find_endpoint_service(endpoint.service_name)) return provided->private_dns_name;
    return {};
}

void VpcModel::check_private_dns(const VpcEndpoint& endpoint) const {
    const Vpc& v = vpc(endpoint.vpc_id);
    if (const EndpointService* provided = find_endpoint_service(endpoint.service_name); provided && provided->private_dns_name.empty())
        throw ApiError("InvalidParameter", "Private DNS can't be enabled because the service " + provided->service_name +
                                               " does not provide a private DNS name.", "PrivateDnsEnabled");
    // PrivateLink Guide, "Private DNS": the VPC must have both DNS attributes on.
    if (!v.enable_dns_support || !v.enable_dns_hostnames)
        throw ApiError("InvalidParameter", "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for " + v.id,
                       "PrivateDnsEnabled");
    const ServiceOffer* service = find_service(endpoint.service_name);
    // A service that also takes Gateway endpoints (S3, DynamoDB) gets private DNS "only for inbound
    // Resolver endpoints" (DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint, the API's default for them):
    // the VPC must have a Gateway endpoint for it, which keeps carrying the VPC's own traffic (Amazon S3
    // User Guide, "AWS PrivateLink for Amazon S3": "Private DNS").
    if (service && service->gateway) {
        const bool has_gateway = std::any_of(vpc_endpoints_.begin(), vpc_endpoints_.end(), [&](const VpcEndpoint& g) {
            return !g.interface() && g.vpc_id == v.id && g.service_name == endpoint.service_name;
        });
        if (!has_gateway)
            throw ApiError("InvalidParameter", "To set PrivateDnsOnlyForInboundResolverEndpoint to true, the VPC " + v.id +
                                                   " must have a Gateway endpoint for the service.", "PrivateDnsEnabled");
    }
    // One private hosted zone per name in a VPC: another endpoint's private DNS for the same name conflicts
    // (the same service, or two endpoint services with one private DNS name).
    const std::string name = private_dns_name_of(endpoint);
    for (const auto& other : vpc_endpoints_)
        if (other.id != endpoint.id && other.vpc_id == v.id && other.private_dns_enabled &&
            (other.service_name == endpoint.service_name || private_dns_name_of(other) == name))
            throw ApiError("InvalidParameter", "private-dns-enabled cannot be set because there is already a conflicting DNS domain for " +
                                                   private_dns_name_of(endpoint) + " in the VPC " + v.id,
                           "PrivateDnsEnabled");
}

std::string VpcModel::add_endpoint_interface(const VpcEndpoint& endpoint, const std::string& subnet_id, std::uint32_t address) {
    NetworkInterface e = requester_managed_interface(endpoint.id, subnet(subnet_id), address, "VPC Endpoint Interface " + endpoint.id, "vpc_endpoint");
    e.security_group_ids = endpoint.security_group_ids;
    network_interfaces_.push_back(std::move(e));
    return network_interfaces_.back().id;
}

namespace {
void check_groups(const VpcModel& m, const std::string& vpc_id, const std::vector<std::string>& groups, const char* parameter) {
    for (const auto& id : groups)
        if (m.security_group(id).vpc_id != vpc_id)
            throw ApiError("InvalidParameter", "Security group " + id + " is not in the endpoint's VPC " + vpc_id, parameter);
    if (groups.size() > VpcModel::max_groups_per_interface)
        throw ApiError("SecurityGroupsPerInterfaceLimitExceeded", "An endpoint's network interfaces carry at most " +
                                                                      std::to_string(VpcModel::max_groups_per_interface) + " security groups", parameter);
}
}  // namespace

VpcEndpoint& VpcModel::create_interface_endpoint(const std::string& logical_id, const std::string& vpc_id, const std::string& service_name,
                                                 const std::vector<std::string>& subnet_ids, const std::vector<std::string>& security_group_ids,
                                                 std::optional<bool> private_dns, const std::string& policy_document, std::vector<Tag> tags,
                                                 std::string creation_timestamp) {
    const Vpc& v = vpc(vpc_id);
    const ServiceOffer* service = find_service(service_name);
    // An endpoint service of the lab's: the account owns it, so it may connect whatever the allowed
    // principals say (they name the other accounts a provider lets in).
    const EndpointService* provided = find_endpoint_service(service_name);
    if (!service && !provided) throw ApiError("InvalidServiceName", "The Vpc Endpoint Service '" + service_name + "' does not exist", "ServiceName");
    if (service && !service->interface)
        throw ApiError("InvalidParameter", "Endpoint type (Interface) does not match available service types ([Gateway]).", "VpcEndpointType");
    if (subnet_ids.empty())
        throw ApiError("InvalidParameter", "An Interface endpoint needs at least one subnet (--subnet-ids), one per Availability Zone", "SubnetIds");
    check_endpoint_subnets(v.id, subnet_ids, "SubnetIds");
    // The API's default is private DNS on; for an endpoint service without a private DNS name there is
    // nothing to turn on, so it is off unless asked for (and then refused).
    const bool private_dns_on = private_dns.value_or(provided ? !provided->private_dns_name.empty() : true);
    if (provided) check_endpoint_to_service(*provided, subnet_ids, policy_document, private_dns_on);
    std::vector<std::string> groups = security_group_ids;
    if (groups.empty()) groups.push_back(v.default_security_group_id);
    check_groups(*this, v.id, groups, "SecurityGroupIds");
    if (!policy_document.empty()) check_policy_document(policy_document);
    // Every address before anything changes (a full subnet refuses the whole call).
    std::vector<std::uint32_t> addresses;
    for (const auto& s : subnet_ids) addresses.push_back(choose_address(subnet(s), std::nullopt, addresses));

    VpcEndpoint e;
    e.logical_id = logical_id;
    e.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    e.tags = std::move(tags);
    e.vpc_id = v.id;
    e.endpoint_type = "Interface";
    e.service_name = service_name;
    e.policy_document = policy_document.empty() ? default_endpoint_policy : policy_document;
    e.creation_timestamp = std::move(creation_timestamp);
    e.security_group_ids = groups;
    // The API's default for AWS services: private DNS on (EC2 API reference, "CreateVpcEndpoint", PrivateDnsEnabled).
    e.private_dns_enabled = private_dns_on;
    // PrivateLink Guide, "Accept or reject connection requests": the provider accepts each endpoint unless
    // its service accepts them all.
    if (provided && provided->acceptance_required) e.state = "pendingAcceptance";
    e.to_endpoint_service = provided != nullptr;
    if (e.private_dns_enabled) check_private_dns(e);
    e.slot = free_endpoint_slot();
    e.id = new_id("vpce", logical_id);  // last of the checks: a refusal does not use up an ID
    e.subnet_ids = subnet_ids;
    for (std::size_t i = 0; i < subnet_ids.size(); ++i) e.network_interface_ids.push_back(add_endpoint_interface(e, subnet_ids[i], addresses[i]));
    vpc_endpoints_.push_back(std::move(e));
    return vpc_endpoints_.back();
}

void VpcModel::modify_interface_endpoint(const std::string& endpoint_id, const InterfaceEndpointChange& change) {
    const VpcEndpoint& e = vpc_endpoint(endpoint_id);
    if (!e.interface()) throw ApiError("InvalidParameter", e.id + " is a Gateway endpoint: subnets, groups and private DNS belong to Interface endpoints");
    if (change.policy_document && change.reset_policy)
        throw ApiError("InvalidParameterCombination", "Give --policy-document or --reset-policy, not both", "ResetPolicy");
    if (change.policy_document) check_policy_document(*change.policy_document);
    auto has = [](const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); };
    std::vector<std::string> subnets;
    for (std::size_t i = 0; i < change.remove_subnets.size(); ++i) {
        const std::string& id = change.remove_subnets[i];
        subnet(id);
        if (!has(e.subnet_ids, id)) throw ApiError("InvalidParameter", "The subnet " + id + " is not one of " + e.id + "'s", "RemoveSubnetIds");
        if (std::find(change.remove_subnets.begin(), change.remove_subnets.begin() + static_cast<std::ptrdiff_t>(i), id) !=
            change.remove_subnets.begin() + static_cast<std::ptrdiff_t>(i))
            throw ApiError("InvalidParameter", "The subnet " + id + " is named twice", "RemoveSubnetIds");
    }
    for (const auto& id : e.subnet_ids)
        if (!has(change.remove_subnets, id)) subnets.push_back(id);
    for (const auto& id : change.add_subnets) {
        if (has(e.subnet_ids, id) && !has(change.remove_subnets, id))
            throw ApiError("InvalidParameter", "The subnet " + id + " is already one of " + e.id + "'s", "AddSubnetIds");
        subnets.push_back(id);
    }
    check_endpoint_subnets(e.vpc_id, subnets, "AddSubnetIds");
    if (const EndpointService* provided = find_endpoint_service(e.service_name))
        check_endpoint_to_service(*provided, change.add_subnets, change.policy_document.value_or(""), false);
    if (subnets.empty()) throw ApiError("InvalidParameter", "An Interface endpoint keeps at least one subnet", "RemoveSubnetIds");
    std::vector<std::string> groups;
    for (const auto& id : change.remove_groups) {
        security_group(id);
        if (!has(e.security_group_ids, id))
            throw ApiError("InvalidParameter", "The security group " + id + " is not one of " + e.id + "'s", "RemoveSecurityGroupIds");
    }
    for (const auto& id : e.security_group_ids)
        if (!has(change.remove_groups, id)) groups.push_back(id);
    for (const auto& id : change.add_groups)
        if (!has(groups, id)) groups.push_back(id);
    if (groups.empty()) throw ApiError("InvalidParameter", "An Interface endpoint keeps at least one security group", "RemoveSecurityGroupIds");
    check_groups(*this, e.vpc_id, groups, "AddSecurityGroupIds");
    VpcEndpoint next = e;
    next.security_group_ids = groups;
    if (change.private_dns) next.private_dns_enabled = *change.private_dns;
    if (next.private_dns_enabled && !e.private_dns_enabled) check_private_dns(next);
    std::vector<std::uint32_t> addresses;
    for (const auto& id : change.add_subnets) addresses.push_back(choose_address(subnet(id), std::nullopt, addresses));

    // Checked: now change. ENIs of removed subnets go; added subnets get one each.
    for (const auto& id : change.remove_subnets) {
        const auto at = std::find(next.subnet_ids.begin(), next.subnet_ids.end(), id) - next.subnet_ids.begin();
        const std::string eni = next.network_interface_ids[static_cast<std::size_t>(at)];
        std::erase_if(network_interfaces_, [&](const NetworkInterface& x) { return x.id == eni; });
        next.subnet_ids.erase(next.subnet_ids.begin() + at);
        next.network_interface_ids.erase(next.network_interface_ids.begin() + at);
    }
    for (std::size_t i = 0; i < change.add_subnets.size(); ++i) {
        next.network_interface_ids.push_back(add_endpoint_interface(next, change.add_subnets[i], addresses[i]));
        next.subnet_ids.push_back(change.add_subnets[i]);
    }
    for (const auto& id : next.network_interface_ids) network_interface_mut(id).security_group_ids = next.security_group_ids;
    if (change.policy_document) next.policy_document = *change.policy_document;
    if (change.reset_policy) next.policy_document = default_endpoint_policy;
    vpc_endpoint_mut(endpoint_id) = std::move(next);
}

}  // namespace vpclab::routing
