// One forwarding worker's frames: reads a batch from a TAP queue, runs each frame through the pipeline
// and writes what it sends. With two workers, the pipeline runs under the data-path lock and the writes
// after it is released (so the workers' TAP reads and writes, most of the cost, overlap); while a flow log
// or `vpclab trace --live` records frames, a frame's writes happen under the lock too (a failed write is a
// step of that frame's record).
#pragma once

#include <cstdint>
#include <vector>

#include "router/data_path/data_path_lock.hpp"
#include "router/data_path/deferred_transmits.hpp"
#include "router/data_path/drop_log.hpp"
#include "router/data_path/flow_state.hpp"
#include "router/data_path/pipeline.hpp"
#include "router/flow_logs/flow_log_publisher.hpp"
#include "router/flow_logs/flow_log_recorder.hpp"
#include "router/lab/lab_network.hpp"
#include "router/router_state.hpp"

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
    // Whether a second worker runs (vpclab up --workers 2). Without one the lock is not taken and sends are
    // written at once, inside the pipeline: the single worker's path is the one measured before workers.
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
    // A queued frame, after the lock (or under it: `locked`); a failure takes back what transmit() counted.
    void write_deferred(routing::PortIndex port, wire::ConstBytes frame, bool locked) noexcept;
    void count_and_log_drop(routing::PortIndex port, wire::ConstBytes frame, DropReason reason, const routing::NetworkAcl* acl,
                            std::uint16_t rule_number) noexcept;

    DataPathShared& shared_;
    const int batch_limit_;
    const std::size_t batch_bytes_;
    std::vector<std::uint8_t> frame_buffer_;  // one frame: vnet header + up to a 64 KiB GSO frame
    std::vector<std::uint8_t> scratch_;       // frames the pipeline generates (ICMP errors, fragments)
    DeferredTransmits deferred_;
    bool deferring_ = false;                  // transmit() queues rather than writes
    StepRecorder* frame_recorder_ = nullptr;  // the recorder of the frame being processed, if any
};

}  // namespace vpclab::router
