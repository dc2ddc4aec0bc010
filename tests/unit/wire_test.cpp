// Wire views on captured bytes: deconstruct, construct, round-trip, truncated and malformed input.
#include <doctest/doctest.h>

#include <array>
#include <random>
#include <vector>

#include "tests/unit/hex.hpp"
#include "wire/arp.hpp"
#include "wire/checksum.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/l4.hpp"
#include "wire/vnet_header.hpp"

using namespace vpclab::wire;
using vpclab::test::from_hex;

namespace {
// Captured with tcpdump -xx on a veth: `ping -c 1 -s 8 10.10.1.4` from 10.10.0.4.
const char* const icmp_echo_request_hex =
    "6e47 8859 6a89 1263 3689 5a2e 0800 4500 0024 d0b7 4000 4001 5506 0a0a 0004 0a0a"
    "0104 0800 e09e 0b50 0001 0001 0203 0405 0607";
// Captured: "who-has 10.10.1.4 tell 10.10.0.4".
const char* const arp_request_hex =
    "ffff ffff ffff 5aef 6e4f 3cc2 0806 0001 0800 0604 0001 5aef 6e4f 3cc2 0a0a 0004"
    "0000 0000 0000 0a0a 0104";
}  // namespace

TEST_CASE("ethernet view reads a captured ICMP frame") {
    auto frame = from_hex(icmp_echo_request_hex);
    REQUIRE(EthernetView::check(frame) == WireError::none);
    EthernetView eth(frame);
    CHECK(eth.destination().to_string() == "6e:47:88:59:6a:89");
    CHECK(eth.source().to_string() == "12:63:36:89:5a:2e");
    CHECK(eth.ether_type() == 0x0800);
    CHECK(eth.payload().size() == frame.size() - 14);
}

TEST_CASE("ethernet view rejects a truncated header") {
    auto frame = from_hex("ffff ffff ffff 0000");
    CHECK(EthernetView::check(frame) == WireError::truncated);
    CHECK(EthernetView::check({}) == WireError::truncated);
}

TEST_CASE("ethernet setters round-trip") {
    std::vector<std::uint8_t> frame(60, 0);
    EthernetView eth(frame);
    auto mac = *MacAddress::parse("02:aa:bb:cc:dd:ee");
    eth.set_destination(MacAddress::broadcast());
    eth.set_source(mac);
    eth.set_ether_type(EtherType::arp);
    CHECK(eth.destination().is_broadcast());
    CHECK(eth.source() == mac);
    CHECK(eth.ether_type() == 0x0806);
}

TEST_CASE("ipv4 view deconstructs the captured echo request") {
    auto frame = from_hex(icmp_echo_request_hex);
    auto packet = EthernetView(frame).payload();
    REQUIRE(Ipv4View::check(packet) == WireError::none);
    Ipv4View ip(packet);
    CHECK(ip.version() == 4);
    CHECK(ip.header_length() == 20);
    CHECK(ip.total_length() == 36);
    CHECK(ip.ttl() == 64);
    CHECK(ip.protocol() == 1);
    CHECK(ip.dont_fragment());
    CHECK(ip.is_first_fragment());
    CHECK(ip.source() == 0x0a0a0004);
    CHECK(ip.destination() == 0x0a0a0104);
    REQUIRE(IcmpView::check(ip.payload()) == WireError::none);
    IcmpView icmp(ip.payload());
    CHECK(icmp.type() == 8);
    CHECK(icmp.echo_identifier() == 2896);
    CHECK(icmp.echo_sequence() == 1);
    // The captured ICMP checksum verifies.
    CHECK(fold(ones_complement_sum(ip.payload())) == 0xffff);
}

TEST_CASE("ipv4 builder reproduces the captured header") {
    auto frame = from_hex(icmp_echo_request_hex);
    std::vector<std::uint8_t> built(20);
    Ipv4View::build(built, 1, 0x0a0a0004, 0x0a0a0104, 36, 64, 0xd0b7, true);
    CHECK(std::equal(built.begin(), built.end(), frame.begin() + 14));
}

