// Transit gateways in the model: gateways, VPC attachments and their ENIs, route tables with associations,
// propagations and static routes, and the routes a table holds as the gateway uses them.
#include "routing/vpc_model.hpp"

#include <algorithm>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

namespace {
template <class T>
T* find_mut(std::vector<T>& items, const std::string& id) {
    for (auto& item : items)
        if (item.id == id) return &item;
    return nullptr;
}
bool contains(const std::vector<std::string>& ids, const std::string& id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); }
}  // namespace

const TransitGateway& VpcModel::transit_gateway(const std::string& id) const {
    if (const TransitGateway* g = find_by_id(transit_gateways_, id)) return *g;
    throw ApiError("InvalidTransitGatewayID.NotFound", "Transit Gateway " + id + " was deleted or does not exist.", "TransitGatewayId");
}

const TransitGatewayVpcAttachment& VpcModel::transit_gateway_attachment(const std::string& id) const {
    if (const TransitGatewayVpcAttachment* a = find_by_id(transit_gateway_attachments_, id)) return *a;
    throw ApiError("InvalidTransitGatewayAttachmentID.NotFound", "Transit Gateway Attachment " + id + " was deleted or does not exist.",
                   "TransitGatewayAttachmentId");
}

const TransitGatewayRouteTable& VpcModel::transit_gateway_route_table(const std::string& id) const {
    if (const TransitGatewayRouteTable* t = find_by_id(transit_gateway_route_tables_, id)) return *t;
    throw ApiError("InvalidRouteTableID.NotFound", "Transit Gateway Route Table " + id + " was deleted or does not exist.", "TransitGatewayRouteTableId");
}

TransitGatewayVpcAttachment& VpcModel::transit_gateway_attachment_mut(const std::string& id) {
    transit_gateway_attachment(id);
    return *find_mut(transit_gateway_attachments_, id);
}

TransitGatewayRouteTable& VpcModel::transit_gateway_route_table_mut(const std::string& id) {
    transit_gateway_route_table(id);
    return *find_mut(transit_gateway_route_tables_, id);
}

const TransitGatewayVpcAttachment* VpcModel::find_transit_gateway_attachment(const std::string& transit_gateway_id, const std::string& vpc_id) const {
    for (const auto& a : transit_gateway_attachments_)
        if (a.transit_gateway_id == transit_gateway_id && a.vpc_id == vpc_id) return &a;
    return nullptr;
}

bool VpcModel::share_transit_gateway(const std::string& vpc_a, const std::string& vpc_b) const {
    for (const auto& a : transit_gateway_attachments_)
        if (a.vpc_id == vpc_a && find_transit_gateway_attachment(a.transit_gateway_id, vpc_b)) return true;
    return false;
}

TransitGateway& VpcModel::create_transit_gateway(const std::string& logical_id, const TransitGatewaySpec& spec, std::int64_t now) {
    // EC2 API reference, "TransitGatewayRequestOptions": a private ASN, 64512-65534 or 4200000000-4294967294.
    const std::int64_t asn = spec.amazon_side_asn;
    if (!((asn >= 64512 && asn <= 65534) || (asn >= 4200000000LL && asn <= 4294967294LL)))
        throw ApiError("InvalidParameterValue", "AmazonSideAsn " + std::to_string(asn) + " is not a private ASN (64512-65534 or 4200000000-4294967294)",
                       "AmazonSideAsn");
    TransitGateway g;
    g.logical_id = logical_id;
    g.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    g.id = new_id("tgw", logical_id);
    g.tags = spec.tags;
    g.description = spec.description;
    g.amazon_side_asn = asn;
    g.default_route_table_association = spec.default_route_table_association;
    g.default_route_table_propagation = spec.default_route_table_propagation;
    g.dns_support = spec.dns_support;
    g.vpn_ecmp_support = spec.vpn_ecmp_support;
    g.created_at = now;
    // Transit Gateways Guide, "Default route table": made with the gateway unless both defaults are off.
    if (g.default_route_table_association || g.default_route_table_propagation) {
        TransitGatewayRouteTable t;
        t.id = ids_.make("tgw-rtb", g.id + "/default");
        t.transit_gateway_id = g.id;
        t.default_table = true;
        t.created_at = now;
        g.default_route_table_id = t.id;
        transit_gateway_route_tables_.push_back(std::move(t));
    }
    transit_gateways_.push_back(std::move(g));
    return transit_gateways_.back();
}

