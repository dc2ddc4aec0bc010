// The route table family of the model: tables, their associations and their routes.
#include "routing/vpc_model.hpp"

#include "routing/model/model_rules.hpp"

#include <algorithm>
#include <optional>

namespace vpclab::routing {

RouteTable& VpcModel::create_route_table(const std::string& logical_id, const std::string& vpc_id, std::vector<Tag> tags) {
    const Vpc& v = vpc(vpc_id);
    RouteTable t;
    t.logical_id = logical_id;
    t.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    t.id = new_id("rtb", logical_id);
    t.tags = std::move(tags);
    t.vpc_id = vpc_id;
    t.routes.push_back(Route{v.cidr, "", RouteTargetKind::local, "local", "", "CreateRouteTable"});
    route_tables_.push_back(std::move(t));
    return route_tables_.back();
}

std::string VpcModel::associate_route_table(const std::string& route_table_id, const std::string& subnet_id) {
    const RouteTable& t = route_table(route_table_id);
    const Subnet& s = subnet(subnet_id);
    if (t.vpc_id != s.vpc_id)
        throw ApiError("InvalidParameterValue", "Route table " + route_table_id + " and subnet " + subnet_id + " belong to different networks", "SubnetId");
    for (const auto& other : route_tables_)
        for (const auto& sid : other.associated_subnet_ids)
            if (sid == subnet_id)
                throw ApiError("Resource.AlreadyAssociated", "The subnet " + subnet_id + " is already associated with route table " + other.id, "SubnetId");
    RouteTable& table = route_table_mut(route_table_id);
    table.associated_subnet_ids.push_back(subnet_id);
    table.association_ids.push_back(ids_.next("rtbassoc"));
    return table.association_ids.back();
}

std::string VpcModel::association_id(const RouteTable& table, const std::string& subnet_id) const {
    if (subnet_id.empty()) return table.main_association_id;
    for (std::size_t i = 0; i < table.associated_subnet_ids.size(); ++i)
        if (table.associated_subnet_ids[i] == subnet_id) return table.association_ids[i];
    return {};
}

void VpcModel::delete_route_table(const std::string& route_table_id) {
    const RouteTable& t = route_table(route_table_id);
    // EC2 API reference, "DeleteRouteTable": a table with associations, or the main table, cannot be deleted.
    if (t.main) dependency_violation("routeTable", t.id, "it is the main route table of " + t.vpc_id);
    if (!t.associated_subnet_ids.empty()) dependency_violation("routeTable", t.id, "subnet " + t.associated_subnet_ids.front() + " is associated with it");
    // A gateway endpoint simply stops naming a deleted table.
    for (auto& e : vpc_endpoints_) std::erase(e.route_table_ids, route_table_id);
    std::erase_if(route_tables_, [&](const RouteTable& x) { return x.id == route_table_id; });
}

namespace {
struct AssociationRef {
    std::size_t table;
    std::string subnet_id;  // empty: the main association
};

std::optional<AssociationRef> find_association(const VpcModel& m, const std::string& association_id) {
    for (std::size_t i = 0; i < m.route_tables().size(); ++i) {
        const RouteTable& t = m.route_tables()[i];
        if (t.main && m.association_id(t, "") == association_id) return AssociationRef{i, ""};
        for (const auto& sid : t.associated_subnet_ids)
            if (m.association_id(t, sid) == association_id) return AssociationRef{i, sid};
    }
    return std::nullopt;
}
}  // namespace

void VpcModel::disassociate_route_table(const std::string& association_id) {
    const auto found = find_association(*this, association_id);
    if (!found) throw ApiError("InvalidAssociationID.NotFound", "The association ID '" + association_id + "' does not exist", "AssociationId");
    // The main association can only be moved (ReplaceRouteTableAssociation), never removed.
    if (found->subnet_id.empty())
        throw ApiError("InvalidParameterValue", "Cannot disassociate the main route table association " + association_id, "AssociationId");
    route_tables_[found->table].remove_association(found->subnet_id);
}

std::string VpcModel::replace_route_table_association(const std::string& association_id, const std::string& route_table_id) {
    const auto found = find_association(*this, association_id);
    if (!found) throw ApiError("InvalidAssociationID.NotFound", "The association ID '" + association_id + "' does not exist", "AssociationId");
    const RouteTable& to = route_table(route_table_id);
    RouteTable& from = route_tables_[found->table];
    if (to.vpc_id != from.vpc_id)
        throw ApiError("InvalidParameterValue", "Route table " + to.id + " is not in the VPC of association " + association_id, "RouteTableId");
    if (found->subnet_id.empty()) {
        // VPC User Guide, "Replace the main route table": the new table becomes main, the old one a custom table.
        from.main = false;
        from.main_association_id.clear();
        RouteTable& next = route_table_mut(route_table_id);
        next.main = true;
        next.main_association_id = ids_.next("rtbassoc");
        vpc_mut(next.vpc_id).main_route_table_id = next.id;
        return next.main_association_id;
    }
    const std::string subnet = found->subnet_id;
    from.remove_association(subnet);
    RouteTable& next = route_table_mut(route_table_id);
    next.associated_subnet_ids.push_back(subnet);
    next.association_ids.push_back(ids_.next("rtbassoc"));
    return next.association_ids.back();
}


const RouteTable& VpcModel::effective_route_table(const Subnet& s) const {
    for (const auto& t : route_tables_)
        for (const auto& sid : t.associated_subnet_ids)
            if (sid == s.id) return t;
    return route_table(vpc(s.vpc_id).main_route_table_id);
}

namespace {
// The destination a call names, as a route holds it: a CIDR, or a prefix list (one of the two).
struct NamedDestination {
    std::optional<Cidr> cidr;
    std::string prefix_list_id;
    bool matches(const Route& r) const {
        return cidr ? !r.to_prefix_list() && r.destination == *cidr : r.destination_prefix_list_id == prefix_list_id;
    }
    std::string text() const { return cidr ? cidr->to_string() : prefix_list_id; }
    const char* parameter() const { return cidr ? "DestinationCidrBlock" : "DestinationPrefixListId"; }
};

NamedDestination name_destination(const VpcModel::RouteDestination& d) {
    if (d.cidr.empty() == d.prefix_list_id.empty())
        throw ApiError("InvalidParameterCombination", "Specify exactly one destination: --destination-cidr-block or --destination-prefix-list-id",
                       "DestinationCidrBlock");
    if (!d.prefix_list_id.empty()) return {std::nullopt, d.prefix_list_id};
    return {parse_cidr_or_throw(d.cidr, "DestinationCidrBlock"), ""};
}

std::string endpoint_of_route(const Route& r) { return r.target_kind == RouteTargetKind::gateway_endpoint ? r.target_id : ""; }
}  // namespace

Route VpcModel::resolve_route(const RouteTable& table, const RouteDestination& destination, const RouteTarget& target) const {
    const NamedDestination named = name_destination(destination);
    const int targets = !target.gateway_id.empty() + !target.instance_id.empty() + !target.network_interface_id.empty() + !target.nat_gateway_id.empty() +
                        !target.vpc_peering_connection_id.empty() + !target.transit_gateway_id.empty();
    if (targets != 1)
        throw ApiError("InvalidParameterCombination",
                       "Specify exactly one route target: --gateway-id, --instance-id, --network-interface-id, --nat-gateway-id, --vpc-peering-connection-id "
                       "or --transit-gateway-id",
                       "GatewayId");
    const Vpc& v = vpc(table.vpc_id);
    // VPC User Guide, "Route priority": only a network interface or a NAT gateway may take traffic more
    // specific than the local route (a peering connection or transit gateway may not).
    const auto refuse_inside_vpc = [&] {
        if (named.cidr && v.cidr.contains(*named.cidr))
            throw ApiError("InvalidParameterValue", "The destination " + named.cidr->to_string() + " lies inside the VPC CIDR " + v.cidr.to_string() +
                                                        "; only a network interface or NAT gateway may be the target of a route inside the VPC",
                           "DestinationCidrBlock");
    };
    Route r;
    if (named.cidr) {
        r.destination = *named.cidr;
    } else {
        const ManagedPrefixList& l = prefix_list(named.prefix_list_id);
        // An AWS-managed list of a gateway service is routed by that service's gateway endpoint only.
        if (l.aws_managed)
            throw ApiError("InvalidParameterValue", "The prefix list " + l.id + " (" + l.name + ") is AWS-managed: routes to it are made by a gateway VPC endpoint (create-vpc-endpoint --route-table-ids)",
                           "DestinationPrefixListId");
        r.destination_prefix_list_id = l.id;
    }
    r.origin = "CreateRoute";
    if (!target.gateway_id.empty()) {
        if (target.gateway_id == "local")
            throw ApiError("InvalidParameterValue", "The local route is created with the route table and cannot be added", "GatewayId");
        if (target.gateway_id.rfind("vpce-", 0) == 0)
            throw ApiError("InvalidParameterValue", "Routes to the gateway VPC endpoint " + target.gateway_id +
                                                        " are made by the endpoint: modify-vpc-endpoint --add-route-table-ids", "GatewayId");
        const InternetGateway* found = nullptr;
        for (const auto& candidate : internet_gateways_)
            if (candidate.id == target.gateway_id) found = &candidate;
        if (!found) throw ApiError("InvalidGatewayID.NotFound", "The gateway ID '" + target.gateway_id + "' does not exist", "GatewayId");
        const InternetGateway& g = *found;
        if (g.attached_vpc_id != table.vpc_id)
            throw ApiError("InvalidParameterValue", "route table " + table.id + " and network gateway " + g.id + " belong to different networks", "GatewayId");
        // VPC User Guide, "Route priority": a route to a gateway may not be more specific than the local route.
        if (named.cidr && v.cidr.contains(*named.cidr))
            throw ApiError("InvalidParameterValue", "The destination " + named.cidr->to_string() + " lies inside the VPC CIDR " + v.cidr.to_string() + "; only a network interface may be the target of a route inside the VPC", "DestinationCidrBlock");
        r.target_kind = RouteTargetKind::internet_gateway;
        r.target_id = g.id;
    } else if (!target.nat_gateway_id.empty()) {
        const NatGateway& g = nat_gateway(target.nat_gateway_id);
        if (!g.available())
            throw ApiError("InvalidNatGatewayID.NotFound", "The Nat Gateway " + g.id + " was not found (it is " + g.state + ")", "NatGatewayId");
        if (g.vpc_id != table.vpc_id)
            throw ApiError("InvalidParameterValue", "route table " + table.id + " and network gateway " + g.id + " belong to different networks", "NatGatewayId");
        // VPC User Guide, "Route priority": a route more specific than the local route may go to a NAT
        // gateway (as to a network interface), but not take the VPC's own CIDR.
        if (named.cidr && *named.cidr == v.cidr)
            throw ApiError("InvalidParameterValue", "The destination " + named.cidr->to_string() + " is the local route's; it cannot be added", "DestinationCidrBlock");
        r.target_kind = RouteTargetKind::nat_gateway;
        r.target_id = g.id;
    } else if (!target.transit_gateway_id.empty()) {
        const TransitGateway& g = transit_gateway(target.transit_gateway_id);
        // Transit Gateways Guide, "Transit gateway attachments to a VPC": the VPC's traffic reaches the
        // gateway through its attachment; without one, EC2 refuses the route as it refuses a detached gateway's.
        if (!find_transit_gateway_attachment(g.id, table.vpc_id))
            throw ApiError("InvalidParameterValue", "route table " + table.id + " and network gateway " + g.id +
                                                        " belong to different networks (attach the VPC first: create-transit-gateway-vpc-attachment)",
                           "TransitGatewayId");
        refuse_inside_vpc();
        r.target_kind = RouteTargetKind::transit_gateway;
        r.target_id = g.id;
    } else if (!target.vpc_peering_connection_id.empty()) {
        const VpcPeeringConnection& p = vpc_peering_connection(target.vpc_peering_connection_id);
        if (p.peer_of(table.vpc_id).empty())
            throw ApiError("InvalidParameterValue", "route table " + table.id + " and VPC peering connection " + p.id + " belong to different networks",
                           "VpcPeeringConnectionId");
        // A route may name a connection waiting for acceptance (blackhole until it is active), not one that ended.
        if (!p.active() && p.status != "pending-acceptance")
            throw ApiError("InvalidVpcPeeringConnectionID.NotFound", "The vpcPeeringConnection ID '" + p.id + "' does not exist (it is " + p.status + ")",
                           "VpcPeeringConnectionId");
        refuse_inside_vpc();
        r.target_kind = RouteTargetKind::vpc_peering;
        r.target_id = p.id;
    } else {
        const NetworkInterface* eni = nullptr;
        if (!target.instance_id.empty()) {
            const Instance& inst = instance(target.instance_id);
            if (inst.network_interface_ids.empty())
                throw ApiError("IncorrectInstanceState", "The instance '" + inst.id + "' is " + name_of(inst.state) + ": it has no network interface", "InstanceId");
            if (inst.network_interface_ids.size() != 1)
                throw ApiError("InvalidInstanceID", "Instance " + inst.id + " has more than one network interface; specify --network-interface-id", "InstanceId");
            eni = &network_interface(inst.network_interface_ids.front());
            r.instance_id = inst.id;
        } else {
            eni = &network_interface(target.network_interface_id);
        }
        if (eni->vpc_id != table.vpc_id)
            throw ApiError("InvalidParameterValue", "route table " + table.id + " and network interface " + eni->id + " belong to different networks", "NetworkInterfaceId");
        if (named.cidr && *named.cidr == v.cidr)
            throw ApiError("InvalidParameterValue", "The destination " + named.cidr->to_string() + " is the local route's; it cannot be added", "DestinationCidrBlock");
        r.target_kind = RouteTargetKind::network_interface;
        r.target_id = eni->id;
    }
    return r;
}

void VpcModel::create_route(const std::string& route_table_id, const RouteDestination& destination, const RouteTarget& target) {
    const RouteTable& t = route_table(route_table_id);
    Route r = resolve_route(t, destination, target);
    const NamedDestination named = name_destination(destination);
    for (const auto& existing : t.routes)
        if (named.matches(existing))
            throw ApiError("RouteAlreadyExists", "The route identified by " + named.text() + " already exists in " + t.id, named.parameter());
    route_table_mut(route_table_id).routes.push_back(std::move(r));
}

void VpcModel::replace_route(const std::string& route_table_id, const RouteDestination& destination, const RouteTarget& target) {
    const RouteTable& t = route_table(route_table_id);
    const NamedDestination named = name_destination(destination);
    for (const auto& existing : t.routes)
        if (named.matches(existing) && !endpoint_of_route(existing).empty())
            throw ApiError("InvalidParameterValue", "The route to " + named.text() + " in " + t.id + " belongs to the VPC endpoint " + existing.target_id +
                                                        "; change it with modify-vpc-endpoint", named.parameter());
    Route r = resolve_route(t, destination, target);
    for (auto& existing : route_table_mut(route_table_id).routes) {
        if (!named.matches(existing)) continue;
        if (existing.target_kind == RouteTargetKind::local)
            throw ApiError("InvalidParameterValue", "The local route " + named.text() + " cannot be replaced", named.parameter());
        existing = std::move(r);
        return;
    }
    throw ApiError("InvalidRoute.NotFound", "no route with destination " + named.text() + " in route table " + t.id, named.parameter());
}

void VpcModel::delete_route(const std::string& route_table_id, const RouteDestination& destination) {
    const RouteTable& t = route_table(route_table_id);
    const NamedDestination named = name_destination(destination);
    auto& routes = route_table_mut(route_table_id).routes;
    for (auto it = routes.begin(); it != routes.end(); ++it) {
        if (!named.matches(*it)) continue;
        if (it->target_kind == RouteTargetKind::local)
            throw ApiError("InvalidParameterValue", "cannot remove local route " + named.text() + " in route table " + t.id, named.parameter());
        // VPC User Guide, "Gateway endpoints": the endpoint's routes go with the endpoint or its route tables.
        if (!endpoint_of_route(*it).empty())
            throw ApiError("InvalidParameterValue", "The route to " + named.text() + " in " + t.id + " belongs to the VPC endpoint " + it->target_id +
                                                        "; remove it with modify-vpc-endpoint --remove-route-table-ids or delete-vpc-endpoints",
                           named.parameter());
        routes.erase(it);
        return;
    }
    throw ApiError("InvalidRoute.NotFound", "no route with destination " + named.text() + " in route table " + t.id, named.parameter());
}

bool VpcModel::route_is_blackhole(const RouteTable& table, const Route& route) const {
    if (route.target_kind == RouteTargetKind::internet_gateway) {
        for (const auto& g : internet_gateways_)
            if (g.id == route.target_id) return g.attached_vpc_id != table.vpc_id;
        return true;
    }
    if (route.target_kind == RouteTargetKind::network_interface) {
        // VPC User Guide, "Route table concepts": a route whose target is gone (a deleted ENI, a terminated
        // instance) is a blackhole; so is one to an ENI that is not attached to a running instance.
        for (const auto& e : network_interfaces_)
            if (e.id == route.target_id) {
                if (e.instance_id.empty()) return true;
                return !instance(e.instance_id).forwards();
            }
        return true;
    }
    // VPC Peering Guide: a route to a connection that is not active (waiting, or deleted) is a blackhole.
    if (route.target_kind == RouteTargetKind::vpc_peering) {
        const VpcPeeringConnection* p = find_by_id(vpc_peering_connections_, route.target_id);
        return !p || !p->active();
    }
    // A route to a transit gateway the VPC is no longer attached to (or that is gone) is a blackhole.
    if (route.target_kind == RouteTargetKind::transit_gateway) return !find_transit_gateway_attachment(route.target_id, table.vpc_id);
    // VPC User Guide, "Delete a NAT gateway": its routes stay, in blackhole status.
    if (route.target_kind == RouteTargetKind::nat_gateway) {
        const NatGateway* g = find_by_id(nat_gateways_, route.target_id);
        return !g || !g->available();
    }
    // A gateway endpoint's routes go with it: while there is one, it is active.
    return false;
}

}  // namespace vpclab::routing
