// What every EC2 resource family's file shares: reading parameters, the describe pattern, tags, and the JSON
// shapes one family's reply borrows from another's (an instance shows its ENIs).
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "router/control/describe_filters.hpp"
#include "router/control/ec2_actions.hpp"
#include "router/router_state.hpp"
#include "routing/api_error.hpp"
#include "routing/aws_account.hpp"
#include "routing/vpc_model.hpp"

namespace vpclab::router::ec2 {

// Replies keep the member order of the EC2 API's shapes; requests are read as parsed, never copied.
using json = nlohmann::ordered_json;
using Request = nlohmann::json;
using routing::ApiError;
using K = ParamSpec::Kind;

constexpr const char* owner_id = routing::lab_account_id;
// The account AWS's own services act from when they create resources in yours (an endpoint's ENIs).
constexpr const char* aws_requester_id = routing::aws_requester_account_id;

// The Route 53 hosted zone of a region's network load balancers' DNS names (AWS General Reference, "Elastic
// Load Balancing endpoints and quotas": the Network Load Balancers column).
std::string elb_hosted_zone_id(const std::string& region);

std::string string_param(const Request& params, const char* name);
std::vector<std::string> list_param(const Request& params, const char* name);
// A boolean given as JSON true/false or as the shorthand's "true"/"false".
std::optional<bool> bool_param(const Request& params, const char* name, const char* where = nullptr);
std::optional<std::uint32_t> ipv4_param(const Request& params, const char* name);
// A whole number given as JSON or as the CLI's text (0 to 999,999,999); nullopt when absent.
std::optional<int> int_param(const Request& params, const char* name);
// The same, negative numbers too (ports and ICMP types: -1 is "all").
std::optional<int> signed_int_param(const Request& params, const char* name);
// The "structures" parameters: a list of objects (checked by check_params).
const Request* structures_param(const Request& params, const char* name);
// A parameter that is one structure (--port-range From=80,To=80): the object, or the first of a list (as the
// structures kind sends it), or an empty object.
const Request& single_structure(const Request& value);
// A CIDR in a parameter, InvalidParameterValue naming `parameter` when it does not parse.
routing::Cidr cidr_param(const std::string& text, const char* parameter);

// The time `seconds` since the epoch in UTC, formatted by strftime(3) `format`.
std::string utc_time(std::int64_t seconds, const char* format);
// Seconds since the epoch now: the clock the model's lifecycles (NAT gateways, peerings) are given.
std::int64_t now_seconds();
// The time now in UTC, formatted by strftime(3) `format`.
inline std::string utc_now(const char* format) { return utc_time(now_seconds(), format); }
// The time now as EC2's timestamps give it: 2026-11-24T08:00:00+00:00.
inline std::string now_iso8601() { return utc_now("%Y-%m-%dT%H:%M:%S+00:00"); }

// Tags as [{"Key": …, "Value": …}] (Tags of CreateTags / TagSpecifications).
std::vector<routing::Tag> tags_of(const Request& list, const char* parameter);
// The tags --tag-specifications gives a resource of `resource_type` (e.g. "vpc"); a specification for
// another type is refused as EC2 refuses it.
std::vector<routing::Tag> tags_for(const Request& params, const char* resource_type);

// A resource's tags, with CloudFormation's aws:cloudformation:* tags on what a template made.
json tags_json(const routing::VpcModel& m, const routing::ResourceBase& r);

// The describe pattern: all resources of a kind, narrowed by IDs (unknown IDs are an error, as in EC2) and filters.
template <class Items, class IdOf, class ToJson>
json describe_by(const Items& items, const Request& params, const char* ids_param, const char* not_found_code,
                 const char* what, IdOf id_of, ToJson to_json) {
    const auto ids = list_param(params, ids_param);
    for (const auto& id : ids) {
        bool found = false;
        for (const auto& item : items) found = found || id_of(item) == id;
        if (!found) throw ApiError(not_found_code, std::string("The ") + what + " ID '" + id + "' does not exist", ids_param);
    }
    json out = json::array();
    for (const auto& item : items) {
        if (!ids.empty() && std::find(ids.begin(), ids.end(), id_of(item)) == ids.end()) continue;
        json j = to_json(item);
        if (matches_filters(j, params)) out.push_back(std::move(j));
    }
    return out;
}

// EC2's answer per resource (DeleteVpcEndpoints, AcceptVpcEndpointConnections, …): each ID that
// `check(model, id)` refuses (throwing ApiError) is listed as Unsuccessful with its error; the others, each
// once, go to `apply(next, id)` in one commit.
template <class Check, class Apply>
json per_resource(RouterState& state, const std::vector<std::string>& ids, Check check, Apply apply) {
    json unsuccessful = json::array();
    std::vector<std::string> done;
    for (const auto& id : ids) {
        try {
            check(static_cast<const routing::VpcModel&>(*state.model), id);
            if (std::find(done.begin(), done.end(), id) == done.end()) done.push_back(id);
        } catch (const ApiError& e) {
            unsuccessful.push_back({{"Error", {{"Code", e.code()}, {"Message", e.what()}}}, {"ResourceId", id}});
        }
    }
    if (!done.empty())
        state.commit([&](routing::VpcModel& next) {
            for (const auto& id : done) apply(next, id);
            return 0;
        });
    return {{"Unsuccessful", unsuccessful}};
}

// Resources named by their `id` member (VPCs, subnets, …).
template <class Items, class ToJson>
json describe(const Items& items, const Request& params, const char* ids_param, const char* not_found_code,
              const char* what, ToJson to_json) {
    return describe_by(items, params, ids_param, not_found_code, what, [](const auto& item) { return item.id; }, to_json);
}

// vpclab's convenience where the aws CLI takes an ID (`prefix`-…): a resource's Name tag, if exactly one
// resource has it. Anything else is returned as given, for the lookup to refuse as EC2 would.
template <class Items>
std::string id_or_name(const Items& items, const std::string& reference, const char* prefix, const char* parameter) {
    if (reference.rfind(std::string(prefix) + "-", 0) == 0) return reference;
    std::string found;
    for (const auto& item : items)
        for (const auto& t : item.tags)
            if (t.key == "Name" && t.value == reference) {
                if (!found.empty())
                    throw ApiError("InvalidParameterValue", "More than one resource is named '" + reference + "'; give its ID (" + prefix + "-…)", parameter);
                found = item.id;
            }
    return found.empty() ? reference : found;
}

// An interface's security groups as the EC2 shapes name them: [{GroupName, GroupId}].
json groups_json(const routing::VpcModel& m, const routing::NetworkInterface& e);
// An ENI's public address as its Association shows it: the Elastic IP's (the account's, with its
// allocation and association IDs where the shape has them: `with_ids`) or an auto-assigned one ("amazon"),
// and its public DNS name when the VPC gives hostnames. Null when the ENI has no public address.
json eni_association_json(const routing::VpcModel& m, const routing::NetworkInterface& e, bool with_ids);
// PrivateIpAddresses: vpclab's ENIs have their one primary address.
json private_ip_addresses_json(const routing::VpcModel& m, const routing::NetworkInterface& e, bool with_ids);

// Shapes (EC2 API reference response shapes), each defined in its family's file.
json vpc_json(const routing::VpcModel& m, const routing::Vpc& v);
json subnet_json(const routing::VpcModel& m, const routing::Subnet& s);
json route_table_json(const routing::VpcModel& m, const routing::RouteTable& t);
json security_group_json(const routing::VpcModel& m, const routing::SecurityGroup& g);
json internet_gateway_json(const routing::VpcModel& m, const routing::InternetGateway& g);
json instance_json(const routing::VpcModel& m, const routing::Instance& i);
json network_interface_json(const routing::VpcModel& m, const routing::NetworkInterface& e);
json elastic_ip_json(const routing::VpcModel& m, const routing::ElasticIp& e);
json managed_prefix_list_json(const routing::VpcModel& m, const routing::ManagedPrefixList& l);
json vpc_endpoint_json(const routing::VpcModel& m, const routing::VpcEndpoint& e);
// An interface endpoint's DnsEntries: the regional name, one per AZ, then the service's name with private DNS.
json endpoint_dns_entries(const routing::VpcModel& m, const routing::VpcEndpoint& e);
// An endpoint service as DescribeVpcEndpointServices shows it to a consumer.
json endpoint_service_detail_json(const routing::VpcModel& m, const routing::EndpointService& s);
json network_acl_json(const routing::VpcModel& m, const routing::NetworkAcl& a);
json flow_log_json(const routing::VpcModel& m, const routing::FlowLog& f);

}  // namespace vpclab::router::ec2
