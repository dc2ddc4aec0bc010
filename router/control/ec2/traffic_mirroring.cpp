// The Traffic Mirroring family of the EC2 API: targets, filters and their rules, sessions (EC2 API reference, "CreateTrafficMirrorTarget" … "DeleteTrafficMirrorSession"; docs/traffic-mirroring.md).
#include "router/control/ec2/family.hpp"

#include "routing/traffic_mirroring.hpp"

namespace vpclab::router::ec2 {

namespace {

// Member order of the EC2 API's TrafficMirrorTarget shape; what is not set is left out, as the aws CLI's
// examples show it (describe-traffic-mirror-targets: an NLB target has no NetworkInterfaceId).
json target_json(const routing::VpcModel& m, const routing::TrafficMirrorTarget& t) {
    json j = json::object();
    j["TrafficMirrorTargetId"] = t.id;
    if (!t.network_interface_id.empty()) j["NetworkInterfaceId"] = t.network_interface_id;
    if (!t.network_load_balancer_arn.empty()) j["NetworkLoadBalancerArn"] = t.network_load_balancer_arn;
    j["Type"] = t.type();
    if (!t.description.empty()) j["Description"] = t.description;
    j["OwnerId"] = owner_id;
    j["Tags"] = tags_json(m, t);
    return j;
}

// TrafficMirrorPortRange: FromPort, ToPort.
json port_range_json(const routing::TrafficMirrorPortRange& r) {
    json j = json::object();
    j["FromPort"] = r.from;
    j["ToPort"] = r.to;
    return j;
}

// Member order of the EC2 API's TrafficMirrorFilterRule shape (botocore 1.29: no Tags); a rule with no
// protocol or ports has no Protocol or *PortRange (awscli example create-traffic-mirror-filter-rule).
json rule_json(const routing::TrafficMirrorFilterRule& r) {
    json j = json::object();
    j["TrafficMirrorFilterRuleId"] = r.id;
    j["TrafficMirrorFilterId"] = r.filter_id;
    j["TrafficDirection"] = r.ingress ? "ingress" : "egress";
    j["RuleNumber"] = r.rule_number;
    j["RuleAction"] = r.accept ? "accept" : "reject";
    if (r.protocol) j["Protocol"] = *r.protocol;
    if (r.destination_ports) j["DestinationPortRange"] = port_range_json(*r.destination_ports);
    if (r.source_ports) j["SourcePortRange"] = port_range_json(*r.source_ports);
    j["DestinationCidrBlock"] = r.destination.to_string();
    j["SourceCidrBlock"] = r.source.to_string();
    if (!r.description.empty()) j["Description"] = r.description;
    return j;
}

// Member order of the EC2 API's TrafficMirrorFilter shape: its rules split by direction, each in the
// model's order (ascending rule number).
json filter_json(const routing::VpcModel& m, const routing::TrafficMirrorFilter& f) {
    json ingress = json::array(), egress = json::array();
    for (const auto& r : f.rules) (r.ingress ? ingress : egress).push_back(rule_json(r));
    json services = json::array();
    if (f.amazon_dns) services.push_back("amazon-dns");
    json j = json::object();
    j["TrafficMirrorFilterId"] = f.id;
    j["IngressFilterRules"] = std::move(ingress);
    j["EgressFilterRules"] = std::move(egress);
    j["NetworkServices"] = std::move(services);
    if (!f.description.empty()) j["Description"] = f.description;
    j["Tags"] = tags_json(m, f);
    return j;
}

// Member order of the EC2 API's TrafficMirrorSession shape; a whole-packet session has no PacketLength
// (awscli example describe-traffic-mirror-sessions). Every session has a VNI (the model picks one).
json session_json(const routing::VpcModel& m, const routing::TrafficMirrorSession& s) {
    json j = json::object();
    j["TrafficMirrorSessionId"] = s.id;
    j["TrafficMirrorTargetId"] = s.target_id;
    j["TrafficMirrorFilterId"] = s.filter_id;
    j["NetworkInterfaceId"] = s.network_interface_id;
    j["OwnerId"] = owner_id;
    if (s.packet_length) j["PacketLength"] = *s.packet_length;
    j["SessionNumber"] = s.session_number;
    j["VirtualNetworkId"] = s.virtual_network_id;
    if (!s.description.empty()) j["Description"] = s.description;
    j["Tags"] = tags_json(m, s);
    return j;
}

// A create call's reply: the resource, then ClientToken when the caller gave one (the API's output shapes).
json created(const char* member, json resource, const Request& params) {
    json out = json::object();
    out[member] = std::move(resource);
    if (params.contains("ClientToken")) out["ClientToken"] = string_param(params, "ClientToken");
    return out;
}

// TrafficMirrorPortRangeRequest (--destination-port-range FromPort=80,ToPort=80): both members, 0-65535.
// Whether FromPort <= ToPort is the model's check.
std::optional<routing::TrafficMirrorPortRange> port_range_param(const Request& params, const char* name) {
    const Request* list = structures_param(params, name);
    if (!list) return std::nullopt;
    const Request& r = single_structure(*list);
    if (!r.is_object()) throw ApiError("InvalidParameterValue", std::string(name) + " must be a structure of FromPort and ToPort", name);
    for (auto it = r.begin(); it != r.end(); ++it)
        if (it.key() != "FromPort" && it.key() != "ToPort")
            throw ApiError("InvalidParameterValue", std::string(name) + " has no member " + it.key() + " (it takes FromPort, ToPort)", name);
    const auto from = int_param(r, "FromPort"), to = int_param(r, "ToPort");
    if (!from || !to) throw ApiError("MissingParameter", std::string(name) + " needs both FromPort and ToPort", name);
    for (const int port : {*from, *to})
        if (port > 65535)
            throw ApiError("InvalidParameterValue", "Value (" + std::to_string(port) + ") for parameter " + name + " is invalid: a port is 0 to 65535", name);
    return routing::TrafficMirrorPortRange{static_cast<std::uint16_t>(*from), static_cast<std::uint16_t>(*to)};
}

std::optional<std::string> optional_string(const Request& params, const char* name) {
    if (!params.contains(name)) return std::nullopt;
    return string_param(params, name);
}

// The members CreateTrafficMirrorFilterRule and ModifyTrafficMirrorFilterRule share; their values are the
// model's to check (direction and action words, numbers, CIDRs).
routing::TrafficMirrorRuleSpec rule_spec(const Request& params) {
    routing::TrafficMirrorRuleSpec spec;
    spec.traffic_direction = optional_string(params, "TrafficDirection");
    spec.rule_number = int_param(params, "RuleNumber");
    spec.rule_action = optional_string(params, "RuleAction");
    spec.protocol = int_param(params, "Protocol");
    spec.destination_ports = port_range_param(params, "DestinationPortRange");
    spec.source_ports = port_range_param(params, "SourcePortRange");
    spec.destination_cidr = optional_string(params, "DestinationCidrBlock");
    spec.source_cidr = optional_string(params, "SourceCidrBlock");
    spec.description = optional_string(params, "Description");
    return spec;
}

// RemoveFields' values name what goes back to its default (enums TrafficMirrorFilterRuleField and
// TrafficMirrorSessionField); any other value is refused, naming it.
[[noreturn]] void unknown_field(const std::string& value, const char* expected) {
    throw ApiError("InvalidParameterValue", "Value (" + value + ") for parameter RemoveFields is invalid. Expected: " + expected, "RemoveFields");
}

// --- targets ---

json create_traffic_mirror_target(const Request& params, RouterState& state) {
    // A Gateway Load Balancer endpoint target: vpclab has no Gateway Load Balancers.
    if (params.contains("GatewayLoadBalancerEndpointId"))
        throw ApiError("UnsupportedOperation",
                       "GatewayLoadBalancerEndpointId is not supported: vpclab has no Gateway Load Balancers (give NetworkInterfaceId or NetworkLoadBalancerArn)",
                       "GatewayLoadBalancerEndpointId");
    const auto tags = tags_for(params, "traffic-mirror-target");
    return state.commit([&](routing::VpcModel& next) {
        const auto& t = next.create_traffic_mirror_target("", string_param(params, "NetworkInterfaceId"), string_param(params, "NetworkLoadBalancerArn"),
                                                          string_param(params, "Description"), tags);
        return created("TrafficMirrorTarget", target_json(next, t), params);
    });
}

json describe_traffic_mirror_targets(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"TrafficMirrorTargets", describe(m.traffic_mirror_targets(), params, "TrafficMirrorTargetIds", "InvalidTrafficMirrorTargetId.NotFound",
                                              "traffic mirror target", [&](const auto& t) { return target_json(m, t); })}};
}

