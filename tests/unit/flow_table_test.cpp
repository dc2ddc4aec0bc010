// The connection table against std::unordered_map on seeded random operations, including expiry.
#include <doctest/doctest.h>

#include <random>
#include <unordered_map>

#include "routing/flow_table.hpp"

using namespace vpclab::routing;

namespace {
struct KeyHash {
    std::size_t operator()(const FlowKey& k) const {
        return std::hash<std::uint64_t>()((std::uint64_t{k.source} << 32 | k.destination) ^
                                          (std::uint64_t{k.source_port} << 24 | std::uint64_t{k.destination_port} << 8 | k.protocol) ^
                                          (std::uint64_t{k.zone} << 56));
    }
};
struct Reference {
    std::uint32_t value, last_seen;
};
}  // namespace

TEST_CASE("random operations agree with a std::unordered_map reference") {
    std::mt19937 rng(2026);
    FlowTable table(3000);
    std::unordered_map<FlowKey, Reference, KeyHash> ref;
    // A small key space so that inserts, hits, misses and deletions all happen often.
    auto random_key = [&] {
        return FlowKey{0x0a000000u | static_cast<std::uint32_t>(rng() % 64), 0xc6120000u | static_cast<std::uint32_t>(rng() % 32), static_cast<std::uint16_t>(rng() % 8),
                       static_cast<std::uint16_t>(80 + rng() % 2), static_cast<std::uint8_t>(rng() % 2 ? 6 : 17),
                       static_cast<std::uint16_t>(rng() % 2)};
    };
    std::uint32_t now = 0;
    for (int op = 0; op < 200000; ++op) {
        if (op % 100 == 0) ++now;
        const FlowKey k = random_key();
        switch (rng() % 5) {
            case 0: {
                const std::uint32_t v = rng();
                const bool room = ref.size() < table.capacity() || ref.count(k);
                REQUIRE(table.upsert(k, v, now, 5) == room);
                if (room) ref[k] = {v, now};
                break;
            }
            case 1: {
                const FlowTable::Entry* got = table.find(k, now);
                auto it = ref.find(k);
                // An idle flow is gone once found idle, whether or not the expiry hand reached it.
                if (it != ref.end() && now - it->second.last_seen > 5) {
                    REQUIRE(got == nullptr);
                    ref.erase(it);
                    break;
                }
                REQUIRE((got != nullptr) == (it != ref.end()));
                if (got) {
                    REQUIRE(got->value == it->second.value);
                    it->second.last_seen = now;
                }
                break;
            }
            case 2:
                REQUIRE(table.erase(k) == (ref.erase(k) == 1));
                break;
            case 3: {
                // What a decision reads, then remembering it: live() sees only a flow not idle (and removes
                // nothing), refresh() writes that flow in place.
                const FlowTable::Entry* got = table.live(k, now);
                const auto it = ref.find(k);
                REQUIRE((got != nullptr) == (it != ref.end() && now - it->second.last_seen <= 5));
                if (got) {
                    REQUIRE(table.holds(*got));
                    REQUIRE(got->value == it->second.value);
                    const std::uint32_t v = rng();
                    table.refresh(*got, v, 5, now);
                    it->second = {v, now};
                    REQUIRE(table.peek(k)->value == v);
                }
                break;
            }
            default: {
                // Expire a sweep's worth; the reference drops exactly the flows the table reports gone.
                const std::size_t before = table.size();
                const std::size_t removed = table.expire(now, 64);
                REQUIRE(table.size() == before - removed);
                std::erase_if(ref, [&](const auto& kv) { return now - kv.second.last_seen > 5 && !table.find(kv.first, now); });
                // (find drops an idle flow the hand has not reached: the reference and the table agree again.)
                break;
            }
        }
        REQUIRE(table.size() == ref.size());
    }
}

TEST_CASE("holds: a table's own entries, not another table's") {
    FlowTable a(16), b(16);
    const FlowKey k{1, 2, 3, 4, 6, 0};
    REQUIRE(a.upsert(k, 7, 0, 5));
    REQUIRE(b.upsert(k, 7, 0, 5));
    CHECK(a.holds(*a.live(k, 0)));
    CHECK(!a.holds(*b.live(k, 0)));
    CHECK(a.live(k, 6) == nullptr);  // idle past its timeout: not live, though still held until swept
    CHECK(a.peek(k) != nullptr);
}

