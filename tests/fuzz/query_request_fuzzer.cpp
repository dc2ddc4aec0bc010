// Fuzzes what the lab's AWS endpoint does with a request before any action runs: HTTP framing and parsing
// (router/aws_api/http_message.hpp), then the body read by a botocore model (query_request.hpp) and the
// decoded parameters written back as that operation's XML reply (xml_response.hpp). The first byte picks
// the model (EC2, ELBv2, CloudFormation; or CloudWatch Logs' JSON 1.1, json_request.hpp: the input's first
// line is the X-Amz-Target, the rest the body, its nesting bounded as the endpoint bounds it). Checks: a whole request is never longer than the input; decoded
// parameters are an object of valid UTF-8 (the reply carries them); a refusal names its code; the reply
// of any decoded request is well-formed enough to start and end with the operation's element.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "router/aws_api/form_fields.hpp"
#include "router/aws_api/http_message.hpp"
#include "router/aws_api/json_request.hpp"
#include "router/control/control_request.hpp"
#include "router/aws_api/query_request.hpp"
#include "router/aws_api/service_model.hpp"
#include "router/aws_api/xml_response.hpp"

using namespace vpclab::aws_api;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const char* const services[] = {"ec2", "elbv2", "cloudformation", "logs"};
    const ServiceModel& model = *service_model(services[data[0] % 4]);  // the seeds begin with 0 to 3
    const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
    if (model.protocol() == "json") {
        const std::size_t newline = input.find('\n');
        const std::string_view target = std::string_view(input).substr(0, newline);
        const std::string_view body = newline == std::string::npos ? std::string_view("{}") : std::string_view(input).substr(newline + 1);
        if (vpclab::router::json_nesting_depth(body, vpclab::router::max_control_request_depth) > vpclab::router::max_control_request_depth) return 0;
        const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
        if (parsed.is_discarded()) return 0;
        QueryRequest request;
        ApiRequestError error;
        if (!decode_json_request(model, target, parsed, request, error)) {
            if (error.code.empty() || error.message.empty()) std::abort();
            return 0;
        }
        if (!request.params.is_object() || !model.operation(request.action)) std::abort();
        (void)request.params.dump();  // throws on invalid UTF-8: the decoder let it through
        return 0;
    }

    const HttpExtent extent = http_request_extent(input, 4096);
    if (extent.state == HttpExtent::State::complete) {
        if (extent.length > input.size()) std::abort();
        HttpRequest request;
        std::string error;
        if (!parse_http_request(std::string_view(input).substr(0, extent.length), request, error) && error.empty()) std::abort();
    }
    if (extent.state == HttpExtent::State::refused && (extent.status < 400 || extent.reason.empty())) std::abort();

    std::vector<FormField> fields;
    std::string form_error;
    if (!decode_form(input, fields, form_error)) return 0;
    QueryRequest request;
    ApiRequestError error;
    if (!decode_query_request(model, fields, request, error)) {
        if (error.code.empty() || error.message.empty()) std::abort();
        return 0;
    }
    if (!request.params.is_object()) std::abort();
    const std::string text = request.params.dump();  // throws on invalid UTF-8: the decoder let it through
    const Operation* op = model.operation(request.action);
    if (!op) std::abort();
    std::vector<std::string> unmapped;
    const std::string xml = encode_xml_response(model, *op, nlohmann::ordered_json::parse(text), "fuzz", &unmapped);
    if (xml.find("<" + op->name + "Response") == std::string::npos || xml.find("</" + op->name + "Response>") == std::string::npos) std::abort();
    return 0;
}