json delete_traffic_mirror_target(const Request& params, RouterState& state) {
    const std::string id = string_param(params, "TrafficMirrorTargetId");
    state.commit([&](routing::VpcModel& next) {
        next.delete_traffic_mirror_target(id);
        return 0;
    });
    return {{"TrafficMirrorTargetId", id}};
}

// --- filters ---

json create_traffic_mirror_filter(const Request& params, RouterState& state) {
    const auto tags = tags_for(params, "traffic-mirror-filter");
    return state.commit([&](routing::VpcModel& next) {
        const auto& f = next.create_traffic_mirror_filter("", string_param(params, "Description"), {}, tags);
        return created("TrafficMirrorFilter", filter_json(next, f), params);
    });
}

json describe_traffic_mirror_filters(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"TrafficMirrorFilters", describe(m.traffic_mirror_filters(), params, "TrafficMirrorFilterIds", "InvalidTrafficMirrorFilterId.NotFound",
                                              "traffic mirror filter", [&](const auto& f) { return filter_json(m, f); })}};
}

json modify_traffic_mirror_filter_network_services(const Request& params, RouterState& state) {
    const std::string id = string_param(params, "TrafficMirrorFilterId");
    const auto add = list_param(params, "AddNetworkServices"), remove = list_param(params, "RemoveNetworkServices");
    return state.commit([&](routing::VpcModel& next) {
        const auto& f = next.modify_traffic_mirror_filter_network_services(id, add, remove);
        return json{{"TrafficMirrorFilter", filter_json(next, f)}};
    });
}

