// Reachability Analyzer's family of the EC2 API: network insights paths and analyses (EC2 API reference,
// "CreateNetworkInsightsPath", "StartNetworkInsightsAnalysis", their Describe and Delete calls). An analysis
// is the data path's dry run on the configuration (router/trace/path_analysis.hpp), run when it starts.
#include "router/control/ec2/family.hpp"
#include "router/trace/path_analysis.hpp"

namespace vpclab::router::ec2 {

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

using routing::find_resource;
const routing::Instance* instance_named(const routing::VpcModel& m, const std::string& id) { return find_resource(m.instances(), id); }

const routing::LoadBalancer* load_balancer_named(const routing::VpcModel& m, const std::string& arn) {
    for (const auto& lb : m.load_balancers())
        if (lb.id == arn) return &lb;
    return nullptr;
}

// A path's source or destination: an instance (ID or, as vpclab's convenience, Name tag), ENI, internet
// gateway, VPC endpoint (destination) or network load balancer ARN (destination). Unknown or unsupported:
// InvalidParameterValue naming it (Reachability Analyzer Guide, "Source and destination resources").
std::string path_end(const routing::VpcModel& m, const std::string& given, const char* parameter, bool destination) {
    const std::string id = id_or_name(m.instances(), given, "i", parameter);
    bool known = instance_named(m, id) || find_resource(m.network_interfaces(), id) || std::any_of(m.internet_gateways().begin(), m.internet_gateways().end(), [&](const auto& g) { return g.id == id; });
    if (destination)
        known = known || std::any_of(m.vpc_endpoints().begin(), m.vpc_endpoints().end(), [&](const auto& e) { return e.id == id; }) || load_balancer_named(m, id);
    if (!known)
        throw ApiError("InvalidParameterValue",
                       std::string(parameter) + " '" + given + "' is no " +
                           (destination ? "instance, network interface, internet gateway, VPC endpoint or load balancer ARN"
                                        : "instance, network interface or internet gateway") + " of this lab",
                       parameter);
    if (const auto* e = find_resource(m.network_interfaces(), id); e && e->requester_managed() && !destination)
        throw ApiError("InvalidParameterValue", std::string(parameter) + " " + id + " is managed by AWS (" + e->interface_type + "): it does not start connections", parameter);
    return id;
}

json path_json(const routing::VpcModel& m, const routing::NetworkInsightsPath& p) {
    json j{{"NetworkInsightsPathId", p.id}, {"NetworkInsightsPathArn", ec2_resource_arn(m, p.id)}, {"CreatedDate", p.created_date},
           {"Source", p.source}};
    if (!p.destination.empty()) j["Destination"] = p.destination;
    j["SourceArn"] = p.source_arn;
    if (!p.destination_arn.empty()) j["DestinationArn"] = p.destination_arn;
    if (p.source_ip) j["SourceIp"] = routing::format_ipv4(*p.source_ip);
    if (p.destination_ip) j["DestinationIp"] = routing::format_ipv4(*p.destination_ip);
    j["Protocol"] = p.protocol;
    if (p.destination_port) j["DestinationPort"] = *p.destination_port;
    j["Tags"] = tags_json(m, p);
    return j;
}

json analysis_json(const routing::VpcModel& m, const routing::NetworkInsightsAnalysis& a) {
    json j{{"NetworkInsightsAnalysisId", a.id}, {"NetworkInsightsAnalysisArn", ec2_resource_arn(m, a.id)}, {"NetworkInsightsPathId", a.path_id},
           {"FilterInArns", json::array()}, {"StartDate", a.start_date}, {"Status", a.status}};
    if (!a.status_message.empty()) j["StatusMessage"] = a.status_message;
    if (a.network_path_found) j["NetworkPathFound"] = *a.network_path_found;
    if (!a.findings_json.empty()) {
        const json findings = json::parse(a.findings_json);
        for (const auto& [k, v] : findings.items()) j[k] = v;
    }
    j["Tags"] = tags_json(m, a);
    return j;
}

// A one-port range of a path filter: vpclab analyses one packet, so From must equal To.
std::optional<int> filter_port(const Request& filter, const char* member) {
    const auto it = filter.find(member);
    if (it == filter.end()) return std::nullopt;
    const auto from = int_param(*it, "FromPort"), to = int_param(*it, "ToPort");
    if (!from || !to || *from != *to || *from < 0 || *from > 65535)
        throw ApiError("InvalidParameterValue", std::string("FilterAtSource.") + member + ": vpclab analyses one packet; give one port (FromPort=N,ToPort=N)", "FilterAtSource");
    return *from;
}

json create_network_insights_path(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    routing::NetworkInsightsPath p;
    p.source = path_end(m, string_param(params, "Source"), "Source", false);
    if (params.contains("Destination")) p.destination = path_end(m, string_param(params, "Destination"), "Destination", true);
    p.protocol = lower(string_param(params, "Protocol"));
    if (p.protocol != "tcp" && p.protocol != "udp")
        throw ApiError("InvalidParameterValue", "Value (" + string_param(params, "Protocol") + ") for parameter Protocol is invalid: tcp or udp (Reachability Analyzer does not analyse ICMP; `vpclab trace` does)", "Protocol");
    p.source_ip = ipv4_param(params, "SourceIp");
    p.destination_ip = ipv4_param(params, "DestinationIp");
    if (const auto port = int_param(params, "DestinationPort")) {
        if (*port > 65535) throw ApiError("InvalidParameterValue", "DestinationPort must be 0 to 65535", "DestinationPort");
        p.destination_port = *port;
    }
    if (const Request* f = structures_param(params, "FilterAtSource")) {
        const Request& filter = single_structure(*f);
        for (const auto& [k, v] : filter.items())
            if (k != "SourceAddress" && k != "DestinationAddress" && k != "DestinationPortRange")
                throw ApiError("InvalidParameterValue", "FilterAtSource." + k + " is not supported by vpclab (SourceAddress, DestinationAddress, DestinationPortRange)", "FilterAtSource");
        if (const auto a = ipv4_param(filter, "SourceAddress")) p.source_ip = a;
        if (const auto a = ipv4_param(filter, "DestinationAddress")) p.destination_ip = a;
        if (const auto port = filter_port(filter, "DestinationPortRange")) p.destination_port = port;
    }
    if (params.contains("FilterAtDestination"))
        throw ApiError("InvalidParameterValue", "FilterAtDestination is not supported by vpclab: give --destination-ip and --destination-port", "FilterAtDestination");
    if (p.destination.empty() && !p.destination_ip)
        throw ApiError("MissingParameter", "A path needs a Destination or a DestinationIp", "Destination");
    if (p.source.rfind("igw-", 0) != 0 && p.source_ip)
        throw ApiError("InvalidParameterValue", "SourceIp is for a path from an internet gateway: an ENI sends from its own address", "SourceIp");
    // One packet is analysed, so one port: a load balancer's listener or an endpoint's HTTPS when none is given.
    if (!p.destination_port) {
        if (const auto* lb = load_balancer_named(m, p.destination))
            for (const auto& l : m.listeners())
                if (l.load_balancer_arn == lb->id && !p.destination_port) p.destination_port = l.port;
        if (p.destination.rfind("vpce-", 0) == 0) p.destination_port = 443;
    }
    if (!p.destination_port)
        throw ApiError("MissingParameter", "vpclab analyses one packet: give --destination-port (AWS would search every port)", "DestinationPort");
    p.source_arn = ec2_resource_arn(m, p.source);
    if (!p.destination.empty()) p.destination_arn = ec2_resource_arn(m, p.destination);
    p.tags = tags_for(params, "network-insights-path");
    p.created_date = utc_now("%Y-%m-%dT%H:%M:%S.000Z");
    return state.commit([&](routing::VpcModel& next) {
        return json{{"NetworkInsightsPath", path_json(next, next.create_network_insights_path(std::move(p)))}};
    });
}

json describe_network_insights_paths(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    return {{"NetworkInsightsPaths", describe(m.network_insights_paths(), params, "NetworkInsightsPathIds", "InvalidNetworkInsightsPathId.NotFound",
                                               "networkInsightsPath", [&](const auto& p) { return path_json(m, p); })}};
}

json delete_network_insights_path(const Request& params, RouterState& state) {
    const std::string id = string_param(params, "NetworkInsightsPathId");
    return state.commit([&](routing::VpcModel& next) {
        next.delete_network_insights_path(id);
        return json{{"NetworkInsightsPathId", id}};
    });
}

// What the analysis of `p` sends, or why it cannot be analysed (an explanation instead).
struct Resolved {
    TracePacket packet;
    PathDestination to;
    json blocked;  // an explanation found before any packet: a stopped instance, a gateway with no VPC
};

const routing::NetworkInterface* primary_eni(const routing::VpcModel& m, const routing::Instance& i) {
    return i.network_interface_ids.empty() ? nullptr : find_resource(m.network_interfaces(), i.network_interface_ids.front());
}

json bad_state(const routing::VpcModel& m, const std::string& id, const std::string& state, const char* code = "BAD_STATE") {
    const json c{{"Id", id}, {"Arn", ec2_resource_arn(m, id)}};
    return {{"Component", c}, {"ExplanationCode", code}, {"State", state}};
}

Resolved resolve(const RouterState& state, const routing::NetworkInsightsPath& p) {
    const auto& m = *state.model;
    const auto& snap = *state.snapshot;
    const auto& sp = state.service_ports;
    Resolved r;
    r.packet.protocol = p.protocol == "udp" ? 17 : 6;
    r.packet.destination_port = static_cast<std::uint16_t>(p.destination_port.value_or(0));
    r.packet.source_port = 40000;  // one ephemeral port stands for the rest
    const bool from_internet = p.source.rfind("igw-", 0) == 0;
    std::string source_az, source_vpc;
    if (from_internet) {
        for (const auto& g : m.internet_gateways())
            if (g.id == p.source && g.attached_vpc_id.empty()) r.blocked = bad_state(m, g.id, "detached", "BAD_STATE_ATTACHMENT");
        r.packet.port = sp.region;
        r.packet.source = p.source_ip.value_or(sp.region_link.network + 2);
    } else {
        const routing::NetworkInterface* eni = find_resource(m.network_interfaces(), p.source);
        if (const auto* i = instance_named(m, p.source)) {
            if (i->state != routing::InstanceState::running) r.blocked = bad_state(m, i->id, routing::name_of(i->state));
            eni = primary_eni(m, *i);
        }
        if (r.blocked.is_null() && (!eni || !snap.is_eni(eni->port) || snap.port(eni->port).served_by_router()))
            r.blocked = bad_state(m, p.source, "not forwarding (no running instance)");
        if (eni) {
            r.packet.port = eni->port;
            r.packet.source = eni->private_ip;
            source_vpc = eni->vpc_id;
            if (const auto* s = find_resource(m.subnets(), eni->subnet_id)) source_az = s->availability_zone;
        }
    }
    // The destination's address: as given, else the resource's (its public IP from the internet).
    const std::string& d = p.destination;
    std::optional<std::uint32_t> address = p.destination_ip;
    // Within the source's VPC, a VPC peered with it (an active connection) or one attached to a transit gateway
    // it is attached to, the private address; from the internet or another VPC, the public one, as the
    // resource's public DNS name gives it.
    auto eni_address = [&](const routing::NetworkInterface& e) -> std::optional<std::uint32_t> {
        const bool other_vpc = !from_internet && e.vpc_id != source_vpc && !m.active_peering(source_vpc, e.vpc_id) &&
                               !m.share_transit_gateway(source_vpc, e.vpc_id);
        if (!from_internet && !other_vpc) return e.private_ip;
        if (!e.public_ip) {
            json x = bad_state(m, p.source, "");
            x.erase("State");
            // "Internet gateways reject inbound traffic with a destination address that is not the public IP
            // address of a network interface"; separate VPCs "not connected by a supported resource".
            x["ExplanationCode"] = from_internet ? "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS" : "DISCONNECTED_VPCS";
            if (!from_internet) x["Component"] = {{"Id", e.id}, {"Arn", ec2_resource_arn(m, e.id)}};
            x["Address"] = routing::format_ipv4(e.private_ip);
            if (r.blocked.is_null()) r.blocked = x;
            return e.private_ip;
        }
        return e.public_ip;
    };
    // The node or endpoint ENI in the source's zone, else the first.
    auto zonal = [&](const std::vector<std::string>& eni_ids) -> const routing::NetworkInterface* {
        const routing::NetworkInterface* first = nullptr;
        for (const auto& id : eni_ids)
            if (const auto* e = find_resource(m.network_interfaces(), id)) {
                if (!first) first = e;
                if (const auto* s = find_resource(m.subnets(), e->subnet_id); s && s->availability_zone == source_az) return e;
            }
        return first;
    };
    if (d.empty()) {
        r.to.kind = PathDestination::Kind::address;
    } else if (const auto* i = instance_named(m, d)) {
        const routing::NetworkInterface* e = primary_eni(m, *i);
        if (i->state != routing::InstanceState::running && r.blocked.is_null()) r.blocked = bad_state(m, i->id, routing::name_of(i->state));
        r.to = {PathDestination::Kind::network_interface, e ? e->id : d, e ? e->port : routing::no_port};
        if (!address && e) address = eni_address(*e);
    } else if (const auto* e = find_resource(m.network_interfaces(), d)) {
        r.to = {PathDestination::Kind::network_interface, e->id, e->port};
        if (!address) address = eni_address(*e);
    } else if (d.rfind("igw-", 0) == 0) {
        r.to = {PathDestination::Kind::internet_gateway, d, routing::no_port};
        // To the internet: a host of the lab's region (it has no other internet) unless an address is given.
        if (!address && state.catalog && !state.catalog->internet_hosts().empty()) address = state.catalog->internet_hosts().front().address;
    } else if (d.rfind("vpce-", 0) == 0) {
        r.to = {PathDestination::Kind::vpc_endpoint, d, routing::no_port};
        const routing::VpcEndpoint& e = m.vpc_endpoint(d);
        if (!address && e.interface()) {
            if (const auto* n = zonal(e.network_interface_ids)) address = n->private_ip;
        } else if (!address) {
            for (const auto& offer : m.services())
                if (offer.service_name == e.service_name) address = offer.address ? offer.address : offer.block.network + 1;
        }
    } else if (const auto* lb = load_balancer_named(m, d)) {
        r.to = {PathDestination::Kind::load_balancer, d, routing::no_port};
        if (!address)
            if (const auto* n = zonal(lb->network_interface_ids)) address = eni_address(*n);
    }
    if (!address)
        throw ApiError("InvalidParameterValue", "The path's destination " + d + " has no address to analyse: give the path a DestinationIp", "NetworkInsightsPathId");
    r.packet.destination = *address;
    return r;
}

json start_network_insights_analysis(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    const routing::NetworkInsightsPath& path = m.network_insights_path(string_param(params, "NetworkInsightsPathId"));
    for (const char* unsupported : {"FilterInArns", "FilterOutArns", "AdditionalAccounts"})
        if (params.contains(unsupported))
            throw ApiError("InvalidParameterValue", std::string(unsupported) + " is not supported by vpclab: a lab has one account and one path per packet", unsupported);
    if (!state.snapshot) throw ApiError("IncorrectState", "the router's data path is not running");
    routing::NetworkInsightsAnalysis a;
    a.path_id = path.id;
    a.tags = tags_for(params, "network-insights-analysis");
    a.start_date = utc_now("%Y-%m-%dT%H:%M:%S.000Z");
    const Resolved r = resolve(state, path);
    json findings{{"ForwardPathComponents", json::array()}, {"ReturnPathComponents", json::array()}, {"Explanations", json::array()}};
    bool found = false;
    if (!r.blocked.is_null()) {
        findings["Explanations"].push_back(r.blocked);
    } else {
        const PathFindings f = path_findings(m, *state.snapshot, dry_run_on_configuration(*state.snapshot, r.packet), r.to);
        found = f.found;
        findings["ForwardPathComponents"] = f.forward;
        findings["ReturnPathComponents"] = f.back;
        findings["Explanations"] = f.explanations;
    }
    if (found) findings.erase("Explanations");
    a.status = "succeeded";  // the dry run is done when the call returns
    a.network_path_found = found;
    a.findings_json = findings.dump();
    return state.commit([&](routing::VpcModel& next) {
        json j = analysis_json(next, next.create_network_insights_analysis(std::move(a)));
        // StartNetworkInsightsAnalysis answers before AWS has analysed: "running", without findings.
        j["Status"] = "running";
        for (const char* later : {"NetworkPathFound", "ForwardPathComponents", "ReturnPathComponents", "Explanations"}) j.erase(later);
        return json{{"NetworkInsightsAnalysis", j}};
    });
}

json describe_network_insights_analyses(const Request& params, RouterState& state) {
    const auto& m = *state.model;
    const std::string path_id = string_param(params, "NetworkInsightsPathId");
    if (!path_id.empty()) m.network_insights_path(path_id);
    json all = describe(m.network_insights_analyses(), params, "NetworkInsightsAnalysisIds", "InvalidNetworkInsightsAnalysisId.NotFound",
                        "networkInsightsAnalysis", [&](const auto& a) { return analysis_json(m, a); });
    json out = json::array();
    for (auto& a : all)
        if (path_id.empty() || a["NetworkInsightsPathId"] == path_id) out.push_back(std::move(a));
    return {{"NetworkInsightsAnalyses", out}};
}

json delete_network_insights_analysis(const Request& params, RouterState& state) {
    const std::string id = string_param(params, "NetworkInsightsAnalysisId");
    return state.commit([&](routing::VpcModel& next) {
        next.delete_network_insights_analysis(id);
        return json{{"NetworkInsightsAnalysisId", id}};
    });
}

}  // namespace
}  // namespace vpclab::router::ec2

