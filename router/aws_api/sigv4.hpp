// Verifying AWS Signature Version 4 on a request to a lab's AWS endpoint, as AWS defines it
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html) and as
// botocore signs (auth.py SigV4Auth): the canonical request of the headers the client says it signed and
// the body's SHA-256, the string to sign over the credential scope, the key derived from the secret, a
// constant-time compare, and a clock skew of 15 minutes either way (the documented RequestExpired rule).
// Pure: no sockets, no clock (the caller passes the time), so each refusal is tested without a server.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vpclab::aws_api {

// What the verifier reads of an HTTP request; views into the request's bytes.
struct SignedRequest {
    std::string_view method;  // "POST"
    std::string_view path;    // "/", before any '?'
    std::string_view query;   // after '?', or empty
    std::vector<std::pair<std::string_view, std::string_view>> headers;  // names in any case, repeats allowed
    std::string_view body;
};

struct Credentials {
    std::string access_key_id;
    std::string secret_access_key;
};

enum class SignatureFailure {
    none,
    missing,          // no Authorization header (MissingAuthenticationToken)
    malformed,        // not AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=… (IncompleteSignature)
    unknown_key,      // another access key (AuthFailure / InvalidClientTokenId)
    wrong_scope,      // the scope's date is not X-Amz-Date's, or the region is not the lab's (SignatureDoesNotMatch)
    expired,          // X-Amz-Date more than 15 minutes ago (RequestExpired)
    not_yet_current,  // X-Amz-Date more than 15 minutes ahead (RequestExpired)
    mismatch,         // the signature is not the one the secret makes (SignatureDoesNotMatch)
};

struct SignatureVerdict {
    SignatureFailure failure = SignatureFailure::none;
    std::string message;  // as AWS words it, for the error's <Message>
    std::string service;  // the credential scope's service: ec2, elasticloadbalancing, cloudformation, logs
};

// Verifies `request` against the lab's one key pair and region at time `now` (seconds since the epoch).
SignatureVerdict verify_signature(const SignedRequest& request, const Credentials& lab, std::string_view region, std::time_t now);

// The pieces, for tests and for the fuzz harness.
struct AuthorizationHeader {
    std::string access_key_id, date, region, service;  // Credential=AKID/YYYYMMDD/region/service/aws4_request
    std::vector<std::string> signed_headers;            // lower case, in the header's order
    std::string signature;                              // 64 lower-case hex digits
};
// False when the header is not a well-formed SigV4 Authorization value.
bool parse_authorization(std::string_view value, AuthorizationHeader& out);
std::string canonical_request(const SignedRequest& request, const std::vector<std::string>& signed_headers);
std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical);
std::string signature_of(std::string_view secret, std::string_view date, std::string_view region, std::string_view service,
                         std::string_view to_sign);
std::string sha256_hex(std::string_view bytes);
// `when` as X-Amz-Date writes it: 20261205T120000Z.
std::string amz_date_of(std::time_t when);

}  // namespace vpclab::aws_api
