// The VPC endpoint family of the model: gateway endpoints and their routes (VPC User Guide, "Gateway
// endpoints"; EC2 API reference, "CreateVpcEndpoint", "ModifyVpcEndpoint", "DeleteVpcEndpoints").
#include "routing/vpc_model.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

void VpcModel::check_policy_document(const std::string& policy_document) {
    // VPC User Guide, "Control access to VPC endpoints using endpoint policies": a JSON policy document of
    // at most 20,480 characters, whitespace included.
    if (policy_document.size() > 20480)
        throw ApiError("MalformedPolicyDocument", "The policy document is " + std::to_string(policy_document.size()) +
                                                      " characters long; an endpoint policy holds at most 20,480", "PolicyDocument");
    const auto parsed = nlohmann::json::parse(policy_document, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
        throw ApiError("MalformedPolicyDocument", "The policy document is not a JSON object", "PolicyDocument");
    const auto statements = parsed.find("Statement");
    if (statements == parsed.end() || !(statements->is_array() || statements->is_object()))
        throw ApiError("MalformedPolicyDocument", "The policy document has no Statement", "PolicyDocument");
}

void VpcModel::add_endpoint_route(RouteTable& table, const VpcEndpoint& endpoint) {
    Route r;
    r.destination_prefix_list_id = endpoint.prefix_list_id;
    r.target_kind = RouteTargetKind::gateway_endpoint;
    r.target_id = endpoint.id;
    r.origin = "CreateRoute";
    table.routes.push_back(std::move(r));
}

namespace {
// What every table given to a gateway endpoint must satisfy, checked before anything changes.
void check_tables_for(const VpcModel& m, const std::string& vpc_id, const std::string& prefix_list_id,
                      const std::vector<std::string>& route_table_ids, const char* parameter) {
    for (std::size_t i = 0; i < route_table_ids.size(); ++i) {
        const RouteTable& t = m.route_table(route_table_ids[i]);
        if (t.vpc_id != vpc_id)
            throw ApiError("InvalidParameter", "route table " + t.id + " is in " + t.vpc_id + ", not in the endpoint's VPC " + vpc_id, parameter);
        for (std::size_t j = 0; j < i; ++j)
            if (route_table_ids[j] == t.id) throw ApiError("InvalidParameter", "route table " + t.id + " is named twice", parameter);
        // One route per prefix list per table: a second endpoint for the same service in a table is refused.
        for (const auto& r : t.routes)
            if (r.destination_prefix_list_id == prefix_list_id)
                throw ApiError("RouteAlreadyExists", "route table " + t.id + " already has a route with destination-prefix-list-id " + prefix_list_id, parameter);
    }
}
}  // namespace

VpcEndpoint& VpcModel::create_gateway_endpoint(const std::string& logical_id, const std::string& vpc_id, const std::string& service_name,
                                               const std::vector<std::string>& route_table_ids, const std::string& policy_document,
                                               std::vector<Tag> tags, std::string creation_timestamp) {
    const Vpc& v = vpc(vpc_id);
    const ServiceOffer* service = find_service(service_name);
    if (!service && find_endpoint_service(service_name))
        throw ApiError("InvalidParameter", "Endpoint type (Gateway) does not match available service types ([Interface]).", "VpcEndpointType");
    if (!service) throw ApiError("InvalidServiceName", "The Vpc Endpoint Service '" + service_name + "' does not exist", "ServiceName");
    if (!service->gateway)
        throw ApiError("InvalidParameter", "Endpoint type (Gateway) does not match available service types ([Interface]).", "VpcEndpointType");
    check_tables_for(*this, v.id, service->prefix_list_id, route_table_ids, "RouteTableIds");
    if (!policy_document.empty()) check_policy_document(policy_document);
    const std::uint32_t slot = free_endpoint_slot();

    VpcEndpoint e;
    e.logical_id = logical_id;
    e.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    e.id = new_id("vpce", logical_id);
    e.tags = std::move(tags);
    e.vpc_id = v.id;
    e.service_name = service->service_name;
    e.prefix_list_id = service->prefix_list_id;
    e.policy_document = policy_document.empty() ? default_endpoint_policy : policy_document;
    e.route_table_ids = route_table_ids;
    e.creation_timestamp = std::move(creation_timestamp);
    e.slot = slot;
    for (const auto& id : route_table_ids) add_endpoint_route(route_table_mut(id), e);
    vpc_endpoints_.push_back(std::move(e));
    return vpc_endpoints_.back();
}

void VpcModel::modify_gateway_endpoint(const std::string& endpoint_id, const std::vector<std::string>& add_route_tables,
                                       const std::vector<std::string>& remove_route_tables,
                                       const std::optional<std::string>& policy_document, bool reset_policy) {
    const VpcEndpoint& e = vpc_endpoint(endpoint_id);
    if (policy_document && reset_policy)
        throw ApiError("InvalidParameterCombination", "Give --policy-document or --reset-policy, not both", "ResetPolicy");
    for (const auto& id : remove_route_tables) {
        route_table(id);
        if (std::find(e.route_table_ids.begin(), e.route_table_ids.end(), id) == e.route_table_ids.end())
            throw ApiError("InvalidParameter", "route table " + id + " is not associated with " + e.id, "RemoveRouteTableIds");
        if (std::find(add_route_tables.begin(), add_route_tables.end(), id) != add_route_tables.end())
            throw ApiError("InvalidParameter", "route table " + id + " is both added and removed", "AddRouteTableIds");
    }
    check_tables_for(*this, e.vpc_id, e.prefix_list_id, add_route_tables, "AddRouteTableIds");
    if (policy_document) check_policy_document(*policy_document);

    const VpcEndpoint snapshot = e;
    for (const auto& id : remove_route_tables)
        std::erase_if(route_table_mut(id).routes, [&](const Route& r) { return r.target_id == snapshot.id; });
    for (const auto& id : add_route_tables) add_endpoint_route(route_table_mut(id), snapshot);
    VpcEndpoint& m = vpc_endpoint_mut(endpoint_id);
    for (const auto& id : remove_route_tables) std::erase(m.route_table_ids, id);
    m.route_table_ids.insert(m.route_table_ids.end(), add_route_tables.begin(), add_route_tables.end());
    if (policy_document) m.policy_document = *policy_document;
    if (reset_policy) m.policy_document = default_endpoint_policy;
}

std::uint32_t VpcModel::free_endpoint_slot() const {
    std::vector<bool> used(max_vpc_endpoints);
    for (const auto& e : vpc_endpoints_) used[e.slot] = true;
    const auto free = std::find(used.begin(), used.end(), false);
    if (free == used.end())
        throw ApiError("VpcEndpointLimitExceeded", "A lab holds at most " + std::to_string(max_vpc_endpoints) + " VPC endpoints", "VpcId");
    return static_cast<std::uint32_t>(free - used.begin());
}

void VpcModel::delete_vpc_endpoint(const std::string& endpoint_id) {
    const VpcEndpoint& e = vpc_endpoint(endpoint_id);
    const std::string id = e.id;
    const std::vector<std::string> interfaces = e.network_interface_ids;
    std::erase_if(network_interfaces_, [&](const NetworkInterface& x) {
        return std::find(interfaces.begin(), interfaces.end(), x.id) != interfaces.end();
    });
    for (auto& t : route_tables_) std::erase_if(t.routes, [&](const Route& r) { return r.target_id == id; });
    std::erase_if(connection_notifications_, [&](const ConnectionNotification& n) { return n.vpc_endpoint_id == id; });
    std::erase_if(vpc_endpoints_, [&](const VpcEndpoint& x) { return x.id == id; });
}

}  // namespace vpclab::routing
