// Reads the frames of a classic pcap file (LINKTYPE_ETHERNET), for replaying captures in benchmarks.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace vpclab::bench {

inline std::vector<std::vector<std::uint8_t>> read_pcap(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    const std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto u32 = [&](std::size_t at) {
        std::uint32_t v;
        std::memcpy(&v, data.data() + at, 4);  // pcap fields are in the writer's byte order: little-endian here
        return v;
    };
    if (data.size() < 24 || (u32(0) != 0xa1b2c3d4 && u32(0) != 0xa1b23c4d) || u32(20) != 1)
        throw std::runtime_error(path + ": not a little-endian Ethernet pcap file");
    std::vector<std::vector<std::uint8_t>> frames;
    for (std::size_t at = 24; at + 16 <= data.size();) {
        const std::uint32_t captured = u32(at + 8);
        if (at + 16 + captured > data.size()) break;
        frames.emplace_back(data.begin() + static_cast<long>(at + 16), data.begin() + static_cast<long>(at + 16 + captured));
        at += 16 + captured;
    }
    return frames;
}

}  // namespace vpclab::bench
