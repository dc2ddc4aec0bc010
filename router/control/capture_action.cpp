// Starting, polling and stopping capture sessions; frames handed out as base64 with what became of them.
#include "router/control/capture_action.hpp"

#include "instance/base64.hpp"
#include "router/control/trace_action.hpp"
#include "router/trace/step_text.hpp"

namespace vpclab::router {

using json = nlohmann::ordered_json;
using routing::ApiError;

namespace {

PacketCaptures::Session& session_named(const nlohmann::json& params, RouterState& state, const char* action) {
    only_params(params, {"CaptureId"}, action);
    const auto id = params.find("CaptureId");
    PacketCaptures::Session* session = id != params.end() && id->is_number_unsigned() ? state.captures.find(id->get<std::uint64_t>()) : nullptr;
    if (!session) throw ApiError("InvalidParameterValue", "CaptureId names no running capture of this lab (a capture nobody polls for " +
                                                              std::to_string(PacketCaptures::idle_limit.count()) + " s stops)", "CaptureId");
    return *session;
}

}  // namespace

json capture_start(const nlohmann::json& params, RouterState& state) {
    only_params(params, {"Source", "SnapLength"}, "Vpclab.CaptureStart");
    const auto source_it = params.find("Source");
    const std::string source = source_it != params.end() && source_it->is_string() ? source_it->get<std::string>() : "";
    if (source.empty()) throw ApiError("MissingParameter", "a capture needs a source: an instance's Name or ID, an ENI ID, or region", "Source");
    if (!state.snapshot || !state.flows) throw ApiError("IncorrectState", "the router's data path is not running");
    std::uint32_t snap_length = 262144;
    if (const auto snap = params.find("SnapLength"); snap != params.end()) {
        if (!snap->is_number_integer() || snap->get<std::int64_t>() < 64 || snap->get<std::int64_t>() > 262144)
            throw ApiError("InvalidParameterValue", "SnapLength must be from 64 to 262144 bytes", "SnapLength");
        snap_length = static_cast<std::uint32_t>(snap->get<std::int64_t>());
    }
    routing::PortIndex port = routing::no_port;
    std::string eni_id;
    if (source == "region") {
        port = state.service_ports.region;
    } else {
        const routing::NetworkInterface* eni = eni_named(*state.model, source, "Source");
        if (!eni) throw ApiError("InvalidParameterValue", "Source '" + source + "' is no instance (Name tag or ID), ENI ID or region (see `vpclab ls`)", "Source");
        if (!state.snapshot->is_eni(eni->port))
            throw ApiError("IncorrectState", "Source " + eni->id + " does not forward now (its instance is not running)", "Source");
        port = eni->port;
        eni_id = eni->id;
    }
    if (port == routing::no_port) throw ApiError("IncorrectState", "this lab has no region port to capture on", "Source");
    PacketCaptures::Session* session = state.captures.start(port, snap_length, PacketCaptures::Clock::now());
    if (!session)
        throw ApiError("IncorrectState", std::to_string(PacketCaptures::max_sessions) + " captures run on this lab already; stop one first");
    return {{"CaptureId", session->id}, {"Source", port_name(*state.model, *state.snapshot, port)}, {"NetworkInterfaceId", eni_id},
            {"SnapLength", snap_length}};
}

json capture_poll(const nlohmann::json& params, RouterState& state) {
    PacketCaptures::Session& session = session_named(params, state, "Vpclab.CapturePoll");
    session.last_poll = PacketCaptures::Clock::now();
    json frames = json::array();
    std::size_t bytes = 0;
    CapturedFrameHeader header;
    wire::ConstBytes data;
    while (bytes < max_poll_bytes && session.ring.front(header, data)) {
        json frame{{"Time", header.time_ns}, {"Kind", name_of(header.kind)}, {"Length", header.original},
                   {"Data", instance::base64_encode(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()))}};
        if (header.kind == CaptureKind::forwarded) frame["To"] = port_name(*state.model, *state.snapshot, header.other);
        if (header.kind == CaptureKind::delivered && header.other != routing::no_port) frame["From"] = port_name(*state.model, *state.snapshot, header.other);
        if (header.kind == CaptureKind::dropped) {
            frame["DropReason"] = name_of(header.reason);
            frame["Description"] = description_of(header.reason);
            if (header.other != routing::no_port) frame["From"] = port_name(*state.model, *state.snapshot, header.other);
        }
        bytes += data.size();
        frames.push_back(std::move(frame));
        session.ring.pop();
    }
    return {{"Frames", frames}, {"Lost", session.ring.lost()}, {"Done", false}};
}

json capture_stop(const nlohmann::json& params, RouterState& state) {
    PacketCaptures::Session& session = session_named(params, state, "Vpclab.CaptureStop");
    json out{{"Frames", session.frames}, {"Lost", session.ring.lost()}};
    state.captures.stop(session);
    return out;
}

}  // namespace vpclab::router
