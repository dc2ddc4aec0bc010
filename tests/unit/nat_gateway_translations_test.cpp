// The NAT gateways' translation table against a slow, obvious reference on random flows (the clock wrapping,
// the table full, the inside hosts' shares, expiry), and AWS's bounds with a virtual clock: 55,000
// connections to one destination per gateway address (VPC User Guide, "NAT gateway basics"), the next
// refused as ErrorPortAllocation; every port of 1024–65535 found while one is free.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <tuple>

#include "router/data_path/nat_gateway_translations.hpp"

using namespace vpclab::router;

namespace {

constexpr std::uint16_t nat = 7;                // the gateway's port (the table's zone)
constexpr std::uint32_t nat_ip = 0x0a0a0004;    // its address: what the destinations see

TranslatedConnections::Back towards(std::uint32_t destination, std::uint16_t port, std::uint32_t idle) {
    TranslatedConnections::Back b;
    b.address = destination;
    b.port = port;
    b.seen = nat_ip;
    b.zone = nat;
    b.full_port_range = true;
    b.idle_timeout = idle;
    return b;
}

// The reference: live translations in a std::map, keyed as an inside host's packet finds them.
struct Flow {
    std::uint16_t translated;
    std::uint32_t last_seen;
};
using ClientKey = std::tuple<std::uint8_t, std::uint32_t, std::uint16_t, std::uint32_t, std::uint16_t>;  // protocol, client, port, destination, port

}  // namespace

TEST_CASE("NAT translations: random flows agree with a reference, across the clock's wrap, a full table and the shares") {
    constexpr std::size_t capacity = 64, per_destination = 12;
    constexpr std::uint32_t idle = 350;
    NatGatewayTranslations table(capacity, per_destination);
    CHECK(table.per_client() == capacity / 8);
    std::map<ClientKey, Flow> ref;
    std::mt19937 rng(27);
    std::uint32_t now = 0xffffffffu - 3000;  // the clock wraps during the run
    std::size_t opened = 0, refused_ports = 0, refused_room = 0, found = 0;
    for (int op = 0; op < 60000; ++op) {
        if (rng() % 8 == 0) now += rng() % 40;
        // The reference forgets what is idle past its timeout; the table is swept whole, so it holds the same.
        std::erase_if(ref, [&](const auto& e) { return now - e.second.last_seen > idle; });
        table.expire(now, capacity);
        REQUIRE(table.size() == ref.size());
        const std::uint8_t protocol = rng() % 2 ? 17 : 1;
        const std::uint32_t client = 0x0a0a0100 + rng() % 12;
        // Ports below 1024 too: a NAT gateway never uses those (VPC User Guide: ports 1024–65535).
        const std::uint16_t port = static_cast<std::uint16_t>(rng() % 3 == 0 ? 500 + rng() % 4 : 40000 + rng() % 4);
        const std::uint32_t destination = 0xc6120a0a + rng() % 2;
        const std::uint16_t destination_port = protocol == 1 ? 0 : static_cast<std::uint16_t>(53 + rng() % 2);
        const ClientKey key{protocol, client, port, destination, destination_port};
        const TranslatedConnection* c = table.find_from_client(nat, protocol, client, port, destination, destination_port, now);
        const auto it = ref.find(key);
        REQUIRE((c != nullptr) == (it != ref.end()));
        if (c) {
            ++found;
            CHECK(c->translated_port == it->second.translated);
            CHECK(table.find_from_back(nat, protocol, destination, destination_port, nat_ip, c->translated_port, now) == c);
            table.client_sent(*c, 0, now, idle);
            it->second.last_seen = now;
            continue;
        }
        // Who may open: room in the table, the client under its eighth, the destination under its bound.
        std::size_t client_holds = 0, destination_holds = 0;
        std::set<std::uint16_t> taken;
        for (const auto& [k, f] : ref) {
            client_holds += std::get<1>(k) == client;
            if (std::get<0>(k) == protocol && std::get<3>(k) == destination && std::get<4>(k) == destination_port) {
                ++destination_holds;
                taken.insert(f.translated);
            }
        }
        const bool room = ref.size() < capacity && client_holds < table.per_client();
        const TranslatedConnection* opened_now = table.open(nat, protocol, client, port, destination, destination_port, towards(destination, destination_port, idle), now);
        if (!room) {
            CHECK(opened_now == nullptr);
            CHECK((table.last_refusal() == TranslatedConnections::Refusal::table_full || table.last_refusal() == TranslatedConnections::Refusal::client_share));
            ++refused_room;
            continue;
        }
        if (destination_holds >= per_destination) {
            CHECK(opened_now == nullptr);
            CHECK(table.last_refusal() == TranslatedConnections::Refusal::ports);
            ++refused_ports;
            continue;
        }
        REQUIRE(opened_now != nullptr);
        ++opened;
        const std::uint16_t translated = opened_now->translated_port;
        CHECK(translated >= 1024);
        CHECK(taken.count(translated) == 0);  // never two translations on one port towards one destination
        // The inside host's own port when it may be kept (1024 or above, free there), as a traced packet shows it.
        if (port >= 1024 && taken.count(port) == 0) CHECK(translated == port);
        ref[key] = Flow{translated, now};
    }
    CHECK(opened > 1000);
    CHECK(found > 1000);
    CHECK(refused_ports > 0);
    CHECK(refused_room > 0);
    CHECK(table.refused_ports() == refused_ports);
    CHECK(table.refused() == refused_ports + refused_room);
}

