// NAT gateways in the model: creation (or failure, as AWS reports it), their ENI and Elastic IP, deletion.
#include "routing/vpc_model.hpp"

#include <algorithm>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

const NatGateway& VpcModel::nat_gateway(const std::string& id) const {
    if (const NatGateway* g = find_by_id(nat_gateways_, id)) return *g;
    throw ApiError("InvalidNatGatewayID.NotFound", "The natGateway ID '" + id + "' does not exist", "NatGatewayId");
}

void VpcModel::forget_old_nat_gateways(std::int64_t now) {
    std::erase_if(nat_gateways_, [&](const NatGateway& g) { return g.gone_at != 0 && now - g.gone_at > nat_gateway_listed_seconds; });
}

NatGateway& VpcModel::create_nat_gateway(const std::string& logical_id, const NatGatewaySpec& spec, std::int64_t now) {
    // EC2 API reference, "CreateNatGateway": refused at once, changing nothing.
    const Subnet& s = subnet(spec.subnet_id);
    if (spec.connectivity_type != "public" && spec.connectivity_type != "private")
        throw ApiError("InvalidParameterValue", "ConnectivityType must be 'public' or 'private', not '" + spec.connectivity_type + "'", "ConnectivityType");
    const bool is_public = spec.connectivity_type == "public";
    if (is_public && spec.allocation_id.empty())
        throw ApiError("MissingParameter", "A public NAT gateway needs an Elastic IP: the request must contain the parameter AllocationId", "AllocationId");
    // VPC User Guide, "NAT gateways": "You cannot associate an elastic IP address with a private NAT gateway."
    if (!is_public && !spec.allocation_id.empty())
        throw ApiError("InvalidParameterCombination", "An Elastic IP address cannot be associated with a private NAT gateway (AllocationId " + spec.allocation_id + ")",
                       "AllocationId");
    forget_old_nat_gateways(now);
    // "Troubleshoot NAT gateways": a pending, available or deleting gateway counts against the quota.
    const std::size_t in_zone = static_cast<std::size_t>(std::count_if(nat_gateways_.begin(), nat_gateways_.end(), [&](const NatGateway& g) {
        return g.available() && subnet(g.subnet_id).availability_zone == s.availability_zone;
    }));
    if (in_zone >= nat_gateways_per_zone)
        throw ApiError("NatGatewayLimitExceeded", "Performing this operation would exceed the limit of " + std::to_string(nat_gateways_per_zone) +
                                                      " NAT gateways in " + s.availability_zone, "SubnetId");
    std::optional<std::uint32_t> address;
    std::string failure_code, failure_message;
    try {
        address = choose_address(s, spec.private_ip, {});
    } catch (const ApiError& e) {
        if (e.code() != "InsufficientFreeAddressesInSubnet") throw;  // a named address that does not fit: refused
        failure_code = e.code();
        failure_message = "Subnet has insufficient free addresses to create this NAT gateway";
    }
    // What AWS reports as the gateway's failure (EC2 API reference, "NatGateway": failureCode and failureMessage).
    ElasticIp* eip = nullptr;
    if (is_public && failure_code.empty()) {
        for (auto& e : elastic_ips_)
            if (e.allocation_id == spec.allocation_id) eip = &e;
        const bool gateway_attached = std::any_of(internet_gateways_.begin(), internet_gateways_.end(), [&](const InternetGateway& g) { return g.attached_vpc_id == s.vpc_id; });
        if (!gateway_attached) {
            failure_code = "Gateway.NotAttached";
            failure_message = "Network " + s.vpc_id + " has no Internet gateway attached";
        } else if (!eip) {
            failure_code = "InvalidAllocationID.NotFound";
            failure_message = "Elastic IP address " + spec.allocation_id + " could not be associated with this NAT gateway";
        } else if (!eip->association_id.empty()) {
            failure_code = "Resource.AlreadyAssociated";
            failure_message = "Elastic IP address " + spec.allocation_id + " is already associated";
        }
    }

    NatGateway g;
    g.logical_id = logical_id;
    g.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    g.id = new_id("nat", logical_id);
    g.tags = spec.tags;
    g.vpc_id = s.vpc_id;
    g.subnet_id = s.id;
    g.connectivity_type = spec.connectivity_type;
    g.created_at = now;
    if (!failure_code.empty()) {
        g.state = "failed";
        g.failure_code = failure_code;
        g.failure_message = failure_message;
        g.gone_at = now;
        g.allocation_id = spec.allocation_id;
        nat_gateways_.push_back(std::move(g));
        return nat_gateways_.back();
    }
    // VPC User Guide, "NAT gateway basics": "A NAT gateway receives a network interface" in its subnet,
    // requester-managed; it carries no security groups, and forwards traffic that is not its own.
    NetworkInterface e = requester_managed_interface(g.id, s, *address, "Interface for NAT Gateway " + g.id, "nat_gateway");
    e.source_dest_check = false;
    g.network_interface_id = e.id;
    g.private_ip = e.private_ip;
    if (eip) {
        eip->association_id = ids_.next("eipassoc");
        eip->network_interface_id = e.id;
        e.public_ip = eip->public_ip;
        g.allocation_id = eip->allocation_id;
        g.association_id = eip->association_id;
        g.public_ip = eip->public_ip;
    }
    network_interfaces_.push_back(std::move(e));
    nat_gateways_.push_back(std::move(g));
    return nat_gateways_.back();
}

void VpcModel::delete_nat_gateway(const std::string& nat_gateway_id, std::int64_t now) {
    const NatGateway* found = find_by_id(nat_gateways_, nat_gateway_id);
    if (!found || !found->available())
        throw ApiError("NatGatewayNotFound", "The Nat Gateway " + nat_gateway_id + " was not found" + (found ? " (it is " + found->state + ")" : ""), "NatGatewayId");
    NatGateway& g = *std::find_if(nat_gateways_.begin(), nat_gateways_.end(), [&](const NatGateway& x) { return x.id == nat_gateway_id; });
    // EC2 API reference, "DeleteNatGateway": "Deleting a public NAT gateway disassociates its Elastic IP
    // address, but does not release the address from your account. Deleting a NAT gateway does not delete any
    // NAT gateway routes in your route tables."
    for (auto& x : elastic_ips_)
        if (x.network_interface_id == g.network_interface_id) x.association_id.clear(), x.network_interface_id.clear();
    std::erase_if(network_interfaces_, [&](const NetworkInterface& e) { return e.id == g.network_interface_id; });
    g.state = "deleted";
    g.gone_at = now;
    forget_old_nat_gateways(now);
}

}  // namespace vpclab::routing
