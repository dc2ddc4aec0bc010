// Filter names per describe call, values selected from the EC2 JSON shapes, and wildcard matching.
#include "router/control/describe_filters.hpp"

#include <algorithm>
#include <map>

#include "routing/api_error.hpp"

namespace vpclab::router {

using nlohmann::json;
using routing::ApiError;

namespace {

// Filter names that select one top-level member of a resource's JSON.
const std::map<std::string_view, const char*, std::less<>>& member_filters() {
    static const std::map<std::string_view, const char*, std::less<>> m = {
        {"vpc-id", "VpcId"}, {"subnet-id", "SubnetId"}, {"cidr-block", "CidrBlock"}, {"cidr", "CidrBlock"},
        {"availability-zone", "AvailabilityZone"}, {"route-table-id", "RouteTableId"}, {"instance-id", "InstanceId"},
        {"group-id", "GroupId"}, {"group-name", "GroupName"}, {"private-ip-address", "PrivateIpAddress"},
        {"ip-address", "PublicIpAddress"}, {"internet-gateway-id", "InternetGatewayId"}, {"state", "State"},
        {"public-ip", "PublicIp"}, {"allocation-id", "AllocationId"}, {"association-id", "AssociationId"},
        {"prefix-list-id", "PrefixListId"}, {"prefix-list-name", "PrefixListName"}, {"owner-id", "OwnerId"},
        {"is-default", "IsDefault"}, {"default-for-az", "DefaultForAz"}, {"map-public-ip-on-launch", "MapPublicIpOnLaunch"},
        {"instance-type", "InstanceType"}, {"image-id", "ImageId"}, {"network-interface-id", "NetworkInterfaceId"},
        {"domain", "Domain"}, {"description", "Description"}};
    return m;
}

}  // namespace

const std::vector<std::string_view>* supported_filters(std::string_view action) {
    // Per the EC2 API reference's filter list of each call, as far as vpclab's resources carry the field.
    static const std::map<std::string_view, std::vector<std::string_view>, std::less<>> by_action = {
        {"DescribeVpcs", {"vpc-id", "cidr", "cidr-block", "state", "is-default", "owner-id", "tag-key"}},
        {"DescribeSubnets", {"subnet-id", "vpc-id", "cidr-block", "availability-zone", "state", "owner-id", "default-for-az",
                             "map-public-ip-on-launch", "tag-key"}},
        {"DescribeRouteTables", {"route-table-id", "vpc-id", "association.subnet-id", "association.main", "owner-id", "tag-key"}},
        {"DescribeSecurityGroups", {"group-id", "group-name", "vpc-id", "owner-id", "description", "tag-key"}},
        {"DescribeInternetGateways", {"internet-gateway-id", "attachment.vpc-id", "owner-id", "tag-key"}},
        {"DescribeInstances", {"instance-id", "subnet-id", "vpc-id", "private-ip-address", "ip-address", "instance-state-name",
                               "instance-type", "image-id", "tag-key"}},
        {"DescribeAddresses", {"public-ip", "allocation-id", "association-id", "instance-id", "private-ip-address",
                               "network-interface-id", "domain"}},  // Elastic IPs carry no tags here
        {"DescribeManagedPrefixLists", {"prefix-list-id", "prefix-list-name", "owner-id"}},
    };
    auto it = by_action.find(action);
    return it == by_action.end() ? nullptr : &it->second;
}

void check_filters(std::string_view action, const std::string& key, const json& filters) {
    constexpr std::size_t max_filters = 50, max_values = 200;
    if (filters.size() > max_filters)
        throw ApiError("FilterLimitExceeded", "The request uses " + std::to_string(filters.size()) + " filters; at most " +
                                                  std::to_string(max_filters) + " are allowed", key);
    const auto* known = supported_filters(action);
    for (std::size_t i = 0; i < filters.size(); ++i) {
        const json& f = filters[i];
        const std::string at = key + "[" + std::to_string(i) + "]";
        if (!f.is_object()) throw ApiError("InvalidParameterValue", at + " must be an object with Name and Values", key);
        for (const auto& [k, v] : f.items())
            if (k != "Name" && k != "Values") throw ApiError("InvalidParameterValue", at + " has an unknown member " + k + " (expected Name and Values)", key);
        auto name = f.find("Name");
        if (name == f.end() || !name->is_string()) throw ApiError("InvalidParameterValue", at + ".Name must be a string", key);
        auto values = f.find("Values");
        if (values == f.end() || !values->is_array()) throw ApiError("InvalidParameterValue", at + ".Values must be a list of strings", key);
        for (const auto& v : *values)
            if (!v.is_string()) throw ApiError("InvalidParameterValue", at + ".Values must be a list of strings", key);
        if (values->size() > max_values)
            throw ApiError("FilterLimitExceeded", at + " has " + std::to_string(values->size()) + " values; at most " +
                                                      std::to_string(max_values) + " are allowed", key);
        // An unknown name used to match nothing, so a misspelt filter looked like "no such resource".
        const auto& n = name->get_ref<const std::string&>();
        const bool tag = n.rfind("tag:", 0) == 0 && n.size() > 4;
        if (!tag && (!known || std::find(known->begin(), known->end(), n) == known->end())) {
            std::string list;
            if (known)
                for (const auto& k : *known) list += std::string(list.empty() ? "" : ", ") + std::string(k);
            throw ApiError("InvalidParameterValue", "The filter '" + n + "' is invalid" +
                                                        (known ? " (" + std::string(action) + " takes " + list + ", tag:<key>)" : ""), key);
        }
    }
}

std::vector<std::string> filter_values(const nlohmann::ordered_json& resource, std::string_view filter) {
    std::vector<std::string> out;
    auto add = [&](const nlohmann::ordered_json& v) {
        if (v.is_string()) out.push_back(v.get<std::string>());
        if (v.is_boolean()) out.push_back(v.get<bool>() ? "true" : "false");
    };
    auto each = [&](const char* list, auto&& f) {
        auto it = resource.find(list);
        if (it != resource.end() && it->is_array())
            for (const auto& item : *it) f(item);
    };
    if (filter.rfind("tag:", 0) == 0) {
        each("Tags", [&](const nlohmann::ordered_json& t) {
            if (t.value("Key", "") == filter.substr(4)) add(t["Value"]);
        });
        return out;
    }
    const auto& members = member_filters();
    if (auto m = members.find(filter); m != members.end()) {
        if (auto it = resource.find(m->second); it != resource.end()) add(*it);
    } else if (filter == "association.subnet-id" || filter == "association.main") {
        each("Associations", [&](const nlohmann::ordered_json& a) { add(filter == "association.main" ? a.value("Main", nlohmann::ordered_json()) : a.value("SubnetId", nlohmann::ordered_json())); });
    } else if (filter == "attachment.vpc-id") {
        each("Attachments", [&](const nlohmann::ordered_json& a) { add(a.value("VpcId", nlohmann::ordered_json())); });
    } else if (filter == "tag-key") {
        each("Tags", [&](const nlohmann::ordered_json& t) { add(t.value("Key", nlohmann::ordered_json())); });
    } else if (filter == "instance-state-name") {
        if (auto it = resource.find("State"); it != resource.end() && it->is_object()) add(it->value("Name", nlohmann::ordered_json()));
    }
    return out;
}

bool wildcard_match(std::string_view pattern, std::string_view value) {
    // reachable[j]: the pattern so far can match value[0, j). One pass per pattern token.
    std::vector<char> reachable(value.size() + 1, 0), next(value.size() + 1, 0);
    reachable[0] = 1;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        char c = pattern[i];
        const bool escaped = c == '\\' && i + 1 < pattern.size() && (pattern[i + 1] == '*' || pattern[i + 1] == '?' || pattern[i + 1] == '\\');
        if (escaped) c = pattern[++i];
        std::fill(next.begin(), next.end(), 0);
        for (std::size_t j = 0; j <= value.size(); ++j) {
            if (!reachable[j]) continue;
            if (!escaped && c == '*') {
                for (std::size_t k = j; k <= value.size(); ++k) next[k] = 1;
                break;
            }
            if (j < value.size() && (c == value[j] || (!escaped && c == '?'))) next[j + 1] = 1;
        }
        reachable.swap(next);
        if (std::find(reachable.begin(), reachable.end(), 1) == reachable.end()) return false;  // nothing left can match
    }
    return reachable[value.size()] != 0;
}

bool matches_filters(const nlohmann::ordered_json& resource, const json& params) {
    auto it = params.find("Filters");
    if (it == params.end()) return true;
    for (const auto& f : *it) {
        const auto have = filter_values(resource, f.at("Name").get_ref<const std::string&>());
        const auto& wanted = f.at("Values");
        const bool any = std::any_of(wanted.begin(), wanted.end(), [&](const json& want) {
            const auto& pattern = want.get_ref<const std::string&>();
            return std::any_of(have.begin(), have.end(), [&](const std::string& h) { return wildcard_match(pattern, h); });
        });
        if (!any) return false;
    }
    return true;
}

}  // namespace vpclab::router
