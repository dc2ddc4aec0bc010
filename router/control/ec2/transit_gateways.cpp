// The transit gateway family of the EC2 API: gateways, VPC attachments, route tables, their associations, propagations and routes.
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

namespace {

constexpr const char* tgw_time = "%Y-%m-%dT%H:%M:%S.000Z";

const char* enable_text(bool on) { return on ? "enable" : "disable"; }

// The members a structure parameter (--options) may have; any other is refused, naming it.
void check_members(const Request& structure, std::initializer_list<const char*> known, const char* parameter) {
    if (!structure.is_object()) throw ApiError("InvalidParameterValue", std::string(parameter) + " must be a structure", parameter);
    for (auto it = structure.begin(); it != structure.end(); ++it) {
        const std::string& key = it.key();
        bool found = false;
        for (const char* k : known) found = found || key == k;
        if (found) continue;
        std::string list;
        for (const char* k : known) list += std::string(list.empty() ? "" : ", ") + k;
        throw ApiError("InvalidParameterValue", std::string(parameter) + " has no member " + key + " (it takes " + list + ")", parameter);
    }
}

// An enable | disable member of a structure (EC2's DnsSupportValue, …), nullopt when absent.
std::optional<bool> enable_member(const Request& structure, const char* member, const char* parameter) {
    const auto it = structure.find(member);
    if (it == structure.end()) return std::nullopt;
    const std::string text = it->is_string() ? it->get<std::string>() : it->dump();
    if (text == "enable") return true;
    if (text == "disable") return false;
    throw ApiError("InvalidParameterValue",
                   "Value (" + text + ") for parameter " + parameter + "." + member + " is invalid. Expected: 'enable' or 'disable'.", member);
}

// A member vpclab takes only as "disable" (what it cannot do), refused naming it when "enable".
void refuse_enable(const Request& structure, const char* member, const char* parameter, const char* why) {
    if (enable_member(structure, member, parameter).value_or(false))
        throw ApiError("InvalidParameterValue", std::string(parameter) + "." + member + " enable is not supported: " + why, member);
}

// A private ASN for the Amazon side (Transit Gateways Guide, "Transit gateway options": 64512 to 65534 for
// 16-bit ASNs, 4200000000 to 4294967294 for 32-bit ones).
std::int64_t amazon_side_asn(const Request& value) {
    std::int64_t asn = -1;
    if (value.is_number_integer()) {
        asn = value.is_number_unsigned() && value.get<std::uint64_t>() > 9'999'999'999ULL ? -1 : value.get<std::int64_t>();
    } else if (value.is_string()) {
        const std::string text = value.get<std::string>();
        if (!text.empty() && text.size() <= 10 && text.find_first_not_of("0123456789") == std::string::npos) asn = std::stoll(text);
    }
    const bool private_16 = asn >= 64512 && asn <= 65534, private_32 = asn >= 4'200'000'000LL && asn <= 4'294'967'294LL;
    if (!private_16 && !private_32)
        throw ApiError("InvalidParameterValue",
                       "Value (" + (value.is_string() ? value.get<std::string>() : value.dump()) +
                           ") for parameter Options.AmazonSideAsn is invalid: a private ASN is 64512-65534 or 4200000000-4294967294",
                       "AmazonSideAsn");
    return asn;
}

// CreateTransitGatewayVpcAttachmentRequestOptions / ModifyTransitGatewayVpcAttachmentRequestOptions.
struct AttachmentOptions {
    std::optional<bool> appliance_mode, dns_support;
};
AttachmentOptions attachment_options(const Request& params) {
    AttachmentOptions out;
    const Request* list = structures_param(params, "Options");
    if (!list) return out;
    const Request& o = single_structure(*list);
    check_members(o, {"DnsSupport", "Ipv6Support", "ApplianceModeSupport"}, "Options");
    out.dns_support = enable_member(o, "DnsSupport", "Options");
    refuse_enable(o, "Ipv6Support", "Options", "the lab has no IPv6");
    out.appliance_mode = enable_member(o, "ApplianceModeSupport", "Options");
    return out;
}

std::string transit_gateway_arn(const routing::VpcModel& m, const std::string& id) {
    return "arn:aws:ec2:" + m.region() + ":" + owner_id + ":transit-gateway/" + id;
}

// Member order of the EC2 API's TransitGateway shape (and TransitGatewayOptions). `state` overrides
// "available": CreateTransitGateway answers "pending" (before its default route table is shown, as AWS
// answers), DeleteTransitGateway "deleting".
json transit_gateway_json(const routing::VpcModel& m, const routing::TransitGateway& g, const char* state = nullptr) {
    const bool pending = state && std::string_view(state) == "pending";
    json options = json::object();
    options["AmazonSideAsn"] = g.amazon_side_asn;
    options["AutoAcceptSharedAttachments"] = enable_text(g.auto_accept_shared_attachments);
    options["DefaultRouteTableAssociation"] = enable_text(g.default_route_table_association);
    if (!pending && g.default_route_table_association && !g.default_route_table_id.empty())
        options["AssociationDefaultRouteTableId"] = g.default_route_table_id;
    options["DefaultRouteTablePropagation"] = enable_text(g.default_route_table_propagation);
    if (!pending && g.default_route_table_propagation && !g.default_route_table_id.empty())
        options["PropagationDefaultRouteTableId"] = g.default_route_table_id;
    options["VpnEcmpSupport"] = enable_text(g.vpn_ecmp_support);
    options["DnsSupport"] = enable_text(g.dns_support);
    options["MulticastSupport"] = "disable";
    json j = json::object();
    j["TransitGatewayId"] = g.id;
    j["TransitGatewayArn"] = transit_gateway_arn(m, g.id);
    j["State"] = state ? state : "available";
    j["OwnerId"] = owner_id;
    if (!g.description.empty()) j["Description"] = g.description;
    j["CreationTime"] = utc_time(g.created_at, tgw_time);
    j["Options"] = std::move(options);
    j["Tags"] = tags_json(m, g);
    return j;
}

// Member order of the EC2 API's TransitGatewayVpcAttachment shape; `state` overrides "available".
json vpc_attachment_json(const routing::VpcModel& m, const routing::TransitGatewayVpcAttachment& a, const char* state = nullptr) {
    json subnets = json::array();
    for (const auto& s : a.subnet_ids) subnets.push_back(s);
    return {{"TransitGatewayAttachmentId", a.id},
            {"TransitGatewayId", a.transit_gateway_id},
            {"VpcId", a.vpc_id},
            {"VpcOwnerId", owner_id},
            {"State", state ? state : "available"},
            {"SubnetIds", subnets},
            {"CreationTime", utc_time(a.created_at, tgw_time)},
            {"Options", {{"DnsSupport", enable_text(a.dns_support)}, {"Ipv6Support", "disable"}, {"ApplianceModeSupport", enable_text(a.appliance_mode)}}},
            {"Tags", tags_json(m, a)}};
}

// Member order of the EC2 API's TransitGatewayAttachment shape (DescribeTransitGatewayAttachments: every
// kind of attachment; vpclab's are VPC attachments).
json attachment_json(const routing::VpcModel& m, const routing::TransitGatewayVpcAttachment& a) {
    json j = json::object();
    j["TransitGatewayAttachmentId"] = a.id;
    j["TransitGatewayId"] = a.transit_gateway_id;
    j["TransitGatewayOwnerId"] = owner_id;
    j["ResourceOwnerId"] = owner_id;
    j["ResourceType"] = "vpc";
    j["ResourceId"] = a.vpc_id;
    j["State"] = "available";
    if (!a.associated_route_table_id.empty()) j["Association"] = {{"TransitGatewayRouteTableId", a.associated_route_table_id}, {"State", "associated"}};
    j["CreationTime"] = utc_time(a.created_at, tgw_time);
    j["Tags"] = tags_json(m, a);
    return j;
}

// Member order of the EC2 API's TransitGatewayRouteTable shape; `state` overrides "available".
json tgw_route_table_json(const routing::VpcModel& m, const routing::TransitGatewayRouteTable& t, const char* state = nullptr) {
    const routing::TransitGateway* g = routing::find_resource(m.transit_gateways(), t.transit_gateway_id);
    const bool is_default = g && !g->default_route_table_id.empty() && g->default_route_table_id == t.id;
    return {{"TransitGatewayRouteTableId", t.id},
            {"TransitGatewayId", t.transit_gateway_id},
            {"State", state ? state : "available"},
            {"DefaultAssociationRouteTable", is_default && g->default_route_table_association},
            {"DefaultPropagationRouteTable", is_default && g->default_route_table_propagation},
            {"CreationTime", utc_time(t.created_at, tgw_time)},
            {"Tags", tags_json(m, t)}};
}

// Member order of the EC2 API's TransitGatewayRoute shape: the route as the model gives it, its state the
// model's unless `state` overrides it (DeleteTransitGatewayRoute answers "deleted").
json tgw_route_json(const routing::VpcModel& m, const routing::TransitGatewayRoute& r, const char* state = nullptr) {
    json j{{"DestinationCidrBlock", r.destination.to_string()}};
    if (!r.blackhole && !r.attachment_id.empty()) {
        json a = json::object();
        if (const auto* attachment = routing::find_resource(m.transit_gateway_attachments(), r.attachment_id)) a["ResourceId"] = attachment->vpc_id;
        a["TransitGatewayAttachmentId"] = r.attachment_id;
        a["ResourceType"] = "vpc";
        j["TransitGatewayAttachments"] = json::array({a});
    }
    j["Type"] = r.propagated ? "propagated" : "static";
    j["State"] = state ? std::string(state) : std::string(m.transit_gateway_route_state(r));
    return j;
}

// The static route of `table_id` for `cidr`, as transit_gateway_routes gives it (nullopt when none).
std::optional<routing::TransitGatewayRoute> static_route(const routing::VpcModel& m, const std::string& table_id, const std::string& cidr) {
    const auto parsed = routing::Cidr::parse(cidr);
    for (const auto& r : m.transit_gateway_routes(m.transit_gateway_route_table(table_id)))
        if (!r.propagated && (parsed ? r.destination == *parsed : r.destination.to_string() == cidr)) return r;
    return std::nullopt;
}

// TransitGatewayAssociation / TransitGatewayPropagation (Associate…, Disassociate…, Enable…, Disable…).
json association_json(const routing::VpcModel& m, const std::string& table_id, const std::string& attachment_id, const char* state) {
    return {{"TransitGatewayRouteTableId", table_id},
            {"TransitGatewayAttachmentId", attachment_id},
            {"ResourceId", m.transit_gateway_attachment(attachment_id).vpc_id},
            {"ResourceType", "vpc"},
            {"State", state}};
}
json propagation_json(const routing::VpcModel& m, const std::string& table_id, const std::string& attachment_id, const char* state) {
    return {{"TransitGatewayAttachmentId", attachment_id},
            {"ResourceId", m.transit_gateway_attachment(attachment_id).vpc_id},
            {"ResourceType", "vpc"},
            {"TransitGatewayRouteTableId", table_id},
            {"State", state}};
}

// --- transit gateways ---

json create_transit_gateway(const Request& params, RouterState& state) {
    routing::VpcModel::TransitGatewaySpec spec;
    spec.description = string_param(params, "Description");
    std::optional<bool> auto_accept;
    if (const Request* list = structures_param(params, "Options")) {
        const Request& o = single_structure(*list);
        check_members(o, {"AmazonSideAsn", "AutoAcceptSharedAttachments", "DefaultRouteTableAssociation", "DefaultRouteTablePropagation",
                          "VpnEcmpSupport", "DnsSupport", "MulticastSupport", "TransitGatewayCidrBlocks"},
                      "Options");
        if (const auto it = o.find("AmazonSideAsn"); it != o.end()) spec.amazon_side_asn = amazon_side_asn(*it);
        auto_accept = enable_member(o, "AutoAcceptSharedAttachments", "Options");
        if (const auto v = enable_member(o, "DefaultRouteTableAssociation", "Options")) spec.default_route_table_association = *v;
        if (const auto v = enable_member(o, "DefaultRouteTablePropagation", "Options")) spec.default_route_table_propagation = *v;
        if (const auto v = enable_member(o, "VpnEcmpSupport", "Options")) spec.vpn_ecmp_support = *v;
        if (const auto v = enable_member(o, "DnsSupport", "Options")) spec.dns_support = *v;
        refuse_enable(o, "MulticastSupport", "Options", "vpclab's transit gateways do not do multicast");
        if (const auto it = o.find("TransitGatewayCidrBlocks"); it != o.end() && !(it->is_array() && it->empty()))
            throw ApiError("InvalidParameterValue",
                           "Options.TransitGatewayCidrBlocks is not supported: they address Connect peers, and vpclab attaches VPCs only",
                           "TransitGatewayCidrBlocks");
    }
    spec.tags = tags_for(params, "transit-gateway");
    return state.commit([&](routing::VpcModel& next) {
        routing::TransitGateway& g = next.create_transit_gateway("", spec, now_seconds());
        // Shared attachments come from other accounts (AWS RAM); a lab is one account, so the option is only kept.
        if (auto_accept) g.auto_accept_shared_attachments = *auto_accept;
        return json{{"TransitGateway", transit_gateway_json(next, g, "pending")}};
    });
}

json describe_transit_gateways(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"TransitGateways", describe(m.transit_gateways(), params, "TransitGatewayIds", "InvalidTransitGatewayID.NotFound", "transitGateway",
                                         [&](const auto& g) { return transit_gateway_json(m, g); })}};
}

