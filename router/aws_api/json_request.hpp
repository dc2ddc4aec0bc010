// The AWS JSON 1.1 protocol (CloudWatch Logs), as botocore speaks it (serialize.py JSONSerializer,
// parsers.py JSONParser): the action in `X-Amz-Target: Logs_20140328.FilterLogEvents`, the parameters as a
// JSON object of the input shape's member names, the result as JSON, errors as {"__type", "message"}.
// Parameters are read by the input shape into the control API's form: numbers become the strings the
// action registry takes (as they are on the EC2 and Query wires), booleans stay booleans.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "router/aws_api/query_request.hpp"
#include "router/aws_api/service_model.hpp"

namespace vpclab::aws_api {

// Reads a request to `model` (protocol "json"): `body` parsed by the caller, who bounds its nesting first
// (nlohmann::json recurses). False with `error` set when the target is not the model's, the body is not a
// JSON object, or a member is not the input shape's or not of its type.
bool decode_json_request(const ServiceModel& model, std::string_view target, const nlohmann::json& body, QueryRequest& out,
                         ApiRequestError& error);

// {"__type":"ResourceNotFoundException","message":"…"}
std::string encode_json_error(std::string_view code, std::string_view message);

}  // namespace vpclab::aws_api
