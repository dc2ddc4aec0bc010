// The Traffic Mirroring family of the model: targets, filters and their rules, sessions, checked as the EC2 API
// checks them (EC2 API reference, "CreateTrafficMirrorTarget" … "DeleteTrafficMirrorSession"; Traffic
// Mirroring Guide, "Traffic mirror targets", "…filters", "…sessions", "Quotas"). Sources and the choices made
// where AWS does not say are in docs/traffic-mirroring.md.
#include "routing/vpc_model.hpp"

#include <algorithm>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

namespace {

template <class Items>
auto find_mut(Items& items, const std::string& id) -> decltype(&items.front()) {
    for (auto& item : items)
        if (item.id == id) return &item;
    return nullptr;
}

[[noreturn]] void not_found(const char* code, const char* what, const std::string& id, const char* parameter) {
    throw ApiError(code, std::string("The traffic mirror ") + what + " ID '" + id + "' does not exist", parameter);
}

void check_range(std::int64_t value, std::int64_t low, std::int64_t high, const char* parameter) {
    if (value < low || value > high)
        throw ApiError("InvalidParameterValue", std::string(parameter) + " " + std::to_string(value) + " is out of range: it must be " + std::to_string(low) +
                                                    " to " + std::to_string(high), parameter);
}

void check_network_services(const std::vector<std::string>& services, const char* parameter) {
    for (const auto& s : services)
        if (s != "amazon-dns")
            throw ApiError("InvalidParameterValue", "'" + s + "' is not a traffic mirror network service: the one there is is amazon-dns", parameter);
}

void check_port_range(const TrafficMirrorPortRange& r, const char* parameter) {
    if (r.from > r.to)
        throw ApiError("InvalidParameterValue", std::string(parameter) + ": FromPort " + std::to_string(r.from) + " is above ToPort " + std::to_string(r.to), parameter);
}

// Both CIDRs one family (BC, "ModifyTrafficMirrorFilterRule"); a lab is IPv4 only.
Cidr rule_cidr(const std::string& text, const char* parameter) {
    if (text.find(':') != std::string::npos)
        throw ApiError("InvalidParameterValue", std::string(parameter) + " '" + text + "' is IPv6: vpclab's VPCs are IPv4 only, so give an IPv4 CIDR", parameter);
    return parse_cidr_or_throw(text, parameter);
}

}  // namespace

const TrafficMirrorTarget& VpcModel::traffic_mirror_target(const std::string& id) const {
    if (auto* t = find_resource(traffic_mirror_targets_, id)) return *t;
    not_found("InvalidTrafficMirrorTargetId.NotFound", "target", id, "TrafficMirrorTargetId");
}
const TrafficMirrorFilter& VpcModel::traffic_mirror_filter(const std::string& id) const {
    if (auto* f = find_resource(traffic_mirror_filters_, id)) return *f;
    not_found("InvalidTrafficMirrorFilterId.NotFound", "filter", id, "TrafficMirrorFilterId");
}
const TrafficMirrorFilterRule& VpcModel::traffic_mirror_filter_rule(const std::string& id) const {
    for (const auto& f : traffic_mirror_filters_)
        for (const auto& r : f.rules)
            if (r.id == id) return r;
    not_found("InvalidTrafficMirrorFilterRuleId.NotFound", "filter rule", id, "TrafficMirrorFilterRuleId");
}
const TrafficMirrorSession& VpcModel::traffic_mirror_session(const std::string& id) const {
    if (auto* s = find_resource(traffic_mirror_sessions_, id)) return *s;
    not_found("InvalidTrafficMirrorSessionId.NotFound", "session", id, "TrafficMirrorSessionId");
}

