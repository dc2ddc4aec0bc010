// Zero-copy view of an Ethernet II header (IEEE 802.3 with EtherType; no VLAN tags: TAPs carry none).
#pragma once

#include <cstring>

#include "wire/bytes.hpp"
#include "wire/mac_address.hpp"

namespace vpclab::wire {

enum class EtherType : std::uint16_t { ipv4 = 0x0800, arp = 0x0806, ipv6 = 0x86dd };

class EthernetView {
public:
    static constexpr std::size_t header_length = 14;

    EthernetView() = default;
    // Checks only that the header fits; every later accessor may then read it without bounds checks.
    static WireError check(ConstBytes frame) { return frame.size() < header_length ? WireError::truncated : WireError::none; }
    explicit EthernetView(Bytes frame) : bytes_(frame) {}

    MacAddress destination() const { return MacAddress::load(bytes_.data()); }
    MacAddress source() const { return MacAddress::load(bytes_.data() + 6); }
    std::uint16_t ether_type() const { return load_be16(bytes_.data() + 12); }
    void set_destination(const MacAddress& m) { std::memcpy(bytes_.data(), m.octets.data(), 6); }
    void set_source(const MacAddress& m) { std::memcpy(bytes_.data() + 6, m.octets.data(), 6); }
    void set_ether_type(EtherType t) { store_be16(bytes_.data() + 12, static_cast<std::uint16_t>(t)); }
    Bytes payload() const { return bytes_.subspan(header_length); }
    Bytes bytes() const { return bytes_; }

private:
    Bytes bytes_;
};

}  // namespace vpclab::wire
