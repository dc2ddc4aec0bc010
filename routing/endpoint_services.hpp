// Endpoint services in the model (PrivateLink Guide, "Share your services through AWS PrivateLink"): a
// provider's network load balancers offered to other VPCs, who may connect, and the notifications kept.
#pragma once

#include <string>
#include <vector>

#include "routing/resource_base.hpp"

namespace vpclab::routing {

// A principal allowed to connect (EC2 API reference, "AllowedPrincipal"): "*" or an IAM ARN.
struct AllowedPrincipal {
    std::string principal;
    std::string permission_id;  // vpce-svc-perm-…
};

// AWS::EC2::VPCEndpointConnectionNotification / CreateVpcEndpointConnectionNotification: kept and listed;
// the lab has no SNS to send to.
struct ConnectionNotification {
    std::string id;  // vpce-nfn-…
    std::string service_id, vpc_endpoint_id, arn;
    std::vector<std::string> events;  // Connect, Accept, Reject, Delete
};

// An endpoint service configuration (EC2 API reference, "ServiceConfiguration"). Its connections are the
// interface endpoints whose service name is its own: each endpoint's state is the one truth both sides see.
struct EndpointService : ResourceBase {  // id: vpce-svc-<17 hex>
    std::string service_name;             // com.amazonaws.vpce.<region>.<id>
    std::vector<std::string> network_load_balancer_arns;
    bool acceptance_required = true;      // unless turned off (the console's and the API's default)
    std::string private_dns_name;         // empty: none
    std::vector<AllowedPrincipal> allowed_principals;
    std::string creation_timestamp;
};

}  // namespace vpclab::routing