TrafficMirrorTarget& VpcModel::create_traffic_mirror_target(const std::string& logical_id, const std::string& network_interface_id,
                                                            const std::string& network_load_balancer_arn, std::string description, std::vector<Tag> tags) {
    if (network_interface_id.empty() == network_load_balancer_arn.empty())
        throw ApiError(network_interface_id.empty() ? "MissingParameter" : "InvalidParameterCombination",
                       "A traffic mirror target is one network interface (NetworkInterfaceId) or one network load balancer (NetworkLoadBalancerArn)",
                       network_interface_id.empty() ? "NetworkInterfaceId" : "NetworkLoadBalancerArn");
    if (traffic_mirror_targets_.size() >= traffic_mirror_resources)
        throw ApiError("TrafficMirrorTargetLimitExceeded", "The account has " + std::to_string(traffic_mirror_resources) + " traffic mirror targets already");
    if (!network_interface_id.empty()) {
        const NetworkInterface& e = network_interface(network_interface_id);
        if (e.requester_managed())
            throw ApiError("NetworkInterfaceNotSupported", "The network interface '" + e.id + "' is managed by AWS (" + e.description +
                                                               "): a traffic mirror target is an instance's network interface or a network load balancer", "NetworkInterfaceId");
        // Traffic Mirroring Guide, "Considerations": an ENI cannot be a target and a source at once.
        for (const auto& s : traffic_mirror_sessions_)
            if (s.network_interface_id == e.id)
                throw ApiError("InvalidParameterCombination", "The network interface '" + e.id + "' is the source of traffic mirror session " + s.id +
                                                                  ": an interface cannot be a traffic mirror target and a source at once", "NetworkInterfaceId");
    } else {
        const LoadBalancer& lb = load_balancer(network_load_balancer_arn);
        if (lb.type != "network")
            throw ApiError("InvalidParameterValue", "'" + network_load_balancer_arn + "' is not a network load balancer", "NetworkLoadBalancerArn");
    }
    TrafficMirrorTarget t;
    t.logical_id = logical_id;
    t.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    t.id = new_id("tmt", logical_id);
    t.tags = std::move(tags);
    t.network_interface_id = network_interface_id;
    t.network_load_balancer_arn = network_load_balancer_arn;
    t.description = std::move(description);
    traffic_mirror_targets_.push_back(std::move(t));
    return traffic_mirror_targets_.back();
}

void VpcModel::delete_traffic_mirror_target(const std::string& id) {
    traffic_mirror_target(id);
    for (const auto& s : traffic_mirror_sessions_)
        if (s.target_id == id)
            throw ApiError("TrafficMirrorTargetInUseException", "The traffic mirror target '" + id + "' is in use by traffic mirror session " + s.id +
                                                                    ": delete or modify the session first", "TrafficMirrorTargetId");
    std::erase_if(traffic_mirror_targets_, [&](const TrafficMirrorTarget& t) { return t.id == id; });
}

TrafficMirrorFilter& VpcModel::create_traffic_mirror_filter(const std::string& logical_id, std::string description,
                                                            const std::vector<std::string>& network_services, std::vector<Tag> tags) {
    check_network_services(network_services, "NetworkServices");
    if (traffic_mirror_filters_.size() >= traffic_mirror_resources)
        throw ApiError("TrafficMirrorFilterLimitExceeded", "The account has " + std::to_string(traffic_mirror_resources) + " traffic mirror filters already");
    TrafficMirrorFilter f;
    f.logical_id = logical_id;
    f.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    f.id = new_id("tmf", logical_id);
    f.tags = std::move(tags);
    f.description = std::move(description);
    f.amazon_dns = !network_services.empty();
    traffic_mirror_filters_.push_back(std::move(f));
    return traffic_mirror_filters_.back();
}

void VpcModel::delete_traffic_mirror_filter(const std::string& id) {
    traffic_mirror_filter(id);
    for (const auto& s : traffic_mirror_sessions_)
        if (s.filter_id == id)
            throw ApiError("TrafficMirrorFilterInUse", "The traffic mirror filter '" + id + "' is in use by traffic mirror session " + s.id +
                                                           ": delete or modify the session first", "TrafficMirrorFilterId");
    std::erase_if(traffic_mirror_filters_, [&](const TrafficMirrorFilter& f) { return f.id == id; });
}

const TrafficMirrorFilter& VpcModel::modify_traffic_mirror_filter_network_services(const std::string& id, const std::vector<std::string>& add,
                                                                                  const std::vector<std::string>& remove) {
    traffic_mirror_filter(id);
    check_network_services(add, "AddNetworkServices");
    check_network_services(remove, "RemoveNetworkServices");
    TrafficMirrorFilter& f = *find_mut(traffic_mirror_filters_, id);
    if (!add.empty()) f.amazon_dns = true;
    if (!remove.empty()) f.amazon_dns = false;
    return f;
}

