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

std::uint16_t swapped(std::uint16_t v) noexcept { return static_cast<std::uint16_t>(v << 8 | v >> 8); }

// Replaces the 32-bit field at `at` of the TCP header, fixing a complete checksum (RFC 1624). A field at an
// odd offset straddles the checksum's 16-bit words: its halves count byte-swapped (RFC 1071, "byte order
// independence"), so they are swapped before the update.
void replace_u32(wire::Bytes tcp, std::size_t at, std::uint32_t value, bool partial) noexcept {
    const std::uint32_t old = wire::load_be32(tcp.data() + at);
    wire::store_be32(tcp.data() + at, value);
    if (partial) return;
    const bool odd = at % 2 != 0;
    auto word = [&](std::uint32_t v, int half) {
        const auto w = static_cast<std::uint16_t>(half ? v : v >> 16);
        return odd ? swapped(w) : w;
    };
    std::uint16_t checksum = wire::load_be16(tcp.data() + 16);
    checksum = adjust_checksum(checksum, word(old, 0), word(value, 0), false);
    checksum = adjust_checksum(checksum, word(old, 1), word(value, 1), false);
    wire::store_be16(tcp.data() + 16, checksum);
}

}  // namespace

std::string_view proxy_v2_local_header() noexcept {
    static constexpr char local[16] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00};
    return {local, sizeof local};
}

std::size_t write_proxy_v2_header(wire::Bytes out, std::uint32_t source, std::uint16_t source_port, std::uint32_t destination,
                                  std::uint16_t destination_port, std::string_view endpoint_id) noexcept {
    const std::size_t length = proxy_v2_header_length(endpoint_id.size());
    if (endpoint_id.size() > 255 || out.size() < length) return 0;
    std::uint8_t* p = out.data();
    std::memcpy(p, signature, sizeof signature);
    p[12] = version_2_proxy;
    p[13] = tcp_over_ipv4;
    wire::store_be16(p + 14, static_cast<std::uint16_t>(length - proxy_v2_fixed_length));
    wire::store_be32(p + 16, source);
    wire::store_be32(p + 20, destination);
    wire::store_be16(p + 24, source_port);
    wire::store_be16(p + 26, destination_port);
    if (endpoint_id.empty()) return length;
    std::uint8_t* tlv = p + proxy_v2_fixed_length + proxy_v2_ipv4_length;
    tlv[0] = proxy_tlv_aws;
    wire::store_be16(tlv + 1, static_cast<std::uint16_t>(1 + endpoint_id.size()));
    tlv[3] = proxy_aws_vpce_id;
    std::memcpy(tlv + 4, endpoint_id.data(), endpoint_id.size());
    return length;
}

bool shift_sequence(wire::Bytes packet, std::uint32_t shift, bool partial) noexcept {
    const wire::Bytes tcp = tcp_header(packet);
    if (tcp.empty() || shift == 0) return false;
    replace_u32(tcp, 4, wire::load_be32(tcp.data() + 4) + shift, partial);
    return true;
}

std::uint32_t unshifted(std::uint32_t value, std::uint32_t shift, std::uint32_t stream_start) noexcept {
    const auto past_start = static_cast<std::int32_t>(value - stream_start);
    if (past_start < 0) return value;
    return static_cast<std::uint32_t>(past_start) < shift ? stream_start : value - shift;
}

bool unshift_acknowledgment(wire::Bytes packet, std::uint32_t shift, std::uint32_t stream_start, bool partial) noexcept {
    const wire::Bytes tcp = tcp_header(packet);
    if (tcp.empty() || shift == 0) return false;
    if (tcp[13] & tcp_ack) replace_u32(tcp, 8, unshifted(wire::load_be32(tcp.data() + 8), shift, stream_start), partial);
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
        if (kind == 5)
            for (std::size_t edge = at + 2; edge + 4 <= at + length; edge += 4)
                replace_u32(tcp, edge, unshifted(wire::load_be32(tcp.data() + edge), shift, stream_start), partial);
        at += length;
    }
    return true;
}

}  // namespace vpclab::endpoints