TEST_CASE("a full sweep removes exactly the idle flows") {
    FlowTable table(1000);
    for (std::uint32_t i = 0; i < 1000; ++i) REQUIRE(table.upsert({i, i * 7, 1, 2, 6, 0}, i, i % 2 ? 100 : 10, 150));
    CHECK(!table.upsert({5000, 1, 1, 1, 6, 0}, 0, 100, 150));  // full
    const std::size_t removed = table.expire(200, 1 << 20);
    CHECK(removed == 500);
    CHECK(table.size() == 500);
    for (std::uint32_t i = 0; i < 1000; ++i) CHECK((table.find({i, i * 7, 1, 2, 6, 0}, 200) != nullptr) == (i % 2 == 1));
}

TEST_CASE("each flow expires after its own idle timeout") {
    FlowTable table(100);
    REQUIRE(table.upsert({1, 2, 3, 4, 17, 0}, 1, 1000, 30));      // a UDP flow: 30 s
    REQUIRE(table.upsert({1, 2, 3, 4, 6, 0}, 2, 1000, 432000));   // an established TCP connection: 5 days
    CHECK(table.expire(1031, 1 << 20) == 1);
    CHECK(table.find({1, 2, 3, 4, 17, 0}, 1031) == nullptr);
    FlowTable::Entry* tcp = table.find({1, 2, 3, 4, 6, 0}, 1031);
    REQUIRE(tcp != nullptr);
    tcp->idle_timeout = 10;  // the caller shortens it (a connection closing)
    CHECK(table.find({1, 2, 3, 4, 6, 0}, 1042) == nullptr);  // idle 11 s > 10 s: found gone, removed
    CHECK(table.size() == 0);
}

TEST_CASE("erase_if removes exactly the matching flows, and the rest stay findable") {
    // A tiny, full table: long probe runs that wrap around the slot array, where backward shifts during
    // the walk are easiest to get wrong.
    std::mt19937 rng(11);
    for (int round = 0; round < 200; ++round) {
        FlowTable table(16);  // 32 slots
        std::unordered_map<FlowKey, std::uint32_t, KeyHash> ref;
        while (ref.size() < table.capacity()) {
            const FlowKey k{static_cast<std::uint32_t>(rng() % 1000), 7, 1, 2, 6, static_cast<std::uint16_t>(rng() % 4)};
            const std::uint32_t v = rng() % 3;
            REQUIRE(table.upsert(k, v, 1, 100));
            ref[k] = v;
        }
        const std::uint16_t zone = static_cast<std::uint16_t>(rng() % 4);
        const std::size_t removed = table.erase_if([&](const FlowKey& k, const FlowTable::Entry& e) { return k.zone == zone || e.value == 2; });
        const std::size_t expected = std::erase_if(ref, [&](const auto& kv) { return kv.first.zone == zone || kv.second == 2; });
        REQUIRE(removed == expected);
        REQUIRE(table.size() == ref.size());
        for (const auto& [k, v] : ref) {
            const FlowTable::Entry* got = table.find(k, 1);
            REQUIRE(got != nullptr);
            CHECK(got->value == v);
        }
    }
}

TEST_CASE("fair shares: an owner always gets its reserved part; past it, a quarter of the shared part at most") {
    FlowTable table(1000, FlowTable::Owners::by_zone);
    const auto shares = FlowTable::fair_shares(1000, 4);
    CHECK(shares == FlowTable::Shares{125, 500, 125});
    table.set_shares(shares);
    auto key = [](std::uint16_t owner, std::uint32_t n) { return FlowKey{0x0a000000u + n, 0xc6120a0a, static_cast<std::uint16_t>(n), 80, 6, owner}; };
    // Owner 1 floods: 125 reserved + 125 shared, then refused.
    std::uint32_t n = 0;
    while (table.upsert(key(1, n), 0, 0, 10)) ++n;
    CHECK(n == 250);
    CHECK(table.held_by(1) == 250);
    CHECK(table.shared_in_use() == 125);
    CHECK(table.upsert(key(1, 0), 7, 1, 10));  // a flow it has is still refreshed
    // Owners 2, 3 and 4 flood too: the shared part is gone (4 × 125 = 500)...
    for (std::uint16_t o = 2; o <= 4; ++o)
        for (std::uint32_t i = 0; table.upsert(key(o, i), 0, 0, 10); ++i) {}
    CHECK(table.shared_in_use() == 500);
    CHECK(table.size() == 1000);
    // ...and each of them holds exactly what it may.
    for (std::uint16_t o = 1; o <= 4; ++o) CHECK(table.held_by(o) == 250);
    // Flows that go make room for their owner: owner 2 loses 10 of its shared flows, and gets 10 back.
    for (std::uint32_t i = 0; i < 10; ++i) CHECK(table.erase(key(2, i)));
    CHECK(table.shared_in_use() == 490);
    CHECK_FALSE(table.may_add(1));  // owner 1 is at its quarter
    CHECK(table.may_add(2));
}

