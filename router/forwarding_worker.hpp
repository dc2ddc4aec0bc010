// One forwarding worker's frames: reads a batch from a TAP queue, runs each frame through the pipeline
// and writes what it sends. The batch's sends are queued and written together at its end, in one io_uring
// submit (tap/batched_writes.hpp; one write() each where the kernel has no io_uring, or with
// `vpclab up --tap-writes write`). With two workers, the pipeline runs under the data-path lock and the
// writes after it is released (so the workers' TAP reads and writes, most of the cost, overlap). While a
// flow log or `vpclab trace --live` records frames, a frame's writes happen at once, under the lock (a
// failed write is a step of that frame's record).
#pragma once

#include <cstdint>
#include <vector>

#include "router/data_path/data_path_lock.hpp"
#include "router/data_path/deferred_transmits.hpp"
#include "router/data_path/drop_log.hpp"
#include "router/data_path/flow_state.hpp"
#include "router/data_path/pipeline.hpp"
#include "router/data_path/traffic_mirror.hpp"
#include "router/flow_logs/flow_log_publisher.hpp"
#include "router/flow_logs/flow_log_recorder.hpp"
#include "router/lab/lab_network.hpp"
#include "router/router_state.hpp"
#include "tap/batched_writes.hpp"

namespace vpclab::router {

// What every worker's frames touch. Under `lock`: the flow tables, counters, recorders, the drop log's
// budget. The rest (snapshot, model, TAP table) changes only while the other workers are paused.
struct DataPathShared {
    RouterState& state;
    LabNetwork& network;
    FlowState& flows;
    FlowLogPublisher& flow_log_publisher;
    FlowLogRecorder& flow_log_recorder;
    StepLog& live_steps;  // a frame's steps while a live trace runs
    LogBudget& drop_log_budget;
    DataPathLock lock;
    // Whether a second worker runs (vpclab up --workers 2). Without one the lock is not taken.
    bool concurrent = false;
};

// The connection tables' fill, for `vpclab stats` (under the lock, or with the workers paused).
void publish_flow_stats(RouterState& state, const FlowState& flows) noexcept;

class ForwardingWorker final : public FrameSink {
public:
    // Frames read from one TAP queue per call, or this many bytes, whichever comes first (EventLoop).
    ForwardingWorker(DataPathShared& shared, int batch_limit, std::size_t batch_bytes);

    // A batch from `fd`, port `port`'s bulk or interactive queue (-1: released meanwhile, nothing to do).
    void drain(std::uint32_t port, int fd) noexcept;

    // For the control thread's own frames (health checks), with the other workers paused.
    wire::Bytes scratch() noexcept { return scratch_; }

    // FrameSink: called inside process_frame, under the lock.
    void transmit(routing::PortIndex port, wire::ConstBytes frame) noexcept override;
    void drop(routing::PortIndex port, wire::ConstBytes frame, DropReason reason) noexcept override;
    void drop_by_network_acl(routing::PortIndex port, wire::ConstBytes frame, DropReason reason, std::uint32_t acl,
                             std::uint16_t rule_number) noexcept override;

    static constexpr std::uint32_t drop_log_lines_per_second = 50;

private:
    void write_now(routing::PortIndex port, wire::ConstBytes frame) noexcept;  // under the lock
    // Writes what is queued, after the lock (or under it: `locked`); a failure takes back what transmit()
    // counted.
    void flush_deferred(bool locked) noexcept;
    void take_back_failed_send(routing::PortIndex port, std::size_t size, bool locked) noexcept;
    void count_and_log_drop(routing::PortIndex port, wire::ConstBytes frame, DropReason reason, const routing::NetworkAcl* acl,
                            std::uint16_t rule_number) noexcept;

    DataPathShared& shared_;
    const int batch_limit_;
    const std::size_t batch_bytes_;
    // A batch's frames, each read into the next slot (vnet header + up to a 64 KiB GSO frame), so that
    // their sends can wait for the batch's end: room for batch_bytes of frames plus one of the largest.
    std::vector<std::uint8_t> read_buffer_;
    wire::Bytes frame_slot_;                  // where the frame in hand was read
    std::vector<std::uint8_t> scratch_;       // frames the pipeline generates (ICMP errors, fragments)
    DeferredTransmits deferred_;
    TrafficMirror mirror_;                    // traffic mirror sessions' copies: buffers made once
    tap::BatchedWrites batched_writes_;       // open unless --tap-writes write, or no io_uring here
    bool deferring_ = false;                  // transmit() queues rather than writes
    StepRecorder* frame_recorder_ = nullptr;  // the recorder of the frame being processed, if any
};

}  // namespace vpclab::router
