// Endpoint services in the model (PrivateLink Guide, "Share your services through AWS PrivateLink", "Configure
// an endpoint service"; EC2 API reference, "CreateVpcEndpointServiceConfiguration", "ModifyVpcEndpointService
// Configuration", "DeleteVpcEndpointServiceConfigurations", "ModifyVpcEndpointServicePermissions",
// "AcceptVpcEndpointConnections", "RejectVpcEndpointConnections").
#include "routing/vpc_model.hpp"

#include <algorithm>
#include <cctype>

namespace vpclab::routing {

namespace {

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// PrivateLink Guide, "Manage DNS names for VPC endpoint services": a domain name of labels of letters,
// digits and hyphens, at most 255 characters, kept in lower case (DNS names compare without case, RFC 4343).
// AWS also takes a wildcard first label ("*.example.com"); the lab's resolver answers exact names only, so
// it refuses one rather than show a name nothing answers. A name under amazonaws.com is AWS's own.
std::string checked_private_dns_name(std::string name) {
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto refuse = [&](const std::string& why) {
        throw ApiError("InvalidParameter", "The private DNS name '" + name + "' is not valid: " + why, "PrivateDnsName");
    };
    if (name.empty() || name.size() > 255) refuse("it must be 1 to 255 characters long");
    std::size_t start = 0;
    int labels = 0;
    while (start <= name.size()) {
        const std::size_t dot = std::min(name.find('.', start), name.size());
        const std::string label = name.substr(start, dot - start);
        if (label.empty() || label.size() > 63) refuse("each label has 1 to 63 characters");
        if (label == "*") refuse("wildcard names are not answered by this lab's resolver; give the exact name");
        for (char c : label)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') refuse("a label has letters, digits and hyphens only");
        if (label.front() == '-' || label.back() == '-') refuse("a label does not begin or end with a hyphen");
        ++labels;
        start = dot + 1;
    }
    if (labels < 2) refuse("it needs a domain (example.com)");
    if (name == "amazonaws.com" || (name.size() > 14 && name.compare(name.size() - 14, 14, ".amazonaws.com") == 0))
        refuse("amazonaws.com is AWS's domain, not one a provider can verify");
    return name;
}

// "*" or an IAM principal's ARN; the API refuses ARNs with paths ("Principal ARNs with path components aren't
// supported", EC2 API reference, "ModifyVpcEndpointServicePermissions").
void check_principal(const std::string& principal) {
    if (principal == "*") return;
    const std::string prefix = "arn:aws:iam::";
    bool ok = principal.rfind(prefix, 0) == 0 && principal.size() > prefix.size() + 13 && principal[prefix.size() + 12] == ':';
    if (ok)
        for (std::size_t i = prefix.size(); i < prefix.size() + 12; ++i) ok = ok && std::isdigit(static_cast<unsigned char>(principal[i]));
    if (ok) {
        const std::string resource = principal.substr(prefix.size() + 13);
        const auto slash = resource.find('/');
        ok = resource == "root" || ((resource.rfind("user/", 0) == 0 || resource.rfind("role/", 0) == 0) && slash + 1 < resource.size() &&
                                    resource.find('/', slash + 1) == std::string::npos);
    }
    if (!ok)
        throw ApiError("InvalidPrincipal", "Invalid principal '" + principal +
                                               "': give '*' or an IAM ARN without a path (arn:aws:iam::" + std::string(lab_account_id) + ":root, …:user/name, …:role/name)",
                       "AddAllowedPrincipals");
}

bool connected(const VpcEndpoint& e) { return e.state == "pendingAcceptance" || e.state == "available"; }

}  // namespace

#define VPCLAB_SERVICE_ID_CHECK(id)                                                                                        \
    if ((id).rfind("vpce-svc-", 0) != 0)                                                                                  \
        throw ApiError("InvalidVpcEndpointServiceId.Malformed", "Invalid id: \"" + (id) + "\" (expecting \"vpce-svc-...\")", "ServiceId");

const EndpointService& VpcModel::endpoint_service(const std::string& service_id) const {
    for (const auto& s : endpoint_services_)
        if (s.id == service_id) return s;
    VPCLAB_SERVICE_ID_CHECK(service_id)
    throw ApiError("InvalidVpcEndpointServiceId.NotFound", "The Vpc Endpoint Service Id '" + service_id + "' does not exist", "ServiceId");
}
#undef VPCLAB_SERVICE_ID_CHECK

EndpointService& VpcModel::endpoint_service_mut(const std::string& service_id) {
    return const_cast<EndpointService&>(endpoint_service(service_id));
}

const EndpointService* VpcModel::find_endpoint_service(const std::string& service_name) const {
    for (const auto& s : endpoint_services_)
        if (s.service_name == service_name) return &s;
    return nullptr;
}

const EndpointService* VpcModel::endpoint_service_of(const std::string& load_balancer_arn) const {
    for (const auto& s : endpoint_services_)
        if (has(s.network_load_balancer_arns, load_balancer_arn)) return &s;
    return nullptr;
}

std::vector<std::string> VpcModel::endpoint_service_zones(const EndpointService& service) const {
    std::vector<std::string> zones;
    for (const auto& arn : service.network_load_balancer_arns)
        for (const auto& s : load_balancer(arn).subnet_ids)
            if (!has(zones, subnet(s).availability_zone)) zones.push_back(subnet(s).availability_zone);
    std::sort(zones.begin(), zones.end());
    return zones;
}

namespace {
// Each load balancer given to a service: a network load balancer that no other service has.
void check_service_load_balancers(const VpcModel& m, const std::string& service_id, const std::vector<std::string>& arns, const char* parameter) {
    for (std::size_t i = 0; i < arns.size(); ++i) {
        const LoadBalancer& lb = m.load_balancer(arns[i]);
        if (lb.type != "network")
            throw ApiError("InvalidParameter", "Load balancer " + lb.name + " is not a network load balancer; an endpoint service fronts network load balancers",
                           parameter);
        if (std::find(arns.begin(), arns.begin() + static_cast<std::ptrdiff_t>(i), arns[i]) != arns.begin() + static_cast<std::ptrdiff_t>(i))
            throw ApiError("InvalidParameter", "Load balancer " + arns[i] + " is named twice", parameter);
        if (const EndpointService* other = m.endpoint_service_of(arns[i]); other && other->id != service_id)
            throw ApiError("InvalidParameter", "Load balancer " + arns[i] + " is already associated with the endpoint service " + other->id, parameter);
    }
}
}  // namespace

EndpointService& VpcModel::create_endpoint_service(const std::string& logical_id, const std::vector<std::string>& load_balancer_arns,
                                                   bool acceptance_required, const std::string& private_dns_name, std::vector<Tag> tags,
                                                   std::string creation_timestamp) {
    if (load_balancer_arns.empty())
        throw ApiError("InvalidParameter", "An endpoint service needs at least one network load balancer",
                       "NetworkLoadBalancerArns");
    check_service_load_balancers(*this, "", load_balancer_arns, "NetworkLoadBalancerArns");
    const std::string dns_name = private_dns_name.empty() ? "" : checked_private_dns_name(private_dns_name);
    EndpointService s;
    s.id = new_id("vpce-svc", logical_id);
    s.logical_id = logical_id;
    s.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    s.tags = std::move(tags);
    s.service_name = "com.amazonaws.vpce." + region_ + "." + s.id;
    s.network_load_balancer_arns = load_balancer_arns;
    s.acceptance_required = acceptance_required;
    s.private_dns_name = dns_name;
    s.creation_timestamp = std::move(creation_timestamp);
    endpoint_services_.push_back(std::move(s));
    return endpoint_services_.back();
}

void VpcModel::modify_endpoint_service(const std::string& service_id, const EndpointServiceChange& change) {
    const EndpointService& s = endpoint_service(service_id);
    for (const auto& arn : change.remove_load_balancers)
        if (!has(s.network_load_balancer_arns, arn))
            throw ApiError("InvalidParameter", "Load balancer " + arn + " is not one of " + s.id + "'s", "RemoveNetworkLoadBalancerArns");
    std::vector<std::string> arns;
    for (const auto& arn : s.network_load_balancer_arns)
        if (!has(change.remove_load_balancers, arn)) arns.push_back(arn);
    for (const auto& arn : change.add_load_balancers) {
        if (has(arns, arn)) throw ApiError("InvalidParameter", "Load balancer " + arn + " is already one of " + s.id + "'s", "AddNetworkLoadBalancerArns");
        arns.push_back(arn);
    }
    check_service_load_balancers(*this, s.id, arns, "AddNetworkLoadBalancerArns");
    if (arns.empty()) throw ApiError("InvalidParameter", "An endpoint service keeps at least one network load balancer", "RemoveNetworkLoadBalancerArns");
    if (change.private_dns_name && change.remove_private_dns_name)
        throw ApiError("InvalidParameterCombination", "Give --private-dns-name or --remove-private-dns-name, not both", "RemovePrivateDnsName");
    const std::string dns_name = change.private_dns_name ? checked_private_dns_name(*change.private_dns_name) : "";
    // PrivateLink Guide, "Subnets and Availability Zones": the load balancers left must still cover every
    // zone a connected endpoint has a subnet in.
    EndpointService trial = s;
    trial.network_load_balancer_arns = arns;
    const auto zones = endpoint_service_zones(trial);
    for (const auto& e : vpc_endpoints_)
        if (e.service_name == s.service_name && connected(e))
            for (const auto& sub : e.subnet_ids)
                if (!has(zones, subnet(sub).availability_zone))
                    throw ApiError("InvalidParameter", "The endpoint " + e.id + " has a subnet in " + subnet(sub).availability_zone +
                                                           ", where no load balancer of " + s.id + " would be left",
                                   "RemoveNetworkLoadBalancerArns");

    EndpointService& m = endpoint_service_mut(service_id);
    m.network_load_balancer_arns = arns;
    if (change.acceptance_required) m.acceptance_required = *change.acceptance_required;
    if (change.private_dns_name) m.private_dns_name = dns_name;
    if (change.remove_private_dns_name) m.private_dns_name.clear();
}

void VpcModel::check_delete_endpoint_service(const std::string& service_id) const {
    const EndpointService& s = endpoint_service(service_id);
    // PrivateLink Guide, "Delete an endpoint service": endpoints still connected (pending acceptance or
    // available) must be rejected or deleted first.
    for (const auto& e : vpc_endpoints_)
        if (e.service_name == s.service_name && connected(e))
            throw ApiError("ExistingVpcEndpointConnections", "Service has existing active VPC Endpoint connections: " + e.id + " is " + e.state +
                                                                 " (reject it with reject-vpc-endpoint-connections, or delete it, first)",
                           "ServiceIds");
}

void VpcModel::delete_endpoint_service(const std::string& service_id) {
    check_delete_endpoint_service(service_id);
    const std::string id = endpoint_service(service_id).id;
    std::erase_if(connection_notifications_, [&](const ConnectionNotification& n) { return n.service_id == id; });
    std::erase_if(endpoint_services_, [&](const EndpointService& x) { return x.id == id; });
}

void VpcModel::modify_endpoint_service_permissions(const std::string& service_id, const std::vector<std::string>& add,
                                                   const std::vector<std::string>& remove) {
    const EndpointService& s = endpoint_service(service_id);
    for (const auto& p : add) check_principal(p);
    for (const auto& p : remove)
        if (std::none_of(s.allowed_principals.begin(), s.allowed_principals.end(), [&](const AllowedPrincipal& a) { return a.principal == p; }))
            throw ApiError("InvalidPrincipal", "The principal '" + p + "' is not allowed on " + s.id + ", so it cannot be removed", "RemoveAllowedPrincipals");
    EndpointService& m = endpoint_service_mut(service_id);
    std::erase_if(m.allowed_principals, [&](const AllowedPrincipal& a) { return has(remove, a.principal); });
    for (const auto& p : add)
        if (std::none_of(m.allowed_principals.begin(), m.allowed_principals.end(), [&](const AllowedPrincipal& a) { return a.principal == p; }))
            m.allowed_principals.push_back({p, ids_.make("vpce-svc-perm", m.id + "/" + p)});
}

void VpcModel::check_endpoint_connection(const std::string& service_id, const std::string& endpoint_id, bool accept) const {
    const EndpointService& s = endpoint_service(service_id);
    const VpcEndpoint& e = vpc_endpoint(endpoint_id);
    if (e.service_name != s.service_name)
        throw ApiError("InvalidVpcEndpointId.NotFound", "The VPC endpoint " + e.id + " is not connected to the service " + s.id, "VpcEndpointIds");
    if (accept && e.state != "pendingAcceptance")
        throw ApiError("InvalidState", "The VPC endpoint " + e.id + " is " + e.state + ", not pendingAcceptance", "VpcEndpointIds");
    if (!accept && !connected(e))
        throw ApiError("InvalidState", "The VPC endpoint " + e.id + " is " + e.state + ": only a pendingAcceptance or available endpoint can be rejected",
                       "VpcEndpointIds");
}

void VpcModel::accept_endpoint_connection(const std::string& service_id, const std::string& endpoint_id) {
    check_endpoint_connection(service_id, endpoint_id, true);
    vpc_endpoint_mut(endpoint_id).state = "available";
}

void VpcModel::reject_endpoint_connection(const std::string& service_id, const std::string& endpoint_id) {
    check_endpoint_connection(service_id, endpoint_id, false);
    vpc_endpoint_mut(endpoint_id).state = "rejected";
}

ConnectionNotification& VpcModel::create_connection_notification(const std::string& service_id, const std::string& endpoint_id,
                                                                 const std::string& arn, std::vector<std::string> events) {
    if (service_id.empty() == endpoint_id.empty())
        throw ApiError("InvalidParameter", "Give exactly one of a service ID and a VPC endpoint ID for a connection notification", "ServiceId");
    if (!service_id.empty()) endpoint_service(service_id);
    if (!endpoint_id.empty()) vpc_endpoint(endpoint_id);
    if (arn.rfind("arn:aws:sns:", 0) != 0)
        throw ApiError("InvalidParameter", "The connection notification ARN '" + arn + "' is not an SNS topic ARN (arn:aws:sns:…)", "ConnectionNotificationArn");
    if (events.empty()) throw ApiError("InvalidParameter", "A connection notification needs at least one event", "ConnectionEvents");
    for (const auto& ev : events)
        if (ev != "Accept" && ev != "Connect" && ev != "Delete" && ev != "Reject")
            throw ApiError("InvalidParameter", "Connection event '" + ev + "' is not one of Accept, Connect, Delete, Reject", "ConnectionEvents");
    ConnectionNotification n;
    n.id = ids_.next("vpce-nfn");
    n.service_id = service_id;
    n.vpc_endpoint_id = endpoint_id;
    n.arn = arn;
    n.events = std::move(events);
    connection_notifications_.push_back(std::move(n));
    return connection_notifications_.back();
}

void VpcModel::delete_connection_notification(const std::string& notification_id) {
    if (std::erase_if(connection_notifications_, [&](const ConnectionNotification& n) { return n.id == notification_id; }) == 0)
        throw ApiError("InvalidConnectionNotification", "The connection notification '" + notification_id + "' does not exist", "ConnectionNotificationIds");
}

void VpcModel::check_endpoint_to_service(const EndpointService& service, const std::vector<std::string>& subnet_ids,
                                         const std::string& policy_document, bool private_dns) const {
    // PrivateLink Guide, "Subnets and Availability Zones": an endpoint's subnets must be in zones where the
    // service's load balancers have nodes.
    const auto zones = endpoint_service_zones(service);
    for (const auto& id : subnet_ids)
        if (!has(zones, subnet(id).availability_zone))
            throw ApiError("InvalidParameter", "The VPC endpoint service " + service.service_name + " does not support the availability zone of the subnet: " +
                                                   id + " (" + subnet(id).availability_zone + "); it is offered in the zones of its load balancers",
                           "SubnetIds");
    // DescribeVpcEndpointServices shows VpcEndpointPolicySupported false for an endpoint service.
    if (!policy_document.empty())
        throw ApiError("InvalidParameter", "The VPC endpoint service " + service.service_name + " does not support VPC endpoint policies", "PolicyDocument");
    if (private_dns && service.private_dns_name.empty())
        throw ApiError("InvalidParameter", "Private DNS can't be enabled because the service " + service.service_name + " does not provide a private DNS name.",
                       "PrivateDnsEnabled");
}

}  // namespace vpclab::routing
