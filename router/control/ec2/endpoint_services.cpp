// The endpoint service family of the EC2 API: a provider's services, their permissions and the connections of
// consumers' endpoints (EC2 API reference, "CreateVpcEndpointServiceConfiguration", "DescribeVpcEndpointService
// Configurations", "ModifyVpcEndpointServiceConfiguration", "DeleteVpcEndpointServiceConfigurations",
// "DescribeVpcEndpointServicePermissions", "ModifyVpcEndpointServicePermissions", "DescribeVpcEndpointConnections",
// "AcceptVpcEndpointConnections", "RejectVpcEndpointConnections", and the connection notification calls).
#include "router/control/ec2/family.hpp"

namespace vpclab::router::ec2 {

namespace {

std::string base_dns_name(const routing::VpcModel& m, const routing::EndpointService& s) { return s.id + "." + m.region() + ".vpce.amazonaws.com"; }

// PrivateLink Guide, "Manage DNS names for VPC endpoint services": the TXT record a provider would publish to
// prove it owns the domain. The lab takes the domain as verified (it has no public DNS to look in).
json private_dns_configuration(const routing::EndpointService& s) {
    const std::uint64_t h = routing::stable_hash(s.id + "/verification");
    char value[40];
    std::snprintf(value, sizeof value, "vpce:%016llx", static_cast<unsigned long long>(h));
    return {{"State", "verified"}, {"Type", "TXT"}, {"Value", value}, {"Name", "_" + std::to_string(h % 100000000)}};
}

json service_configuration_json(const routing::VpcModel& m, const routing::EndpointService& s) {
    json j = {{"ServiceType", json::array({{{"ServiceType", "Interface"}}})},
              {"ServiceId", s.id},
              {"ServiceName", s.service_name},
              {"ServiceState", "Available"},
              {"AvailabilityZones", m.endpoint_service_zones(s)},
              {"AcceptanceRequired", s.acceptance_required},
              {"ManagesVpcEndpoints", false},
              {"NetworkLoadBalancerArns", s.network_load_balancer_arns},
              {"GatewayLoadBalancerArns", json::array()},
              {"SupportedIpAddressTypes", json::array({"ipv4"})},
              {"BaseEndpointDnsNames", json::array({base_dns_name(m, s)})}};
    if (!s.private_dns_name.empty()) {
        j["PrivateDnsName"] = s.private_dns_name;
        j["PrivateDnsNameConfiguration"] = private_dns_configuration(s);
    }
    j["PayerResponsibility"] = "ServiceOwner";
    j["Tags"] = tags_json(m, s);
    return j;
}

// AllowedPrincipal.PrincipalType: All, Account, User or Role.
std::string principal_type(const std::string& principal) {
    if (principal == "*") return "All";
    if (principal.find(":user/") != std::string::npos) return "User";
    if (principal.find(":role/") != std::string::npos) return "Role";
    return "Account";
}

json principal_json(const routing::EndpointService& s, const routing::AllowedPrincipal& p) {
    return {{"PrincipalType", principal_type(p.principal)}, {"Principal", p.principal}, {"ServicePermissionId", p.permission_id}, {"ServiceId", s.id}};
}

json connection_json(const routing::VpcModel& m, const routing::EndpointService& s, const routing::VpcEndpoint& e) {
    return {{"ServiceId", s.id},
            {"VpcEndpointId", e.id},
            {"VpcEndpointOwner", owner_id},
            {"VpcEndpointState", e.state},
            {"CreationTimestamp", e.creation_timestamp},
            {"DnsEntries", endpoint_dns_entries(m, e)},
            {"NetworkLoadBalancerArns", s.network_load_balancer_arns},
            {"IpAddressType", "ipv4"},
            {"VpcEndpointConnectionId", m.ids().make("vpce-con", e.id)},
            {"Tags", tags_json(m, e)}};
}

std::string service_id_param(const Request& params) { return string_param(params, "ServiceId"); }

json create_service(const Request& params, RouterState& state) {
    const auto arns = list_param(params, "NetworkLoadBalancerArns");
    if (params.contains("GatewayLoadBalancerArns"))
        throw ApiError("InvalidParameter", "Gateway load balancers are not available in this lab; an endpoint service fronts network load balancers",
                       "GatewayLoadBalancerArns");
    for (const auto& t : list_param(params, "SupportedIpAddressTypes"))
        if (t != "ipv4") throw ApiError("InvalidParameter", "This lab's endpoint services are IPv4 only, not '" + t + "'", "SupportedIpAddressTypes");
    // Acceptance is required unless turned off, as the console's default is.
    const bool acceptance = bool_param(params, "AcceptanceRequired").value_or(true);
    const auto tags = tags_for(params, "vpc-endpoint-service");
    return state.commit([&](routing::VpcModel& next) {
        const auto& s = next.create_endpoint_service("", arns, acceptance, string_param(params, "PrivateDnsName"), tags, now_iso8601());
        json out = {{"ServiceConfiguration", service_configuration_json(next, s)}};
        if (params.contains("ClientToken")) out["ClientToken"] = string_param(params, "ClientToken");
        return out;
    });
}

json describe_services(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"ServiceConfigurations", describe(m.endpoint_services(), params, "ServiceIds", "InvalidVpcEndpointServiceId.NotFound", "VPC endpoint service",
                                               [&](const auto& s) { return service_configuration_json(m, s); })}};
}

