// HTTP requests to the AWS endpoint (router/aws_api/http_message.hpp): where a request ends however its
// bytes arrive, what is refused before it is read (too large, chunked, conflicting lengths), the parse.
#include <doctest/doctest.h>

#include <string>

#include "router/aws_api/http_message.hpp"

using namespace vpclab::aws_api;

namespace {
// A request as botocore sends it (headers abridged).
const std::string request =
    "POST / HTTP/1.1\r\nHost: 127.0.0.1:4566\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
    "X-Amz-Date: 20261205T120000Z\r\nContent-Length: 38\r\n\r\nAction=DescribeVpcs&Version=2016-11-15";
}  // namespace

TEST_CASE("a request is whole once its head and Content-Length bytes of body have come, however they are cut") {
    for (std::size_t cut = 0; cut < request.size(); ++cut) {
        const HttpExtent part = http_request_extent(std::string_view(request).substr(0, cut), 1 << 20);
        REQUIRE(part.state == HttpExtent::State::incomplete);
    }
    // Once the head is in, the extent says how long the request will be, so no one asks again sooner.
    const HttpExtent head_only = http_request_extent(std::string_view(request).substr(0, request.size() - 10), 1 << 20);
    CHECK(head_only.length == request.size());
    const HttpExtent whole = http_request_extent(request + "GET / HTTP/1.1\r\n", 1 << 20);
    REQUIRE(whole.state == HttpExtent::State::complete);
    CHECK(whole.length == request.size());
    HttpRequest parsed;
    std::string error;
    REQUIRE(parse_http_request(std::string_view(request).substr(0, whole.length), parsed, error));
    CHECK(parsed.method == "POST");
    CHECK(parsed.path == "/");
    CHECK(parsed.query.empty());
    CHECK(parsed.header("x-amz-date") == "20261205T120000Z");
    CHECK(parsed.header("content-type") == "application/x-www-form-urlencoded; charset=utf-8");
    CHECK(parsed.header("missing").empty());
    CHECK(parsed.body == "Action=DescribeVpcs&Version=2016-11-15");
}

TEST_CASE("what is refused before the body is read, with the status that says why") {
    const auto refusal = [](const std::string& head, std::size_t max_body) {
        const HttpExtent e = http_request_extent(head, max_body);
        CHECK(e.state == HttpExtent::State::refused);
        return e.status;
    };
    CHECK(refusal("POST / HTTP/1.1\r\nContent-Length: 10485760\r\n\r\n", 1 << 20) == 413);  // a 10 MB body: not waited for
    CHECK(refusal("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 1 << 20) == 501);
    CHECK(refusal("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 1 << 20) == 400);
    CHECK(refusal("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 1 << 20) == 400);
    CHECK(refusal("POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\n", 1 << 20) == 400);
    CHECK(refusal("POST / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", 1 << 20) == 400);
    CHECK(refusal(std::string(max_http_head_bytes + 1, 'a'), 1 << 20) == 400);  // a head that never ends
    // Two equal lengths are one length (RFC 9112 §6.3).
    CHECK(http_request_extent("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", 10).state == HttpExtent::State::complete);
}

TEST_CASE("the request line and target") {
    HttpRequest parsed;
    std::string error;
    REQUIRE(parse_http_request("GET /?Action=DescribeVpcs&Version=2016-11-15 HTTP/1.1\r\nHost: h\r\n\r\n", parsed, error));
    CHECK(parsed.method == "GET");
    CHECK(parsed.path == "/");
    CHECK(parsed.query == "Action=DescribeVpcs&Version=2016-11-15");
    CHECK_FALSE(parse_http_request("GET / SPDY/3\r\n\r\n", parsed, error));
    CHECK(error == "the request line is not METHOD TARGET HTTP/1.x");
    CHECK_FALSE(parse_http_request("no blank line", parsed, error));
}

TEST_CASE("a reply says how long it is and that the connection closes") {
    const std::string reply = http_response(412, "text/xml;charset=UTF-8", "<x/>", "id-1");
    CHECK(reply.rfind("HTTP/1.1 412 Precondition Failed\r\n", 0) == 0);
    CHECK(reply.find("\r\nContent-Length: 4\r\n") != std::string::npos);
    CHECK(reply.find("\r\nx-amzn-RequestId: id-1\r\n") != std::string::npos);
    CHECK(reply.find("\r\nConnection: close\r\n") != std::string::npos);
    CHECK(reply.substr(reply.size() - 8) == "\r\n\r\n<x/>");
}
