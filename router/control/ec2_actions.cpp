// The table of EC2 actions and their parameters (names from the EC2 API reference and the aws CLI).
#include "router/control/ec2_actions.hpp"

namespace vpclab::router {

using K = ParamSpec::Kind;

const std::vector<ActionSpec>& ec2_actions() {
    static const std::vector<ActionSpec> actions = {
        {"describe-vpcs", "DescribeVpcs", "list VPCs", {{"--vpc-ids", "VpcIds", K::list, false}, {"--filters", "Filters", K::filters, false}}},
        {"describe-subnets", "DescribeSubnets", "list subnets", {{"--subnet-ids", "SubnetIds", K::list, false}, {"--filters", "Filters", K::filters, false}}},
        {"describe-route-tables", "DescribeRouteTables", "list route tables with their routes and associations",
         {{"--route-table-ids", "RouteTableIds", K::list, false}, {"--filters", "Filters", K::filters, false}}},
        {"describe-instances", "DescribeInstances", "list instances",
         {{"--instance-ids", "InstanceIds", K::list, false}, {"--filters", "Filters", K::filters, false}}},
        {"describe-security-groups", "DescribeSecurityGroups", "list security groups",
         {{"--group-ids", "GroupIds", K::list, false}, {"--filters", "Filters", K::filters, false}}},
        {"describe-internet-gateways", "DescribeInternetGateways", "list internet gateways",
         {{"--internet-gateway-ids", "InternetGatewayIds", K::list, false}, {"--filters", "Filters", K::filters, false}}},
        {"create-route", "CreateRoute", "add a route to a route table",
         {{"--route-table-id", "RouteTableId", K::string, true},
          {"--destination-cidr-block", "DestinationCidrBlock", K::string, true},
          {"--gateway-id", "GatewayId", K::string, false},
          {"--instance-id", "InstanceId", K::string, false},
          {"--network-interface-id", "NetworkInterfaceId", K::string, false}}},
        {"replace-route", "ReplaceRoute", "change the target of a route",
         {{"--route-table-id", "RouteTableId", K::string, true},
          {"--destination-cidr-block", "DestinationCidrBlock", K::string, true},
          {"--gateway-id", "GatewayId", K::string, false},
          {"--instance-id", "InstanceId", K::string, false},
          {"--network-interface-id", "NetworkInterfaceId", K::string, false}}},
        {"delete-route", "DeleteRoute", "remove a route from a route table",
         {{"--route-table-id", "RouteTableId", K::string, true}, {"--destination-cidr-block", "DestinationCidrBlock", K::string, true}}},
    };
    return actions;
}

const ActionSpec* find_action_by_command(std::string_view command) {
    for (const auto& a : ec2_actions())
        if (command == a.command) return &a;
    return nullptr;
}

const ActionSpec* find_action(std::string_view action) {
    for (const auto& a : ec2_actions())
        if (action == a.action) return &a;
    return nullptr;
}

}  // namespace vpclab::router
