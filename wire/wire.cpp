// Out-of-line pieces of the wire views: checksums, validation, builders and text forms.
#include <cstdio>

#include "wire/arp.hpp"
#include "wire/checksum.hpp"
#include "wire/ipv4.hpp"
#include "wire/l4.hpp"
#include "wire/mac_address.hpp"
#include "wire/vnet_header.hpp"

namespace vpclab::wire {

const char* to_string(WireError e) {
    switch (e) {
        case WireError::none: return "none";
        case WireError::truncated: return "truncated";
        case WireError::bad_version: return "bad_version";
        case WireError::bad_header_length: return "bad_header_length";
        case WireError::bad_total_length: return "bad_total_length";
        case WireError::bad_checksum: return "bad_checksum";
        case WireError::bad_fragment_offset: return "bad_fragment_offset";
        case WireError::unsupported: return "unsupported";
    }
    return "unknown";
}

std::uint32_t ones_complement_sum(ConstBytes data, std::uint32_t initial) {
    std::uint64_t sum = initial;
    std::size_t i = 0;
    for (; i + 1 < data.size(); i += 2) sum += load_be16(data.data() + i);
    if (i < data.size()) sum += static_cast<std::uint32_t>(data[i]) << 8;  // odd trailing byte padded with zero
    while (sum >> 32) sum = (sum & 0xffffffff) + (sum >> 32);
    return static_cast<std::uint32_t>(sum);
}

std::uint16_t fold(std::uint32_t sum) {
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

std::uint16_t internet_checksum(ConstBytes data, std::uint32_t initial) {
    return static_cast<std::uint16_t>(~fold(ones_complement_sum(data, initial)));
}

std::uint32_t pseudo_header_sum(std::uint32_t source, std::uint32_t destination, std::uint8_t protocol,
                                std::uint16_t l4_length) {
    std::uint64_t sum = (source >> 16) + (source & 0xffff) + (destination >> 16) + (destination & 0xffff) +
                        protocol + l4_length;
    return static_cast<std::uint32_t>((sum & 0xffffffff) + (sum >> 32));
}

WireError Ipv4View::check(ConstBytes p) {
    if (p.size() < min_header_length) return WireError::truncated;
    if ((p[0] >> 4) != 4) return WireError::bad_version;
    const std::size_t ihl = static_cast<std::size_t>(p[0] & 0x0f) * 4;
    if (ihl < min_header_length || ihl > p.size()) return WireError::bad_header_length;
    const std::size_t total = load_be16(p.data() + 2);
    if (total < ihl || total > p.size()) return WireError::bad_total_length;
    if (fold(ones_complement_sum(p.first(ihl))) != 0xffff) return WireError::bad_checksum;
    // RFC 791: a datagram, header included, is at most 65,535 bytes, so no fragment may reach past that
    // (Linux's reassembly refuses the same; refragmenting one would wrap the 13-bit offset).
    const std::size_t fragment_end = (load_be16(p.data() + 6) & 0x1fff) * std::size_t{8} + total;
    if (fragment_end > 65535) return WireError::bad_fragment_offset;
    return WireError::none;
}

OffloadError check_offloads(const VnetHeader& vnet, ConstBytes ip, std::size_t ip_offset) {
    if (!vnet.needs_checksum() && !vnet.is_gso()) return OffloadError::none;  // the fields are unused then
    const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
    const std::size_t total = load_be16(ip.data() + 2);
    const bool fragment = (load_be16(ip.data() + 6) & 0x3fff) != 0;  // MF or an offset: the L4 checksum was done
    const std::uint8_t protocol = ip[9];
    const bool tcp = protocol == static_cast<std::uint8_t>(IpProtocol::tcp), udp = protocol == static_cast<std::uint8_t>(IpProtocol::udp);
    const std::size_t l4_min = tcp ? tcp_min_header_length : udp_header_length;
    if (vnet.needs_checksum()) {
        const std::size_t checksum_at = tcp ? 16 : 6;
        if (fragment || !(tcp || udp) || total < ihl + l4_min || vnet.csum_start != ip_offset + ihl || vnet.csum_offset != checksum_at)
            return OffloadError::checksum_fields;
    }
    if (vnet.is_gso()) {
        const std::uint8_t type = vnet.gso_type & ~VnetHeader::gso_ecn;
        const bool matches = (type == VnetHeader::gso_tcpv4 && tcp) || (type == VnetHeader::gso_udp_l4 && udp);
        if (!vnet.needs_checksum() || !matches || vnet.gso_size == 0 || vnet.header_length > ip_offset + total)
            return OffloadError::gso_fields;
        if (tcp) {
            const std::size_t tcp_header = static_cast<std::size_t>(ip[ihl + 12] >> 4) * 4;
            if (tcp_header < tcp_min_header_length || ihl + tcp_header > total) return OffloadError::gso_fields;
        }
    }
    return OffloadError::none;
}

void Ipv4View::fill_header_checksum() {
    set_header_checksum(0);
    set_header_checksum(internet_checksum(bytes_.first(header_length())));
}

void Ipv4View::build(Bytes out, std::uint8_t protocol, std::uint32_t source, std::uint32_t destination,
                     std::uint16_t total_length, std::uint8_t ttl, std::uint16_t identification, bool dont_fragment) {
    out[0] = 0x45;
    out[1] = 0;
    store_be16(out.data() + 2, total_length);
    store_be16(out.data() + 4, identification);
    store_be16(out.data() + 6, dont_fragment ? 0x4000 : 0);
    out[8] = ttl;
    out[9] = protocol;
    store_be32(out.data() + 12, source);
    store_be32(out.data() + 16, destination);
    Ipv4View v(out.first(min_header_length));
    v.fill_header_checksum();
}

WireError ArpView::check(ConstBytes p) {
    if (p.size() < length) return WireError::truncated;
    // Only Ethernet (1) / IPv4 (0x0800) with 6- and 4-byte addresses: all a TAP of an IPv4 VPC sees.
    if (load_be16(p.data()) != 1 || load_be16(p.data() + 2) != 0x0800 || p[4] != 6 || p[5] != 4)
        return WireError::unsupported;
    return WireError::none;
}

void ArpView::build(Bytes out, ArpOperation op, const MacAddress& sender_mac, std::uint32_t sender_ip,
                    const MacAddress& target_mac, std::uint32_t target_ip) {
    store_be16(out.data(), 1);
    store_be16(out.data() + 2, 0x0800);
    out[4] = 6;
    out[5] = 4;
    store_be16(out.data() + 6, static_cast<std::uint16_t>(op));
    std::memcpy(out.data() + 8, sender_mac.octets.data(), 6);
    store_be32(out.data() + 14, sender_ip);
    std::memcpy(out.data() + 18, target_mac.octets.data(), 6);
    store_be32(out.data() + 24, target_ip);
}

MacAddress MacAddress::locally_administered(std::uint64_t seed) {
    MacAddress m;
    m.octets[0] = 0x02;
    for (int i = 1; i < 6; ++i) m.octets[i] = static_cast<std::uint8_t>(seed >> (8 * (i - 1)));
    return m;
}

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
    MacAddress m;
    if (text.size() != 17) return std::nullopt;
    for (int i = 0; i < 6; ++i) {
        unsigned v = 0;
        for (int j = 0; j < 2; ++j) {
            const char c = text[i * 3 + j];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= c - '0';
            else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
            else return std::nullopt;
        }
        if (i < 5 && text[i * 3 + 2] != ':') return std::nullopt;
        m.octets[i] = static_cast<std::uint8_t>(v);
    }
    return m;
}

std::string MacAddress::to_string() const {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", octets[0], octets[1], octets[2], octets[3],
                  octets[4], octets[5]);
    return buf;
}

}  // namespace vpclab::wire
