// The VPC resolver's zones and answers: names per VPC, reverse lookups, NXDOMAIN, FORMERR, NOTIMP, garbage.
#include <doctest/doctest.h>

#include "endpoints/ldns_include.hpp"

#include <algorithm>
#include <random>

#include "endpoints/dns_answer.hpp"
#include "endpoints/dns_zone.hpp"

using namespace vpclab;

namespace {

struct TwoVpcs {
    routing::VpcModel m{"dns", "ap-northeast-2"};
    endpoints::RegionCatalog catalog{"ap-northeast-2", {}};
    TwoVpcs() {
        const auto a = m.create_vpc("A", "10.10.0.0/16", {}).id;
        const auto b = m.create_vpc("B", "20.20.0.0/16", {}).id;
        m.modify_vpc_attribute(a, std::nullopt, true);
        const auto sa = m.create_subnet("SA", a, "10.10.0.0/24", "", false, {}).id;
        const auto sb = m.create_subnet("SB", b, "20.20.0.0/24", "", false, {}).id;
        for (const auto& s : {sa, sb}) {
            routing::InstanceLaunch l;
            l.interfaces.push_back({0, s, std::nullopt, true, {}, true});
            m.run_instance(l);
        }
    }
};

std::vector<std::uint8_t> query_for(const std::string& name, ldns_rr_type type, std::uint16_t id = 0x4242) {
    ldns_pkt* q = ldns_pkt_query_new(ldns_dname_new_frm_str(name.c_str()), type, LDNS_RR_CLASS_IN, LDNS_RD);
    ldns_pkt_set_id(q, id);
    std::uint8_t* wire = nullptr;
    std::size_t size = 0;
    REQUIRE(ldns_pkt2wire(&wire, q, &size) == LDNS_STATUS_OK);
    std::vector<std::uint8_t> out(wire, wire + size);
    free(wire);
    ldns_pkt_free(q);
    return out;
}

struct Reply {
    int rcode = -1;
    std::uint16_t id = 0;
    std::vector<std::string> answers;  // rdata as text
};

Reply parse(const std::vector<std::uint8_t>& bytes) {
    Reply r;
    ldns_pkt* p = nullptr;
    REQUIRE(ldns_wire2pkt(&p, bytes.data(), bytes.size()) == LDNS_STATUS_OK);
    r.rcode = ldns_pkt_get_rcode(p);
    r.id = ldns_pkt_id(p);
    const ldns_rr_list* answers = ldns_pkt_answer(p);
    for (std::size_t i = 0; answers && i < ldns_rr_list_rr_count(answers); ++i) {
        char* text = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(answers, i), 0));
        r.answers.emplace_back(text);
        free(text);
    }
    ldns_pkt_free(p);
    return r;
}

Reply ask(const endpoints::DnsZone& zone, const std::string& name, ldns_rr_type type = LDNS_RR_TYPE_A) {
    return parse(endpoints::answer_dns_query(query_for(name, type), zone));
}

}  // namespace

TEST_CASE("service names, internet hosts and instance names, per VPC") {
    TwoVpcs lab;
    const auto a = endpoints::build_zone(lab.m, lab.catalog, 0);
    const auto b = endpoints::build_zone(lab.m, lab.catalog, 1);
    CHECK(ask(a, "s3.ap-northeast-2.amazonaws.com").answers == std::vector<std::string>{"198.18.10.10"});
    CHECK(ask(b, "S3.AP-NORTHEAST-2.AMAZONAWS.COM.").answers == std::vector<std::string>{"198.18.10.10"});  // case-insensitive
    CHECK(ask(a, "cloudformation.ap-northeast-2.amazonaws.com").answers == std::vector<std::string>{"198.18.12.10"});
    CHECK(ask(a, "example.com").answers == std::vector<std::string>{"198.18.100.10"});
    CHECK(ask(a, "ip-10-10-0-4.ap-northeast-2.compute.internal").answers == std::vector<std::string>{"10.10.0.4"});
    // Private names are per VPC: B does not see A's instance.
    CHECK(ask(b, "ip-10-10-0-4.ap-northeast-2.compute.internal").rcode == LDNS_RCODE_NXDOMAIN);
    CHECK(ask(b, "ip-20-20-0-4.ap-northeast-2.compute.internal").answers == std::vector<std::string>{"20.20.0.4"});
}

