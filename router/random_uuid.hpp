// A random UUID (RFC 9562 version 4), as AWS writes its request IDs and CloudFormation its event IDs.
// Control plane only (a generator per thread, seeded once from the kernel).
#pragma once

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

namespace vpclab::router {

inline std::string random_uuid() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    const std::uint64_t hi = random(), lo = random();
    char text[37];
    std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xFFFF),
                  static_cast<unsigned>(hi & 0xFFF), static_cast<unsigned>(0x8000 | ((lo >> 48) & 0x3FFF)),
                  static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
    return text;
}

}  // namespace vpclab::router
