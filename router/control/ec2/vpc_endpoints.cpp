// The VPC endpoint family of the EC2 API: gateway endpoints and the services the region offers
// (EC2 API reference, "CreateVpcEndpoint", "DescribeVpcEndpoints", "ModifyVpcEndpoint", "DeleteVpcEndpoints",
// "DescribeVpcEndpointServices").
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

namespace {
// A Route 53 hosted zone ID ("Z" and 13 upper-case letters and digits), stable for its key.
std::string hosted_zone_id(const std::string& key) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::uint64_t h = routing::stable_hash(key);
    std::string id = "Z";
    for (int i = 0; i < 13; ++i, h = h / 36 + routing::stable_hash(key, h)) id += alphabet[h % 36];
    return id;
}
}  // namespace

// DnsEntries (EC2 API reference, "VpcEndpoint"): the regional name, one per AZ, then the service's own
// name when private DNS is on.
json endpoint_dns_entries(const routing::VpcModel& m, const routing::VpcEndpoint& e) {
    json entries = json::array();
    if (!e.interface()) return entries;
    const std::string zone = hosted_zone_id(m.region() + "/vpce");
    entries.push_back({{"DnsName", routing::endpoint_regional_dns_name(e, m.region())}, {"HostedZoneId", zone}});
    for (const auto& s : e.subnet_ids)
        entries.push_back({{"DnsName", routing::endpoint_zonal_dns_name(e, m.region(), m.subnet(s).availability_zone)}, {"HostedZoneId", zone}});
    if (e.private_dns_enabled)
        if (const std::string name = m.private_dns_name_of(e); !name.empty())
            entries.push_back({{"DnsName", name}, {"HostedZoneId", hosted_zone_id(e.id + "/private")}});
    return entries;
}

json vpc_endpoint_json(const routing::VpcModel& m, const routing::VpcEndpoint& e) {
    json groups = json::array();
    for (const auto& g : e.security_group_ids) groups.push_back({{"GroupId", g}, {"GroupName", m.security_group(g).group_name}});
    json dns_options = {{"DnsRecordIpType", "ipv4"}};
    const auto* service = m.find_service(e.service_name);
    if (e.interface() && service && service->gateway) dns_options["PrivateDnsOnlyForInboundResolverEndpoint"] = e.private_dns_enabled;
    return {{"VpcEndpointId", e.id}, {"VpcEndpointType", e.endpoint_type}, {"VpcId", e.vpc_id}, {"ServiceName", e.service_name},
            {"State", e.state}, {"PolicyDocument", e.policy_document}, {"RouteTableIds", e.route_table_ids},
            {"SubnetIds", e.subnet_ids}, {"Groups", groups}, {"IpAddressType", "ipv4"},
            {"DnsOptions", dns_options}, {"PrivateDnsEnabled", e.private_dns_enabled}, {"RequesterManaged", false},
            {"NetworkInterfaceIds", e.network_interface_ids}, {"DnsEntries", endpoint_dns_entries(m, e)},
            {"CreationTimestamp", e.creation_timestamp}, {"Tags", tags_json(m, e)}, {"OwnerId", owner_id}};
}

namespace {

// The route tables a call names, IDs or Name tags.
std::vector<std::string> route_tables_named(const routing::VpcModel& m, const Request& params, const char* name) {
    std::vector<std::string> out;
    for (const auto& reference : list_param(params, name)) out.push_back(id_or_name(m.route_tables(), reference, "rtb", name));
    return out;
}

json create_vpc_endpoint(const Request& params, RouterState& state) {
    const std::string type = string_param(params, "VpcEndpointType").empty() ? "Gateway" : string_param(params, "VpcEndpointType");
    if (type != "Gateway" && type != "Interface" && type != "GatewayLoadBalancer")
        throw ApiError("InvalidParameterValue", "Value (" + type + ") for parameter VpcEndpointType is invalid: Gateway, Interface or GatewayLoadBalancer",
                       "VpcEndpointType");
    const auto& m = *state.model;
    const std::string service_name = string_param(params, "ServiceName");
    if (type == "GatewayLoadBalancer")
        throw ApiError("InvalidParameter", "GatewayLoadBalancer endpoints are not available in this lab; Gateway and Interface endpoints are", "VpcEndpointType");
    const auto tags = tags_for(params, "vpc-endpoint");
    const std::string vpc_id = id_or_name(m.vpcs(), string_param(params, "VpcId"), "vpc", "VpcId");
    if (type == "Interface") {
        if (params.contains("RouteTableIds"))
            throw ApiError("InvalidParameter", "RouteTableIds applies to Gateway endpoints; an Interface endpoint takes --subnet-ids", "RouteTableIds");
        std::vector<std::string> subnets, groups;
        for (const auto& s : list_param(params, "SubnetIds")) subnets.push_back(id_or_name(m.subnets(), s, "subnet", "SubnetIds"));
        for (const auto& g : list_param(params, "SecurityGroupIds")) groups.push_back(id_or_name(m.security_groups(), g, "sg", "SecurityGroupIds"));
        const std::optional<bool> private_dns = bool_param(params, "PrivateDnsEnabled");
        return state.commit([&](routing::VpcModel& next) {
            const auto& e = next.create_interface_endpoint("", vpc_id, service_name, subnets, groups, private_dns,
                                                           string_param(params, "PolicyDocument"), tags, now_iso8601());
            return json{{"VpcEndpoint", vpc_endpoint_json(next, e)}};
        });
    }
    for (const char* interface_only : {"SubnetIds", "SecurityGroupIds", "PrivateDnsEnabled"})
        if (params.contains(interface_only))
            throw ApiError("InvalidParameter", std::string(interface_only) + " applies to Interface endpoints; a Gateway endpoint takes --route-table-ids",
                           interface_only);
    const auto tables = route_tables_named(m, params, "RouteTableIds");
    return state.commit([&](routing::VpcModel& next) {
        const auto& e = next.create_gateway_endpoint("", vpc_id, service_name, tables, string_param(params, "PolicyDocument"), tags, now_iso8601());
        return json{{"VpcEndpoint", vpc_endpoint_json(next, e)}};
    });
}

json describe_vpc_endpoints(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"VpcEndpoints", describe(m.vpc_endpoints(), params, "VpcEndpointIds", "InvalidVpcEndpointId.NotFound", "VPC endpoint",
                                      [&](const auto& e) { return vpc_endpoint_json(m, e); })}};
}

