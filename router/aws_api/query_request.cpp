// Walking an operation's input shape over a request's form fields.
#include "router/aws_api/query_request.hpp"

#include <map>

namespace vpclab::aws_api {

namespace {

// Nesting deeper than this is refused (no input shape of the embedded models nests near it).
constexpr int max_depth = 32;

class FieldWalker {
public:
    FieldWalker(const ServiceModel& model, std::map<std::string, std::string, std::less<>>& fields) : model_(model), fields_(fields) {}

    // The value of `shape` at `key`, or null when the request has none. Consumed fields are removed.
    nlohmann::json decode(const ShapeRef& ref, const std::string& key, int depth) {
        if (depth > max_depth) return fail("InvalidParameterValue", "The parameter " + key + " nests too deeply");
        const Shape& shape = model_.shape(ref.shape);
        switch (shape.type) {
            case ShapeType::structure: return structure(shape, key, depth);
            case ShapeType::list: return list(ref, shape, key, depth);
            case ShapeType::map: return map(ref, shape, key, depth);
            default: return scalar(shape, key);
        }
    }

    bool failed() const { return !error_.code.empty(); }
    const ApiRequestError& error() const { return error_; }

private:
    nlohmann::json fail(std::string code, std::string message) {
        if (error_.code.empty()) error_ = {std::move(code), std::move(message)};
        return nullptr;
    }

    bool has_under(const std::string& key) const {
        const std::string prefix = key + ".";
        const auto it = fields_.lower_bound(prefix);
        return it != fields_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
    }

    static std::string join(const std::string& prefix, const std::string& name) { return prefix.empty() ? name : prefix + "." + name; }

    nlohmann::json structure(const Shape& shape, const std::string& key, int depth) {
        if (!key.empty() && !has_under(key)) return nullptr;
        nlohmann::json out = nlohmann::json::object();
        for (const auto& member : shape.members) {
            nlohmann::json value = decode(member.ref, join(key, request_member_name(model_, member)), depth + 1);
            if (failed()) return nullptr;
            if (!value.is_null()) out[member.name] = std::move(value);
        }
        return out.empty() && !key.empty() ? nlohmann::json() : out;
    }

    nlohmann::json list(const ShapeRef& ref, const Shape& shape, const std::string& key, int depth) {
        std::string items = key;
        if (model_.protocol() != "ec2") {
            if (const auto empty = fields_.find(key); empty != fields_.end() && empty->second.empty()) {
                fields_.erase(empty);  // `Name=`: the Query protocol's empty list
                return nlohmann::json::array();
            }
            const std::string& item_name = effective_location_name(model_, shape.item);
            if (effectively_flattened(model_, ref)) {
                // botocore replaces the last part of the name with the item's name.
                const auto dot = key.rfind('.');
                if (!item_name.empty()) items = dot == std::string::npos ? item_name : key.substr(0, dot) + "." + item_name;
            } else {
                items = key + "." + (item_name.empty() ? std::string("member") : item_name);
            }
        }
        if (!has_under(items)) return nullptr;
        nlohmann::json out = nlohmann::json::array();
        for (std::size_t i = 1; i <= max_form_fields; ++i) {
            const std::string item_key = items + "." + std::to_string(i);
            if (!has_under(item_key) && fields_.count(item_key) == 0) break;
            nlohmann::json value = decode(shape.item, item_key, depth + 1);
            if (failed()) return nullptr;
            out.push_back(value.is_null() ? nlohmann::json::object() : std::move(value));
        }
        return out.empty() ? nlohmann::json() : out;
    }

    nlohmann::json map(const ShapeRef& ref, const Shape& shape, const std::string& key, int depth) {
        const std::string entries = effectively_flattened(model_, ref) ? key : key + ".entry";
        const std::string& key_name = effective_location_name(model_, shape.key);
        const std::string& value_name = effective_location_name(model_, shape.item);
        nlohmann::json out = nlohmann::json::object();
        for (std::size_t i = 1; i <= max_form_fields; ++i) {
            const std::string entry = entries + "." + std::to_string(i);
            if (!has_under(entry)) break;
            nlohmann::json k = decode(shape.key, entry + "." + (key_name.empty() ? std::string("key") : key_name), depth + 1);
            nlohmann::json v = decode(shape.item, entry + "." + (value_name.empty() ? std::string("value") : value_name), depth + 1);
            if (failed()) return nullptr;
            if (!k.is_string()) return fail("MissingParameter", "The map entry " + entry + " has no key");
            out[k.get<std::string>()] = std::move(v);
        }
        return out.empty() ? nlohmann::json() : out;
    }

