// Network load balancers in the model: CloudFormation's generated names, DNS names and ARNs, nodes as
// requester-managed ENIs, the API's refusals (each changing nothing), registration and draining; the health
// state machine; and the flow hash's spread.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <random>
#include <regex>

#include "routing/flow_hash.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "routing/model/model_rules.hpp"
#include "tests/unit/api_refusal.hpp"
#include "tests/unit/two_subnet_lab.hpp"

using namespace vpclab;
using namespace vpclab::routing;

namespace {

struct LbLab : test::TwoSubnetLab {
    std::string web1, web2;
    LbLab() : TwoSubnetLab("jh-CF") {
        web1 = launch(pub);
        web2 = launch(pub);
    }
    TargetGroup& group(const std::string& name = "tg", const std::string& protocol = "TCP") {
        return m.create_target_group("", {.name = name, .protocol = protocol, .vpc_id = vpc, .port = 80}, {});
    }
};


}  // namespace

TEST_CASE("a template's unnamed load balancer gets CloudFormation's name, and the DNS name and ARN AWS gives") {
    LbLab lab;
    const auto& lb = lab.m.create_load_balancer("jhCustomNLB", "", "network", "internet-facing", {{lab.pub, "", std::nullopt}}, {}, "t");
    CHECK(std::regex_match(lb.name, std::regex("jh-CF-jhCus-[A-Z0-9]{12}")));
    CHECK(lb.name == generated_elb_name("jh-CF", "jhCustomNLB"));  // the same every run
    CHECK(std::regex_match(lb.dns_name, std::regex(lb.name + "-[0-9a-f]{16}\\.elb\\.ap-northeast-2\\.amazonaws\\.com")));
    CHECK(std::regex_match(lb.id, std::regex("arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/net/" + lb.name + "/[0-9a-f]{16}")));
    CHECK(lb.dns_name.find(lb.hex) != std::string::npos);
    // One node in its subnet: a requester-managed ENI with a private address and, internet-facing, a public one.
    REQUIRE(lb.network_interface_ids.size() == 1);
    const auto& node = lab.m.network_interface(lb.network_interface_ids[0]);
    CHECK(node.subnet_id == lab.pub);
    CHECK(node.requester_managed());
    CHECK(node.description == "ELB " + lb.full_name());
    CHECK(node.public_ip.has_value());
    CHECK(test::refusal([&] { lab.m.delete_network_interface(node.id); }) == "OperationNotPermitted");
    // An internal one: no public address, "internal-" in its DNS name.
    const auto& internal = lab.m.create_load_balancer("", "inside", "network", "internal", {{lab.priv, "", std::nullopt}}, {}, "t");
    CHECK(internal.dns_name.rfind("internal-inside-", 0) == 0);
    CHECK_FALSE(lab.m.network_interface(internal.network_interface_ids[0]).public_ip.has_value());
}

TEST_CASE("load balancer refusals name what is wrong and change nothing") {
    LbLab lab;
    lab.m.create_load_balancer("", "taken", "network", "internal", {{lab.pub, "", std::nullopt}}, {}, "t");
    auto unchanged = [&, lbs = lab.m.load_balancers().size(), enis = lab.m.network_interfaces().size()] {
        return lab.m.load_balancers().size() == lbs && lab.m.network_interfaces().size() == enis;
    };
    auto create = [&](const std::string& name, const std::string& type, const std::string& scheme, std::vector<SubnetMapping> subnets) {
        return test::refusal([&] { lab.m.create_load_balancer("", name, type, scheme, subnets, {}, "t"); });
    };
    CHECK(create("taken", "network", "internal", {{lab.pub, "", std::nullopt}}) == "DuplicateLoadBalancerName");
    CHECK(create("-bad", "network", "internal", {{lab.pub, "", std::nullopt}}) == "ValidationError");
    CHECK(create("internal-x", "network", "internal", {{lab.pub, "", std::nullopt}}) == "ValidationError");
    CHECK(create(std::string(33, 'a'), "network", "internal", {{lab.pub, "", std::nullopt}}) == "ValidationError");
    CHECK(create("alb", "application", "internal", {{lab.pub, "", std::nullopt}}) == "ValidationError");
    CHECK(create("none", "network", "internal", {}) == "ValidationError");
    const std::string other_vpc = lab.m.create_vpc("", "10.20.0.0/16", {}).id;
    const std::string other = lab.m.create_subnet("", other_vpc, "10.20.0.0/24", "ap-northeast-2c", false, {}).id;
    CHECK(create("two-vpcs", "network", "internal", {{lab.pub, "", std::nullopt}, {other, "", std::nullopt}}) == "InvalidConfigurationRequest");
    const std::string same_zone = lab.m.create_subnet("", lab.vpc, "10.10.2.0/24", "ap-northeast-2a", false, {}).id;
    CHECK(create("same-zone", "network", "internal", {{lab.pub, "", std::nullopt}, {same_zone, "", std::nullopt}}) == "InvalidConfigurationRequest");
    CHECK(create("no-igw", "network", "internet-facing", {{other, "", std::nullopt}}) == "InvalidSubnet");
    CHECK(create("eip", "network", "internal", {{lab.pub, "eipalloc-12345678", std::nullopt}}) == "ValidationError");
    CHECK(create("reserved", "network", "internal", {{lab.pub, "", 0x0a0a0001}}) == "InvalidParameterValue");
    CHECK(unchanged());
}