void VpcModel::delete_transit_gateway(const std::string& id) {
    const TransitGateway& g = transit_gateway(id);
    for (const auto& a : transit_gateway_attachments_)
        if (a.transit_gateway_id == g.id)
            throw ApiError("IncorrectState", "tgw " + g.id + " has non-deleted Transit Gateway Attachments: " + a.id, "TransitGatewayId");
    const std::string gone = g.id;
    std::erase_if(transit_gateway_route_tables_, [&](const TransitGatewayRouteTable& t) { return t.transit_gateway_id == gone; });
    std::erase_if(transit_gateways_, [&](const TransitGateway& x) { return x.id == gone; });
}

void VpcModel::check_attachment_subnets(const std::string& vpc_id, const std::vector<std::string>& subnet_ids, bool new_subnets) const {
    // Transit Gateways Guide, "Transit gateway attachments to a VPC": "You can select one subnet per
    // Availability Zone"; each subnet must be in the attached VPC.
    std::vector<std::string> zones;
    for (const auto& id : subnet_ids) {
        const Subnet& s = subnet(id);
        if (s.vpc_id != vpc_id)
            throw ApiError("InvalidParameterValue", "Subnet " + s.id + " is not in VPC " + vpc_id + " (it is in " + s.vpc_id + ")", "SubnetIds");
        if (contains(zones, s.availability_zone))
            throw ApiError("DuplicateSubnetsInSameZone", "Transit Gateway Attachment subnets must be in different Availability Zones: two are in " +
                                                              s.availability_zone, "SubnetIds");
        zones.push_back(s.availability_zone);
        if (new_subnets) choose_address(s, std::nullopt, {});  // InsufficientFreeAddressesInSubnet before anything is made
    }
}

std::string VpcModel::add_attachment_interface(const TransitGatewayVpcAttachment& a, const std::string& subnet_id) {
    const Subnet& s = subnet(subnet_id);
    // The attachment's ENI is AWS's (requester-managed, no security groups) and forwards what is not its own.
    NetworkInterface e = requester_managed_interface(a.id, s, choose_address(s, std::nullopt, {}),
                                                     "Network Interface for Transit Gateway Attachment " + a.id, "transit_gateway");
    e.source_dest_check = false;
    const std::string id = e.id;
    network_interfaces_.push_back(std::move(e));
    return id;
}

