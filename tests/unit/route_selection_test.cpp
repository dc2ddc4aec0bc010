// Route selection with prefix lists and gateway endpoints: every priority rule as a table case, the
// compiled LPM checked against a slow reference on random tables and lists, and rebuilds only on change.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "routing/forwarding_snapshot.hpp"
#include "tests/unit/two_subnet_lab.hpp"

using namespace vpclab::routing;

namespace {

constexpr std::uint32_t pub_ip = 0x0a0a0004, s3 = 0xc6120a0a, dynamodb = 0xc6120b0a;
constexpr std::uint32_t doc_net = 0xcb007100;  // 203.0.113.0/24 (RFC 5737)

Cidr cidr(const char* text) { return *Cidr::parse(text); }

// The seed's first lab with a public instance and an appliance instance in the private subnet (a route
// target other than the IGW), and the region's ports, so that gateway endpoints are served.
struct Lab : vpclab::test::TwoSubnetLab {
    PortIndex pub_host = 0;
    std::string appliance;  // instance ID
    ServicePorts sp;
    Lab() : TwoSubnetLab("routes") {
        add_default_route();
        pub_host = port_of(launch(pub));
        appliance = launch(priv);
        // An appliance forwards for others: its source/destination check is off.
        m.modify_source_dest_check(m.instance(appliance).network_interface_ids.front(), false);
        sp.region = region_port;
        sp.resolver = resolver_port;
        sp.public_pool = {0xc6130000, 16};
        sp.region_hosts = {s3, dynamodb};
        sp.endpoint_block = {0xc6128000, 17};
    }
    std::string list(const std::string& name, std::vector<const char*> entries) {
        std::vector<PrefixListEntry> e;
        for (const char* c : entries) e.push_back({cidr(c), ""});
        return m.create_managed_prefix_list("", name, 1000, e, {}).id;
    }
    Outcome where(std::uint32_t destination) const {
        return ForwardingSnapshot::compile(m, sp)->decide(pub_host, pub_ip, destination).outcome;
    }
    VpcModel::RouteTarget to_igw() const { return {igw, "", ""}; }
    VpcModel::RouteTarget to_appliance() const { return {"", appliance, ""}; }
};

// A snapshot of what a refusal must leave alone: every route of every table, the endpoints, the lists.
std::string state_of(const VpcModel& m) {
    std::string out;
    for (const auto& t : m.route_tables()) {
        out += t.id + ":";
        for (const auto& r : t.routes) out += r.destination_text() + ">" + r.target_id + ",";
        out += "\n";
    }
    for (const auto& e : m.vpc_endpoints()) {
        out += e.id + " " + e.policy_document + ":";
        for (const auto& id : e.route_table_ids) out += id + ",";
        out += "\n";
    }
    for (const auto& l : m.prefix_lists()) {
        out += l.id + " v" + std::to_string(l.version) + " " + l.name + ":";
        for (const auto& e : l.entries) out += e.cidr.to_string() + ",";
        out += "\n";
    }
    return out;
}

template <class F>
std::string refusal(VpcModel& m, F&& call) {
    const std::string before = state_of(m);
    try {
        call();
    } catch (const ApiError& e) {
        CHECK(state_of(m) == before);
        return e.code();
    }
    return "no error";
}

}  // namespace

