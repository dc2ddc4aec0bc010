// A 48-bit Ethernet MAC address value, its text form and the locally administered addresses vpclab assigns.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vpclab::wire {

struct MacAddress {
    std::array<std::uint8_t, 6> octets{};

    static constexpr MacAddress broadcast() { return MacAddress{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
    // 02:xx:xx:xx:xx:xx: locally administered, unicast (IEEE 802 "U/L" bit set), as AWS ENIs use.
    static MacAddress locally_administered(std::uint64_t seed);
    static std::optional<MacAddress> parse(std::string_view text);
    // The six bytes at `p` (a field of a frame the caller has bounds-checked).
    static MacAddress load(const std::uint8_t* p) {
        MacAddress m;
        for (int i = 0; i < 6; ++i) m.octets[i] = p[i];
        return m;
    }

    bool is_broadcast() const { return *this == broadcast(); }
    bool is_multicast() const { return (octets[0] & 0x01) != 0; }
    std::string to_string() const;
    friend bool operator==(const MacAddress&, const MacAddress&) = default;
};

}  // namespace vpclab::wire