TEST_CASE("target groups, listeners and registrations: checked, and refused without a change") {
    LbLab lab;
    const auto& lb = lab.m.create_load_balancer("", "web", "network", "internet-facing", {{lab.pub, "", std::nullopt}}, {}, "t");
    const std::string lb_arn = lb.id;
    const std::string tg = lab.group().id;
    CHECK(test::refusal([&] { lab.group(); }) == "DuplicateTargetGroupName");
    CHECK(test::refusal([&] { lab.group("tls", "TLS"); }) == "ValidationError");
    TargetGroupSpec bad{.name = "bad-hc", .protocol = "TCP", .vpc_id = lab.vpc, .port = 80};
    bad.health_check.interval_seconds = 4;
    CHECK(test::refusal([&] { lab.m.create_target_group("", bad, {}); }) == "ValidationError");
    bad.health_check.interval_seconds = 30;
    bad.health_check.protocol = "HTTP";
    bad.health_check.matcher = "200-199";
    CHECK(test::refusal([&] { lab.m.create_target_group("", bad, {}); }) == "ValidationError");
    CHECK(lab.m.target_groups().size() == 1);

    CHECK(test::refusal([&] { lab.m.create_listener("", lb_arn, "UDP", 80, tg, {}); }) == "IncompatibleProtocols");
    CHECK(test::refusal([&] { lab.m.create_listener("", lb_arn, "TLS", 443, tg, {}); }) == "ValidationError");
    const std::string listener = lab.m.create_listener("", lb_arn, "TCP", 80, tg, {}).id;
    CHECK(std::regex_match(listener, std::regex("arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:listener/net/web/[0-9a-f]{16}/[0-9a-f]{16}")));
    CHECK(test::refusal([&] { lab.m.create_listener("", lb_arn, "TCP", 80, tg, {}); }) == "DuplicateListener");
    CHECK(test::refusal([&] { lab.m.delete_target_group(tg); }) == "ResourceInUse");
    CHECK(lab.m.listeners().size() == 1);

    // Registration: instances of the group's VPC; the group's port unless given; again is no change.
    CHECK(test::refusal([&] { lab.m.register_targets(tg, {{"10.10.0.9", 0}}); }) == "InvalidTarget");
    CHECK(test::refusal([&] { lab.m.register_targets(tg, {{"i-0123456789abcdef0", 0}}); }) == "InvalidTarget");
    CHECK(lab.m.target_group(tg).targets.empty());
    lab.m.register_targets(tg, {{lab.web1, 0}, {lab.web2, 8080}});
    lab.m.register_targets(tg, {{lab.web1, 0}});
    const auto& targets = lab.m.target_group(tg).targets;
    REQUIRE(targets.size() == 2);
    CHECK(targets[0].port == 80);
    CHECK(targets[1].port == 8080);
    CHECK(targets[0].availability_zone == "ap-northeast-2a");
    CHECK(targets[0].health.state == TargetState::initial);
    CHECK(targets[0].health.reason == "Elb.RegistrationInProgress");

    // Deregistration drains for the delay, then the target goes.
    CHECK(test::refusal([&] { lab.m.deregister_targets(tg, {{lab.web1, 81}}, 1000); }) == "InvalidTarget");
    lab.m.deregister_targets(tg, {{lab.web1, 0}}, 1000);
    CHECK(lab.m.target_group(tg).targets[0].health.state == TargetState::draining);
    CHECK(test::refusal([&] { lab.m.deregister_targets(tg, {{lab.web1, 0}}, 1001); }) == "InvalidTarget");  // already draining
    CHECK_FALSE(lab.m.finish_draining(1000 + 299));
    CHECK(lab.m.finish_draining(1000 + 300));
    CHECK(lab.m.target_group(tg).targets.size() == 1);
    lab.m.set_target_group_attribute(tg, "deregistration_delay.timeout_seconds", "0");
    lab.m.deregister_targets(tg, {{lab.web2, 8080}}, 2000);
    CHECK(lab.m.target_group(tg).targets.empty());  // no delay: gone at once
    CHECK(test::refusal([&] { lab.m.set_target_group_attribute(tg, "deregistration_delay.timeout_seconds", "3601"); }) == "ValidationError");
    CHECK(test::refusal([&] { lab.m.set_target_group_attribute(tg, "no.such.key", "1"); }) == "ValidationError");

    // Deleting the load balancer takes its listeners and nodes; then the group can go.
    const std::string node = lb.network_interface_ids[0];
    lab.m.delete_load_balancer(lb_arn);
    CHECK(lab.m.listeners().empty());
    CHECK(test::refusal([&] { lab.m.network_interface(node); }) == "InvalidNetworkInterfaceID.NotFound");
    lab.m.delete_target_group(tg);
    CHECK(lab.m.target_groups().empty());
}

