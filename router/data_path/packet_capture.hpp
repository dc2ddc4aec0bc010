// `vpclab capture`: copies of what the router sees on one port, as containerlab's capture or an OVS mirror
// gives them: each frame the port's instance sends (before the router's decision), what became of it (the
// frame as forwarded, with where to, or the reason it was dropped), and each frame delivered to the port.
//
// Bounded and free when unused: a few sessions at most, each with a ring of fixed size made when it starts;
// while none runs, the data path asks one boolean per frame. A full ring loses frames (counted, as a pcap
// capture's "dropped by kernel"); it never grows and never blocks forwarding. Producers (the forwarding
// workers) and the consumer (control requests polling) never run at once: the workers write under the
// data-path lock, and polls are served with the workers paused.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include "router/data_path/drop_reason.hpp"
#include "router/data_path/pipeline.hpp"
#include "wire/bytes.hpp"

namespace vpclab::router {

enum class CaptureKind : std::uint8_t {
    received,   // sent by the port's instance, as the router read it (before its decision)
    forwarded,  // that frame after the router's decision, as written to `other`
    dropped,    // that frame dropped, for `reason`
    delivered,  // written to the port (to its instance), from wherever it came
};
const char* name_of(CaptureKind kind);

struct CapturedFrameHeader {
    std::uint64_t time_ns = 0;  // CLOCK_REALTIME
    std::uint32_t captured = 0, original = 0;
    routing::PortIndex port = routing::no_port;   // the watched port
    routing::PortIndex other = routing::no_port;  // forwarded: where to
    CaptureKind kind = CaptureKind::received;
    DropReason reason{};  // dropped only
};

// A ring of variable-length records, each [header][bytes], never split: what does not fit is lost.
class CaptureRing {
public:
    explicit CaptureRing(std::size_t capacity = 0) : bytes_(capacity) {}
    // Adds a record (the frame's first `header.captured` bytes); false (and counted lost) when full.
    bool push(const CapturedFrameHeader& header, wire::ConstBytes frame) noexcept;
    // The oldest record, or false when empty. `frame` points into the ring until the next pop().
    bool front(CapturedFrameHeader& header, wire::ConstBytes& frame) const noexcept;
    void pop() noexcept;
    bool empty() const noexcept { return used_ == 0; }
    std::uint64_t lost() const noexcept { return lost_; }
    std::size_t capacity() const noexcept { return bytes_.size(); }

private:
    static constexpr std::size_t align = 8;
    static constexpr std::size_t record_size(std::size_t frame) { return (sizeof(CapturedFrameHeader) + frame + align - 1) / align * align; }
    std::vector<std::uint8_t> bytes_;
    std::size_t head_ = 0, tail_ = 0, used_ = 0;  // bytes in use, records and the gap before a wrap alike
    std::size_t wrap_at_ = 0;                     // while the records wrap: where the ones at the end stop (0: none)
    std::uint64_t lost_ = 0;
};

class PacketCaptures {
public:
    static constexpr std::size_t max_sessions = 4;
    static constexpr std::size_t ring_bytes = 8 << 20;  // 8 MiB a session: 128 of the largest (64 KiB GSO) frames
    static constexpr std::chrono::seconds idle_limit{10};  // a session nobody polls stops by itself
    using Clock = std::chrono::steady_clock;

    struct Session {
        bool active = false;
        std::uint64_t id = 0;
        routing::PortIndex port = routing::no_port;
        std::uint32_t snap_length = 262144;
        CaptureRing ring;
        Clock::time_point last_poll{};
        std::uint64_t frames = 0;  // recorded since it started
    };

    // Control plane (allocates the ring); nullptr when max_sessions run.
    Session* start(routing::PortIndex port, std::uint32_t snap_length, Clock::time_point now);
    Session* find(std::uint64_t id) noexcept;
    void stop(Session& session) noexcept;
    // Stops sessions not polled for idle_limit, and those of ports that are gone (`port_exists`).
    template <class PortExists>
    void expire(Clock::time_point now, PortExists&& port_exists) noexcept {
        for (auto& s : sessions_)
            if (s.active && (now - s.last_poll > idle_limit || !port_exists(s.port))) stop(s);
    }

    // Data path: whether any session runs (one load per frame), and whether one watches `port`.
    bool any() const noexcept { return active_ != 0; }
    bool watching(routing::PortIndex port) const noexcept;
    // Records `frame` (virtio-net header + Ethernet) for every session watching `port`.
    void record(CaptureKind kind, routing::PortIndex port, routing::PortIndex other, DropReason reason, wire::ConstBytes frame) noexcept;

private:
    std::array<Session, max_sessions> sessions_;
    std::size_t active_ = 0;
    std::uint64_t last_id_ = 0;
};

// The sink a captured frame goes through while any session runs: every send and drop is passed on to the
// real sink, and a copy recorded for the sessions watching the frame's ingress or the port it goes to.
class CapturingSink final : public FrameSink {
public:
    CapturingSink(FrameSink& inner, PacketCaptures& captures, routing::PortIndex ingress) noexcept
        : inner_(inner), captures_(captures), ingress_(ingress) {}
    void transmit(routing::PortIndex port, wire::ConstBytes frame) noexcept override;
    void drop(routing::PortIndex port, wire::ConstBytes frame, DropReason reason) noexcept override;
    void drop_by_network_acl(routing::PortIndex port, wire::ConstBytes frame, DropReason reason, std::uint32_t acl,
                             std::uint16_t rule_number) noexcept override;

private:
    FrameSink& inner_;
    PacketCaptures& captures_;
    routing::PortIndex ingress_;
};

}  // namespace vpclab::router