json modify_vpc_endpoint(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    std::optional<std::string> policy;
    if (params.contains("PolicyDocument")) policy = string_param(params, "PolicyDocument");
    const bool reset = bool_param(params, "ResetPolicy").value_or(false);
    if (m.vpc_endpoint(string_param(params, "VpcEndpointId")).interface()) {
        for (const char* gateway_only : {"AddRouteTableIds", "RemoveRouteTableIds"})
            if (params.contains(gateway_only)) throw ApiError("InvalidParameter", std::string(gateway_only) + " applies to Gateway endpoints", gateway_only);
        routing::VpcModel::InterfaceEndpointChange change;
        for (const auto& s : list_param(params, "AddSubnetIds")) change.add_subnets.push_back(id_or_name(m.subnets(), s, "subnet", "AddSubnetIds"));
        for (const auto& s : list_param(params, "RemoveSubnetIds")) change.remove_subnets.push_back(id_or_name(m.subnets(), s, "subnet", "RemoveSubnetIds"));
        for (const auto& g : list_param(params, "AddSecurityGroupIds"))
            change.add_groups.push_back(id_or_name(m.security_groups(), g, "sg", "AddSecurityGroupIds"));
        for (const auto& g : list_param(params, "RemoveSecurityGroupIds"))
            change.remove_groups.push_back(id_or_name(m.security_groups(), g, "sg", "RemoveSecurityGroupIds"));
        change.private_dns = bool_param(params, "PrivateDnsEnabled");
        change.policy_document = policy;
        change.reset_policy = reset;
        return state.commit([&](routing::VpcModel& next) {
            next.modify_interface_endpoint(string_param(params, "VpcEndpointId"), change);
            return json{{"Return", true}};
        });
    }
    const auto add = route_tables_named(m, params, "AddRouteTableIds"), remove = route_tables_named(m, params, "RemoveRouteTableIds");
    for (const char* interface_only : {"AddSubnetIds", "RemoveSubnetIds", "AddSecurityGroupIds", "RemoveSecurityGroupIds", "PrivateDnsEnabled"})
        if (params.contains(interface_only))
            throw ApiError("InvalidParameter", std::string(interface_only) + " applies to Interface endpoints", interface_only);
    return state.commit([&](routing::VpcModel& next) {
        next.modify_gateway_endpoint(string_param(params, "VpcEndpointId"), add, remove, policy, reset);
        return json{{"Return", true}};
    });
}

// EC2 answers DeleteVpcEndpoints per endpoint: those it could not delete are listed as Unsuccessful, the
// others are deleted (EC2 API reference, "DeleteVpcEndpoints").
json delete_vpc_endpoints(const Request& params, RouterState& state) {
    const auto ids = list_param(params, "VpcEndpointIds");
    if (ids.empty()) throw ApiError("MissingParameter", "The request must contain the parameter VpcEndpointId", "VpcEndpointIds");
    return per_resource(state, ids, [](const routing::VpcModel& m, const std::string& id) { m.vpc_endpoint(id); },
                        [](routing::VpcModel& next, const std::string& id) { next.delete_vpc_endpoint(id); });
}

