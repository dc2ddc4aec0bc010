// The router's event loop: TAP frames through the pipeline, the VPC resolver's sockets, control requests
// (never waiting on a client), signals. With two forwarding workers (vpclab up --workers 2) the ports are
// shared between it and a ForwardingThread, which it pauses whenever it changes what workers read.
#pragma once

#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "router/control/control_server.hpp"
#include "router/data_path/drop_log.hpp"
#include "router/data_path/pipeline.hpp"
#include "router/dns_server.hpp"
#include "router/forwarding_thread.hpp"
#include "router/forwarding_worker.hpp"
#include "router/flow_logs/flow_log_publisher.hpp"
#include "router/flow_logs/flow_log_recorder.hpp"
#include "router/lab/instance_launcher.hpp"
#include "router/lab/launcher_results.hpp"
#include "router/load_balancing/health_checker.hpp"
#include "router/metadata_server.hpp"
#include "router/lab/lab_network.hpp"
#include "router/router_state.hpp"
#include "tap/unique_fd.hpp"

namespace vpclab::router {

class EventLoop final : private LabRuntime {
public:
    // Frames read from one TAP per wakeup before moving to the next ready fd: keeps one busy instance from
    // starving the others and the control socket.
    static constexpr int batch_limit = 64;
    // …or this many bytes, whichever comes first: one 64 KiB GSO frame of a bulk flow, then the loop looks
    // again, and the interactive queues go first. Against 256 KiB (with two queues), RTT under one bulk
    // stream went from 0.18–0.21 ms average, 0.60–0.69 ms p99, to 0.13 ms and 0.42–0.61 ms, at the same
    // throughput (README, Performance).
    static constexpr std::size_t batch_bytes = 64 * 1024;
    // Besides a few slots per batch of frames, idle flows are expired this many slots once a second (the
    // loop wakes for it while flows are tracked): a 131,072-flow table, 262,144 slots, is swept in 16 s
    // even when no frames come.
    static constexpr std::size_t idle_sweep_slots = 16384;
    static constexpr int idle_sweep_ms = 1000;
    // Drops described in the log with -v, at most this many a second.
    static constexpr std::uint32_t drop_log_lines_per_second = ForwardingWorker::drop_log_lines_per_second;

    // Instances launched at runtime record their namespaces in `ledger` (so `down` finds them after a crash).
    // `aws_listener` (if open): the lab's AWS API endpoint on 127.0.0.1, served like the control socket;
    // `aws_relay_listener` (if open): the same API on a Unix socket, for the region's HTTPS relay.
    // `console_listener` (if open): the web console on 127.0.0.1 (state.console_port, state.console_token).
    EventLoop(RouterState& state, LabNetwork& network, tap::UniqueFd control_listener, const std::filesystem::path& ledger,
              tap::UniqueFd aws_listener = {}, tap::UniqueFd aws_relay_listener = {}, tap::UniqueFd console_listener = {});
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;
    // Runs until SIGTERM/SIGINT or a Vpclab.Shutdown request.
    void run();

private:
    void watch(int fd, std::uint64_t tag);
    // The worker that serves a port: the second one (if any) takes the odd ports.
    bool second_worker_owns(routing::PortId port) const { return second_ && port % 2 == 1; }
    int epoll_of(routing::PortId port) const { return second_worker_owns(port) ? second_->epoll_fd() : epoll_.get(); }
    WorkerGate* second_gate() { return second_ ? &second_->gate() : nullptr; }
    // Whether the once-a-second sweep or a health check round is due (each pauses the second worker).
    bool upkeep_due() const noexcept;
    // A TAP's queues and their epoll tags: the bulk one (tag: the port) and the interactive one (fd -1
    // for a single-queue TAP; both -1 where no TAP is).
    std::array<std::pair<int, std::uint64_t>, 2> queues_of(routing::PortId port) const;
    void watch_port(routing::PortId port);
    void unwatch_port(routing::PortId port) noexcept;
    // Puts a TAP on the data path: its fd watched with its port as tag, its counters zeroed.
    void install(routing::PortId port, tap::TapDevice tap);
    // What the launcher finished: TAPs to install, instances to mark running or terminated.
    void on_launcher_results();
    // Instances whose launch finished forward at once and are marked running together, at most once every
    // running_commit_ms: each commit copies and compiles the model, stalling forwarding for about a
    // millisecond in a 300-instance lab, and run-instances --count 100 would otherwise make 100 of them.
    // EC2 itself takes seconds from pending to running; a quarter of one is not seen.
    void mark_ready_instances_when_due() noexcept;
    int ms_until_ready_instances_due() const noexcept;  // -1: none waiting
    static constexpr int running_commit_ms = 250;
    std::vector<std::string> ready_instances_;
    std::chrono::steady_clock::time_point last_running_commit_{};
    // LabRuntime: the control plane's requests after a commit.
    void launch(const InstanceSetup& setup) override;
    void attach(const std::string& instance_id, const std::string& attachment_id, const std::string& netns,
                const InterfaceSetup& interface) override;
    void release(const std::string& instance_id, const std::string& netns, const std::vector<routing::PortId>& ports) override;
    bool namespace_exists(const std::string& netns) const override;
    void set_forwarding(const std::vector<routing::PortId>& ports, bool on) override;
    instance::KeyMaterial key_material(const std::string& key_type) override;
    void make_key_ahead(const std::string& key_type);
    void sweep_idle_flows() noexcept;  // at most once a second
    // Load balancers' health checks, every health_check_ms.
    void check_health() noexcept;
    static constexpr int health_check_ms = 200;
    // After a commit: forgets the flows of ports whose ENI is gone or replaced (compared with the last
    // snapshot seen), so flows never outlive their ENI whatever the commit was. Control path only.
    void forget_replaced_ports() noexcept;
    std::shared_ptr<const routing::ForwardingSnapshot> seen_snapshot_;
    std::uint32_t last_sweep_second_ = 0;

    RouterState& state_;
    LabNetwork& network_;
    tap::UniqueFd epoll_;
    ControlServer control_;
    std::array<std::optional<ControlServer>, 2> aws_;  // 127.0.0.1, and the Unix socket the region's HTTPS relay uses
    std::optional<ControlServer> console_;             // the web console, 127.0.0.1
    tap::UniqueFd signals_;
    DnsServer dns_;
    FlowState flows_;                         // connection tables (bounded, expiring)
    StepLog live_steps_;                      // a frame's steps while a live trace runs
    // Flow logs: while any exists, every frame's steps feed the recorder, which adds to the publisher's
    // aggregation windows; the once-a-second sweep closes and publishes the windows that are due.
    FlowLogPublisher flow_log_publisher_;
    FlowLogRecorder flow_log_recorder_;
    void publish_flow_logs() noexcept;
    HealthChecker health_;
    std::uint64_t last_health_ms_ = 0;
    LogBudget drop_log_budget_{drop_log_lines_per_second};
    InstanceLauncher launcher_;
    MetadataServer metadata_;
    // Two keys of each type made ahead on the launcher thread (ahead of queued launches), so CreateKeyPair
    // answers at once.
    std::map<std::string, std::vector<instance::KeyMaterial>> keys_ahead_;
    std::map<std::string, int> keys_in_flight_;
    std::string key_error_;  // the last key that could not be made, told to the next CreateKeyPair
    // The forwarding workers: this loop's own, and the second thread (none with --workers 1). Last, so the
    // thread stops before anything it reads goes.
    DataPathShared shared_;
    ForwardingWorker main_worker_;
    std::unique_ptr<ForwardingThread> second_;
};

}  // namespace vpclab::router