TransitGatewayVpcAttachment& VpcModel::create_transit_gateway_vpc_attachment(const std::string& logical_id, const std::string& transit_gateway_id,
                                                                             const std::string& vpc_id, const std::vector<std::string>& subnet_ids,
                                                                             bool appliance_mode, bool dns_support, std::vector<Tag> tags, std::int64_t now) {
    const TransitGateway& g = transit_gateway(transit_gateway_id);
    const Vpc& v = vpc(vpc_id);
    if (subnet_ids.empty()) throw ApiError("MissingParameter", "The request must contain the parameter SubnetIds", "SubnetIds");
    if (find_transit_gateway_attachment(g.id, v.id))
        throw ApiError("DuplicateTransitGatewayAttachment", v.id + " has non-deleted Transit Gateway Attachments with " + g.id, "VpcId");
    const auto attached = std::count_if(transit_gateway_attachments_.begin(), transit_gateway_attachments_.end(),
                                        [&](const TransitGatewayVpcAttachment& a) { return a.transit_gateway_id == g.id; });
    if (static_cast<std::size_t>(attached) >= transit_gateway_attachments_per_gateway)
        throw ApiError("TransitGatewayAttachmentLimitExceeded", "The maximum number of attachments per transit gateway has been reached", "TransitGatewayId");
    check_attachment_subnets(v.id, subnet_ids, true);
    TransitGatewayVpcAttachment a;
    a.logical_id = logical_id;
    a.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    a.id = new_id("tgw-attach", logical_id);
    a.tags = std::move(tags);
    a.transit_gateway_id = g.id;
    a.vpc_id = v.id;
    a.appliance_mode = appliance_mode;
    a.dns_support = dns_support;
    a.created_at = now;
    for (const auto& s : subnet_ids) {
        a.subnet_ids.push_back(s);
        a.network_interface_ids.push_back(add_attachment_interface(a, s));
    }
    // Transit Gateways Guide, "Default route table association / propagation".
    if (!g.default_route_table_id.empty()) {
        if (g.default_route_table_association) a.associated_route_table_id = g.default_route_table_id;
        if (g.default_route_table_propagation) transit_gateway_route_table_mut(g.default_route_table_id).propagating_attachment_ids.push_back(a.id);
    }
    transit_gateway_attachments_.push_back(std::move(a));
    return transit_gateway_attachments_.back();
}

void VpcModel::modify_transit_gateway_vpc_attachment(const std::string& id, const std::vector<std::string>& add_subnet_ids,
                                                     const std::vector<std::string>& remove_subnet_ids, std::optional<bool> appliance_mode,
                                                     std::optional<bool> dns_support) {
    const TransitGatewayVpcAttachment& current = transit_gateway_attachment(id);
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < remove_subnet_ids.size(); ++i) {
        const std::string& s = remove_subnet_ids[i];
        if (!contains(current.subnet_ids, s))
            throw ApiError("InvalidParameterValue", "Subnet " + s + " is not a subnet of " + current.id, "RemoveSubnetIds");
        if (std::find(remove_subnet_ids.begin(), remove_subnet_ids.begin() + static_cast<std::ptrdiff_t>(i), s) != remove_subnet_ids.begin() + static_cast<std::ptrdiff_t>(i) ||
            contains(add_subnet_ids, s))
            throw ApiError("InvalidParameterValue", "Subnet " + s + " is named twice (to remove it, and again)", "RemoveSubnetIds");
    }
    for (const auto& s : current.subnet_ids)
        if (!contains(remove_subnet_ids, s)) kept.push_back(s);
    for (const auto& s : add_subnet_ids)
        if (contains(kept, s)) throw ApiError("InvalidParameterValue", "Subnet " + s + " is already a subnet of " + current.id, "AddSubnetIds");
    std::vector<std::string> all = kept;
    all.insert(all.end(), add_subnet_ids.begin(), add_subnet_ids.end());
    if (all.empty()) throw ApiError("InvalidParameterValue", "A Transit Gateway Attachment keeps at least one subnet", "RemoveSubnetIds");
    check_attachment_subnets(current.vpc_id, add_subnet_ids, true);
    check_attachment_subnets(current.vpc_id, all, false);  // one per zone, the added with the kept (whose ENIs are there already)
    TransitGatewayVpcAttachment& a = transit_gateway_attachment_mut(id);
    for (const auto& s : remove_subnet_ids) {
        const auto at = std::find(a.subnet_ids.begin(), a.subnet_ids.end(), s) - a.subnet_ids.begin();
        const std::string eni = a.network_interface_ids[static_cast<std::size_t>(at)];
        std::erase_if(network_interfaces_, [&](const NetworkInterface& e) { return e.id == eni; });
        a.subnet_ids.erase(a.subnet_ids.begin() + at);
        a.network_interface_ids.erase(a.network_interface_ids.begin() + at);
    }
    for (const auto& s : add_subnet_ids) {
        a.subnet_ids.push_back(s);
        a.network_interface_ids.push_back(add_attachment_interface(a, s));
    }
    if (appliance_mode) a.appliance_mode = *appliance_mode;
    if (dns_support) a.dns_support = *dns_support;
}