    nlohmann::json scalar(const Shape& shape, const std::string& key) {
        const auto it = fields_.find(key);
        if (it == fields_.end()) return nullptr;
        const std::string value = std::move(it->second);
        fields_.erase(it);
        if (shape.type == ShapeType::boolean) {
            if (value == "true") return true;
            if (value == "false") return false;
            return fail("InvalidParameterValue", "Value (" + value + ") for parameter " + key + " is invalid. Expected: 'true' or 'false'.");
        }
        return value;
    }

    const ServiceModel& model_;
    std::map<std::string, std::string, std::less<>>& fields_;
    ApiRequestError error_;
};

}  // namespace

const std::string& effective_location_name(const ServiceModel& model, const ShapeRef& ref) {
    return ref.location_name.empty() ? model.shape(ref.shape).location_name : ref.location_name;
}

bool effectively_flattened(const ServiceModel& model, const ShapeRef& ref) { return ref.flattened || model.shape(ref.shape).flattened; }

std::string request_member_name(const ServiceModel& model, const Member& member) {
    // botocore EC2Serializer._get_serialized_name: queryName, else locationName with its first letter
    // capitalised, else the member's name; QuerySerializer: locationName, else the member's name.
    if (model.protocol() == "ec2") {
        if (!member.ref.query_name.empty()) return member.ref.query_name;
        std::string name = effective_location_name(model, member.ref);
        if (name.empty()) return member.name;
        if (name[0] >= 'a' && name[0] <= 'z') name[0] = static_cast<char>(name[0] - 'a' + 'A');
        return name;
    }
    const std::string& name = effective_location_name(model, member.ref);
    return name.empty() ? member.name : name;
}

bool valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        std::uint32_t code = 0;
        if (c < 0x80) { ++i; continue; }
        if ((c & 0xE0) == 0xC0) { extra = 1; code = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { extra = 2; code = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { extra = 3; code = c & 0x07; }
        else return false;
        if (i + extra >= text.size()) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return false;
            code = (code << 6) | (next & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8 (RFC 3629 §3).
        static constexpr std::uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
        if (code < smallest[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
        i += extra + 1;
    }
    return true;
}

bool decode_query_request(const ServiceModel& model, const std::vector<FormField>& fields, QueryRequest& out, ApiRequestError& error) {
    std::map<std::string, std::string, std::less<>> remaining;
    for (const auto& f : fields) {
        if (!valid_utf8(f.name) || !valid_utf8(f.value)) {
            error = {"InvalidParameterValue", "The parameter " + (valid_utf8(f.name) ? f.name : std::string("name")) + " is not valid UTF-8"};
            return false;
        }
        if (!remaining.emplace(f.name, f.value).second) {
            error = {"InvalidParameterValue", "The parameter " + f.name + " appears more than once"};
            return false;
        }
    }
    const auto action = remaining.find("Action");
    if (action == remaining.end() || action->second.empty()) {
        error = {"MissingAction", "The request must contain the parameter Action"};
        return false;
    }
    out.action = action->second;
    remaining.erase(action);
    const auto version = remaining.find("Version");
    if (version == remaining.end()) {
        error = {"MissingParameter", "The request must contain the parameter Version"};
        return false;
    }
    if (version->second != model.api_version()) {
        error = {"NoSuchVersion", "The requested version (" + version->second + ") of service " + model.signing_name() + " does not exist"};
        return false;
    }
    remaining.erase(version);
    const Operation* op = model.operation(out.action);
    if (!op) {
        error = {"InvalidAction", "The action " + out.action + " is not valid for this web service."};
        return false;
    }
    out.params = nlohmann::json::object();
    if (op->has_input) {
        FieldWalker walker(model, remaining);
        nlohmann::json params = walker.decode(ShapeRef{.shape = op->input}, "", 0);
        if (walker.failed()) {
            error = walker.error();
            return false;
        }
        if (params.is_object()) out.params = std::move(params);
    }
    if (!remaining.empty()) {
        error = {"UnknownParameter", "The parameter " + remaining.begin()->first + " is not recognized"};
        return false;
    }
    return true;
}

}  // namespace vpclab::aws_api
