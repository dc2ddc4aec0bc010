// Zero-copy view of an ARP packet for IPv4 over Ethernet (RFC 826), and the reply builder.
#pragma once

#include <cstring>

#include "wire/bytes.hpp"
#include "wire/mac_address.hpp"

namespace vpclab::wire {

enum class ArpOperation : std::uint16_t { request = 1, reply = 2 };

class ArpView {
public:
    static constexpr std::size_t length = 28;  // hardware type 1, protocol 0x0800, hlen 6, plen 4

    ArpView() = default;
    static WireError check(ConstBytes packet);
    explicit ArpView(Bytes packet) : bytes_(packet) {}

    std::uint16_t operation() const { return load_be16(bytes_.data() + 6); }
    MacAddress sender_mac() const { return MacAddress::load(bytes_.data() + 8); }
    std::uint32_t sender_ip() const { return load_be32(bytes_.data() + 14); }
    MacAddress target_mac() const { return MacAddress::load(bytes_.data() + 18); }
    std::uint32_t target_ip() const { return load_be32(bytes_.data() + 24); }

    // Writes a complete ARP packet (header fields and addresses) into `out`, which must hold `length` bytes.
    static void build(Bytes out, ArpOperation op, const MacAddress& sender_mac, std::uint32_t sender_ip,
                      const MacAddress& target_mac, std::uint32_t target_ip);

private:
    Bytes bytes_;
};

}  // namespace vpclab::wire
