// Fuzzes SigV4 verification (router/aws_api/sigv4.hpp) on what a client sends the lab's AWS endpoint: the
// input is an HTTP request's head ("METHOD PATH?QUERY", then "Name: value" lines, a blank line) and its
// body. Checks: the verdict is one of the failures (or none), an Authorization header that parses has a
// 64-hex signature, a non-empty signed-header list in lower case, and a five-part credential.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "router/aws_api/sigv4.hpp"

using namespace vpclab::aws_api;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    std::string_view rest = input;
    const auto next_line = [&rest]() {
        const std::size_t end = rest.find('\n');
        std::string_view line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        return line;
    };
    SignedRequest request;
    const std::string_view request_line = next_line();
    const std::size_t space = request_line.find(' ');
    request.method = request_line.substr(0, space);
    const std::string_view target = space == std::string_view::npos ? std::string_view() : request_line.substr(space + 1);
    const std::size_t question = target.find('?');
    request.path = target.substr(0, question);
    request.query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
    for (std::string_view line; !rest.empty() && !(line = next_line()).empty();) {
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
        if (request.headers.size() > 100) break;
    }
    request.body = rest;

    const Credentials lab{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
    const SignatureVerdict verdict = verify_signature(request, lab, "us-east-1", 1704067200);
    if (verdict.failure < SignatureFailure::none || verdict.failure > SignatureFailure::mismatch) std::abort();
    if (verdict.failure != SignatureFailure::none && verdict.message.empty()) std::abort();
    for (const auto& [name, value] : request.headers) {
        AuthorizationHeader auth;
        if (!parse_authorization(value, auth)) continue;
        if (auth.signature.size() != 64 || auth.signed_headers.empty() || auth.access_key_id.empty() || auth.service.empty()) std::abort();
        for (const auto& header : auth.signed_headers)
            for (const char c : header)
                if (c >= 'A' && c <= 'Z') std::abort();
    }
    return 0;
}