json modify_service(const Request& params, RouterState& state) {
    routing::VpcModel::EndpointServiceChange change;
    change.add_load_balancers = list_param(params, "AddNetworkLoadBalancerArns");
    change.remove_load_balancers = list_param(params, "RemoveNetworkLoadBalancerArns");
    change.acceptance_required = bool_param(params, "AcceptanceRequired");
    if (params.contains("PrivateDnsName")) change.private_dns_name = string_param(params, "PrivateDnsName");
    change.remove_private_dns_name = bool_param(params, "RemovePrivateDnsName").value_or(false);
    return state.commit([&](routing::VpcModel& next) {
        next.modify_endpoint_service(service_id_param(params), change);
        return json{{"Return", true}};
    });
}

// Per service: those that cannot go are listed as Unsuccessful, the others deleted (EC2 API reference,
// "DeleteVpcEndpointServiceConfigurations").
json delete_services(const Request& params, RouterState& state) {
    return per_resource(state, list_param(params, "ServiceIds"), [](const routing::VpcModel& m, const std::string& id) { m.check_delete_endpoint_service(id); },
                        [](routing::VpcModel& next, const std::string& id) { next.delete_endpoint_service(id); });
}

json describe_permissions(const Request& params, RouterState& state) {
    const auto& s = state.model->endpoint_service(service_id_param(params));
    json out = json::array();
    for (const auto& p : s.allowed_principals) {
        json j = principal_json(s, p);
        if (matches_filters(j, params)) out.push_back(std::move(j));
    }
    return {{"AllowedPrincipals", out}};
}

json modify_permissions(const Request& params, RouterState& state) {
    const auto add = list_param(params, "AddAllowedPrincipals"), remove = list_param(params, "RemoveAllowedPrincipals");
    const std::string id = service_id_param(params);
    std::vector<std::string> had;
    for (const auto& p : state.model->endpoint_service(id).allowed_principals) had.push_back(p.principal);
    return state.commit([&](routing::VpcModel& next) {
        next.modify_endpoint_service_permissions(id, add, remove);
        json added = json::array();  // those this call added (one allowed already is not added again)
        const auto& s = next.endpoint_service(id);
        for (const auto& p : s.allowed_principals)
            if (std::find(add.begin(), add.end(), p.principal) != add.end() && std::find(had.begin(), had.end(), p.principal) == had.end())
                added.push_back(principal_json(s, p));
        return json{{"AddedPrincipals", added}, {"ReturnValue", true}};
    });
}

json describe_connections(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    json out = json::array();
    for (const auto& s : m.endpoint_services())
        for (const auto& e : m.vpc_endpoints())
            if (e.service_name == s.service_name) {
                json j = connection_json(m, s, e);
                if (matches_filters(j, params)) out.push_back(std::move(j));
            }
    return {{"VpcEndpointConnections", out}};
}

// Accept or reject each endpoint named; those that cannot be are listed as Unsuccessful.
json answer_connections(const Request& params, RouterState& state, bool accept) {
    const std::string service = service_id_param(params);
    state.model->endpoint_service(service);
    return per_resource(
        state, list_param(params, "VpcEndpointIds"),
        [&](const routing::VpcModel& m, const std::string& id) { m.check_endpoint_connection(service, id, accept); },
        [&](routing::VpcModel& next, const std::string& id) { accept ? next.accept_endpoint_connection(service, id) : next.reject_endpoint_connection(service, id); });
}
json accept_connections(const Request& params, RouterState& state) { return answer_connections(params, state, true); }
json reject_connections(const Request& params, RouterState& state) { return answer_connections(params, state, false); }

