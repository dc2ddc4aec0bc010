// PROXY protocol v2 headers and the sequence shift of the connections that carry them.
#include "endpoints/proxy_protocol.hpp"

#include <cstring>

#include "endpoints/address_translation.hpp"
#include "wire/ipv4.hpp"

namespace vpclab::endpoints {

namespace {

constexpr std::uint8_t signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr std::uint8_t version_2_proxy = 0x21, tcp_over_ipv4 = 0x11;
constexpr std::uint8_t tcp_ack = 0x10;

// The TCP header of a first fragment when it is whole, else empty.
wire::Bytes tcp_header(wire::Bytes packet) noexcept {
    if (wire::Ipv4View::check(packet) != wire::WireError::none) return {};
    const wire::Ipv4View ip(packet);
    if (ip.protocol() != 6 || !ip.is_first_fragment()) return {};
    const wire::Bytes l4 = ip.payload();
    if (l4.size() < 20) return {};
    const std::size_t length = static_cast<std::size_t>(l4[12] >> 4) * 4;
    if (length < 20 || length > l4.size()) return {};
    return l4.first(length);
}

// Replaces the 32-bit field at `at` of the TCP header, fixing a complete checksum (RFC 1624).
void replace_u32(wire::Bytes tcp, std::size_t at, std::uint32_t value, bool partial) noexcept {
    const std::uint32_t old = wire::load_be32(tcp.data() + at);
    wire::store_be32(tcp.data() + at, value);
    if (partial) return;
    std::uint16_t checksum = wire::load_be16(tcp.data() + 16);
    checksum = adjust_checksum(checksum, static_cast<std::uint16_t>(old >> 16), static_cast<std::uint16_t>(value >> 16), false);
    checksum = adjust_checksum(checksum, static_cast<std::uint16_t>(old), static_cast<std::uint16_t>(value), false);
    wire::store_be16(tcp.data() + 16, checksum);
}

std::uint32_t down(std::uint32_t value, std::uint32_t shift, std::uint32_t stream_start) noexcept {
    // Modulo 2^32 (RFC 793 sequence arithmetic): how far past the stream's start the value is.
    return value - stream_start < shift ? stream_start : value - shift;
}

}  // namespace

std::size_t write_proxy_v2_header(wire::Bytes out, std::uint32_t source, std::uint16_t source_port, std::uint32_t destination,
                                  std::uint16_t destination_port, std::string_view endpoint_id) noexcept {
    const std::size_t length = proxy_v2_header_length(endpoint_id.size());
    if (endpoint_id.empty() || endpoint_id.size() > 255 || out.size() < length) return 0;
    std::uint8_t* p = out.data();
    std::memcpy(p, signature, sizeof signature);
    p[12] = version_2_proxy;
    p[13] = tcp_over_ipv4;
    wire::store_be16(p + 14, static_cast<std::uint16_t>(length - proxy_v2_fixed_length));
    wire::store_be32(p + 16, source);
    wire::store_be32(p + 20, destination);
    wire::store_be16(p + 24, source_port);
    wire::store_be16(p + 26, destination_port);
    std::uint8_t* tlv = p + proxy_v2_fixed_length + proxy_v2_ipv4_length;
    tlv[0] = proxy_tlv_aws;
    wire::store_be16(tlv + 1, static_cast<std::uint16_t>(1 + endpoint_id.size()));
    tlv[3] = proxy_aws_vpce_id;
    std::memcpy(tlv + 4, endpoint_id.data(), endpoint_id.size());
    return length;
}

void shift_sequence(wire::Bytes packet, std::uint32_t shift, bool partial) noexcept {
    const wire::Bytes tcp = tcp_header(packet);
    if (tcp.empty() || shift == 0) return;
    replace_u32(tcp, 4, wire::load_be32(tcp.data() + 4) + shift, partial);
}

void unshift_acknowledgment(wire::Bytes packet, std::uint32_t shift, std::uint32_t stream_start, bool partial) noexcept {
    const wire::Bytes tcp = tcp_header(packet);
    if (tcp.empty() || shift == 0) return;
    if (tcp[13] & tcp_ack) replace_u32(tcp, 8, down(wire::load_be32(tcp.data() + 8), shift, stream_start), partial);
    // RFC 2018: SACK blocks (option kind 5, length 2 + 8n) name ranges of the client's bytes as the back end
    // numbers them.
    for (std::size_t at = 20; at < tcp.size();) {
        const std::uint8_t kind = tcp[at];
        if (kind == 0) break;
        if (kind == 1) {
            ++at;
            continue;
        }
        if (at + 1 >= tcp.size()) break;
        const std::size_t length = tcp[at + 1];
        if (length < 2 || at + length > tcp.size()) break;
        // Edges at an odd offset (no sender pads so) are left: the checksum fix works on aligned words, and
        // a client ignores SACK blocks beyond what it sent.
        if (kind == 5 && (at + 2) % 2 == 0)
            for (std::size_t edge = at + 2; edge + 4 <= at + length; edge += 4)
                replace_u32(tcp, edge, down(wire::load_be32(tcp.data() + edge), shift, stream_start), partial);
        at += length;
    }
}

}  // namespace vpclab::endpoints