json delete_traffic_mirror_filter(const Request& params, RouterState& state) {
    const std::string id = string_param(params, "TrafficMirrorFilterId");
    state.commit([&](routing::VpcModel& next) {
        next.delete_traffic_mirror_filter(id);
        return 0;
    });
    return {{"TrafficMirrorFilterId", id}};
}

// --- filter rules ---

json create_traffic_mirror_filter_rule(const Request& params, RouterState& state) {
    const auto spec = rule_spec(params);
    const std::string filter = string_param(params, "TrafficMirrorFilterId");
    return state.commit([&](routing::VpcModel& next) {
        const auto& r = next.create_traffic_mirror_filter_rule("", filter, spec);
        return created("TrafficMirrorFilterRule", rule_json(r), params);
    });
}

json modify_traffic_mirror_filter_rule(const Request& params, RouterState& state) {
    auto spec = rule_spec(params);
    for (const auto& field : list_param(params, "RemoveFields")) {
        if (field == "destination-port-range") spec.remove_destination_ports = true;
        else if (field == "source-port-range") spec.remove_source_ports = true;
        else if (field == "protocol") spec.remove_protocol = true;
        else if (field == "description") spec.remove_description = true;
        else unknown_field(field, "'destination-port-range', 'source-port-range', 'protocol' or 'description'.");
    }
    const std::string id = string_param(params, "TrafficMirrorFilterRuleId");
    return state.commit([&](routing::VpcModel& next) {
        return json{{"TrafficMirrorFilterRule", rule_json(next.modify_traffic_mirror_filter_rule(id, spec))}};
    });
}

json delete_traffic_mirror_filter_rule(const Request& params, RouterState& state) {
    const std::string id = string_param(params, "TrafficMirrorFilterRuleId");
    state.commit([&](routing::VpcModel& next) {
        next.delete_traffic_mirror_filter_rule(id);
        return 0;
    });
    return {{"TrafficMirrorFilterRuleId", id}};
}

// --- sessions ---

// The members CreateTrafficMirrorSession and ModifyTrafficMirrorSession share (the source ENI is create's only).
routing::TrafficMirrorSessionSpec session_spec(const Request& params) {
    routing::TrafficMirrorSessionSpec spec;
    spec.target_id = optional_string(params, "TrafficMirrorTargetId");
    spec.filter_id = optional_string(params, "TrafficMirrorFilterId");
    spec.session_number = int_param(params, "SessionNumber");
    spec.packet_length = int_param(params, "PacketLength");
    if (const auto vni = int_param(params, "VirtualNetworkId")) spec.virtual_network_id = *vni;
    spec.description = optional_string(params, "Description");
    return spec;
}

