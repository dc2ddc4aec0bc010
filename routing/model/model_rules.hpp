// Validation helpers the model's resource families share (internal to routing/).
#pragma once

#include <string>

#include "routing/api_error.hpp"
#include "routing/ipv4_cidr.hpp"
#include "routing/vpc_model.hpp"

namespace vpclab::routing {

inline Cidr parse_cidr_or_throw(const std::string& text, const char* parameter) {
    std::string why;
    auto c = Cidr::parse(text, &why);
    if (!c) throw ApiError("InvalidParameterValue", why, parameter);
    return *c;
}

// EC2's refusal to delete a resource something still uses (EC2 API reference, "Error codes": DependencyViolation).
[[noreturn]] inline void dependency_violation(const char* kind, const std::string& id, const std::string& why) {
    throw ApiError("DependencyViolation", "The " + std::string(kind) + " '" + id + "' has dependencies and cannot be deleted: " + why);
}

// An ENI AWS created for a service (an interface endpoint's, RequesterManaged) is the service's to change:
// `what` the account tried is refused, and the endpoint's own calls are the way to change it.
inline void refuse_if_requester_managed(const NetworkInterface& e, const std::string& what) {
    if (e.requester_managed())
        throw ApiError("OperationNotPermitted", "The network interface '" + e.id + "' is managed by AWS (" + e.description + "): it cannot be " + what +
                                                    "; use its service's own calls (" +
                                                    (e.interface_type == "vpc_endpoint"  ? "modify-vpc-endpoint, delete-vpc-endpoints"
                                                     : e.interface_type == "nat_gateway" ? "delete-nat-gateway"
                                                     : e.interface_type == "transit_gateway" ? "modify-transit-gateway-vpc-attachment, delete-transit-gateway-vpc-attachment"
                                                                                         : "elbv2 delete-load-balancer") + ")", "NetworkInterfaceId");
}

}  // namespace vpclab::routing
