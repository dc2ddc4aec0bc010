// Test helper: builds IPv4 packets (TCP, UDP, ICMP echo and errors) with correct checksums, and verifies
// every checksum of a packet from scratch, independently of the incremental code under test.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wire/checksum.hpp"
#include "wire/ipv4.hpp"

namespace vpclab::test {

struct FiveTuple {
    std::uint8_t protocol;
    std::uint32_t source, destination;
    std::uint16_t source_port, destination_port;  // ICMP echo: identifier in source_port
    friend bool operator==(const FiveTuple&, const FiveTuple&) = default;
};

inline std::uint16_t l4_checksum_of(const std::vector<std::uint8_t>& packet) {
    const std::size_t ihl = (packet[0] & 0x0f) * 4u;
    const std::size_t len = wire::load_be16(packet.data() + 2) - ihl;
    const std::uint32_t pseudo = wire::pseudo_header_sum(wire::load_be32(packet.data() + 12), wire::load_be32(packet.data() + 16), packet[9],
                                                         static_cast<std::uint16_t>(len));
    return wire::internet_checksum(wire::ConstBytes(packet.data() + ihl, len), pseudo);
}

// A packet with `payload_size` bytes of data after the L4 header; `options` adds IPv4 option bytes (NOPs).
inline std::vector<std::uint8_t> build_packet(const FiveTuple& t, std::size_t payload_size = 12, std::size_t options = 0,
                                              bool dont_fragment = true) {
    const std::size_t ihl = 20 + options;
    const std::size_t l4 = t.protocol == 6 ? 20 : 8;
    std::vector<std::uint8_t> p(ihl + l4 + payload_size, 0);
    wire::Ipv4View::build(p, t.protocol, t.source, t.destination, static_cast<std::uint16_t>(p.size()), 64, 0x1234, dont_fragment);
    p[0] = static_cast<std::uint8_t>(0x40 | (ihl / 4));
    for (std::size_t i = 20; i < ihl; ++i) p[i] = 1;  // NOP options
    wire::Ipv4View(p).fill_header_checksum();
    std::uint8_t* h = p.data() + ihl;
    for (std::size_t i = 0; i < payload_size; ++i) h[l4 + i] = static_cast<std::uint8_t>(i * 7 + 3);
    if (t.protocol == 1) {
        h[0] = 8;  // echo request
        wire::store_be16(h + 4, t.source_port);
        wire::store_be16(h + 6, 1);
        wire::store_be16(h + 2, wire::internet_checksum(wire::ConstBytes(h, p.size() - ihl)));
    } else {
        wire::store_be16(h, t.source_port);
        wire::store_be16(h + 2, t.destination_port);
        if (t.protocol == 6) {
            wire::store_be32(h + 4, 1000);
            h[12] = 0x50;
            h[13] = 0x18;
            wire::store_be16(h + 14, 65000);
            wire::store_be16(h + 16, l4_checksum_of(p));
        } else {
            wire::store_be16(h + 4, static_cast<std::uint16_t>(p.size() - ihl));
            wire::store_be16(h + 6, l4_checksum_of(p));
        }
    }
    return p;
}

// A TCP segment with the given flags (SYN 0x02, SYN|ACK 0x12, …), `payload_size` data bytes and correct
// checksums: build_packet's segments are PSH|ACK.
inline std::vector<std::uint8_t> build_tcp_segment(std::uint32_t from, std::uint32_t to, std::uint16_t sport, std::uint16_t dport,
                                                   std::uint8_t flags, std::size_t payload_size = 20) {
    auto p = build_packet({6, from, to, sport, dport}, payload_size);
    p[20 + 13] = flags;
    wire::store_be16(p.data() + 20 + 16, 0);
    wire::store_be16(p.data() + 20 + 16, l4_checksum_of(p));
    return p;
}

// An ICMP error from `reporter` about `offending` (quoted: header + `quote_data` bytes), sent to its source.
inline std::vector<std::uint8_t> build_icmp_error(std::uint8_t type, std::uint8_t code, std::uint32_t reporter,
                                                  const std::vector<std::uint8_t>& offending, std::size_t quote_data = 8) {
    const std::size_t ihl = (offending[0] & 0x0f) * 4u;
    const std::size_t quote = std::min(offending.size(), ihl + quote_data);
    std::vector<std::uint8_t> p(20 + 8 + quote, 0);
    wire::Ipv4View::build(p, 1, reporter, wire::load_be32(offending.data() + 12), static_cast<std::uint16_t>(p.size()));
    p[20] = type;
    p[21] = code;
    std::copy(offending.begin(), offending.begin() + static_cast<long>(quote), p.begin() + 28);
    wire::store_be16(p.data() + 22, wire::internet_checksum(wire::ConstBytes(p.data() + 20, p.size() - 20)));
    return p;
}

// Every checksum the packet carries verifies: IP header, TCP/UDP (pseudo-header) or ICMP, and inside an
// ICMP error the quoted IP header. Returns "" or what is wrong.
inline std::string verify_checksums(const std::vector<std::uint8_t>& p) {
    const std::size_t ihl = (p[0] & 0x0f) * 4u;
    if (wire::fold(wire::ones_complement_sum(wire::ConstBytes(p.data(), ihl))) != 0xffff) return "IP header checksum";
    const std::size_t len = wire::load_be16(p.data() + 2) - ihl;
    if ((wire::load_be16(p.data() + 6) & 0x1fff) != 0) return "";
    const std::uint8_t* l4 = p.data() + ihl;
    if (p[9] == 1) {
        if (wire::fold(wire::ones_complement_sum(wire::ConstBytes(l4, len))) != 0xffff) return "ICMP checksum";
        if (l4[0] == 3 || l4[0] == 11) {
            const std::size_t qihl = (l4[8] & 0x0f) * 4u;
            if (wire::fold(wire::ones_complement_sum(wire::ConstBytes(l4 + 8, qihl))) != 0xffff) return "quoted IP header checksum";
        }
        return "";
    }
    if (p[9] == 17 && wire::load_be16(l4 + 6) == 0) return "";
    const std::uint32_t pseudo = wire::pseudo_header_sum(wire::load_be32(p.data() + 12), wire::load_be32(p.data() + 16), p[9],
                                                         static_cast<std::uint16_t>(len));
    if (wire::fold(wire::ones_complement_sum(wire::ConstBytes(l4, len), pseudo)) != 0xffff) return "L4 checksum";
    return "";
}

inline FiveTuple tuple_of(const std::vector<std::uint8_t>& p) {
    const std::size_t ihl = (p[0] & 0x0f) * 4u;
    FiveTuple t{p[9], wire::load_be32(p.data() + 12), wire::load_be32(p.data() + 16), 0, 0};
    if (p[9] == 1) t.source_port = wire::load_be16(p.data() + ihl + 4);
    else {
        t.source_port = wire::load_be16(p.data() + ihl);
        t.destination_port = wire::load_be16(p.data() + ihl + 2);
    }
    return t;
}

}  // namespace vpclab::test
