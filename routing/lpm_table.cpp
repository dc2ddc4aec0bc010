// Builds the range table of LpmTable from a list of prefixes.
#include "routing/lpm_table.hpp"

#include <algorithm>

namespace vpclab::routing {

LpmTable::LpmTable(std::vector<Entry> entries) {
    // Drop later duplicates of the same prefix, keeping the first as documented.
    std::vector<Entry> unique;
    unique.reserve(entries.size());
    {
        std::vector<std::size_t> order(entries.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            const Cidr &x = entries[a].prefix, &y = entries[b].prefix;
            // Sort by start address, then shorter (enclosing) prefixes first, so that a stack walk nests.
            return x.network != y.network ? x.network < y.network : x.prefix_length < y.prefix_length;
        });
        for (std::size_t i : order)
            if (unique.empty() || !(unique.back().prefix == entries[i].prefix)) unique.push_back(entries[i]);
    }

    range_starts_.clear();
    range_values_.clear();
    auto emit = [&](std::uint64_t start, std::uint32_t value) {
        if (start > 0xffffffffULL) return;
        if (!range_starts_.empty() && range_starts_.back() == start) {
            range_values_.back() = value;
        } else if (!range_values_.empty() && range_values_.back() == value) {
            return;  // same value continues: no new range needed
        } else {
            range_starts_.push_back(static_cast<std::uint32_t>(start));
            range_values_.push_back(value);
        }
        // Merging may leave two neighbours with equal values after an overwrite; fold them.
        if (range_values_.size() >= 2 && range_values_[range_values_.size() - 2] == range_values_.back()) {
            range_starts_.pop_back();
            range_values_.pop_back();
        }
    };

    // Walk prefixes in order with a stack of enclosing prefixes; at each boundary the innermost wins.
    std::vector<Entry> stack;
    emit(0, no_match);
    auto close_until = [&](std::uint64_t limit) {
        // Pop every enclosing prefix that ends before `limit`, emitting what becomes visible after it.
        while (!stack.empty() && std::uint64_t{stack.back().prefix.last()} + 1 <= limit) {
            const std::uint64_t end = std::uint64_t{stack.back().prefix.last()} + 1;
            stack.pop_back();
            emit(end, stack.empty() ? no_match : stack.back().value);
        }
    };
    for (const Entry& e : unique) {
        close_until(e.prefix.network);
        stack.push_back(e);
        emit(e.prefix.network, e.value);
    }
    close_until(std::uint64_t{1} << 32);
    range_starts_.shrink_to_fit();
    range_values_.shrink_to_fit();
    if (range_starts_.size() > index_threshold) {
        index_.resize(65537);
        std::size_t r = 0;
        for (std::uint64_t top = 0; top <= 65536; ++top) {
            const std::uint64_t first = top << 16;
            while (r + 1 < range_starts_.size() && range_starts_[r + 1] <= first) ++r;
            index_[top] = static_cast<std::uint32_t>(r);
        }
    }
}

std::uint32_t lpm_reference_lookup(const std::vector<LpmTable::Entry>& entries, std::uint32_t address) {
    int best_len = -1;
    std::uint32_t best = LpmTable::no_match;
    for (const auto& e : entries) {
        if (e.prefix.contains(address) && e.prefix.prefix_length > best_len) {
            best_len = e.prefix.prefix_length;
            best = e.value;
        }
    }
    return best;
}

}  // namespace vpclab::routing
