// Network load balancers in the model (ELB API reference, "CreateLoadBalancer", "CreateTargetGroup",
// "CreateListener", "RegisterTargets", "DeregisterTargets"; ELB NLB guide): their nodes (requester-managed
// ENIs, one per subnet), names and ARNs, target groups, listeners and registrations.
#include "routing/vpc_model.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

const char* name_of(TargetState s) {
    switch (s) {
        case TargetState::initial: return "initial";
        case TargetState::healthy: return "healthy";
        case TargetState::unhealthy: return "unhealthy";
        case TargetState::unused: return "unused";
        case TargetState::draining: return "draining";
        case TargetState::unavailable: return "unavailable";
    }
    return "unknown";
}

TargetHealth after_health_check(const TargetHealth& current, HealthCounters& counters, bool passed, const HealthCheckSettings& settings) {
    if (passed) {
        counters.failures = 0;
        ++counters.passes;
        if (current.state != TargetState::healthy && counters.passes >= settings.healthy_threshold) return TargetHealth{TargetState::healthy, "", ""};
    } else {
        counters.passes = 0;
        ++counters.failures;
        if (current.state != TargetState::unhealthy && counters.failures >= settings.unhealthy_threshold)
            return TargetHealth{TargetState::unhealthy, "Target.FailedHealthChecks", "Health checks failed"};
    }
    if (current.state == TargetState::initial)
        return TargetHealth{TargetState::initial, "Elb.InitialHealthChecking", "Initial health checks in progress"};
    return current;
}

bool http_code_matches(const std::string& matcher, int code) {
    const auto ranges = parse_http_codes(matcher);
    if (!ranges) return false;
    return std::any_of(ranges->begin(), ranges->end(), [&](const auto& r) { return code >= r.first && code <= r.second; });
}

namespace {

std::string hex16(std::uint64_t h) {
    char out[17];
    std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
    return out;
}

[[noreturn]] void validation_error(const std::string& message, const char* parameter = nullptr) {
    throw ApiError("ValidationError", message, parameter ? parameter : "");
}

// ELB API reference, "CreateLoadBalancer" / "CreateTargetGroup", Name: at most 32 characters, alphanumeric
// and hyphens, not beginning or ending with a hyphen (and a load balancer's not with "internal-").
void check_elb_name(const std::string& name, const char* what, const char* parameter) {
    if (name.empty() || name.size() > 32)
        validation_error(std::string(what) + " name '" + name + "' must be 1 to 32 characters long", parameter);
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
            validation_error(std::string(what) + " name '" + name + "' can contain only alphanumeric characters and hyphens", parameter);
    if (name.front() == '-' || name.back() == '-')
        validation_error(std::string(what) + " name '" + name + "' cannot begin or end with a hyphen", parameter);
}

void check_range(int value, int low, int high, const char* parameter) {
    if (value < low || value > high)
        validation_error(std::string(parameter) + " must be between " + std::to_string(low) + " and " + std::to_string(high) + ", not " +
                             std::to_string(value),
                         parameter);
}

bool tcp_like(const std::string& protocol) { return protocol == "TCP" || protocol == "TLS" || protocol == "TCP_UDP"; }

}  // namespace

std::string generated_elb_name(const std::string& stack_name, const std::string& logical_id) {
    // CloudFormation names a load balancer or target group it creates without a Name from the stack name and
    // the logical ID, each cut to 5 characters, and 12 random-looking characters ("jh-CF-jhCus-ULNX38G0076B"
    // in the second seed lab); here the 12 are a function of both, so a lab's names are the same every run.
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::uint64_t h = stable_hash(stack_name + "/" + logical_id + "/elb-name");
    std::string suffix;
    for (int i = 0; i < 12; ++i, h /= 36) suffix += alphabet[h % 36];
    std::string stack = stack_name.substr(0, 5), logical = logical_id.substr(0, 5);
    while (!stack.empty() && stack.back() == '-') stack.pop_back();
    return (stack.empty() ? "" : stack + "-") + logical + "-" + suffix;
}

