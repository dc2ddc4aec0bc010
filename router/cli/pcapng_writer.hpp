// pcapng blocks (draft-ietf-opsawg-pcapng): a section header, interface descriptions and enhanced packet
// blocks with comments and direction flags, little-endian, as Wireshark, tshark and tcpdump -r read them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vpclab::router {

// epb_flags' direction bits (pcapng §4.3.1).
constexpr std::uint32_t pcapng_inbound = 1, pcapng_outbound = 2;

std::string pcapng_section_header(std::string_view application);
// An Ethernet interface (LINKTYPE_ETHERNET) with nanosecond timestamps (if_tsresol 9).
std::string pcapng_interface(std::string_view name, std::string_view description, std::uint32_t snap_length);
std::string pcapng_packet(std::uint32_t interface, std::uint64_t time_ns, std::string_view data, std::uint32_t original_length,
                          std::uint32_t flags, std::string_view comment);

}  // namespace vpclab::router