json notification_json(const routing::ConnectionNotification& n) {
    json j = {{"ConnectionNotificationId", n.id}, {"ConnectionNotificationType", "Topic"}, {"ConnectionNotificationArn", n.arn},
              {"ConnectionEvents", n.events}, {"ConnectionNotificationState", "Enabled"}};
    if (!n.service_id.empty()) j["ServiceId"] = n.service_id;
    if (!n.vpc_endpoint_id.empty()) j["VpcEndpointId"] = n.vpc_endpoint_id;
    return j;
}

json create_notification(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        const auto& n = next.create_connection_notification(string_param(params, "ServiceId"), string_param(params, "VpcEndpointId"),
                                                            string_param(params, "ConnectionNotificationArn"), list_param(params, "ConnectionEvents"));
        return json{{"ConnectionNotification", notification_json(n)}};
    });
}

json describe_notifications(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    json out = json::array();
    const std::string wanted = string_param(params, "ConnectionNotificationId");
    if (!wanted.empty() && std::none_of(m.connection_notifications().begin(), m.connection_notifications().end(),
                                        [&](const auto& n) { return n.id == wanted; }))
        throw ApiError("InvalidConnectionNotification", "The connection notification '" + wanted + "' does not exist", "ConnectionNotificationId");
    for (const auto& n : m.connection_notifications()) {
        if (!wanted.empty() && n.id != wanted) continue;
        json j = notification_json(n);
        if (matches_filters(j, params)) out.push_back(std::move(j));
    }
    return {{"ConnectionNotificationSet", out}};
}

json delete_notifications(const Request& params, RouterState& state) {
    return per_resource(
        state, list_param(params, "ConnectionNotificationIds"),
        [](const routing::VpcModel& m, const std::string& id) {
            const auto& all = m.connection_notifications();
            if (std::none_of(all.begin(), all.end(), [&](const auto& n) { return n.id == id; }))
                throw ApiError("InvalidConnectionNotification", "The connection notification '" + id + "' does not exist");
        },
        [](routing::VpcModel& next, const std::string& id) { next.delete_connection_notification(id); });
}

}  // namespace