TEST_CASE("NAT translations: 55,000 connections to one destination per gateway address, the next refused as ErrorPortAllocation") {
    NatGatewayTranslations table(65536);
    REQUIRE(table.per_destination() == 55000);
    const std::uint32_t destination = 0xc6120a0a;
    std::uint32_t now = 100;
    std::set<std::uint16_t> ports;
    // Seven inside hosts (each may hold an eighth of the table) to one web server.
    for (std::uint32_t n = 0; n < 55000; ++n) {
        const std::uint32_t client = 0x0a0a0100 + n / 8000;
        const auto* c = table.open(nat, 6, client, static_cast<std::uint16_t>(1024 + n % 8000), destination, 443, towards(destination, 443, 350), now);
        REQUIRE(c != nullptr);
        ports.insert(c->translated_port);
    }
    CHECK(ports.size() == 55000);
    CHECK(table.held_towards(nat, 6, destination, 443, nat_ip) == 55000);
    const auto* next = table.open(nat, 6, 0x0a0a0200, 50000, destination, 443, towards(destination, 443, 350), now);
    CHECK(next == nullptr);
    CHECK(table.last_refusal() == TranslatedConnections::Refusal::ports);
    CHECK(table.refused_ports() == 1);
    // Another destination (port or protocol) is another 55,000.
    CHECK(table.open(nat, 6, 0x0a0a0200, 50000, destination, 80, towards(destination, 80, 350), now) != nullptr);
    CHECK(table.open(nat, 17, 0x0a0a0200, 50000, destination, 443, towards(destination, 443, 350), now) != nullptr);
    // Unestablished connections go after 10 s; then the destination takes new ones again.
    now += TranslatedConnections::unestablished_seconds + 1;
    table.expire(now, table.capacity());
    CHECK(table.held_towards(nat, 6, destination, 443, nat_ip) == 0);
    CHECK(table.open(nat, 6, 0x0a0a0200, 50000, destination, 443, towards(destination, 443, 350), now) != nullptr);
}

TEST_CASE("NAT translations: while a port is free towards a destination it is found, every one of 1024–65535") {
    // A bound past the ports' count: the ports themselves run out first.
    NatGatewayTranslations table(65536, 70000);
    const std::uint32_t destination = 0xc6120a0a;
    std::set<std::uint16_t> ports;
    for (std::uint32_t n = 0; n < 64512; ++n) {
        const std::uint32_t client = 0x0a0a0100 + n / 8000;  // eight hosts, each under its share of 8,192
        const auto* c = table.open(nat, 17, client, static_cast<std::uint16_t>(1024 + n % 8000), destination, 53, towards(destination, 53, 350), 0);
        REQUIRE(c != nullptr);
        ports.insert(c->translated_port);
    }
    CHECK(ports.size() == 64512);
    CHECK(*ports.begin() == 1024);
    CHECK(*ports.rbegin() == 65535);
    CHECK(table.open(nat, 17, 0x0a0a0200, 5353, destination, 53, towards(destination, 53, 350), 0) == nullptr);
    CHECK(table.last_refusal() == TranslatedConnections::Refusal::ports);
}

