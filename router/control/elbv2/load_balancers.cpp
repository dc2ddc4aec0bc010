// The Elastic Load Balancing (v2) API for network load balancers (ELB API reference, version 2015-12-01):
// load balancers, target groups, listeners, targets and their health, with the aws CLI's `elbv2` names
// and the API's JSON shapes and error codes.
#include <algorithm>

#include "router/control/ec2/family.hpp"

namespace vpclab::router::elbv2 {

namespace {

using ec2::json;
using ec2::Request;
using routing::ApiError;
using K = ParamSpec::Kind;

json load_balancer_json(const routing::VpcModel& m, const routing::LoadBalancer& lb) {
    json zones = json::array();
    for (std::size_t i = 0; i < lb.subnet_ids.size(); ++i) {
        const routing::NetworkInterface& node = m.network_interface(lb.network_interface_ids[i]);
        json address = json::object();
        if (lb.internet_facing() && node.public_ip) address["IpAddress"] = routing::format_ipv4(*node.public_ip);
        if (!lb.allocation_ids[i].empty()) address["AllocationId"] = lb.allocation_ids[i];
        address["PrivateIPv4Address"] = routing::format_ipv4(node.private_ip);
        zones.push_back({{"ZoneName", m.subnet(lb.subnet_ids[i]).availability_zone},
                         {"SubnetId", lb.subnet_ids[i]},
                         {"LoadBalancerAddresses", json::array({address})}});
    }
    return {{"LoadBalancerArn", lb.id},
            {"DNSName", lb.dns_name},
            {"CanonicalHostedZoneId", ec2::elb_hosted_zone_id(m.region())},
            {"CreatedTime", lb.created_time},
            {"LoadBalancerName", lb.name},
            {"Scheme", lb.scheme},
            {"VpcId", lb.vpc_id},
            {"State", {{"Code", "active"}}},
            {"Type", lb.type},
            {"AvailabilityZones", zones},
            {"IpAddressType", "ipv4"}};
}

json target_group_json(const routing::VpcModel& m, const routing::TargetGroup& g) {
    const auto& h = g.health_check;
    json j = {{"TargetGroupArn", g.id},       {"TargetGroupName", g.name},
              {"Protocol", g.protocol},       {"Port", g.port},
              {"VpcId", g.vpc_id},            {"HealthCheckProtocol", h.protocol},
              {"HealthCheckPort", h.port},    {"HealthCheckEnabled", h.enabled},
              {"HealthCheckIntervalSeconds", h.interval_seconds}, {"HealthCheckTimeoutSeconds", h.timeout_seconds},
              {"HealthyThresholdCount", h.healthy_threshold},    {"UnhealthyThresholdCount", h.unhealthy_threshold}};
    if (h.protocol != "TCP") {
        j["HealthCheckPath"] = h.path;
        j["Matcher"] = {{"HttpCode", h.matcher}};
    }
    json arns = json::array();
    if (const routing::LoadBalancer* lb = m.load_balancer_of(g)) arns.push_back(lb->id);
    j["LoadBalancerArns"] = arns;
    j["TargetType"] = g.target_type;
    j["IpAddressType"] = "ipv4";
    return j;
}

json listener_json(const routing::Listener& l) {
    return {{"ListenerArn", l.id},
            {"LoadBalancerArn", l.load_balancer_arn},
            {"Port", l.port},
            {"Protocol", l.protocol},
            {"DefaultActions", json::array({{{"Type", "forward"},
                                              {"TargetGroupArn", l.target_group_arn},
                                              {"ForwardConfig",
                                               {{"TargetGroups", json::array({{{"TargetGroupArn", l.target_group_arn}, {"Weight", 1}}})},
                                                {"TargetGroupStickinessConfig", {{"Enabled", false}}}}}}})}};
}

std::vector<std::string> strings(const Request& params, const char* name) { return ec2::list_param(params, name); }

int int_or(const Request& params, const char* name, int fallback) { return ec2::int_param(params, name).value_or(fallback); }

// Targets as --targets Id=i-…,Port=80 gives them.
std::vector<routing::Target> targets_param(const Request& params) {
    std::vector<routing::Target> out;
    if (const Request* list = ec2::structures_param(params, "Targets"))
        for (const auto& item : *list) {
            routing::Target t;
            if (!item.contains("Id")) throw ApiError("ValidationError", "Each target needs an Id", "Targets");
            t.id = item["Id"].is_string() ? item["Id"].get<std::string>() : item["Id"].dump();
            if (item.contains("Port")) {
                const auto port = ec2::int_param(item, "Port");
                if (!port || *port < 1 || *port > 65535) throw ApiError("ValidationError", "A target's Port must be 1 to 65535", "Targets");
                t.port = *port;
            }
            out.push_back(std::move(t));
        }
    return out;
}

// --attributes Key=…,Value=…: each checked and applied by `apply`, on the model copy of the commit.
template <class Apply>
void apply_attributes(const Request& params, Apply&& apply) {
    const Request* list = ec2::structures_param(params, "Attributes");
    if (!list || list->empty()) throw ApiError("ValidationError", "Give at least one attribute (--attributes Key=…,Value=…)", "Attributes");
    for (const auto& item : *list) {
        if (!item.contains("Key") || !item.contains("Value")) throw ApiError("ValidationError", "Each attribute needs Key and Value", "Attributes");
        const auto text = [](const Request& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
        apply(text(item["Key"]), text(item["Value"]));
    }
}

json target_group_attributes(const routing::TargetGroup& g) {
    auto kv = [](const char* k, const std::string& v) { return json{{"Key", k}, {"Value", v}}; };
    auto b = [](bool x) { return std::string(x ? "true" : "false"); };
    return json::array({kv("deregistration_delay.timeout_seconds", std::to_string(g.deregistration_delay)),
                        kv("deregistration_delay.connection_termination.enabled", b(g.connection_termination)),
                        kv("preserve_client_ip.enabled", b(g.preserve_client_ip)), kv("proxy_protocol_v2.enabled", b(g.proxy_protocol_v2)),
                        kv("stickiness.enabled", "false"), kv("stickiness.type", "source_ip"),
                        kv("load_balancing.cross_zone.enabled", "use_load_balancer_configuration")});
}

json load_balancer_attributes(const routing::LoadBalancer& lb) {
    auto b = [](bool x) { return std::string(x ? "true" : "false"); };
    return json::array({{{"Key", "load_balancing.cross_zone.enabled"}, {"Value", b(lb.cross_zone)}},
                        {{"Key", "deletion_protection.enabled"}, {"Value", b(lb.deletion_protection)}},
                        {{"Key", "access_logs.s3.enabled"}, {"Value", "false"}}});
}

json describe_load_balancers(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    const auto arns = strings(params, "LoadBalancerArns");
    const auto names = strings(params, "Names");
    if (!arns.empty() && !names.empty())
        throw ApiError("ValidationError", "Load balancer names and load balancer ARNs cannot be specified at the same time");
    json out = json::array();
    for (const auto& arn : arns) out.push_back(load_balancer_json(m, m.load_balancer(arn)));
    for (const auto& name : names) {
        const auto it = std::find_if(m.load_balancers().begin(), m.load_balancers().end(), [&](const auto& lb) { return lb.name == name; });
        if (it == m.load_balancers().end()) throw ApiError("LoadBalancerNotFound", "Load balancers '[" + name + "]' not found");
        out.push_back(load_balancer_json(m, *it));
    }
    if (arns.empty() && names.empty())
        for (const auto& lb : m.load_balancers()) out.push_back(load_balancer_json(m, lb));
    return {{"LoadBalancers", out}};
}

json create_load_balancer(const Request& params, RouterState& state) {
    std::vector<routing::SubnetMapping> mappings;
    for (const auto& s : strings(params, "Subnets")) mappings.push_back({s, "", std::nullopt});
    if (const Request* list = ec2::structures_param(params, "SubnetMappings")) {
        if (!mappings.empty()) throw ApiError("ValidationError", "Give --subnets or --subnet-mappings, not both", "SubnetMappings");
        for (const auto& item : *list) {
            routing::SubnetMapping s{item.value("SubnetId", ""), item.value("AllocationId", ""), std::nullopt};
            if (item.contains("PrivateIPv4Address")) {
                s.private_ip = routing::parse_ipv4(item["PrivateIPv4Address"].get<std::string>());
                if (!s.private_ip) throw ApiError("ValidationError", "PrivateIPv4Address is not an IPv4 address", "SubnetMappings");
            }
            mappings.push_back(std::move(s));
        }
    }
    if (params.contains("SecurityGroups"))
        throw ApiError("ValidationError", "vpclab's network load balancers have no security groups (their nodes filter nothing)", "SecurityGroups");
    const std::string type = params.contains("Type") ? ec2::string_param(params, "Type") : "application";
    const std::string scheme = params.contains("Scheme") ? ec2::string_param(params, "Scheme") : "internet-facing";
    const std::vector<routing::Tag> tags = params.contains("Tags") ? ec2::tags_of(params["Tags"], "Tags") : std::vector<routing::Tag>{};
    return state.commit([&](routing::VpcModel& next) {
        const auto& lb = next.create_load_balancer("", ec2::string_param(params, "Name"), type, scheme, mappings, tags, ec2::now_iso8601());
        return json{{"LoadBalancers", json::array({load_balancer_json(next, lb)})}};
    });
}

json delete_load_balancer(const Request& params, RouterState& state) {
    // ELB API reference, "DeleteLoadBalancer": deleting one that does not exist succeeds.
    const std::string arn = ec2::string_param(params, "LoadBalancerArn");
    const auto& all = state.model->load_balancers();
    if (arn.rfind("arn:", 0) == 0 && std::none_of(all.begin(), all.end(), [&](const routing::LoadBalancer& lb) { return lb.id == arn; }))
        return json::object();
    return state.commit([&](routing::VpcModel& next) {
        next.delete_load_balancer(arn);
        return json::object();
    });
}

json describe_load_balancer_attributes(const Request& params, RouterState& state) {
    return {{"Attributes", load_balancer_attributes(state.model->load_balancer(ec2::string_param(params, "LoadBalancerArn")))}};
}

json modify_load_balancer_attributes(const Request& params, RouterState& state) {
    const std::string arn = ec2::string_param(params, "LoadBalancerArn");
    return state.commit([&](routing::VpcModel& next) {
        apply_attributes(params, [&](const std::string& k, const std::string& v) { next.set_load_balancer_attribute(arn, k, v); });
        return json{{"Attributes", load_balancer_attributes(next.load_balancer(arn))}};
    });
}

// The health check options of create-target-group and modify-target-group, over `h`.
void read_health_check(const Request& params, routing::HealthCheckSettings& h, bool* timeout_given) {
    if (params.contains("HealthCheckProtocol")) h.protocol = ec2::string_param(params, "HealthCheckProtocol");
    if (params.contains("HealthCheckPort")) h.port = ec2::string_param(params, "HealthCheckPort");
    if (params.contains("HealthCheckPath")) h.path = ec2::string_param(params, "HealthCheckPath");
    if (const auto on = ec2::bool_param(params, "HealthCheckEnabled")) h.enabled = *on;
    h.interval_seconds = int_or(params, "HealthCheckIntervalSeconds", h.interval_seconds);
    if (params.contains("HealthCheckTimeoutSeconds")) {
        h.timeout_seconds = int_or(params, "HealthCheckTimeoutSeconds", h.timeout_seconds);
        if (timeout_given) *timeout_given = true;
    }
    h.healthy_threshold = int_or(params, "HealthyThresholdCount", h.healthy_threshold);
    h.unhealthy_threshold = int_or(params, "UnhealthyThresholdCount", h.unhealthy_threshold);
    if (params.contains("Matcher")) {
        const Request& matcher = ec2::single_structure(params["Matcher"]);
        if (!matcher.contains("HttpCode")) throw ApiError("ValidationError", "--matcher takes HttpCode=200-399", "Matcher");
        h.matcher = matcher["HttpCode"].is_string() ? matcher["HttpCode"].get<std::string>() : matcher["HttpCode"].dump();
    }
}

json describe_target_groups(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    const auto arns = strings(params, "TargetGroupArns");
    const auto names = strings(params, "Names");
    const std::string lb_arn = params.contains("LoadBalancerArn") ? ec2::string_param(params, "LoadBalancerArn") : "";
    if (!lb_arn.empty()) m.load_balancer(lb_arn);
    json out = json::array();
    for (const auto& arn : arns) out.push_back(target_group_json(m, m.target_group(arn)));
    for (const auto& name : names) {
        const auto it = std::find_if(m.target_groups().begin(), m.target_groups().end(), [&](const auto& g) { return g.name == name; });
        if (it == m.target_groups().end()) throw ApiError("TargetGroupNotFound", "One or more target groups not found: '" + name + "'");
        out.push_back(target_group_json(m, *it));
    }
    if (arns.empty() && names.empty())
        for (const auto& g : m.target_groups()) {
            const routing::LoadBalancer* lb = m.load_balancer_of(g);
            if (lb_arn.empty() || (lb && lb->id == lb_arn)) out.push_back(target_group_json(m, g));
        }
    return {{"TargetGroups", out}};
}

json create_target_group(const Request& params, RouterState& state) {
    routing::TargetGroupSpec spec;
    spec.name = ec2::string_param(params, "Name");
    spec.protocol = params.contains("Protocol") ? ec2::string_param(params, "Protocol") : "";
    if (spec.protocol.empty()) throw ApiError("ValidationError", "A target group for instance or ip targets needs --protocol", "Protocol");
    const auto port = ec2::int_param(params, "Port");
    if (!port) throw ApiError("ValidationError", "A target group for instance or ip targets needs --port", "Port");
    spec.port = *port;
    if (!params.contains("VpcId")) throw ApiError("ValidationError", "A target group for instance or ip targets needs --vpc-id", "VpcId");
    spec.vpc_id = ec2::string_param(params, "VpcId");
    if (params.contains("TargetType")) spec.target_type = ec2::string_param(params, "TargetType");
    read_health_check(params, spec.health_check, &spec.health_check_timeout_given);
    const std::vector<routing::Tag> tags = params.contains("Tags") ? ec2::tags_of(params["Tags"], "Tags") : std::vector<routing::Tag>{};
    return state.commit([&](routing::VpcModel& next) {
        return json{{"TargetGroups", json::array({target_group_json(next, next.create_target_group("", spec, tags))})}};
    });
}

json modify_target_group(const Request& params, RouterState& state) {
    const std::string arn = ec2::string_param(params, "TargetGroupArn");
    routing::HealthCheckSettings h = state.model->target_group(arn).health_check;
    read_health_check(params, h, nullptr);
    return state.commit([&](routing::VpcModel& next) {
        next.modify_target_group_health_check(arn, h);
        return json{{"TargetGroups", json::array({target_group_json(next, next.target_group(arn))})}};
    });
}

json delete_target_group(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.delete_target_group(ec2::string_param(params, "TargetGroupArn"));
        return json::object();
    });
}

json describe_target_group_attributes(const Request& params, RouterState& state) {
    return {{"Attributes", target_group_attributes(state.model->target_group(ec2::string_param(params, "TargetGroupArn")))}};
}

json modify_target_group_attributes(const Request& params, RouterState& state) {
    const std::string arn = ec2::string_param(params, "TargetGroupArn");
    return state.commit([&](routing::VpcModel& next) {
        apply_attributes(params, [&](const std::string& k, const std::string& v) { next.set_target_group_attribute(arn, k, v); });
        return json{{"Attributes", target_group_attributes(next.target_group(arn))}};
    });
}

json register_targets(const Request& params, RouterState& state) {
    const std::string arn = ec2::string_param(params, "TargetGroupArn");
    auto targets = targets_param(params);
    return state.commit([&](routing::VpcModel& next) {
        next.register_targets(arn, targets);
        return json::object();
    });
}

json deregister_targets(const Request& params, RouterState& state) {
    const std::string arn = ec2::string_param(params, "TargetGroupArn");
    auto targets = targets_param(params);
    if (targets.empty()) throw ApiError("ValidationError", "Give at least one target (--targets Id=…)", "Targets");
    return state.commit([&](routing::VpcModel& next) {
        next.deregister_targets(arn, targets, static_cast<std::int64_t>(::time(nullptr)));
        return json::object();
    });
}

json describe_target_health(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    const routing::TargetGroup& g = m.target_group(ec2::string_param(params, "TargetGroupArn"));
    const auto wanted = targets_param(params);
    json out = json::array();
    auto describe = [&](const routing::Target& t) {
        json d = {{"Target", {{"Id", t.id}, {"Port", t.port}, {"AvailabilityZone", t.availability_zone}}},
                  {"HealthCheckPort", g.health_check.port == "traffic-port" ? std::to_string(t.port) : g.health_check.port}};
        json h = {{"State", routing::name_of(t.health.state)}};
        if (!t.health.reason.empty()) h["Reason"] = t.health.reason;
        if (!t.health.description.empty()) h["Description"] = t.health.description;
        d["TargetHealth"] = h;
        return d;
    };
    if (wanted.empty()) {
        for (const auto& t : g.targets) out.push_back(describe(t));
    } else {
        for (auto w : wanted) {
            if (w.port == 0) w.port = g.port;
            const auto it = std::find_if(g.targets.begin(), g.targets.end(), [&](const auto& t) { return t.id == w.id && t.port == w.port; });
            if (it != g.targets.end()) {
                out.push_back(describe(*it));
            } else {
                // ELB API reference, "TargetHealth": a target asked about that is not registered is unused.
                out.push_back({{"Target", {{"Id", w.id}, {"Port", w.port}}},
                               {"TargetHealth", {{"State", "unused"}, {"Reason", "Target.NotRegistered"}, {"Description", "Target is not registered to the target group"}}}});
            }
        }
    }
    return {{"TargetHealthDescriptions", out}};
}

json describe_listeners(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    const auto arns = strings(params, "ListenerArns");
    const std::string lb_arn = params.contains("LoadBalancerArn") ? ec2::string_param(params, "LoadBalancerArn") : "";
    if (arns.empty() && lb_arn.empty()) throw ApiError("ValidationError", "Give --load-balancer-arn or --listener-arns");
    if (!lb_arn.empty()) m.load_balancer(lb_arn);
    json out = json::array();
    for (const auto& arn : arns) out.push_back(listener_json(m.listener(arn)));
    if (!lb_arn.empty())
        for (const auto& l : m.listeners())
            if (l.load_balancer_arn == lb_arn) out.push_back(listener_json(l));
    return {{"Listeners", out}};
}

json create_listener(const Request& params, RouterState& state) {
    std::string group;
    const Request* actions = ec2::structures_param(params, "DefaultActions");
    if (!actions || actions->size() != 1)
        throw ApiError("ValidationError", "Give one default action: --default-actions Type=forward,TargetGroupArn=…", "DefaultActions");
    const Request& a = (*actions)[0];
    if (a.value("Type", "") != "forward")
        throw ApiError("ValidationError", "A network load balancer's listener forwards: --default-actions Type=forward,TargetGroupArn=…", "DefaultActions");
    group = a.value("TargetGroupArn", "");
    const auto port = ec2::int_param(params, "Port");
    if (!port) throw ApiError("ValidationError", "A listener needs --port", "Port");
    const std::vector<routing::Tag> tags = params.contains("Tags") ? ec2::tags_of(params["Tags"], "Tags") : std::vector<routing::Tag>{};
    return state.commit([&](routing::VpcModel& next) {
        const auto& l = next.create_listener("", ec2::string_param(params, "LoadBalancerArn"),
                                             params.contains("Protocol") ? ec2::string_param(params, "Protocol") : "", *port, group, tags);
        return json{{"Listeners", json::array({listener_json(l)})}};
    });
}

json delete_listener(const Request& params, RouterState& state) {
    return state.commit([&](routing::VpcModel& next) {
        next.delete_listener(ec2::string_param(params, "ListenerArn"));
        return json::object();
    });
}

const ParamSpec tags_param{"--tags", "Tags", K::structures, false};
const std::vector<ParamSpec> health_check_params = {
    {"--health-check-protocol", "HealthCheckProtocol", K::string, false}, {"--health-check-port", "HealthCheckPort", K::string, false},
    {"--health-check-path", "HealthCheckPath", K::string, false},         {"--health-check-enabled", "HealthCheckEnabled", K::boolean, false},
    {"--health-check-interval-seconds", "HealthCheckIntervalSeconds", K::string, false},
    {"--health-check-timeout-seconds", "HealthCheckTimeoutSeconds", K::string, false},
    {"--healthy-threshold-count", "HealthyThresholdCount", K::string, false},
    {"--unhealthy-threshold-count", "UnhealthyThresholdCount", K::string, false},
    {"--matcher", "Matcher", K::structures, false}};

std::vector<ParamSpec> with_health_check(std::vector<ParamSpec> params) {
    params.insert(params.end(), health_check_params.begin(), health_check_params.end());
    return params;
}

}  // namespace
}  // namespace vpclab::router::elbv2