namespace vpclab::router {

std::vector<ActionSpec> network_insights_actions() {
    using namespace ec2;
    return {
        {"create-network-insights-path", "CreateNetworkInsightsPath",
         "a path for Reachability Analyzer: from an instance, ENI or internet gateway to an instance, ENI, internet gateway, VPC endpoint, "
         "load balancer ARN or address",
         {{"--source", "Source", K::string, true},
          {"--destination", "Destination", K::string, false},
          {"--source-ip", "SourceIp", K::string, false},
          {"--destination-ip", "DestinationIp", K::string, false},
          {"--protocol", "Protocol", K::string, true},
          {"--destination-port", "DestinationPort", K::string, false},
          {"--filter-at-source", "FilterAtSource", K::structures, false, "newer than botocore 1.29's model"},
          {"--filter-at-destination", "FilterAtDestination", K::structures, false, "newer than botocore 1.29's model"},
          {"--client-token", "ClientToken", K::string, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false}},
         create_network_insights_path},
        {"describe-network-insights-paths", "DescribeNetworkInsightsPaths", "list Reachability Analyzer paths",
         {{"--network-insights-path-ids", "NetworkInsightsPathIds", K::list, false}, {"--filters", "Filters", K::filters, false}},
         describe_network_insights_paths, {"destination", "source", "protocol", "tag-key"}},
        {"delete-network-insights-path", "DeleteNetworkInsightsPath", "delete a path (and its analyses)",
         {{"--network-insights-path-id", "NetworkInsightsPathId", K::string, true}}, delete_network_insights_path},
        {"start-network-insights-analysis", "StartNetworkInsightsAnalysis",
         "analyse a path: the data path's dry run of its packet and the reply, on the configuration as it is now",
         {{"--network-insights-path-id", "NetworkInsightsPathId", K::string, true},
          {"--filter-in-arns", "FilterInArns", K::list, false},
          {"--client-token", "ClientToken", K::string, false},
          {"--tag-specifications", "TagSpecifications", K::structures, false}},
         start_network_insights_analysis},
        {"describe-network-insights-analyses", "DescribeNetworkInsightsAnalyses",
         "an analysis's result: NetworkPathFound, the forward and return path components, the explanation codes",
         {{"--network-insights-analysis-ids", "NetworkInsightsAnalysisIds", K::list, false},
          {"--network-insights-path-id", "NetworkInsightsPathId", K::string, false},
          {"--filters", "Filters", K::filters, false}},
         describe_network_insights_analyses, {"path-found", "status", "tag-key"}},
        {"delete-network-insights-analysis", "DeleteNetworkInsightsAnalysis", "delete an analysis",
         {{"--network-insights-analysis-id", "NetworkInsightsAnalysisId", K::string, true}}, delete_network_insights_analysis},
    };
}

}  // namespace vpclab::router