TEST_CASE("public DNS names: only with enableDnsHostnames; private inside the VPC, public elsewhere") {
    TwoVpcs lab;
    const auto a = endpoints::build_zone(lab.m, lab.catalog, 0);
    const auto b = endpoints::build_zone(lab.m, lab.catalog, 1);
    const auto a_public = *lab.m.network_interfaces()[0].public_ip;
    const auto b_public = *lab.m.network_interfaces()[1].public_ip;
    const auto a_name = endpoints::public_dns_name(a_public, "ap-northeast-2");
    CHECK(a_name == "ec2-198-19-0-10.ap-northeast-2.compute.amazonaws.com");
    CHECK(ask(a, a_name).answers == std::vector<std::string>{"10.10.0.4"});
    CHECK(ask(b, a_name).answers == std::vector<std::string>{routing::format_ipv4(a_public)});
    // VPC B has enableDnsHostnames false (the default): its instance has no public name.
    CHECK(ask(a, endpoints::public_dns_name(b_public, "ap-northeast-2")).rcode == LDNS_RCODE_NXDOMAIN);
    CHECK(endpoints::public_dns_name(b_public, "us-east-1") == "ec2-198-19-0-11.compute-1.amazonaws.com");
    CHECK(endpoints::private_dns_name(0x0a000001, "us-east-1") == "ip-10-0-0-1.ec2.internal");
}

TEST_CASE("reverse lookups, NODATA and NXDOMAIN") {
    TwoVpcs lab;
    const auto a = endpoints::build_zone(lab.m, lab.catalog, 0);
    CHECK(ask(a, "4.0.10.10.in-addr.arpa", LDNS_RR_TYPE_PTR).answers == std::vector<std::string>{"ip-10-10-0-4.ap-northeast-2.compute.internal."});
    CHECK(ask(a, "10.10.18.198.in-addr.arpa", LDNS_RR_TYPE_PTR).answers == std::vector<std::string>{"s3.ap-northeast-2.amazonaws.com."});
    CHECK(ask(a, "9.9.9.9.in-addr.arpa", LDNS_RR_TYPE_PTR).rcode == LDNS_RCODE_NXDOMAIN);
    CHECK(ask(a, "300.0.10.10.in-addr.arpa", LDNS_RR_TYPE_PTR).rcode == LDNS_RCODE_NXDOMAIN);
    const auto aaaa = ask(a, "s3.ap-northeast-2.amazonaws.com", LDNS_RR_TYPE_AAAA);
    CHECK(aaaa.rcode == LDNS_RCODE_NOERROR);
    CHECK(aaaa.answers.empty());
    CHECK(ask(a, "www.amazon.com").rcode == LDNS_RCODE_NXDOMAIN);
    CHECK(ask(a, "s3.ap-northeast-2.amazonaws.com").id == 0x4242);
}

TEST_CASE("malformed queries: FORMERR, NOTIMP, or silence for responses and scraps") {
    endpoints::DnsZone zone;
    auto q = query_for("s3.ap-northeast-2.amazonaws.com", LDNS_RR_TYPE_A, 0x1234);
    auto truncated = std::vector<std::uint8_t>(q.begin(), q.begin() + 17);
    auto r = endpoints::answer_dns_query(truncated, zone);
    REQUIRE(r.size() == 12);
    CHECK(r[0] == 0x12);
    CHECK(r[1] == 0x34);
    CHECK((r[2] & 0x80) != 0);       // a response
    CHECK((r[3] & 0x0f) == 1);       // FORMERR
    auto status = q;
    status[2] = static_cast<std::uint8_t>((status[2] & 0x87) | (2 << 3));  // opcode STATUS
    CHECK((endpoints::answer_dns_query(status, zone)[3] & 0x0f) == 4);       // NOTIMP
    auto response = q;
    response[2] |= 0x80;
    CHECK(endpoints::answer_dns_query(response, zone).empty());
    CHECK(endpoints::answer_dns_query(std::vector<std::uint8_t>(11, 0), zone).empty());
}

TEST_CASE("random bytes never crash the resolver and never get a response to a response") {
    TwoVpcs lab;
    const auto zone = endpoints::build_zone(lab.m, lab.catalog, 0);
    std::mt19937 rng(99);
    const auto valid = query_for("ip-10-10-0-4.ap-northeast-2.compute.internal", LDNS_RR_TYPE_A);
    std::size_t answered = 0;
    for (int i = 0; i < 20000; ++i) {
        std::vector<std::uint8_t> q;
        if (i % 2) {
            q.resize(rng() % 300);
            for (auto& b : q) b = static_cast<std::uint8_t>(rng());
        } else {
            q = valid;
            for (int k = 0; k < 4; ++k) q[rng() % q.size()] = static_cast<std::uint8_t>(rng());
        }
        const auto r = endpoints::answer_dns_query(q, zone);
        if (r.empty()) continue;
        ++answered;
        REQUIRE(r.size() >= 12);
        CHECK(r[0] == q[0]);
        CHECK(r[1] == q[1]);
        CHECK((q[2] & 0x80) == 0);
    }
    CHECK(answered > 0);
}