TEST_CASE("route priority, one rule per case (VPC User Guide, \"How route priority works\")") {
    SUBCASE("a gateway endpoint's prefix-list route beats 0.0.0.0/0 to the internet gateway") {
        Lab lab;
        CHECK(lab.where(s3) == Outcome::internet_gateway);
        lab.m.create_gateway_endpoint("", lab.vpc, "com.amazonaws.ap-northeast-2.s3", {lab.pub_rt}, "", {}, "");
        CHECK(lab.where(s3) == Outcome::gateway_endpoint);
        CHECK(lab.where(dynamodb) == Outcome::internet_gateway);  // another service: still the IGW
    }
    SUBCASE("a more specific CIDR route beats the endpoint's route") {
        Lab lab;
        lab.m.create_gateway_endpoint("", lab.vpc, "com.amazonaws.ap-northeast-2.s3", {lab.pub_rt}, "", {}, "");
        lab.m.create_route(lab.pub_rt, "198.18.10.10/32", lab.to_igw());
        CHECK(lab.where(s3) == Outcome::internet_gateway);
        CHECK(lab.where(s3 + 1) == Outcome::gateway_endpoint);
    }
    SUBCASE("on the same prefix the static CIDR route wins over the prefix-list route, whichever came first") {
        Lab lab;
        const std::string pl = lab.list("office", {"203.0.113.0/24"});
        lab.m.create_route(lab.pub_rt, VpcModel::RouteDestination::prefix_list(pl), lab.to_appliance());
        CHECK(lab.where(doc_net + 5) == Outcome::deliver);
        lab.m.create_route(lab.pub_rt, "203.0.113.0/24", lab.to_igw());
        CHECK(lab.where(doc_net + 5) == Outcome::internet_gateway);
    }
    SUBCASE("longest prefix first, across CIDR routes and prefix-list entries") {
        Lab lab;
        const std::string pl = lab.list("office", {"203.0.113.128/25"});
        lab.m.create_route(lab.pub_rt, "203.0.113.0/24", lab.to_igw());
        lab.m.create_route(lab.pub_rt, VpcModel::RouteDestination::prefix_list(pl), lab.to_appliance());
        CHECK(lab.where(doc_net + 200) == Outcome::deliver);
        CHECK(lab.where(doc_net + 5) == Outcome::internet_gateway);
    }
    SUBCASE("two lists holding the same prefix with different targets: the route added first wins, until it goes") {
        Lab lab;
        const std::string a = lab.list("a", {"203.0.113.0/24"}), b = lab.list("b", {"203.0.113.0/24", "198.51.100.0/24"});
        lab.m.create_route(lab.pub_rt, VpcModel::RouteDestination::prefix_list(a), lab.to_igw());
        lab.m.create_route(lab.pub_rt, VpcModel::RouteDestination::prefix_list(b), lab.to_appliance());
        CHECK(lab.where(doc_net + 5) == Outcome::internet_gateway);
        CHECK(lab.where(0xc6336405) == Outcome::deliver);  // only in b
        lab.m.delete_route(lab.pub_rt, VpcModel::RouteDestination::prefix_list(a));
        lab.m.create_route(lab.pub_rt, VpcModel::RouteDestination::prefix_list(a), lab.to_igw());
        CHECK(lab.where(doc_net + 5) == Outcome::deliver);  // b is now the older route
    }
    SUBCASE("changing a list's entries changes where packets go, with a new version") {
        Lab lab;
        const std::string pl = lab.list("office", {"198.51.100.0/24"});
        lab.m.create_route(lab.pub_rt, VpcModel::RouteDestination::prefix_list(pl), lab.to_appliance());
        CHECK(lab.where(doc_net + 5) == Outcome::internet_gateway);
        CHECK(lab.m.modify_managed_prefix_list(pl, 1, {{cidr("203.0.113.0/24"), "added"}}, {}, {}, {}).version == 2);
        CHECK(lab.where(doc_net + 5) == Outcome::deliver);
        lab.m.modify_managed_prefix_list(pl, 2, {}, {cidr("203.0.113.0/24")}, {}, {});
        CHECK(lab.where(doc_net + 5) == Outcome::internet_gateway);
        CHECK(lab.m.prefix_list(pl).earlier_versions.size() == 2);
    }
    SUBCASE("a list entry inside the VPC's CIDR never takes traffic from the local route towards a gateway") {
        Lab lab;
        const std::string pl = lab.list("inside", {"10.10.1.0/24", "203.0.113.0/24"});
        lab.m.create_route(lab.pub_rt, VpcModel::RouteDestination::prefix_list(pl), lab.to_igw());
        CHECK(lab.where(0x0a0a0104) == Outcome::deliver);  // the private instance, by the local route
        CHECK(lab.where(doc_net + 5) == Outcome::internet_gateway);
    }
    SUBCASE("the endpoint's routes go with it") {
        Lab lab;
        const auto id = lab.m.create_gateway_endpoint("", lab.vpc, "com.amazonaws.ap-northeast-2.s3", {lab.pub_rt, lab.priv_rt()}, "", {}, "").id;
        CHECK(lab.where(s3) == Outcome::gateway_endpoint);
        lab.m.modify_gateway_endpoint(id, {}, {lab.pub_rt}, {}, false);
        CHECK(lab.where(s3) == Outcome::internet_gateway);
        CHECK(lab.m.route_table(lab.priv_rt()).routes.size() == 2);
        lab.m.delete_vpc_endpoint(id);
        CHECK(lab.m.route_table(lab.priv_rt()).routes.size() == 1);
    }
}

