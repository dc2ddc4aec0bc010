// Path MTU beyond the IGW: segment sizes of GSO frames, ICMP fragmentation-needed, IPv4 fragmentation.
#include <doctest/doctest.h>

#include "endpoints/path_mtu.hpp"
#include "tests/unit/packet_builder.hpp"
#include "wire/l4.hpp"

using namespace vpclab;

TEST_CASE("wire size: whole packet, or one segment of a GSO frame") {
    auto p = test::build_packet({6, 0x0a0a0004, 0xc6120a0a, 40000, 80}, 20000);
    wire::VnetHeader plain;
    CHECK(endpoints::wire_packet_size(p, plain) == p.size());
    wire::VnetHeader gso;
    gso.gso_type = wire::VnetHeader::gso_tcpv4;
    gso.gso_size = 8949;
    CHECK(endpoints::wire_packet_size(p, gso) == 20 + 20 + 8949);
    gso.gso_size = 1448;
    CHECK(endpoints::wire_packet_size(p, gso) == 1488);
}

TEST_CASE("fragmentation needed: RFC 792 quote, RFC 1191 next-hop MTU, valid checksums") {
    auto big = test::build_packet({6, 0x0a0a0004, 0xc6120a0a, 40000, 80}, 8000);
    std::vector<std::uint8_t> out(200);
    const std::size_t n = endpoints::build_fragmentation_needed(out, big, 0x0a0a0001, 1500);
    REQUIRE(n == 20 + 8 + 28);
    out.resize(n);
    CHECK(wire::load_be32(out.data() + 12) == 0x0a0a0001);
    CHECK(wire::load_be32(out.data() + 16) == 0x0a0a0004);  // back to the sender
    CHECK(out[20] == 3);
    CHECK(out[21] == 4);
    CHECK(wire::load_be16(out.data() + 26) == 1500);
    CHECK(std::equal(big.begin(), big.begin() + 28, out.begin() + 28));
    CHECK(test::verify_checksums(out) == "");
    std::vector<std::uint8_t> tiny(10);
    CHECK(endpoints::build_fragmentation_needed(tiny, big, 1, 1500) == 0);
}

TEST_CASE("fragmentation: pieces of at most the MTU that reassemble to the original") {
    for (std::size_t options : {std::size_t{0}, std::size_t{8}}) {
        auto big = test::build_packet({17, 0x0a0a0004, 0xc6120a0a, 4000, 5000}, 4000, options, false);
        std::vector<std::uint8_t> scratch(1500);
        std::vector<std::vector<std::uint8_t>> pieces;
        const bool ok = endpoints::fragment_packet(big, 1500, scratch, [&](wire::ConstBytes f) { pieces.emplace_back(f.begin(), f.end()); });
        REQUIRE(ok);
        REQUIRE(pieces.size() == 3);
        const std::size_t ihl = 20 + options;
        std::vector<std::uint8_t> reassembled(big.size() - ihl);
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            const auto& f = pieces[i];
            CHECK(f.size() <= 1500);
            CHECK(wire::fold(wire::ones_complement_sum(wire::ConstBytes(f.data(), ihl))) == 0xffff);
            const std::uint16_t flags = wire::load_be16(f.data() + 6);
            CHECK(((flags & 0x2000) != 0) == (i + 1 < pieces.size()));
            const std::size_t offset = (flags & 0x1fff) * 8u;
            std::copy(f.begin() + static_cast<long>(ihl), f.end(), reassembled.begin() + static_cast<long>(offset));
            if (i + 1 < pieces.size()) CHECK((f.size() - ihl) % 8 == 0);
        }
        CHECK(std::equal(reassembled.begin(), reassembled.end(), big.begin() + static_cast<long>(ihl)));
    }
}

TEST_CASE("finishing a partial checksum gives the checksum of the whole segment") {
    auto p = test::build_packet({17, 0x0a0a0004, 0xc6120a0a, 4000, 5000}, 300);
    const std::uint16_t correct = wire::load_be16(p.data() + 26);
    std::vector<std::uint8_t> frame(14, 0);
    frame.insert(frame.end(), p.begin(), p.end());
    wire::store_be16(frame.data() + 14 + 26,
                     wire::fold(wire::pseudo_header_sum(0x0a0a0004, 0xc6120a0a, 17, static_cast<std::uint16_t>(p.size() - 20))));
    wire::VnetHeader v;
    v.flags = wire::VnetHeader::flag_needs_csum;
    v.csum_start = 14 + 20;
    v.csum_offset = 6;
    REQUIRE(endpoints::finish_partial_checksum(frame, v));
    CHECK(wire::load_be16(frame.data() + 14 + 26) == correct);
}

TEST_CASE("fragmentation refuses, emitting nothing, a fragment whose pieces would end past 65,535 bytes") {
    auto late = test::build_packet({17, 0x0a0a0004, 0xc6120a0a, 4000, 5000}, 1600 - 8, 0, false);
    wire::store_be16(late.data() + 6, 8190);  // offset 65,520 bytes
    wire::Ipv4View(wire::Bytes(late)).fill_header_checksum();
    std::vector<std::uint8_t> scratch(1500);
    std::size_t emitted = 0;
    CHECK_FALSE(endpoints::fragment_packet(late, 1500, scratch, [&](wire::ConstBytes) { ++emitted; }));
    CHECK(emitted == 0);
    wire::store_be16(late.data() + 6, 7000);  // 56,000 bytes: fits
    wire::Ipv4View(wire::Bytes(late)).fill_header_checksum();
    CHECK(endpoints::fragment_packet(late, 1500, scratch, [&](wire::ConstBytes) { ++emitted; }));
    CHECK(emitted == 2);
}
