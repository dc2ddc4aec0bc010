// Vpclab.Trace: resolving a trace's source and destination, the dry run, and its steps as JSON.
#include "router/control/trace_action.hpp"

#include <algorithm>

#include "endpoints/dns_zone.hpp"
#include "router/trace/dry_run.hpp"
#include "routing/api_error.hpp"

namespace vpclab::router {

using json = nlohmann::ordered_json;
using routing::ApiError;

namespace {

std::string string_param(const nlohmann::json& params, const char* name, const std::string& fallback = {}) {
    const auto it = params.find(name);
    if (it == params.end()) return fallback;
    if (!it->is_string()) throw ApiError("InvalidParameterValue", std::string("Parameter ") + name + " must be a string", name);
    return it->get<std::string>();
}


std::uint8_t protocol_param(const nlohmann::json& params, const std::string& fallback) {
    const std::string protocol = string_param(params, "Protocol", fallback);
    if (protocol == "icmp") return 1;
    if (protocol == "tcp") return 6;
    if (protocol == "udp") return 17;
    throw ApiError("InvalidParameterValue", "Protocol must be tcp, udp or icmp, not '" + protocol + "'", "Protocol");
}

std::uint16_t port_param(const nlohmann::json& params, const char* name, std::uint16_t fallback) {
    const auto it = params.find(name);
    if (it == params.end()) return fallback;
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1 || it->get<std::int64_t>() > 65535)
        throw ApiError("InvalidParameterValue", std::string(name) + " must be a port number from 1 to 65535", name);
    return static_cast<std::uint16_t>(it->get<std::int64_t>());
}

}  // namespace

void only_params(const nlohmann::json& params, std::initializer_list<const char*> known, const char* action) {
    if (!params.is_object()) throw ApiError("InvalidParameterValue", "Params must be an object");
    for (const auto& item : params.items()) {
        const std::string& key = item.key();
        if (std::none_of(known.begin(), known.end(), [&key](const char* k) { return key == k; }))
            throw ApiError("UnknownParameter", "The parameter " + key + " is not recognized by " + action);
    }
}

const routing::NetworkInterface* eni_named(const routing::VpcModel& m, const std::string& name, const char* what) {
    for (const auto& e : m.network_interfaces())
        if (e.id == name) return &e;
    std::vector<const routing::Instance*> found;
    for (const auto& i : m.instances())
        if ((i.id == name || i.display_name() == name) && i.state != routing::InstanceState::terminated) found.push_back(&i);
    if (found.size() > 1) {
        std::string ids;
        for (const auto* i : found) ids += (ids.empty() ? "" : ", ") + i->id;
        throw ApiError("InvalidParameterValue", std::string(what) + " '" + name + "' names " + std::to_string(found.size()) + " instances (" + ids + "): use an instance ID");
    }
    if (found.empty() || found[0]->network_interface_ids.empty()) return nullptr;
    return &m.network_interface(found[0]->network_interface_ids.front());
}

namespace {

std::size_t vpc_index(const routing::VpcModel& m, const std::string& vpc_id) {
    for (std::size_t i = 0; i < m.vpcs().size(); ++i)
        if (m.vpcs()[i].id == vpc_id) return i;
    return m.vpcs().size();
}

// A DNS name as the resolver of VPC `vpc` answers it; from the region, as the internet would: the region's
// services and hosts, and instances' public names (never a VPC's private zone).
std::optional<std::uint32_t> resolve_name(const RouterState& state, std::string name, std::size_t vpc, bool from_region) {
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!name.empty() && name.back() == '.') name.pop_back();
    if (!from_region) {
        if (vpc >= state.dns_zones.size()) return std::nullopt;
        const auto it = state.dns_zones[vpc].a_records.find(name);
        if (it == state.dns_zones[vpc].a_records.end() || it->second.empty()) return std::nullopt;
        return it->second.front();
    }
    if (state.catalog) {
        for (const auto& service : state.catalog->services())
            if (service.dns_name == name && !service.addresses.empty()) return service.addresses.front();
        for (const auto& host : state.catalog->internet_hosts())
            if (std::find(host.names.begin(), host.names.end(), name) != host.names.end()) return host.address;
    }
    for (const auto& e : state.model->network_interfaces())
        if (e.public_ip && endpoints::public_dns_name(*e.public_ip, state.model->region()) == name) return *e.public_ip;
    return std::nullopt;
}

