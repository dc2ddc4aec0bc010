// VPC Traffic Mirroring's resources in the model: targets, filters with their rules, sessions (Traffic Mirroring
// Guide; EC2 API reference, "CreateTrafficMirrorTarget", "…Filter", "…FilterRule", "…Session"). What AWS does
// with them, with sources, is in docs/traffic-mirroring.md; the data path's copy is
// router/data_path/handlers/traffic_mirror.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "routing/ipv4_cidr.hpp"
#include "routing/resource_base.hpp"

namespace vpclab::routing {

// Where mirrored packets go: an ENI (a monitoring instance's) or a network load balancer (its UDP 4789
// listener's targets).
struct TrafficMirrorTarget : ResourceBase {
    std::string network_interface_id;
    std::string network_load_balancer_arn;
    std::string description;
    // "network-interface" or "network-load-balancer" (the API's TrafficMirrorTargetType).
    const char* type() const { return network_interface_id.empty() ? "network-load-balancer" : "network-interface"; }
};

// An inclusive port range; unset in a rule: any port (it applies to TCP and UDP only).
struct TrafficMirrorPortRange {
    std::uint16_t from = 0, to = 65535;
    friend bool operator==(const TrafficMirrorPortRange&, const TrafficMirrorPortRange&) = default;
};

// One rule of a filter: rules are evaluated by ascending number in their direction, the first that matches
// decides; none matches: not mirrored (Traffic Mirroring Guide, "Traffic mirror filters").
struct TrafficMirrorFilterRule {
    std::string id;         // tmfr-…
    std::string logical_id;  // a template's AWS::EC2::TrafficMirrorFilterRule
    std::string cloudformation_stack_id;
    std::string filter_id;
    bool ingress = true;    // TrafficDirection: ingress (into the source ENI) or egress (out of it)
    int rule_number = 0;    // 1-32766, unique per direction
    bool accept = true;     // RuleAction accept | reject
    std::optional<int> protocol;  // IANA number; unset: every protocol
    std::optional<TrafficMirrorPortRange> destination_ports, source_ports;
    Cidr destination, source;
    std::string description;
};

struct TrafficMirrorFilter : ResourceBase {
    std::string description;
    // NetworkServices "amazon-dns": traffic to and from the Amazon DNS server is mirrored (it never is
    // otherwise, whatever the rules say).
    bool amazon_dns = false;
    std::vector<TrafficMirrorFilterRule> rules;  // both directions, each direction by ascending rule number
};

// Mirrors what a source ENI sends and receives, as its filter selects, to a target, VXLAN-encapsulated.
struct TrafficMirrorSession : ResourceBase {
    std::string network_interface_id;  // the source
    std::string target_id, filter_id;
    int session_number = 1;                // 1-32766: the lowest-numbered session whose filter accepts a packet mirrors it
    std::optional<int> packet_length;      // bytes after the VXLAN header; unset: the whole packet
    std::uint32_t virtual_network_id = 0;  // the VXLAN VNI (24 bits)
    std::string description;
};

// What CreateTrafficMirrorFilterRule / ModifyTrafficMirrorFilterRule / AWS::EC2::TrafficMirrorFilterRule give.
// Modify: only what is set changes; `remove_*` resets that field to its default (RemoveFields).
struct TrafficMirrorRuleSpec {
    std::optional<std::string> traffic_direction;  // "ingress" | "egress"
    std::optional<int> rule_number;
    std::optional<std::string> rule_action;        // "accept" | "reject"
    std::optional<int> protocol;
    std::optional<TrafficMirrorPortRange> destination_ports, source_ports;
    std::optional<std::string> destination_cidr, source_cidr;
    std::optional<std::string> description;
    bool remove_protocol = false, remove_destination_ports = false, remove_source_ports = false, remove_description = false;
};

// What CreateTrafficMirrorSession / ModifyTrafficMirrorSession / AWS::EC2::TrafficMirrorSession give.
struct TrafficMirrorSessionSpec {
    std::optional<std::string> network_interface_id;  // create only
    std::optional<std::string> target_id, filter_id;
    std::optional<int> session_number;
    std::optional<int> packet_length;
    std::optional<std::int64_t> virtual_network_id;
    std::optional<std::string> description;
    bool remove_packet_length = false, remove_virtual_network_id = false, remove_description = false;
};

}  // namespace vpclab::routing
