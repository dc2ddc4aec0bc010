// The route table family of the EC2 API: tables, their subnet associations, and their routes.
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

json route_table_json(const routing::VpcModel& m, const routing::RouteTable& t) {
    json routes = json::array();
    for (const auto& r : t.routes) {
        // A prefix-list route names its list instead of a CIDR (DestinationPrefixListId), as AWS shows a
        // gateway endpoint's route: {"DestinationPrefixListId": "pl-…", "GatewayId": "vpce-…"}.
        json j = r.to_prefix_list() ? json{{"DestinationPrefixListId", r.destination_prefix_list_id}}
                                    : json{{"DestinationCidrBlock", r.destination.to_string()}};
        switch (r.target_kind) {
            case routing::RouteTargetKind::local: j["GatewayId"] = "local"; break;
            case routing::RouteTargetKind::internet_gateway: j["GatewayId"] = r.target_id; break;
            case routing::RouteTargetKind::gateway_endpoint: j["GatewayId"] = r.target_id; break;
            case routing::RouteTargetKind::nat_gateway: j["NatGatewayId"] = r.target_id; break;
            case routing::RouteTargetKind::vpc_peering: j["VpcPeeringConnectionId"] = r.target_id; break;
            case routing::RouteTargetKind::transit_gateway: j["TransitGatewayId"] = r.target_id; break;
            case routing::RouteTargetKind::network_interface:
                if (!r.instance_id.empty()) {
                    j["InstanceId"] = r.instance_id;
                    j["InstanceOwnerId"] = owner_id;
                }
                j["NetworkInterfaceId"] = r.target_id;
                break;
        }
        j["Origin"] = r.origin;
        j["State"] = m.route_is_blackhole(t, r) ? "blackhole" : "active";
        routes.push_back(j);
    }
    json associations = json::array();
    if (t.main)
        associations.push_back({{"Main", true}, {"RouteTableAssociationId", m.association_id(t, "")},
                                {"RouteTableId", t.id}, {"AssociationState", {{"State", "associated"}}}});
    for (const auto& sid : t.associated_subnet_ids)
        associations.push_back({{"Main", false}, {"RouteTableAssociationId", m.association_id(t, sid)},
                                {"RouteTableId", t.id}, {"SubnetId", sid}, {"AssociationState", {{"State", "associated"}}}});
    return {{"Associations", associations}, {"PropagatingVgws", json::array()}, {"RouteTableId", t.id},
            {"Routes", routes}, {"Tags", tags_json(m, t)}, {"VpcId", t.vpc_id}, {"OwnerId", owner_id}};
}

namespace {

json describe_route_tables(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"RouteTables", describe(m.route_tables(), params, "RouteTableIds", "InvalidRouteTableID.NotFound", "routeTable",
                                     [&](const auto& t) { return route_table_json(m, t); })}};
}

json create_route_table(const Request& params, RouterState& state) {
    const auto tags = tags_for(params, "route-table");
    return state.commit([&](routing::VpcModel& next) {
        return json{{"RouteTable", route_table_json(next, next.create_route_table("", string_param(params, "VpcId"), tags))}};
    });
}

json delete_route_table(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.delete_route_table(string_param(params, "RouteTableId"));
        return json::object();
    });
}

json associate_route_table(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        const std::string id = next.associate_route_table(string_param(params, "RouteTableId"), string_param(params, "SubnetId"));
        return json{{"AssociationId", id}, {"AssociationState", {{"State", "associated"}}}};
    });
}

json disassociate_route_table(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.disassociate_route_table(string_param(params, "AssociationId"));
        return json::object();
    });
}

json replace_route_table_association(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        const std::string id = next.replace_route_table_association(string_param(params, "AssociationId"), string_param(params, "RouteTableId"));
        return json{{"NewAssociationId", id}, {"AssociationState", {{"State", "associated"}}}};
    });
}