json delete_transit_gateway(const Request& params, RouterState& state) {
    const std::string id = string_param(params, "TransitGatewayId");
    return state.commit([&](routing::VpcModel& next) {
        const routing::TransitGateway gone = next.transit_gateway(id);
        next.delete_transit_gateway(id);
        return json{{"TransitGateway", transit_gateway_json(next, gone, "deleting")}};
    });
}

// --- VPC attachments ---

json create_transit_gateway_vpc_attachment(const Request& params, RouterState& state) {
    const AttachmentOptions options = attachment_options(params);
    const auto subnets = list_param(params, "SubnetIds");
    const auto tags = tags_for(params, "transit-gateway-attachment");
    return state.commit([&](routing::VpcModel& next) {
        const auto& a = next.create_transit_gateway_vpc_attachment("", string_param(params, "TransitGatewayId"), string_param(params, "VpcId"), subnets,
                                                                   options.appliance_mode.value_or(false), options.dns_support.value_or(true), tags,
                                                                   now_seconds());
        return json{{"TransitGatewayVpcAttachment", vpc_attachment_json(next, a, "pending")}};
    });
}

json describe_transit_gateway_vpc_attachments(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"TransitGatewayVpcAttachments",
             describe(m.transit_gateway_attachments(), params, "TransitGatewayAttachmentIds", "InvalidTransitGatewayAttachmentID.NotFound",
                      "transitGatewayAttachment", [&](const auto& a) { return vpc_attachment_json(m, a); })}};
}

