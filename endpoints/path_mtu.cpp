// Path MTU: segment size of GSO frames, ICMP fragmentation-needed, completing partial checksums.
#include "endpoints/path_mtu.hpp"

#include <cstring>

#include "wire/checksum.hpp"
#include "wire/ipv4.hpp"
#include "wire/l4.hpp"

namespace vpclab::endpoints {

std::size_t wire_packet_size(wire::ConstBytes packet, const wire::VnetHeader& vnet) noexcept {
    const std::size_t total = wire::load_be16(packet.data() + 2);
    if (!vnet.is_gso()) return total;
    const std::size_t ihl = static_cast<std::size_t>(packet[0] & 0x0f) * 4;
    std::size_t l4_header = wire::udp_header_length;
    if (packet[9] == static_cast<std::uint8_t>(wire::IpProtocol::tcp)) {
        if (total < ihl + wire::tcp_min_header_length) return total;
        l4_header = static_cast<std::size_t>(packet[ihl + 12] >> 4) * 4;
    }
    return std::min(total, ihl + l4_header + vnet.gso_size);
}

std::size_t build_fragmentation_needed(wire::Bytes out, wire::ConstBytes original, std::uint32_t router_address,
                                       std::uint16_t mtu) noexcept {
    const std::size_t ihl = static_cast<std::size_t>(original[0] & 0x0f) * 4;
    // RFC 792: the internet header plus the first 64 bits of the original datagram's data.
    const std::size_t quote = std::min<std::size_t>(wire::load_be16(original.data() + 2), ihl + 8);  // never link padding
    const std::size_t total = wire::Ipv4View::min_header_length + wire::IcmpView::header_length + quote;
    if (out.size() < total) return 0;
    const wire::Ipv4View orig(wire::Bytes(const_cast<std::uint8_t*>(original.data()), original.size()));
    wire::Ipv4View::build(out, static_cast<std::uint8_t>(wire::IpProtocol::icmp), router_address, orig.source(),
                          static_cast<std::uint16_t>(total), 64, 0, false);
    std::uint8_t* icmp = out.data() + wire::Ipv4View::min_header_length;
    icmp[0] = static_cast<std::uint8_t>(wire::IcmpType::destination_unreachable);
    icmp[1] = 4;  // fragmentation needed and DF set
    wire::store_be16(icmp + 2, 0);
    wire::store_be16(icmp + 4, 0);
    wire::store_be16(icmp + 6, mtu);  // next-hop MTU (RFC 1191 §4)
    std::memcpy(icmp + 8, original.data(), quote);
    wire::store_be16(icmp + 2, wire::internet_checksum(wire::ConstBytes(icmp, wire::IcmpView::header_length + quote)));
    return total;
}

bool finish_partial_checksum(wire::Bytes frame, const wire::VnetHeader& vnet) noexcept {
    if (!vnet.needs_checksum()) return true;
    // check_offloads has put the field inside the L4 header; this bound keeps the function safe on its own.
    const std::size_t start = vnet.csum_start, at = std::size_t{vnet.csum_start} + vnet.csum_offset;
    if (start >= frame.size() || at < start + 2 || at + 2 > frame.size()) return false;
    const std::uint16_t sum = wire::internet_checksum(frame.subspan(start));
    wire::store_be16(frame.data() + at, sum);
    return true;
}

}  // namespace vpclab::endpoints
