// Test helper: turns tcpdump -xx style hex ("ffff 5aef …") into bytes.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace vpclab::test {

inline std::vector<std::uint8_t> from_hex(std::string_view text) {
    std::vector<std::uint8_t> out;
    int nibble = -1;
    for (char c : text) {
        int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (v < 0) continue;
        if (nibble < 0) nibble = v;
        else {
            out.push_back(static_cast<std::uint8_t>(nibble << 4 | v));
            nibble = -1;
        }
    }
    return out;
}

}  // namespace vpclab::test