json create_traffic_mirror_session(const Request& params, RouterState& state) {
    auto spec = session_spec(params);
    spec.network_interface_id = string_param(params, "NetworkInterfaceId");
    const auto tags = tags_for(params, "traffic-mirror-session");
    return state.commit([&](routing::VpcModel& next) {
        const auto& s = next.create_traffic_mirror_session("", spec, tags);
        return created("TrafficMirrorSession", session_json(next, s), params);
    });
}

json describe_traffic_mirror_sessions(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"TrafficMirrorSessions", describe(m.traffic_mirror_sessions(), params, "TrafficMirrorSessionIds", "InvalidTrafficMirrorSessionId.NotFound",
                                               "traffic mirror session", [&](const auto& s) { return session_json(m, s); })}};
}

json modify_traffic_mirror_session(const Request& params, RouterState& state) {
    auto spec = session_spec(params);
    for (const auto& field : list_param(params, "RemoveFields")) {
        if (field == "packet-length") spec.remove_packet_length = true;
        else if (field == "description") spec.remove_description = true;
        else if (field == "virtual-network-id") spec.remove_virtual_network_id = true;
        else unknown_field(field, "'packet-length', 'description' or 'virtual-network-id'.");
    }
    const std::string id = string_param(params, "TrafficMirrorSessionId");
    return state.commit([&](routing::VpcModel& next) {
        const auto& s = next.modify_traffic_mirror_session(id, spec);
        return json{{"TrafficMirrorSession", session_json(next, s)}};
    });
}

json delete_traffic_mirror_session(const Request& params, RouterState& state) {
    const std::string id = string_param(params, "TrafficMirrorSessionId");
    state.commit([&](routing::VpcModel& next) {
        next.delete_traffic_mirror_session(id);
        return 0;
    });
    return {{"TrafficMirrorSessionId", id}};
}

