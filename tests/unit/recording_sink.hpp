// Test helper: a FrameSink that records what the pipeline sent and dropped, and sending a frame through it.
#pragma once

#include <atomic>
#include <cstring>
#include <utility>
#include <vector>

#include "router/data_path/pipeline.hpp"
#include "tests/unit/pipeline_lab.hpp"
#include "wire/ethernet.hpp"

namespace vpclab::test {

struct Sent {
    routing::PortIndex port;
    std::vector<std::uint8_t> frame;
    std::vector<std::uint8_t> packet() const { return {frame.begin() + 24, frame.end()}; }
    wire::MacAddress destination() const { return wire::EthernetView(wire::Bytes(const_cast<std::uint8_t*>(frame.data()) + 10, 14)).destination(); }
    wire::MacAddress source() const { return wire::EthernetView(wire::Bytes(const_cast<std::uint8_t*>(frame.data()) + 10, 14)).source(); }
};

struct RecordingSink final : router::FrameSink {
    std::vector<Sent> sent;
    std::vector<std::pair<routing::PortIndex, router::DropReason>> drops;
    void transmit(routing::PortIndex port, wire::ConstBytes f) noexcept override { sent.push_back({port, {f.begin(), f.end()}}); }
    void drop(routing::PortIndex port, wire::ConstBytes, router::DropReason reason) noexcept override { drops.emplace_back(port, reason); }
};

// A FrameSink that only counts, allocating nothing: for replays that count heap allocations.
struct CountingSink final : router::FrameSink {
    std::size_t sent = 0, dropped = 0;
    void transmit(routing::PortIndex, wire::ConstBytes) noexcept override { ++sent; }
    void drop(routing::PortIndex, wire::ConstBytes, router::DropReason) noexcept override { ++dropped; }
};

// `packet` from `from` (its MAC `mac`) through the pipeline of `lab`.
inline RecordingSink send_through(PipelineLab& lab, routing::PortIndex from, const std::vector<std::uint8_t>& packet, const wire::MacAddress& mac) {
    auto f = frame_of(mac, packet);
    RecordingSink sink;
    std::vector<std::uint8_t> scratch(router::pipeline_scratch_size);
    router::process_frame(*lab.snap, from, f, scratch, sink, lab.flows);
    return sink;
}

inline bool dropped(const RecordingSink& s, router::DropReason why) { return s.sent.empty() && s.drops.size() == 1 && s.drops[0].second == why; }

using PortFrames = std::vector<std::pair<routing::PortIndex, std::vector<std::uint8_t>>>;

// Replays `originals` through `lab`'s pipeline `rounds` times without a step log, then `rounds` times with one
// (each frame restored first: the pipeline rewrites in place), into `sink`, calling `between(round)` after each
// round; returns how many heap allocations `allocations` (the test binary's operator new count) saw meanwhile.
template <class Between>
std::size_t allocations_replaying(PipelineLab& lab, const PortFrames& originals, int rounds, CountingSink& sink,
                                  const std::atomic<std::size_t>& allocations, Between between) {
    auto frames = originals;
    std::vector<std::uint8_t> scratch(router::pipeline_scratch_size);
    router::StepLog log;
    const std::size_t before = allocations.load();
    for (int pass = 0; pass < 2; ++pass)
        for (int i = 0; i < rounds; ++i) {
            for (std::size_t k = 0; k < frames.size(); ++k) {
                std::memcpy(frames[k].second.data(), originals[k].second.data(), frames[k].second.size());
                log.clear();
                router::process_frame(*lab.snap, frames[k].first, frames[k].second, scratch, sink, lab.flows, pass ? &log : nullptr);
            }
            between(i);
        }
    return allocations.load() - before;
}
inline std::size_t allocations_replaying(PipelineLab& lab, const PortFrames& originals, int rounds, CountingSink& sink,
                                         const std::atomic<std::size_t>& allocations) {
    return allocations_replaying(lab, originals, rounds, sink, allocations, [](int) {});
}

}  // namespace vpclab::test
