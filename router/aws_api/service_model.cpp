// Compiling botocore's model JSON into indexed shapes, once per service.
#include "router/aws_api/service_model.hpp"

#include <mutex>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace vpclab::aws_api {

namespace {

ShapeType type_named(const std::string& type, const std::string& shape) {
    static const std::unordered_map<std::string, ShapeType> types = {
        {"structure", ShapeType::structure}, {"list", ShapeType::list},       {"map", ShapeType::map},
        {"string", ShapeType::string},       {"integer", ShapeType::integer}, {"long", ShapeType::long_integer},
        {"boolean", ShapeType::boolean},     {"float", ShapeType::float_number}, {"double", ShapeType::double_number},
        {"timestamp", ShapeType::timestamp}, {"blob", ShapeType::blob}};
    const auto it = types.find(type);
    if (it == types.end()) throw std::runtime_error("shape " + shape + " has the unknown type '" + type + "'");
    return it->second;
}

std::string string_at(const nlohmann::json& node, const char* key) {
    const auto it = node.find(key);
    return it != node.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

const Member* Shape::member(std::string_view member_name) const {
    for (const auto& m : members)
        if (m.name == member_name) return &m;
    return nullptr;
}

const Operation* ServiceModel::operation(std::string_view name) const {
    const auto it = operation_index_.find(std::string(name));
    return it == operation_index_.end() ? nullptr : &operations_[it->second];
}

const Shape* ServiceModel::shape_named(std::string_view name) const {
    const auto it = shape_index_.find(std::string(name));
    return it == shape_index_.end() ? nullptr : &shapes_[it->second];
}

ServiceModel ServiceModel::compile(const nlohmann::json& model) {
    ServiceModel out;
    const auto& metadata = model.at("metadata");
    out.protocol_ = string_at(metadata, "protocol");
    out.api_version_ = string_at(metadata, "apiVersion");
    out.signing_name_ = string_at(metadata, "signingName");
    if (out.signing_name_.empty()) out.signing_name_ = string_at(metadata, "endpointPrefix");
    out.target_prefix_ = string_at(metadata, "targetPrefix");
    out.xml_namespace_ = string_at(metadata, "xmlNamespace");
    // EC2's replies carry the namespace with a trailing slash (xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"),
    // which the model's metadata writes without.
    if (out.protocol_ == "ec2") out.xml_namespace_ = "http://ec2.amazonaws.com/doc/" + out.api_version_ + "/";

    const auto& shapes = model.at("shapes");
    for (const auto& [name, node] : shapes.items()) {
        out.shape_index_.emplace(name, static_cast<std::uint32_t>(out.shapes_.size()));
        out.shapes_.push_back(Shape{.name = name});
    }
    const auto ref_of = [&](const nlohmann::json& node, const std::string& where) {
        ShapeRef ref;
        const std::string target = string_at(node, "shape");
        const auto it = out.shape_index_.find(target);
        if (it == out.shape_index_.end()) throw std::runtime_error(where + " refers to the shape '" + target + "', which the model does not have");
        ref.shape = it->second;
        ref.location_name = string_at(node, "locationName");
        ref.query_name = string_at(node, "queryName");
        ref.flattened = node.value("flattened", false);
        return ref;
    };
    for (const auto& [name, node] : shapes.items()) {
        Shape& s = out.shapes_[out.shape_index_.at(name)];
        s.type = type_named(string_at(node, "type"), name);
        s.flattened = node.value("flattened", false);
        s.location_name = string_at(node, "locationName");
        if (const auto members = node.find("members"); s.type == ShapeType::structure && members != node.end())
            for (const auto& [member_name, ref] : members->items()) s.members.push_back(Member{member_name, ref_of(ref, name + "." + member_name)});
        if (s.type == ShapeType::list) s.item = ref_of(node.at("member"), name + ".member");
        if (s.type == ShapeType::map) {
            s.key = ref_of(node.at("key"), name + ".key");
            s.item = ref_of(node.at("value"), name + ".value");
        }
    }
    for (const auto& [name, node] : model.at("operations").items()) {
        Operation op{.name = name};
        if (const auto in = node.find("input"); in != node.end()) {
            op.has_input = true;
            op.input = ref_of(*in, name + " input").shape;
        }
        if (const auto result = node.find("output"); result != node.end()) {
            op.has_output = true;
            op.output = ref_of(*result, name + " output").shape;
            op.result_wrapper = string_at(*result, "resultWrapper");
        }
        out.operation_index_.emplace(name, static_cast<std::uint32_t>(out.operations_.size()));
        out.operations_.push_back(std::move(op));
    }
    return out;
}

namespace {

struct CompiledModels {
    std::once_flag once;
    std::unordered_map<std::string, ServiceModel> by_service;
};

CompiledModels& compiled() {
    static CompiledModels models;
    std::call_once(models.once, [] {
        for (const auto& embedded : embedded_models())
            models.by_service.emplace(embedded.service, ServiceModel::compile(nlohmann::json::parse(embedded.json)));
    });
    return models;
}

}  // namespace

const ServiceModel* service_model(std::string_view service) {
    auto& models = compiled().by_service;
    const auto it = models.find(std::string(service));
    return it == models.end() ? nullptr : &it->second;
}

void compile_all_models() { compiled(); }

}  // namespace vpclab::aws_api