std::string VpcModel::elb_arn(const std::string& resource) const {
    return "arn:aws:elasticloadbalancing:" + region_ + ":" + account_id + ":" + resource;
}

#define VPCLAB_ELB_LOOKUP(Type, name, member, code, what)                                                  \
    const Type& VpcModel::name(const std::string& arn) const {                                            \
        for (const auto& item : member)                                                                    \
            if (item.id == arn) return item;                                                               \
        if (arn.rfind("arn:", 0) != 0) validation_error("'" + arn + "' is not a valid " what " ARN");    \
        throw ApiError(code, "One or more " what "s not found: '" + arn + "'");                           \
    }
VPCLAB_ELB_LOOKUP(LoadBalancer, load_balancer, load_balancers_, "LoadBalancerNotFound", "load balancer")
VPCLAB_ELB_LOOKUP(TargetGroup, target_group, target_groups_, "TargetGroupNotFound", "target group")
VPCLAB_ELB_LOOKUP(Listener, listener, listeners_, "ListenerNotFound", "listener")
#undef VPCLAB_ELB_LOOKUP

LoadBalancer& VpcModel::load_balancer_mut(const std::string& arn) { return const_cast<LoadBalancer&>(load_balancer(arn)); }
TargetGroup& VpcModel::target_group_mut(const std::string& arn) { return const_cast<TargetGroup&>(target_group(arn)); }

