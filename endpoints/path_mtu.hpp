// The 1500-byte path MTU beyond an internet gateway (VPC User Guide, "Network MTU": traffic leaving the
// VPC through an internet gateway is limited to 1500 bytes): the size check, ICMP fragmentation-needed
// (RFC 792, RFC 1191) for packets with DF set, and IPv4 fragmentation (RFC 791) for those without.
#pragma once

#include <cstdint>

#include "wire/bytes.hpp"
#include "wire/vnet_header.hpp"

namespace vpclab::endpoints {

constexpr std::uint16_t internet_mtu = 1500;

// The largest IP packet the frame becomes on the wire: the packet itself, or for a GSO super-frame one
// segment (IP header + L4 header + gso_size). `packet` must have passed Ipv4View::check.
std::size_t wire_packet_size(wire::ConstBytes packet, const wire::VnetHeader& vnet) noexcept;

// Writes into `out` an IPv4 packet carrying ICMP destination unreachable / fragmentation needed from
// `router_address` to the sender of `original`, quoting its IP header and first 8 data bytes, with the
// next-hop MTU. Returns the length written (0 if `out` is too small).
std::size_t build_fragmentation_needed(wire::Bytes out, wire::ConstBytes original, std::uint32_t router_address,
                                       std::uint16_t mtu) noexcept;

// Completes a partial (offloaded) L4 checksum in place: sums from csum_start to the end and stores the
// result at csum_start + csum_offset (what the kernel's skb_checksum_help does). `frame` is the Ethernet frame
// up to the end of the IP packet. Returns false, changing nothing, if the field is not after csum_start
// inside `frame`.
bool finish_partial_checksum(wire::Bytes frame, const wire::VnetHeader& vnet) noexcept;

// Splits an IPv4 packet without DF into fragments of at most `mtu` bytes (RFC 791 §3.2), calling
// emit(fragment_bytes) for each, built one at a time in `scratch`. The header, options included, is copied
// into every fragment. Returns false (emitting nothing) if the packet cannot be split this way.
template <class Emit>
bool fragment_packet(wire::ConstBytes packet, std::uint16_t mtu, wire::Bytes scratch, Emit&& emit) noexcept;

}  // namespace vpclab::endpoints

#include "endpoints/path_mtu_fragment.inl"
