// Per-ENI traffic and drop counters: plain integers the single-threaded data path increments.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "router/data_path/drop_reason.hpp"

namespace vpclab::router {

struct PortCounters {
    std::uint64_t rx_frames = 0, rx_bytes = 0;  // from the instance into the router
    std::uint64_t tx_frames = 0, tx_bytes = 0;  // from the router to the instance
    std::array<std::uint64_t, drop_reason_count> drops{};  // frames that entered on this ENI and were dropped

    void count_drop(DropReason r) { ++drops[static_cast<std::size_t>(r)]; }
    std::uint64_t dropped(DropReason r) const { return drops[static_cast<std::size_t>(r)]; }
};

using Counters = std::vector<PortCounters>;  // indexed by port; grown (never shrunk) as ENIs get ports

}  // namespace vpclab::router
