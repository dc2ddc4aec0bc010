// Filter names per describe call, values selected from the EC2 JSON shapes, and wildcard matching.
#include "router/control/describe_filters.hpp"

#include <algorithm>

#include "router/control/ec2_actions.hpp"
#include "routing/api_error.hpp"

namespace vpclab::router {

using nlohmann::json;
using routing::ApiError;

namespace {

// "destination-cidr-block" → "DestinationCidrBlock", the EC2 shapes' member names.
std::string pascal_case(std::string_view kebab) {
    std::string out;
    bool upper = true;
    for (char c : kebab) {
        if (c == '-') {
            upper = true;
            continue;
        }
        out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
        upper = false;
    }
    return out;
}

}  // namespace

const std::vector<std::string_view>* supported_filters(std::string_view action) {
    const ActionSpec* spec = find_action(action);
    return spec && !spec->filters.empty() ? &spec->filters : nullptr;
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
        if (v.is_number_integer()) out.push_back(std::to_string(v.get<std::int64_t>()));
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
    if (filter == "tag-key") {
        each("Tags", [&](const nlohmann::ordered_json& t) { add(t.value("Key", nlohmann::ordered_json())); });
        each("TagSet", [&](const nlohmann::ordered_json& t) { add(t.value("Key", nlohmann::ordered_json())); });
    } else if (filter == "instance-state-name" || filter == "instance-state-code") {
        if (auto it = resource.find("State"); it != resource.end() && it->is_object())
            add(it->value(filter == "instance-state-name" ? "Name" : "Code", nlohmann::ordered_json()));
    } else if (filter == "status-code" || filter == "status-message") {  // a peering connection's Status
        if (auto it = resource.find("Status"); it != resource.end() && it->is_object())
            add(it->value(filter == "status-code" ? "Code" : "Message", nlohmann::ordered_json()));
    } else if (filter == "vpc-endpoint-state") {
        if (auto it = resource.find("State"); it != resource.end()) add(*it);
        if (auto it = resource.find("VpcEndpointState"); it != resource.end()) add(*it);  // a connection's
    } else if (filter == "service-type") {
        each("ServiceType", [&](const nlohmann::ordered_json& t) { add(t.value("ServiceType", nlohmann::ordered_json())); });
    } else if (const auto dot = filter.find('.'); dot != std::string_view::npos) {
        // "route.gateway-id", "association.subnet-id", "attachment.instance-id": a member (kebab-case to
        // PascalCase) of each item of the list Routes / Associations / Attachments, or of the one object
        // Association / Attachment.
        const std::string item = pascal_case(filter.substr(0, dot));
        std::string member = pascal_case(filter.substr(dot + 1));
        if (item == "Entry" && member == "Cidr") member = "CidrBlock";  // a network ACL's entry.cidr
        if (item == "Association" && member == "AssociationId" && resource.contains("NetworkAclId")) member = "NetworkAclAssociationId";
        auto pick = [&](const nlohmann::ordered_json& o) {
            if (auto m = o.find(member); m != o.end()) add(*m);
        };
        if (auto list = resource.find(item == "Entry" ? "Entries" : item + "s"); list != resource.end() && list->is_array())
            for (const auto& o : *list) pick(o);
        else if (auto one = resource.find(item); one != resource.end() && one->is_object())
            pick(*one);
    } else {
        // A top-level member, named as the filter in PascalCase ("vpc-id" → VpcId), but for the names
        // EC2 chose otherwise. Which names a call takes is its ActionSpec's list; this only reads them.
        const std::string member = filter == "cidr"          ? "CidrBlock"
                                   : filter == "default"     ? "IsDefault"
                                   : filter == "ip-address"  ? "PublicIpAddress"
                                   : filter == "fingerprint" ? "KeyFingerprint"
                                   : filter == "path-found"  ? "NetworkPathFound"
                                   : filter == "deliver-log-status" ? "DeliverLogsStatus"
                                                             : pascal_case(filter);
        if (auto it = resource.find(member); it != resource.end()) add(*it);
        // A network interface names its groups in Groups.
        if (filter == "group-id") each("Groups", [&](const nlohmann::ordered_json& g) { add(g.value("GroupId", nlohmann::ordered_json())); });
    }
    return out;
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