LoadBalancer& VpcModel::create_load_balancer(const std::string& logical_id, std::string name, const std::string& type,
                                             const std::string& scheme, const std::vector<SubnetMapping>& subnets, std::vector<Tag> tags,
                                             std::string created_time) {
    if (type != "network")
        validation_error("Load balancer type '" + type + "' is not one vpclab serves: it serves network load balancers (Type: network)", "Type");
    if (scheme != "internet-facing" && scheme != "internal") validation_error("Scheme must be 'internet-facing' or 'internal', not '" + scheme + "'", "Scheme");
    if (name.empty()) name = logical_id.empty() ? "" : generated_elb_name(template_stack_name(), logical_id);
    check_elb_name(name, "Load balancer", "Name");
    if (name.rfind("internal-", 0) == 0) validation_error("Load balancer name '" + name + "' cannot begin with 'internal-'", "Name");
    for (const auto& lb : load_balancers_)
        if (lb.name == name) throw ApiError("DuplicateLoadBalancerName", "A load balancer with the same name '" + name + "' exists", "Name");
    if (subnets.empty()) validation_error("A network load balancer needs at least one subnet (Subnets or SubnetMappings)", "Subnets");
    std::string vpc_id;
    std::vector<std::uint32_t> addresses;
    std::vector<const ElasticIp*> eips;
    for (std::size_t i = 0; i < subnets.size(); ++i) {
        const Subnet& s = subnet(subnets[i].subnet_id);
        if (i == 0) vpc_id = s.vpc_id;
        if (s.vpc_id != vpc_id)
            throw ApiError("InvalidConfigurationRequest", "The subnets of a load balancer must be in one VPC: " + s.id + " is in " + s.vpc_id + ", not " + vpc_id, "Subnets");
        for (std::size_t j = 0; j < i; ++j)
            if (subnet(subnets[j].subnet_id).availability_zone == s.availability_zone)
                throw ApiError("InvalidConfigurationRequest", "A load balancer cannot be attached to multiple subnets in the same Availability Zone (" +
                                                                  s.availability_zone + ": " + subnets[j].subnet_id + " and " + s.id + ")",
                               "Subnets");
        addresses.push_back(choose_address(s, subnets[i].private_ip, addresses));
        const ElasticIp* eip = nullptr;
        if (!subnets[i].allocation_id.empty()) {
            if (scheme != "internet-facing")
                validation_error("An internal load balancer cannot have Elastic IP addresses (AllocationId " + subnets[i].allocation_id + ")", "SubnetMappings");
            for (const auto& e : elastic_ips_)
                if (e.allocation_id == subnets[i].allocation_id) eip = &e;
            if (!eip) throw ApiError("AllocationIdNotFound", "The allocation ID '" + subnets[i].allocation_id + "' does not exist", "SubnetMappings");
            for (std::size_t j = 0; j < i; ++j)
                if (subnets[j].allocation_id == subnets[i].allocation_id)
                    throw ApiError("InvalidConfigurationRequest", "The allocation ID '" + subnets[i].allocation_id + "' is given for two subnets", "SubnetMappings");
            if (!eip->association_id.empty())
                throw ApiError("InvalidConfigurationRequest", "The Elastic IP " + subnets[i].allocation_id + " is already associated with " + eip->network_interface_id, "SubnetMappings");
        }
        eips.push_back(eip);
    }
    // ELB NLB guide, "Internet-facing load balancers": its VPC needs an internet gateway.
    if (scheme == "internet-facing" &&
        std::none_of(internet_gateways_.begin(), internet_gateways_.end(), [&](const InternetGateway& g) { return g.attached_vpc_id == vpc_id; }))
        throw ApiError("InvalidSubnet", "VPC " + vpc_id + " has no internet gateway: an internet-facing load balancer needs one", "Subnets");
    LoadBalancer lb;
    lb.logical_id = logical_id;
    lb.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    lb.tags = std::move(tags);
    lb.name = name;
    lb.type = type;
    lb.scheme = scheme;
    lb.vpc_id = vpc_id;
    lb.created_time = std::move(created_time);
    lb.hex = hex16(logical_id.empty() ? stable_hash(ids_.next("elb")) : stable_hash(template_hash_scope() + "/" + logical_id + "/elb"));
    lb.id = elb_arn("loadbalancer/" + lb.full_name());
    // ELB NLB guide, "DNS name": <name>-<id>.elb.<region>.amazonaws.com, "internal-" first for an internal one.
    lb.dns_name = (scheme == "internal" ? "internal-" : "") + name + "-" + lb.hex + ".elb." + region_ + ".amazonaws.com";
    for (std::size_t i = 0; i < subnets.size(); ++i) {
        const Subnet& s = subnet(subnets[i].subnet_id);
        NetworkInterface e = requester_managed_interface(lb.id, s, addresses[i], "ELB " + lb.full_name(), "network_load_balancer");
        if (eips[i]) {
            for (auto& x : elastic_ips_)
                if (x.allocation_id == eips[i]->allocation_id) {
                    x.association_id = ids_.next("eipassoc");
                    x.network_interface_id = e.id;
                    e.public_ip = x.public_ip;
                }
        } else if (scheme == "internet-facing") {
            e.public_ip = next_public_ip();
        }
        lb.subnet_ids.push_back(s.id);
        lb.allocation_ids.push_back(subnets[i].allocation_id);
        lb.network_interface_ids.push_back(e.id);
        network_interfaces_.push_back(std::move(e));
    }
    load_balancers_.push_back(std::move(lb));
    return load_balancers_.back();
}

void VpcModel::delete_load_balancer(const std::string& arn) {
    const LoadBalancer& lb = load_balancer(arn);
    if (lb.deletion_protection)
        throw ApiError("OperationNotPermitted", "Load balancer '" + arn + "' cannot be deleted because deletion protection is enabled", "LoadBalancerArn");
    if (const EndpointService* s = endpoint_service_of(arn))
        throw ApiError("ResourceInUse", "Load balancer '" + arn + "' cannot be deleted because it is currently associated with another service (" + s->id + ")",
                       "LoadBalancerArn");
    const std::vector<std::string> nodes = lb.network_interface_ids;
    std::erase_if(listeners_, [&](const Listener& l) { return l.load_balancer_arn == arn; });
    for (const auto& eni : nodes) {
        for (auto& x : elastic_ips_)
            if (x.network_interface_id == eni) x.association_id.clear(), x.network_interface_id.clear();
        std::erase_if(network_interfaces_, [&](const NetworkInterface& e) { return e.id == eni; });
    }
    std::erase_if(load_balancers_, [&](const LoadBalancer& x) { return x.id == arn; });
}

