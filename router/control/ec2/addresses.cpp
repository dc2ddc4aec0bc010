// The Elastic IP family of the EC2 API: allocate, associate, disassociate, release, describe.
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

// Member order of the EC2 API's Address shape.
json elastic_ip_json(const routing::VpcModel& m, const routing::ElasticIp& e) {
    const routing::NetworkInterface* eni = e.association_id.empty() ? nullptr : &m.network_interface(e.network_interface_id);
    json j = json::object();
    if (eni && !eni->instance_id.empty()) j["InstanceId"] = eni->instance_id;
    j["PublicIp"] = routing::format_ipv4(e.public_ip);
    j["AllocationId"] = e.allocation_id;
    if (eni) j["AssociationId"] = e.association_id;
    j["Domain"] = "vpc";
    if (eni) {
        j["NetworkInterfaceId"] = eni->id;
        j["NetworkInterfaceOwnerId"] = owner_id;
        j["PrivateIpAddress"] = routing::format_ipv4(eni->private_ip);
    }
    if (!e.tags.empty()) j["Tags"] = tags_json(m, e);
    j["PublicIpv4Pool"] = "amazon";
    j["NetworkBorderGroup"] = m.region();
    return j;
}

namespace {

json allocate_address(const Request& params, RouterState& state) {
    const std::string domain = string_param(params, "Domain");
    if (!domain.empty() && domain != "vpc") throw ApiError("InvalidParameterValue", "Domain must be vpc", "Domain");
    auto tags = tags_for(params, "elastic-ip");
    json allocated = state.commit([&](routing::VpcModel& next) { return elastic_ip_json(next, next.allocate_address(std::move(tags))); });
    allocated.erase("Tags");  // AllocateAddress's result has no Tags member (the address's tags show in DescribeAddresses)
    return allocated;
}

json associate_address(const Request& params, RouterState& state) {
    const bool reassociate = bool_param(params, "AllowReassociation").value_or(false);
    return state.commit([&](routing::VpcModel& next) {
        return json{{"AssociationId", next.associate_address(string_param(params, "AllocationId"), string_param(params, "InstanceId"),
                                                             string_param(params, "NetworkInterfaceId"), reassociate)}};
    });
}

json disassociate_address(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.disassociate_address(string_param(params, "AssociationId"));
        return json::object();
    });
}

json release_address(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.release_address(string_param(params, "AllocationId"));
        return json::object();
    });
}

json describe_addresses(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"Addresses", describe_by(m.elastic_ips(), params, "AllocationIds", "InvalidAllocationID.NotFound", "allocation",
                                      [](const auto& e) { return e.allocation_id; }, [&](const auto& e) { return elastic_ip_json(m, e); })}};
}

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> address_actions() {
    using namespace ec2;
    return {
        {"allocate-address", "AllocateAddress", "allocate an Elastic IP from the simulated public pool",
         {{"--domain", "Domain", K::string, false}, {"--tag-specifications", "TagSpecifications", K::structures, false}}, allocate_address},
        {"associate-address", "AssociateAddress", "associate an Elastic IP with an instance or network interface",
         {{"--allocation-id", "AllocationId", K::string, true},
          {"--instance-id", "InstanceId", K::string, false},
          {"--network-interface-id", "NetworkInterfaceId", K::string, false},
          {"--allow-reassociation", "AllowReassociation", K::flag, false}},
         associate_address},
        {"disassociate-address", "DisassociateAddress", "take an Elastic IP off its network interface",
         {{"--association-id", "AssociationId", K::string, true}}, disassociate_address},
        {"release-address", "ReleaseAddress", "give an Elastic IP back", {{"--allocation-id", "AllocationId", K::string, true}}, release_address},
        {"describe-addresses", "DescribeAddresses", "list Elastic IPs",
         {{"--allocation-ids", "AllocationIds", K::list, false}, {"--filters", "Filters", K::filters, false}}, describe_addresses,
         // Elastic IPs carry no tags here
         {"public-ip", "allocation-id", "association-id", "instance-id", "private-ip-address", "network-interface-id", "domain"}},
    };
}

}  // namespace vpclab::router
