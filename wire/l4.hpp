// Zero-copy views of the first bytes of ICMP (RFC 792), UDP (RFC 768) and TCP (RFC 793) headers.
#pragma once

#include "wire/bytes.hpp"

namespace vpclab::wire {

// TCP header flags (RFC 793 §3.1: byte 13 of the header), named once for every part of the router.
namespace tcp_flags {
constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10;
}
// A segment that opens a connection: a SYN without ACK or RST (RFC 793 §3.4; a SYN-ACK answers one).
constexpr bool opens_tcp_connection(std::uint8_t flags) {
    return (flags & (tcp_flags::syn | tcp_flags::ack | tcp_flags::rst)) == tcp_flags::syn;
}

enum class IcmpType : std::uint8_t { echo_reply = 0, destination_unreachable = 3, echo_request = 8, time_exceeded = 11 };

class IcmpView {
public:
    static constexpr std::size_t header_length = 8;
    IcmpView() = default;
    static WireError check(ConstBytes p) { return p.size() < header_length ? WireError::truncated : WireError::none; }
    explicit IcmpView(Bytes p) : bytes_(p) {}
    std::uint8_t type() const { return bytes_[0]; }
    std::uint8_t code() const { return bytes_[1]; }
    std::uint16_t checksum() const { return load_be16(bytes_.data() + 2); }
    // Echo request/reply identifier and sequence (RFC 792); other types use these bytes differently.
    std::uint16_t echo_identifier() const { return load_be16(bytes_.data() + 4); }
    std::uint16_t echo_sequence() const { return load_be16(bytes_.data() + 6); }
    bool is_echo() const { return type() == 0 || type() == 8; }
    void set_checksum(std::uint16_t c) { store_be16(bytes_.data() + 2, c); }
    Bytes bytes() const { return bytes_; }

private:
    Bytes bytes_;
};

// UDP and TCP share the port layout; this view reads only what flow classification needs.
class PortsView {
public:
    PortsView() = default;
    static WireError check(ConstBytes p, std::size_t header_length) {
        return p.size() < header_length ? WireError::truncated : WireError::none;
    }
    explicit PortsView(Bytes p) : bytes_(p) {}
    std::uint16_t source_port() const { return load_be16(bytes_.data()); }
    std::uint16_t destination_port() const { return load_be16(bytes_.data() + 2); }
    Bytes bytes() const { return bytes_; }

private:
    Bytes bytes_;
};

constexpr std::size_t udp_header_length = 8;
constexpr std::size_t tcp_min_header_length = 20;

}  // namespace vpclab::wire
