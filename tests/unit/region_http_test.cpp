// The region web server's pure parts: the request reader (whole, in pieces, bounded) against a slow obvious
// reading of the same bytes, and the connection table's shares, making room and deadlines.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "router/http_request_reader.hpp"
#include "router/region_http_connections.hpp"

using namespace vpclab::router;
using State = HttpRequestReader::State;

namespace {
HttpRequestReader read_in_pieces(const std::string& bytes, std::mt19937& rng) {
    HttpRequestReader r;
    for (std::size_t at = 0; at < bytes.size();) {
        const std::size_t n = std::min<std::size_t>(bytes.size() - at, 1 + rng() % 40);
        r.feed(std::string_view(bytes).substr(at, n));
        at += n;
    }
    return r;
}

// The obvious reading: the whole connection's bytes at once.
struct Reference {
    State state = State::reading;
    std::string method, path = "/";
    std::size_t body = 0;
};
Reference reference(const std::string& bytes) {
    Reference out;
    const auto end = bytes.find("\r\n\r\n");
    if (end == std::string::npos || end > HttpRequestReader::max_head_bytes) {
        out.state = bytes.size() >= HttpRequestReader::max_head_bytes + 4 ? State::bad : State::reading;
        return out;
    }
    const std::string line = bytes.substr(0, bytes.find("\r\n"));
    const auto sp1 = line.find(' '), sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
    if (sp1 != std::string::npos) out.method = line.substr(0, sp1);
    if (sp2 != std::string::npos) out.path = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::size_t expected = 0;
    bool have_length = false;
    const std::string head = bytes.substr(0, end);
    for (std::size_t at = head.find("\r\n"); at != std::string::npos; at = head.find("\r\n", at + 2)) {
        std::string field = head.substr(at + 2, head.find("\r\n", at + 2) - (at + 2));
        for (char& c : field) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (field.rfind("content-length:", 0) != 0) continue;
        std::string v = field.substr(15);
        while (!v.empty() && (v[0] == ' ' || v[0] == '\t')) v.erase(0, 1);
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
        if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) {
            out.state = State::bad;
            return out;
        }
        if (have_length && std::stoull(v) != expected) {
            out.state = State::bad;
            return out;
        }
        have_length = true;
        expected = std::stoull(v);
    }
    out.body = std::min(bytes.size() - (end + 4), expected);
    out.state = out.body >= expected ? State::complete : State::reading;
    return out;
}
}  // namespace

TEST_CASE("HTTP request reader: a request whole or a byte at a time, its body counted, bad lengths refused") {
    const std::string get = "GET /bytes/10 HTTP/1.1\r\nHost: s3\r\n\r\n";
    HttpRequestReader whole;
    CHECK(whole.feed(get) == State::complete);
    CHECK(whole.method() == "GET");
    CHECK(whole.path() == "/bytes/10");
    HttpRequestReader bytewise;
    for (std::size_t i = 0; i + 1 < get.size(); ++i) CHECK(bytewise.feed(get.substr(i, 1)) == State::reading);
    CHECK(bytewise.feed(get.substr(get.size() - 1)) == State::complete);
    CHECK(bytewise.path() == "/bytes/10");

    HttpRequestReader post;
    CHECK(post.feed("POST /up HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123") == State::reading);
    CHECK(post.body_received() == 4);
    CHECK(post.feed("456789") == State::complete);
    CHECK(post.body_received() == 10);
    CHECK(post.feed("more") == State::complete);  // what follows a whole request is not read
    CHECK(post.body_received() == 10);
    HttpRequestReader at_once;  // the same bytes in one piece: the same count
    CHECK(at_once.feed("POST /up HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789more") == State::complete);
    CHECK(at_once.body_received() == 10);
    HttpRequestReader twice;  // RFC 9112 §6.3: lengths that differ are an error; the same one twice is not
    CHECK(twice.feed("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n") == State::bad);
    HttpRequestReader same;
    CHECK(same.feed("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc") == State::complete);

    for (const char* bad : {"Content-Length: x1", "Content-Length: -1", "Content-Length: 99999999999999999999", "content-length:"}) {
        HttpRequestReader r;
        CAPTURE(bad);
        CHECK(r.feed(std::string("POST / HTTP/1.1\r\n") + bad + "\r\n\r\n") == State::bad);
        CHECK(r.feed("GET / HTTP/1.1\r\n\r\n") == State::bad);  // bad stays bad
    }
}

TEST_CASE("HTTP request reader: a head is kept only up to 64 KiB, however it is sent") {
    HttpRequestReader r;
    const std::string line = "X-A: " + std::string(1000, 'a') + "\r\n";
    CHECK(r.feed("GET / HTTP/1.1\r\n") == State::reading);
    State s = State::reading;
    for (int i = 0; i < 200 && s == State::reading; ++i) {
        s = r.feed(line);
        CHECK(r.buffered() <= HttpRequestReader::max_head_bytes + 4);
    }
    CHECK(s == State::bad);
    CHECK(r.buffered() <= HttpRequestReader::max_head_bytes + 4);
    // A head of exactly the limit is read; the body that did not fit in the head's buffer is counted.
    const std::string start = "POST / HTTP/1.1\r\nContent-Length: 4\r\nX: ";
    const std::string at_limit = start + std::string(HttpRequestReader::max_head_bytes - start.size(), 'b') + "\r\n\r\n";
    HttpRequestReader edge;
    CHECK(edge.feed(at_limit + "tail") == State::complete);
    CHECK(edge.body_received() == 4);
    HttpRequestReader over;
    CHECK(over.feed("G" + at_limit) == State::bad);
}

