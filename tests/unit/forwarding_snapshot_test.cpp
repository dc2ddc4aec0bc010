// Routing decisions as pure functions of (snapshot, ingress, source, destination): no packets involved.
#include <doctest/doctest.h>

#include "routing/forwarding_snapshot.hpp"
#include "tests/unit/two_subnet_lab.hpp"

using namespace vpclab::routing;

namespace {
// Drawn from the seed's first lab: a public subnet whose table sends 0.0.0.0/0 to the IGW, and a private
// subnet that uses the main table (local route only).
struct SeedLab : vpclab::test::TwoSubnetLab {
    PortIndex pub_host = 0, priv_host = 0, priv_host2 = 0;
    SeedLab() : TwoSubnetLab("seed") {
        add_default_route();
        pub_host = port_of(launch(pub));
        priv_host = port_of(launch(priv));
        priv_host2 = port_of(launch(priv));
    }
    std::shared_ptr<const ForwardingSnapshot> snap() const { return ForwardingSnapshot::compile(m); }
};
constexpr std::uint32_t pub_ip = 0x0a0a0004, priv_ip = 0x0a0a0104, priv_ip2 = 0x0a0a0105;
constexpr std::uint32_t s3 = 0xc6120a0a;  // an address outside the VPC
}  // namespace

TEST_CASE("local route delivers across subnets, marking same-subnet delivery") {
    SeedLab lab;
    auto s = lab.snap();
    auto d = s->decide(lab.pub_host, pub_ip, priv_ip);
    CHECK(d.outcome == Outcome::deliver);
    CHECK(d.port == lab.priv_host);
    CHECK(!d.same_subnet);
    d = s->decide(lab.priv_host, priv_ip, priv_ip2);
    CHECK(d.outcome == Outcome::deliver);
    CHECK(d.port == lab.priv_host2);
    CHECK(d.same_subnet);
}

TEST_CASE("the source subnet's table decides: public goes to the IGW, private has no route") {
    SeedLab lab;
    auto s = lab.snap();
    CHECK(s->decide(lab.pub_host, pub_ip, s3).outcome == Outcome::internet_gateway);
    CHECK(s->decide(lab.priv_host, priv_ip, s3).outcome == Outcome::drop_no_route);
}

TEST_CASE("main table fallback follows changes to the main table") {
    SeedLab lab;
    const auto main_rt = lab.m.vpc(lab.vpc).main_route_table_id;
    lab.m.create_route(main_rt, "0.0.0.0/0", {lab.igw, "", ""});
    CHECK(lab.snap()->decide(lab.priv_host, priv_ip, s3).outcome == Outcome::internet_gateway);
}

TEST_CASE("longest prefix wins, and a more specific route to an ENI beats the IGW default") {
    SeedLab lab;
    const auto appliance = lab.m.interface_on_port(lab.priv_host)->id;
    lab.m.create_route(lab.pub_rt, "198.18.10.0/24", {"", "", appliance});
    auto s = lab.snap();
    // The appliance still checks destinations: its source/dest check drops traffic not addressed to it.
    CHECK(s->decide(lab.pub_host, pub_ip, s3).outcome == Outcome::drop_destination_check);
    CHECK(s->decide(lab.pub_host, pub_ip, 0xc6120b01).outcome == Outcome::internet_gateway);
}

TEST_CASE("source/destination check drops spoofed sources") {
    SeedLab lab;
    auto s = lab.snap();
    CHECK(s->decide(lab.pub_host, 0x0a0a0063, priv_ip).outcome == Outcome::drop_source_check);
    CHECK(s->decide(lab.pub_host, priv_ip, priv_ip2).outcome == Outcome::drop_source_check);
}

TEST_CASE("addresses that are not hosts") {
    SeedLab lab;
    auto s = lab.snap();
    CHECK(s->decide(lab.pub_host, pub_ip, 0x0a0a0164).outcome == Outcome::drop_no_such_address);
    CHECK(s->decide(lab.pub_host, pub_ip, 0x0a0a0101).outcome == Outcome::drop_reserved_address);
    CHECK(s->decide(lab.pub_host, pub_ip, 0x0a0a01ff).outcome == Outcome::drop_reserved_address);
    CHECK(s->decide(lab.pub_host, pub_ip, 0x0a0a0900).outcome == Outcome::drop_no_such_address);
    CHECK(s->decide(lab.pub_host, pub_ip, 0xffffffff).outcome == Outcome::drop_broadcast);
    CHECK(s->decide(lab.pub_host, pub_ip, 0xe00000fb).outcome == Outcome::drop_broadcast);
    CHECK(s->decide(lab.pub_host, pub_ip, 0xa9fea9fd).outcome == Outcome::drop_link_local);
}

