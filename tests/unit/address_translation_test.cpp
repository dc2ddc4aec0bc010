// 1:1 NAT as tables of 5-tuples in and out; every checksum checked against a from-scratch recomputation.
#include <doctest/doctest.h>

#include <random>

#include "endpoints/address_translation.hpp"
#include "tests/unit/packet_builder.hpp"

using namespace vpclab;
using endpoints::NatField;
using test::FiveTuple;

namespace {
constexpr std::uint32_t private_ip = 0x0a0a0004;  // 10.10.0.4
constexpr std::uint32_t public_ip = 0xc613000a;   // 198.19.0.10
constexpr std::uint32_t s3 = 0xc6120a0a;          // 198.18.10.10
}  // namespace

TEST_CASE("outbound SNAT and inbound DNAT: 5-tuples in and out") {
    struct Row {
        NatField field;
        FiveTuple in, out;
        std::size_t options;
    };
    const std::vector<Row> table = {
        {NatField::source, {6, private_ip, s3, 40000, 80}, {6, public_ip, s3, 40000, 80}, 0},
        {NatField::source, {17, private_ip, s3, 5353, 53}, {17, public_ip, s3, 5353, 53}, 0},
        {NatField::source, {1, private_ip, s3, 0x0b50, 0}, {1, public_ip, s3, 0x0b50, 0}, 0},
        {NatField::source, {6, private_ip, s3, 1, 65535}, {6, public_ip, s3, 1, 65535}, 8},  // IP options
        {NatField::destination, {6, s3, public_ip, 80, 40000}, {6, s3, private_ip, 80, 40000}, 0},
        {NatField::destination, {17, s3, public_ip, 53, 5353}, {17, s3, private_ip, 53, 5353}, 4},
        {NatField::destination, {1, s3, public_ip, 0x0b50, 0}, {1, s3, private_ip, 0x0b50, 0}, 0},
    };
    for (const auto& row : table) {
        CAPTURE(int(row.in.protocol));
        auto p = test::build_packet(row.in, 33, row.options);
        REQUIRE(test::verify_checksums(p) == "");
        const auto [from, to] = row.field == NatField::source ? std::pair{private_ip, public_ip} : std::pair{public_ip, private_ip};
        endpoints::translate_address(p, row.field, from, to, false);
        CHECK(test::tuple_of(p) == row.out);
        CHECK(test::verify_checksums(p) == "");
    }
}

TEST_CASE("a packet whose address is not the one to translate is left alone") {
    auto p = test::build_packet({6, 0x0a0a0005, s3, 1, 2});
    const auto before = p;
    endpoints::translate_address(p, NatField::source, private_ip, public_ip, false);
    CHECK(p == before);
}

TEST_CASE("UDP without a checksum keeps none; a result of zero is sent as 0xffff") {
    auto p = test::build_packet({17, private_ip, s3, 1000, 2000});
    wire::store_be16(p.data() + 26, 0);
    endpoints::translate_address(p, NatField::source, private_ip, public_ip, false);
    CHECK(wire::load_be16(p.data() + 26) == 0);
    CHECK(test::verify_checksums(p) == "");
}

TEST_CASE("partial checksums (offloaded frames) become right once the kernel finishes them") {
    for (std::uint8_t protocol : {std::uint8_t{6}, std::uint8_t{17}}) {
        auto p = test::build_packet({protocol, private_ip, s3, 40000, 80}, 100);
        const std::size_t at = 20 + (protocol == 6 ? 16 : 6);
        // What a TAP hands over with NEEDS_CSUM: the field holds the pseudo-header sum, not complemented.
        const std::uint16_t partial = wire::fold(wire::pseudo_header_sum(private_ip, s3, protocol, static_cast<std::uint16_t>(p.size() - 20)));
        wire::store_be16(p.data() + at, partial);
        endpoints::translate_address(p, NatField::source, private_ip, public_ip, true);
        CHECK(wire::load_be16(p.data() + at) ==
              wire::fold(wire::pseudo_header_sum(public_ip, s3, protocol, static_cast<std::uint16_t>(p.size() - 20))));
        // Finishing it as the kernel would (sum over the L4 bytes, complemented) verifies.
        wire::store_be16(p.data() + at, wire::internet_checksum(wire::ConstBytes(p.data() + 20, p.size() - 20)));
        CHECK(test::verify_checksums(p) == "");
    }
}