TEST_CASE("target health: thresholds in a row, from initial, healthy and unhealthy") {
    HealthCheckSettings s;  // healthy after 5, unhealthy after 2
    HealthCounters n;
    TargetHealth h;
    for (int i = 0; i < 4; ++i) {
        h = after_health_check(h, n, true, s);
        CHECK(h.state == TargetState::initial);
        CHECK(h.reason == "Elb.InitialHealthChecking");
    }
    h = after_health_check(h, n, true, s);
    CHECK(h.state == TargetState::healthy);
    CHECK(h.reason.empty());
    h = after_health_check(h, n, false, s);
    CHECK(h.state == TargetState::healthy);  // one failure is not enough
    h = after_health_check(h, n, true, s);    // and a pass starts the count again
    h = after_health_check(h, n, false, s);
    CHECK(h.state == TargetState::healthy);
    h = after_health_check(h, n, false, s);
    CHECK(h.state == TargetState::unhealthy);
    CHECK(h.reason == "Target.FailedHealthChecks");
    for (int i = 0; i < 4; ++i) CHECK(after_health_check(h, n, true, s).state == TargetState::unhealthy);
    CHECK(after_health_check(h, n, true, s).state == TargetState::healthy);
    // A new target failing its first checks goes unhealthy after the unhealthy threshold.
    HealthCounters fresh;
    TargetHealth t;
    t = after_health_check(t, fresh, false, s);
    CHECK(t.state == TargetState::initial);
    CHECK(after_health_check(t, fresh, false, s).state == TargetState::unhealthy);
    CHECK(http_code_matches("200-399", 302));
    CHECK_FALSE(http_code_matches("200-399", 404));
    CHECK(http_code_matches("200,404", 404));
    CHECK_FALSE(parse_http_codes("20x").has_value());
}

