// fragment_packet's body (a template: the caller's emit is inlined into the data path).
#pragma once

#include <cstring>

#include "wire/ipv4.hpp"

namespace vpclab::endpoints {

template <class Emit>
bool fragment_packet(wire::ConstBytes packet, std::uint16_t mtu, wire::Bytes scratch, Emit&& emit) noexcept {
    const std::size_t ihl = static_cast<std::size_t>(packet[0] & 0x0f) * 4;
    const std::size_t total = wire::load_be16(packet.data() + 2);
    if (mtu <= ihl + 8 || scratch.size() < mtu) return false;
    const std::size_t chunk = (mtu - ihl) & ~std::size_t{7};  // fragment data comes in 8-byte units
    const std::uint16_t original_flags = wire::load_be16(packet.data() + 6);
    const std::size_t base_offset = (original_flags & 0x1fff) * std::size_t{8};
    const bool original_more = (original_flags & 0x2000) != 0;  // fragmenting a fragment keeps its MF
    // The packet must be what Ipv4View::check accepts; checked again so offsets can never wrap (RFC 791:
    // no fragment ends past 65,535) and no copy reads past the packet.
    if (ihl < 20 || total < ihl || total > packet.size() || base_offset + total > 65535) return false;
    for (std::size_t at = ihl; at < total; at += chunk) {
        const std::size_t len = std::min(chunk, total - at);
        const bool last = at + len >= total;
        std::memcpy(scratch.data(), packet.data(), ihl);
        std::memcpy(scratch.data() + ihl, packet.data() + at, len);
        wire::store_be16(scratch.data() + 2, static_cast<std::uint16_t>(ihl + len));
        const std::size_t offset_units = (base_offset + at - ihl) / 8;
        wire::store_be16(scratch.data() + 6,
                         static_cast<std::uint16_t>(((!last || original_more) ? 0x2000 : 0) | (offset_units & 0x1fff)));
        wire::Ipv4View(scratch.first(ihl + len)).fill_header_checksum();
        emit(wire::ConstBytes(scratch.data(), ihl + len));
    }
    return true;
}

}  // namespace vpclab::endpoints
