// An HTTP/1.1 request read as it arrives, a piece at a time (the region's web server): the request line,
// the head up to its blank line (RFC 9112 §2.1), then as many body bytes as Content-Length says (counted,
// not kept; what follows is not the request's). Bounded: a head over max_head_bytes, a Content-Length that
// is not a number, or two that differ (RFC 9112 §6.3), is bad. However the bytes are cut into pieces, the
// request reads the same.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vpclab::router {

class HttpRequestReader {
public:
    static constexpr std::size_t max_head_bytes = 65536;
    enum class State { reading, complete, bad };

    // Takes the next bytes of the connection; returns the state after them. Bytes past a complete request
    // (its body read) are ignored; a bad request stays bad.
    State feed(std::string_view bytes);
    State state() const { return state_; }
    bool head_done() const { return head_done_; }

    // Once the head is done: the method and path of its request line ("" and "/" when it has none).
    const std::string& method() const { return method_; }
    const std::string& path() const { return path_; }
    std::size_t body_received() const { return body_received_; }  // at most Content-Length
    // The head's bytes as kept (at most max_head_bytes).
    std::size_t buffered() const { return head_.size(); }

private:
    void finish_head(std::size_t end);
    std::size_t take_body(std::size_t bytes);  // counts up to Content-Length; returns what it counted
    State state_ = State::reading;
    bool head_done_ = false;
    std::string head_;
    std::string method_, path_ = "/";
    unsigned long long body_expected_ = 0;
    std::size_t body_received_ = 0;
};

}  // namespace vpclab::router
