// SigV4 verification (router/aws_api/sigv4.hpp) against requests signed by botocore 1.29.27 (Debian's), and
// each way a request is refused.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "router/aws_api/sigv4.hpp"

using namespace vpclab::aws_api;

namespace {

// botocore's own test key, a fixed time and endpoint (the vectors: SigV4Auth of botocore 1.29.27, checked
// against hmac/hashlib by hand).
const Credentials lab{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
constexpr std::time_t signed_at = 1704067200;  // 20240101T000000Z
const std::string ec2_body = "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3AName&Filter.1.Value.1=a+b";
const std::string ec2_authorization =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, "
    "Signature=e170ba9dae51234521bb687af11367e5935d5b270822c25351df79ffb9b547e7";

// The request as the CLI sends it, headers in the order http.client writes them (unsigned ones included).
struct Ec2Request {
    std::string body = ec2_body;
    std::string authorization = ec2_authorization;
    std::string content_type = "application/x-www-form-urlencoded; charset=utf-8";
    std::string date = "20240101T000000Z";
    SignedRequest view() const {
        return {"POST",
                "/",
                "",
                {{"Host", "127.0.0.1:4566"},
                 {"Accept-Encoding", "identity"},
                 {"Content-Type", content_type},
                 {"User-Agent", "aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0 source/x86_64.debian.12 prompt/off command/ec2.describe-vpcs"},
                 {"X-Amz-Date", date},
                 {"Authorization", authorization},
                 {"Content-Length", std::to_string(body.size())}},
                body};
    }
};

}  // namespace

TEST_CASE("botocore's EC2 request: the canonical request, the string to sign and the signature are AWS's") {
    Ec2Request request;
    const SignedRequest view = request.view();
    const std::string canonical = canonical_request(view, {"content-type", "host", "x-amz-date"});
    CHECK(canonical ==
          "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:127.0.0.1:4566\nx-amz-date:20240101T000000Z\n\n"
          "content-type;host;x-amz-date\n14160d8fa4a2c79fa7f1a71404a0823da0aa319fabfb72019190fe832b358396");
    const std::string to_sign = string_to_sign("20240101T000000Z", "20240101/us-east-1/ec2/aws4_request", canonical);
    CHECK(to_sign == "AWS4-HMAC-SHA256\n20240101T000000Z\n20240101/us-east-1/ec2/aws4_request\n"
                     "d18ebd9f48caa4ddfe1f33910b62267d708634f990ee6873d4b1333f1f6f67f8");
    CHECK(signature_of(lab.secret_access_key, "20240101", "us-east-1", "ec2", to_sign) == "e170ba9dae51234521bb687af11367e5935d5b270822c25351df79ffb9b547e7");
    const SignatureVerdict verdict = verify_signature(view, lab, "us-east-1", signed_at + 3);
    CHECK(verdict.failure == SignatureFailure::none);
    CHECK(verdict.service == "ec2");
}

TEST_CASE("botocore's CloudWatch Logs request (JSON 1.1, X-Amz-Target signed) verifies") {
    const std::string body = R"({"logGroupName": "g"})";
    const SignedRequest request{"POST",
                                "/",
                                "",
                                {{"Host", "127.0.0.1:4566"},
                                 {"X-Amz-Target", "Logs_20140328.FilterLogEvents"},
                                 {"Content-Type", "application/x-amz-json-1.1"},
                                 {"X-Amz-Date", "20240101T000000Z"},
                                 {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/logs/aws4_request, "
                                                   "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                                                   "Signature=e267781f4e5344a01e1f543475687470ed06bcf29e10ac26caef74c768e38436"}},
                                body};
    CHECK(sha256_hex(body) == "3a978ba0cab00df99ee3bd0bc068fcb11ff5740bf91d8caa943e81acfd52d9e7");
    const SignatureVerdict verdict = verify_signature(request, lab, "us-east-1", signed_at);
    CHECK(verdict.failure == SignatureFailure::none);
    CHECK(verdict.service == "logs");
}

TEST_CASE("a request is refused, saying why, when anything signed differs or the signature cannot be checked") {
    const auto verdict_of = [](const Ec2Request& request, std::time_t now = signed_at, std::string_view region = "us-east-1") {
        return verify_signature(request.view(), lab, region, now);
    };
    Ec2Request request;
    SUBCASE("one byte of the body") {
        request.body.back() = 'c';
        const auto v = verdict_of(request);
        CHECK(v.failure == SignatureFailure::mismatch);
        CHECK(v.message.find("does not match the signature you provided") != std::string::npos);
    }
    SUBCASE("a signed header's value") {
        request.content_type = "application/x-www-form-urlencoded";
        CHECK(verdict_of(request).failure == SignatureFailure::mismatch);
    }
    SUBCASE("another secret") {
        CHECK(verify_signature(request.view(), {lab.access_key_id, "another-secret"}, "us-east-1", signed_at).failure == SignatureFailure::mismatch);
    }
    SUBCASE("another access key (another stack's)") {
        const auto v = verify_signature(request.view(), {"AKIDOTHERSTACK", lab.secret_access_key}, "us-east-1", signed_at);
        CHECK(v.failure == SignatureFailure::unknown_key);
        CHECK(v.message == "The security token included in the request is invalid.");
    }
    SUBCASE("no Authorization header") {
        request.authorization.clear();
        SignedRequest view = request.view();
        view.headers.erase(view.headers.begin() + 5);
        CHECK(verify_signature(view, lab, "us-east-1", signed_at).failure == SignatureFailure::missing);
    }
    SUBCASE("a malformed Authorization header") {
        const std::string hex64(64, 'a');
        for (const std::string& bad : std::vector<std::string>{"AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1 Credential=AKIDEXAMPLE/20240101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=" + std::string(64, 'a'),
                                      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date",
                                      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/ec2/other, SignedHeaders=host;x-amz-date, Signature=" + std::string(64, 'a'),
                                      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/ec2/aws4_request, SignedHeaders=host;;x-amz-date, Signature=" + std::string(64, 'a'),
                                      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date;host, Signature=" + std::string(64, 'a'),
                                      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
                                      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + std::string(64, 'g')}) {
            request.authorization = bad;
            CHECK_MESSAGE(verdict_of(request).failure == SignatureFailure::malformed, bad);
        }
    }
    SUBCASE("host or the date not signed") {
        request.authorization = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/ec2/aws4_request, SignedHeaders=content-type;x-amz-date, Signature=" +
                                std::string(64, 'a');
        CHECK(verdict_of(request).failure == SignatureFailure::malformed);
    }
    SUBCASE("the scope's region is not the lab's") {
        const auto v = verdict_of(request, signed_at, "ap-northeast-2");
        CHECK(v.failure == SignatureFailure::wrong_scope);
        CHECK(v.message == "Credential should be scoped to a valid region, not 'us-east-1'. ");
    }
    SUBCASE("the scope's date is not X-Amz-Date's") {
        request.date = "20240102T000000Z";
        CHECK(verdict_of(request, signed_at + 86400).failure == SignatureFailure::wrong_scope);
    }
    SUBCASE("signed more than 15 minutes ago: expired; 14 minutes: accepted") {
        const auto v = verdict_of(request, signed_at + 15 * 60 + 1);
        CHECK(v.failure == SignatureFailure::expired);
        CHECK(v.message == "Signature expired: 20240101T000000Z is now earlier than 20240101T000001Z (20240101T001501Z - 15 min.)");
        CHECK(verdict_of(request, signed_at + 14 * 60).failure == SignatureFailure::none);
    }
    SUBCASE("signed more than 15 minutes ahead: not yet current") {
        CHECK(verdict_of(request, signed_at - 15 * 60 - 1).failure == SignatureFailure::not_yet_current);
        CHECK(verdict_of(request, signed_at - 14 * 60).failure == SignatureFailure::none);
    }
    SUBCASE("a malformed X-Amz-Date") {
        request.date = "2024-01-01T00:00:00Z";
        CHECK(verdict_of(request).failure == SignatureFailure::malformed);
    }
}

TEST_CASE("canonical headers: names in any case, whitespace folded, repeats joined; the query sorted and encoded once") {
    const SignedRequest request{"GET",
                                "/a b",
                                "b=2&a=%7E x&a=1",
                                {{"X-Custom", "  one   two\t three "}, {"x-custom", "four"}, {"HOST", "h"}},
                                ""};
    CHECK(canonical_request(request, {"x-custom", "host"}) ==
          "GET\n/a%20b\na=1&a=~%20x&b=2\nhost:h\nx-custom:one two three,four\n\nhost;x-custom\n"
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
