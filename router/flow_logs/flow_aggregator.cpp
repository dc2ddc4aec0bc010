// The bounded flow record table of one aggregation window.
#include "router/flow_logs/flow_aggregator.hpp"

#include <bit>

namespace vpclab::router {

namespace {
constexpr std::size_t port_count = 65536;

std::uint64_t hash_of(const FlowRecordKey& k) noexcept {
    auto mix = [](std::uint64_t z) {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    };
    std::uint64_t h = mix((std::uint64_t{k.source} << 32 | k.destination) ^ 0x9e3779b97f4a7c15ULL);
    h = mix(h ^ (std::uint64_t{k.source_port} << 48 | std::uint64_t{k.destination_port} << 32 | std::uint64_t{k.port} << 16 |
                 std::uint64_t{k.protocol} << 8 | static_cast<std::uint64_t>(k.direction) << 1 | static_cast<std::uint64_t>(k.action)));
    return h;
}
}  // namespace

FlowAggregator::FlowAggregator(std::size_t capacity)
    : capacity_(capacity < 16 ? 16 : capacity),
      slots_(std::bit_ceil(capacity_ * 2)),
      held_(port_count),
      skipped_(port_count) {
    skipped_ports_.reserve(port_count);
}

std::size_t FlowAggregator::memory_bytes() const {
    return slots_.size() * sizeof(FlowRecord) + (held_.size() + skipped_.size() + skipped_ports_.capacity()) * sizeof(std::uint32_t);
}

bool FlowAggregator::add(const FlowRecordKey& key, std::uint32_t packets, std::uint32_t bytes, std::uint8_t tcp_flags, std::uint8_t traffic_path,
                         std::uint32_t now) noexcept {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash_of(key) & mask;; i = (i + 1) & mask) {
        FlowRecord& s = slots_[i];
        if (s.used && s.key == key) {
            s.packets += packets;
            s.bytes += bytes;
            s.last = now;
            s.tcp_flags |= tcp_flags;
            if (!s.traffic_path) s.traffic_path = traffic_path;
            return true;
        }
        if (s.used) continue;  // the load stays at most 1/2: a free slot is never far
        if (size_ >= capacity_ || held_[key.port] >= per_port_limit()) {
            if (skipped_[key.port] == 0) skipped_ports_.push_back(key.port);  // at most once per port: within its reserve
            if (skipped_[key.port] != UINT32_MAX) ++skipped_[key.port];
            return false;
        }
        s = {key, packets, bytes, now, now, tcp_flags, traffic_path, true};
        ++held_[key.port];
        ++size_;
        return true;
    }
}

}  // namespace vpclab::router