json leg_json(const RouterState& state, const TraceLeg& leg, std::string& ended) {
    PacketFacts packet = packet_facts(trace_frame(*state.snapshot, leg.sent));  // as the leg sent it
    const std::string sent = describe(packet);
    json steps = json::array();
    const json* drop = nullptr;
    for (const Step& s : leg.steps) steps.push_back(step_json(*state.model, *state.snapshot, s, packet));
    for (const auto& s : steps)
        if (s["Verdict"] == "drop") drop = &s;
    json out{{"Packet", sent}, {"Steps", steps}};
    if (leg.delivered) {
        out["Result"] = "delivered";
        out["DeliveredTo"] = port_name(*state.model, *state.snapshot, leg.delivered_to);
        ended = "delivered to " + out["DeliveredTo"].get<std::string>();
    } else if (drop) {
        out["Result"] = "dropped";
        out["DropReason"] = (*drop)["DropReason"];
        out["Fix"] = (*drop)["Fix"];
        ended = "dropped at " + (*drop)["Stage"].get<std::string>() + ": " + (*drop)["Detail"].get<std::string>();
    } else {
        out["Result"] = "answered by the router";
        ended = "answered by the router";
    }
    return out;
}

}  // namespace

json trace_packet(const nlohmann::json& params, const RouterState& state) {
    only_params(params, {"Source", "Destination", "Protocol", "Port", "SourcePort", "SourceIp"}, "Vpclab.Trace");
    if (!state.snapshot || !state.flows) throw ApiError("IncorrectState", "the router's data path is not running");
    const routing::VpcModel& m = *state.model;
    const routing::ForwardingSnapshot& snap = *state.snapshot;
    const auto& sp = state.service_ports;
    const std::string source = string_param(params, "Source"), destination = string_param(params, "Destination");
    if (source.empty()) throw ApiError("MissingParameter", "a trace needs a source: an instance's Name or ID, an ENI ID, or region", "Source");
    if (destination.empty()) throw ApiError("MissingParameter", "a trace needs a destination: an address, an instance, or a DNS name", "Destination");

    TracePacket p;
    p.protocol = protocol_param(params, params.contains("Port") ? "tcp" : "icmp");
    if (p.protocol == 1 && (params.contains("Port") || params.contains("SourcePort")))
        throw ApiError("InvalidParameterValue", "ICMP has no ports: give --protocol tcp or udp with --port", "Port");
    p.destination_port = port_param(params, "Port", 80);
    p.source_port = port_param(params, "SourcePort", 40000);

    const bool from_region = source == "region";
    std::string source_eni;
    std::size_t vpc = m.vpcs().size();
    if (from_region) {
        p.port = sp.region;
        const std::string ip = string_param(params, "SourceIp");
        const auto parsed = ip.empty() ? std::optional<std::uint32_t>(sp.region_link.network + 2) : routing::parse_ipv4(ip);
        if (!parsed) throw ApiError("InvalidParameterValue", "SourceIp '" + ip + "' is not an IPv4 address", "SourceIp");
        p.source = *parsed;
    } else {
        if (params.contains("SourceIp")) throw ApiError("InvalidParameterValue", "SourceIp is for a trace from the region; an ENI sends from its own address", "SourceIp");
        const routing::NetworkInterface* eni = eni_named(m, source, "Source");
        if (!eni) throw ApiError("InvalidParameterValue", "Source '" + source + "' is no instance (Name tag or ID), ENI ID or region (see `vpclab ls`)", "Source");
        if (!snap.is_eni(eni->port) || snap.port(eni->port).served_by_router())
            throw ApiError("IncorrectState", "Source " + eni->id + " does not forward now (its instance is not running, or the router serves it)", "Source");
        p.port = eni->port;
        p.source = eni->private_ip;
        source_eni = eni->id;
        vpc = vpc_index(m, eni->vpc_id);
    }
    if (const auto address = routing::parse_ipv4(destination)) {
        p.destination = *address;
    } else if (const routing::NetworkInterface* to = eni_named(m, destination, "Destination")) {
        if (from_region && !to->public_ip) throw ApiError("InvalidParameterValue", "Destination " + to->id + " has no public IP: the region cannot address it", "Destination");
        p.destination = from_region ? *to->public_ip : to->private_ip;
    } else if (const auto resolved = resolve_name(state, destination, vpc, from_region)) {
        p.destination = *resolved;
    } else {
        throw ApiError("InvalidParameterValue", "Destination '" + destination + "' is no address, instance, ENI or name the " +
                                                    (from_region ? std::string("lab's resolvers know") : "source VPC's resolver knows"), "Destination");
    }

    const DryRun run = dry_run(snap, *state.flows, p);
    std::string forward_end, reply_end;
    json out{{"Source", port_name(m, snap, p.port)}, {"Destination", routing::format_ipv4(p.destination)}};
    out["Forward"] = leg_json(state, run.forward, forward_end);
    if (run.reply_sent) out["Return"] = leg_json(state, run.reply, reply_end);
    const bool delivered = run.forward.delivered && run.reply_sent && run.reply.delivered;
    out["Delivered"] = delivered;
    out["Summary"] = !run.forward.delivered ? forward_end
                     : !run.reply_sent      ? forward_end + "; no reply could be sent from there"
                     : run.reply.delivered  ? forward_end + ", and its reply " + reply_end
                                            : forward_end + ", but its reply is " + reply_end;
    if (state.backend_trace && !from_region)
        out["OvnTrace"] = state.backend_trace({source_eni, p.destination, p.protocol, p.source_port, p.destination_port});
    return out;
}