json endpoint_service_detail_json(const routing::VpcModel& m, const routing::EndpointService& s) {
    json j = {{"ServiceName", s.service_name},
              {"ServiceId", s.id},
              {"ServiceType", json::array({{{"ServiceType", "Interface"}}})},
              {"AvailabilityZones", m.endpoint_service_zones(s)},
              {"Owner", owner_id},
              {"BaseEndpointDnsNames", json::array({base_dns_name(m, s)})}};
    if (!s.private_dns_name.empty()) {
        j["PrivateDnsName"] = s.private_dns_name;
        j["PrivateDnsNames"] = json::array({{{"PrivateDnsName", s.private_dns_name}}});
        j["PrivateDnsNameVerificationState"] = "verified";
    }
    j["VpcEndpointPolicySupported"] = false;
    j["AcceptanceRequired"] = s.acceptance_required;
    j["ManagesVpcEndpoints"] = false;
    j["PayerResponsibility"] = "ServiceOwner";
    j["Tags"] = tags_json(m, s);
    j["SupportedIpAddressTypes"] = json::array({"ipv4"});
    return j;
}

}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> endpoint_service_actions() {
    using namespace ec2;
    return {
        {"create-vpc-endpoint-service-configuration", "CreateVpcEndpointServiceConfiguration",
         "offer network load balancers to other VPCs as an endpoint service (com.amazonaws.vpce.<region>.vpce-svc-…); "
         "connections wait for acceptance unless --no-acceptance-required",
         {{"--network-load-balancer-arns", "NetworkLoadBalancerArns", K::list, true},
          {"--acceptance-required", "AcceptanceRequired", K::boolean, false},
          {"--private-dns-name", "PrivateDnsName", K::string, false},
          {"--gateway-load-balancer-arns", "GatewayLoadBalancerArns", K::list, false},
          {"--supported-ip-address-types", "SupportedIpAddressTypes", K::list, false},
          {"--client-token", "ClientToken", K::string, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false}},
         create_service},
        {"describe-vpc-endpoint-service-configurations", "DescribeVpcEndpointServiceConfigurations", "list your endpoint services",
         {{"--service-ids", "ServiceIds", K::list, false}, {"--filters", "Filters", K::filters, false}}, describe_services,
         {"service-name", "service-id", "service-state", "tag-key"}},
        {"modify-vpc-endpoint-service-configuration", "ModifyVpcEndpointServiceConfiguration",
         "change an endpoint service's load balancers, acceptance or private DNS name",
         {{"--service-id", "ServiceId", K::string, true},
          {"--acceptance-required", "AcceptanceRequired", K::boolean, false},
          {"--private-dns-name", "PrivateDnsName", K::string, false},
          {"--remove-private-dns-name", "RemovePrivateDnsName", K::boolean, false},
          {"--add-network-load-balancer-arns", "AddNetworkLoadBalancerArns", K::list, false},
          {"--remove-network-load-balancer-arns", "RemoveNetworkLoadBalancerArns", K::list, false}},
         modify_service},
        {"delete-vpc-endpoint-service-configurations", "DeleteVpcEndpointServiceConfigurations",
         "delete endpoint services (refused while an endpoint is pendingAcceptance or available)",
         {{"--service-ids", "ServiceIds", K::list, true}}, delete_services},
        {"describe-vpc-endpoint-service-permissions", "DescribeVpcEndpointServicePermissions", "list the principals allowed to connect to a service",
         {{"--service-id", "ServiceId", K::string, true}, {"--filters", "Filters", K::filters, false}}, describe_permissions,
         {"principal", "principal-type"}},
        {"modify-vpc-endpoint-service-permissions", "ModifyVpcEndpointServicePermissions",
         "allow principals ('*' or IAM ARNs) to connect to a service, or stop allowing them",
         {{"--service-id", "ServiceId", K::string, true},
          {"--add-allowed-principals", "AddAllowedPrincipals", K::list, false},
          {"--remove-allowed-principals", "RemoveAllowedPrincipals", K::list, false}},
         modify_permissions},
        {"describe-vpc-endpoint-connections", "DescribeVpcEndpointConnections", "list the endpoints connected to your services and their states",
         {{"--filters", "Filters", K::filters, false}}, describe_connections,
         {"service-id", "vpc-endpoint-id", "vpc-endpoint-owner", "vpc-endpoint-state"}},
        {"accept-vpc-endpoint-connections", "AcceptVpcEndpointConnections", "accept endpoints waiting in pendingAcceptance",
         {{"--service-id", "ServiceId", K::string, true}, {"--vpc-endpoint-ids", "VpcEndpointIds", K::list, true}}, accept_connections},
        {"reject-vpc-endpoint-connections", "RejectVpcEndpointConnections", "reject endpoints (pendingAcceptance or available): no traffic passes",
         {{"--service-id", "ServiceId", K::string, true}, {"--vpc-endpoint-ids", "VpcEndpointIds", K::list, true}}, reject_connections},
        {"create-vpc-endpoint-connection-notification", "CreateVpcEndpointConnectionNotification",
         "keep an SNS topic to notify of a service's or endpoint's connection events (kept and listed: the lab sends none)",
         {{"--service-id", "ServiceId", K::string, false},
          {"--vpc-endpoint-id", "VpcEndpointId", K::string, false},
          {"--connection-notification-arn", "ConnectionNotificationArn", K::string, true},
          {"--connection-events", "ConnectionEvents", K::list, true},
          {"--client-token", "ClientToken", K::string, false}},
         create_notification},
        {"describe-vpc-endpoint-connection-notifications", "DescribeVpcEndpointConnectionNotifications", "list connection notifications",
         {{"--connection-notification-id", "ConnectionNotificationId", K::string, false}, {"--filters", "Filters", K::filters, false}},
         describe_notifications, {"connection-notification-arn", "connection-notification-id", "service-id", "vpc-endpoint-id"}},
        {"delete-vpc-endpoint-connection-notifications", "DeleteVpcEndpointConnectionNotifications", "delete connection notifications",
         {{"--connection-notification-ids", "ConnectionNotificationIds", K::list, true}}, delete_notifications},
    };
}

}  // namespace vpclab::router