namespace vpclab::router {

std::vector<ActionSpec> load_balancer_actions() {
    using namespace elbv2;
    const char* elb = "elbv2";
    return {
        {"describe-load-balancers", "DescribeLoadBalancers", "list load balancers (their DNS names and nodes' addresses)",
         {{"--load-balancer-arns", "LoadBalancerArns", K::list, false}, {"--names", "Names", K::list, false}}, describe_load_balancers, {}, elb},
        {"create-load-balancer", "CreateLoadBalancer", "create a network load balancer: one node per subnet (one subnet per Availability Zone)",
         {{"--name", "Name", K::string, true}, {"--type", "Type", K::string, false}, {"--scheme", "Scheme", K::string, false},
          {"--subnets", "Subnets", K::list, false}, {"--subnet-mappings", "SubnetMappings", K::structures, false},
          {"--security-groups", "SecurityGroups", K::list, false}, tags_param},
         create_load_balancer, {}, elb},
        {"delete-load-balancer", "DeleteLoadBalancer", "delete a load balancer, its listeners and its nodes",
         {{"--load-balancer-arn", "LoadBalancerArn", K::string, true}}, delete_load_balancer, {}, elb},
        {"describe-load-balancer-attributes", "DescribeLoadBalancerAttributes", "show a load balancer's attributes",
         {{"--load-balancer-arn", "LoadBalancerArn", K::string, true}}, describe_load_balancer_attributes, {}, elb},
        {"modify-load-balancer-attributes", "ModifyLoadBalancerAttributes",
         "change load_balancing.cross_zone.enabled or deletion_protection.enabled",
         {{"--load-balancer-arn", "LoadBalancerArn", K::string, true}, {"--attributes", "Attributes", K::structures, true}},
         modify_load_balancer_attributes, {}, elb},
        {"describe-target-groups", "DescribeTargetGroups", "list target groups and their health check settings",
         {{"--target-group-arns", "TargetGroupArns", K::list, false}, {"--names", "Names", K::list, false},
          {"--load-balancer-arn", "LoadBalancerArn", K::string, false}},
         describe_target_groups, {}, elb},
        {"create-target-group", "CreateTargetGroup", "create a target group (TCP, UDP or TCP_UDP; instance or ip targets)",
         with_health_check({{"--name", "Name", K::string, true}, {"--protocol", "Protocol", K::string, false}, {"--port", "Port", K::string, false},
                            {"--vpc-id", "VpcId", K::string, false}, {"--target-type", "TargetType", K::string, false}, tags_param}),
         create_target_group, {}, elb},
        {"modify-target-group", "ModifyTargetGroup", "change a target group's health check settings",
         with_health_check({{"--target-group-arn", "TargetGroupArn", K::string, true}}), modify_target_group, {}, elb},
        {"delete-target-group", "DeleteTargetGroup", "delete a target group no listener uses",
         {{"--target-group-arn", "TargetGroupArn", K::string, true}}, delete_target_group, {}, elb},
        {"describe-target-group-attributes", "DescribeTargetGroupAttributes", "show a target group's attributes",
         {{"--target-group-arn", "TargetGroupArn", K::string, true}}, describe_target_group_attributes, {}, elb},
        {"modify-target-group-attributes", "ModifyTargetGroupAttributes",
         "change deregistration_delay.timeout_seconds, preserve_client_ip.enabled, proxy_protocol_v2.enabled, …",
         {{"--target-group-arn", "TargetGroupArn", K::string, true}, {"--attributes", "Attributes", K::structures, true}},
         modify_target_group_attributes, {}, elb},
        {"register-targets", "RegisterTargets", "register instances or IP addresses with a target group",
         {{"--target-group-arn", "TargetGroupArn", K::string, true}, {"--targets", "Targets", K::structures, true}}, register_targets, {}, elb},
        {"deregister-targets", "DeregisterTargets", "deregister targets (they drain for the deregistration delay)",
         {{"--target-group-arn", "TargetGroupArn", K::string, true}, {"--targets", "Targets", K::structures, true}}, deregister_targets, {}, elb},
        {"describe-target-health", "DescribeTargetHealth", "the health of a target group's targets, as its health checks find it",
         {{"--target-group-arn", "TargetGroupArn", K::string, true}, {"--targets", "Targets", K::structures, false}}, describe_target_health, {}, elb},
        {"describe-listeners", "DescribeListeners", "list a load balancer's listeners",
         {{"--load-balancer-arn", "LoadBalancerArn", K::string, false}, {"--listener-arns", "ListenerArns", K::list, false}},
         describe_listeners, {}, elb},
        {"create-listener", "CreateListener", "create a listener forwarding a port to a target group",
         {{"--load-balancer-arn", "LoadBalancerArn", K::string, true}, {"--protocol", "Protocol", K::string, false}, {"--port", "Port", K::string, true},
          {"--default-actions", "DefaultActions", K::structures, true}, tags_param},
         create_listener, {}, elb},
        {"delete-listener", "DeleteListener", "delete a listener", {{"--listener-arn", "ListenerArn", K::string, true}}, delete_listener, {}, elb},
    };
}

}  // namespace vpclab::router
