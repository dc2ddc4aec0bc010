// Vpclab.Capture*: the control side of `vpclab capture` (sessions of router/data_path/packet_capture.hpp),
// started, polled and stopped by the CLI, which writes what it polls as pcapng.
#pragma once

#include <nlohmann/json.hpp>

#include "router/router_state.hpp"

namespace vpclab::router {

// Vpclab.CaptureStart {Source: an instance's Name or ID, an ENI ID, or "region"; SnapLength: 64–262144}:
// {CaptureId, Source, NetworkInterfaceId}. At most PacketCaptures::max_sessions at once (then
// IncorrectState). Vpclab.CapturePoll {CaptureId}: {Frames: [{Time (ns since the epoch), Kind, Length,
// Data (base64), To / From (a port's name), DropReason, Description}], Lost, Done}, at most
// max_poll_bytes of frames a poll. Vpclab.CaptureStop {CaptureId}: {Frames, Lost}.
constexpr std::size_t max_poll_bytes = 2 << 20;
nlohmann::ordered_json capture_start(const nlohmann::json& params, RouterState& state);
nlohmann::ordered_json capture_poll(const nlohmann::json& params, RouterState& state);
nlohmann::ordered_json capture_stop(const nlohmann::json& params, RouterState& state);

}  // namespace vpclab::router
