// The registry of resource types the template loader creates: every family's entries.
#include "router/template/resource_handlers.hpp"
#include "router/edit_distance.hpp"

#include <algorithm>
#include <cctype>

namespace vpclab::cfn {

const ResourceType* find_resource_type(std::string_view type) {
    static const std::vector<ResourceType> all = [] {
        std::vector<ResourceType> out;
        for (auto family : {vpc_resource_types, subnet_resource_types, route_table_resource_types, internet_gateway_resource_types, address_resource_types, nat_gateway_resource_types, vpc_peering_resource_types, transit_gateway_resource_types,
                            security_group_resource_types, network_acl_resource_types, instance_resource_types, vpc_endpoint_resource_types,
                            load_balancer_resource_types, endpoint_service_resource_types, flow_log_resource_types, traffic_mirroring_resource_types})
            for (auto& t : family()) out.push_back(std::move(t));
        return out;
    }();
    for (const auto& t : all)
        if (type == t.type) return &t;
    return nullptr;
}

namespace {

// AWS types vpclab does not model but a VPC template commonly holds (CloudFormation User Guide, "AWS
// resource and property types reference"): these stay warnings, and are candidates for "did you mean".
constexpr std::string_view known_unmodelled[] = {
    "AWS::EC2::EIPAssociation", "AWS::EC2::NetworkInterface", "AWS::EC2::NetworkInterfaceAttachment",
    "AWS::EC2::TransitGatewayConnect", "AWS::EC2::TransitGatewayPeeringAttachment", "AWS::EC2::VPNGateway", "AWS::EC2::VPNGatewayRoutePropagation",
    "AWS::EC2::CustomerGateway", "AWS::EC2::VPNConnection", "AWS::EC2::DHCPOptions", "AWS::EC2::VPCDHCPOptionsAssociation",
    "AWS::EC2::EgressOnlyInternetGateway", "AWS::EC2::KeyPair", "AWS::EC2::LaunchTemplate",
    "AWS::EC2::Volume", "AWS::EC2::VolumeAttachment", "AWS::EC2::SubnetCidrBlock", "AWS::EC2::VPCCidrBlock",
    "AWS::EC2::CarrierGateway", "AWS::EC2::GatewayRouteTableAssociation", "AWS::EC2::PlacementGroup", "AWS::EC2::Host",
    "AWS::ElasticLoadBalancingV2::ListenerRule", "AWS::IAM::Role", "AWS::IAM::InstanceProfile", "AWS::IAM::Policy",
    "AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::DynamoDB::Table", "AWS::Route53::HostedZone", "AWS::Route53::RecordSet",
    "AWS::AutoScaling::AutoScalingGroup", "AWS::CloudFormation::WaitCondition", "AWS::CloudFormation::WaitConditionHandle",
};

}  // namespace

bool is_known_unmodelled_type(std::string_view type) {
    return std::find(std::begin(known_unmodelled), std::end(known_unmodelled), type) != std::end(known_unmodelled);
}

std::optional<std::string> likely_typo_of(std::string_view type) {
    if (find_resource_type(type) || is_known_unmodelled_type(type)) return std::nullopt;
    std::string best;
    std::size_t best_distance = 3;  // at most two edits: farther than that it may be a real type vpclab does not list
    auto consider = [&](std::string_view candidate) {
        const std::size_t d = router::edit_distance(type, candidate, true);  // a wrong case is a typo too
        if (d < best_distance) best_distance = d, best = candidate;
    };
    for (auto family : {vpc_resource_types, subnet_resource_types, route_table_resource_types, internet_gateway_resource_types, address_resource_types, nat_gateway_resource_types, vpc_peering_resource_types, transit_gateway_resource_types,
                        security_group_resource_types, network_acl_resource_types, instance_resource_types, vpc_endpoint_resource_types,
                            load_balancer_resource_types, endpoint_service_resource_types, flow_log_resource_types, traffic_mirroring_resource_types})
        for (const auto& t : family()) consider(t.type);
    for (const auto t : known_unmodelled) consider(t);
    if (best.empty()) return std::nullopt;
    return best;
}

}  // namespace vpclab::cfn
