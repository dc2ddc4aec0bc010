// 1:1 NAT rewrite of IPv4 packets, including ICMP errors' quoted headers.
#include "endpoints/address_translation.hpp"

#include "wire/checksum.hpp"
#include "wire/ipv4.hpp"
#include "wire/l4.hpp"

namespace vpclab::endpoints {

namespace {

using wire::load_be16;
using wire::load_be32;
using wire::store_be16;
using wire::store_be32;

std::uint16_t adjust32(std::uint16_t field, std::uint32_t old_value, std::uint32_t new_value, bool partial) {
    field = adjust_checksum(field, static_cast<std::uint16_t>(old_value >> 16), static_cast<std::uint16_t>(new_value >> 16), partial);
    return adjust_checksum(field, static_cast<std::uint16_t>(old_value), static_cast<std::uint16_t>(new_value), partial);
}

// Rewrites the 16-bit word at `at` of an ICMP message and carries the change into the ICMP checksum.
void set_icmp_word(std::uint8_t* icmp, std::size_t at, std::uint16_t value) {
    const std::uint16_t old = load_be16(icmp + at);
    store_be16(icmp + at, value);
    store_be16(icmp + 2, wire::checksum_update16(load_be16(icmp + 2), old, value));
}

// The L4 checksum field of TCP/UDP, updated for a pseudo-header address change. A UDP checksum of zero
// means "none" (RFC 768) and stays zero; a computed zero is sent as 0xffff.
void fix_l4_checksum(std::uint8_t protocol, std::uint8_t* l4, std::size_t l4_size, std::uint32_t from, std::uint32_t to,
                     bool partial, std::uint8_t* icmp_to_update) {
    std::size_t at;
    if (protocol == static_cast<std::uint8_t>(wire::IpProtocol::tcp)) at = 16;
    else if (protocol == static_cast<std::uint8_t>(wire::IpProtocol::udp)) at = 6;
    else return;
    if (l4_size < at + 2) return;  // a quote too short to hold the checksum: nothing to fix
    const std::uint16_t old = load_be16(l4 + at);
    if (protocol == static_cast<std::uint8_t>(wire::IpProtocol::udp) && old == 0 && !partial) return;
    std::uint16_t updated = adjust32(old, from, to, partial);
    if (protocol == static_cast<std::uint8_t>(wire::IpProtocol::udp) && updated == 0 && !partial) updated = 0xffff;
    if (icmp_to_update) set_icmp_word(icmp_to_update, static_cast<std::size_t>(l4 + at - icmp_to_update), updated);
    else store_be16(l4 + at, updated);
}

bool is_icmp_error(std::uint8_t type) {
    // Destination unreachable, source quench, redirect, time exceeded, parameter problem.
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

// The quoted packet inside an ICMP error: rewrite its `field` and fix its checksums and the ICMP checksum.
void translate_quoted(std::uint8_t* icmp, std::size_t icmp_size, NatField field, std::uint32_t from, std::uint32_t to) {
    constexpr std::size_t quote_at = wire::IcmpView::header_length;
    if (icmp_size < quote_at + wire::Ipv4View::min_header_length) return;
    std::uint8_t* quote = icmp + quote_at;
    const std::size_t quote_size = icmp_size - quote_at;
    const std::size_t ihl = static_cast<std::size_t>(quote[0] & 0x0f) * 4;
    if ((quote[0] >> 4) != 4 || ihl < wire::Ipv4View::min_header_length || ihl > quote_size) return;
    const std::size_t address_at = field == NatField::source ? 12 : 16;
    if (load_be32(quote + address_at) != from) return;
    // Address words, then the quoted header checksum, then the quoted L4 checksum: each change also
    // changes the ICMP checksum, which covers the whole quote.
    set_icmp_word(icmp, quote_at + address_at, static_cast<std::uint16_t>(to >> 16));
    set_icmp_word(icmp, quote_at + address_at + 2, static_cast<std::uint16_t>(to));
    set_icmp_word(icmp, quote_at + 10, wire::checksum_update32(load_be16(quote + 10), from, to));
    const bool first_fragment = (load_be16(quote + 6) & 0x1fff) == 0;
    if (first_fragment) fix_l4_checksum(quote[9], quote + ihl, quote_size - ihl, from, to, false, icmp);
}

bool is_echo(std::uint8_t type) { return type == 0 || type == 8; }

// Where the packet quoted by the ICMP error `packet` starts (its offset in `packet`), its size to the end
// of the ICMP message and its IP header's length; 0 when there is none to read.
std::size_t quote_offset(wire::ConstBytes packet, std::size_t& quote_size, std::size_t& ihl) {
    const std::size_t outer = static_cast<std::size_t>(packet[0] & 0x0f) * 4, total = load_be16(packet.data() + 2);
    const bool first_fragment = (load_be16(packet.data() + 6) & 0x1fff) == 0;
    constexpr std::size_t quote_at = wire::IcmpView::header_length;
    if (packet[9] != static_cast<std::uint8_t>(wire::IpProtocol::icmp) || !first_fragment) return 0;
    if (total < outer + quote_at + wire::Ipv4View::min_header_length || !is_icmp_error(packet[outer])) return 0;
    const std::uint8_t* quote = packet.data() + outer + quote_at;
    quote_size = total - outer - quote_at;
    ihl = static_cast<std::size_t>(quote[0] & 0x0f) * 4;
    if ((quote[0] >> 4) != 4 || ihl < wire::Ipv4View::min_header_length || ihl > quote_size) return 0;
    return outer + quote_at;
}

}  // namespace

QuotedPacket quoted_packet(wire::ConstBytes packet) noexcept {
    QuotedPacket q;
    std::size_t size = 0, ihl = 0;
    const std::size_t at = quote_offset(packet, size, ihl);
    if (!at) return q;
    const std::uint8_t* quote = packet.data() + at;
    q.ok = true;
    q.protocol = quote[9];
    q.source = load_be32(quote + 12);
    q.destination = load_be32(quote + 16);
    const bool first_fragment = (load_be16(quote + 6) & 0x1fff) == 0;
    const std::uint8_t* l4 = quote + ihl;
    const std::size_t l4_size = size - ihl;
    if (!first_fragment || l4_size < 8) return q;
    if (q.protocol == static_cast<std::uint8_t>(wire::IpProtocol::tcp) || q.protocol == static_cast<std::uint8_t>(wire::IpProtocol::udp)) {
        q.ports = true;
        q.source_port = load_be16(l4);
        q.destination_port = load_be16(l4 + 2);
    } else if (q.protocol == static_cast<std::uint8_t>(wire::IpProtocol::icmp) && is_echo(l4[0])) {
        q.ports = true;
        q.source_port = load_be16(l4 + 4);
    }
    return q;
}

void translate_quoted_source_port(wire::Bytes packet, std::uint16_t to) noexcept {
    std::size_t size = 0, ihl = 0;
    const std::size_t at = quote_offset(packet, size, ihl);
    if (!at) return;
    std::uint8_t* quote = packet.data() + at;
    if ((load_be16(quote + 6) & 0x1fff) != 0 || size - ihl < 8) return;
    std::uint8_t* icmp = quote - wire::IcmpView::header_length;
    std::uint8_t* l4 = quote + ihl;
    const std::size_t l4_size = size - ihl;
    const std::uint8_t protocol = quote[9];
    std::size_t port_at = 0, checksum_at = 0;
    if (protocol == static_cast<std::uint8_t>(wire::IpProtocol::tcp)) port_at = 0, checksum_at = 16;
    else if (protocol == static_cast<std::uint8_t>(wire::IpProtocol::udp)) port_at = 0, checksum_at = 6;
    else if (protocol == static_cast<std::uint8_t>(wire::IpProtocol::icmp) && is_echo(l4[0])) port_at = 4, checksum_at = 2;
    else return;
    const std::uint16_t from = load_be16(l4 + port_at);
    if (from == to) return;
    set_icmp_word(icmp, static_cast<std::size_t>(l4 + port_at - icmp), to);
    // The quoted checksum, when the quote reaches it (a TCP quote of 8 bytes does not); a UDP checksum of
    // zero means none (RFC 768).
    if (l4_size < checksum_at + 2) return;
    const std::uint16_t old = load_be16(l4 + checksum_at);
    if (protocol == static_cast<std::uint8_t>(wire::IpProtocol::udp) && old == 0) return;
    std::uint16_t updated = adjust_checksum(old, from, to, false);
    if (protocol == static_cast<std::uint8_t>(wire::IpProtocol::udp) && updated == 0) updated = 0xffff;
    set_icmp_word(icmp, static_cast<std::size_t>(l4 + checksum_at - icmp), updated);
}

void translate_echo_identifier(wire::Bytes packet, std::uint16_t to) noexcept {
    wire::Ipv4View ip(packet);
    if (ip.protocol() != static_cast<std::uint8_t>(wire::IpProtocol::icmp) || !ip.is_first_fragment()) return;
    wire::Bytes l4 = ip.payload();
    if (l4.size() < wire::IcmpView::header_length || !is_echo(l4[0])) return;
    set_icmp_word(l4.data(), 4, to);
}

std::uint16_t adjust_checksum(std::uint16_t field, std::uint16_t old_word, std::uint16_t new_word, bool partial) noexcept {
    // A partial checksum is the pseudo-header sum itself; a complete one is its complement (RFC 1624).
    if (partial) return static_cast<std::uint16_t>(~wire::checksum_update16(static_cast<std::uint16_t>(~field), old_word, new_word));
    return wire::checksum_update16(field, old_word, new_word);
}

void translate_address(wire::Bytes packet, NatField field, std::uint32_t from, std::uint32_t to, bool partial) noexcept {
    wire::Ipv4View ip(packet);
    const std::uint32_t current = field == NatField::source ? ip.source() : ip.destination();
    if (current != from || from == to) return;
    if (field == NatField::source) ip.set_source(to);
    else ip.set_destination(to);
    ip.set_header_checksum(wire::checksum_update32(ip.header_checksum(), from, to));
    if (!ip.is_first_fragment()) return;  // later fragments carry no L4 header (RFC 791)

    wire::Bytes l4 = ip.payload();
    if (ip.protocol() == static_cast<std::uint8_t>(wire::IpProtocol::icmp)) {
        // ICMP's checksum has no pseudo-header: echo needs nothing; errors quote a packet to fix.
        if (l4.size() >= wire::IcmpView::header_length && is_icmp_error(l4[0]))
            translate_quoted(l4.data(), l4.size(), field == NatField::source ? NatField::destination : NatField::source, from, to);
        return;
    }
    fix_l4_checksum(ip.protocol(), l4.data(), l4.size(), from, to, partial, nullptr);
}

void translate_port(wire::Bytes packet, NatField field, std::uint16_t to, bool partial) noexcept {
    wire::Ipv4View ip(packet);
    const bool tcp = ip.protocol() == 6, udp = ip.protocol() == 17;
    if ((!tcp && !udp) || !ip.is_first_fragment()) return;
    wire::Bytes l4 = ip.payload();
    if (l4.size() < (tcp ? 20u : 8u)) return;
    std::uint8_t* port = l4.data() + (field == NatField::source ? 0 : 2);
    const std::uint16_t from = wire::load_be16(port);
    if (from == to) return;
    wire::store_be16(port, to);
    std::uint8_t* checksum = l4.data() + (tcp ? 16 : 6);
    // RFC 768: a UDP checksum of zero means none was computed; it stays zero.
    if (partial || (udp && wire::load_be16(checksum) == 0)) return;
    std::uint16_t updated = adjust_checksum(wire::load_be16(checksum), from, to, false);
    if (udp && updated == 0) updated = 0xffff;  // RFC 768: a computed zero is sent as all ones
    wire::store_be16(checksum, updated);
}

}  // namespace vpclab::endpoints
