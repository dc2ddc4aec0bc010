// The PROXY v2 header (haproxy's proxy-protocol.txt, section 2.2) and the sequence shift that inserting it
// needs: checked against a plain reading of the format, and checksums checked after every change.
#include <doctest/doctest.h>

#include <cstring>
#include <random>

#include "endpoints/proxy_protocol.hpp"
#include "tests/unit/packet_builder.hpp"

using namespace vpclab;

TEST_CASE("the PROXY v2 header: signature, command, family, addresses, ports and the endpoint ID TLV") {
    std::uint8_t out[128] = {};
    const std::string id = "vpce-0123456789abcdef0";
    const std::size_t n = endpoints::write_proxy_v2_header(wire::Bytes(out, sizeof out), 0x0a0a0004, 40000, 0x0a0a0005, 80, id);
    REQUIRE(n == endpoints::proxy_v2_header_length(id.size()));
    CHECK(n == 16 + 12 + 4 + id.size());
    const std::uint8_t expected[] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0x00,
                                     static_cast<std::uint8_t>(n - 16), 10, 10, 0, 4, 10, 10, 0, 5, 0x9c, 0x40, 0x00, 0x50, 0xEA,
                                     0x00, static_cast<std::uint8_t>(1 + id.size()), 0x01};
    CHECK(std::memcmp(out, expected, sizeof expected) == 0);
    CHECK(std::string(reinterpret_cast<const char*>(out + sizeof expected), id.size()) == id);
    // Too small a buffer, or an ID too long for the TLV: nothing written.
    CHECK(endpoints::write_proxy_v2_header(wire::Bytes(out, n - 1), 1, 2, 3, 4, id) == 0);
    // Not through an endpoint: no TLV, 28 bytes whose length field says 12.
    CHECK(endpoints::write_proxy_v2_header(wire::Bytes(out, sizeof out), 1, 2, 3, 4, "") == 28);
    CHECK(out[15] == 12);
    // A health check's LOCAL header: command 0x20, family unspecified, no addresses.
    const auto local = endpoints::proxy_v2_local_header();
    REQUIRE(local.size() == 16);
    CHECK(std::memcmp(local.data(), expected, 12) == 0);
    CHECK(local[12] == 0x20);
    CHECK(local[13] == 0x00);
    CHECK(local[14] == 0x00);
    CHECK(local[15] == 0x00);
    std::vector<std::uint8_t> big(600);
    CHECK(endpoints::write_proxy_v2_header(big, 1, 2, 3, 4, std::string(256, 'x')) == 0);
}

