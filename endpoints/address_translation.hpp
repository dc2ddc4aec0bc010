// One-to-one address translation of IPv4 packets, as an internet gateway does it between an instance's
// private and public address (VPC User Guide, "Internet gateways": "performs network address translation
// for instances that have been assigned public IPv4 addresses"). Ports and ICMP identifiers are kept.
//
// Pure functions over the bytes of one IPv4 packet: every checksum is updated incrementally (RFC 1624),
// never recomputed, so offloaded frames whose L4 checksum is still partial stay valid.
#pragma once

#include <cstdint>

#include "wire/bytes.hpp"

namespace vpclab::endpoints {

enum class NatField : std::uint8_t { source, destination };

// Rewrites `field` of the packet from `from` to `to` and fixes the IPv4 header checksum and, in a first
// fragment, the TCP/UDP checksum (a pseudo-header field). For ICMP errors (RFC 792) the quoted packet
// travelled the other way, so its opposite field is rewritten too, with its checksums and the ICMP
// checksum. `l4_checksum_partial` means the TCP/UDP checksum field holds only the pseudo-header sum
// (virtio-net NEEDS_CSUM; the kernel finishes it later).
// `packet` must have passed Ipv4View::check. Never reads or writes past it.
void translate_address(wire::Bytes packet, NatField field, std::uint32_t from, std::uint32_t to,
                       bool l4_checksum_partial) noexcept;

// Rewrites the TCP or UDP source or destination port of a first fragment to `to`, fixing the checksum when
// it is complete (a partial one covers only the pseudo-header, which holds no port). For the port
// translations of interface endpoints' and load balancers' connections. Needs a whole TCP or UDP header;
// otherwise does nothing.
void translate_port(wire::Bytes packet, NatField field, std::uint16_t to, bool l4_checksum_partial) noexcept;

// What an ICMP error (RFC 792: destination unreachable, source quench, redirect, time exceeded, parameter
// problem) quotes: the packet it is about, as that packet was sent (its IP header and at least 8 bytes after
// it). `ports` when the quote holds the TCP or UDP ports, or an ICMP echo's identifier (as `source_port`:
// the query ID a NAT translates, RFC 5508 §3.1); `ok` false when `packet` is no ICMP error with a sound quote.
struct QuotedPacket {
    bool ok = false, ports = false;
    std::uint8_t protocol = 0;
    std::uint32_t source = 0, destination = 0;
    std::uint16_t source_port = 0, destination_port = 0;
};
// `packet` must have passed Ipv4View::check.
QuotedPacket quoted_packet(wire::ConstBytes packet) noexcept;

// Rewrites the source port (TCP, UDP) or echo identifier (ICMP echo) of the packet an ICMP error quotes to
// `to`, fixing the quoted checksum where the quote holds it and the ICMP checksum (RFC 5508 §4: a NAT
// translates the embedded packet of an ICMP error back with its ports). Does nothing unless quoted_packet
// found ports.
void translate_quoted_source_port(wire::Bytes packet, std::uint16_t to) noexcept;

// Rewrites an ICMP echo request's or reply's identifier to `to` and fixes the ICMP checksum (RFC 5508 §3.1:
// the query ID is what a NAT maps for ICMP queries). Does nothing for other packets.
void translate_echo_identifier(wire::Bytes packet, std::uint16_t to) noexcept;

// Adds to a checksum field the change of a 16-bit word of the data it covers, for a complete checksum
// (RFC 1624 eqn. 3) or a partial one (pseudo-header sum, not complemented).
std::uint16_t adjust_checksum(std::uint16_t field, std::uint16_t old_word, std::uint16_t new_word, bool partial) noexcept;

}  // namespace vpclab::endpoints
