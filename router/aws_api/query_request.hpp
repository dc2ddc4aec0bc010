// The form fields of an EC2 or Query protocol request (Action=DescribeVpcs&Filter.1.Name=…), read back into
// the JSON members the control API takes ({"Filters": [{"Name": …, "Values": […]}]}) by walking the
// operation's input shape with the inverse of botocore's serializers (serialize.py EC2Serializer and
// QuerySerializer): EC2 names members by queryName or capitalised locationName and numbers list items
// `Name.N`; Query names them by locationName and wraps lists in `Name.member.N`, maps in `Name.entry.N.key`.
// Booleans become JSON booleans; every other scalar stays the string it was on the wire, as the control
// API's parameters are. A field no member of the shape consumes is an error, as AWS's UnknownParameter.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "router/aws_api/form_fields.hpp"
#include "router/aws_api/service_model.hpp"

namespace vpclab::aws_api {

struct ApiRequestError {
    std::string code;  // "UnknownParameter", "InvalidAction", "MissingAction", …
    std::string message;
};

struct QueryRequest {
    std::string action;  // the Action field
    nlohmann::json params = nlohmann::json::object();
};

// Reads `fields` as a request to `model` (protocol "ec2" or "query"). False with `error` set when the
// action, the version or a field is not one the model takes, or a value is not valid for its type.
bool decode_query_request(const ServiceModel& model, const std::vector<FormField>& fields, QueryRequest& out, ApiRequestError& error);

// The wire name of a structure's member in a request, per protocol (exposed for tests).
std::string request_member_name(const ServiceModel& model, const Member& member);

// A reference's effective locationName and flattening: the reference's own, else its shape's (botocore
// merges a shape's serialisation traits under its reference's).
const std::string& effective_location_name(const ServiceModel& model, const ShapeRef& ref);
bool effectively_flattened(const ServiceModel& model, const ShapeRef& ref);

// Whether `text` is well-formed UTF-8 (values go into XML and JSON replies).
bool valid_utf8(std::string_view text);

}  // namespace vpclab::aws_api
