// A fixed-capacity connection table keyed by 5-tuple, for stateful decisions (security groups track
// connections, EC2 User Guide "Security group connection tracking"). Open addressing with linear probing
// and backward-shift deletion (no tombstones), sized once: insert, find and expire never allocate. Each
// flow carries its own idle timeout (a UDP flow 30 s, an established TCP connection 5 days).
//
// Fair shares, for tables whose flows belong to owners (an ENI's port): every owner may always hold its
// reserved part; beyond it, flows come from a part shared by all, of which one owner takes at most its
// share. So one owner filling what it may hold is refused new flows, and the others are not (EC2 User
// Guide, "Security group connection tracking": tracked connections are allowed per instance, and an
// instance exceeding its allowance has its own new connections dropped: conntrack_allowance_exceeded).
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
    // Whom a flow belongs to, in a table that counts them: its key's zone (security group tracking: the
    // ENI), or its value (gateway endpoint flows: the ENI that opened it). A flow's owner is not stored
    // (the slot stays 32 bytes): in a table owned by value, change a flow's value only through upsert.
    enum class Owners : std::uint8_t { none, by_zone, by_value };
    // Room for `max_flows` flows; the slot array is twice that (load at most 1/2 keeps probes short). With
    // owners, the flows each owner holds are counted (256 KiB more), and set_shares bounds them.
    explicit FlowTable(std::size_t max_flows, Owners owners = Owners::none);

    // How the table is shared (see above): `reserved` flows each owner may always hold, `shared` flows in the
    // part past the reserved ones, `shared_per_owner` of them at most to one owner. By default (no shares
    // set) everything is shared, first come first served.
    struct Shares {
        std::size_t reserved = 0, shared = 0, shared_per_owner = 0;
        friend bool operator==(const Shares&, const Shares&) = default;
    };
    // Shares for a table of `capacity` among `owners`: half the table reserved in equal parts, the rest
    // shared, one owner taking at most a quarter of it (a half with two owners, all of it with one: there is
    // nobody else to keep room for). The reserved parts and the shared part together never exceed the
    // capacity, so an owner within its reserved part has room. When the shares shrink (more owners) flows
    // held past the new shares stay; should the table then be full when an owner under its reserved part
    // opens one, a flow of an owner past its own part makes room (so an ENI added later gets its part).
    static Shares fair_shares(std::size_t capacity, std::size_t owners) noexcept;
    // Sets the shares (control path; a table that counts owners): the shared part in use is recounted.
    void set_shares(const Shares& shares) noexcept;
    void share_fairly(std::size_t owners) noexcept { set_shares(fair_shares(max_flows_, owners)); }
    const Shares& shares() const { return shares_; }
    // Whether `owner` may add a flow now (a table that does not count owners: whether it has room). In a
    // full table, an owner under its reserved part may, when owners past theirs hold flows to make room with.
    bool may_add(std::uint16_t owner) const noexcept;
    std::size_t held_by(std::uint16_t owner) const noexcept { return held_.empty() ? 0 : held_[owner]; }
    // The most `owner` may hold now: its reserved part, and what it may still take of the shared part.
    std::size_t allowance_of(std::uint16_t owner) const noexcept;
    std::size_t shared_in_use() const { return shared_used_; }

    // What a flow holds: the caller's value, and how long it may stay idle (the caller may change both).
    struct Entry {
        std::uint32_t value = 0;
        std::uint32_t idle_timeout = 0;  // seconds
    };

    // Adds or refreshes a flow. Returns false only when the flow is new and the table is full, or its owner
    // holds all it may (may_add).
    bool upsert(const FlowKey& key, std::uint32_t value, std::uint32_t now, std::uint32_t idle_timeout) noexcept;
    // upsert, and when the table itself is full, once more after reclaiming what expired near the clock
    // hand (256 slots): the data path's insert.
    bool upsert_or_reclaim(const FlowKey& key, std::uint32_t value, std::uint32_t now, std::uint32_t idle_timeout) noexcept;
    // The flow (refreshing its last-seen time), or nullptr. A flow idle longer than its timeout is gone
    // (removed here if the expiry hand has not reached it yet).
    Entry* find(const FlowKey& key, std::uint32_t now) noexcept;
    // The flow as it is (idle or not), without refreshing it.
    const Entry* peek(const FlowKey& key) const noexcept;
    // The flow if it is live at `now` (idle no longer than its timeout), read only: what a decision looks
    // at. An idle flow stays until the expiry hand or an upsert of its key reaches it.
    const Entry* live(const FlowKey& key, std::uint32_t now) const noexcept;
    // Whether `flow` is one of this table's entries (as live() or peek() returned it).
    bool holds(const Entry& flow) const noexcept;
    // A flow of this table (holds), seen again at `now`: its value and idle timeout set, its last-seen time
    // refreshed, without a second lookup. In a table owned by value the value's owner must stay the same
    // (change owners through upsert).
    void refresh(const Entry& flow, std::uint32_t value, std::uint32_t idle_timeout, std::uint32_t now) noexcept;
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
    std::size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot) + held_.capacity() * sizeof(std::uint32_t); }

private:
    struct Slot {  // 32 bytes
        FlowKey key;
        Entry entry;
        std::uint32_t last_seen = 0;
        bool used = false;
        bool expired(std::uint32_t now) const { return now - last_seen > entry.idle_timeout; }
    };
    static_assert(sizeof(Slot) == 32);
    std::size_t home_of(const FlowKey& key) const noexcept;
    std::uint16_t owner_of(const FlowKey& key, std::uint32_t value) const noexcept {
        return owners_ == Owners::by_value ? static_cast<std::uint16_t>(value) : key.zone;
    }
    // Counts a new flow of `owner` if its share allows (in a full table, an owner under its reserved part
    // has room made for it: evict_past_reserve), else false. Out of line: tables that count no owners keep
    // their insert as short as it was.
    [[gnu::noinline]] bool admit(std::uint16_t owner) noexcept;
    bool within_share(std::uint16_t owner) const noexcept;  // its reserved part, or room in its share of the rest
    // Removes one flow of an owner past its reserved part, found within 256 slots of the clock hand.
    bool evict_past_reserve() noexcept;
    // Writes a flow admitted (and counted) into its first free slot.
    void insert_admitted(const FlowKey& key, std::uint32_t value, std::uint32_t now, std::uint32_t idle_timeout) noexcept;
    void count(std::uint16_t owner) noexcept;    // one more flow of `owner` (counted tables)
    void uncount(std::uint16_t owner) noexcept;  // one fewer
    std::size_t find_slot(const FlowKey& key) const noexcept;  // slot index or npos
    void erase_at(std::size_t index) noexcept;

    static constexpr std::size_t npos = ~std::size_t{0};
    std::vector<Slot> slots_;
    std::size_t mask_ = 0, size_ = 0, max_flows_ = 0, hand_ = 0;
    Owners owners_ = Owners::none;
    std::vector<std::uint32_t> held_;  // flows per owner (when counted)
    Shares shares_;
    std::size_t shared_used_ = 0;      // flows held past their owners' reserved parts
};

}  // namespace vpclab::routing