json modify_transit_gateway_vpc_attachment(const Request& params, RouterState& state) {
    const AttachmentOptions options = attachment_options(params);
    const std::string id = string_param(params, "TransitGatewayAttachmentId");
    const auto add = list_param(params, "AddSubnetIds"), remove = list_param(params, "RemoveSubnetIds");
    // A subnet listed twice is refused here: the model removes one ENI per listed subnet (a second removal would index past its lists).
    for (const auto& [ids, name] : {std::pair{&add, "AddSubnetIds"}, std::pair{&remove, "RemoveSubnetIds"}})
        for (auto it = ids->begin(); it != ids->end(); ++it)
            if (std::find(std::next(it), ids->end(), *it) != ids->end())
                throw ApiError("InvalidParameterValue", std::string(name) + " lists subnet " + *it + " more than once", name);
    return state.commit([&](routing::VpcModel& next) {
        next.modify_transit_gateway_vpc_attachment(id, add, remove, options.appliance_mode, options.dns_support);
        return json{{"TransitGatewayVpcAttachment", vpc_attachment_json(next, next.transit_gateway_attachment(id), "modifying")}};
    });
}

json delete_transit_gateway_vpc_attachment(const Request& params, RouterState& state) {
    const std::string id = string_param(params, "TransitGatewayAttachmentId");
    return state.commit([&](routing::VpcModel& next) {
        const routing::TransitGatewayVpcAttachment gone = next.transit_gateway_attachment(id);
        next.delete_transit_gateway_vpc_attachment(id);
        return json{{"TransitGatewayVpcAttachment", vpc_attachment_json(next, gone, "deleting")}};
    });
}

