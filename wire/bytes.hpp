// Big-endian loads and stores on raw frame bytes, the one place wire code touches byte order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace vpclab::wire {

using Bytes = std::span<std::uint8_t>;
using ConstBytes = std::span<const std::uint8_t>;

inline std::uint16_t load_be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
inline std::uint32_t load_be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
inline void store_be16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}

// Why a parse failed; the data path counts these per reason instead of throwing.
enum class WireError : std::uint8_t {
    none,
    truncated,          // fewer bytes than the header (or its length fields) need
    bad_version,        // IPv4 version field is not 4
    bad_header_length,  // IHL < 5, or options run past the packet
    bad_total_length,   // IPv4 total length smaller than the header or larger than the frame
    bad_checksum,       // IPv4 header checksum does not verify
    bad_fragment_offset,  // IPv4 fragment reaching past a 65,535-byte datagram (RFC 791)
    unsupported,        // well-formed but of a kind this view does not handle (e.g. non-Ethernet ARP)
};

const char* to_string(WireError e);

}  // namespace vpclab::wire