TEST_CASE("bad calls are refused with EC2's codes and change nothing") {
    Lab lab;
    auto& m = lab.m;
    const std::string s3_name = "com.amazonaws.ap-northeast-2.s3";
    const auto endpoint = m.create_gateway_endpoint("", lab.vpc, s3_name, {lab.pub_rt}, "", {}, "").id;
    const std::string other_vpc = m.create_vpc("", "10.20.0.0/16", {}).id;
    const std::string other_table = m.vpc(other_vpc).main_route_table_id;
    const std::string pl_s3 = "pl-78a54011";
    CHECK(refusal(m, [&] { m.create_gateway_endpoint("", lab.vpc, "com.amazonaws.ap-northeast-2.s4", {lab.pub_rt}, "", {}, ""); }) == "InvalidServiceName");
    CHECK(refusal(m, [&] { m.create_gateway_endpoint("", lab.vpc, "com.amazonaws.ap-northeast-2.cloudformation", {lab.pub_rt}, "", {}, ""); }) ==
          "InvalidParameter");
    CHECK(refusal(m, [&] { m.create_gateway_endpoint("", lab.vpc, s3_name, {"rtb-0123456789abcdef0"}, "", {}, ""); }) == "InvalidRouteTableID.NotFound");
    CHECK(refusal(m, [&] { m.create_gateway_endpoint("", lab.vpc, s3_name, {other_table}, "", {}, ""); }) == "InvalidParameter");
    CHECK(refusal(m, [&] { m.create_gateway_endpoint("", lab.vpc, s3_name, {lab.priv_rt(), lab.pub_rt}, "", {}, ""); }) == "RouteAlreadyExists");
    CHECK(refusal(m, [&] { m.create_gateway_endpoint("", lab.vpc, s3_name, {lab.priv_rt()}, "{not json", {}, ""); }) == "MalformedPolicyDocument");
    CHECK(refusal(m, [&] { m.create_gateway_endpoint("", "vpc-0123456789abcdef0", s3_name, {}, "", {}, ""); }) == "InvalidVpcID.NotFound");
    CHECK(refusal(m, [&] { m.modify_gateway_endpoint(endpoint, {lab.pub_rt}, {}, {}, false); }) == "RouteAlreadyExists");
    CHECK(refusal(m, [&] { m.modify_gateway_endpoint(endpoint, {}, {lab.priv_rt()}, {}, false); }) == "InvalidParameter");
    CHECK(refusal(m, [&] { m.modify_gateway_endpoint(endpoint, {lab.priv_rt()}, {lab.pub_rt}, std::string("[]"), false); }) == "MalformedPolicyDocument");
    CHECK(refusal(m, [&] { m.delete_vpc_endpoint("vpce-0123456789abcdef0"); }) == "InvalidVpcEndpointId.NotFound");
    // The endpoint's route is its own: not deleted, replaced or added through the route calls.
    CHECK(refusal(m, [&] { m.delete_route(lab.pub_rt, VpcModel::RouteDestination::prefix_list(pl_s3)); }) == "InvalidParameterValue");
    CHECK(refusal(m, [&] { m.replace_route(lab.pub_rt, VpcModel::RouteDestination::prefix_list(pl_s3), lab.to_igw()); }) == "InvalidParameterValue");
    CHECK(refusal(m, [&] { m.create_route(lab.priv_rt(), VpcModel::RouteDestination::prefix_list(pl_s3), lab.to_igw()); }) == "InvalidParameterValue");
    CHECK(refusal(m, [&] { m.create_route(lab.priv_rt(), "203.0.113.0/24", {endpoint, "", ""}); }) == "InvalidParameterValue");
    CHECK(refusal(m, [&] { m.create_route(lab.priv_rt(), VpcModel::RouteDestination("203.0.113.0/24", pl_s3), lab.to_igw()); }) ==
          "InvalidParameterCombination");
    CHECK(refusal(m, [&] { m.delete_vpc(lab.vpc, 1000); }) == "DependencyViolation");
    // Prefix lists: versions, sizes, AWS-managed lists, lists in use.
    const std::string pl = lab.list("office", {"203.0.113.0/24"});
    m.create_route(lab.pub_rt, VpcModel::RouteDestination::prefix_list(pl), lab.to_igw());
    CHECK(refusal(m, [&] { m.modify_managed_prefix_list(pl, 7, {{cidr("198.51.100.0/24"), ""}}, {}, {}, {}); }) == "PrefixListVersionMismatch");
    CHECK(refusal(m, [&] { m.modify_managed_prefix_list(pl, {}, {{cidr("203.0.113.0/24"), ""}}, {}, {}, {}); }) == "InvalidPrefixListModification");
    CHECK(refusal(m, [&] { m.modify_managed_prefix_list(pl, {}, {}, {cidr("198.51.100.0/24")}, {}, {}); }) == "InvalidPrefixListModification");
    CHECK(refusal(m, [&] { m.modify_managed_prefix_list(pl, {}, {{cidr("198.51.100.0/24"), ""}}, {}, {}, 5); }) == "InvalidParameterCombination");
    CHECK(refusal(m, [&] { m.modify_managed_prefix_list(pl_s3, {}, {{cidr("198.51.100.0/24"), ""}}, {}, {}, {}); }) == "InvalidPrefixListModification");
    CHECK(refusal(m, [&] { m.create_managed_prefix_list("", "small", 1, {{cidr("198.51.100.0/24"), ""}, {cidr("203.0.113.0/24"), ""}}, {}); }) ==
          "PrefixListMaxEntriesExceeded");
    CHECK(refusal(m, [&] { m.create_managed_prefix_list("", "com.amazonaws.mine", 5, {}, {}); }) == "InvalidParameterValue");
    CHECK(refusal(m, [&] { m.delete_managed_prefix_list(pl); }) == "DependencyViolation");
    CHECK(refusal(m, [&] { m.delete_managed_prefix_list(pl_s3); }) == "InvalidPrefixListModification");
}

