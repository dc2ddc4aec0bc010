// Choosing and rendering the frames a live trace asked for.
#include "router/trace/live_trace.hpp"

namespace vpclab::router {

bool LiveTrace::matches(routing::PortIndex ingress, const PacketFacts& before, const StepLog& steps) const {
    if (!before.ipv4) return false;  // ARP and malformed frames are not what a person traces
    if (protocol && before.protocol != protocol) return false;
    if (port && before.source_port != port && before.destination_port != port) return false;
    if (ingress == watched) return true;
    for (const Step& s : steps)
        if (s.port == watched && (s.stage == Stage::deliver || s.stage == Stage::acl_in || s.stage == Stage::sg_ingress)) return true;
    return false;
}

void LiveTrace::consider(const routing::VpcModel& model, const routing::ForwardingSnapshot& snapshot, routing::PortIndex ingress,
                         const PacketFacts& before, const StepLog& steps) {
    if (!active || !matches(ingress, before, steps)) return;
    PacketFacts packet = before;
    nlohmann::ordered_json rendered = nlohmann::ordered_json::array();
    std::string result = "answered by the router";
    for (const Step& s : steps) {
        rendered.push_back(step_json(model, snapshot, s, packet));
        if (s.verdict == Verdict::drop) result = std::string("dropped: ") + name_of(s.reason);
        else if (s.verdict == Verdict::deliver && s.port != ingress) result = "delivered to " + port_name(model, snapshot, s.port);
    }
    if (steps.lost) result += " (" + std::to_string(steps.lost) + " later steps not kept)";
    frames.push_back({{"Packet", describe(before)}, {"Steps", std::move(rendered)}, {"Result", result}});
    if (++seen >= wanted) active = false;
}

}  // namespace vpclab::router