TEST_CASE("the region catalog: services, prefix lists that cover them, a configurable range") {
    endpoints::RegionCatalog c("ap-northeast-2", endpoints::PublicAddressPlan::from("100.64.0.0/15"));
    const auto* s3 = c.find_by_service_name("com.amazonaws.ap-northeast-2.s3");
    REQUIRE(s3);
    CHECK(s3->dns_name == "s3.ap-northeast-2.amazonaws.com");
    CHECK(s3->endpoint_type == endpoints::EndpointType::gateway);
    CHECK(s3->prefix_list_id.size() == 11);
    for (auto a : s3->addresses) CHECK(s3->block.contains(a));
    CHECK(c.find_by_prefix_list(s3->prefix_list_id) == s3);
    for (const char* name : {"dynamodb", "cloudformation", "ec2", "sts", "ssm", "logs", "sqs", "sns"})
        CHECK_MESSAGE(c.find_by_service_name(std::string("com.amazonaws.ap-northeast-2.") + name), name);
    CHECK(c.find_by_service_name("com.amazonaws.ap-northeast-2.cloudformation")->prefix_list_id.empty());
    for (auto a : c.all_addresses()) CHECK(c.plan().range.contains(a));
    CHECK(!c.plan().instance_pool().overlaps(c.plan().service_block(0)));
    CHECK_THROWS_AS(endpoints::PublicAddressPlan::from("198.18.0.0/16"), std::invalid_argument);
}

TEST_CASE("a network load balancer's name: its nodes' public addresses, or private when internal, in every VPC; a node without a healthy target left out") {
    routing::VpcModel m("dnslb", "ap-northeast-2");
    const endpoints::RegionCatalog catalog("ap-northeast-2", endpoints::PublicAddressPlan{});
    const auto v = m.create_vpc("V", "20.20.0.0/16", {}).id;
    const auto other = m.create_vpc("O", "10.10.0.0/16", {}).id;
    (void)other;
    const auto a = m.create_subnet("A", v, "20.20.0.0/24", "ap-northeast-2a", false, {}).id;
    const auto c = m.create_subnet("C", v, "20.20.1.0/24", "ap-northeast-2c", false, {}).id;
    m.attach_internet_gateway(m.create_internet_gateway("G", {}).id, v);
    routing::InstanceLaunch l;
    l.interfaces.push_back({0, a, std::nullopt, false, {}, true});
    const std::string web = m.run_instance(l).id;
    const auto& lb = m.create_load_balancer("", "web", "network", "internet-facing", {{a, "", std::nullopt}, {c, "", std::nullopt}}, {}, "t");
    const std::string lb_arn = lb.id, dns = lb.dns_name;
    const auto public_of = [&](std::size_t n) {
        return routing::format_ipv4(*m.network_interface(m.load_balancer(lb_arn).network_interface_ids[n]).public_ip);
    };
    const std::string tg = m.create_target_group("", {.name = "tg", .protocol = "TCP", .vpc_id = v, .port = 80}, {}).id;
    m.create_listener("", lb_arn, "TCP", 80, tg, {});
    m.register_targets(tg, {{web, 0}});
    auto answers = [&](std::size_t vpc) {
        auto r = ask(endpoints::build_zone(m, catalog, vpc), dns).answers;
        std::sort(r.begin(), r.end());
        return r;
    };
    std::vector<std::string> both{public_of(0), public_of(1)};
    std::sort(both.begin(), both.end());
    CHECK(answers(0) == both);  // no healthy target anywhere: every node (fail open)
    CHECK(answers(1) == both);  // and from another VPC the same
    m.set_target_health(tg, web, 80, {routing::TargetState::healthy, "", ""});
    CHECK(answers(0) == std::vector<std::string>{public_of(0)});  // 2c's node has no healthy target of its zone
    m.set_load_balancer_attribute(lb_arn, "load_balancing.cross_zone.enabled", "true");
    CHECK(answers(0) == both);
    // Internal: the private addresses.
    const auto& inside = m.create_load_balancer("", "inside", "network", "internal", {{a, "", std::nullopt}}, {}, "t");
    CHECK(ask(endpoints::build_zone(m, catalog, 1), inside.dns_name).answers ==
          std::vector<std::string>{routing::format_ipv4(m.network_interface(inside.network_interface_ids[0]).private_ip)});
}