TEST_CASE("the sequence shift keeps checksums right, wraps around 2^32, and moves SACK blocks") {
    std::mt19937 random(7);
    for (int i = 0; i < 200; ++i) {
        auto p = test::build_tcp_segment(0x0a0a0004, 0x14140006, 40000, 80, 0x10, i % 50);
        const std::uint32_t seq = random(), acknowledged = random(), shift = 1 + random() % 300;
        wire::store_be32(p.data() + 24, seq);
        wire::store_be32(p.data() + 28, acknowledged);
        wire::store_be16(p.data() + 36, 0);
        wire::store_be16(p.data() + 36, test::l4_checksum_of(p));
        endpoints::shift_sequence(p, shift, false);
        CHECK(wire::load_be32(p.data() + 24) == seq + shift);
        CHECK(test::verify_checksums(p).empty());
        endpoints::unshift_acknowledgment(p, shift, acknowledged - static_cast<std::uint32_t>(random() % 1000), false);
        CHECK(test::verify_checksums(p).empty());
    }
    // Acknowledgments by value (stream start 0xfffffff0, 54 bytes inserted): past the header, within it,
    // across the 2^32 wrap (0 is 16 bytes past this start), and before the stream left alone.
    const std::uint32_t start = 0xfffffff0;
    const std::pair<std::uint32_t, std::uint32_t> cases[] = {
        {start + 54 + 100, start + 100}, {start + 54, start}, {start + 10, start}, {start, start}, {0x30, 0xfffffffa}, {start - 5, start - 5}, {0, start}, {start - 0x10000, start - 0x10000},
    };
    for (const auto& c : cases) {
        const std::uint32_t sent = c.first, seen = c.second;  // not a structured binding: CAPTURE's lambda takes it
        auto p = test::build_tcp_segment(0x14140006, 0x14140004, 8080, 1024, 0x10, 0);
        wire::store_be32(p.data() + 28, sent);
        wire::store_be16(p.data() + 36, 0);
        wire::store_be16(p.data() + 36, test::l4_checksum_of(p));
        endpoints::unshift_acknowledgment(p, 54, start, false);
        CAPTURE(sent);
        CHECK(wire::load_be32(p.data() + 28) == seen);
        CHECK(test::verify_checksums(p).empty());
    }
    // A segment with options: NOP, NOP, SACK with two blocks (RFC 2018), as Linux lays them out.
    std::vector<std::uint8_t> p(20 + 40, 0);
    wire::Ipv4View::build(p, 6, 0x14140004, 0x14140006, static_cast<std::uint16_t>(p.size()));
    wire::store_be16(p.data() + 20, 80);
    wire::store_be16(p.data() + 22, 40000);
    wire::store_be32(p.data() + 28, 1100);
    p[32] = 10 << 4;  // 40-byte header
    p[33] = 0x10;
    const std::uint8_t options[] = {1, 1, 5, 18};
    std::memcpy(p.data() + 40, options, 4);
    const std::uint32_t edges[] = {1200, 1300, 1400, 1500};
    for (int i = 0; i < 4; ++i) wire::store_be32(p.data() + 44 + 4 * i, edges[i]);
    wire::store_be16(p.data() + 36, test::l4_checksum_of(p));
    endpoints::unshift_acknowledgment(p, 54, 1001, false);
    CHECK(wire::load_be32(p.data() + 28) == 1046);
    for (int i = 0; i < 4; ++i) CHECK(wire::load_be32(p.data() + 44 + 4 * i) == edges[i] - 54);
    CHECK(test::verify_checksums(p).empty());
    // The same block at an odd offset (one NOP before it): the checksum's words straddle its edges.
    std::vector<std::uint8_t> q2(20 + 32, 0);
    wire::Ipv4View::build(q2, 6, 0x14140004, 0x14140006, static_cast<std::uint16_t>(q2.size()));
    wire::store_be32(q2.data() + 28, 1100);
    q2[32] = 8 << 4;  // 32-byte header: NOP, SACK (10 bytes: one block), EOL padding
    q2[33] = 0x10;
    q2[40] = 1;
    q2[41] = 5;
    q2[42] = 10;
    wire::store_be32(q2.data() + 43, 1200);
    wire::store_be32(q2.data() + 47, 1300);
    wire::store_be16(q2.data() + 36, test::l4_checksum_of(q2));
    endpoints::unshift_acknowledgment(q2, 54, 1001, false);
    CHECK(wire::load_be32(q2.data() + 43) == 1146);
    CHECK(wire::load_be32(q2.data() + 47) == 1246);
    CHECK(test::verify_checksums(q2).empty());
    // A partial checksum (offloaded) holds no sequence number: left as it is.
    auto q = test::build_tcp_segment(1, 2, 3, 4, 0x10);
    const std::uint16_t before = wire::load_be16(q.data() + 36);
    endpoints::shift_sequence(q, 100, true);
    CHECK(wire::load_be16(q.data() + 36) == before);
    // Not TCP, or a header cut short: nothing changes.
    auto udp = test::build_packet({17, 1, 2, 3, 4});
    const auto kept = udp;
    endpoints::shift_sequence(udp, 5, false);
    CHECK(udp == kept);
}