TEST_CASE("the compiled LPM agrees with a slow reference on random tables and prefix lists") {
    std::mt19937 rng(20261124);
    auto random_prefix = [&](bool near) {
        // Clustered prefixes (near) overlap each other often; the rest spread over the address space.
        const int length = static_cast<int>(rng() % 33);
        std::uint32_t a = near ? 0xcb000000 | (rng() & 0x00ffffff) : static_cast<std::uint32_t>(rng());
        const std::uint32_t mask = length == 0 ? 0 : ~std::uint32_t{0} << (32 - length);
        return Cidr{a & mask, static_cast<std::uint8_t>(length)};
    };
    for (int round = 0; round < 40; ++round) {
        CAPTURE(round);
        Lab lab;
        auto& m = lab.m;
        const Cidr vpc_cidr = m.vpc(lab.vpc).cidr;
        // Lists of up to 60 entries (one of 1,000 every tenth round), routes to them and to CIDRs.
        const int lists = 1 + static_cast<int>(rng() % 5);
        for (int l = 0; l < lists; ++l) {
            const std::size_t n = round % 10 == 0 && l == 0 ? 1000 : rng() % 60;
            std::vector<PrefixListEntry> entries;
            while (entries.size() < n) {
                const Cidr c = random_prefix(rng() % 2);
                if (std::none_of(entries.begin(), entries.end(), [&](const PrefixListEntry& e) { return e.cidr == c; })) entries.push_back({c, ""});
            }
            std::vector<PrefixListEntry> first(entries.begin(), entries.begin() + std::min<std::size_t>(entries.size(), 100));
            const std::string id = m.create_managed_prefix_list("", "list" + std::to_string(l), 1000, first, {}).id;
            for (std::size_t k = 100; k < entries.size(); k += 100)
                m.modify_managed_prefix_list(id, {}, std::vector<PrefixListEntry>(entries.begin() + static_cast<std::ptrdiff_t>(k),
                                                                                  entries.begin() + static_cast<std::ptrdiff_t>(std::min(k + 100, entries.size()))),
                                             {}, {}, {});
            m.create_route(lab.pub_rt, VpcModel::RouteDestination::prefix_list(id), rng() % 2 ? lab.to_igw() : lab.to_appliance());
        }
        for (int r = static_cast<int>(rng() % 30); r > 0; --r) {
            const Cidr c = random_prefix(rng() % 2);
            try {
                m.create_route(lab.pub_rt, c.to_string(), rng() % 2 ? lab.to_igw() : lab.to_appliance());
            } catch (const ApiError&) {
                // A duplicate destination or one inside the VPC: refused, as EC2 refuses it.
            }
        }
        if (rng() % 2) m.create_gateway_endpoint("", lab.vpc, "com.amazonaws.ap-northeast-2.s3", {lab.pub_rt}, "", {}, "");
        const RouteTable& t = m.route_table(lab.pub_rt);
        const LpmTable lpm(route_destinations(m, t));
        // The reference, straight from the rules: longest prefix; on a tie a CIDR route before any list,
        // then the route listed first; list entries inside the VPC only for a network interface.
        auto reference = [&](std::uint32_t address) {
            int best_length = -1, best_rank = 0;
            std::uint32_t best = LpmTable::no_match;
            for (std::size_t i = 0; i < t.routes.size(); ++i) {
                const Route& r = t.routes[i];
                std::vector<Cidr> destinations;
                if (!r.to_prefix_list()) destinations.push_back(r.destination);
                else
                    for (const auto& e : m.prefix_list(r.destination_prefix_list_id).entries)
                        if (!vpc_cidr.contains(e.cidr) || r.target_kind == RouteTargetKind::network_interface) destinations.push_back(e.cidr);
                const int rank = r.to_prefix_list() ? 1 : 0;
                for (const Cidr& d : destinations) {
                    if (!d.contains(address)) continue;
                    if (d.prefix_length > best_length || (d.prefix_length == best_length && rank < best_rank)) {
                        best_length = d.prefix_length;
                        best_rank = rank;
                        best = static_cast<std::uint32_t>(i);
                    }
                }
            }
            return best;
        };
        std::vector<std::uint32_t> probes;
        for (const auto& e : route_destinations(m, t)) {
            probes.push_back(e.prefix.network);
            probes.push_back(e.prefix.last());
            probes.push_back(e.prefix.last() + 1);
            probes.push_back(e.prefix.network - 1);
        }
        for (int k = 0; k < 2000; ++k) probes.push_back(k % 2 ? static_cast<std::uint32_t>(rng()) : 0xcb000000 | (rng() & 0xffffff));
        for (std::uint32_t a : probes) {
            CAPTURE(a);
            REQUIRE(lpm.lookup(a) == reference(a));
        }
    }
}

