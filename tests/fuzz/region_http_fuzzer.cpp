// Fuzzes the region web server's request reader and answers: byte 0 picks how the rest is cut into the
// pieces the socket would deliver; the request read in those pieces must read as it does whole, stay within
// its 64 KiB bound, and the answer to what it read must never throw or claim more than 100 MB.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "endpoints/region_catalog.hpp"
#include "router/http_request_reader.hpp"
#include "router/region_http_server.hpp"

using namespace vpclab;

namespace {
[[noreturn]] void finding(const char* what) {
    std::fprintf(stderr, "region http: %s\n", what);
    std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const endpoints::RegionCatalog catalog("ap-northeast-2", endpoints::PublicAddressPlan{});
    if (size == 0) return 0;
    const std::size_t piece = 1 + data[0] % 64;
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    router::HttpRequestReader whole, pieces;
    whole.feed(bytes);
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
        pieces.feed(bytes.substr(at, piece));
        if (pieces.buffered() > router::HttpRequestReader::max_head_bytes + 4) finding("the head outgrew its bound");
    }
    if (whole.state() != pieces.state() || whole.head_done() != pieces.head_done()) finding("pieces read differently from the whole");
    if (whole.head_done() && whole.state() != router::HttpRequestReader::State::bad &&
        (whole.method() != pieces.method() || whole.path() != pieces.path()))
        finding("pieces read another request line");
    if (whole.head_done() && whole.state() != router::HttpRequestReader::State::bad && whole.body_received() != pieces.body_received())
        finding("pieces counted another body");
    if (whole.state() != router::HttpRequestReader::State::complete) return 0;
    const auto answer = router::answer_http(whole.method(), whole.path(), whole.body_received(), 0xc6120a0a, 0x0a000004, catalog);
    if (answer.filler_bytes > 100'000'000) finding("an answer over 100 MB");
    if (answer.status != 200 && answer.status != 400 && answer.status != 405) finding("a status the server has no reason for");
    return 0;
}
