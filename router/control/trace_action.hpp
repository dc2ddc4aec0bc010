// Vpclab.Trace: one synthetic packet and its reply through the data path's dry run, each step named by the
// AWS resources that decided it (the control side of `vpclab trace`).
#pragma once

#include <initializer_list>

#include <nlohmann/json.hpp>

#include "router/router_state.hpp"

namespace vpclab::router {

// Params: Source (an instance's Name tag or ID, an ENI ID, or "region"), Destination (an IPv4 address, an
// instance, an ENI, or a DNS name the source's VPC resolver answers), Protocol ("icmp", "tcp" or "udp"),
// Port and SourcePort (TCP and UDP), SourceIp (from the region: the internet address it comes from).
// Refuses (UnknownParameter) a parameter of `action` not in `known`, and Params that are not an object.
void only_params(const nlohmann::json& params, std::initializer_list<const char*> known, const char* action);

// The ENI a name stands for: an ENI ID, or an instance's ID or Name tag (its primary ENI). nullptr: neither.
// A Name several instances carry is refused (ApiError naming them; `what` names the parameter).
const routing::NetworkInterface* eni_named(const routing::VpcModel& m, const std::string& name, const char* what);

nlohmann::ordered_json trace_packet(const nlohmann::json& params, const RouterState& state);

// Vpclab.TraceLiveStart {Source, Protocol, Port, Count}: records the next Count frames (1-100) from or to
// Source's ENI, the only live trace of the lab (refused while another runs). Vpclab.TraceLivePoll {TraceId}:
// the frames recorded since the last poll, and Done. Vpclab.TraceLiveStop {TraceId}.
nlohmann::ordered_json live_trace_start(const nlohmann::json& params, RouterState& state);
nlohmann::ordered_json live_trace_poll(const nlohmann::json& params, RouterState& state);
nlohmann::ordered_json live_trace_stop(const nlohmann::json& params, RouterState& state);

}  // namespace vpclab::router