json describe_transit_gateway_attachments(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"TransitGatewayAttachments",
             describe(m.transit_gateway_attachments(), params, "TransitGatewayAttachmentIds", "InvalidTransitGatewayAttachmentID.NotFound",
                      "transitGatewayAttachment", [&](const auto& a) { return attachment_json(m, a); })}};
}

// --- route tables, associations, propagations ---

json create_transit_gateway_route_table(const Request& params, RouterState& state) {
    const auto tags = tags_for(params, "transit-gateway-route-table");
    return state.commit([&](routing::VpcModel& next) {
        const auto& t = next.create_transit_gateway_route_table("", string_param(params, "TransitGatewayId"), tags, now_seconds());
        return json{{"TransitGatewayRouteTable", tgw_route_table_json(next, t, "pending")}};
    });
}

json describe_transit_gateway_route_tables(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"TransitGatewayRouteTables",
             describe(m.transit_gateway_route_tables(), params, "TransitGatewayRouteTableIds", "InvalidRouteTableID.NotFound",
                      "transitGatewayRouteTable", [&](const auto& t) { return tgw_route_table_json(m, t); })}};
}

json delete_transit_gateway_route_table(const Request& params, RouterState& state) {
    const std::string id = string_param(params, "TransitGatewayRouteTableId");
    return state.commit([&](routing::VpcModel& next) {
        const routing::TransitGatewayRouteTable gone = next.transit_gateway_route_table(id);
        // Shown before it goes: whether it was the gateway's default table.
        json j = tgw_route_table_json(next, gone, "deleting");
        next.delete_transit_gateway_route_table(id);
        return json{{"TransitGatewayRouteTable", j}};
    });
}

