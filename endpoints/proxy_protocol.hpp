// The PROXY protocol v2 header a network load balancer opens a PrivateLink connection with, and the TCP
// sequence shift that inserting it into the client's byte stream needs (ELB NLB guide, "Proxy protocol";
// the header's format: haproxy's proxy-protocol.txt, section 2.2).
#pragma once

#include <cstdint>
#include <string_view>

#include "wire/bytes.hpp"

namespace vpclab::endpoints {

// PP2_TYPE_AWS and its subtype PP2_SUBTYPE_AWS_VPCE_ID: the VPC endpoint the connection came through.
constexpr std::uint8_t proxy_tlv_aws = 0xEA, proxy_aws_vpce_id = 0x01;
constexpr std::size_t proxy_v2_fixed_length = 16, proxy_v2_ipv4_length = 12;

// The header's length for an IPv4 TCP connection, with the endpoint ID TLV when there is an endpoint.
constexpr std::size_t proxy_v2_header_length(std::size_t endpoint_id_length) {
    return proxy_v2_fixed_length + proxy_v2_ipv4_length + (endpoint_id_length ? 3 + 1 + endpoint_id_length : 0);
}

// The header a health check's connection starts with: LOCAL (the load balancer's own connection), no
// addresses.
std::string_view proxy_v2_local_header() noexcept;

// Writes "PROXY, TCP over IPv4, from source:source_port to destination:destination_port", with the endpoint
// ID TLV when `endpoint_id` is not empty (a connection through PrivateLink); returns its length, 0 when `out`
// is too small or the ID longer than 255 bytes.
std::size_t write_proxy_v2_header(wire::Bytes out, std::uint32_t source, std::uint16_t source_port, std::uint32_t destination,
                                  std::uint16_t destination_port, std::string_view endpoint_id) noexcept;

// The client's bytes reach the back end `shift` bytes later in the stream (after the header): the sequence
// number of a segment from the client goes up by `shift`. The checksum is fixed when complete (a partial one
// covers only the pseudo-header, which holds no sequence number). Needs a whole TCP header (a sound data
// offset); else nothing. True when it rewrote the segment (as for unshift_acknowledgment).
bool shift_sequence(wire::Bytes packet, std::uint32_t shift, bool l4_checksum_partial) noexcept;

// RFC 793 sequence arithmetic (modulo 2^32): a number from `stream_start` on comes down by `shift`, but not
// below the start; one before the start is left (what unshift_acknowledgment does to each number).
std::uint32_t unshifted(std::uint32_t value, std::uint32_t shift, std::uint32_t stream_start) noexcept;

// The other way: the back end's acknowledgment number and SACK block edges come down by `shift`, but never
// below `stream_start` (the client's first sequence number after its SYN: an acknowledgment of the header
// alone acknowledges none of the client's bytes). Values before `stream_start` (a RST's zero) are kept.
bool unshift_acknowledgment(wire::Bytes packet, std::uint32_t shift, std::uint32_t stream_start, bool l4_checksum_partial) noexcept;

}  // namespace vpclab::endpoints