TEST_CASE("ipv4 check names each malformation") {
    auto frame = from_hex(icmp_echo_request_hex);
    std::vector<std::uint8_t> p(frame.begin() + 14, frame.end());
    SUBCASE("truncated") { CHECK(Ipv4View::check(std::span(p).first(19)) == WireError::truncated); }
    SUBCASE("version 6") {
        p[0] = 0x65;
        CHECK(Ipv4View::check(p) == WireError::bad_version);
    }
    SUBCASE("IHL below 5") {
        p[0] = 0x44;
        CHECK(Ipv4View::check(p) == WireError::bad_header_length);
    }
    SUBCASE("IHL past the packet") {
        p[0] = 0x4f;
        CHECK(Ipv4View::check(p) == WireError::bad_header_length);
    }
    SUBCASE("total length larger than the frame") {
        store_be16(p.data() + 2, 200);
        CHECK(Ipv4View::check(p) == WireError::bad_total_length);
    }
    SUBCASE("total length smaller than the header") {
        store_be16(p.data() + 2, 10);
        CHECK(Ipv4View::check(p) == WireError::bad_total_length);
    }
    SUBCASE("checksum") {
        p[8] = 63;  // TTL changed without fixing the checksum
        CHECK(Ipv4View::check(p) == WireError::bad_checksum);
    }
    SUBCASE("trailing link padding is accepted and excluded from the payload") {
        p.resize(p.size() + 10, 0);
        REQUIRE(Ipv4View::check(p) == WireError::none);
        CHECK(Ipv4View(p).payload().size() == 16);
    }
}

TEST_CASE("arp view reads the captured request and builds the matching reply") {
    auto frame = from_hex(arp_request_hex);
    auto payload = EthernetView(frame).payload();
    REQUIRE(ArpView::check(payload) == WireError::none);
    ArpView arp(payload);
    CHECK(arp.operation() == 1);
    CHECK(arp.sender_mac().to_string() == "5a:ef:6e:4f:3c:c2");
    CHECK(arp.sender_ip() == 0x0a0a0004);
    CHECK(arp.target_ip() == 0x0a0a0104);

    // The captured reply, byte for byte.
    auto expected = from_hex("0001 0800 0604 0002 668b 700b 7713 0a0a 0104 5aef 6e4f 3cc2 0a0a 0004");
    std::vector<std::uint8_t> reply(ArpView::length);
    ArpView::build(reply, ArpOperation::reply, *MacAddress::parse("66:8b:70:0b:77:13"), 0x0a0a0104, arp.sender_mac(),
                   arp.sender_ip());
    CHECK(reply == expected);
}

TEST_CASE("arp check rejects truncated and non-Ethernet/IPv4 packets") {
    auto frame = from_hex(arp_request_hex);
    std::vector<std::uint8_t> p(frame.begin() + 14, frame.end());
    CHECK(ArpView::check(std::span(p).first(27)) == WireError::truncated);
    p[1] = 6;  // hardware type IEEE 802
    CHECK(ArpView::check(p) == WireError::unsupported);
}

TEST_CASE("mac address text forms") {
    CHECK(MacAddress::parse("02:00:00:00:00:0G") == std::nullopt);
    CHECK(MacAddress::parse("02:00:00:00:00") == std::nullopt);
    CHECK(MacAddress::parse("02-00-00-00-00-01") == std::nullopt);
    auto m = MacAddress::locally_administered(0x0102030405);
    CHECK(m.to_string() == "02:05:04:03:02:01");
    CHECK(!m.is_multicast());
    CHECK(MacAddress::parse(m.to_string()) == m);
}

TEST_CASE("internet checksum: RFC 1071 example and odd lengths") {
    // RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (folded).
    auto data = from_hex("0001 f203 f4f5 f6f7");
    CHECK(fold(ones_complement_sum(data)) == 0xddf2);
    CHECK(internet_checksum(data) == static_cast<std::uint16_t>(~0xddf2));
    auto odd = from_hex("0001 f2");
    CHECK(fold(ones_complement_sum(odd)) == 0xf201);
}

TEST_CASE("incremental checksum update (RFC 1624) matches a recomputation") {
    auto frame = from_hex(icmp_echo_request_hex);
    std::vector<std::uint8_t> p(frame.begin() + 14, frame.begin() + 34);
    Ipv4View ip(p);
    const std::uint32_t old_src = ip.source();
    const std::uint32_t new_src = 0xc6130004;  // 198.19.0.4
    const std::uint16_t updated = checksum_update32(ip.header_checksum(), old_src, new_src);
    ip.set_source(new_src);
    ip.fill_header_checksum();
    CHECK(updated == ip.header_checksum());
    // 16-bit field: TTL/protocol word.
    const std::uint16_t old_word = load_be16(p.data() + 8);
    const std::uint16_t before = ip.header_checksum();
    p[8] = 17;
    CHECK(checksum_update16(before, old_word, load_be16(p.data() + 8)) == (ip.fill_header_checksum(), ip.header_checksum()));
}

