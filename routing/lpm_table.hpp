// Longest-prefix-match table compiled to sorted disjoint address ranges: one binary search per lookup.
//
// Why ranges: a route table is built once by the control plane and read by every packet. Flattening the
// prefixes into the ranges where one prefix is the most specific turns LPM into a search over a dense,
// cache-friendly array (no pointers, no per-lookup branches on prefix length).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "routing/ipv4_cidr.hpp"

namespace vpclab::routing {

class LpmTable {
public:
    static constexpr std::uint32_t no_match = 0xffffffff;

    struct Entry {
        Cidr prefix;
        std::uint32_t value;  // caller's index; must not be `no_match`
    };

    LpmTable() = default;
    // Duplicated prefixes: the entry listed first wins (the caller orders ties by its own priority rule).
    explicit LpmTable(std::vector<Entry> entries);

    // Tables with more ranges than this get a first-level index on the top 16 address bits (256 KiB),
    // which turns ~18 cache-missing search steps for 100k prefixes into a handful.
    static constexpr std::size_t index_threshold = 1024;

    // The value of the longest prefix containing `address`, or `no_match`.
    std::uint32_t lookup(std::uint32_t address) const {
        // Find the last range starting at or before `address`; range_starts_[0] is always 0.
        std::size_t lo = 0, n = range_starts_.size();
        if (!index_.empty()) {
            // The answer lies between the range holding the /16's first address and the one holding the next /16's.
            const std::uint32_t top = address >> 16;
            lo = index_[top];
            n = index_[top + 1] - lo + 1;
        }
        while (n > 1) {
            const std::size_t half = n / 2;
            lo = range_starts_[lo + half] <= address ? lo + half : lo;
            n -= half;
        }
        return range_values_[lo];
    }

    std::size_t range_count() const { return range_starts_.size(); }
    std::size_t memory_bytes() const {
        return (range_starts_.capacity() + range_values_.capacity() + index_.capacity()) * sizeof(std::uint32_t);
    }

private:
    std::vector<std::uint32_t> range_starts_{0};
    std::vector<std::uint32_t> range_values_{no_match};
    std::vector<std::uint32_t> index_;  // index_[t]: the range holding address t << 16 (t = 0 … 65536)
};

// The obvious reference: scan every entry and keep the longest match (first listed on ties).
std::uint32_t lpm_reference_lookup(const std::vector<LpmTable::Entry>& entries, std::uint32_t address);

}  // namespace vpclab::routing
