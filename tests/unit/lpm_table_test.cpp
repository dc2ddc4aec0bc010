// LpmTable against the obvious linear-scan reference on seeded random tables, plus hand-written edge cases.
#include <doctest/doctest.h>

#include <random>

#include "routing/lpm_table.hpp"

using namespace vpclab::routing;

namespace {
Cidr cidr(const char* text) { return *Cidr::parse(text); }

// Random prefixes clustered in a few /8s so that they nest and overlap, which is where LPM bugs live.
std::vector<LpmTable::Entry> random_table(std::mt19937& rng, std::size_t count) {
    std::vector<LpmTable::Entry> entries;
    const std::uint32_t bases[] = {0x0a000000, 0xc0a80000, 0xac100000, 0x00000000};
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint8_t len = static_cast<std::uint8_t>(rng() % 33);
        std::uint32_t addr = bases[rng() % 4] ^ (rng() & 0x00ffffff);
        if (rng() % 8 == 0) addr = rng();
        entries.push_back({Cidr{addr & Cidr::mask_of(len), len}, static_cast<std::uint32_t>(i)});
    }
    return entries;
}

std::uint32_t random_probe(std::mt19937& rng, const std::vector<LpmTable::Entry>& entries) {
    // Half the probes land on or next to a prefix boundary, half anywhere.
    if (entries.empty() || rng() % 2) return rng();
    const auto& e = entries[rng() % entries.size()];
    switch (rng() % 4) {
        case 0: return e.prefix.first();
        case 1: return e.prefix.last();
        case 2: return e.prefix.first() - 1;
        default: return e.prefix.last() + 1;
    }
}
}  // namespace

TEST_CASE("empty table matches nothing") {
    LpmTable t;
    CHECK(t.lookup(0) == LpmTable::no_match);
    CHECK(t.lookup(0xffffffff) == LpmTable::no_match);
    LpmTable built(std::vector<LpmTable::Entry>{});
    CHECK(built.lookup(0x0a000001) == LpmTable::no_match);
}

TEST_CASE("default route, nesting and edges of the address space") {
    LpmTable t({{cidr("0.0.0.0/0"), 0}, {cidr("10.10.0.0/16"), 1}, {cidr("10.10.1.0/24"), 2},
                {cidr("255.255.255.255/32"), 3}, {cidr("0.0.0.0/32"), 4}});
    CHECK(t.lookup(0x0a0a0105) == 2);
    CHECK(t.lookup(0x0a0a0205) == 1);
    CHECK(t.lookup(0x0a0b0000) == 0);
    CHECK(t.lookup(0xffffffff) == 3);
    CHECK(t.lookup(0xfffffffe) == 0);
    CHECK(t.lookup(0) == 4);
    CHECK(t.lookup(1) == 0);
}

TEST_CASE("duplicate prefixes: the first listed wins") {
    LpmTable t({{cidr("10.0.0.0/8"), 7}, {cidr("10.0.0.0/8"), 9}});
    CHECK(t.lookup(0x0a010101) == 7);
}

TEST_CASE("random tables agree with the reference") {
    std::mt19937 rng(20261123);
    for (std::size_t size : {1u, 2u, 5u, 50u, 500u, 3000u}) {
        for (int round = 0; round < 4; ++round) {
            auto entries = random_table(rng, size);
            LpmTable table(entries);
            for (int probe = 0; probe < 4000; ++probe) {
                const std::uint32_t a = random_probe(rng, entries);
                const auto expected = lpm_reference_lookup(entries, a);
                const auto got = table.lookup(a);
                if (got != expected) {
                    FAIL_CHECK("size " << size << " address " << format_ipv4(a) << ": got " << got << " expected " << expected);
                    return;
                }
            }
            CHECK(table.range_count() <= 2 * entries.size() + 1);
        }
    }
}
