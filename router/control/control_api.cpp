// Control request dispatch: validates parameters against the action table, then reads or changes the model.
#include "router/control/control_api.hpp"

#include <algorithm>

#include "router/control/aws_json.hpp"
#include "router/control/describe_filters.hpp"
#include "router/control/ec2_actions.hpp"

namespace vpclab::router {

// Replies keep the member order of the EC2 API's shapes; requests are read as parsed, never copied.
using json = nlohmann::ordered_json;
using Request = nlohmann::json;
using routing::ApiError;

namespace {

std::string string_param(const Request& params, const char* name) {
    auto it = params.find(name);
    return it != params.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::vector<std::string> list_param(const Request& params, const char* name) {
    std::vector<std::string> out;
    auto it = params.find(name);
    if (it != params.end() && it->is_array())
        for (const auto& v : *it)
            if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
}

// The describe pattern: all resources of a kind, narrowed by IDs (unknown IDs are an error, as in EC2) and filters.
template <class Items, class IdOf, class ToJson>
json describe_by(const Items& items, const Request& params, const char* ids_param, const char* not_found_code,
                 const char* what, IdOf id_of, ToJson to_json) {
    const auto ids = list_param(params, ids_param);
    for (const auto& id : ids) {
        bool found = false;
        for (const auto& item : items) found = found || id_of(item) == id;
        if (!found) throw ApiError(not_found_code, std::string("The ") + what + " ID '" + id + "' does not exist", ids_param);
    }
    json out = json::array();
    for (const auto& item : items) {
        if (!ids.empty() && std::find(ids.begin(), ids.end(), id_of(item)) == ids.end()) continue;
        json j = to_json(item);
        if (matches_filters(j, params)) out.push_back(std::move(j));
    }
    return out;
}

// Resources named by their `id` member (VPCs, subnets, …).
template <class Items, class ToJson>
json describe(const Items& items, const Request& params, const char* ids_param, const char* not_found_code,
              const char* what, ToJson to_json) {
    return describe_by(items, params, ids_param, not_found_code, what, [](const auto& item) { return item.id; }, to_json);
}

void check_params(const ActionSpec& spec, const Request& params) {
    if (!params.is_object()) throw ApiError("InvalidParameterValue", "Params must be an object");
    for (const auto& [key, value] : params.items()) {
        const ParamSpec* p = nullptr;
        for (const auto& candidate : spec.params)
            if (key == candidate.name) p = &candidate;
        if (!p) throw ApiError("UnknownParameter", "The parameter " + key + " is not recognized by " + spec.action);
        const bool ok = p->kind == ParamSpec::Kind::string ? value.is_string()
                        : p->kind == ParamSpec::Kind::list ? value.is_array()
                        : p->kind == ParamSpec::Kind::filters ? value.is_array()
                        : p->kind == ParamSpec::Kind::flag ? value.is_boolean()
                                                           : value.is_object() && value.contains("Value") && value["Value"].is_boolean();
        if (!ok) throw ApiError("InvalidParameterValue", "Parameter " + key + " has the wrong type", key);
        if (p->kind == ParamSpec::Kind::list)
            for (const auto& item : value)
                if (!item.is_string()) throw ApiError("InvalidParameterValue", "Every item of " + key + " must be a string", key);
        if (p->kind == ParamSpec::Kind::filters) check_filters(spec.action, key, value);
    }
    for (const auto& p : spec.params)
        if (p.required && !params.contains(p.name))
            throw ApiError("MissingParameter", std::string("The request must contain the parameter ") + p.name, p.name);
}

json ec2_action(const ActionSpec& spec, const Request& params, RouterState& state) {
    check_params(spec, params);
    // Read-only: changes go through state.commit() on a copy (after which this model is gone).
    const routing::VpcModel& m = *state.model;
    const std::string action = spec.action;
    if (action == "DescribeVpcs")
        return {{"Vpcs", describe(m.vpcs(), params, "VpcIds", "InvalidVpcID.NotFound", "vpc", [&](const auto& v) { return vpc_json(m, v); })}};
    if (action == "DescribeSubnets")
        return {{"Subnets", describe(m.subnets(), params, "SubnetIds", "InvalidSubnetID.NotFound", "subnet", [&](const auto& s) { return subnet_json(m, s); })}};
    if (action == "DescribeRouteTables")
        return {{"RouteTables", describe(m.route_tables(), params, "RouteTableIds", "InvalidRouteTableID.NotFound", "routeTable", [&](const auto& t) { return route_table_json(m, t); })}};
    if (action == "DescribeSecurityGroups")
        return {{"SecurityGroups", describe(m.security_groups(), params, "GroupIds", "InvalidGroup.NotFound", "security group", [&](const auto& g) { return security_group_json(m, g); })}};
    if (action == "DescribeInternetGateways")
        return {{"InternetGateways", describe(m.internet_gateways(), params, "InternetGatewayIds", "InvalidInternetGatewayID.NotFound", "internetGateway", [&](const auto& g) { return internet_gateway_json(m, g); })}};
    if (action == "DescribeInstances") {
        json reservations = json::array();
        for (auto& inst : describe(m.instances(), params, "InstanceIds", "InvalidInstanceID.NotFound", "instance", [&](const auto& i) { return instance_json(m, i); }))
            reservations.push_back({{"Groups", json::array()}, {"Instances", json::array({inst})}, {"OwnerId", "123456789012"},
                                    {"ReservationId", m.ids().make("r", inst["InstanceId"].get<std::string>())}});
        return {{"Reservations", reservations}};
    }
    const routing::VpcModel::RouteTarget target{string_param(params, "GatewayId"), string_param(params, "InstanceId"),
                                                string_param(params, "NetworkInterfaceId")};
    // Mutating actions: each runs on a copy of the model and is committed with its compiled snapshot and
    // zones, or not at all.
    if (action == "CreateRoute")
        return state.commit([&](routing::VpcModel& next) {
            next.create_route(string_param(params, "RouteTableId"), string_param(params, "DestinationCidrBlock"), target);
            return json{{"Return", true}};
        });
    if (action == "ReplaceRoute")
        return state.commit([&](routing::VpcModel& next) {
            next.replace_route(string_param(params, "RouteTableId"), string_param(params, "DestinationCidrBlock"), target);
            return json::object();
        });
    if (action == "DeleteRoute")
        return state.commit([&](routing::VpcModel& next) {
            next.delete_route(string_param(params, "RouteTableId"), string_param(params, "DestinationCidrBlock"));
            return json::object();
        });
    if (action == "CreateInternetGateway")
        return state.commit([&](routing::VpcModel& next) { return json{{"InternetGateway", internet_gateway_json(next, next.create_internet_gateway("", {}))}}; });
    if (action == "AttachInternetGateway" || action == "DetachInternetGateway")
        return state.commit([&](routing::VpcModel& next) {
            if (action == "AttachInternetGateway") next.attach_internet_gateway(string_param(params, "InternetGatewayId"), string_param(params, "VpcId"));
            else next.detach_internet_gateway(string_param(params, "InternetGatewayId"), string_param(params, "VpcId"));
            return json::object();
        });
    if (action == "AllocateAddress") {
        const std::string domain = string_param(params, "Domain");
        if (!domain.empty() && domain != "vpc") throw ApiError("InvalidParameterValue", "Domain must be vpc", "Domain");
        return state.commit([&](routing::VpcModel& next) { return elastic_ip_json(next, next.allocate_address()); });
    }
    if (action == "AssociateAddress") {
        auto it = params.find("AllowReassociation");
        const bool reassociate = it != params.end() && it->get<bool>();
        return state.commit([&](routing::VpcModel& next) {
            return json{{"AssociationId", next.associate_address(string_param(params, "AllocationId"), string_param(params, "InstanceId"),
                                                                 string_param(params, "NetworkInterfaceId"), reassociate)}};
        });
    }
    if (action == "DisassociateAddress")
        return state.commit([&](routing::VpcModel& next) {
            next.disassociate_address(string_param(params, "AssociationId"));
            return json::object();
        });
    if (action == "ReleaseAddress")
        return state.commit([&](routing::VpcModel& next) {
            next.release_address(string_param(params, "AllocationId"));
            return json::object();
        });
    if (action == "DescribeAddresses")
        return {{"Addresses", describe_by(m.elastic_ips(), params, "AllocationIds", "InvalidAllocationID.NotFound", "allocation",
                                          [](const auto& e) { return e.allocation_id; }, [&](const auto& e) { return elastic_ip_json(m, e); })}};
    if (action == "ModifyVpcAttribute") {
        const bool support = params.contains("EnableDnsSupport"), hostnames = params.contains("EnableDnsHostnames");
        // EC2 takes one attribute per call.
        if (support == hostnames)
            throw ApiError("InvalidParameterCombination", "Specify exactly one of --enable-dns-support and --enable-dns-hostnames", "EnableDnsSupport");
        std::optional<bool> s, h;
        if (support) s = params["EnableDnsSupport"]["Value"].get<bool>();
        if (hostnames) h = params["EnableDnsHostnames"]["Value"].get<bool>();
        return state.commit([&](routing::VpcModel& next) {
            next.modify_vpc_attribute(string_param(params, "VpcId"), s, h);
            return json::object();
        });
    }
    if (action == "DescribeVpcAttribute") {
        const auto& v = m.vpc(string_param(params, "VpcId"));
        const std::string attribute = string_param(params, "Attribute");
        if (attribute == "enableDnsSupport") return {{"VpcId", v.id}, {"EnableDnsSupport", {{"Value", v.enable_dns_support}}}};
        if (attribute == "enableDnsHostnames") return {{"VpcId", v.id}, {"EnableDnsHostnames", {{"Value", v.enable_dns_hostnames}}}};
        throw ApiError("InvalidParameterValue", "Value (" + attribute + ") for parameter attribute is invalid: use enableDnsSupport or enableDnsHostnames", "Attribute");
    }
    if (action == "DescribeManagedPrefixLists") {
        std::vector<endpoints::RegionService> lists;
        for (const auto& svc : state.catalog->services())
            if (!svc.prefix_list_id.empty()) lists.push_back(svc);
        return {{"PrefixLists", describe_by(lists, params, "PrefixListIds", "InvalidPrefixListID.NotFound", "prefix list",
                                            [](const auto& svc) { return svc.prefix_list_id; },
                                            [&](const auto& svc) { return managed_prefix_list_json(m.region(), svc); })}};
    }
    if (action == "GetManagedPrefixListEntries") {
        const auto* svc = state.catalog->find_by_prefix_list(string_param(params, "PrefixListId"));
        if (!svc) throw ApiError("InvalidPrefixListID.NotFound", "The prefix list ID '" + string_param(params, "PrefixListId") + "' does not exist", "PrefixListId");
        return {{"Entries", json::array({{{"Cidr", svc->block.to_string()}}})}};
    }
    throw ApiError("InvalidAction", "The action " + action + " is not valid for this web service");
}

json lab_listing(const RouterState& state) {
    const routing::VpcModel& m = *state.model;
    json instances = json::array();
    for (const auto& ns : state.plan.instances) {
        const auto& inst = m.instance(ns.instance_id);
        const auto& eni = m.network_interface(inst.network_interface_ids.front());
        instances.push_back({{"Name", ns.instance_name}, {"InstanceId", inst.id}, {"SubnetId", eni.subnet_id},
                             {"SubnetName", m.subnet(eni.subnet_id).display_name()},
                             {"PrivateIpAddress", routing::format_ipv4(eni.private_ip)},
                             {"PublicIpAddress", eni.public_ip ? routing::format_ipv4(*eni.public_ip) : ""},
                             {"Namespace", ns.netns}, {"Hostname", ns.hostname}});
    }
    return {{"StackName", m.stack_name()}, {"Region", m.region()}, {"Instances", instances},
            {"RegionNamespace", state.plan.region_netns}};
}

json stats(const RouterState& state) {
    const routing::VpcModel& m = *state.model;
    json ports = json::array();
    json totals = json::object();
    for (std::size_t i = 0; i < state.counters.size(); ++i) {
        const auto& c = state.counters[i];
        json drops = json::object();
        for (std::size_t r = 0; r < drop_reason_count; ++r) {
            if (!c.drops[r]) continue;
            const char* name = name_of(static_cast<DropReason>(r));
            drops[name] = c.drops[r];
            totals[name] = totals.value(name, std::uint64_t{0}) + c.drops[r];
        }
        json port;
        if (i < m.network_interfaces().size()) {
            const auto& eni = m.network_interfaces()[i];
            port = {{"NetworkInterfaceId", eni.id}, {"InstanceName", m.instance(eni.instance_id).display_name()}, {"InstanceId", eni.instance_id},
                    {"PrivateIpAddress", routing::format_ipv4(eni.private_ip)}};
        } else {
            // The service ports: the region ("the internet" beyond the IGWs) and the VPC resolver.
            const bool region = i == state.service_ports.region;
            port = {{"NetworkInterfaceId", region ? "(region)" : "(vpc resolver)"},
                    {"InstanceName", region ? state.plan.region_netns : state.plan.resolver_netns}, {"PrivateIpAddress", "-"}};
        }
        port.update(json{{"RxFrames", c.rx_frames}, {"RxBytes", c.rx_bytes}, {"TxFrames", c.tx_frames}, {"TxBytes", c.tx_bytes}, {"Drops", drops}});
        ports.push_back(port);
    }
    json reasons = json::object();
    for (std::size_t r = 0; r < drop_reason_count; ++r) reasons[name_of(static_cast<DropReason>(r))] = description_of(static_cast<DropReason>(r));
    return {{"Interfaces", ports}, {"DropsByReason", totals}, {"DropReasons", reasons}, {"DnsQueriesAnswered", state.dns_queries_answered}};
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
        else if (action == "Vpclab.Shutdown") {
            state.shutdown_requested = true;
            result = json::object();
        } else if (const ActionSpec* spec = find_action(action)) result = ec2_action(*spec, params, state);
        else throw ApiError("InvalidAction", "The action '" + action + "' is not valid for this web service");
        return {{"ok", true}, {"result", result}};
    } catch (const ApiError& e) {
        return {{"ok", false}, {"error", {{"Code", e.code()}, {"Message", e.what()}}}};
    }
}

}  // namespace vpclab::router