namespace {

// The rule `spec` makes of `rule` (a new one, or one modified), checked whole before the model changes.
TrafficMirrorFilterRule apply_rule_spec(TrafficMirrorFilterRule rule, const TrafficMirrorRuleSpec& spec) {
    if (spec.traffic_direction) {
        if (*spec.traffic_direction != "ingress" && *spec.traffic_direction != "egress")
            throw ApiError("InvalidParameterValue", "TrafficDirection must be ingress or egress, not '" + *spec.traffic_direction + "'", "TrafficDirection");
        rule.ingress = *spec.traffic_direction == "ingress";
    }
    if (spec.rule_number) {
        // Not documented; vpclab takes network ACLs' range (docs/traffic-mirroring.md §3b).
        check_range(*spec.rule_number, 1, 32766, "RuleNumber");
        rule.rule_number = *spec.rule_number;
    }
    if (spec.rule_action) {
        if (*spec.rule_action != "accept" && *spec.rule_action != "reject")
            throw ApiError("InvalidParameterValue", "RuleAction must be accept or reject, not '" + *spec.rule_action + "'", "RuleAction");
        rule.accept = *spec.rule_action == "accept";
    }
    if (spec.protocol) {
        check_range(*spec.protocol, 0, 255, "Protocol");
        rule.protocol = *spec.protocol;
    }
    if (spec.remove_protocol) rule.protocol.reset();
    if (spec.destination_ports) {
        check_port_range(*spec.destination_ports, "DestinationPortRange");
        rule.destination_ports = *spec.destination_ports;
    }
    if (spec.remove_destination_ports) rule.destination_ports.reset();
    if (spec.source_ports) {
        check_port_range(*spec.source_ports, "SourcePortRange");
        rule.source_ports = *spec.source_ports;
    }
    if (spec.remove_source_ports) rule.source_ports.reset();
    if (spec.destination_cidr) rule.destination = rule_cidr(*spec.destination_cidr, "DestinationCidrBlock");
    if (spec.source_cidr) rule.source = rule_cidr(*spec.source_cidr, "SourceCidrBlock");
    if (spec.description) rule.description = *spec.description;
    if (spec.remove_description) rule.description.clear();
    // BC, "TrafficMirrorPortRange": ranges apply to TCP and UDP.
    const bool ported = !rule.protocol || *rule.protocol == 6 || *rule.protocol == 17;
    if (!ported && (rule.destination_ports || rule.source_ports))
        throw ApiError("InvalidParameterCombination", "Port ranges apply to TCP (6) and UDP (17) only, not to protocol " + std::to_string(*rule.protocol),
                       rule.destination_ports ? "DestinationPortRange" : "SourcePortRange");
    return rule;
}

void sort_rules(std::vector<TrafficMirrorFilterRule>& rules) {
    std::stable_sort(rules.begin(), rules.end(), [](const TrafficMirrorFilterRule& a, const TrafficMirrorFilterRule& b) {
        return a.ingress != b.ingress ? a.ingress : a.rule_number < b.rule_number;
    });
}

void check_rule_number_free(const TrafficMirrorFilter& f, const TrafficMirrorFilterRule& rule) {
    for (const auto& r : f.rules)
        if (r.id != rule.id && r.ingress == rule.ingress && r.rule_number == rule.rule_number)
            throw ApiError("TrafficMirrorFilterRuleAlreadyExists", "The traffic mirror filter '" + f.id + "' has " + (rule.ingress ? "an ingress" : "an egress") +
                                                                       " rule numbered " + std::to_string(rule.rule_number) + " already (" + r.id + ")", "RuleNumber");
}

}  // namespace

const TrafficMirrorFilterRule& VpcModel::create_traffic_mirror_filter_rule(const std::string& logical_id, const std::string& filter_id,
                                                                          const TrafficMirrorRuleSpec& spec) {
    const TrafficMirrorFilter& filter = traffic_mirror_filter(filter_id);
    for (auto [given, name] : {std::pair{spec.traffic_direction.has_value(), "TrafficDirection"}, {spec.rule_number.has_value(), "RuleNumber"},
                               {spec.rule_action.has_value(), "RuleAction"}, {spec.destination_cidr.has_value(), "DestinationCidrBlock"},
                               {spec.source_cidr.has_value(), "SourceCidrBlock"}})
        if (!given) throw ApiError("MissingParameter", std::string("The request must contain the parameter ") + name, name);
    TrafficMirrorFilterRule rule = apply_rule_spec({}, spec);
    if (filter.rules.size() >= traffic_mirror_rules_per_filter)
        throw ApiError("TrafficMirrorFilterRuleLimitExceeded", "The traffic mirror filter '" + filter.id + "' has " +
                                                                   std::to_string(traffic_mirror_rules_per_filter) + " rules already (the quota)", "TrafficMirrorFilterId");
    check_rule_number_free(filter, rule);
    rule.logical_id = logical_id;
    rule.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    rule.id = new_id("tmfr", logical_id);
    rule.filter_id = filter.id;
    TrafficMirrorFilter& f = *find_mut(traffic_mirror_filters_, filter_id);
    const std::string id = rule.id;
    f.rules.push_back(std::move(rule));
    sort_rules(f.rules);
    return traffic_mirror_filter_rule(id);
}