TEST_CASE("a table's LPM is rebuilt only when its destinations change") {
    Lab lab;
    std::vector<PrefixListEntry> big;
    for (std::uint32_t k = 0; k < 100; ++k) big.push_back({Cidr{0x64000000 + (k << 8), 24}, ""});
    const std::string pl = lab.m.create_managed_prefix_list("", "big", 1000, big, {}).id;
    lab.m.create_route(lab.pub_rt, VpcModel::RouteDestination::prefix_list(pl), lab.to_igw());
    auto first = ForwardingSnapshot::compile(lab.m, lab.sp);
    CHECK(first->lpm_builds() == lab.m.route_tables().size());
    // An instance launched, a target replaced: no destination changed.
    lab.launch(lab.priv);
    lab.m.replace_route(lab.pub_rt, VpcModel::RouteDestination::prefix_list(pl), lab.to_appliance());
    auto second = ForwardingSnapshot::compile(lab.m, lab.sp, first.get());
    CHECK(second->lpm_builds() == 0);
    CHECK(second->decide(lab.pub_host, pub_ip, 0x64000a05).outcome == Outcome::deliver);  // the new target, the old LPM
    // The list changes: only the table routing to it is rebuilt.
    lab.m.modify_managed_prefix_list(pl, {}, {{cidr("203.0.113.0/24"), ""}}, {}, {}, {});
    auto third = ForwardingSnapshot::compile(lab.m, lab.sp, second.get());
    CHECK(third->lpm_builds() == 1);
    CHECK(third->decide(lab.pub_host, pub_ip, doc_net + 1).outcome == Outcome::deliver);
    CHECK(second->decide(lab.pub_host, pub_ip, doc_net + 1).outcome == Outcome::internet_gateway);  // the old snapshot is untouched
}