void VpcModel::delete_transit_gateway_vpc_attachment(const std::string& id) {
    const TransitGatewayVpcAttachment& a = transit_gateway_attachment(id);
    const std::string gone = a.id;
    for (const auto& eni : a.network_interface_ids) std::erase_if(network_interfaces_, [&](const NetworkInterface& e) { return e.id == eni; });
    for (auto& t : transit_gateway_route_tables_) std::erase(t.propagating_attachment_ids, gone);
    std::erase_if(transit_gateway_attachments_, [&](const TransitGatewayVpcAttachment& x) { return x.id == gone; });
}

TransitGatewayRouteTable& VpcModel::create_transit_gateway_route_table(const std::string& logical_id, const std::string& transit_gateway_id,
                                                                       std::vector<Tag> tags, std::int64_t now) {
    const TransitGateway& g = transit_gateway(transit_gateway_id);
    const auto tables = std::count_if(transit_gateway_route_tables_.begin(), transit_gateway_route_tables_.end(),
                                      [&](const TransitGatewayRouteTable& t) { return t.transit_gateway_id == g.id; });
    if (static_cast<std::size_t>(tables) >= transit_gateway_route_tables_per_gateway)
        throw ApiError("TransitGatewayRouteTableLimitExceeded", "The maximum number of route tables per transit gateway (" +
                                                                    std::to_string(transit_gateway_route_tables_per_gateway) + ") has been reached",
                       "TransitGatewayId");
    TransitGatewayRouteTable t;
    t.logical_id = logical_id;
    t.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    t.id = new_id("tgw-rtb", logical_id);
    t.tags = std::move(tags);
    t.transit_gateway_id = g.id;
    t.created_at = now;
    transit_gateway_route_tables_.push_back(std::move(t));
    return transit_gateway_route_tables_.back();
}

void VpcModel::delete_transit_gateway_route_table(const std::string& id) {
    const TransitGatewayRouteTable& t = transit_gateway_route_table(id);
    for (const auto& a : transit_gateway_attachments_)
        if (a.associated_route_table_id == t.id)
            throw ApiError("IncorrectState", "Transit Gateway Route Table " + t.id + " has associations: disassociate " + a.id + " first",
                           "TransitGatewayRouteTableId");
    if (!t.propagating_attachment_ids.empty())
        throw ApiError("IncorrectState", "Transit Gateway Route Table " + t.id + " has propagations: disable " + t.propagating_attachment_ids.front() + "'s first",
                       "TransitGatewayRouteTableId");
    const std::string gone = t.id;
    for (auto& g : transit_gateways_)
        if (g.default_route_table_id == gone) g.default_route_table_id.clear();
    std::erase_if(transit_gateway_route_tables_, [&](const TransitGatewayRouteTable& x) { return x.id == gone; });
}

namespace {
// The route table and attachment of one call, of one transit gateway.
void same_gateway(const TransitGatewayRouteTable& t, const TransitGatewayVpcAttachment& a) {
    if (t.transit_gateway_id != a.transit_gateway_id)
        throw ApiError("InvalidParameterValue", "Transit Gateway Attachment " + a.id + " is attached to " + a.transit_gateway_id + ", not to route table " + t.id +
                                                    "'s " + t.transit_gateway_id, "TransitGatewayAttachmentId");
}
}  // namespace

