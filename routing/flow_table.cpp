// The connection table: hashing, probing, backward-shift deletion, incremental expiry.
#include "routing/flow_table.hpp"

#include <algorithm>

namespace vpclab::routing {

namespace {
// A 64-bit finaliser (MurmurHash3 fmix64) over the packed key: cheap and well mixed.
std::uint64_t mix(std::uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}
}  // namespace

FlowTable::FlowTable(std::size_t max_flows, Owners owners) : max_flows_(max_flows), owners_(owners) {
    std::size_t n = 16;
    while (n < 2 * max_flows) n <<= 1;
    slots_.resize(n);
    mask_ = n - 1;
    if (owners != Owners::none) held_.assign(std::size_t{1} << 16, 0);
    shares_ = Shares{0, max_flows, max_flows};
}

FlowTable::Shares FlowTable::fair_shares(std::size_t capacity, std::size_t owners) noexcept {
    Shares s;
    s.reserved = capacity / 2 / (owners ? owners : 1);
    s.shared = capacity - s.reserved * (owners ? owners : 1);
    s.shared_per_owner = s.shared / std::min<std::size_t>(4, owners ? owners : 1);
    return s;
}

void FlowTable::set_shares(const Shares& shares) noexcept {
    shares_ = shares;
    shared_used_ = 0;
    for (const std::uint32_t held : held_) shared_used_ += held > shares_.reserved ? held - shares_.reserved : 0;
}

std::size_t FlowTable::allowance_of(std::uint16_t owner) const noexcept {
    const std::size_t held = held_by(owner);
    const std::size_t own_shared = held > shares_.reserved ? held - shares_.reserved : 0;
    const std::size_t shared_left = shares_.shared > shared_used_ ? shares_.shared - shared_used_ : 0;
    const std::size_t may_take = std::min(shares_.shared_per_owner > own_shared ? shares_.shared_per_owner - own_shared : 0, shared_left);
    return std::min(shares_.reserved + own_shared + may_take, max_flows_);
}

bool FlowTable::within_share(std::uint16_t owner) const noexcept {
    if (held_.empty()) return true;
    const std::size_t held = held_[owner];
    if (held < shares_.reserved) return true;
    return shared_used_ < shares_.shared && held - shares_.reserved < shares_.shared_per_owner;
}

bool FlowTable::may_add(std::uint16_t owner) const noexcept {
    if (size_ >= max_flows_) return held_.empty() ? false : held_[owner] < shares_.reserved && shared_used_ > shares_.shared;
    return within_share(owner);
}

bool FlowTable::evict_past_reserve() noexcept {
    // A full table with an owner under its reserved part: the shared part is over-committed (the shares
    // shrank while flows were held), so owners past their reserved parts hold at least a quarter of the
    // slots, and a bounded walk from the clock hand finds one of their flows.
    for (std::size_t n = 0; n < 256; ++n, hand_ = (hand_ + 1) & mask_) {
        const Slot& s = slots_[hand_];
        if (s.used && held_[owner_of(s.key, s.entry.value)] > shares_.reserved) {
            erase_at(hand_);
            return true;
        }
    }
    return false;
}

std::size_t FlowTable::home_of(const FlowKey& k) const noexcept {
    const std::uint64_t a = (std::uint64_t{k.source} << 32) | k.destination;
    const std::uint64_t b = (std::uint64_t{k.source_port} << 32) | (std::uint64_t{k.destination_port} << 16) |
                            (std::uint64_t{k.protocol} << 8) | k.zone;
    return static_cast<std::size_t>(mix(a ^ mix(b))) & mask_;
}

std::size_t FlowTable::find_slot(const FlowKey& key) const noexcept {
    for (std::size_t i = home_of(key);; i = (i + 1) & mask_) {
        const Slot& s = slots_[i];
        if (!s.used) return npos;
        if (s.key == key) return i;
    }
}

void FlowTable::count(std::uint16_t owner) noexcept {
    if (held_[owner] >= shares_.reserved) ++shared_used_;
    ++held_[owner];
}

void FlowTable::uncount(std::uint16_t owner) noexcept {
    if (held_[owner] > shares_.reserved) --shared_used_;
    --held_[owner];
}

bool FlowTable::admit(std::uint16_t owner) noexcept {
    // Full, with the owner under its reserved part (may_add): room is made by a flow of an owner past its
    // own (the shares shrank since it took them), so that owners added later get their parts.
    if (!may_add(owner) || (size_ >= max_flows_ && !evict_past_reserve())) return false;
    count(owner);
    return true;
}

bool FlowTable::upsert(const FlowKey& key, std::uint32_t value, std::uint32_t now, std::uint32_t idle_timeout) noexcept {
    if (!held_.empty() && size_ >= max_flows_ && find_slot(key) == npos) {
        // A new flow in a full table that counts owners: admitted (perhaps evicting one, which moves slots)
        // before its slot is looked for.
        if (!admit(owner_of(key, value))) return false;
        insert_admitted(key, value, now, idle_timeout);
        return true;
    }
    for (std::size_t i = home_of(key);; i = (i + 1) & mask_) {
        Slot& s = slots_[i];
        if (s.used && s.key == key) {
            // Owned by value, a new value moves the flow to its new owner (an appliance's ENI sending a flow
            // another opened), if that owner's share allows.
            if (owners_ == Owners::by_value && static_cast<std::uint16_t>(s.entry.value) != static_cast<std::uint16_t>(value)) {
                const std::uint16_t to = owner_of(key, value);
                if (!within_share(to)) return false;
                uncount(owner_of(key, s.entry.value));
                count(to);
            }
            s.entry = Entry{value, idle_timeout};
            s.last_seen = now;
            return true;
        }
        if (!s.used) {
            if (held_.empty() ? size_ >= max_flows_ : !admit(owner_of(key, value))) return false;
            s = Slot{key, Entry{value, idle_timeout}, now, true};
            ++size_;
            return true;
        }
    }
}

void FlowTable::insert_admitted(const FlowKey& key, std::uint32_t value, std::uint32_t now, std::uint32_t idle_timeout) noexcept {
    std::size_t i = home_of(key);
    while (slots_[i].used) i = (i + 1) & mask_;
    slots_[i] = Slot{key, Entry{value, idle_timeout}, now, true};
    ++size_;
}

bool FlowTable::upsert_or_reclaim(const FlowKey& key, std::uint32_t value, std::uint32_t now, std::uint32_t idle_timeout) noexcept {
    if (upsert(key, value, now, idle_timeout)) return true;
    // The owner at its share: refused at once (a flood must not buy a sweep with every packet; its expired
    // flows go with the sweeps of every batch). The table full: what expired nearby is reclaimed first.
    if (size_ < max_flows_) return false;
    expire(now, 256);
    return upsert(key, value, now, idle_timeout);
}

FlowTable::Entry* FlowTable::find(const FlowKey& key, std::uint32_t now) noexcept {
    const std::size_t i = find_slot(key);
    if (i == npos) return nullptr;
    if (slots_[i].expired(now)) {
        erase_at(i);
        return nullptr;
    }
    slots_[i].last_seen = now;
    return &slots_[i].entry;
}

const FlowTable::Entry* FlowTable::peek(const FlowKey& key) const noexcept {
    const std::size_t i = find_slot(key);
    return i == npos ? nullptr : &slots_[i].entry;
}

const FlowTable::Entry* FlowTable::live(const FlowKey& key, std::uint32_t now) const noexcept {
    const std::size_t i = find_slot(key);
    return i == npos || slots_[i].expired(now) ? nullptr : &slots_[i].entry;
}

bool FlowTable::holds(const Entry& flow) const noexcept {
    const auto at = reinterpret_cast<std::uintptr_t>(&flow), first = reinterpret_cast<std::uintptr_t>(slots_.data());
    return at >= first && at < first + slots_.size() * sizeof(Slot);
}

void FlowTable::refresh(const Entry& flow, std::uint32_t value, std::uint32_t idle_timeout, std::uint32_t now) noexcept {
    // The slot holding the entry: its index from the entry's offset in the slot array.
    const std::size_t i = (reinterpret_cast<std::uintptr_t>(&flow) - reinterpret_cast<std::uintptr_t>(slots_.data())) / sizeof(Slot);
    Slot& s = slots_[i];
    s.entry.value = value;
    s.entry.idle_timeout = idle_timeout;
    s.last_seen = now;
}

bool FlowTable::erase(const FlowKey& key) noexcept {
    const std::size_t i = find_slot(key);
    if (i == npos) return false;
    erase_at(i);
    return true;
}

// Backward-shift deletion (Knuth vol. 3, 6.4, algorithm R): move later members of the probe run into the
// hole when their home position allows, so lookups never need tombstones.
void FlowTable::erase_at(std::size_t hole) noexcept {
    slots_[hole].used = false;
    --size_;
    if (!held_.empty()) uncount(owner_of(slots_[hole].key, slots_[hole].entry.value));
    for (std::size_t j = (hole + 1) & mask_; slots_[j].used; j = (j + 1) & mask_) {
        const std::size_t home = home_of(slots_[j].key);
        // Slot j may move to the hole if its home is not cyclically within (hole, j].
        const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (stays) continue;
        slots_[hole] = slots_[j];
        slots_[j].used = false;
        hole = j;
    }
}

std::size_t FlowTable::expire(std::uint32_t now, std::size_t max_slots) noexcept {
    std::size_t removed = 0;
    for (std::size_t advanced = 0; advanced < max_slots && advanced < slots_.size();) {
        Slot& s = slots_[hand_];
        if (s.used && s.expired(now)) {
            // Erasing may shift a later entry into this slot: look at it again before moving on.
            erase_at(hand_);
            ++removed;
            continue;
        }
        hand_ = (hand_ + 1) & mask_;
        ++advanced;
    }
    return removed;
}

}  // namespace vpclab::routing
