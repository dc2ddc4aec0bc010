// AWS::EC2::VPCEndpointService, VPCEndpointServicePermissions and VPCEndpointConnectionNotification
// (CloudFormation User Guide, "AWS::EC2::VPCEndpointService*"), through the same model calls as `vpclab ec2`.
#include "router/template/resource_handlers.hpp"

#include "router/control/ec2/family.hpp"

namespace vpclab::cfn {

namespace {

void create_endpoint_service(ResourceContext& c) {
    auto& props = c.props;
    if (!props.strings("GatewayLoadBalancerArns").empty())
        props.fail("GatewayLoadBalancerArns", "Gateway load balancers are not available in this lab; an endpoint service fronts network load balancers");
    for (const auto& t : props.strings("SupportedIpAddressTypes"))
        if (t != "ipv4") props.fail("SupportedIpAddressTypes", "this lab's endpoint services are IPv4 only, not '" + t + "'");
    // An omitted AcceptanceRequired requires acceptance, as the API's (and the console's) default does.
    const auto& s = c.model.create_endpoint_service(c.resource.logical_id, props.strings("NetworkLoadBalancerArns"),
                                                    props.boolean("AcceptanceRequired").value_or(true), "", props.tags(), router::ec2::now_iso8601());
    // Ref and Fn::GetAtt ServiceId are the service's ID (AWS::EC2::VPCEndpointService, "Return values").
    c.set_ref(s.id);
    c.set_att("ServiceId", s.id);
}

void create_service_permissions(ResourceContext& c) {
    auto& props = c.props;
    const std::string service = props.string("ServiceId", true);
    const auto principals = props.strings("AllowedPrincipals");
    std::string kept;
    for (const auto& p : principals) kept += (kept.empty() ? "" : "\n") + p;
    c.keep_for_deletion("AllowedPrincipals", kept);
    try {
        c.model.modify_endpoint_service_permissions(service, principals, {});
    } catch (const routing::ApiError& e) {
        if (e.code() != "InvalidPrincipal") throw;
        props.fail("AllowedPrincipals", std::string(e.what()) + " (InvalidPrincipal)");  // the API names its own parameter
    }
    c.set_ref(service);
}

void create_connection_notification(ResourceContext& c) {
    auto& props = c.props;
    const auto& n = c.model.create_connection_notification(props.string("ServiceId", false), props.string("VPCEndpointId", false),
                                                           props.string("ConnectionNotificationArn", true), props.strings("ConnectionEvents"));
    c.set_ref(n.id);
    c.set_att("VPCEndpointConnectionNotificationId", n.id);
}

}  // namespace

std::vector<ResourceType> endpoint_service_resource_types() {
    return {{"AWS::EC2::VPCEndpointService", create_endpoint_service, {"ContributorInsightsEnabled", "PayerResponsibility", "SupportedRegions"}},
            {"AWS::EC2::VPCEndpointServicePermissions", create_service_permissions},
            {"AWS::EC2::VPCEndpointConnectionNotification", create_connection_notification}};
}

}  // namespace vpclab::cfn
