// A lab's AWS API endpoint: one whole HTTP request in (as http_request_extent cut it), one whole HTTP reply
// out. The request's SigV4 signature is verified against the lab's key pair and region; its form fields are
// read by the service's botocore model into the control API's parameters; the action is served from the one
// action registry (ec2_actions.hpp) by handle_control_request, as `vpclab ec2 …` is; the result or error is
// written in the protocol's XML. A refused request (signature, parameters) changes nothing.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

#include "router/router_state.hpp"

namespace vpclab::aws_api {

// Largest request body taken: CloudFormation's TemplateBody is at most 51,200 bytes; nothing else comes near.
constexpr std::size_t max_api_body_bytes = 1 << 20;

// Serves `request` at time `now` (seconds since the epoch, for the signature's clock skew). Never throws:
// what would have is answered 500 InternalError.
std::string serve_aws_http_request(std::string_view request, router::RouterState& state, std::time_t now) noexcept;

// The reply to a request http_request_extent refused (too large, chunked, not HTTP), in EC2's error format.
std::string refuse_aws_http_request(int status, std::string_view reason);

}  // namespace vpclab::aws_api
