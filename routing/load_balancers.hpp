// Elastic Load Balancing (v2) in the model: network load balancers, their target groups, listeners and
// targets' health (ELB API reference, "LoadBalancer", "TargetGroup", "Listener", "TargetHealth").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "routing/resource_base.hpp"

namespace vpclab::routing {

// A target group's health check (ELB API reference, "CreateTargetGroup"): the defaults are a network load
// balancer's for instance and ip targets.
struct HealthCheckSettings {
    bool enabled = true;
    std::string protocol = "TCP";      // TCP | HTTP | HTTPS
    std::string port = "traffic-port";  // or a port number, as text
    std::string path;                   // HTTP(S) only: "/" unless given
    int interval_seconds = 30;          // 5 – 300
    int timeout_seconds = 10;           // 2 – 120 (HTTP: 6 unless given)
    int healthy_threshold = 5;          // 2 – 10
    int unhealthy_threshold = 2;        // 2 – 10
    std::string matcher = "200-399";    // HTTP(S) only: codes, "200", "200-299" or "200,302"
};

// TargetHealth.State and its reason codes (ELB API reference, "TargetHealth").
enum class TargetState : std::uint8_t { initial, healthy, unhealthy, unused, draining, unavailable };
const char* name_of(TargetState s);

struct TargetHealth {
    TargetState state = TargetState::initial;
    std::string reason = "Elb.RegistrationInProgress";  // empty when healthy
    std::string description = "Target registration is in progress";
    friend bool operator==(const TargetHealth&, const TargetHealth&) = default;
};

// A target's health after one more check (ELB NLB guide, "Health check settings"): HealthyThresholdCount
// passes in a row make it healthy, UnhealthyThresholdCount failures in a row unhealthy; a new target stays
// initial ("Elb.InitialHealthChecking") until one of them is reached. `counters` carry the runs.
struct HealthCounters {
    int passes = 0, failures = 0;
};
TargetHealth after_health_check(const TargetHealth& current, HealthCounters& counters, bool passed, const HealthCheckSettings& settings);
// Whether an HTTP health check's status `code` is one the matcher accepts ("200-399", "200,302").
bool http_code_matches(const std::string& matcher, int code);

struct Target {
    std::string id;  // i-… (instance targets) or an IPv4 address (ip targets)
    int port = 0;
    std::string availability_zone;
    TargetHealth health;  // as the health checks last found it (the router's health checker keeps it)
    std::int64_t draining_until = 0;  // seconds since the epoch, while deregistration drains it
    bool draining() const { return draining_until != 0; }
};

struct TargetGroup : ResourceBase {  // id: the target group's ARN
    std::string name, protocol = "TCP", vpc_id, target_type = "instance";
    int port = 0;
    HealthCheckSettings health_check;
    // Attributes (ELB NLB guide, "Edit target group attributes"), with a network load balancer's defaults.
    int deregistration_delay = 300;      // deregistration_delay.timeout_seconds, 0 – 3600
    bool proxy_protocol_v2 = false;      // proxy_protocol_v2.enabled
    bool preserve_client_ip = true;      // preserve_client_ip.enabled: true for instance targets and UDP, else false
    bool connection_termination = false;  // deregistration_delay.connection_termination.enabled
    std::vector<Target> targets;         // registered, and deregistered ones while they drain
    std::string created_hex;             // the 16 hex digits of its ARN
    // "targetgroup/<name>/<16 hex>": TargetGroupFullName, as CloudWatch names it.
    std::string full_name() const { return "targetgroup/" + name + "/" + created_hex; }
};

struct LoadBalancer : ResourceBase {  // id: the load balancer's ARN
    std::string name, scheme = "internet-facing", vpc_id, type = "network", dns_name, created_time;
    std::string hex;  // the 16 hex digits of its ARN (and of its DNS name)
    // One node per enabled subnet (one per Availability Zone): a requester-managed ENI, in subnet order.
    std::vector<std::string> subnet_ids, network_interface_ids;
    std::vector<std::string> allocation_ids;  // per subnet: the Elastic IP given (SubnetMappings), or empty
    bool cross_zone = false;  // load_balancing.cross_zone.enabled
    bool deletion_protection = false;
    bool internet_facing() const { return scheme == "internet-facing"; }
    // "net/<name>/<16 hex>": LoadBalancerFullName.
    std::string full_name() const { return "net/" + name + "/" + hex; }
};

struct Listener : ResourceBase {  // id: the listener's ARN
    std::string load_balancer_arn, protocol = "TCP", target_group_arn;
    int port = 0;
};

// What create_target_group takes besides names (the API's optional parameters as given).
struct TargetGroupSpec {
    std::string name, protocol, vpc_id, target_type = "instance";
    int port = 0;
    HealthCheckSettings health_check;
    bool health_check_timeout_given = false;
};

// What create_load_balancer takes: subnets, or subnet mappings with an Elastic IP or private address each.
struct SubnetMapping {
    std::string subnet_id, allocation_id;
    std::optional<std::uint32_t> private_ip;
};

}  // namespace vpclab::routing
