// The Internet checksum (RFC 1071) and its incremental update (RFC 1624), for IPv4, ICMP, UDP and TCP.
#pragma once

#include "wire/bytes.hpp"

namespace vpclab::wire {

// One's-complement sum of `data` folded into 16 bits, added to `initial` (an unfolded partial sum).
std::uint32_t ones_complement_sum(ConstBytes data, std::uint32_t initial = 0);
std::uint16_t fold(std::uint32_t sum);
// The checksum to store in a header: ~fold(sum(data)).
std::uint16_t internet_checksum(ConstBytes data, std::uint32_t initial = 0);
// Pseudo-header sum (RFC 793 §3.1, RFC 768) for TCP/UDP over IPv4.
std::uint32_t pseudo_header_sum(std::uint32_t source, std::uint32_t destination, std::uint8_t protocol,
                                std::uint16_t l4_length);

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for a 16-bit field changing from m to m'.
inline std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_value, std::uint16_t new_value) {
    std::uint32_t sum = static_cast<std::uint16_t>(~checksum) + static_cast<std::uint16_t>(~old_value) + new_value;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}
inline std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value, std::uint32_t new_value) {
    checksum = checksum_update16(checksum, static_cast<std::uint16_t>(old_value >> 16), static_cast<std::uint16_t>(new_value >> 16));
    return checksum_update16(checksum, static_cast<std::uint16_t>(old_value), static_cast<std::uint16_t>(new_value));
}

}  // namespace vpclab::wire