TEST_CASE("HTTP request reader: random requests in random pieces read as the whole bytes do (10,000 cases)") {
    std::mt19937 rng(23);
    const char* const methods[] = {"GET", "POST", "HEAD", "PUT", ""};
    for (int n = 0; n < 10000; ++n) {
        std::string req = std::string(methods[rng() % 5]) + " /p" + std::to_string(rng() % 100) + (rng() % 8 ? " HTTP/1.1" : "") + "\r\n";
        const int fields = static_cast<int>(rng() % 4);
        for (int f = 0; f < fields; ++f) {
            switch (rng() % 4) {
                case 0: req += "Content-Length: " + std::to_string(rng() % 20) + "\r\n"; break;
                case 1: req += "content-LENGTH:\t" + std::to_string(rng() % 5) + " \r\n"; break;
                case 2: req += "Content-Length: 1x\r\n"; break;
                default: req += "Host: h" + std::string(rng() % 30, 'h') + "\r\n"; break;
            }
        }
        if (rng() % 10) req += "\r\n";
        req += std::string(rng() % 25, 'd');
        const Reference want = reference(req);
        const HttpRequestReader got = read_in_pieces(req, rng);
        CAPTURE(req);
        REQUIRE(got.state() == want.state);
        if (got.head_done() && got.state() != State::bad) {
            CHECK(got.method() == want.method);
            CHECK(got.path() == want.path);
            CHECK(got.body_received() == want.body);  // at most Content-Length, however the bytes came
        }
    }
}

TEST_CASE("region connections: one address holds at most its share, and its own oldest idle connection makes room") {
    RegionConnections t;
    const std::uint32_t a = 0x0a000001, b = 0x0a000002;
    std::int64_t now = 1000;
    for (std::size_t i = 0; i < RegionConnections::max_per_address; ++i) {
        const auto adm = t.admit(a);
        REQUIRE(adm.slot);
        CHECK_FALSE(adm.evicted);
        t.open(*adm.slot, a, now++);
    }
    CHECK(t.count_of(a) == RegionConnections::max_per_address);
    // The 33rd from a: a's oldest (slot 0, opened first) gives way; b is not touched.
    const auto b_adm = t.admit(b);
    t.open(*b_adm.slot, b, now++);
    const auto more = t.admit(a);
    REQUIRE(more.evicted);
    CHECK(*more.evicted == 0);
    CHECK(t[*more.evicted].peer == a);
    // Connections already answering are never the ones to go: all of a's busy, a's next is refused.
    for (std::size_t i = 0; i < RegionConnections::max_connections; ++i)
        if (t[i].used && t[i].peer == a) t.response_progressed(i, now);
    CHECK_FALSE(t.admit(a).slot);
    CHECK(t.admit(b).slot);  // others still get in
}

TEST_CASE("region connections: a full table closes the oldest connection still waiting for its request, never a busy one") {
    RegionConnections t;
    std::int64_t now = 0;
    for (std::size_t i = 0; i < RegionConnections::max_connections; ++i) {
        const std::uint32_t peer = 0x0a000000 + static_cast<std::uint32_t>(i / RegionConnections::max_per_address);
        const auto adm = t.admit(peer);
        REQUIRE(adm.slot);
        t.open(*adm.slot, peer, now++);
    }
    CHECK(t.size() == RegionConnections::max_connections);
    t.response_progressed(0, now);  // the oldest is answering: not it
    const auto adm = t.admit(0x0b000001);
    REQUIRE(adm.evicted);
    CHECK(*adm.evicted == 1);
    for (std::size_t i = 0; i < RegionConnections::max_connections; ++i) t.response_progressed(i, now);
    CHECK_FALSE(t.admit(0x0b000001).slot);
}

TEST_CASE("region connections: deadlines for a request's head, its body, and a stalled response") {
    RegionConnections t;
    t.open(0, 1, 0);
    t.open(1, 2, 0);
    t.open(2, 3, 0);
    CHECK(t.next_deadline() == RegionConnections::request_ms);
    CHECK(t.overdue(RegionConnections::request_ms - 1).empty());
    t.body_progressed(1, 5000);                                // a body still arriving gets longer
    t.response_progressed(2, 9000);                            // an answer in progress gets the response's time
    CHECK(t.overdue(RegionConnections::request_ms) == std::vector<std::size_t>{0});
    t.close(0);
    CHECK(t.overdue(5000 + RegionConnections::request_ms) == std::vector<std::size_t>{1});
    t.close(1);
    CHECK(t.next_deadline() == 9000 + RegionConnections::stalled_response_ms);
    CHECK(t.overdue(9000 + RegionConnections::stalled_response_ms - 1).empty());
    t.close(2);
    CHECK_FALSE(t.next_deadline());
}
