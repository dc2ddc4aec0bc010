// The VPC endpoint family of the EC2 API: gateway endpoints and the services the region offers
// (EC2 API reference, "CreateVpcEndpoint", "DescribeVpcEndpoints", "ModifyVpcEndpoint", "DeleteVpcEndpoints",
// "DescribeVpcEndpointServices").
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

json vpc_endpoint_json(const routing::VpcModel& m, const routing::VpcEndpoint& e) {
    return {{"VpcEndpointId", e.id}, {"VpcEndpointType", e.endpoint_type}, {"VpcId", e.vpc_id}, {"ServiceName", e.service_name},
            {"State", "available"}, {"PolicyDocument", e.policy_document}, {"RouteTableIds", e.route_table_ids},
            {"SubnetIds", json::array()}, {"Groups", json::array()}, {"IpAddressType", "ipv4"},
            {"DnsOptions", {{"DnsRecordIpType", "ipv4"}}}, {"PrivateDnsEnabled", false}, {"RequesterManaged", false},
            {"NetworkInterfaceIds", json::array()}, {"DnsEntries", json::array()}, {"CreationTimestamp", e.creation_timestamp},
            {"Tags", tags_json(m, e)}, {"OwnerId", owner_id}};
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
    // Gateway: the model checks the service. Other types are not served yet; a gateway service still
    // gets AWS's type mismatch.
    if (type != "Gateway") {
        const routing::ServiceOffer* service = m.find_service(service_name);
        if (service && service->gateway)
            throw ApiError("InvalidParameter", "Endpoint type (" + type + ") does not match available service types ([Gateway]).", "VpcEndpointType");
        throw ApiError("InvalidParameter", type + " endpoints are not available in this lab yet; Gateway endpoints are (S3, DynamoDB)", "VpcEndpointType");
    }
    for (const char* interface_only : {"SubnetIds", "SecurityGroupIds", "PrivateDnsEnabled"})
        if (params.contains(interface_only))
            throw ApiError("InvalidParameter", std::string(interface_only) + " applies to Interface endpoints; a Gateway endpoint takes --route-table-ids",
                           interface_only);
    const auto tags = tags_for(params, "vpc-endpoint");
    const std::string vpc_id = id_or_name(m.vpcs(), string_param(params, "VpcId"), "vpc", "VpcId");
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
    const auto add = route_tables_named(m, params, "AddRouteTableIds"), remove = route_tables_named(m, params, "RemoveRouteTableIds");
    for (const char* interface_only : {"AddSubnetIds", "RemoveSubnetIds", "AddSecurityGroupIds", "RemoveSecurityGroupIds", "PrivateDnsEnabled"})
        if (params.contains(interface_only))
            throw ApiError("InvalidParameter", std::string(interface_only) + " applies to Interface endpoints", interface_only);
    std::optional<std::string> policy;
    if (params.contains("PolicyDocument")) policy = string_param(params, "PolicyDocument");
    const bool reset = bool_param(params, "ResetPolicy").value_or(false);
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
    json unsuccessful = json::array();
    std::vector<std::string> deletable;
    for (const auto& id : ids) {
        try {
            state.model->vpc_endpoint(id);
            if (std::find(deletable.begin(), deletable.end(), id) == deletable.end()) deletable.push_back(id);
        } catch (const ApiError& e) {
            unsuccessful.push_back({{"Error", {{"Code", e.code()}, {"Message", e.what()}}}, {"ResourceId", id}});
        }
    }
    if (!deletable.empty())
        state.commit([&](routing::VpcModel& next) {
            for (const auto& id : deletable) next.delete_vpc_endpoint(id);
            return 0;
        });
    return {{"Unsuccessful", unsuccessful}};
}

json service_detail_json(const RouterState& state, const endpoints::RegionService& svc) {
    const std::string region = state.model->region();
    json zones = json::array();
    for (const char* az : {"a", "b", "c", "d"}) zones.push_back(region + az);
    const bool gateway = svc.endpoint_type == endpoints::EndpointType::gateway;
    json j = {{"ServiceName", svc.service_name}, {"ServiceId", state.model->ids().make("vpce-svc", svc.service_name)},
              {"ServiceType", json::array({{{"ServiceType", gateway ? "Gateway" : "Interface"}}})}, {"AvailabilityZones", zones},
              {"Owner", "amazon"}, {"BaseEndpointDnsNames", json::array({svc.short_name + "." + region + ".vpce.amazonaws.com"})}};
    if (!gateway) j["PrivateDnsName"] = svc.dns_name;
    j["VpcEndpointPolicySupported"] = true;
    j["AcceptanceRequired"] = false;
    j["ManagesVpcEndpoints"] = false;
    j["Tags"] = json::array();
    j["SupportedIpAddressTypes"] = json::array({"ipv4"});
    return j;
}

json describe_vpc_endpoint_services(const Request& params, RouterState& state) {
    const auto& services = state.catalog->services();
    const json details = describe_by(services, params, "ServiceNames", "InvalidServiceName", "service",
                                     [](const auto& svc) { return svc.service_name; },
                                     [&](const auto& svc) { return service_detail_json(state, svc); });
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
         "create a gateway endpoint to S3 or DynamoDB: a route to the service's prefix list in each table",
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
        {"modify-vpc-endpoint", "ModifyVpcEndpoint", "add or remove a gateway endpoint's route tables, or change its policy",
         {{"--vpc-endpoint-id", "VpcEndpointId", K::string, true},
          {"--add-route-table-ids", "AddRouteTableIds", K::list, false},
          {"--remove-route-table-ids", "RemoveRouteTableIds", K::list, false},
          {"--policy-document", "PolicyDocument", K::string, false},
          {"--reset-policy", "ResetPolicy", K::boolean, false},
          {"--add-subnet-ids", "AddSubnetIds", K::list, false},
          {"--remove-subnet-ids", "RemoveSubnetIds", K::list, false},
          {"--private-dns-enabled", "PrivateDnsEnabled", K::boolean, false}},
         modify_vpc_endpoint},
        {"delete-vpc-endpoints", "DeleteVpcEndpoints", "delete VPC endpoints (their routes go with them)",
         {{"--vpc-endpoint-ids", "VpcEndpointIds", K::list, true}}, delete_vpc_endpoints},
        {"describe-vpc-endpoint-services", "DescribeVpcEndpointServices", "list the services the region offers and the endpoint type each takes",
         {{"--service-names", "ServiceNames", K::list, false}, {"--filters", "Filters", K::filters, false}}, describe_vpc_endpoint_services,
         {"service-name", "service-type"}},
    };
}

}  // namespace vpclab::router
