// The virtio-net header a TAP opened with IFF_VNET_HDR puts before each frame (virtio spec §5.1.6; linux/virtio_net.h).
#pragma once

#include <cstring>

#include "wire/bytes.hpp"

namespace vpclab::wire {

// Field layout of struct virtio_net_hdr (little-endian on x86 with TUNSETVNETLE unset: host order).
struct VnetHeader {
    static constexpr std::size_t length = 10;
    static constexpr std::uint8_t flag_needs_csum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM: L4 checksum is partial
    static constexpr std::uint8_t flag_data_valid = 2;  // VIRTIO_NET_HDR_F_DATA_VALID
    static constexpr std::uint8_t gso_none = 0, gso_tcpv4 = 1, gso_udp = 3, gso_tcpv6 = 4, gso_udp_l4 = 5;
    static constexpr std::uint8_t gso_ecn = 0x80;

    std::uint8_t flags = 0;
    std::uint8_t gso_type = gso_none;
    std::uint16_t header_length = 0;  // hdr_len: bytes of headers in each segment
    std::uint16_t gso_size = 0;       // payload bytes per segment
    std::uint16_t csum_start = 0;     // offset from frame start where checksumming begins
    std::uint16_t csum_offset = 0;    // where, after csum_start, the checksum is stored

    static WireError check(ConstBytes b) { return b.size() < length ? WireError::truncated : WireError::none; }
    static VnetHeader read(ConstBytes b) {
        VnetHeader h;
        h.flags = b[0];
        h.gso_type = b[1];
        std::memcpy(&h.header_length, b.data() + 2, 2);
        std::memcpy(&h.gso_size, b.data() + 4, 2);
        std::memcpy(&h.csum_start, b.data() + 6, 2);
        std::memcpy(&h.csum_offset, b.data() + 8, 2);
        return h;
    }
    void write(Bytes b) const {
        b[0] = flags;
        b[1] = gso_type;
        std::memcpy(b.data() + 2, &header_length, 2);
        std::memcpy(b.data() + 4, &gso_size, 2);
        std::memcpy(b.data() + 6, &csum_start, 2);
        std::memcpy(b.data() + 8, &csum_offset, 2);
    }
    bool is_gso() const { return (gso_type & ~gso_ecn) != gso_none; }
    bool needs_checksum() const { return (flags & flag_needs_csum) != 0; }
};

// Why a frame's offload fields cannot describe the IPv4 packet they came with.
enum class OffloadError : std::uint8_t {
    none,
    checksum_fields,  // NEEDS_CSUM, but csum_start/csum_offset are not the TCP/UDP checksum field of the packet
    gso_fields,       // a GSO type, size or header length that does not fit the packet
};

// Checks the offload fields against the packet once, at the edge, before anything acts on them (what the
// kernel's virtio_net_hdr_to_skb checks before trusting a virtio-net header, and stricter: the only
// offloads an IPv4 VPC port carries are TCP/UDP checksums and TCPv4/UDP segmentation). With NEEDS_CSUM
// the checksum must be the TCP (offset 16) or UDP (offset 6) checksum of an unfragmented packet, starting
// at the L4 header; GSO needs NEEDS_CSUM, a matching protocol, a non-zero size and headers inside the
// packet. `ipv4` must have passed Ipv4View::check; `ip_offset` is where it starts in the Ethernet frame
// (csum_start counts from there).
OffloadError check_offloads(const VnetHeader& vnet, ConstBytes ipv4, std::size_t ip_offset);

}  // namespace vpclab::wire