const TrafficMirrorFilterRule& VpcModel::modify_traffic_mirror_filter_rule(const std::string& rule_id, const TrafficMirrorRuleSpec& spec) {
    const TrafficMirrorFilterRule& old = traffic_mirror_filter_rule(rule_id);
    TrafficMirrorFilterRule rule = apply_rule_spec(old, spec);
    TrafficMirrorFilter& f = *find_mut(traffic_mirror_filters_, old.filter_id);
    check_rule_number_free(f, rule);
    for (auto& r : f.rules)
        if (r.id == rule_id) r = std::move(rule);
    sort_rules(f.rules);
    return traffic_mirror_filter_rule(rule_id);
}

void VpcModel::delete_traffic_mirror_filter_rule(const std::string& rule_id) {
    const std::string filter_id = traffic_mirror_filter_rule(rule_id).filter_id;
    std::erase_if(find_mut(traffic_mirror_filters_, filter_id)->rules, [&](const TrafficMirrorFilterRule& r) { return r.id == rule_id; });
}

namespace {
// The VNI a session gets when none is given: unique among the lab's sessions ("an account-wide unique id
// is chosen at random", BC), drawn from its ID so that a template's sessions keep theirs.
std::uint32_t free_virtual_network_id(const std::string& session_id, const std::vector<TrafficMirrorSession>& sessions) {
    std::uint32_t h = 2166136261u;
    for (unsigned char c : session_id) h = (h ^ c) * 16777619u;
    for (std::uint32_t candidate = h & 0xffffff;; candidate = (candidate + 1) & 0xffffff) {
        const bool taken = std::any_of(sessions.begin(), sessions.end(), [&](const TrafficMirrorSession& s) { return s.virtual_network_id == candidate && s.id != session_id; });
        if (!taken && candidate != 0) return candidate;
    }
}
}  // namespace

TrafficMirrorSession& VpcModel::create_traffic_mirror_session(const std::string& logical_id, const TrafficMirrorSessionSpec& spec, std::vector<Tag> tags) {
    for (auto [given, name] : {std::pair{spec.network_interface_id.has_value(), "NetworkInterfaceId"}, {spec.target_id.has_value(), "TrafficMirrorTargetId"},
                               {spec.filter_id.has_value(), "TrafficMirrorFilterId"}, {spec.session_number.has_value(), "SessionNumber"}})
        if (!given) throw ApiError("MissingParameter", std::string("The request must contain the parameter ") + name, name);
    if (traffic_mirror_sessions_.size() >= traffic_mirror_resources)
        throw ApiError("TrafficMirrorSessionLimitExceeded", "The account has " + std::to_string(traffic_mirror_resources) + " traffic mirror sessions already");
    TrafficMirrorSession s;
    s.network_interface_id = *spec.network_interface_id;
    s.id = new_id("tms", logical_id);
    TrafficMirrorSession checked = checked_session(std::move(s), spec);
    checked.logical_id = logical_id;
    checked.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    checked.tags = std::move(tags);
    traffic_mirror_sessions_.push_back(std::move(checked));
    return traffic_mirror_sessions_.back();
}

const TrafficMirrorSession& VpcModel::modify_traffic_mirror_session(const std::string& id, const TrafficMirrorSessionSpec& spec) {
    const TrafficMirrorSession& old = traffic_mirror_session(id);
    if (spec.network_interface_id && *spec.network_interface_id != old.network_interface_id)
        throw ApiError("InvalidParameterValue", "A traffic mirror session's source network interface cannot change: make a new session", "NetworkInterfaceId");
    TrafficMirrorSession s = checked_session(old, spec);
    *find_mut(traffic_mirror_sessions_, id) = std::move(s);
    return traffic_mirror_session(id);
}

