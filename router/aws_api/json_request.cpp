// Reading JSON 1.1 requests by the input shape, and their error bodies.
#include "router/aws_api/json_request.hpp"

#include <nlohmann/json.hpp>

namespace vpclab::aws_api {

namespace {

// The value of `shape` read from `value`, in the control API's form; null with `error` set when it is not.
nlohmann::json read_value(const ServiceModel& model, std::uint32_t shape_index, const nlohmann::json& value, const std::string& path,
                          ApiRequestError& error) {
    const Shape& shape = model.shape(shape_index);
    const auto wrong = [&](const char* expected) {
        error = {"InvalidParameterException", "Value of " + path + " must be " + expected};
        return nlohmann::json();
    };
    switch (shape.type) {
        case ShapeType::structure: {
            if (!value.is_object()) return wrong("an object");
            nlohmann::json out = nlohmann::json::object();
            for (const auto& [key, member_value] : value.items()) {
                const Member* member = shape.member(key);
                if (!member) {
                    error = {"InvalidParameterException", "Unknown parameter " + (path.empty() ? key : path + "." + key)};
                    return nullptr;
                }
                if (member_value.is_null()) continue;
                nlohmann::json read = read_value(model, member->ref.shape, member_value, path.empty() ? key : path + "." + key, error);
                if (!error.code.empty()) return nullptr;
                out[key] = std::move(read);
            }
            return out;
        }
        case ShapeType::list: {
            if (!value.is_array()) return wrong("a list");
            nlohmann::json out = nlohmann::json::array();
            for (std::size_t i = 0; i < value.size(); ++i) {
                nlohmann::json read = read_value(model, shape.item.shape, value[i], path + "[" + std::to_string(i) + "]", error);
                if (!error.code.empty()) return nullptr;
                out.push_back(std::move(read));
            }
            return out;
        }
        case ShapeType::map: {
            if (!value.is_object()) return wrong("an object");
            nlohmann::json out = nlohmann::json::object();
            for (const auto& [key, item] : value.items()) {
                nlohmann::json read = read_value(model, shape.item.shape, item, path + "." + key, error);
                if (!error.code.empty()) return nullptr;
                out[key] = std::move(read);
            }
            return out;
        }
        case ShapeType::boolean:
            if (!value.is_boolean()) return wrong("a boolean");
            return value;
        case ShapeType::integer:
        case ShapeType::long_integer:
            if (!value.is_number_integer()) return wrong("an integer");
            return value.dump();
        case ShapeType::float_number:
        case ShapeType::double_number:
        case ShapeType::timestamp:  // botocore writes epoch seconds
            if (!value.is_number()) return wrong("a number");
            return value.dump();
        default:
            if (!value.is_string()) return wrong("a string");
            return value;
    }
}

}  // namespace

bool decode_json_request(const ServiceModel& model, std::string_view target, const nlohmann::json& body, QueryRequest& out, ApiRequestError& error) {
    const auto dot = target.find('.');
    if (dot == std::string_view::npos || target.substr(0, dot) != model.target_prefix()) {
        error = {"UnknownOperationException", "X-Amz-Target '" + std::string(target) + "' is not one of " + model.target_prefix() + ".*"};
        return false;
    }
    out.action = std::string(target.substr(dot + 1));
    const Operation* op = model.operation(out.action);
    if (!op) {
        error = {"UnknownOperationException", "The operation " + out.action + " is not known"};
        return false;
    }
    if (!body.is_object()) {
        error = {"SerializationException", "The request body is not a JSON object"};
        return false;
    }
    if (!op->has_input) {
        out.params = nlohmann::json::object();
        return true;
    }
    error = {};
    out.params = read_value(model, op->input, body, "", error);
    return error.code.empty();
}

std::string encode_json_error(std::string_view code, std::string_view message) {
    return nlohmann::json{{"__type", code}, {"message", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace vpclab::aws_api