json live_trace_start(const nlohmann::json& params, RouterState& state) {
    only_params(params, {"Source", "Protocol", "Port", "Count"}, "Vpclab.TraceLiveStart");
    LiveTrace& live = state.live_trace;
    // One at a time; a finished trace's frames wait for its client's next poll unless it stopped asking.
    const bool unpolled = !live.frames.empty() && LiveTrace::Clock::now() - live.last_poll <= LiveTrace::idle_limit;
    if (live.active || unpolled)
        throw ApiError("IncorrectState", "a live trace is running on this lab already (trace " + std::to_string(live.id) + "); try again when it ends");
    const std::string source = string_param(params, "Source");
    const routing::NetworkInterface* eni = source.empty() ? nullptr : eni_named(*state.model, source, "Source");
    if (!eni) throw ApiError("InvalidParameterValue", "Source '" + source + "' is no instance (Name tag or ID) or ENI ID (see `vpclab ls`)", "Source");
    if (!state.snapshot || !state.flows) throw ApiError("IncorrectState", "the router's data path is not running");
    if (!state.snapshot->is_eni(eni->port) || state.snapshot->port(eni->port).served_by_router())
        throw ApiError("IncorrectState", "Source " + eni->id + " does not forward now (its instance is not running, or the router serves it)", "Source");
    const std::uint8_t protocol = params.contains("Protocol") ? protocol_param(params, "icmp") : 0;
    const std::uint16_t port = port_param(params, "Port", 0);
    if (port && protocol == 1) throw ApiError("InvalidParameterValue", "ICMP has no ports", "Port");
    const auto count = params.find("Count");
    if (count != params.end() && (!count->is_number_integer() || count->get<std::int64_t>() < 1 ||
                                  count->get<std::int64_t>() > static_cast<std::int64_t>(LiveTrace::max_frames)))
        throw ApiError("InvalidParameterValue", "Count must be from 1 to " + std::to_string(LiveTrace::max_frames), "Count");
    live.frames.clear();
    live.watched = eni->port;
    live.protocol = protocol;
    live.port = port;
    live.wanted = count == params.end() ? 5 : static_cast<std::size_t>(count->get<std::int64_t>());
    live.seen = 0;
    live.last_poll = LiveTrace::Clock::now();
    live.id += 1;
    live.active = true;
    return {{"TraceId", live.id}, {"Source", port_name(*state.model, *state.snapshot, eni->port)}};
}

namespace {
LiveTrace& live_trace_named(const nlohmann::json& params, RouterState& state, const char* action) {
    only_params(params, {"TraceId"}, action);
    const auto id = params.find("TraceId");
    if (id == params.end() || !id->is_number_unsigned() || id->get<std::uint64_t>() != state.live_trace.id || state.live_trace.id == 0)
        throw ApiError("InvalidParameterValue", "TraceId names no live trace of this lab (the last one started is " + std::to_string(state.live_trace.id) + ")", "TraceId");
    return state.live_trace;
}
}  // namespace

json live_trace_poll(const nlohmann::json& params, RouterState& state) {
    LiveTrace& live = live_trace_named(params, state, "Vpclab.TraceLivePoll");
    live.last_poll = LiveTrace::Clock::now();
    json frames = json::array();
    for (auto& f : live.frames) frames.push_back(std::move(f));
    live.frames.clear();
    return {{"Frames", frames}, {"Done", !live.active}};
}

json live_trace_stop(const nlohmann::json& params, RouterState& state) {
    LiveTrace& live = live_trace_named(params, state, "Vpclab.TraceLiveStop");
    live.active = false;
    live.frames.clear();
    return json::object();
}

}  // namespace vpclab::router