TrafficMirrorSession VpcModel::checked_session(TrafficMirrorSession s, const TrafficMirrorSessionSpec& spec) const {
    const NetworkInterface& source = network_interface(s.network_interface_id);
    if (source.requester_managed())
        throw ApiError("NetworkInterfaceNotSupported", "The network interface '" + source.id + "' is managed by AWS (" + source.description +
                                                           "): a traffic mirror source is an instance's network interface", "NetworkInterfaceId");
    if (spec.target_id) s.target_id = traffic_mirror_target(*spec.target_id).id;
    if (spec.filter_id) s.filter_id = traffic_mirror_filter(*spec.filter_id).id;
    if (spec.session_number) {
        check_range(*spec.session_number, 1, 32766, "SessionNumber");
        s.session_number = *spec.session_number;
    }
    if (spec.packet_length) {
        // Not documented; vpclab takes a length up to the largest frame an ENI sends (9001-byte MTU plus its
        // Ethernet header): docs/traffic-mirroring.md §3a.
        check_range(*spec.packet_length, 1, 9015, "PacketLength");
        s.packet_length = *spec.packet_length;
    }
    if (spec.remove_packet_length) s.packet_length.reset();
    if (spec.description) s.description = *spec.description;
    if (spec.remove_description) s.description.clear();
    if (spec.virtual_network_id) {
        check_range(*spec.virtual_network_id, 0, 0xffffff, "VirtualNetworkId");  // RFC 7348 §5: a 24-bit VNI
        s.virtual_network_id = static_cast<std::uint32_t>(*spec.virtual_network_id);
    } else if (s.virtual_network_id == 0 || spec.remove_virtual_network_id) {
        s.virtual_network_id = free_virtual_network_id(s.id, traffic_mirror_sessions_);
    }
    // Traffic Mirroring Guide, "Considerations": a target cannot be a source as well.
    const TrafficMirrorTarget& target = traffic_mirror_target(s.target_id);
    if (target.network_interface_id == source.id)
        throw ApiError("InvalidParameterCombination", "The network interface '" + source.id + "' is traffic mirror target " + target.id +
                                                          ": it cannot be a session's source as well", "NetworkInterfaceId");
    // BC, "ModifyTrafficMirrorSession": the target is in the source's VPC or one peered with it.
    const std::string target_vpc = !target.network_interface_id.empty() ? network_interface(target.network_interface_id).vpc_id
                                                                        : load_balancer(target.network_load_balancer_arn).vpc_id;
    if (target_vpc != source.vpc_id && !active_peering(target_vpc, source.vpc_id))
        throw ApiError("InvalidParameterValue", "Traffic mirror target " + target.id + " is in " + target_vpc + ", the source " + source.id + " in " + source.vpc_id +
                                                    ": the target must be in the source's VPC or in a VPC peered with it", "TrafficMirrorTargetId");
    // Traffic Mirroring Guide, "Quotas": 3 sessions per source interface; the number orders them, so it is
    // unique on the interface.
    std::size_t on_source = 0;
    for (const auto& other : traffic_mirror_sessions_) {
        if (other.network_interface_id != source.id || other.id == s.id) continue;
        ++on_source;
        if (other.session_number == s.session_number)
            throw ApiError("InvalidParameterValue", "Traffic mirror session " + other.id + " on " + source.id + " has session number " +
                                                        std::to_string(s.session_number) + " already: each session on an interface has its own number", "SessionNumber");
    }
    if (on_source >= traffic_mirror_sessions_per_interface)
        throw ApiError("TrafficMirrorSessionsPerInterfaceLimitExceeded", "The network interface '" + source.id + "' is the source of " +
                                                                             std::to_string(traffic_mirror_sessions_per_interface) + " traffic mirror sessions already (the quota)", "NetworkInterfaceId");
    return s;
}

void VpcModel::delete_traffic_mirror_session(const std::string& id) {
    traffic_mirror_session(id);
    std::erase_if(traffic_mirror_sessions_, [&](const TrafficMirrorSession& s) { return s.id == id; });
}

void VpcModel::forget_traffic_mirror_source(const std::string& network_interface_id) {
    // Traffic Mirroring Guide, "Considerations": deleting a source's network interface deletes its sessions.
    std::erase_if(traffic_mirror_sessions_, [&](const TrafficMirrorSession& s) { return s.network_interface_id == network_interface_id; });
}

}  // namespace vpclab::routing
