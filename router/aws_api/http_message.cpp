// Cutting, parsing and answering HTTP/1.1 requests to the AWS endpoint.
#include "router/aws_api/http_message.hpp"

#include "endpoints/http_reason_phrase.hpp"

#include <charconv>
#include <ctime>
#include <strings.h>

namespace vpclab::aws_api {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) { return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0; }

// Splits the head (without its blank line) into the request line and fields; false if a line is not a field.
bool split_head(std::string_view head, std::string_view& request_line, std::vector<std::pair<std::string_view, std::string_view>>& fields) {
    std::size_t end = head.find("\r\n");
    request_line = head.substr(0, end);
    while (end != std::string_view::npos) {
        head.remove_prefix(end + 2);
        end = head.find("\r\n");
        const std::string_view line = head.substr(0, end);
        const auto colon = line.find(':');
        // RFC 9112 §5.1: no whitespace between the name and the colon; §5.2: obsolete line folding refused.
        if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' || line.front() == '\t' ||
            line[colon - 1] == ' ' || line[colon - 1] == '\t')
            return false;
        fields.emplace_back(line.substr(0, colon), trim(line.substr(colon + 1)));
    }
    return true;
}

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequals(k, name)) return v;
    return {};
}

HttpExtent http_request_extent(std::string_view buffered, std::size_t max_body_bytes) {
    HttpExtent out;
    const auto refuse = [&out](int status, std::string reason) {
        out.state = HttpExtent::State::refused;
        out.status = status;
        out.reason = std::move(reason);
        return out;
    };
    const auto blank = buffered.find("\r\n\r\n");
    if (blank == std::string_view::npos) {
        if (buffered.size() > max_http_head_bytes) return refuse(400, "the request's head is larger than " + std::to_string(max_http_head_bytes) + " bytes");
        return out;
    }
    if (blank + 4 > max_http_head_bytes) return refuse(400, "the request's head is larger than " + std::to_string(max_http_head_bytes) + " bytes");
    std::string_view request_line;
    std::vector<std::pair<std::string_view, std::string_view>> fields;
    if (!split_head(buffered.substr(0, blank), request_line, fields)) return refuse(400, "a header line is not a field (name: value)");
    bool have_length = false;
    unsigned long long length = 0;
    for (const auto& [name, value] : fields) {
        if (iequals(name, "Transfer-Encoding")) return refuse(501, "Transfer-Encoding is not accepted: send Content-Length");
        if (!iequals(name, "Content-Length")) continue;
        unsigned long long this_length = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), this_length);
        if (ec != std::errc() || end != value.data() + value.size() || value.empty()) return refuse(400, "Content-Length is not a number");
        if (have_length && this_length != length) return refuse(400, "two Content-Length fields differ");  // RFC 9112 §6.3
        have_length = true;
        length = this_length;
    }
    if (length > max_body_bytes) return refuse(413, "the request's body is larger than " + std::to_string(max_body_bytes) + " bytes");
    if (buffered.size() - (blank + 4) < length) {
        out.length = blank + 4 + static_cast<std::size_t>(length);  // what must have come before it is whole
        return out;
    }
    out.state = HttpExtent::State::complete;
    out.length = blank + 4 + static_cast<std::size_t>(length);
    return out;
}

bool parse_http_request(std::string_view whole, HttpRequest& out, std::string& error) {
    const auto blank = whole.find("\r\n\r\n");
    std::string_view request_line;
    out.headers.clear();
    if (blank == std::string_view::npos || !split_head(whole.substr(0, blank), request_line, out.headers)) {
        error = "not an HTTP request";
        return false;
    }
    const auto sp1 = request_line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || request_line.substr(sp2 + 1).substr(0, 7) != "HTTP/1.") {
        error = "the request line is not METHOD TARGET HTTP/1.x";
        return false;
    }
    out.method = request_line.substr(0, sp1);
    out.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto question = out.target.find('?');
    out.path = out.target.substr(0, question);
    out.query = question == std::string_view::npos ? std::string_view() : out.target.substr(question + 1);
    out.body = whole.substr(blank + 4);
    return true;
}

std::string http_response(int status, std::string_view content_type, std::string_view body, std::string_view request_id) {
    char date[64];
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &utc);
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + endpoints::http_reason_phrase(status) + "\r\n";
    out += "x-amzn-RequestId: ";
    out += request_id;
    out += "\r\nContent-Type: ";
    out += content_type;
    out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nDate: " + date + "\r\nServer: vpclab\r\nConnection: close\r\n\r\n";
    out += body;
    return out;
}

}  // namespace vpclab::aws_api
