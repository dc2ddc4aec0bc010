// Zero-copy views of the first bytes of ICMP (RFC 792), UDP (RFC 768) and TCP (RFC 793) headers.
#pragma once

#include "wire/bytes.hpp"
#include "wire/ipv4.hpp"

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

// The transport facts of an IPv4 packet, read once where the packet is validated and kept with it
// (smoltcp's `Repr`): what every stage asks of a TCP, UDP or ICMP header, so that none reads the bytes again.
// A stage that rewrites ports updates them here too. A non-first fragment (RFC 791) has no transport header:
// only the protocol is known. A header cut short gives what fits (ports need 4 bytes; a TCP segment's flags
// and sequence its whole 20-byte header; an ICMP message's type and code 2 bytes, its echo identifier 8).
struct TransportRepr {
    std::uint8_t protocol = 0;
    bool first_fragment = false;
    bool ports = false;           // TCP or UDP with its ports: source_port, destination_port
    bool whole_header = false;    // the protocol's fixed header is all there (TCP 20 bytes, UDP 8, ICMP 8)
    bool icmp_type_known = false; // ICMP with its type and code
    std::uint16_t source_port = 0, destination_port = 0;
    std::uint8_t tcp_flags = 0;   // TCP with its whole header, else 0
    std::uint32_t sequence = 0, acknowledgment = 0;  // TCP with its whole header
    std::uint16_t window = 0;                          // TCP with its whole header
    std::uint8_t icmp_type = 0, icmp_code = 0;
    std::uint16_t echo_identifier = 0;  // an ICMP echo request or reply (type 8 or 0) with its whole header

    // `l4` is the packet's payload (what follows the IPv4 header, as its total length bounds it).
    static TransportRepr parse(std::uint8_t protocol, bool first_fragment, ConstBytes l4) noexcept {
        TransportRepr r;
        r.read(protocol, first_fragment, l4);
        return r;
    }
    static TransportRepr of(const Ipv4View& ip) noexcept { return parse(ip.protocol(), ip.is_first_fragment(), ip.payload()); }
    // The same, written over this one in place: the data path keeps one per frame, and a copy of a struct
    // written byte by byte just before is a store the processor cannot forward (a stall on every packet).
    void read(std::uint8_t protocol_number, bool first, ConstBytes l4) noexcept {
        protocol = protocol_number;
        first_fragment = first;
        ports = whole_header = icmp_type_known = false;
        source_port = destination_port = 0;
        tcp_flags = 0;
        sequence = acknowledgment = 0;
        window = 0;
        icmp_type = icmp_code = 0;
        echo_identifier = 0;
        if (!first) return;
        const std::size_t n = l4.size();
        if (protocol == static_cast<std::uint8_t>(IpProtocol::tcp) || protocol == static_cast<std::uint8_t>(IpProtocol::udp)) {
            if (n < 4) return;
            ports = true;
            source_port = load_be16(l4.data());
            destination_port = load_be16(l4.data() + 2);
            if (protocol == static_cast<std::uint8_t>(IpProtocol::udp)) {
                whole_header = n >= udp_header_length;
            } else if (n >= tcp_min_header_length) {
                whole_header = true;
                sequence = load_be32(l4.data() + 4);
                acknowledgment = load_be32(l4.data() + 8);
                tcp_flags = l4[13];
                window = load_be16(l4.data() + 14);
            }
        } else if (protocol == static_cast<std::uint8_t>(IpProtocol::icmp) && n >= 2) {
            icmp_type_known = true;
            icmp_type = l4[0];
            icmp_code = l4[1];
            whole_header = n >= IcmpView::header_length;
            if (whole_header && is_echo()) echo_identifier = load_be16(l4.data() + 4);
        }
    }
    void read(const Ipv4View& ip) noexcept { read(ip.protocol(), ip.is_first_fragment(), ip.payload()); }

    bool is_tcp() const { return protocol == static_cast<std::uint8_t>(IpProtocol::tcp); }
    // A whole TCP or UDP header: what a stage carrying a connection needs (ports, and TCP's flags and sequence).
    bool whole_tcp_or_udp() const { return whole_header && ports; }
    bool is_udp() const { return protocol == static_cast<std::uint8_t>(IpProtocol::udp); }
    bool is_icmp() const { return protocol == static_cast<std::uint8_t>(IpProtocol::icmp); }
    // A TCP segment with its whole header that opens a connection (opens_tcp_connection).
    bool opens_tcp_connection() const { return is_tcp() && whole_header && wire::opens_tcp_connection(tcp_flags); }
    bool is_echo() const { return icmp_type_known && (icmp_type == 0 || icmp_type == 8); }
    bool is_echo_request() const { return icmp_type_known && icmp_type == static_cast<std::uint8_t>(IcmpType::echo_request); }
    // RFC 792 and RFC 1122 §3.2.2: the messages that report an error about a packet, which they quote.
    bool is_icmp_error() const {
        return icmp_type_known && (icmp_type == 3 || icmp_type == 4 || icmp_type == 5 || icmp_type == 11 || icmp_type == 12);
    }
    friend bool operator==(const TransportRepr&, const TransportRepr&) = default;
    // A port rewritten by a stage (`destination` or source side).
    void set_port(bool destination, std::uint16_t port) { (destination ? destination_port : source_port) = port; }
    // The port on one side, 0 when the packet has none.
    std::uint16_t port(bool destination) const { return !ports ? 0 : destination ? destination_port : source_port; }
};

}  // namespace vpclab::wire
