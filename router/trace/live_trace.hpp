// `vpclab trace --live`: the steps of the next real frames from or to one ENI, recorded by the data path
// while someone listens and rendered for the CLI that polls for them.
//
// While no live trace runs the event loop passes no recorder (the data path records nothing). While one
// runs, every frame is recorded into a fixed StepLog; a frame that matches (from or to the watched ENI, the
// protocol and port asked) is rendered on the loop (control-plane work, for at most `max_frames` frames),
// the others are forgotten. A trace nobody polls for `idle_limit` stops by itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "router/data_path/step.hpp"
#include "router/trace/step_text.hpp"

namespace vpclab::router {

struct LiveTrace {
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t max_frames = 100;
    static constexpr std::chrono::seconds idle_limit{30};

    bool active = false;
    std::uint64_t id = 0;  // the last trace started
    routing::PortIndex watched = routing::no_port;
    std::uint8_t protocol = 0;  // 0: any
    std::uint16_t port = 0;     // TCP/UDP, either end (0: any)
    std::size_t wanted = 0, seen = 0;
    Clock::time_point last_poll{};
    std::vector<nlohmann::ordered_json> frames;  // matched, rendered, not yet polled

    // Whether a frame with these steps, as it was read (`before`) on `ingress`, is one the trace asked for.
    bool matches(routing::PortIndex ingress, const PacketFacts& before, const StepLog& steps) const;
    // Keeps a matching frame's steps, rendered; stops once `wanted` were kept.
    void consider(const routing::VpcModel& model, const routing::ForwardingSnapshot& snapshot, routing::PortIndex ingress,
                  const PacketFacts& before, const StepLog& steps);
    // Stops a trace nobody polled for idle_limit (the loop asks once a second).
    void expire(Clock::time_point now) {
        if (active && now - last_poll > idle_limit) active = false;
    }
};

}  // namespace vpclab::router