// Associate/disassociate, enable/disable propagation: one change of a table and an attachment, answered with
// the association's or the propagation's shape in its transitional state.
using PairingChange = void (routing::VpcModel::*)(const std::string&, const std::string&);
json change_pairing(const Request& params, RouterState& state, PairingChange change, bool association, const char* status) {
    const std::string table = string_param(params, "TransitGatewayRouteTableId"), attachment = string_param(params, "TransitGatewayAttachmentId");
    return state.commit([&](routing::VpcModel& next) {
        (next.*change)(table, attachment);
        return association ? json{{"Association", association_json(next, table, attachment, status)}}
                           : json{{"Propagation", propagation_json(next, table, attachment, status)}};
    });
}

json associate_transit_gateway_route_table(const Request& params, RouterState& state) {
    return change_pairing(params, state, &routing::VpcModel::associate_transit_gateway_route_table, true, "associating");
}
json disassociate_transit_gateway_route_table(const Request& params, RouterState& state) {
    return change_pairing(params, state, &routing::VpcModel::disassociate_transit_gateway_route_table, true, "disassociating");
}
json enable_transit_gateway_route_table_propagation(const Request& params, RouterState& state) {
    return change_pairing(params, state, &routing::VpcModel::enable_transit_gateway_route_table_propagation, false, "enabling");
}
json disable_transit_gateway_route_table_propagation(const Request& params, RouterState& state) {
    return change_pairing(params, state, &routing::VpcModel::disable_transit_gateway_route_table_propagation, false, "disabling");
}

// TransitGatewayRouteTableAssociation: the attachments associated with the table.
json get_transit_gateway_route_table_associations(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    const auto& table = m.transit_gateway_route_table(string_param(params, "TransitGatewayRouteTableId"));
    json out = json::array();
    for (const auto& a : m.transit_gateway_attachments()) {
        if (a.associated_route_table_id != table.id) continue;
        json j{{"TransitGatewayAttachmentId", a.id}, {"ResourceId", a.vpc_id}, {"ResourceType", "vpc"}, {"State", "associated"}};
        if (matches_filters(j, params)) out.push_back(std::move(j));
    }
    return {{"Associations", out}};
}

// TransitGatewayRouteTablePropagation: the attachments propagating to the table, in the order propagation was enabled.
json get_transit_gateway_route_table_propagations(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    const auto& table = m.transit_gateway_route_table(string_param(params, "TransitGatewayRouteTableId"));
    json out = json::array();
    for (const auto& id : table.propagating_attachment_ids) {
        const auto* a = routing::find_resource(m.transit_gateway_attachments(), id);
        if (!a) continue;
        json j{{"TransitGatewayAttachmentId", a->id}, {"ResourceId", a->vpc_id}, {"ResourceType", "vpc"}, {"State", "enabled"}};
        if (matches_filters(j, params)) out.push_back(std::move(j));
    }
    return {{"TransitGatewayRouteTablePropagations", out}};
}

// --- routes ---

// Create or replace a static route, answered with the route as the table now holds it.
using RouteChange = void (routing::VpcModel::*)(const std::string&, const std::string&, const std::string&, bool);
json change_route(const Request& params, RouterState& state, RouteChange change) {
    const std::string table = string_param(params, "TransitGatewayRouteTableId"), cidr = string_param(params, "DestinationCidrBlock");
    const std::string attachment = string_param(params, "TransitGatewayAttachmentId");
    const bool blackhole = bool_param(params, "Blackhole").value_or(false);
    return state.commit([&](routing::VpcModel& next) {
        (next.*change)(table, cidr, attachment, blackhole);
        const auto route = static_route(next, table, cidr);
        return json{{"Route", route ? tgw_route_json(next, *route) : json{{"DestinationCidrBlock", cidr}}}};
    });
}

json create_transit_gateway_route(const Request& params, RouterState& state) { return change_route(params, state, &routing::VpcModel::create_transit_gateway_route); }
json replace_transit_gateway_route(const Request& params, RouterState& state) { return change_route(params, state, &routing::VpcModel::replace_transit_gateway_route); }

