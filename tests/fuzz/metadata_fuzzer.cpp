// Fuzzes the instance metadata service's request handling (bytes as what an instance sends to
// 169.254.169.254:80, up to the blank line) against a fixed lab: never a crash, a hang or a leak; every
// answer renders with one of the statuses the EC2 service gives, and names the asking instance's own ID.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "endpoints/instance_metadata.hpp"
#include "tests/unit/two_subnet_lab.hpp"

namespace {
struct Fixture {
    vpclab::test::TwoSubnetLab lab;
    std::string instance;
    vpclab::endpoints::MetadataTokens tokens;
    std::uint64_t made = 0;
    Fixture() { instance = lab.launch(lab.priv); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Fixture f;  // tokens persist across inputs: the table's bounds are exercised too
    std::string_view input(reinterpret_cast<const char*>(data), size);
    if (const auto end = input.find("\r\n\r\n"); end != std::string_view::npos) input = input.substr(0, end);
    const auto request = vpclab::endpoints::parse_http_request(input);
    if (!request) return 0;
    const auto facts = vpclab::endpoints::instance_facts(f.lab.m, f.lab.m.instance(f.instance));
    const auto response = vpclab::endpoints::answer_metadata(*request, facts, f.tokens, 1000,
                                                             [&] { return "token-" + std::to_string(++f.made); });
    switch (response.status) {
        case 200: case 400: case 401: case 403: case 404: case 405: break;
        default: std::abort();
    }
    if (f.tokens.size() > vpclab::endpoints::MetadataTokens::capacity) std::abort();
    if (response.status == 200 && request->method == "GET" && request->path == "/latest/meta-data/instance-id" && response.body != f.instance)
        std::abort();
    const std::string bytes = vpclab::endpoints::render_http(response);
    if (bytes.rfind("HTTP/1.1 ", 0) != 0 || bytes.size() < response.body.size()) std::abort();
    return 0;
}