// The members both rule calls take besides the IDs (the aws CLI's options for them).
std::vector<ParamSpec> rule_params(bool create) {
    std::vector<ParamSpec> p = {{"--traffic-direction", "TrafficDirection", K::string, create},
                                {"--rule-number", "RuleNumber", K::string, create},
                                {"--rule-action", "RuleAction", K::string, create},
                                {"--destination-port-range", "DestinationPortRange", K::structures, false},
                                {"--source-port-range", "SourcePortRange", K::structures, false},
                                {"--protocol", "Protocol", K::string, false},
                                {"--destination-cidr-block", "DestinationCidrBlock", K::string, create},
                                {"--source-cidr-block", "SourceCidrBlock", K::string, create},
                                {"--description", "Description", K::string, false}};
    p.insert(p.begin(), create ? ParamSpec{"--traffic-mirror-filter-id", "TrafficMirrorFilterId", K::string, true}
                               : ParamSpec{"--traffic-mirror-filter-rule-id", "TrafficMirrorFilterRuleId", K::string, true});
    if (create) p.push_back({"--client-token", "ClientToken", K::string, false});
    else p.push_back({"--remove-fields", "RemoveFields", K::list, false});
    return p;
}

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> traffic_mirroring_actions() {
    using namespace ec2;
    return {
        {"create-traffic-mirror-target", "CreateTrafficMirrorTarget", "create where mirrored traffic goes: an ENI or a network load balancer",
         {{"--network-interface-id", "NetworkInterfaceId", K::string, false},
          {"--network-load-balancer-arn", "NetworkLoadBalancerArn", K::string, false},
          {"--gateway-load-balancer-endpoint-id", "GatewayLoadBalancerEndpointId", K::string, false},
          {"--description", "Description", K::string, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false},
          {"--client-token", "ClientToken", K::string, false}},
         create_traffic_mirror_target},
        {"describe-traffic-mirror-targets", "DescribeTrafficMirrorTargets", "list traffic mirror targets",
         {{"--traffic-mirror-target-ids", "TrafficMirrorTargetIds", K::list, false}, {"--filters", "Filters", K::filters, false}},
         describe_traffic_mirror_targets, {"description", "network-interface-id", "network-load-balancer-arn", "owner-id", "traffic-mirror-target-id"}},
        {"delete-traffic-mirror-target", "DeleteTrafficMirrorTarget", "delete a traffic mirror target no session uses",
         {{"--traffic-mirror-target-id", "TrafficMirrorTargetId", K::string, true}}, delete_traffic_mirror_target},
        {"create-traffic-mirror-filter", "CreateTrafficMirrorFilter", "create a traffic mirror filter (with no rules it mirrors nothing)",
         {{"--description", "Description", K::string, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false},
          {"--client-token", "ClientToken", K::string, false}},
         create_traffic_mirror_filter},
        {"describe-traffic-mirror-filters", "DescribeTrafficMirrorFilters", "list traffic mirror filters with their rules",
         {{"--traffic-mirror-filter-ids", "TrafficMirrorFilterIds", K::list, false}, {"--filters", "Filters", K::filters, false}},
         describe_traffic_mirror_filters, {"description", "traffic-mirror-filter-id"}},
        {"modify-traffic-mirror-filter-network-services", "ModifyTrafficMirrorFilterNetworkServices",
         "mirror (or stop mirroring) all Amazon DNS traffic through a filter (amazon-dns)",
         {{"--traffic-mirror-filter-id", "TrafficMirrorFilterId", K::string, true},
          {"--add-network-services", "AddNetworkServices", K::list, false},
          {"--remove-network-services", "RemoveNetworkServices", K::list, false}},
         modify_traffic_mirror_filter_network_services},
        {"delete-traffic-mirror-filter", "DeleteTrafficMirrorFilter", "delete a traffic mirror filter no session uses (its rules go with it)",
         {{"--traffic-mirror-filter-id", "TrafficMirrorFilterId", K::string, true}}, delete_traffic_mirror_filter},
        {"create-traffic-mirror-filter-rule", "CreateTrafficMirrorFilterRule", "add an ingress or egress rule to a traffic mirror filter",
         rule_params(true), create_traffic_mirror_filter_rule},
        {"modify-traffic-mirror-filter-rule", "ModifyTrafficMirrorFilterRule", "change a traffic mirror filter rule, or reset its fields (--remove-fields)",
         rule_params(false), modify_traffic_mirror_filter_rule},
        {"delete-traffic-mirror-filter-rule", "DeleteTrafficMirrorFilterRule", "remove a rule from its traffic mirror filter",
         {{"--traffic-mirror-filter-rule-id", "TrafficMirrorFilterRuleId", K::string, true}}, delete_traffic_mirror_filter_rule},
        {"create-traffic-mirror-session", "CreateTrafficMirrorSession", "mirror an ENI's traffic, as a filter selects it, to a target (VXLAN)",
         {{"--network-interface-id", "NetworkInterfaceId", K::string, true},
          {"--traffic-mirror-target-id", "TrafficMirrorTargetId", K::string, true},
          {"--traffic-mirror-filter-id", "TrafficMirrorFilterId", K::string, true},
          {"--session-number", "SessionNumber", K::string, true},
          {"--packet-length", "PacketLength", K::string, false},
          {"--virtual-network-id", "VirtualNetworkId", K::string, false},
          {"--description", "Description", K::string, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false},
          {"--client-token", "ClientToken", K::string, false}},
         create_traffic_mirror_session},
        {"describe-traffic-mirror-sessions", "DescribeTrafficMirrorSessions", "list traffic mirror sessions",
         {{"--traffic-mirror-session-ids", "TrafficMirrorSessionIds", K::list, false}, {"--filters", "Filters", K::filters, false}},
         describe_traffic_mirror_sessions,
         {"description", "network-interface-id", "owner-id", "packet-length", "session-number", "traffic-mirror-filter-id", "traffic-mirror-session-id",
          "traffic-mirror-target-id", "virtual-network-id"}},
        {"modify-traffic-mirror-session", "ModifyTrafficMirrorSession", "change a session's target, filter, number, packet length or VNI",
         {{"--traffic-mirror-session-id", "TrafficMirrorSessionId", K::string, true},
          {"--traffic-mirror-target-id", "TrafficMirrorTargetId", K::string, false},
          {"--traffic-mirror-filter-id", "TrafficMirrorFilterId", K::string, false},
          {"--packet-length", "PacketLength", K::string, false},
          {"--session-number", "SessionNumber", K::string, false},
          {"--virtual-network-id", "VirtualNetworkId", K::string, false},
          {"--description", "Description", K::string, false},
          {"--remove-fields", "RemoveFields", K::list, false}},
         modify_traffic_mirror_session},
        {"delete-traffic-mirror-session", "DeleteTrafficMirrorSession", "stop mirroring: delete a traffic mirror session",
         {{"--traffic-mirror-session-id", "TrafficMirrorSessionId", K::string, true}}, delete_traffic_mirror_session},
    };
}

}  // namespace vpclab::router
