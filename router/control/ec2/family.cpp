// Parameter readers, timestamps, tags and the tag-specification rules the EC2 families share.
#include "router/control/ec2/family.hpp"

#include <ctime>

namespace vpclab::router::ec2 {

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string utc_time(std::int64_t seconds, const char* format) {
    const std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[96];
    return std::strftime(buf, sizeof buf, format, &tm) ? buf : "";
}

std::string elb_hosted_zone_id(const std::string& region) {
    static const std::pair<const char*, const char*> zones[] = {{"ap-northeast-2", "ZIBE1TIR4HY56"}, {"ap-northeast-1", "Z31USIVHYNEOWT"},
                                                                {"us-east-1", "Z26RNL4JYFTOTI"},   {"us-west-2", "Z18D5FSROUN65G"},
                                                                {"eu-west-1", "Z2IFOLAFXWLO4F"},   {"eu-central-1", "Z3F0SRJ5LGBH90"}};
    for (const auto& [r, zone] : zones)
        if (region == r) return zone;
    return "ZIBE1TIR4HY56";  // a region vpclab has no entry for: ap-northeast-2's, the seed labs' region
}

std::string string_param(const Request& params, const char* name) {
    auto it = params.find(name);
    return it != params.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::vector<std::string> list_param(const Request& params, const char* name) {
    std::vector<std::string> out;
    auto it = params.find(name);
    if (it == params.end()) return out;
    // Inside a shorthand structure a lone value ("Groups=sg-1") is a one-item list, as the aws CLI reads it.
    if (it->is_string()) return {it->get<std::string>()};
    if (!it->is_array()) throw ApiError("InvalidParameterValue", std::string(name) + " must be a list of strings", name);
    for (const auto& v : *it) {
        if (!v.is_string()) throw ApiError("InvalidParameterValue", std::string(name) + " must be a list of strings", name);
        out.push_back(v.get<std::string>());
    }
    return out;
}

namespace {
std::optional<bool> as_bool(const Request& v, const std::string& where) {
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_string()) {
        std::string s = v.get<std::string>();
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (s == "true") return true;
        if (s == "false") return false;
    }
    throw ApiError("InvalidParameterValue", "Value for parameter " + where + " must be true or false", where);
}
}  // namespace

std::optional<bool> bool_param(const Request& params, const char* name, const char* where) {
    auto it = params.find(name);
    if (it == params.end()) return std::nullopt;
    return as_bool(*it, where ? where : name);
}

std::optional<int> int_param(const Request& params, const char* name) {
    const auto it = params.find(name);
    if (it == params.end()) return std::nullopt;
    if (it->is_number_integer()) {
        const auto v = it->get<std::int64_t>();
        if (v < 0 || v > 999'999'999)
            throw ApiError("InvalidParameterValue", "Value (" + std::to_string(v) + ") for parameter " + name + " is out of range", name);
        return static_cast<int>(v);
    }
    const std::string text = it->is_string() ? it->get<std::string>() : "";
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
        throw ApiError("InvalidParameterValue", "Value (" + (it->is_string() ? text : it->dump()) + ") for parameter " + name + " is not a whole number", name);
    return std::stoi(text);
}

std::optional<int> signed_int_param(const Request& params, const char* name) {
    const auto it = params.find(name);
    if (it == params.end()) return std::nullopt;
    if (it->is_string()) {
        const std::string text = it->get<std::string>();
        const bool negative = !text.empty() && text[0] == '-';
        const std::string digits = negative ? text.substr(1) : text;
        if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
            throw ApiError("InvalidParameterValue", "Value (" + text + ") for parameter " + name + " is not a whole number", name);
        return negative ? -std::stoi(digits) : std::stoi(digits);
    }
    if (!it->is_number_integer())
        throw ApiError("InvalidParameterValue", "Value (" + it->dump() + ") for parameter " + name + " is not a whole number", name);
    const auto v = it->get<std::int64_t>();
    if (v < -999'999'999 || v > 999'999'999)
        throw ApiError("InvalidParameterValue", "Value (" + std::to_string(v) + ") for parameter " + name + " is out of range", name);
    return static_cast<int>(v);
}

std::optional<std::uint32_t> ipv4_param(const Request& params, const char* name) {
    const std::string text = string_param(params, name);
    if (text.empty()) return std::nullopt;
    std::string why;
    const auto c = routing::Cidr::parse(text + "/32", &why);
    if (!c) throw ApiError("InvalidParameterValue", "Value (" + text + ") for parameter " + name + " is not a valid IPv4 address", name);
    return c->network;
}

const Request& single_structure(const Request& value) {
    static const Request empty = Request::object();
    if (!value.is_array()) return value;
    return value.empty() ? empty : value.front();
}

routing::Cidr cidr_param(const std::string& text, const char* parameter) {
    std::string why;
    const auto c = routing::Cidr::parse(text, &why);
    if (!c) throw ApiError("InvalidParameterValue", std::string(parameter) + ": " + why, parameter);
    return *c;
}

const Request* structures_param(const Request& params, const char* name) {
    auto it = params.find(name);
    return it == params.end() ? nullptr : &*it;
}

std::vector<routing::Tag> tags_of(const Request& list, const char* parameter) {
    std::vector<routing::Tag> out;
    if (!list.is_array()) throw ApiError("InvalidParameterValue", std::string(parameter) + " must be a list of Key=…,Value=… tags", parameter);
    for (const auto& t : list) {
        if (!t.is_object()) throw ApiError("InvalidParameterValue", std::string(parameter) + ": each tag is Key=…,Value=…", parameter);
        for (const auto& [k, v] : t.items())
            if ((k != "Key" && k != "Value") || !v.is_string())
                throw ApiError("InvalidParameterValue", std::string(parameter) + ": unknown or non-string member '" + k + "' (a tag has Key and Value)", parameter);
        auto key = t.find("Key");
        if (key == t.end()) throw ApiError("MissingParameter", std::string(parameter) + ": a tag needs a Key", parameter);
        auto value = t.find("Value");
        out.push_back({key->get<std::string>(), value == t.end() ? std::string() : value->get<std::string>()});
    }
    return out;
}

std::vector<routing::Tag> tags_for(const Request& params, const char* resource_type) {
    const Request* specs = structures_param(params, "TagSpecifications");
    std::vector<routing::Tag> out;
    if (!specs) return out;
    for (const auto& spec : *specs) {
        for (const auto& [k, v] : spec.items())
            if (k != "ResourceType" && k != "Tags")
                throw ApiError("InvalidParameterValue", "TagSpecifications: unknown member '" + k + "' (ResourceType, Tags)", "TagSpecifications");
        auto type = spec.find("ResourceType");
        if (type == spec.end() || !type->is_string())
            throw ApiError("InvalidParameterValue", "TagSpecifications: each specification needs a ResourceType", "TagSpecifications");
        // vpclab tags only what it models; EC2 itself accepts e.g. volume for RunInstances.
        if (type->get<std::string>() != resource_type)
            throw ApiError("InvalidParameterValue", "'" + type->get<std::string>() + "' is not a valid taggable resource type for this operation (use " + resource_type + ")", "TagSpecifications");
        auto tags = spec.find("Tags");
        if (tags != spec.end())
            for (auto& t : tags_of(*tags, "TagSpecifications.Tags")) out.push_back(std::move(t));
    }
    for (const auto& t : out)
        if (t.key.rfind("aws:", 0) == 0) throw ApiError("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for AWS use", "TagSpecifications");
    return out;
}

// CloudFormation adds aws:cloudformation:stack-name, stack-id and logical-id to every resource it creates
// (CloudFormation User Guide, "Resource tag"), and so does vpclab for what a template made.
json tags_json(const routing::VpcModel& m, const routing::ResourceBase& r) {
    json out = json::array();
    for (const auto& t : r.tags) out.push_back({{"Key", t.key}, {"Value", t.value}});
    if (!r.logical_id.empty()) {
        out.push_back({{"Key", "aws:cloudformation:stack-name"}, {"Value", m.stack_name_of(r)}});
        out.push_back({{"Key", "aws:cloudformation:stack-id"}, {"Value", m.stack_id_of(r)}});
        out.push_back({{"Key", "aws:cloudformation:logical-id"}, {"Value", r.logical_id}});
    }
    return out;
}

}  // namespace vpclab::router::ec2
