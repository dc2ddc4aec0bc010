// AWS::EC2::TrafficMirrorTarget, TrafficMirrorFilter, TrafficMirrorFilterRule and TrafficMirrorSession (CloudFormation User Guide; docs/traffic-mirroring.md §2). Ref: the ID; GetAtt Id (TrafficMirrorFilterRuleId for a rule).
#include "router/template/resource_handlers.hpp"

#include "routing/traffic_mirroring.hpp"

namespace vpclab::cfn {

namespace {

std::optional<int> optional_integer(Properties& props, const std::string& key) {
    const Node* n = props.get(key);
    if (!n || n->is_null()) return std::nullopt;
    return props.integer_of(*n, key);
}

std::optional<std::string> optional_string(Properties& props, const std::string& key) {
    const Node* n = props.get(key);
    if (!n || n->is_null()) return std::nullopt;
    return props.string_of(*n, key);
}

// A TrafficMirrorPortRange property: FromPort and ToPort, both required by its schema (CFN-schema
// aws-ec2-trafficmirrorfilterrule.json); the order of the two is the model's check.
std::optional<routing::TrafficMirrorPortRange> port_range(Properties& props, const std::string& property) {
    const Node* n = props.get(property);
    if (!n || n->is_null()) return std::nullopt;
    if (!n->is_map()) props.fail_at(*n, property, "expected a map of FromPort and ToPort");
    for (const auto& [key, value] : n->entries)
        if (key != "FromPort" && key != "ToPort") props.fail_at(value, property + "." + key, "is not a member of TrafficMirrorPortRange (it has FromPort and ToPort)");
    int ports[2] = {0, 0};
    const char* members[2] = {"FromPort", "ToPort"};
    for (int i = 0; i < 2; ++i) {
        const std::string path = property + "." + members[i];
        const Node* p = n->find(members[i]);
        if (!p || p->is_null()) props.fail_at(*n, path, "is required");
        ports[i] = props.integer_of(*p, path);
        if (ports[i] < 0 || ports[i] > 65535) props.fail_at(*p, path, "a port is 0 to 65535, got " + std::to_string(ports[i]) + " (InvalidParameterValue)");
    }
    return routing::TrafficMirrorPortRange{static_cast<std::uint16_t>(ports[0]), static_cast<std::uint16_t>(ports[1])};
}

void create_target(ResourceContext& c) {
    auto& props = c.props;
    // In the schema, not in the lab: vpclab has no Gateway Load Balancers.
    if (const Node* n = props.get("GatewayLoadBalancerEndpointId"); n && !n->is_null())
        props.fail_at(*n, "GatewayLoadBalancerEndpointId",
                      "is not supported: vpclab has no Gateway Load Balancers (a target is a NetworkInterfaceId or a NetworkLoadBalancerArn)");
    const auto& t = c.model.create_traffic_mirror_target(c.resource.logical_id, props.string("NetworkInterfaceId", false),
                                                         props.string("NetworkLoadBalancerArn", false), props.string("Description", false), props.tags());
    c.set_ref(t.id);
    c.set_att("Id", t.id);
}

void create_filter(ResourceContext& c) {
    auto& props = c.props;
    const auto& f = c.model.create_traffic_mirror_filter(c.resource.logical_id, props.string("Description", false), props.strings("NetworkServices"), props.tags());
    c.set_ref(f.id);
    c.set_att("Id", f.id);
}

void create_filter_rule(ResourceContext& c) {
    auto& props = c.props;
    routing::TrafficMirrorRuleSpec spec;
    const std::string filter = props.string("TrafficMirrorFilterId", true);
    spec.traffic_direction = props.string("TrafficDirection", true);
    const auto number = optional_integer(props, "RuleNumber");
    if (!number) props.fail("RuleNumber", "is required");
    spec.rule_number = number;
    spec.rule_action = props.string("RuleAction", true);
    spec.source_cidr = props.string("SourceCidrBlock", true);
    spec.destination_cidr = props.string("DestinationCidrBlock", true);
    spec.protocol = optional_integer(props, "Protocol");
    spec.source_ports = port_range(props, "SourcePortRange");
    spec.destination_ports = port_range(props, "DestinationPortRange");
    spec.description = optional_string(props, "Description");
    const std::string id = c.model.create_traffic_mirror_filter_rule(c.resource.logical_id, filter, spec).id;
    c.set_ref(id);
    c.set_att("TrafficMirrorFilterRuleId", id);
}

void create_session(ResourceContext& c) {
    auto& props = c.props;
    routing::TrafficMirrorSessionSpec spec;
    spec.network_interface_id = props.string("NetworkInterfaceId", true);
    spec.target_id = props.string("TrafficMirrorTargetId", true);
    spec.filter_id = props.string("TrafficMirrorFilterId", true);
    spec.session_number = optional_integer(props, "SessionNumber");
    if (!spec.session_number) props.fail("SessionNumber", "is required");
    spec.packet_length = optional_integer(props, "PacketLength");
    if (const auto vni = optional_integer(props, "VirtualNetworkId")) spec.virtual_network_id = *vni;
    spec.description = optional_string(props, "Description");
    const auto& s = c.model.create_traffic_mirror_session(c.resource.logical_id, spec, props.tags());
    c.set_ref(s.id);
    c.set_att("Id", s.id);
}

}  // namespace

std::vector<ResourceType> traffic_mirroring_resource_types() {
    return {{"AWS::EC2::TrafficMirrorTarget", create_target},
            {"AWS::EC2::TrafficMirrorFilter", create_filter},
            {"AWS::EC2::TrafficMirrorFilterRule", create_filter_rule},
            {"AWS::EC2::TrafficMirrorSession", create_session}};
}

}  // namespace vpclab::cfn