TEST_CASE("fair shares: an owner under its reserved part is never refused, whatever the others hold") {
    FlowTable table(800, FlowTable::Owners::by_zone);
    table.set_shares(FlowTable::fair_shares(800, 8));  // 50 reserved each, 400 shared, 100 of it per owner
    auto key = [](std::uint16_t owner, std::uint32_t n) { return FlowKey{n, 1, static_cast<std::uint16_t>(n >> 16), 2, 17, owner}; };
    for (std::uint16_t o = 0; o < 4; ++o)  // four flooders take the shared part whole
        for (std::uint32_t i = 0; table.upsert(key(o, i), 0, 0, 10); ++i) {}
    CHECK(table.shared_in_use() == 400);
    for (std::uint16_t o = 4; o < 8; ++o) {
        for (std::uint32_t i = 0; i < 50; ++i) CHECK(table.upsert(key(o, i), 0, 0, 10));
        CHECK_FALSE(table.upsert(key(o, 50), 0, 0, 10));
    }
    CHECK(table.size() == 800);
}

TEST_CASE("fair shares: with fewer than four owners, one may take a third, a half or all of the shared part") {
    CHECK(FlowTable::fair_shares(1200, 1) == FlowTable::Shares{600, 600, 600});  // alone: the whole table
    CHECK(FlowTable::fair_shares(1200, 2) == FlowTable::Shares{300, 600, 300});
    CHECK(FlowTable::fair_shares(1200, 3) == FlowTable::Shares{200, 600, 200});
    CHECK(FlowTable::fair_shares(1200, 5) == FlowTable::Shares{120, 600, 150});
    FlowTable table(1200, FlowTable::Owners::by_zone);
    table.set_shares(FlowTable::fair_shares(1200, 1));
    std::uint32_t n = 0;
    while (table.upsert(FlowKey{n, 1, 2, 3, 6, 9}, 0, 0, 10)) ++n;
    CHECK(n == 1200);
}

TEST_CASE("fair shares: the counts agree with a reference through random inserts, erasures, expiry and new shares") {
    std::mt19937 rng(23);
    FlowTable table(2000, FlowTable::Owners::by_zone);
    std::unordered_map<FlowKey, std::pair<std::uint16_t, std::uint32_t>, KeyHash> ref;  // owner, expiry second
    std::size_t owners = 6;
    table.set_shares(FlowTable::fair_shares(2000, owners));
    std::uint32_t now = 100;
    auto prune = [&] {  // expired flows leave both: the table's sweep, the reference's erase
        table.expire(now, 1 << 20);
        for (auto it = ref.begin(); it != ref.end();) it = it->second.second < now ? ref.erase(it) : std::next(it);
    };
    std::size_t accepted = 0, refused = 0, evicted = 0;
    for (int step = 0; step < 30000; ++step) {
        // Owner 0 sends most flows (it fills what it may, and more than its part when the shares shrink);
        // the others few, so that they are often under their reserved parts in a full table.
        const std::uint16_t owner = rng() % 3 ? 0 : static_cast<std::uint16_t>(rng() % 8);
        const FlowKey k{static_cast<std::uint32_t>(rng() % 3000), 7, 1, 2, 6, owner};
        switch (rng() % 10) {
            case 0: case 1: case 2: case 3: case 4: {
                prune();
                // The reference's verdict: a refresh always; a new flow by the shares, as they are defined.
                std::unordered_map<std::uint16_t, std::size_t> per;
                for (const auto& [key, v] : ref) ++per[v.first];
                const auto& s = table.shares();
                std::size_t shared_used = 0;
                for (const auto& [o, h] : per) shared_used += h > s.reserved ? h - s.reserved : 0;
                const std::size_t held = per[owner];
                // A full table makes room for an owner under its reserved part when the shared part is
                // over-committed (shares shrank): one flow of an owner past its part goes.
                const bool evicts = !ref.count(k) && ref.size() == 2000 && held < s.reserved && shared_used > s.shared;
                const bool may = ref.count(k) || evicts ||
                                 (ref.size() < 2000 && (held < s.reserved || (shared_used < s.shared && held - s.reserved < s.shared_per_owner)));
                REQUIRE(table.upsert(k, 0, now, 1500) == may);
                if (evicts) {
                    std::size_t gone = 0;
                    for (auto it = ref.begin(); it != ref.end();) {
                        if (table.peek(it->first)) { ++it; continue; }
                        CHECK(per[it->second.first] > s.reserved);  // its owner was past its reserved part
                        it = ref.erase(it);
                        ++gone;
                    }
                    CHECK(gone == 1);
                    ++evicted;
                }
                if (may) ref[k] = {owner, now + 1500};
                ++(may ? accepted : refused);
                break;
            }
            case 5: case 6: {
                const bool alive = ref.count(k) && ref[k].second >= now;
                const bool erased = table.erase(k);
                if (alive) CHECK(erased);
                ref.erase(k);
                break;
            }
            case 7: ++now; break;
            case 8: table.expire(now, 64); break;
            default:
                if (rng() % 20 == 0) {
                    // Few owners (one may take much), then as many as send flows (8) or more: the shares shrink.
                    owners = rng() % 2 ? 1 + rng() % 3 : 8 + rng() % 3;
                    table.set_shares(FlowTable::fair_shares(2000, owners));
                }
        }
        if (step % 1000 == 0) {
            prune();  // then the counts, owner by owner
            std::unordered_map<std::uint16_t, std::size_t> per;
            for (const auto& [key, v] : ref) ++per[v.first];
            std::size_t shared_used = 0;
            for (std::uint16_t o = 0; o < 8; ++o) {
                CHECK(table.held_by(o) == per[o]);
                shared_used += per[o] > table.shares().reserved ? per[o] - table.shares().reserved : 0;
            }
            CHECK(table.shared_in_use() == shared_used);
            CHECK(table.size() == ref.size());
        }
    }
    // Both verdicts happened often: the table was full, and owners were at their shares.
    CHECK(accepted > 2000);
    CHECK(refused > 2000);
    // (Room made by eviction, when shares shrank under a full table, is checked here whenever it happens,
    // and on purpose in the test below.)
    MESSAGE(evicted << " flows evicted to make room");
}