TEST_CASE("NAT translations: a dry run's copy of a live connection is not counted twice towards its destination") {
    // The live table and a dry run's overlay above it, with a bound of 3 per destination.
    TranslatedConnections live(64, 0, 3), overlay(16, 0, 3);
    const std::uint32_t destination = 0xc6120a0a, now = 100;
    const auto* first = live.open(nat, 6, 0x0a0a0104, 40000, destination, 443, towards(destination, 443, 350), now);
    REQUIRE(first != nullptr);
    REQUIRE(live.open(nat, 6, 0x0a0a0105, 40000, destination, 443, towards(destination, 443, 350), now) != nullptr);
    // The trace takes the first connection on (its segment changes it), as FlowMemory::owned does.
    const auto* copy = overlay.adopt(*first, now);
    REQUIRE(copy != nullptr);
    CHECK(copy->translated_port == first->translated_port);
    CHECK(overlay.held_towards(nat, 6, destination, 443, nat_ip) == 0);  // the live table counts it
    // Two live, so one more fits under the bound of 3 (opened a little later); then the destination is full.
    const std::uint32_t later = now + 5;
    CHECK(overlay.open(nat, 6, 0x0a0a0106, 40000, destination, 443, towards(destination, 443, 350), later, &live) != nullptr);
    CHECK(overlay.held_towards(nat, 6, destination, 443, nat_ip) == 1);
    CHECK(overlay.open(nat, 6, 0x0a0a0107, 40000, destination, 443, towards(destination, 443, 350), later, &live) == nullptr);
    CHECK(overlay.last_refusal() == TranslatedConnections::Refusal::ports);
    // The copy expiring first (unestablished, 10 s from `now`) takes nothing from the count of the one the
    // overlay opened.
    overlay.expire(now + TranslatedConnections::unestablished_seconds + 1, overlay.capacity());
    CHECK(overlay.find_from_client(nat, 6, 0x0a0a0104, 40000, destination, 443, later + 6) == nullptr);
    CHECK(overlay.held_towards(nat, 6, destination, 443, nat_ip) == 1);
}

TEST_CASE("NAT translations: a dry run meets a live idle connection under its key as forwarding does: gone, its port free") {
    TranslatedConnections live(64, 0, 3), overlay(16, 0, 3);
    const std::uint32_t destination = 0xc6120a0a, client = 0x0a0a0104;
    const auto* first = live.open(nat, 6, client, 40000, destination, 443, towards(destination, 443, 350), 100);
    REQUIRE(first != nullptr);
    CHECK(first->translated_port == 40000);  // its own port, free towards the destination
    REQUIRE(live.open(nat, 6, 0x0a0a0105, 40000, destination, 443, towards(destination, 443, 350), 100) != nullptr);
    // Unestablished, idle past 10 s and not yet swept: the client's next SYN from the same port reopens it.
    const std::uint32_t later = 100 + TranslatedConnections::unestablished_seconds + 5;
    REQUIRE(live.find_from_client(nat, 6, client, 40000, destination, 443, later) == nullptr);
    const auto* traced = overlay.open(nat, 6, client, 40000, destination, 443, towards(destination, 443, 350), later, &live);
    REQUIRE(traced != nullptr);
    CHECK(traced->translated_port == 40000);
    CHECK(live.held_towards(nat, 6, destination, 443, nat_ip) == 2);  // the live table untouched by the dry run
    // Forwarding the same SYN: the idle one goes first and its port is reused, as the trace said.
    const auto* forwarded = live.open(nat, 6, client, 40000, destination, 443, towards(destination, 443, 350), later);
    REQUIRE(forwarded != nullptr);
    CHECK(forwarded->translated_port == traced->translated_port);
    CHECK(live.held_towards(nat, 6, destination, 443, nat_ip) == 2);
}
