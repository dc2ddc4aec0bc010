// The network load balancer's choice of target for a new flow (ELB NLB guide, "Network Load Balancers":
// "a flow hash algorithm based on the protocol, source IP address, source port, destination IP address,
// destination port, and TCP sequence number"): a pure function, so a test can check its spread.
#pragma once

#include <cstdint>

namespace vpclab::routing {

// splitmix64's finalizer over the flow's fields: every input bit moves every output bit.
inline std::uint64_t load_balancer_flow_hash(std::uint8_t protocol, std::uint32_t source, std::uint16_t source_port, std::uint32_t destination,
                                             std::uint16_t destination_port, std::uint32_t tcp_sequence) noexcept {
    auto mix = [](std::uint64_t z) {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    };
    std::uint64_t h = mix((std::uint64_t{source} << 32 | destination) ^ 0x9e3779b97f4a7c15ULL);
    h = mix(h ^ (std::uint64_t{source_port} << 48 | std::uint64_t{destination_port} << 32 | tcp_sequence));
    return mix(h ^ protocol);
}

// Which of `count` targets (count > 0) a flow of hash `h` goes to: evenly, without a division's bias.
inline std::uint32_t pick_target(std::uint64_t h, std::uint32_t count) noexcept {
    return static_cast<std::uint32_t>(((h >> 32) * count) >> 32);
}

}  // namespace vpclab::routing