void VpcModel::associate_transit_gateway_route_table(const std::string& route_table_id, const std::string& attachment_id) {
    const TransitGatewayRouteTable& t = transit_gateway_route_table(route_table_id);
    const TransitGatewayVpcAttachment& a = transit_gateway_attachment(attachment_id);
    same_gateway(t, a);
    // Transit Gateways Guide, "Associations": "Each attachment is associated with exactly one route table."
    if (!a.associated_route_table_id.empty())
        throw ApiError("Resource.AlreadyAssociated", "Transit Gateway Attachment " + a.id + " is already associated with " + a.associated_route_table_id,
                       "TransitGatewayAttachmentId");
    transit_gateway_attachment_mut(attachment_id).associated_route_table_id = t.id;
}

void VpcModel::disassociate_transit_gateway_route_table(const std::string& route_table_id, const std::string& attachment_id) {
    const TransitGatewayRouteTable& t = transit_gateway_route_table(route_table_id);
    const TransitGatewayVpcAttachment& a = transit_gateway_attachment(attachment_id);
    if (a.associated_route_table_id != t.id)
        throw ApiError("InvalidAssociation.NotFound", "Transit Gateway Attachment " + a.id + " is not associated with " + t.id, "TransitGatewayAttachmentId");
    transit_gateway_attachment_mut(attachment_id).associated_route_table_id.clear();
}

void VpcModel::enable_transit_gateway_route_table_propagation(const std::string& route_table_id, const std::string& attachment_id) {
    const TransitGatewayRouteTable& t = transit_gateway_route_table(route_table_id);
    const TransitGatewayVpcAttachment& a = transit_gateway_attachment(attachment_id);
    same_gateway(t, a);
    if (contains(t.propagating_attachment_ids, a.id))
        throw ApiError("TransitGatewayRouteTablePropagation.Duplicate", "Transit Gateway Attachment " + a.id + " already propagates to " + t.id,
                       "TransitGatewayAttachmentId");
    transit_gateway_route_table_mut(route_table_id).propagating_attachment_ids.push_back(a.id);
}

void VpcModel::disable_transit_gateway_route_table_propagation(const std::string& route_table_id, const std::string& attachment_id) {
    const TransitGatewayRouteTable& t = transit_gateway_route_table(route_table_id);
    transit_gateway_attachment(attachment_id);
    if (!contains(t.propagating_attachment_ids, attachment_id))
        throw ApiError("InvalidRouteTableID.NotFound", "Transit Gateway Attachment " + attachment_id + " does not propagate to " + t.id,
                       "TransitGatewayAttachmentId");
    std::erase(transit_gateway_route_table_mut(route_table_id).propagating_attachment_ids, attachment_id);
}

namespace {
TransitGatewayRoute static_route(const VpcModel& m, const TransitGatewayRouteTable& t, const std::string& cidr, const std::string& attachment_id,
                                 bool blackhole) {
    TransitGatewayRoute r;
    r.destination = parse_cidr_or_throw(cidr, "DestinationCidrBlock");
    if (r.destination.to_string() != cidr)
        throw ApiError("InvalidParameterValue", "DestinationCidrBlock " + cidr + " is not a network address (" + r.destination.to_string() + ")",
                       "DestinationCidrBlock");
    if (blackhole == !attachment_id.empty())
        throw ApiError("InvalidParameterCombination", "Specify exactly one of --transit-gateway-attachment-id and --blackhole", "TransitGatewayAttachmentId");
    if (!blackhole) same_gateway(t, m.transit_gateway_attachment(attachment_id));
    r.attachment_id = attachment_id;
    r.blackhole = blackhole;
    return r;
}
}  // namespace

