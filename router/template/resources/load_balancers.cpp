// AWS::ElasticLoadBalancingV2::LoadBalancer, TargetGroup and Listener: network load balancers
// (CloudFormation User Guide, "AWS::ElasticLoadBalancingV2::*"), through the same model calls as `vpclab elbv2`.
#include "router/template/resource_handlers.hpp"

#include "router/control/ec2/family.hpp"

namespace vpclab::cfn {

namespace {

Node list_of(const std::vector<std::string>& values, int line) {
    Node out;
    out.kind = Node::Kind::list;
    for (const auto& v : values) out.items.push_back(Node::make_scalar(v, line));
    return out;
}

// LoadBalancerAttributes / TargetGroupAttributes: a list of {Key, Value}.
template <class Apply>
void apply_attributes(Properties& props, const char* property, Apply&& apply) {
    const Node* list = props.get(property);
    if (!list || list->is_null()) return;
    if (!list->is_list()) props.fail(property, "expected a list of {Key, Value}");
    for (const auto& item : list->items) {
        const Node* key = item.is_map() ? item.find("Key") : nullptr;
        const Node* value = item.is_map() ? item.find("Value") : nullptr;
        if (!key || !value) props.fail_at(item, property, "each attribute needs Key and Value");
        try {
            apply(props.string_of(*key, property), props.string_of(*value, property));
        } catch (const routing::ApiError& e) {
            props.fail_at(item, property, e.what());
        }
    }
}

void create_load_balancer(ResourceContext& c) {
    auto& props = c.props;
    std::vector<routing::SubnetMapping> mappings;
    for (const auto& s : props.strings("Subnets")) mappings.push_back({s, "", std::nullopt});
    if (const Node* list = props.get("SubnetMappings"); list && !list->is_null()) {
        if (!mappings.empty()) props.fail("SubnetMappings", "give Subnets or SubnetMappings, not both");
        if (!list->is_list()) props.fail("SubnetMappings", "expected a list of {SubnetId, AllocationId, PrivateIPv4Address}");
        for (const auto& item : list->items) {
            const Node* subnet = item.is_map() ? item.find("SubnetId") : nullptr;
            if (!subnet) props.fail_at(item, "SubnetMappings", "each mapping needs SubnetId");
            routing::SubnetMapping m{props.string_of(*subnet, "SubnetMappings"), "", std::nullopt};
            if (const Node* a = item.find("AllocationId")) m.allocation_id = props.string_of(*a, "SubnetMappings");
            if (const Node* p = item.find("PrivateIPv4Address")) {
                m.private_ip = routing::parse_ipv4(props.string_of(*p, "SubnetMappings"));
                if (!m.private_ip) props.fail_at(*p, "SubnetMappings", "PrivateIPv4Address '" + p->scalar + "' is not an IPv4 address");
            }
            mappings.push_back(std::move(m));
        }
    }
    if (const Node* sg = props.get("SecurityGroups"); sg && !sg->is_null())
        c.unsupported(props.line_of("SecurityGroups"), c.label() + ": SecurityGroups on a network load balancer are not modelled: its nodes filter nothing");
    // CloudFormation's default Type is application, which vpclab does not serve: left out, with a warning.
    const std::string type = props.string("Type", false);
    if (type != "network") {
        for (const auto& key : props.unused_keys()) props.get(key);  // one warning for the resource, not one per property
        return c.leave_out(props.line_of("Type"), "Type " + (type.empty() ? std::string("application (the default)") : type) +
                                                      " is not supported (network load balancers are); the load balancer was not created");
    }
    const auto& lb = c.model.create_load_balancer(c.resource.logical_id, props.string("Name", false), type,
                                                  props.string("Scheme", false).empty() ? "internet-facing" : props.string("Scheme", false), mappings,
                                                  props.tags(), router::ec2::now_iso8601());
    const std::string arn = lb.id;
    apply_attributes(props, "LoadBalancerAttributes", [&](const std::string& k, const std::string& v) { c.model.set_load_balancer_attribute(arn, k, v); });
    // Fn::GetAtt names (AWS::ElasticLoadBalancingV2::LoadBalancer, "Return values"); Ref is the ARN.
    c.set_ref(arn);
    c.set_att("LoadBalancerArn", arn);
    c.set_att("DNSName", lb.dns_name);
    c.set_att("LoadBalancerName", lb.name);
    c.set_att("LoadBalancerFullName", lb.full_name());
    c.set_att("CanonicalHostedZoneID", router::ec2::elb_hosted_zone_id(c.model.region()));
    c.resource.attributes["SecurityGroups"] = list_of({}, c.resource.line);
}

void create_target_group(ResourceContext& c) {
    auto& props = c.props;
    routing::TargetGroupSpec spec;
    spec.name = props.string("Name", false);
    spec.protocol = props.string("Protocol", true);
    if (const Node* port = props.get("Port")) spec.port = props.integer_of(*port, "Port");
    else props.fail("Port", "is required for instance and ip targets");
    spec.vpc_id = props.string("VpcId", true);
    if (const std::string t = props.string("TargetType", false); !t.empty()) spec.target_type = t;
    auto& hc = spec.health_check;
    if (auto on = props.boolean("HealthCheckEnabled")) hc.enabled = *on;
    if (const std::string p = props.string("HealthCheckProtocol", false); !p.empty()) hc.protocol = p;
    if (const std::string p = props.string("HealthCheckPort", false); !p.empty()) hc.port = p;
    hc.path = props.string("HealthCheckPath", false);
    if (const Node* n = props.get("HealthCheckIntervalSeconds")) hc.interval_seconds = props.integer_of(*n, "HealthCheckIntervalSeconds");
    if (const Node* n = props.get("HealthCheckTimeoutSeconds")) {
        hc.timeout_seconds = props.integer_of(*n, "HealthCheckTimeoutSeconds");
        spec.health_check_timeout_given = true;
    }
    if (const Node* n = props.get("HealthyThresholdCount")) hc.healthy_threshold = props.integer_of(*n, "HealthyThresholdCount");
    if (const Node* n = props.get("UnhealthyThresholdCount")) hc.unhealthy_threshold = props.integer_of(*n, "UnhealthyThresholdCount");
    if (const Node* m = props.get("Matcher"); m && !m->is_null()) {
        const Node* code = m->is_map() ? m->find("HttpCode") : nullptr;
        if (!code) props.fail("Matcher", "expected {HttpCode: \"200-399\"}");
        hc.matcher = props.string_of(*code, "Matcher");
    }
    std::vector<routing::Target> targets;
    if (const Node* list = props.get("Targets"); list && !list->is_null()) {
        if (!list->is_list()) props.fail("Targets", "expected a list of {Id, Port}");
        for (const auto& item : list->items) {
            const Node* id = item.is_map() ? item.find("Id") : nullptr;
            if (!id) props.fail_at(item, "Targets", "each target needs Id");
            routing::Target t;
            t.id = props.string_of(*id, "Targets");
            if (const Node* port = item.find("Port")) t.port = props.integer_of(*port, "Targets");
            targets.push_back(std::move(t));
        }
    }
    const auto& g = c.model.create_target_group(c.resource.logical_id, spec, props.tags());
    const std::string arn = g.id;
    apply_attributes(props, "TargetGroupAttributes", [&](const std::string& k, const std::string& v) { c.model.set_target_group_attribute(arn, k, v); });
    if (!targets.empty()) {
        try {
            c.model.register_targets(arn, targets);
        } catch (const routing::ApiError& e) {
            props.fail("Targets", e.what());
        }
    }
    c.set_ref(arn);
    c.set_att("TargetGroupArn", arn);
    c.set_att("TargetGroupName", g.name);
    c.set_att("TargetGroupFullName", g.full_name());
}

void create_listener(ResourceContext& c) {
    auto& props = c.props;
    const Node* actions = props.get("DefaultActions");
    if (!actions || !actions->is_list() || actions->items.size() != 1)
        props.fail("DefaultActions", "expected one action: {Type: forward, TargetGroupArn: …} (vpclab's listeners forward to one target group)");
    const Node& action = actions->items.front();
    const Node* type = action.is_map() ? action.find("Type") : nullptr;
    if (!type || props.string_of(*type, "DefaultActions") != "forward")
        props.fail_at(action, "DefaultActions", "only the forward action is supported (a network load balancer's listeners forward)");
    std::string group;
    if (const Node* tg = action.find("TargetGroupArn")) group = props.string_of(*tg, "DefaultActions");
    else if (const Node* fc = action.find("ForwardConfig"); fc && fc->is_map()) {
        const Node* groups = fc->find("TargetGroups");
        if (!groups || !groups->is_list() || groups->items.size() != 1 || !groups->items[0].find("TargetGroupArn"))
            props.fail_at(*fc, "DefaultActions", "ForwardConfig must name exactly one target group");
        group = props.string_of(*groups->items[0].find("TargetGroupArn"), "DefaultActions");
    } else {
        props.fail_at(action, "DefaultActions", "a forward action needs TargetGroupArn");
    }
    const Node* port = props.get("Port");
    if (!port) props.fail("Port", "is required");
    const auto& l = c.model.create_listener(c.resource.logical_id, props.string("LoadBalancerArn", true), props.string("Protocol", true),
                                            props.integer_of(*port, "Port"), group, {});
    c.set_ref(l.id);
    c.set_att("ListenerArn", l.id);
}

}  // namespace

std::vector<ResourceType> load_balancer_resource_types() {
    return {{"AWS::ElasticLoadBalancingV2::LoadBalancer", create_load_balancer, {"IpAddressType"}},
            {"AWS::ElasticLoadBalancingV2::TargetGroup", create_target_group, {"IpAddressType"}},
            {"AWS::ElasticLoadBalancingV2::Listener", create_listener}};
}

}  // namespace vpclab::cfn
