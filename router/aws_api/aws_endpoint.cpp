// Verifying, decoding, dispatching and answering one request to the lab's AWS endpoint.
#include "router/aws_api/aws_endpoint.hpp"

#include <spdlog/spdlog.h>

#include "router/aws_api/form_fields.hpp"
#include "router/aws_api/http_message.hpp"
#include "router/aws_api/json_request.hpp"
#include "router/aws_api/query_request.hpp"
#include "router/aws_api/sigv4.hpp"
#include "router/aws_api/xml_response.hpp"
#include "router/control/control_api.hpp"
#include "router/control/control_request.hpp"
#include "router/control/ec2_actions.hpp"
#include "router/random_uuid.hpp"

namespace vpclab::aws_api {

namespace {

constexpr std::string_view xml_type = "text/xml;charset=UTF-8";
constexpr std::string_view json_type = "application/x-amz-json-1.1";


// The botocore model of a SigV4 signing name, and the registry's service of its actions.
struct ServiceBinding {
    std::string_view signing_name, model, registry;
};
constexpr ServiceBinding bindings[] = {
    {"ec2", "ec2", "ec2"},
    {"elasticloadbalancing", "elbv2", "elbv2"},
    {"cloudformation", "cloudformation", "cloudformation"},
    {"logs", "logs", "logs"},
};

const ServiceBinding* binding_of_signing_name(std::string_view name) {
    for (const auto& b : bindings)
        if (b.signing_name == name) return &b;
    return nullptr;
}

// An unsigned request or one for a service we do not know: the service whose API version the form names,
// so that the error at least comes in the format its client reads. EC2's otherwise.
const ServiceBinding& guess_binding(const std::vector<FormField>& fields) {
    for (const auto& f : fields)
        if (f.name == "Version")
            for (const auto& b : bindings)
                if (const ServiceModel* m = service_model(b.model); m && m->api_version() == f.value) return b;
    return bindings[0];
}

// The HTTP status AWS answers an error code with (EC2 API reference, "Error codes"; the Query services
// answer their client errors 400 and the signature's 403).
int status_of(const ServiceModel& model, std::string_view code) {
    if (code == "DryRunOperation") return 412;
    if (code == "InternalError" || code == "InternalFailure") return 500;
    if (code == "UnauthorizedOperation" || code == "OptInRequired") return 403;
    if (model.protocol() == "ec2") return code == "AuthFailure" ? 401 : 400;
    if (model.protocol() == "json") return 400;  // JSON services answer their client errors, signatures' too, 400
    if (code == "MissingAuthenticationToken" || code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch") return 403;
    if (code == "ChangeSetNotFound") return 404;  // the CloudFormation model's ChangeSetNotFoundException
    return 400;
}

std::string error_reply(const ServiceModel& model, std::string_view code, std::string_view message, const std::string& id) {
    const int status = status_of(model, code);
    if (model.protocol() == "json") return http_response(status, json_type, encode_json_error(code, message), id);
    return http_response(status, xml_type, encode_xml_error(model, code, message, id, status >= 500), id);
}

// The error a refused signature gets, as each protocol's services answer it.
std::pair<std::string, std::string> signature_error(const ServiceModel& model, const SignatureVerdict& verdict) {
    if (model.protocol() == "ec2") {
        switch (verdict.failure) {
            case SignatureFailure::missing: return {"MissingAuthenticationToken", "The request must contain either a valid (registered) AWS access key ID or X.509 certificate."};
            case SignatureFailure::malformed: return {"IncompleteSignature", verdict.message};
            case SignatureFailure::expired:
            case SignatureFailure::not_yet_current: return {"RequestExpired", "Request has expired. " + verdict.message};
            default: return {"AuthFailure", "AWS was not able to validate the provided access credentials"};
        }
    }
    if (model.protocol() == "json") {  // CloudWatch Logs' names for them
        switch (verdict.failure) {
            case SignatureFailure::missing: return {"MissingAuthenticationTokenException", verdict.message};
            case SignatureFailure::malformed: return {"IncompleteSignatureException", verdict.message};
            case SignatureFailure::unknown_key: return {"UnrecognizedClientException", verdict.message};
            default: return {"InvalidSignatureException", verdict.message};
        }
    }
    switch (verdict.failure) {
        case SignatureFailure::missing: return {"MissingAuthenticationToken", verdict.message};
        case SignatureFailure::malformed: return {"IncompleteSignature", verdict.message};
        case SignatureFailure::unknown_key: return {"InvalidClientTokenId", verdict.message};
        default: return {"SignatureDoesNotMatch", verdict.message};
    }
}

// EC2's paginated describe calls take MaxResults and NextToken; where an action of the registry does not
// page itself, the endpoint pages its one list: NextToken is the offset of the next page.
struct Paging {
    bool requested = false;
    std::size_t offset = 0, page = 0;
};

const router::ParamSpec* spec_param(const router::ActionSpec& spec, std::string_view name) {
    for (const auto& p : spec.params)
        if (p.name == name) return &p;
    return nullptr;
}

bool spec_takes(const router::ActionSpec& spec, std::string_view name) { return spec_param(spec, name) != nullptr; }

bool take_paging(const router::ActionSpec& spec, nlohmann::json& params, Paging& paging, std::string& error) {
    if (spec_takes(spec, "MaxResults") || spec_takes(spec, "NextToken")) return true;
    for (const char* name : {"MaxResults", "NextToken"}) {
        const auto it = params.find(name);
        if (it == params.end()) continue;
        const std::string text = it->get<std::string>();
        std::size_t value = 0;
        std::size_t used = 0;
        try {
            value = std::stoul(text, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != text.size() || text.empty() || (name == std::string_view("MaxResults") && value == 0)) {
            error = std::string("Value (") + text + ") for parameter " + name + " is invalid";
            return false;
        }
        paging.requested = true;
        (name == std::string_view("MaxResults") ? paging.page : paging.offset) = value;
        params.erase(it);
    }
    return true;
}

void apply_paging(const ServiceModel& model, const Operation& op, const Paging& paging, nlohmann::ordered_json& result) {
    if (!paging.requested || !op.has_output) return;
    for (auto& [key, value] : result.items()) {
        const Member* member = model.shape(op.output).member(key);
        if (!member || model.shape(member->ref.shape).type != ShapeType::list || !value.is_array()) continue;
        if (!model.shape(op.output).member("NextToken")) return;
        const std::size_t begin = std::min(paging.offset, value.size());
        const std::size_t end = paging.page ? std::min(value.size(), begin + paging.page) : value.size();
        nlohmann::ordered_json page = nlohmann::ordered_json::array();
        for (std::size_t i = begin; i < end; ++i) page.push_back(std::move(value[i]));
        const bool more = end < value.size();
        value = std::move(page);
        if (more) result["NextToken"] = std::to_string(end);
        return;
    }
}

}  // namespace

std::string refuse_aws_http_request(int status, std::string_view reason) {
    const std::string id = router::random_uuid();
    return http_response(status, xml_type, encode_xml_error(*service_model("ec2"), status == 413 ? "RequestEntityTooLarge" : "MalformedRequest", reason, id), id);
}

namespace {

std::string serve(std::string_view request, router::RouterState& state, std::time_t now) {
    const std::string id = router::random_uuid();
    HttpRequest http;
    std::string error;
    if (!parse_http_request(request, http, error)) return refuse_aws_http_request(400, error);
    const std::string_view target = http.header("X-Amz-Target");

    // The EC2 and Query protocols' form: the body of a POST (what botocore sends), else the query string.
    std::vector<FormField> fields;
    const bool form_ok = !target.empty() || decode_form(http.method == "POST" ? http.body : http.query, fields, error);

    SignedRequest signed_request{http.method, http.path, http.query, http.headers, http.body};
    const SignatureVerdict verdict =
        verify_signature(signed_request, {state.aws_access_key_id, state.aws_secret_access_key}, state.model->region(), now);
    const ServiceBinding* binding = binding_of_signing_name(verdict.service);
    if (!binding) binding = target.empty() ? &guess_binding(fields) : binding_of_signing_name("logs");
    const ServiceModel& model = *service_model(binding->model);
    if (verdict.failure != SignatureFailure::none) {
        const auto [code, message] = signature_error(model, verdict);
        // At debug only: anyone on the host may send unsigned requests, and the log is in RAM (/run).
        spdlog::debug("aws endpoint: {} refused: {} ({})", binding->signing_name, code, verdict.message);
        return error_reply(model, code, message, id);
    }

    QueryRequest decoded;
    ApiRequestError decode_error;
    if (model.protocol() == "json") {
        // nlohmann::json recurses: the nesting is bounded before the parse, as on the control socket.
        if (router::json_nesting_depth(http.body, router::max_control_request_depth) > router::max_control_request_depth)
            return error_reply(model, "SerializationException", "The request body nests deeper than " + std::to_string(router::max_control_request_depth) + " levels", id);
        const nlohmann::json body = nlohmann::json::parse(http.body.empty() ? std::string_view("{}") : http.body, nullptr, false);
        if (body.is_discarded()) return error_reply(model, "SerializationException", "The request body is not JSON", id);
        if (!decode_json_request(model, target, body, decoded, decode_error)) return error_reply(model, decode_error.code, decode_error.message, id);
    } else {
        if (!form_ok) return error_reply(model, "MalformedQueryString", error, id);
        if (!decode_query_request(model, fields, decoded, decode_error)) return error_reply(model, decode_error.code, decode_error.message, id);
    }
    const router::ActionSpec* spec = router::find_action(decoded.action);
    if (!spec || spec->service != binding->registry) {
        return error_reply(model, "UnsupportedOperation",
                           "vpclab does not implement " + decoded.action + " (`vpclab " + std::string(binding->registry) +
                               " help` lists the actions it serves)",
                           id);
    }
    // --dry-run: AWS checks the caller may make the call and answers DryRunOperation (EC2 API reference,
    // "Common parameters": DryRun); the lab's one user may make every call.
    if (const auto dry = decoded.params.find("DryRun"); dry != decoded.params.end()) {
        const bool dry_run = dry->is_boolean() && dry->get<bool>();
        decoded.params.erase(dry);
        if (dry_run) return error_reply(model, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.", id);
    }
    Paging paging;
    if (!take_paging(*spec, decoded.params, paging, error)) return error_reply(model, "InvalidParameterValue", error, id);
    for (auto it = decoded.params.begin(); it != decoded.params.end();) {
        if (const router::ParamSpec* p = spec_param(*spec, it.key())) {
            // The registry takes `structures` as a list (the CLI's --port-range From=80,To=80 is one); the
            // model's single structure (PortRange, MetadataOptions, Matcher) arrives as one object.
            if (p->kind == router::ParamSpec::Kind::structures && it->is_object()) *it = nlohmann::json::array({std::move(*it)});
            ++it;
            continue;
        }
        // ClientToken: the idempotency token botocore fills in by itself (RunInstances, CreateVpcEndpoint…);
        // a retried call makes its resources again in vpclab rather than answering the first call's result.
        if (it.key() == "ClientToken") {
            it = decoded.params.erase(it);
            continue;
        }
        // A member of AWS's API that vpclab does not implement: said so, rather than ignored.
        return error_reply(model, "UnsupportedOperation",
                           "vpclab does not implement the parameter " + it.key() + " of " + decoded.action + " (`vpclab " +
                               std::string(binding->registry) + " " + spec->command + " help` lists those it takes)",
                           id);
    }

    nlohmann::ordered_json reply = router::handle_control_request({{"Action", decoded.action}, {"Params", std::move(decoded.params)}}, state);
    if (!reply.value("ok", false)) {
        const auto& e = reply["error"];
        return error_reply(model, e.value("Code", "InternalError"), e.value("Message", ""), id);
    }
    const Operation& op = *model.operation(decoded.action);
    if (model.protocol() == "json")
        return http_response(200, json_type, reply["result"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), id);
    apply_paging(model, op, paging, reply["result"]);
    std::vector<std::string> unmapped;
    std::string body = encode_xml_response(model, op, reply["result"], id, &unmapped);
    for (const auto& path : unmapped) spdlog::debug("aws endpoint: {} result member {} is not in botocore's output shape; left out", decoded.action, path);
    return http_response(200, xml_type, body, id);
}

}  // namespace

std::string serve_aws_http_request(std::string_view request, router::RouterState& state, std::time_t now) noexcept {
    // The event loop calls this: nothing may escape it (a handler's unexpected exception, or memory running
    // out) and take the lab down. What did is answered 500, as the control socket answers it.
    try {
        return serve(request, state, now);
    } catch (const std::exception& e) {
        spdlog::error("aws endpoint: a request failed: {}", e.what());
    } catch (...) {
        spdlog::error("aws endpoint: a request failed");
    }
    static constexpr std::string_view fallback =
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/xml;charset=UTF-8\r\nContent-Length: 138\r\nConnection: close\r\n\r\n"
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InternalError</Code><Message></Message></Error></Errors></Response>\n";
    return std::string(fallback);
}

}  // namespace vpclab::aws_api