void VpcModel::create_transit_gateway_route(const std::string& route_table_id, const std::string& cidr, const std::string& attachment_id, bool blackhole) {
    const TransitGatewayRouteTable& t = transit_gateway_route_table(route_table_id);
    const TransitGatewayRoute r = static_route(*this, t, cidr, attachment_id, blackhole);
    for (const auto& x : t.static_routes)
        if (x.destination == r.destination)
            throw ApiError("RouteAlreadyExists", "Route " + cidr + " already exists in Transit Gateway Route Table " + t.id, "DestinationCidrBlock");
    // Transit Gateways Guide, "Quotas": 10,000 static routes per transit gateway, all its tables together.
    std::size_t routes = 0;
    for (const auto& other : transit_gateway_route_tables_)
        if (other.transit_gateway_id == t.transit_gateway_id) routes += other.static_routes.size();
    if (routes >= transit_gateway_routes_per_gateway)
        throw ApiError("TransitGatewayRouteLimitExceeded", "Transit gateway " + t.transit_gateway_id + " has " + std::to_string(transit_gateway_routes_per_gateway) +
                                                               " static routes", "DestinationCidrBlock");
    transit_gateway_route_table_mut(route_table_id).static_routes.push_back(r);
}

void VpcModel::replace_transit_gateway_route(const std::string& route_table_id, const std::string& cidr, const std::string& attachment_id, bool blackhole) {
    const TransitGatewayRouteTable& t = transit_gateway_route_table(route_table_id);
    const TransitGatewayRoute r = static_route(*this, t, cidr, attachment_id, blackhole);
    for (auto& x : transit_gateway_route_table_mut(route_table_id).static_routes)
        if (x.destination == r.destination) {
            x = r;
            return;
        }
    throw ApiError("InvalidRoute.NotFound", "No static route for " + cidr + " in Transit Gateway Route Table " + t.id, "DestinationCidrBlock");
}

void VpcModel::delete_transit_gateway_route(const std::string& route_table_id, const std::string& cidr) {
    const TransitGatewayRouteTable& t = transit_gateway_route_table(route_table_id);
    const Cidr destination = parse_cidr_or_throw(cidr, "DestinationCidrBlock");
    if (destination.to_string() != cidr)
        throw ApiError("InvalidParameterValue", "DestinationCidrBlock " + cidr + " is not a network address (" + destination.to_string() + ")",
                       "DestinationCidrBlock");
    for (const auto& x : t.static_routes)
        if (x.destination == destination) {
            std::erase_if(transit_gateway_route_table_mut(route_table_id).static_routes,
                          [&](const TransitGatewayRoute& y) { return y.destination == destination; });
            return;
        }
    for (const auto& x : transit_gateway_routes(t))
        if (x.destination == destination)
            throw ApiError("InvalidRoute.NotFound", "Route " + cidr + " in " + t.id + " is propagated from " + x.attachment_id +
                                                       ": disable the propagation instead", "DestinationCidrBlock");
    throw ApiError("InvalidRoute.NotFound", "No route for " + cidr + " in Transit Gateway Route Table " + t.id, "DestinationCidrBlock");
}

std::vector<TransitGatewayRoute> VpcModel::transit_gateway_routes(const TransitGatewayRouteTable& table) const {
    std::vector<TransitGatewayRoute> routes = table.static_routes;
    for (const auto& id : table.propagating_attachment_ids) {
        const TransitGatewayVpcAttachment* a = find_by_id(transit_gateway_attachments_, id);
        const Vpc* v = a ? find_by_id(vpcs_, a->vpc_id) : nullptr;
        if (!v) continue;
        // Static beats propagated on the same prefix; a VPC CIDR identical to one already propagated is not
        // propagated again (Transit Gateways Guide, "Route evaluation order" and "Overlapping CIDRs").
        const bool held = std::any_of(routes.begin(), routes.end(), [&](const TransitGatewayRoute& r) { return r.destination == v->cidr; });
        if (held) continue;
        TransitGatewayRoute r;
        r.destination = v->cidr;
        r.attachment_id = a->id;
        r.propagated = true;
        routes.push_back(r);
    }
    return routes;
}

const char* VpcModel::transit_gateway_route_state(const TransitGatewayRoute& route) const {
    return route.blackhole || !find_by_id(transit_gateway_attachments_, route.attachment_id) ? "blackhole" : "active";
}

}  // namespace vpclab::routing
