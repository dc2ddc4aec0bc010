// A fixed-capacity connection table keyed by 5-tuple, for stateful decisions (security groups track
// connections, EC2 User Guide "Security group connection tracking"). Open addressing with linear probing
// and backward-shift deletion (no tombstones), sized once: insert, find and expire never allocate. Each
// flow carries its own idle timeout (a UDP flow 30 s, an established TCP connection 5 days).
#pragma once

#include <cstdint>
#include <vector>

namespace vpclab::routing {

struct FlowKey {
    std::uint32_t source = 0, destination = 0;
    std::uint16_t source_port = 0, destination_port = 0;
    std::uint8_t protocol = 0;
    std::uint16_t zone = 0;  // e.g. the VPC or the ENI's port, so overlapping address spaces do not collide
    friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

class FlowTable {
public:
    // Room for `max_flows` flows; the slot array is twice that (load at most 1/2 keeps probes short).
    explicit FlowTable(std::size_t max_flows);

    // What a flow holds: the caller's value, and how long it may stay idle (the caller may change both).
    struct Entry {
        std::uint32_t value = 0;
        std::uint32_t idle_timeout = 0;  // seconds
    };

    // Adds or refreshes a flow. Returns false only when the table is full.
    bool upsert(const FlowKey& key, std::uint32_t value, std::uint32_t now, std::uint32_t idle_timeout) noexcept;
    // The flow (refreshing its last-seen time), or nullptr. A flow idle longer than its timeout is gone
    // (removed here if the expiry hand has not reached it yet).
    Entry* find(const FlowKey& key, std::uint32_t now) noexcept;
    bool erase(const FlowKey& key) noexcept;
    // Removes flows idle longer than their timeout, examining at most `max_slots` slots from where the last
    // call stopped (a clock hand), so the data path can expire a little per batch. Returns removed count.
    std::size_t expire(std::uint32_t now, std::size_t max_slots) noexcept;

    // Removes every flow for which `doomed(key, entry)` is true: a walk over all slots, for the control
    // path (an ENI that goes away takes its flows with it), never per packet.
    template <class Predicate>
    std::size_t erase_if(Predicate&& doomed) noexcept {
        std::size_t removed = 0;
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            // Erasing shifts a later member of the run into slot i (never an unvisited one behind it): look
            // at slot i again until it is empty or kept.
            while (slots_[i].used && doomed(static_cast<const FlowKey&>(slots_[i].key), static_cast<const Entry&>(slots_[i].entry))) {
                erase_at(i);
                ++removed;
            }
        }
        return removed;
    }

    std::size_t size() const { return size_; }
    std::size_t capacity() const { return max_flows_; }
    std::size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

private:
    struct Slot {  // 32 bytes
        FlowKey key;
        Entry entry;
        std::uint32_t last_seen = 0;
        bool used = false;
        bool expired(std::uint32_t now) const { return now - last_seen > entry.idle_timeout; }
    };
    std::size_t home_of(const FlowKey& key) const noexcept;
    std::size_t find_slot(const FlowKey& key) const noexcept;  // slot index or npos
    void erase_at(std::size_t index) noexcept;

    static constexpr std::size_t npos = ~std::size_t{0};
    std::vector<Slot> slots_;
    std::size_t mask_ = 0, size_ = 0, max_flows_ = 0, hand_ = 0;
};

}  // namespace vpclab::routing