TEST_CASE("ARP answers: peers with their own MAC, other in-subnet addresses with the router's") {
    SeedLab lab;
    auto s = lab.snap();
    const auto* peer = s->arp_answer(lab.priv_host, priv_ip2);
    REQUIRE(peer);
    CHECK(*peer == s->port(lab.priv_host2).mac);
    const auto* gw = s->arp_answer(lab.priv_host, 0x0a0a0101);
    REQUIRE(gw);
    CHECK(*gw == s->subnet(s->port(lab.priv_host).subnet).router_mac);
    CHECK(s->arp_answer(lab.priv_host, priv_ip) == nullptr);       // itself
    CHECK(s->arp_answer(lab.priv_host, pub_ip) == nullptr);        // another subnet is not on-link
    CHECK(s->arp_answer(lab.priv_host, 0x0a0a01ff) == nullptr);    // broadcast
}

TEST_CASE("DNS to base+2 or 169.254.169.253 goes to the resolver whatever the routes say, after the source check") {
    SeedLab lab;
    ServicePorts sp;
    sp.resolver = 4;
    sp.resolver_base = 0xa9fe0000;
    auto snap = ForwardingSnapshot::compile(lab.m, sp);
    // The private subnet has only the local route; DNS still reaches the resolver, from either address.
    auto d = snap->decide(lab.priv_host, priv_ip, 0x0a0a0002, 17, 53);
    CHECK(d.outcome == Outcome::to_resolver);
    CHECK(d.resolver_address == sp.resolver_address(0, false));
    d = snap->decide(lab.priv_host, priv_ip, amazon_dns_link_local, 6, 53);
    CHECK(d.outcome == Outcome::to_resolver);
    CHECK(d.resolver_address == sp.resolver_address(0, true));
    CHECK(snap->decide(lab.priv_host, 0x0a0a0163, 0x0a0a0002, 17, 53).outcome == Outcome::drop_source_check);
    CHECK(snap->decide(lab.priv_host, priv_ip, 0x0a0a0002, 17, 54).outcome == Outcome::drop_reserved_address);
    CHECK(snap->decide(lab.priv_host, priv_ip, 0x0a0a0002, 1, 0).outcome == Outcome::drop_reserved_address);
    lab.m.modify_vpc_attribute(lab.vpc, false, std::nullopt);
    CHECK(ForwardingSnapshot::compile(lab.m, sp)->decide(lab.priv_host, priv_ip, 0x0a0a0002, 17, 53).outcome == Outcome::drop_dns_disabled);
}

TEST_CASE("HTTP to 169.254.169.254 goes to the metadata service whatever the routes say; its replies come back from that address") {
    SeedLab lab;
    ServicePorts sp;
    sp.resolver = 4;
    sp.resolver_base = 0xa9fe0000;
    auto snap = ForwardingSnapshot::compile(lab.m, sp);
    const auto d = snap->decide(lab.priv_host, priv_ip, instance_metadata_link_local, 6, 80);
    CHECK(d.outcome == Outcome::to_resolver);
    CHECK(d.resolver_address == sp.metadata_address(0));
    // Only TCP port 80 is the service; anything else to that address is link-local traffic, dropped.
    CHECK(snap->decide(lab.priv_host, priv_ip, instance_metadata_link_local, 6, 443).outcome == Outcome::drop_link_local);
    CHECK(snap->decide(lab.priv_host, priv_ip, instance_metadata_link_local, 17, 80).outcome == Outcome::drop_link_local);
    CHECK(snap->decide(lab.priv_host, 0x0a0a0163, instance_metadata_link_local, 6, 80).outcome == Outcome::drop_source_check);
    const auto reply = snap->from_resolver(sp.metadata_address(0), priv_ip);
    CHECK(reply.ok);
    CHECK(reply.port == lab.priv_host);
    CHECK(reply.to == instance_metadata_link_local);
    CHECK_FALSE(snap->from_resolver(sp.metadata_address(0), 0x0a0a0163).ok);  // no such instance in that VPC
}

TEST_CASE("resolver addresses: what a VPC is given decodes back to that VPC and the address it asked") {
    ServicePorts sp;
    sp.resolver_base = 0xa9fe0000;
    for (std::uint32_t vpc : {0u, 1u, 169u, ServicePorts::max_vpcs - 1}) {
        for (bool link_local : {false, true}) {
            const std::uint32_t a = sp.resolver_address(vpc, link_local);
            CHECK(sp.resolver_vpc(a) == vpc);
            CHECK(ServicePorts::asked_link_local(a) == link_local);
        }
    }
    for (std::uint32_t vpc : {0u, 7u, ServicePorts::max_vpcs - 1}) {
        CHECK(sp.resolver_vpc(sp.metadata_address(vpc)) == vpc);
        CHECK(ServicePorts::is_metadata(sp.metadata_address(vpc)));
        CHECK_FALSE(ServicePorts::is_metadata(sp.resolver_address(vpc, true)));
    }
    CHECK(sp.resolver_vpc(0xa9fefe02) == no_port);  // the resolver link, not a VPC's address
    CHECK(sp.resolver_vpc(0xa9fe0003) == no_port);
    CHECK(sp.resolver_vpc(0x0a000002) == no_port);
}
