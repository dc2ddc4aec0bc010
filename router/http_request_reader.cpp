// The region web server's request reader: head, request line, Content-Length, body counted.
#include "router/http_request_reader.hpp"

#include <algorithm>
#include <cctype>

namespace vpclab::router {

std::size_t HttpRequestReader::take_body(std::size_t bytes) {
    const auto left = static_cast<std::size_t>(std::min<unsigned long long>(body_expected_ - body_received_, bytes));
    body_received_ += left;
    return left;
}

void HttpRequestReader::finish_head(std::size_t end) {
    head_done_ = true;
    const std::string_view head(head_.data(), end);
    const std::string_view request_line = head.substr(0, head.find("\r\n"));
    const auto sp1 = request_line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? std::string_view::npos : request_line.find(' ', sp1 + 1);
    if (sp1 != std::string_view::npos) method_ = std::string(request_line.substr(0, sp1));
    if (sp2 != std::string_view::npos) path_ = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
    // RFC 9112 §6.3: Content-Length is the body's length; one that is not a number, or two that differ, make
    // the request bad.
    bool have_length = false;
    for (std::size_t at = head.find("\r\n"); at != std::string_view::npos && at < head.size(); at = head.find("\r\n", at + 2)) {
        const std::string_view field = head.substr(at + 2, head.find("\r\n", at + 2) - (at + 2));
        constexpr std::string_view name = "content-length:";
        if (field.size() < name.size() ||
            !std::equal(name.begin(), name.end(), field.begin(), [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); }))
            continue;
        std::string_view value = field.substr(name.size());
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
        if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string_view::npos) {
            state_ = State::bad;
            return;
        }
        const unsigned long long length = std::stoull(std::string(value));
        if (have_length && length != body_expected_) {
            state_ = State::bad;
            return;
        }
        have_length = true;
        body_expected_ = length;
    }
    take_body(head_.size() - (end + 4));  // body bytes that came with the head
    head_.resize(end + 4);
    if (body_received_ >= body_expected_) state_ = State::complete;
}

HttpRequestReader::State HttpRequestReader::feed(std::string_view bytes) {
    if (state_ != State::reading) return state_;
    if (head_done_) {
        take_body(bytes.size());
        if (body_received_ >= body_expected_) state_ = State::complete;
        return state_;
    }
    // The head is kept up to its limit (and its blank line); the blank line may straddle two pieces.
    const std::size_t taken = std::min(bytes.size(), max_head_bytes + 4 - head_.size());
    const std::size_t from = head_.size() < 3 ? 0 : head_.size() - 3;
    head_.append(bytes.substr(0, taken));
    const auto end = head_.find("\r\n\r\n", from);
    if (end == std::string::npos) {
        if (head_.size() >= max_head_bytes + 4) state_ = State::bad;
        return state_;
    }
    finish_head(end);
    if (state_ == State::reading) {
        take_body(bytes.size() - taken);  // what did not fit after the head is body too
        if (body_received_ >= body_expected_) state_ = State::complete;
    }
    return state_;
}

}  // namespace vpclab::router
