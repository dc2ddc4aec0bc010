// Control request dispatch: validates parameters against the action table, then reads or changes the model.
#include "router/control/control_api.hpp"

#include <algorithm>

#include "router/console/map_render.hpp"
#include "router/control/capture_action.hpp"
#include "router/control/describe_filters.hpp"
#include "router/control/ec2_actions.hpp"
#include "router/control/trace_action.hpp"

namespace vpclab::router {

// Replies keep the member order of the EC2 API's shapes; requests are read as parsed, never copied.
using json = nlohmann::ordered_json;
using Request = nlohmann::json;
using routing::ApiError;

namespace {

void check_params(const ActionSpec& spec, const Request& params) {
    if (!params.is_object()) throw ApiError("InvalidParameterValue", "Params must be an object");
    for (const auto& [key, value] : params.items()) {
        const ParamSpec* p = nullptr;
        for (const auto& candidate : spec.params)
            if (key == candidate.name) p = &candidate;
        if (!p) throw ApiError("UnknownParameter", "The parameter " + key + " is not recognized by " + spec.action);
        bool ok = false;
        switch (p->kind) {
            case ParamSpec::Kind::string: ok = value.is_string(); break;
            case ParamSpec::Kind::list:
                ok = value.is_array() && std::all_of(value.begin(), value.end(), [](const Request& v) { return v.is_string(); });
                break;
            case ParamSpec::Kind::filters: ok = value.is_array(); break;
            case ParamSpec::Kind::flag:
            case ParamSpec::Kind::boolean: ok = value.is_boolean(); break;
            case ParamSpec::Kind::attribute_boolean: ok = value.is_object() && value.contains("Value") && value["Value"].is_boolean(); break;
            case ParamSpec::Kind::structures:
                ok = value.is_array() && std::all_of(value.begin(), value.end(), [](const Request& v) { return v.is_object(); });
                break;
        }
        if (!ok) throw ApiError("InvalidParameterValue", "Parameter " + key + " has the wrong type", key);
        if (p->kind == ParamSpec::Kind::filters) check_filters(spec.action, key, value);
    }
    for (const auto& p : spec.params)
        if (p.required && !params.contains(p.name))
            throw ApiError("MissingParameter", std::string("The request must contain the parameter ") + p.name, p.name);
}

json lab_listing(const RouterState& state) {
    const routing::VpcModel& m = *state.model;
    json instances = json::array();
    for (const auto& ns : state.plan.instances) {
        const auto& inst = m.instance(ns.instance_id);
        if (inst.network_interface_ids.empty()) continue;
        const auto& eni = m.network_interface(inst.network_interface_ids.front());
        // The Name tag as it is now (create-tags may have renamed it); the namespace keeps its first name.
        instances.push_back({{"Name", inst.display_name()}, {"InstanceId", inst.id}, {"State", routing::name_of(inst.state)},
                             {"SubnetId", eni.subnet_id}, {"SubnetName", m.subnet(eni.subnet_id).display_name()},
                             {"PrivateIpAddress", routing::format_ipv4(eni.private_ip)},
                             {"PublicIpAddress", eni.public_ip ? routing::format_ipv4(*eni.public_ip) : ""},
                             {"Namespace", ns.netns}, {"Hostname", ns.hostname}});
    }
    // Terminated instances (still described for an hour) by name and ID: exec can say why it cannot enter one.
    json terminated = json::array();
    for (const auto& inst : m.instances())
        if (inst.state == routing::InstanceState::terminated) terminated.push_back({{"Name", inst.display_name()}, {"InstanceId", inst.id}});
    return {{"StackName", m.stack_name()}, {"Region", m.region()}, {"Instances", instances},
            {"RegionNamespace", state.plan.region_netns}, {"Terminated", terminated},
            {"AwsEndpoint", state.aws_endpoint_port ? "http://127.0.0.1:" + std::to_string(state.aws_endpoint_port) : std::string()}};
}

json stats(const RouterState& state) {
    const routing::VpcModel& m = *state.model;
    json ports = json::array();
    json totals = json::object();
    for (std::size_t i = 0; i < state.counters.size(); ++i) {
        const auto port_id = static_cast<routing::PortId>(i);
        const auto* eni = m.interface_on_port(port_id);
        const bool service = port_id == state.service_ports.region || port_id == state.service_ports.resolver;
        if (!eni && !service) continue;  // a port no ENI holds now
        const auto& c = state.counters[i];
        json drops = json::object();
        for (std::size_t r = 0; r < drop_reason_count; ++r) {
            if (!c.drops[r]) continue;
            const char* name = name_of(static_cast<DropReason>(r));
            drops[name] = c.drops[r];
            totals[name] = totals.value(name, std::uint64_t{0}) + c.drops[r];
        }
        json port;
        if (eni) {
            port = {{"NetworkInterfaceId", eni->id},
                     // A requester-managed ENI (an endpoint's, a load balancer node's) is named by what it serves.
                     {"InstanceName", !eni->instance_id.empty() ? m.instance(eni->instance_id).display_name()
                                      : eni->requester_managed() ? "(" + eni->description + ")"
                                                                 : std::string()},
                     {"InstanceId", eni->instance_id}, {"PrivateIpAddress", routing::format_ipv4(eni->private_ip)}};
        } else {
            // The service ports: the region ("the internet" beyond the IGWs) and the VPC resolver.
            const bool region = port_id == state.service_ports.region;
            port = {{"NetworkInterfaceId", region ? "(region)" : "(vpc resolver)"},
                    {"InstanceName", region ? state.plan.region_netns : state.plan.resolver_netns}, {"PrivateIpAddress", "-"}};
        }
        port.update(json{{"RxFrames", c.rx_frames}, {"RxBytes", c.rx_bytes}, {"TxFrames", c.tx_frames}, {"TxBytes", c.tx_bytes}, {"Drops", drops}});
        // An ENI's share of the connection tracking table (EC2's conntrack_allowance_available is what is left);
        // a load balancer node has no security groups, so nothing tracked.
        const bool node = state.snapshot && state.snapshot->is_eni(port_id) && !state.snapshot->port(port_id).has_security_groups();
        if (eni && !node) port.update(json{{"TrackedConnections", c.tracked}, {"TrackedConnectionsAllowance", c.tracked_allowance}});
        // Which network ACL rules denied this ENI's traffic (going out of its subnet, or coming in).
        json acl_denials = json::array();
        for (const auto& a : c.acl_rule_drops) {
            const routing::NetworkAcl* found = a.frames ? routing::network_acl_by_key(m, a.acl) : nullptr;
            if (!found) continue;  // since deleted
            const auto& acl = *found;
            acl_denials.push_back({{"NetworkAclId", acl.id}, {"Egress", !a.inbound},
                                   {"RuleNumber", a.rule_number == routing::network_acl_final_rule ? json("*") : json(a.rule_number)},
                                   {"Frames", a.frames}});
        }
        if (!acl_denials.empty()) port["NetworkAclDenials"] = acl_denials;
        ports.push_back(port);
    }
    json reasons = json::object();
    for (std::size_t r = 0; r < drop_reason_count; ++r) reasons[name_of(static_cast<DropReason>(r))] = description_of(static_cast<DropReason>(r));
    const auto& ct = state.connection_tracking;
    json out = {{"Interfaces", ports}, {"DropsByReason", totals}, {"DropReasons", reasons}, {"DnsQueriesAnswered", state.dns_queries_answered},
            {"Forwarding", {{"Workers", state.forwarding_workers}, {"TapWrites", state.batched_tap_writes ? "io_uring" : "write"}}},
            {"ConnectionTracking", {{"TrackedFlows", ct.flows}, {"MaxFlows", ct.max_flows}, {"MemoryBytes", ct.memory_bytes}, {"Refused", ct.refused}}},
            {"InterfaceEndpointConnections",
             {{"Connections", ct.endpoint_connections}, {"MaxConnections", ct.max_endpoint_connections}, {"Refused", ct.endpoint_refused}}},
            {"LoadBalancerConnections",
             {{"Connections", ct.load_balancer_connections}, {"MaxConnections", ct.max_load_balancer_connections}, {"Refused", ct.load_balancer_refused}}},
            // CloudWatch's names for NAT gateways ("Monitor NAT gateways with CloudWatch"): ErrorPortAllocation,
            // and ActiveConnectionCount (here every translation, TCP, UDP and ICMP, of every gateway).
            {"NatGatewayTranslations",
             {{"ActiveConnectionCount", ct.nat_translations}, {"MaxTranslations", ct.max_nat_translations}, {"MemoryBytes", ct.nat_memory_bytes},
              {"ConnectionsPerDestination", ct.nat_per_destination}, {"ErrorPortAllocation", ct.nat_port_allocation_errors},
              {"RefusedTableFull", ct.nat_refused}, {"IdleTimeoutSeconds", ct.nat_idle_timeout},
              {"WhenFull", "new connections are refused (dropped, counted in RefusedTableFull; an inside host has at most an eighth of the "
                           "table); established ones go on; idle translations are swept a few each batch"}}}};
    // On the OVN backend: whether OVN has the model (the last change's transaction, retried at the next).
    if (state.backend_error) {
        const std::string error = state.backend_error();
        out["OvnBackend"] = error.empty() ? json{{"InSync", true}} : json{{"InSync", false}, {"LastError", error}};
    }
    return out;
}

// Vpclab.Diagram {Format: dot | text | svg}: the resource map as `vpclab diagram` prints it.
json diagram(const Request& params, const RouterState& state) {
    const auto format_it = params.find("Format");
    if (format_it != params.end() && !format_it->is_string()) throw ApiError("InvalidParameterValue", "Format must be a string", "Format");
    const std::string format = format_it != params.end() ? format_it->get<std::string>() : "text";
    const console::ResourceMap map = console::build_resource_map(*state.model);
    if (format == "dot") return {{"Diagram", console::render_dot(map)}};
    if (format == "svg") return {{"Diagram", console::render_svg(map)}};
    if (format == "text") return {{"Diagram", console::render_text(map)}};
    throw ApiError("InvalidParameterValue", "Format must be dot, text or svg, not '" + format + "'", "Format");
}

// Vpclab.Console: the console's address with its token (the control socket is root's only, so is the token).
json console_address(const RouterState& state) {
    if (!state.console_port) throw ApiError("InvalidAction", "this router serves no console");
    return {{"Url", "http://127.0.0.1:" + std::to_string(state.console_port) + "/?token=" + state.console_token}};
}

}  // namespace

json handle_control_request(const Request& request, RouterState& state) {
    try {
        static const Request no_params = Request::object();
        auto action_it = request.find("Action");
        if (action_it == request.end() || !action_it->is_string()) throw ApiError("MalformedRequest", "the request has no Action string");
        const std::string& action = action_it->get_ref<const std::string&>();
        // A reference, never a copy: request JSON is only read in place.
        auto params_it = request.find("Params");
        const Request& params = params_it == request.end() ? no_params : *params_it;
        json result;
        if (action == "Vpclab.Ping") result = {{"StackName", state.model->stack_name()}};
        else if (action == "Vpclab.ListLab") result = lab_listing(state);
        else if (action == "Vpclab.Stats") result = stats(state);
        else if (action == "Vpclab.Diagram") result = diagram(params, state);
        else if (action == "Vpclab.Console") result = console_address(state);
        else if (action == "Vpclab.Trace") result = trace_packet(params, state);
        else if (action == "Vpclab.TraceLiveStart") result = live_trace_start(params, state);
        else if (action == "Vpclab.CaptureStart") result = capture_start(params, state);
        else if (action == "Vpclab.CapturePoll") result = capture_poll(params, state);
        else if (action == "Vpclab.CaptureStop") result = capture_stop(params, state);
        else if (action == "Vpclab.TraceLivePoll") result = live_trace_poll(params, state);
        else if (action == "Vpclab.TraceLiveStop") result = live_trace_stop(params, state);
        else if (action == "Vpclab.Shutdown") {
            state.shutdown_requested = true;
            result = json::object();
        } else if (const ActionSpec* spec = find_action(action)) {
            check_params(*spec, params);
            if (!spec->handler) throw ApiError("InternalError", "the action " + action + " has no handler");
            result = spec->handler(params, state);
        }
        else throw ApiError("InvalidAction", "The action '" + action + "' is not valid for this web service");
        return {{"ok", true}, {"result", result}};
    } catch (const ApiError& e) {
        return {{"ok", false}, {"error", {{"Code", e.code()}, {"Message", e.what()}}}};
    }
}

}  // namespace vpclab::router