json service_detail_json(const RouterState& state, const endpoints::RegionService& svc) {
    const std::string region = state.model->region();
    json zones = json::array();
    for (const char* az : {"a", "b", "c", "d"}) zones.push_back(region + az);
    const bool gateway = svc.endpoint_type == endpoints::EndpointType::gateway;
    json j = {{"ServiceName", svc.service_name}, {"ServiceId", state.model->ids().make("vpce-svc", svc.service_name)},
              {"ServiceType", gateway ? json::array({{{"ServiceType", "Gateway"}}, {{"ServiceType", "Interface"}}})
                                      : json::array({{{"ServiceType", "Interface"}}})},
              {"AvailabilityZones", zones},
              {"Owner", "amazon"}, {"BaseEndpointDnsNames", json::array({svc.short_name + "." + region + ".vpce.amazonaws.com"})}};
    j["PrivateDnsName"] = svc.dns_name;  // what private DNS of an interface endpoint to it answers for
    j["VpcEndpointPolicySupported"] = true;
    j["AcceptanceRequired"] = false;
    j["ManagesVpcEndpoints"] = false;
    j["Tags"] = json::array();
    j["SupportedIpAddressTypes"] = json::array({"ipv4"});
    return j;
}

// The region's services, then the lab's endpoint services (the account owns them all, so may see them).
json describe_vpc_endpoint_services(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    const auto& services = state.catalog->services();
    auto wanted = list_param(params, "ServiceNames");
    Request aws_params = params, own_params = params;
    std::vector<std::string> aws_names, own_names;
    for (const auto& name : wanted) (m.find_endpoint_service(name) ? own_names : aws_names).push_back(name);
    aws_params["ServiceNames"] = aws_names;
    own_params["ServiceNames"] = own_names;
    json details = json::array();
    if (wanted.empty() || !aws_names.empty())
        details = describe_by(services, aws_params, "ServiceNames", "InvalidServiceName", "service", [](const auto& svc) { return svc.service_name; },
                              [&](const auto& svc) { return service_detail_json(state, svc); });
    if (wanted.empty() || !own_names.empty())
        for (auto& d : describe_by(m.endpoint_services(), own_params, "ServiceNames", "InvalidServiceName", "service",
                                   [](const auto& s) { return s.service_name; }, [&](const auto& s) { return endpoint_service_detail_json(m, s); }))
            details.push_back(std::move(d));
    json names = json::array();
    for (const auto& d : details) names.push_back(d["ServiceName"]);
    return {{"ServiceNames", names}, {"ServiceDetails", details}};
}

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> vpc_endpoint_actions() {
    using namespace ec2;
    return {
        {"create-vpc-endpoint", "CreateVpcEndpoint",
         "create a gateway endpoint (S3, DynamoDB: a route to the service's prefix list in each table) or an interface "
         "endpoint (--vpc-endpoint-type Interface: an ENI in each subnet, private DNS for the service's name)",
         {{"--vpc-id", "VpcId", K::string, true},
          {"--service-name", "ServiceName", K::string, true},
          {"--vpc-endpoint-type", "VpcEndpointType", K::string, false},
          {"--route-table-ids", "RouteTableIds", K::list, false},
          {"--policy-document", "PolicyDocument", K::string, false},
          {"--subnet-ids", "SubnetIds", K::list, false},
          {"--security-group-ids", "SecurityGroupIds", K::list, false},
          {"--private-dns-enabled", "PrivateDnsEnabled", K::boolean, false},
          {"--client-token", "ClientToken", K::string, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false}},
         create_vpc_endpoint},
        {"describe-vpc-endpoints", "DescribeVpcEndpoints", "list VPC endpoints with their route tables and policy",
         {{"--vpc-endpoint-ids", "VpcEndpointIds", K::list, false}, {"--filters", "Filters", K::filters, false}}, describe_vpc_endpoints,
         {"service-name", "vpc-id", "vpc-endpoint-id", "vpc-endpoint-type", "vpc-endpoint-state", "tag-key"}},
        {"modify-vpc-endpoint", "ModifyVpcEndpoint",
         "add or remove a gateway endpoint's route tables, an interface endpoint's subnets or groups, private DNS, the policy",
         {{"--vpc-endpoint-id", "VpcEndpointId", K::string, true},
          {"--add-route-table-ids", "AddRouteTableIds", K::list, false},
          {"--remove-route-table-ids", "RemoveRouteTableIds", K::list, false},
          {"--policy-document", "PolicyDocument", K::string, false},
          {"--reset-policy", "ResetPolicy", K::boolean, false},
          {"--add-subnet-ids", "AddSubnetIds", K::list, false},
          {"--remove-subnet-ids", "RemoveSubnetIds", K::list, false},
          {"--add-security-group-ids", "AddSecurityGroupIds", K::list, false},
          {"--remove-security-group-ids", "RemoveSecurityGroupIds", K::list, false},
          {"--private-dns-enabled", "PrivateDnsEnabled", K::boolean, false}},
         modify_vpc_endpoint},
        {"delete-vpc-endpoints", "DeleteVpcEndpoints", "delete VPC endpoints (their routes or network interfaces go with them)",
         {{"--vpc-endpoint-ids", "VpcEndpointIds", K::list, true}}, delete_vpc_endpoints},
        {"describe-vpc-endpoint-services", "DescribeVpcEndpointServices", "list the services the region offers and the endpoint type each takes",
         {{"--service-names", "ServiceNames", K::list, false}, {"--filters", "Filters", K::filters, false}}, describe_vpc_endpoint_services,
         {"service-name", "service-type"}},
    };
}

}  // namespace vpclab::router