routing::VpcModel::RouteDestination destination_of(const Request& params) {
    return {string_param(params, "DestinationCidrBlock"), string_param(params, "DestinationPrefixListId")};
}

routing::VpcModel::RouteTarget target_of(const Request& params) {
    return {string_param(params, "GatewayId"), string_param(params, "InstanceId"), string_param(params, "NetworkInterfaceId"),
            string_param(params, "NatGatewayId"), string_param(params, "VpcPeeringConnectionId"), string_param(params, "TransitGatewayId")};
}

json create_route(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.create_route(string_param(params, "RouteTableId"), destination_of(params), target_of(params));
        return json{{"Return", true}};
    });
}

json replace_route(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.replace_route(string_param(params, "RouteTableId"), destination_of(params), target_of(params));
        return json::object();
    });
}

json delete_route(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.delete_route(string_param(params, "RouteTableId"), destination_of(params));
        return json::object();
    });
}

const std::vector<ParamSpec> route_params = {
    {"--route-table-id", "RouteTableId", K::string, true},
    {"--destination-cidr-block", "DestinationCidrBlock", K::string, false},
    {"--destination-prefix-list-id", "DestinationPrefixListId", K::string, false},
    {"--gateway-id", "GatewayId", K::string, false},
    {"--nat-gateway-id", "NatGatewayId", K::string, false},
    {"--vpc-peering-connection-id", "VpcPeeringConnectionId", K::string, false},
    {"--transit-gateway-id", "TransitGatewayId", K::string, false},
    {"--instance-id", "InstanceId", K::string, false},
    {"--network-interface-id", "NetworkInterfaceId", K::string, false},
};

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> route_table_actions() {
    using namespace ec2;
    return {
        {"describe-route-tables", "DescribeRouteTables", "list route tables with their routes and associations",
         {{"--route-table-ids", "RouteTableIds", K::list, false}, {"--filters", "Filters", K::filters, false}}, describe_route_tables,
         {"route-table-id", "vpc-id", "association.route-table-association-id", "association.route-table-id", "association.subnet-id",
          "association.main", "route.destination-cidr-block", "route.destination-prefix-list-id", "route.gateway-id", "route.instance-id", "route.network-interface-id", "route.nat-gateway-id", "route.vpc-peering-connection-id", "route.transit-gateway-id",
          "route.origin", "route.state", "owner-id", "tag-key"}},
        {"create-route-table", "CreateRouteTable", "create a route table in a VPC (it holds the local route)",
         {{"--vpc-id", "VpcId", K::string, true}, {"--tag-specifications", "TagSpecifications", K::structures, false}}, create_route_table},
        {"delete-route-table", "DeleteRouteTable", "delete a route table that no subnet uses and is not main",
         {{"--route-table-id", "RouteTableId", K::string, true}}, delete_route_table},
        {"associate-route-table", "AssociateRouteTable", "make a subnet use a route table",
         {{"--route-table-id", "RouteTableId", K::string, true}, {"--subnet-id", "SubnetId", K::string, true}}, associate_route_table},
        {"disassociate-route-table", "DisassociateRouteTable", "return a subnet to its VPC's main route table",
         {{"--association-id", "AssociationId", K::string, true}}, disassociate_route_table},
        {"replace-route-table-association", "ReplaceRouteTableAssociation",
         "move an association to another table (the main association: make that table main)",
         {{"--association-id", "AssociationId", K::string, true}, {"--route-table-id", "RouteTableId", K::string, true}},
         replace_route_table_association},
        {"create-route", "CreateRoute", "add a route to a route table", route_params, create_route},
        {"replace-route", "ReplaceRoute", "change the target of a route", route_params, replace_route},
        {"delete-route", "DeleteRoute", "remove a route from a route table",
         {{"--route-table-id", "RouteTableId", K::string, true},
          {"--destination-cidr-block", "DestinationCidrBlock", K::string, false},
          {"--destination-prefix-list-id", "DestinationPrefixListId", K::string, false}},
         delete_route},
    };
}

}  // namespace vpclab::router