json delete_transit_gateway_route(const Request& params, RouterState& state) {
    const std::string table = string_param(params, "TransitGatewayRouteTableId"), cidr = string_param(params, "DestinationCidrBlock");
    return state.commit([&](routing::VpcModel& next) {
        const auto route = static_route(next, table, cidr);
        next.delete_transit_gateway_route(table, cidr);
        return json{{"Route", route ? tgw_route_json(next, *route, "deleted")
                                    : json{{"DestinationCidrBlock", cidr}, {"Type", "static"}, {"State", "deleted"}}}};
    });
}

// A route-search.* filter's value: a CIDR, or an address (a /32).
routing::Cidr search_cidr(const std::string& text, const std::string& filter) {
    std::string why;
    const auto c = routing::Cidr::parse(text.find('/') == std::string::npos ? text + "/32" : text, &why);
    if (!c) throw ApiError("InvalidParameterValue", "Value (" + text + ") for filter " + filter + " is not a CIDR block: " + why, "Filters");
    return *c;
}

// SearchTransitGatewayRoutes: the table's routes (static, then propagated, as the model gives them) that
// every filter matches. route-search.longest-prefix-match keeps, among the routes the other filters leave,
// the one with the longest prefix holding the value.
json search_transit_gateway_routes(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    const auto filters = params.find("Filters");
    if (filters == params.end() || !filters->is_array() || filters->empty())
        throw ApiError("MissingParameter", "The request must contain the parameter Filters: SearchTransitGatewayRoutes needs at least one filter", "Filters");
    std::size_t max_results = 1000;
    if (const auto n = int_param(params, "MaxResults")) {
        if (*n < 5 || *n > 1000)
            throw ApiError("InvalidParameterValue", "Value (" + std::to_string(*n) + ") for parameter MaxResults is invalid: it must be 5 to 1000", "MaxResults");
        max_results = static_cast<std::size_t>(*n);
    }
    struct CidrFilter {
        std::string name;
        std::vector<routing::Cidr> values;
    };
    std::vector<CidrFilter> cidr_filters;
    for (const auto& f : *filters) {
        const std::string& name = f.at("Name").get_ref<const std::string&>();
        if (name.rfind("route-search.", 0) != 0) continue;
        CidrFilter c{name, {}};
        for (const auto& v : f.at("Values")) c.values.push_back(search_cidr(v.get<std::string>(), name));
        cidr_filters.push_back(std::move(c));
    }
    const auto& table = m.transit_gateway_route_table(string_param(params, "TransitGatewayRouteTableId"));
    const auto routes = m.transit_gateway_routes(table);
    std::vector<json> shown;
    for (const auto& r : routes) shown.push_back(tgw_route_json(m, r));

    // The values a string filter selects from a route's JSON.
    auto values_of = [](const json& route, const std::string& name) {
        std::vector<std::string> out;
        if (name == "type" || name == "state") {
            out.push_back(route.at(name == "type" ? "Type" : "State").get<std::string>());
        } else if (name.rfind("attachment.", 0) == 0) {
            const std::string member = name == "attachment.transit-gateway-attachment-id" ? "TransitGatewayAttachmentId"
                                       : name == "attachment.resource-id"                 ? "ResourceId"
                                                                                          : "ResourceType";
            if (const auto it = route.find("TransitGatewayAttachments"); it != route.end())
                for (const auto& a : *it)
                    if (const auto v = a.find(member); v != a.end()) out.push_back(v->get<std::string>());
        }
        return out;  // tag:<key>: routes have no tags
    };
    auto matches_cidr = [](const CidrFilter& f, const routing::Cidr& d) {
        for (const auto& c : f.values) {
            if (f.name == "route-search.exact-match" && d == c) return true;
            if (f.name == "route-search.subnet-of-match" && c.contains(d)) return true;
            if (f.name == "route-search.supernet-of-match" && d.contains(c)) return true;
        }
        return false;
    };
    std::vector<std::size_t> kept;
    for (std::size_t i = 0; i < routes.size(); ++i) {
        bool ok = true;
        for (const auto& f : *filters) {
            const std::string& name = f.at("Name").get_ref<const std::string&>();
            if (name == "route-search.longest-prefix-match") continue;
            if (name.rfind("route-search.", 0) == 0) {
                for (const auto& c : cidr_filters)
                    if (c.name == name) ok = ok && matches_cidr(c, routes[i].destination);
                continue;
            }
            const auto have = values_of(shown[i], name);
            bool any = false;
            for (const auto& want : f.at("Values"))
                for (const auto& h : have) any = any || wildcard_match(want.get_ref<const std::string&>(), h);
            ok = ok && any;
        }
        if (ok) kept.push_back(i);
    }
    for (const auto& c : cidr_filters) {
        if (c.name != "route-search.longest-prefix-match") continue;
        std::vector<std::size_t> longest;  // for each value, the most specific route holding it
        for (const auto& value : c.values) {
            std::optional<std::size_t> best;
            for (const std::size_t i : kept)
                if (routes[i].destination.contains(value) && (!best || routes[i].destination.prefix_length > routes[*best].destination.prefix_length))
                    best = i;
            if (best && std::find(longest.begin(), longest.end(), *best) == longest.end()) longest.push_back(*best);
        }
        std::vector<std::size_t> narrowed;
        for (const std::size_t i : kept)
            if (std::find(longest.begin(), longest.end(), i) != longest.end()) narrowed.push_back(i);
        kept = std::move(narrowed);
    }
    json out = json::array();
    for (std::size_t n = 0; n < kept.size() && n < max_results; ++n) out.push_back(shown[kept[n]]);
    return {{"Routes", out}, {"AdditionalRoutesAvailable", kept.size() > max_results}};
}