void VpcModel::set_load_balancer_attribute(const std::string& arn, const std::string& key, const std::string& value) {
    load_balancer(arn);
    auto boolean = [&]() {
        if (value != "true" && value != "false") validation_error("Attribute '" + key + "' must be 'true' or 'false', not '" + value + "'", "Attributes");
        return value == "true";
    };
    if (key == "load_balancing.cross_zone.enabled") load_balancer_mut(arn).cross_zone = boolean();
    else if (key == "deletion_protection.enabled") load_balancer_mut(arn).deletion_protection = boolean();
    else validation_error("Load balancer attribute key '" + key + "' is not recognized (vpclab knows load_balancing.cross_zone.enabled and deletion_protection.enabled)", "Attributes");
}

void VpcModel::check_health_check(const HealthCheckSettings& h) {
    // ELB API reference, "CreateTargetGroup", HealthCheckEnabled: for instance and ip targets (all vpclab
    // has), health checks are always on.
    if (!h.enabled) validation_error("Health checks cannot be disabled for target groups with target type instance or ip", "HealthCheckEnabled");
    if (h.protocol != "TCP" && h.protocol != "HTTP" && h.protocol != "HTTPS")
        validation_error("Health check protocol must be TCP, HTTP or HTTPS, not '" + h.protocol + "'", "HealthCheckProtocol");
    if (h.port != "traffic-port") {
        const bool digits = !h.port.empty() && h.port.size() <= 5 && std::all_of(h.port.begin(), h.port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
        if (!digits || std::stoi(h.port) < 1 || std::stoi(h.port) > 65535)
            validation_error("Health check port must be 'traffic-port' or 1 to 65535, not '" + h.port + "'", "HealthCheckPort");
    }
    check_range(h.interval_seconds, 5, 300, "HealthCheckIntervalSeconds");
    check_range(h.timeout_seconds, 2, 120, "HealthCheckTimeoutSeconds");
    check_range(h.healthy_threshold, 2, 10, "HealthyThresholdCount");
    check_range(h.unhealthy_threshold, 2, 10, "UnhealthyThresholdCount");
    if (h.protocol == "TCP" && !h.path.empty()) validation_error("A health check path is for HTTP and HTTPS health checks, not TCP", "HealthCheckPath");
    if (h.protocol != "TCP" && (h.path.empty() || h.path.front() != '/' || h.path.size() > 1024))
        validation_error("Health check path must start with '/' and be at most 1024 characters, not '" + h.path + "'", "HealthCheckPath");
    if (h.protocol != "TCP" && !parse_http_codes(h.matcher))
        validation_error("Health check matcher HttpCode must be codes from 200 to 599, as '200', '200-399' or '200,302', not '" + h.matcher + "'", "Matcher");
}

std::optional<std::vector<std::pair<int, int>>> parse_http_codes(const std::string& text) {
    std::vector<std::pair<int, int>> ranges;
    std::size_t at = 0;
    while (at <= text.size()) {
        const std::size_t comma = std::min(text.find(',', at), text.size());
        const std::string part = text.substr(at, comma - at);
        const std::size_t dash = part.find('-');
        auto code = [](const std::string& s) -> int {
            if (s.size() != 3 || !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) return -1;
            const int v = std::stoi(s);
            return v >= 200 && v <= 599 ? v : -1;
        };
        const int low = code(dash == std::string::npos ? part : part.substr(0, dash));
        const int high = dash == std::string::npos ? low : code(part.substr(dash + 1));
        if (low < 0 || high < low) return std::nullopt;
        ranges.emplace_back(low, high);
        at = comma + 1;
    }
    return ranges;
}

TargetGroup& VpcModel::create_target_group(const std::string& logical_id, TargetGroupSpec spec, std::vector<Tag> tags) {
    if (spec.name.empty()) spec.name = logical_id.empty() ? "" : generated_elb_name(template_stack_name(), logical_id);
    check_elb_name(spec.name, "Target group", "Name");
    for (const auto& g : target_groups_)
        if (g.name == spec.name) throw ApiError("DuplicateTargetGroupName", "A target group with the same name '" + spec.name + "' exists", "Name");
    if (spec.protocol != "TCP" && spec.protocol != "UDP" && spec.protocol != "TCP_UDP")
        validation_error("Target group protocol must be TCP, UDP or TCP_UDP for a network load balancer (vpclab does not terminate TLS), not '" + spec.protocol + "'", "Protocol");
    check_range(spec.port, 1, 65535, "Port");
    if (spec.target_type != "instance" && spec.target_type != "ip")
        validation_error("Target type must be 'instance' or 'ip' (vpclab has no Lambda functions or ALBs as targets), not '" + spec.target_type + "'", "TargetType");
    const Vpc& v = vpc(spec.vpc_id);
    HealthCheckSettings h = spec.health_check;
    if (h.protocol != "TCP") {
        if (h.path.empty()) h.path = "/";
        if (!spec.health_check_timeout_given) h.timeout_seconds = 6;  // HTTP's default (CreateTargetGroup)
    }
    check_health_check(h);
    TargetGroup g;
    g.logical_id = logical_id;
    g.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    g.tags = std::move(tags);
    g.name = spec.name;
    g.protocol = spec.protocol;
    g.port = spec.port;
    g.vpc_id = v.id;
    g.target_type = spec.target_type;
    g.health_check = h;
    // ELB NLB guide, "Client IP preservation": on by default for instance targets and for UDP, off for ip
    // targets over TCP.
    g.preserve_client_ip = spec.target_type == "instance" || spec.protocol == "UDP" || spec.protocol == "TCP_UDP";
    g.created_hex = hex16(logical_id.empty() ? stable_hash(ids_.next("targetgroup")) : stable_hash(template_hash_scope() + "/" + logical_id + "/tg"));
    g.id = elb_arn(g.full_name());
    target_groups_.push_back(std::move(g));
    return target_groups_.back();
}

void VpcModel::modify_target_group_health_check(const std::string& arn, const HealthCheckSettings& settings) {
    target_group(arn);
    HealthCheckSettings h = settings;
    if (h.protocol != "TCP" && h.path.empty()) h.path = "/";
    if (h.protocol == "TCP") h.path.clear();
    check_health_check(h);
    target_group_mut(arn).health_check = h;
}

void VpcModel::delete_target_group(const std::string& arn) {
    target_group(arn);
    for (const auto& l : listeners_)
        if (l.target_group_arn == arn)
            throw ApiError("ResourceInUse", "Target group '" + arn + "' is currently in use by a listener or a rule (" + l.id + ")", "TargetGroupArn");
    std::erase_if(target_groups_, [&](const TargetGroup& g) { return g.id == arn; });
}

void VpcModel::set_target_group_attribute(const std::string& arn, const std::string& key, const std::string& value) {
    const TargetGroup& g = target_group(arn);
    auto boolean = [&]() {
        if (value != "true" && value != "false") validation_error("Attribute '" + key + "' must be 'true' or 'false', not '" + value + "'", "Attributes");
        return value == "true";
    };
    TargetGroup& m = target_group_mut(arn);
    if (key == "deregistration_delay.timeout_seconds") {
        const bool digits = !value.empty() && value.size() <= 4 && std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
        if (!digits || std::stoi(value) > 3600) validation_error("deregistration_delay.timeout_seconds must be 0 to 3600, not '" + value + "'", "Attributes");
        m.deregistration_delay = std::stoi(value);
    } else if (key == "proxy_protocol_v2.enabled") {
        m.proxy_protocol_v2 = boolean();
    } else if (key == "preserve_client_ip.enabled") {
        const bool on = boolean();
        // ELB NLB guide, "Client IP preservation": it cannot be turned off for UDP and TCP_UDP target groups.
        if (!on && (g.protocol == "UDP" || g.protocol == "TCP_UDP"))
            validation_error("Client IP preservation cannot be disabled for " + g.protocol + " target groups", "Attributes");
        m.preserve_client_ip = on;
    } else if (key == "deregistration_delay.connection_termination.enabled") {
        m.connection_termination = boolean();
    } else if (key == "stickiness.enabled" || key == "load_balancing.cross_zone.enabled") {
        boolean();  // accepted, not acted on (vpclab's flows stick for their life anyway; cross-zone is the load balancer's)
    } else {
        validation_error("Target group attribute key '" + key + "' is not recognized", "Attributes");
    }
}

Listener& VpcModel::create_listener(const std::string& logical_id, const std::string& load_balancer_arn, const std::string& protocol, int port,
                                    const std::string& target_group_arn, std::vector<Tag> tags) {
    const LoadBalancer& lb = load_balancer(load_balancer_arn);
    if (protocol == "TLS") validation_error("vpclab does not terminate TLS: use a TCP listener (and TCP target group) for port " + std::to_string(port), "Protocol");
    if (protocol != "TCP" && protocol != "UDP" && protocol != "TCP_UDP")
        validation_error("A network load balancer's listener protocol is TCP, UDP, TCP_UDP or TLS, not '" + protocol + "'", "Protocol");
    check_range(port, 1, 65535, "Port");
    for (const auto& l : listeners_)
        if (l.load_balancer_arn == lb.id && l.port == port && (l.protocol == protocol || l.protocol == "TCP_UDP" || protocol == "TCP_UDP" ||
                                                                tcp_like(l.protocol) == tcp_like(protocol)))
            throw ApiError("DuplicateListener", "A listener already exists on port " + std::to_string(port) + " of " + lb.name, "Port");
    if (target_group_arn.empty()) validation_error("A listener's default action must forward to a target group (DefaultActions Type forward, TargetGroupArn)", "DefaultActions");
    const TargetGroup& g = target_group(target_group_arn);
    if (g.vpc_id != lb.vpc_id)
        validation_error("Target group '" + g.name + "' is in " + g.vpc_id + ", not in the load balancer's VPC " + lb.vpc_id, "DefaultActions");
    if (g.protocol != protocol)
        throw ApiError("IncompatibleProtocols", "The listener's protocol " + protocol + " does not match target group '" + g.name + "''s protocol " + g.protocol, "DefaultActions");
    for (const auto& l : listeners_)
        if (l.target_group_arn == g.id && l.load_balancer_arn != lb.id)
            throw ApiError("TargetGroupAssociationLimit", "The target group '" + g.name + "' is already used by another load balancer", "DefaultActions");
    Listener l;
    l.logical_id = logical_id;
    l.cloudformation_stack_id = logical_id.empty() ? std::string() : creating_stack_id_;
    l.tags = std::move(tags);
    l.load_balancer_arn = lb.id;
    l.protocol = protocol;
    l.port = port;
    l.target_group_arn = g.id;
    const std::uint64_t h = logical_id.empty() ? stable_hash(ids_.next("listener")) : stable_hash(template_hash_scope() + "/" + logical_id + "/listener");
    l.id = elb_arn("listener/" + lb.full_name() + "/" + hex16(h));
    listeners_.push_back(std::move(l));
    return listeners_.back();
}

void VpcModel::delete_listener(const std::string& arn) {
    listener(arn);
    std::erase_if(listeners_, [&](const Listener& l) { return l.id == arn; });
}

std::vector<Target> VpcModel::checked_targets(const TargetGroup& g, std::vector<Target> targets) const {
    if (targets.empty()) validation_error("Give at least one target (Targets)", "Targets");
    for (auto& t : targets) {
        if (t.port == 0) t.port = g.port;
        check_range(t.port, 1, 65535, "Targets.Port");
        if (g.target_type == "instance") {
            if (t.id.rfind("i-", 0) != 0)
                throw ApiError("InvalidTarget", "The target '" + t.id + "' is not an instance ID: target group '" + g.name + "' takes instances", "Targets");
            const Instance* inst = nullptr;
            for (const auto& i : instances_)
                if (i.id == t.id) inst = &i;
            if (!inst || inst->state == InstanceState::terminated || inst->state == InstanceState::shutting_down)
                throw ApiError("InvalidTarget", "The following targets are not in a running state and cannot be registered: '" + t.id + "'", "Targets");
            if (inst->network_interface_ids.empty() || network_interface(inst->network_interface_ids.front()).vpc_id != g.vpc_id)
                throw ApiError("InvalidTarget", "The following targets are not in the target group's VPC '" + g.vpc_id + "': '" + t.id + "'", "Targets");
            t.availability_zone = inst->availability_zone;
        } else {
            const auto address = parse_ipv4(t.id);
            if (!address) throw ApiError("InvalidTarget", "The target '" + t.id + "' is not an IPv4 address: target group '" + g.name + "' takes ip targets", "Targets");
            const Vpc& v = vpc(g.vpc_id);
            if (!v.cidr.contains(*address))
                throw ApiError("InvalidTarget", "The IP address '" + t.id + "' is outside the VPC " + v.id + " (" + v.cidr.to_string() + ")", "Targets");
            for (const auto& s : subnets_)
                if (s.vpc_id == v.id && s.cidr.contains(*address)) t.availability_zone = s.availability_zone;
        }
    }
    return targets;
}

void VpcModel::register_targets(const std::string& arn, std::vector<Target> targets) {
    const TargetGroup& g = target_group(arn);
    targets = checked_targets(g, std::move(targets));
    TargetGroup& m = target_group_mut(arn);
    for (auto& t : targets) {
        auto same = std::find_if(m.targets.begin(), m.targets.end(), [&](const Target& x) { return x.id == t.id && x.port == t.port; });
        if (same == m.targets.end()) {
            m.targets.push_back(std::move(t));
        } else if (same->draining()) {
            same->draining_until = 0;  // registered again while draining: back in service, checked afresh
            same->health = TargetHealth{};
        }
    }
}

void VpcModel::deregister_targets(const std::string& arn, std::vector<Target> targets, std::int64_t now) {
    const TargetGroup& g = target_group(arn);
    for (auto& t : targets) {
        if (t.port == 0) t.port = g.port;
        const bool registered = std::any_of(g.targets.begin(), g.targets.end(), [&](const Target& x) { return x.id == t.id && x.port == t.port && !x.draining(); });
        if (!registered)
            throw ApiError("InvalidTarget", "The following targets are not registered in target group '" + g.name + "': '" + t.id + ":" + std::to_string(t.port) + "'", "Targets");
    }
    TargetGroup& m = target_group_mut(arn);
    for (const auto& t : targets)
        for (auto& x : m.targets)
            if (x.id == t.id && x.port == t.port) {
                // ELB NLB guide, "Deregistration delay": in-flight connections may go on for the delay; no new ones.
                x.draining_until = m.deregistration_delay == 0 ? -1 : now + m.deregistration_delay;  // -1: gone at once
                x.health = TargetHealth{TargetState::draining, "Target.DeregistrationInProgress", "Target deregistration is in progress"};
            }
    std::erase_if(m.targets, [](const Target& x) { return x.draining_until < 0; });
}

bool VpcModel::finish_draining(std::int64_t now) {
    bool changed = false;
    for (auto& g : target_groups_)
        changed |= std::erase_if(g.targets, [&](const Target& x) { return x.draining() && x.draining_until <= now; }) > 0;
    return changed;
}

void VpcModel::set_target_health(const std::string& arn, const std::string& target_id, int port, const TargetHealth& health) {
    TargetGroup& g = target_group_mut(arn);
    for (auto& t : g.targets)
        if (t.id == target_id && t.port == port && !t.draining()) t.health = health;
}

const LoadBalancer* VpcModel::load_balancer_of(const TargetGroup& g) const {
    for (const auto& l : listeners_)
        if (l.target_group_arn == g.id)
            for (const auto& lb : load_balancers_)
                if (lb.id == l.load_balancer_arn) return &lb;
    return nullptr;
}

}  // namespace vpclab::routing
