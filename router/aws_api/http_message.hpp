// HTTP/1.1 requests to a lab's AWS endpoint and the endpoint's replies (RFC 9112): where a request ends in
// the bytes received so far (the head's blank line, then Content-Length bytes of body), the request line,
// header fields and body as views, and a reply with its length that closes the connection. Bounded: a head
// over 64 KiB or a body over the endpoint's limit is refused as soon as it is known, not read.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vpclab::aws_api {

constexpr std::size_t max_http_head_bytes = 65536;

struct HttpExtent {
    enum class State { incomplete, complete, refused } state = State::incomplete;
    std::size_t length = 0;  // complete: the request's bytes, head and body; incomplete: the same once the
                             // head is known (0 before), so that the caller need not ask again sooner
    int status = 0;          // refused: 400, 413 or 501
    std::string reason;      // refused: why, for the reply's message
};

// Where the first request in `buffered` ends. A body larger than `max_body_bytes` is refused (413).
HttpExtent http_request_extent(std::string_view buffered, std::size_t max_body_bytes);

struct HttpRequest {
    std::string_view method, target, path, query;  // target "/?a=b": path "/", query "a=b"
    std::vector<std::pair<std::string_view, std::string_view>> headers;
    std::string_view body;
    // The first field of that name (case-insensitive), or "".
    std::string_view header(std::string_view name) const;
};

// Parses a whole request as http_request_extent delimited it. False with `error` when it is not HTTP/1.x.
bool parse_http_request(std::string_view whole, HttpRequest& out, std::string& error);

// "HTTP/1.1 <status> <reason>" with Content-Type, Content-Length, x-amzn-RequestId, Date and
// Connection: close (one request per connection, as the control socket).
std::string http_response(int status, std::string_view content_type, std::string_view body, std::string_view request_id);

}  // namespace vpclab::aws_api