TEST_CASE("across a peering that allows DNS resolution, a peer instance's public name answers its private address") {
    TwoVpcs lab;
    routing::VpcModel& m = lab.m;
    const std::string a = m.vpcs()[0].id, b = m.vpcs()[1].id;
    const auto a_eni = m.network_interfaces()[0];
    REQUIRE(a_eni.vpc_id == a);
    REQUIRE(a_eni.public_ip);
    const auto a_name = endpoints::public_dns_name(*a_eni.public_ip, "ap-northeast-2");
    const std::string a_public = routing::format_ipv4(*a_eni.public_ip), a_private = routing::format_ipv4(a_eni.private_ip);
    auto from_b = [&] { return ask(endpoints::build_zone(m, lab.catalog, 1), a_name).answers; };
    const std::string pcx = m.create_vpc_peering_connection("", b, a, {}, 1000).id;  // B requests, A accepts
    m.accept_vpc_peering_connection(pcx, 1001);
    m.modify_vpc_peering_options(pcx, std::nullopt, true);  // the accepter's (A's) names, asked from B
    // Both VPCs need DNS hostnames and DNS resolution; B has no DNS hostnames yet.
    CHECK(from_b() == std::vector<std::string>{a_public});
    m.modify_vpc_attribute(b, std::nullopt, true);
    CHECK(from_b() == std::vector<std::string>{a_private});
    // The requester's option is about B's names, not A's.
    m.modify_vpc_peering_options(pcx, true, false);
    CHECK(from_b() == std::vector<std::string>{a_public});
    const auto b_eni = m.network_interfaces()[1];
    REQUIRE(b_eni.vpc_id == b);
    REQUIRE(b_eni.public_ip);
    CHECK(ask(endpoints::build_zone(m, lab.catalog, 0), endpoints::public_dns_name(*b_eni.public_ip, "ap-northeast-2")).answers ==
          std::vector<std::string>{routing::format_ipv4(b_eni.private_ip)});
    m.modify_vpc_peering_options(pcx, std::nullopt, true);
    m.modify_vpc_attribute(a, false, std::nullopt);  // A's DNS resolution off
    CHECK(from_b() == std::vector<std::string>{a_public});
    m.modify_vpc_attribute(a, true, std::nullopt);
    CHECK(from_b() == std::vector<std::string>{a_private});
    m.delete_vpc_peering_connection(pcx, 1002);  // no active peering: the public address again
    CHECK(from_b() == std::vector<std::string>{a_public});
}

TEST_CASE("through a transit gateway with DNS support, an attached VPC's instance's public name answers its private address") {
    TwoVpcs lab;
    routing::VpcModel& m = lab.m;
    const std::string a = m.vpcs()[0].id, b = m.vpcs()[1].id;
    m.modify_vpc_attribute(b, std::nullopt, true);
    const auto a_eni = m.network_interfaces()[0];
    REQUIRE(a_eni.public_ip);
    const auto a_name = endpoints::public_dns_name(*a_eni.public_ip, "ap-northeast-2");
    const std::vector<std::string> a_public{routing::format_ipv4(*a_eni.public_ip)}, a_private{routing::format_ipv4(a_eni.private_ip)};
    auto from_b = [&] { return ask(endpoints::build_zone(m, lab.catalog, 1), a_name).answers; };
    const std::string quiet = m.create_transit_gateway("", {.dns_support = false}, 1000).id;
    m.create_transit_gateway_vpc_attachment("", quiet, a, {m.subnets()[0].id}, false, true, {}, 1000);
    m.create_transit_gateway_vpc_attachment("", quiet, b, {m.subnets()[1].id}, false, true, {}, 1000);
    CHECK(from_b() == a_public);  // the gateway's DNS support is off
    const std::string tgw = m.create_transit_gateway("", {}, 1000).id;
    const std::string at = m.create_transit_gateway_vpc_attachment("", tgw, a, {m.subnets()[0].id}, false, false, {}, 1000).id;
    m.create_transit_gateway_vpc_attachment("", tgw, b, {m.subnets()[1].id}, false, true, {}, 1000);
    CHECK(from_b() == a_public);  // A's attachment's is off
    m.modify_transit_gateway_vpc_attachment(at, {}, {}, std::nullopt, true);
    CHECK(from_b() == a_private);
    m.modify_vpc_attribute(a, false, std::nullopt);  // A's DNS resolution off
    CHECK(from_b() == a_public);
}