// A fair hash's count for one of n targets varies by sigma = sqrt(N p (1 - p)): for 10,000 flows 50 at 2
// targets (1% of the even share) but 33 at 8 (2.6%), so "within 5% of even" is 5 sigma at 2 targets and
// under 2 sigma at 8, where a perfectly random choice misses it about a third of the time. So: within 5% of
// even for 2 to 4 targets (at least 2.9 sigma), within 4 sigma for 5 to 8, and a chi-square goodness of fit
// under its 99.9% critical value for every count of targets (a biased hash fails it).
TEST_CASE("the flow hash spreads 10,000 flows evenly over 2 to 8 targets (within 5% for 2 to 4)") {
    const double chi_square_999[] = {0, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32};  // by degrees of freedom
    std::mt19937 rng(20261124);
    for (std::uint32_t targets = 2; targets <= 8; ++targets) {
        std::vector<int> count(targets);
        for (int i = 0; i < 10000; ++i) {
            const std::uint32_t client = 0xc6130000 | (rng() & 0xffff);
            const auto port = static_cast<std::uint16_t>(32768 + rng() % 28232);
            const std::uint64_t h = load_balancer_flow_hash(6, client, port, 0x14140006, 80, static_cast<std::uint32_t>(rng()));
            ++count[pick_target(h, targets)];
        }
        const double even = 10000.0 / targets;
        const double sigma = std::sqrt(10000.0 * (1.0 / targets) * (1.0 - 1.0 / targets));
        double chi_square = 0;
        for (int c : count) {
            INFO(targets << " targets: " << c << " flows where " << even << " is even");
            CHECK(std::abs(c - even) <= (targets <= 4 ? 0.05 * even : 4 * sigma));
            chi_square += (c - even) * (c - even) / even;
        }
        INFO(targets << " targets: chi-square " << chi_square);
        CHECK(chi_square < chi_square_999[targets - 1]);
    }
    // The sequence number is part of it: the same 5-tuple with other ISNs reaches other targets.
    std::map<std::uint32_t, int> seen;
    for (std::uint32_t isn = 0; isn < 64; ++isn) ++seen[pick_target(load_balancer_flow_hash(6, 0xc613000a, 40000, 0x14140006, 80, isn * 7919), 4)];
    CHECK(seen.size() == 4);
}

TEST_CASE("a terminated instance is deregistered, and the snapshot compiles once it is forgotten") {
    LbLab lab;
    const auto& lb = lab.m.create_load_balancer("", "web", "network", "internet-facing", {{lab.pub, "", std::nullopt}}, {}, "t");
    const std::string tg = lab.group().id;
    lab.m.create_listener("", lb.id, "TCP", 80, tg, {});
    lab.m.register_targets(tg, {{lab.web1, 0}, {lab.web2, 0}});
    lab.m.terminate_instance(lab.web1, "test");
    lab.m.finish_termination(lab.web1, 1000);
    REQUIRE(lab.m.target_group(tg).targets.size() == 1);
    CHECK(lab.m.target_group(tg).targets[0].id == lab.web2);
    // An hour on, the instance is forgotten: compiling never looks for it.
    lab.m.terminate_instance(lab.web2, "test");
    lab.m.finish_termination(lab.web2, 1000 + VpcModel::terminated_listed_seconds + 1);
    REQUIRE(lab.m.instances().size() == 1);  // web1 forgotten, web2 listed for its hour
    CHECK(lab.m.instances()[0].id == lab.web2);
    CHECK(lab.m.target_group(tg).targets.empty());
    CHECK_NOTHROW(ForwardingSnapshot::compile(lab.m));
}

TEST_CASE("Elastic IPs of load balancer nodes: one per mapping, and the node's cannot be taken off") {
    LbLab lab;
    const std::string eip = lab.m.allocate_address().allocation_id;
    const std::string other = lab.m.create_subnet("", lab.vpc, "10.10.2.0/24", "ap-northeast-2c", false, {}).id;
    CHECK(test::refusal([&] { lab.m.create_load_balancer("", "twice", "network", "internet-facing", {{lab.pub, eip, std::nullopt}, {other, eip, std::nullopt}}, {}, "t"); }) ==
          "InvalidConfigurationRequest");
    CHECK(lab.m.load_balancers().empty());
    const auto& lb = lab.m.create_load_balancer("", "eip", "network", "internet-facing", {{lab.pub, eip, std::nullopt}}, {}, "t");
    const auto& node = lab.m.network_interface(lb.network_interface_ids[0]);
    CHECK(node.public_ip == lab.m.elastic_ips()[0].public_ip);
    CHECK(test::refusal([&] { lab.m.disassociate_address(lab.m.elastic_ips()[0].association_id); }) == "OperationNotPermitted");
    CHECK(lab.m.network_interface(lb.network_interface_ids[0]).public_ip.has_value());
}