TEST_CASE("vnet header round-trip and truncation") {
    VnetHeader h;
    h.flags = VnetHeader::flag_needs_csum;
    h.gso_type = VnetHeader::gso_tcpv4;
    h.header_length = 66;
    h.gso_size = 1448;
    h.csum_start = 34;
    h.csum_offset = 16;
    std::vector<std::uint8_t> b(VnetHeader::length);
    h.write(b);
    auto r = VnetHeader::read(b);
    CHECK(r.is_gso());
    CHECK(r.needs_checksum());
    CHECK(r.gso_size == 1448);
    CHECK(r.csum_start == 34);
    CHECK(r.csum_offset == 16);
    CHECK(r.header_length == 66);
    CHECK(VnetHeader::check(std::span(b).first(9)) == WireError::truncated);
    VnetHeader plain;
    CHECK(!plain.is_gso());
}

TEST_CASE("ports view") {
    auto udp = from_hex("d431 0035 000b 1234 6869 0a");
    REQUIRE(PortsView::check(udp, udp_header_length) == WireError::none);
    PortsView v(udp);
    CHECK(v.source_port() == 54321);
    CHECK(v.destination_port() == 53);
    CHECK(PortsView::check(std::span(udp).first(3), udp_header_length) == WireError::truncated);
}

// A slow, obvious reading of the same facts, field by field, for comparing with TransportRepr::parse.
TEST_CASE("transport facts agree with a field-by-field reading on random headers of every length") {
    std::mt19937 rng(24);
    for (int round = 0; round < 20000; ++round) {
        const std::uint8_t protocol = std::array<std::uint8_t, 5>{1, 6, 17, 47, 0}[rng() % 5];
        const bool first = rng() % 4 != 0;
        std::vector<std::uint8_t> l4(rng() % 28);
        for (auto& b : l4) b = static_cast<std::uint8_t>(rng());
        if (protocol == 1 && !l4.empty() && rng() % 2) l4[0] = std::array<std::uint8_t, 4>{0, 8, 3, 11}[rng() % 4];
        const auto r = TransportRepr::parse(protocol, first, ConstBytes(l4.data(), l4.size()));
        const std::size_t n = l4.size();
        const auto be16 = [&](std::size_t at) { return static_cast<std::uint16_t>(l4[at] << 8 | l4[at + 1]); };
        INFO("protocol " << int(protocol) << " first " << first << " length " << n);
        CHECK(r.protocol == protocol);
        CHECK(r.first_fragment == first);
        const bool tcp = protocol == 6, udp = protocol == 17, icmp = protocol == 1;
        CHECK(r.ports == (first && (tcp || udp) && n >= 4));
        CHECK(r.whole_header == (first && ((tcp && n >= 20) || (udp && n >= 8) || (icmp && n >= 8))));
        CHECK(r.port(false) == (r.ports ? be16(0) : 0));
        CHECK(r.port(true) == (r.ports ? be16(2) : 0));
        CHECK(r.tcp_flags == (first && tcp && n >= 20 ? l4[13] : 0));
        if (first && tcp && n >= 20) {
            CHECK(r.sequence == (std::uint32_t{be16(4)} << 16 | be16(6)));
            CHECK(r.acknowledgment == (std::uint32_t{be16(8)} << 16 | be16(10)));
            CHECK(r.window == be16(14));
            CHECK(r.opens_tcp_connection() == ((l4[13] & 0x16) == 0x02));
        }
        CHECK(r.icmp_type_known == (first && icmp && n >= 2));
        if (r.icmp_type_known) {
            CHECK(r.icmp_type == l4[0]);
            CHECK(r.icmp_code == l4[1]);
            CHECK(r.is_icmp_error() == (l4[0] == 3 || l4[0] == 4 || l4[0] == 5 || l4[0] == 11 || l4[0] == 12));
        }
        CHECK(r.echo_identifier == (first && icmp && n >= 8 && (l4[0] == 0 || l4[0] == 8) ? be16(4) : 0));
        TransportRepr moved = r;
        moved.set_port(true, 4242);
        CHECK(moved.port(true) == (r.ports ? 4242 : 0));
        CHECK(moved.port(false) == r.port(false));
    }
}
