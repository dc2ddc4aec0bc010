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
        {"create-internet-gateway", "CreateInternetGateway", "create an internet gateway (attach it to use it)", {}},
        {"attach-internet-gateway", "AttachInternetGateway", "attach an internet gateway to a VPC",
         {{"--internet-gateway-id", "InternetGatewayId", K::string, true}, {"--vpc-id", "VpcId", K::string, true}}},
        {"detach-internet-gateway", "DetachInternetGateway", "detach an internet gateway from its VPC",
         {{"--internet-gateway-id", "InternetGatewayId", K::string, true}, {"--vpc-id", "VpcId", K::string, true}}},
        {"allocate-address", "AllocateAddress", "allocate an Elastic IP from the simulated public pool",
         {{"--domain", "Domain", K::string, false}}},
        {"associate-address", "AssociateAddress", "associate an Elastic IP with an instance or network interface",
         {{"--allocation-id", "AllocationId", K::string, true},
          {"--instance-id", "InstanceId", K::string, false},
          {"--network-interface-id", "NetworkInterfaceId", K::string, false},
          {"--allow-reassociation", "AllowReassociation", K::flag, false}}},
        {"disassociate-address", "DisassociateAddress", "take an Elastic IP off its network interface",
         {{"--association-id", "AssociationId", K::string, true}}},
        {"release-address", "ReleaseAddress", "give an Elastic IP back", {{"--allocation-id", "AllocationId", K::string, true}}},
        {"describe-addresses", "DescribeAddresses", "list Elastic IPs",
         {{"--allocation-ids", "AllocationIds", K::list, false}, {"--filters", "Filters", K::filters, false}}},
        {"modify-vpc-attribute", "ModifyVpcAttribute", "turn enableDnsSupport or enableDnsHostnames on or off",
         {{"--vpc-id", "VpcId", K::string, true},
          {"--enable-dns-support", "EnableDnsSupport", K::attribute_boolean, false},
          {"--enable-dns-hostnames", "EnableDnsHostnames", K::attribute_boolean, false}}},
        {"describe-vpc-attribute", "DescribeVpcAttribute", "show enableDnsSupport or enableDnsHostnames",
         {{"--vpc-id", "VpcId", K::string, true}, {"--attribute", "Attribute", K::string, true}}},
        {"describe-managed-prefix-lists", "DescribeManagedPrefixLists", "list the region's AWS-managed prefix lists",
         {{"--prefix-list-ids", "PrefixListIds", K::list, false}, {"--filters", "Filters", K::filters, false}}},
        {"get-managed-prefix-list-entries", "GetManagedPrefixListEntries", "list the CIDRs of a managed prefix list",
         {{"--prefix-list-id", "PrefixListId", K::string, true}}},
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