TEST_CASE("ICMP errors: the quoted packet is translated the other way, with all checksums") {
    SUBCASE("inbound: port unreachable from the internet about a UDP packet the instance sent") {
        // The instance sent UDP private→s3; the IGW made it public→s3; s3 answers "port unreachable" to public.
        auto sent = test::build_packet({17, public_ip, s3, 5000, 9999});
        auto error = test::build_icmp_error(3, 3, s3, sent, 8);
        REQUIRE(test::verify_checksums(error) == "");
        endpoints::translate_address(error, NatField::destination, public_ip, private_ip, false);
        CHECK(wire::load_be32(error.data() + 16) == private_ip);           // outer destination
        CHECK(wire::load_be32(error.data() + 28 + 12) == private_ip);      // quoted source
        CHECK(test::verify_checksums(error) == "");
        // The quoted UDP checksum now matches what the instance originally sent.
        const auto original = test::build_packet({17, private_ip, s3, 5000, 9999});
        CHECK(wire::load_be16(error.data() + 28 + 20 + 6) == wire::load_be16(original.data() + 26));
    }
    SUBCASE("inbound: time exceeded quoting a whole TCP header") {
        auto sent = test::build_packet({6, public_ip, s3, 40000, 80});
        auto error = test::build_icmp_error(11, 0, 0xc6120002, sent, 20);
        endpoints::translate_address(error, NatField::destination, public_ip, private_ip, false);
        CHECK(wire::load_be32(error.data() + 28 + 12) == private_ip);
        CHECK(test::verify_checksums(error) == "");
        const auto original = test::build_packet({6, private_ip, s3, 40000, 80});
        CHECK(wire::load_be16(error.data() + 28 + 20 + 16) == wire::load_be16(original.data() + 36));
    }
    SUBCASE("outbound: the instance reports port unreachable to an internet host") {
        auto received = test::build_packet({17, s3, private_ip, 53, 7000});
        auto error = test::build_icmp_error(3, 3, private_ip, received, 8);
        endpoints::translate_address(error, NatField::source, private_ip, public_ip, false);
        CHECK(wire::load_be32(error.data() + 12) == public_ip);
        CHECK(wire::load_be32(error.data() + 28 + 16) == public_ip);  // quoted destination
        CHECK(test::verify_checksums(error) == "");
    }
    SUBCASE("a quote too short for an IP header: only the outer header changes") {
        auto sent = test::build_packet({17, public_ip, s3, 5000, 9999});
        auto error = test::build_icmp_error(3, 3, s3, sent, 8);
        error.resize(20 + 8 + 12);
        wire::store_be16(error.data() + 2, static_cast<std::uint16_t>(error.size()));
        wire::Ipv4View(error).fill_header_checksum();
        endpoints::translate_address(error, NatField::destination, public_ip, private_ip, false);
        CHECK(wire::load_be32(error.data() + 16) == private_ip);
        CHECK(wire::fold(wire::ones_complement_sum(wire::ConstBytes(error.data(), 20))) == 0xffff);
    }
}

TEST_CASE("fragments: only the first carries an L4 header to fix") {
    auto p = test::build_packet({17, private_ip, s3, 1, 2}, 64, 0, false);
    auto later = p;
    wire::store_be16(later.data() + 6, 0x0003);  // offset 24 bytes: no UDP header here
    wire::Ipv4View(later).fill_header_checksum();
    const auto payload_before = std::vector<std::uint8_t>(later.begin() + 20, later.end());
    endpoints::translate_address(later, NatField::source, private_ip, public_ip, false);
    CHECK(wire::load_be32(later.data() + 12) == public_ip);
    CHECK(std::equal(payload_before.begin(), payload_before.end(), later.begin() + 20));
    CHECK(wire::fold(wire::ones_complement_sum(wire::ConstBytes(later.data(), 20))) == 0xffff);
}

TEST_CASE("random tuples: translating out and back restores the packet exactly") {
    std::mt19937 rng(42);
    for (int i = 0; i < 2000; ++i) {
        const std::uint8_t protocols[] = {1, 6, 17};
        FiveTuple t{protocols[rng() % 3], static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng()),
                    static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(rng())};
        auto p = test::build_packet(t, rng() % 200, (rng() % 3) * 4);
        const auto original = p;
        const std::uint32_t to = rng();
        endpoints::translate_address(p, NatField::source, t.source, to, false);
        REQUIRE(test::verify_checksums(p) == "");
        endpoints::translate_address(p, NatField::source, to, t.source, false);
        // UDP's 0x0000/0xffff are the same one's-complement value; nothing else may differ.
        if (t.protocol != 17) REQUIRE(p == original);
        else REQUIRE(test::verify_checksums(p) == "");
    }
}
