// A forwarding worker's batch: TAP reads and writes outside the data-path lock, the pipeline inside it,
// the batch's sends written together at its end.
#include "router/forwarding_worker.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "router/trace/live_trace.hpp"
#include "wire/vnet_header.hpp"

namespace vpclab::router {

namespace {
// Largest frame a TAP hands us: virtio-net header + 64 KiB GSO super-frame + Ethernet header.
constexpr std::size_t frame_capacity = wire::VnetHeader::length + 65536 + 64;
// Each frame's slot in the read buffer starts on a cache line.
constexpr std::size_t slot_alignment = 64;
// The data-path lock for a scope, when another worker runs.
class SharedSection {
public:
    // `held`: the caller has it already.
    explicit SharedSection(DataPathShared& shared, bool held = false) : lock_(shared.concurrent && !held ? &shared.lock : nullptr) {
        if (lock_) lock_->lock();
    }
    ~SharedSection() {
        if (lock_) lock_->unlock();
    }
    SharedSection(const SharedSection&) = delete;
    SharedSection& operator=(const SharedSection&) = delete;

private:
    DataPathLock* lock_;
};

}  // namespace

void publish_flow_stats(RouterState& state, const FlowState& flows) noexcept {
    const auto& table = flows.connections.table;
    const auto& endpoints = flows.interface_endpoints;
    const auto& balancers = flows.load_balancers;
    state.connection_tracking = {table.size(),       table.capacity(),       table.memory_bytes() + flows.connections.fragments.memory_bytes(),
                                 flows.connections.refused, endpoints.size(), endpoints.capacity(), endpoints.refused(),
                                 balancers.size(),   balancers.capacity(),   balancers.refused(),
                                 flows.nat_gateways.size(), flows.nat_gateways.capacity(), flows.nat_gateways.memory_bytes(),
                                 flows.nat_gateways.per_destination(), flows.nat_gateways.refused_ports(),
                                 flows.nat_gateways.refused() - flows.nat_gateways.refused_ports(), flows.nat_gateways.idle_timeout};
}

ForwardingWorker::ForwardingWorker(DataPathShared& shared, int batch_limit, std::size_t batch_bytes)
    : shared_(shared),
      batch_limit_(batch_limit),
      batch_bytes_(batch_bytes),
      // A batch stops reading once it holds batch_bytes, so the last read starts below that (plus each
      // slot's rounding) and needs one frame's room.
      read_buffer_(batch_bytes + frame_capacity + static_cast<std::size_t>(batch_limit) * slot_alignment),
      scratch_(pipeline_scratch_size) {
    if (!shared.state.batched_tap_writes) return;  // vpclab up --tap-writes write
    std::string why;
    // Measured with tests/bench/tap_io_bench.sh: 64-byte UDP forwarded +19%, 17% less CPU a frame (README).
    if (!batched_writes_.open(why)) {
        spdlog::info("TAP writes one write() each: {}", why);
        shared.state.batched_tap_writes = false;  // what `vpclab stats` reports
    }
}

void ForwardingWorker::drain(std::uint32_t port, int fd) noexcept {
    if (fd < 0) return;  // released while this wakeup's events were in hand
    // The snapshot is fixed for the batch: commits land between batches, with the other workers paused
    // (DESIGN.md §3).
    RouterState& state = shared_.state;
    const routing::ForwardingSnapshot& snapshot = *state.snapshot;
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    {
        SharedSection held(shared_);
        shared_.flows.advance_clock(static_cast<std::uint32_t>(now.tv_sec));
    }
    std::size_t bytes = 0, frames = 0, offset = 0;
    std::uint32_t wall_second = 0;  // read once per batch, when a flow log needs it
    for (int i = 0; i < batch_limit_ && bytes < batch_bytes_; ++i) {
        frame_slot_ = wire::Bytes(read_buffer_.data() + offset, frame_capacity);
        const ssize_t len = ::read(fd, frame_slot_.data(), frame_slot_.size());
        if (len < 0) {
            if (errno != EAGAIN && errno != EINTR) spdlog::debug("read on port {}: {}", port, std::strerror(errno));
            break;
        }
        ++frames;
        bytes += static_cast<std::size_t>(len);
        // The next frame goes after this one while this one's sends may still be queued.
        if (batched_writes_.is_open() || shared_.concurrent)
            offset += (static_cast<std::size_t>(len) + slot_alignment - 1) / slot_alignment * slot_alignment;
        const wire::Bytes frame(frame_slot_.data(), static_cast<std::size_t>(len));
        {
            SharedSection held(shared_);
            PortCounters& in = state.counters[port];
            in.rx_frames++;
            in.rx_bytes += static_cast<std::uint64_t>(len);
            // While `vpclab capture` runs (and only then), the frame and what becomes of it are copied.
            CapturingSink capturing(*this, state.captures, port);
            FrameSink& unmirrored = state.captures.any() ? static_cast<FrameSink&>(capturing) : *this;
            if (&unmirrored == &capturing && state.captures.watching(port))
                state.captures.record(CaptureKind::received, port, routing::no_port, DropReason{}, frame);
            // While a traffic mirror session exists (and only then), frames go by the mirror, which copies
            // what its sessions select (router/data_path/traffic_mirror.hpp).
            MirroringSink mirroring(unmirrored, mirror_, snapshot);
            const bool mirrored = snapshot.mirroring();
            FrameSink& sink = mirrored ? static_cast<FrameSink&>(mirroring) : unmirrored;
            if (mirrored) mirror_.before(snapshot, port, frame);
            const bool live = state.live_trace.active, logging = shared_.flow_log_publisher.active();
            if (!live && !logging) {
                deferring_ = shared_.concurrent || batched_writes_.is_open();
                process_frame(snapshot, port, frame, scratch_, sink, shared_.flows);
                deferring_ = false;
            } else {
                // Someone listens: flow logs (each frame's steps make its records) and/or `vpclab trace --live`
                // (this frame's steps are recorded, and kept if it matches).
                StepLog& live_steps = shared_.live_steps;
                if (live) live_steps.clear();
                StepRecorder* recorder = &live_steps;
                if (logging) {
                    shared_.flow_log_recorder.also = live ? &live_steps : nullptr;
                    shared_.flow_log_recorder.begin(snapshot, port, frame, shared_.flow_log_publisher.coverage.data(),
                                                    shared_.flow_log_publisher.coverage.size());
                    recorder = &shared_.flow_log_recorder;
                }
                frame_recorder_ = recorder;
                process_frame(snapshot, port, frame, scratch_, sink, shared_.flows, recorder);
                frame_recorder_ = nullptr;
                if (logging) {
                    if (wall_second == 0) {
                        timespec wall{};
                        ::clock_gettime(CLOCK_REALTIME, &wall);
                        wall_second = static_cast<std::uint32_t>(wall.tv_sec);
                    }
                    shared_.flow_log_recorder.finish(shared_.flow_log_publisher.windows, wall_second);
                }
                if (live) {
                    try {
                        // The packet as the edge read it, before any rewrite (StepRecorder::packet).
                        state.live_trace.consider(*state.model, snapshot, port, facts_of(live_steps.edge), live_steps);
                    } catch (const std::exception& e) {  // rendering allocates: out of memory ends the trace, never the loop
                        state.live_trace.active = false;
                        spdlog::warn("live trace stopped: {}", e.what());
                    }
                }
            }
            // The egress copy, once the frame is known to have left its source (no step records it: mirrored
            // traffic is not flow-logged).
            if (mirrored) mirror_.after(snapshot, unmirrored);
        }
    }
    // The batch's sends, outside the lock: one submit (or one write() each).
    flush_deferred(false);
    SharedSection held(shared_);
    // Expiry two slots per frame read: idle flows are reclaimed at least as fast as frames can open new ones
    // (each needs one), without a pause in forwarding; the loop's once-a-second sweep does the rest. It was
    // 64 slots per batch, which for a bulk stream (a batch is one 64 KiB frame) was 8.5% of the router's
    // time (README, Performance).
    if (frames > 0) shared_.flows.expire_some(2 * frames);
    publish_flow_stats(state, shared_.flows);
}

void ForwardingWorker::transmit(routing::PortIndex port, wire::ConstBytes frame) noexcept {
    if (port >= shared_.state.counters.size()) return;  // cannot happen: commits size the counters to the snapshot
    if (deferring_) {
        if (deferred_.add(port, frame, frame_slot_)) {
            // Counted now, under the lock; a write that fails later takes it back (take_back_failed_send).
            PortCounters& out = shared_.state.counters[port];
            out.tx_frames++;
            out.tx_bytes += frame.size();
            return;
        }
    }
    // No room (or a recorded frame, written at once): what is queued goes first (a port's frames keep their
    // order), then this one, under the lock.
    flush_deferred(true);
    write_now(port, frame);
}

void ForwardingWorker::write_now(routing::PortIndex port, wire::ConstBytes frame) noexcept {
    const ssize_t written = ::write(shared_.network.fd_of(port), frame.data(), frame.size());
    if (written != static_cast<ssize_t>(frame.size())) {
        shared_.state.counters[port].count_drop(DropReason::transmit_failed);
        // A recorded frame (a live trace's, a flow log's): its deliver step is followed by this failure, so it
        // is not shown as delivered, nor logged as accepted.
        if (frame_recorder_) {
            Step failed;
            failed.stage = Stage::deliver;
            failed.verdict = Verdict::drop;
            failed.reason = DropReason::transmit_failed;
            failed.port = port;
            frame_recorder_->record(failed);
        }
        return;
    }
    PortCounters& out = shared_.state.counters[port];
    out.tx_frames++;
    out.tx_bytes += frame.size();
}

// Every queued send fits in one submit, so none overtakes another by falling back to write().
static_assert(tap::BatchedWrites::capacity >= DeferredTransmits::max_frames);

void ForwardingWorker::flush_deferred(bool locked) noexcept {
    if (deferred_.empty()) return;
    if (batched_writes_.is_open()) {
        deferred_.flush([&](routing::PortIndex to, wire::ConstBytes out) {
            if (!batched_writes_.add(shared_.network.fd_of(to), out.data(), out.size(), to) &&
                ::write(shared_.network.fd_of(to), out.data(), out.size()) != static_cast<ssize_t>(out.size()))
                take_back_failed_send(to, out.size(), locked);
        });
        batched_writes_.submit([&](std::uint32_t to, bool ok, std::size_t size) {
            if (!ok) take_back_failed_send(to, size, locked);
        });
        if (!batched_writes_.is_open()) {
            spdlog::warn("io_uring refused a batch of TAP writes: one write() each from now on");
            SharedSection held_if_needed(shared_, locked);
            shared_.state.batched_tap_writes = false;
        }
        return;
    }
    deferred_.flush([&](routing::PortIndex to, wire::ConstBytes out) {
        if (::write(shared_.network.fd_of(to), out.data(), out.size()) != static_cast<ssize_t>(out.size()))
            take_back_failed_send(to, out.size(), locked);
    });
}

void ForwardingWorker::take_back_failed_send(routing::PortIndex port, std::size_t size, bool locked) noexcept {
    SharedSection held_if_needed(shared_, locked);
    PortCounters& out = shared_.state.counters[port];
    out.tx_frames--;
    out.tx_bytes -= size;
    out.count_drop(DropReason::transmit_failed);
}

void ForwardingWorker::drop(routing::PortIndex ingress, wire::ConstBytes frame, DropReason reason) noexcept {
    count_and_log_drop(ingress, frame, reason, nullptr, 0);
}

void ForwardingWorker::drop_by_network_acl(routing::PortIndex port, wire::ConstBytes frame, DropReason reason, std::uint32_t acl,
                                           std::uint16_t rule_number) noexcept {
    RouterState& state = shared_.state;
    if (port < state.counters.size()) state.counters[port].count_acl_rule(acl, reason == DropReason::network_acl_inbound, rule_number);
    // The ACL is looked up by its key only when the drop is logged (-v).
    count_and_log_drop(port, frame, reason, spdlog::should_log(spdlog::level::debug) ? routing::network_acl_by_key(*state.model, acl) : nullptr,
                       rule_number);
}

void ForwardingWorker::count_and_log_drop(routing::PortIndex ingress, wire::ConstBytes frame, DropReason reason,
                                          const routing::NetworkAcl* acl, std::uint16_t rule_number) noexcept {
    RouterState& state = shared_.state;
    if (ingress < state.counters.size()) state.counters[ingress].count_drop(reason);
    // With -v: who dropped what and why, at most drop_log_lines_per_second lines (formatting allocates, so
    // only when asked for).
    if (!spdlog::should_log(spdlog::level::debug)) return;
    std::uint64_t suppressed = 0;
    if (!shared_.drop_log_budget.take(LogBudget::Clock::now(), suppressed)) return;
    try {
        if (suppressed) spdlog::debug("({} more drops not logged: at most {} lines a second)", suppressed, drop_log_lines_per_second);
        std::string line = describe_drop(*state.model, *state.snapshot, ingress, frame, reason);
        if (acl) line += " (" + acl_rule_name(*acl, rule_number) + ")";
        spdlog::debug("{}", line);
    } catch (...) {
        // Out of memory while logging: the drop is counted all the same.
    }
}

}  // namespace vpclab::router
