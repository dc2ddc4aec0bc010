// Zero-copy view of an IPv4 header (RFC 791), validated once: version, header length, total length, checksum.
#pragma once

#include "wire/bytes.hpp"

namespace vpclab::wire {

enum class IpProtocol : std::uint8_t { icmp = 1, tcp = 6, udp = 17 };

class Ipv4View {
public:
    static constexpr std::size_t min_header_length = 20;

    Ipv4View() = default;
    // Validates the header against the bytes available. `packet` may carry trailing link padding.
    static WireError check(ConstBytes packet);
    explicit Ipv4View(Bytes packet) : bytes_(packet) {}

    std::uint8_t version() const { return bytes_[0] >> 4; }
    std::size_t header_length() const { return static_cast<std::size_t>(bytes_[0] & 0x0f) * 4; }
    std::uint8_t dscp_ecn() const { return bytes_[1]; }
    std::uint16_t total_length() const { return load_be16(bytes_.data() + 2); }
    std::uint16_t identification() const { return load_be16(bytes_.data() + 4); }
    bool dont_fragment() const { return (bytes_[6] & 0x40) != 0; }
    bool more_fragments() const { return (bytes_[6] & 0x20) != 0; }
    std::uint16_t fragment_offset() const { return load_be16(bytes_.data() + 6) & 0x1fff; }
    // A non-first fragment carries no L4 header (RFC 791): ports cannot be read from it.
    bool is_first_fragment() const { return fragment_offset() == 0; }
    std::uint8_t ttl() const { return bytes_[8]; }
    std::uint8_t protocol() const { return bytes_[9]; }
    std::uint16_t header_checksum() const { return load_be16(bytes_.data() + 10); }
    std::uint32_t source() const { return load_be32(bytes_.data() + 12); }
    std::uint32_t destination() const { return load_be32(bytes_.data() + 16); }

    void set_ttl(std::uint8_t ttl) { bytes_[8] = ttl; }
    void set_source(std::uint32_t a) { store_be32(bytes_.data() + 12, a); }
    void set_destination(std::uint32_t a) { store_be32(bytes_.data() + 16, a); }
    void set_header_checksum(std::uint16_t c) { store_be16(bytes_.data() + 10, c); }
    // Recomputes the header checksum from scratch (for headers this process builds).
    void fill_header_checksum();

    // The L4 payload as the total length field bounds it (excludes link padding).
    Bytes payload() const { return bytes_.subspan(header_length(), total_length() - header_length()); }
    Bytes bytes() const { return bytes_; }

    // Writes a 20-byte header with no options; the checksum is filled in.
    static void build(Bytes out, std::uint8_t protocol, std::uint32_t source, std::uint32_t destination,
                      std::uint16_t total_length, std::uint8_t ttl = 64, std::uint16_t identification = 0,
                      bool dont_fragment = true);

private:
    Bytes bytes_;
};

}  // namespace vpclab::wire