TEST_CASE("fair shares owned by value: a flow counts for the owner its value names, and moves with a new value") {
    FlowTable table(100, FlowTable::Owners::by_value);
    table.set_shares(FlowTable::fair_shares(100, 2));  // 25 reserved each, 50 shared, 25 of it per owner
    auto key = [](std::uint32_t n) { return FlowKey{n, 2, 3, 4, 17, 0}; };  // all in zone 0
    for (std::uint32_t n = 0; n < 50; ++n) CHECK(table.upsert(key(n), 7, 0, 10));
    CHECK_FALSE(table.upsert(key(50), 7, 0, 10));  // owner 7 holds all it may
    CHECK(table.upsert(key(50), 8, 0, 10));        // owner 8 does not
    CHECK(table.held_by(7) == 50);
    CHECK(table.held_by(0) == 0);
    CHECK(table.upsert(key(0), 8, 0, 10));  // the same flow now sent by owner 8: it is 8's
    CHECK(table.held_by(7) == 49);
    CHECK(table.held_by(8) == 2);
    CHECK(table.erase(key(0)));
    CHECK(table.held_by(8) == 1);
    CHECK(table.shared_in_use() == 24);  // 7's 49 - 25 reserved
}

TEST_CASE("fair shares: an owner added to a table another filled alone gets its reserved part, made from the other's") {
    FlowTable table(1000, FlowTable::Owners::by_zone);
    table.set_shares(FlowTable::fair_shares(1000, 1));  // alone, owner 1 may hold everything
    auto key = [](std::uint16_t owner, std::uint32_t n) { return FlowKey{n, 9, 8, 7, 6, owner}; };
    for (std::uint32_t n = 0; n < 1000; ++n) REQUIRE(table.upsert(key(1, n), 0, 0, 100000));
    CHECK(table.size() == 1000);
    table.set_shares(FlowTable::fair_shares(1000, 2));  // owner 2 arrives: 250 reserved each
    CHECK(table.shared_in_use() == 750);                // owner 1's past its part: more than the 500 shared
    for (std::uint32_t n = 0; n < 250; ++n) REQUIRE(table.upsert(key(2, n), 0, 0, 10));  // each makes room
    CHECK(table.held_by(2) == 250);
    CHECK(table.held_by(1) == 750);
    CHECK(table.size() == 1000);
    // Past its reserved part, owner 2 waits for the shared part to be within its bound again.
    CHECK_FALSE(table.upsert(key(2, 250), 0, 0, 10));
    for (std::uint32_t n = 0; table.shared_in_use() >= 500; ++n) table.erase(key(1, n));  // owner 1's flows end
    CHECK(table.held_by(1) == 749);
    CHECK(table.upsert(key(2, 250), 0, 0, 10));
    CHECK_FALSE(table.upsert(key(2, 251), 0, 0, 10));  // the shared part is at its bound again
}