const std::vector<ParamSpec> table_and_attachment = {{"--transit-gateway-route-table-id", "TransitGatewayRouteTableId", K::string, true},
                                                     {"--transit-gateway-attachment-id", "TransitGatewayAttachmentId", K::string, true}};
const std::vector<ParamSpec> tgw_route_params = {{"--transit-gateway-route-table-id", "TransitGatewayRouteTableId", K::string, true},
                                             {"--destination-cidr-block", "DestinationCidrBlock", K::string, true},
                                             {"--transit-gateway-attachment-id", "TransitGatewayAttachmentId", K::string, false},
                                             {"--blackhole", "Blackhole", K::boolean, false}};

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> transit_gateway_actions() {
    using namespace ec2;
    return {
        {"create-transit-gateway", "CreateTransitGateway", "create a transit gateway (with a default route table unless both defaults are off)",
         {{"--description", "Description", K::string, false},
          {"--options", "Options", K::structures, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false}},
         create_transit_gateway},
        {"describe-transit-gateways", "DescribeTransitGateways", "list transit gateways",
         {{"--transit-gateway-ids", "TransitGatewayIds", K::list, false}, {"--filters", "Filters", K::filters, false}}, describe_transit_gateways,
         {"transit-gateway-id", "state", "owner-id", "options.amazon-side-asn", "options.auto-accept-shared-attachments",
          "options.default-route-table-association", "options.default-route-table-propagation", "options.association-default-route-table-id",
          "options.propagation-default-route-table-id", "options.dns-support", "options.vpn-ecmp-support", "tag-key"}},
        {"delete-transit-gateway", "DeleteTransitGateway", "delete a transit gateway that has no attachments (its route tables go with it)",
         {{"--transit-gateway-id", "TransitGatewayId", K::string, true}}, delete_transit_gateway},
        {"create-transit-gateway-vpc-attachment", "CreateTransitGatewayVpcAttachment",
         "attach a VPC to a transit gateway through one subnet per Availability Zone",
         {{"--transit-gateway-id", "TransitGatewayId", K::string, true},
          {"--vpc-id", "VpcId", K::string, true},
          {"--subnet-ids", "SubnetIds", K::list, true},
          {"--options", "Options", K::structures, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false}},
         create_transit_gateway_vpc_attachment},
        {"describe-transit-gateway-vpc-attachments", "DescribeTransitGatewayVpcAttachments", "list VPC attachments",
         {{"--transit-gateway-attachment-ids", "TransitGatewayAttachmentIds", K::list, false}, {"--filters", "Filters", K::filters, false}},
         describe_transit_gateway_vpc_attachments, {"transit-gateway-attachment-id", "transit-gateway-id", "vpc-id", "state", "tag-key"}},
        {"modify-transit-gateway-vpc-attachment", "ModifyTransitGatewayVpcAttachment", "add or remove an attachment's subnets, change its options",
         {{"--transit-gateway-attachment-id", "TransitGatewayAttachmentId", K::string, true},
          {"--add-subnet-ids", "AddSubnetIds", K::list, false},
          {"--remove-subnet-ids", "RemoveSubnetIds", K::list, false},
          {"--options", "Options", K::structures, false}},
         modify_transit_gateway_vpc_attachment},
        {"delete-transit-gateway-vpc-attachment", "DeleteTransitGatewayVpcAttachment",
         "delete a VPC attachment (static routes to it become blackholes)",
         {{"--transit-gateway-attachment-id", "TransitGatewayAttachmentId", K::string, true}}, delete_transit_gateway_vpc_attachment},
        {"describe-transit-gateway-attachments", "DescribeTransitGatewayAttachments", "list transit gateway attachments with their associations",
         {{"--transit-gateway-attachment-ids", "TransitGatewayAttachmentIds", K::list, false}, {"--filters", "Filters", K::filters, false}},
         describe_transit_gateway_attachments,
         {"transit-gateway-attachment-id", "transit-gateway-id", "transit-gateway-owner-id", "resource-type", "resource-id", "resource-owner-id",
          "state", "association.transit-gateway-route-table-id", "association.state", "tag-key"}},
        {"create-transit-gateway-route-table", "CreateTransitGatewayRouteTable", "create a route table of a transit gateway",
         {{"--transit-gateway-id", "TransitGatewayId", K::string, true}, {"--tag-specifications", "TagSpecifications", K::structures, false}},
         create_transit_gateway_route_table},
        {"describe-transit-gateway-route-tables", "DescribeTransitGatewayRouteTables", "list transit gateway route tables",
         {{"--transit-gateway-route-table-ids", "TransitGatewayRouteTableIds", K::list, false}, {"--filters", "Filters", K::filters, false}},
         describe_transit_gateway_route_tables,
         {"transit-gateway-route-table-id", "transit-gateway-id", "state", "default-association-route-table", "default-propagation-route-table", "tag-key"}},
        {"delete-transit-gateway-route-table", "DeleteTransitGatewayRouteTable",
         "delete a transit gateway route table no attachment is associated with or propagates to",
         {{"--transit-gateway-route-table-id", "TransitGatewayRouteTableId", K::string, true}}, delete_transit_gateway_route_table},
        {"associate-transit-gateway-route-table", "AssociateTransitGatewayRouteTable",
         "route what enters the transit gateway through an attachment by a route table", table_and_attachment, associate_transit_gateway_route_table},
        {"disassociate-transit-gateway-route-table", "DisassociateTransitGatewayRouteTable",
         "remove an attachment's association (what enters through it is then dropped)", table_and_attachment,
         disassociate_transit_gateway_route_table},
        {"enable-transit-gateway-route-table-propagation", "EnableTransitGatewayRouteTablePropagation",
         "propagate an attachment's VPC CIDR into a route table", table_and_attachment, enable_transit_gateway_route_table_propagation},
        {"disable-transit-gateway-route-table-propagation", "DisableTransitGatewayRouteTablePropagation",
         "stop propagating an attachment's VPC CIDR into a route table", table_and_attachment, disable_transit_gateway_route_table_propagation},
        {"get-transit-gateway-route-table-associations", "GetTransitGatewayRouteTableAssociations", "the attachments associated with a route table",
         {{"--transit-gateway-route-table-id", "TransitGatewayRouteTableId", K::string, true}, {"--filters", "Filters", K::filters, false}},
         get_transit_gateway_route_table_associations, {"transit-gateway-attachment-id", "resource-id", "resource-type"}},
        {"get-transit-gateway-route-table-propagations", "GetTransitGatewayRouteTablePropagations", "the attachments propagating to a route table",
         {{"--transit-gateway-route-table-id", "TransitGatewayRouteTableId", K::string, true}, {"--filters", "Filters", K::filters, false}},
         get_transit_gateway_route_table_propagations, {"transit-gateway-attachment-id", "resource-id", "resource-type"}},
        {"create-transit-gateway-route", "CreateTransitGatewayRoute", "add a static route (to an attachment, or --blackhole) to a route table",
         tgw_route_params, create_transit_gateway_route},
        {"replace-transit-gateway-route", "ReplaceTransitGatewayRoute", "change a static route's attachment (or make it a blackhole)", tgw_route_params,
         replace_transit_gateway_route},
        {"delete-transit-gateway-route", "DeleteTransitGatewayRoute", "remove a static route from a route table",
         {{"--transit-gateway-route-table-id", "TransitGatewayRouteTableId", K::string, true},
          {"--destination-cidr-block", "DestinationCidrBlock", K::string, true}},
         delete_transit_gateway_route},
        {"search-transit-gateway-routes", "SearchTransitGatewayRoutes", "a route table's routes, static and propagated, that match the filters",
         {{"--transit-gateway-route-table-id", "TransitGatewayRouteTableId", K::string, true},
          {"--filters", "Filters", K::filters, true},
          {"--max-results", "MaxResults", K::string, false}},
         search_transit_gateway_routes,
         {"type", "state", "route-search.exact-match", "route-search.longest-prefix-match", "route-search.subnet-of-match",
          "route-search.supernet-of-match", "attachment.transit-gateway-attachment-id", "attachment.resource-id", "attachment.resource-type"}},
    };
}

}  // namespace vpclab::router
