// The router's single-threaded event loop: TAP frames through the pipeline, the VPC resolver's sockets,
// control requests (never waiting on a client), signals.
#pragma once

#include <vector>

#include "router/control/control_server.hpp"
#include "router/data_path/drop_log.hpp"
#include "router/data_path/pipeline.hpp"
#include "router/dns_server.hpp"
#include "router/lab/lab_network.hpp"
#include "router/router_state.hpp"
#include "tap/unique_fd.hpp"

namespace vpclab::router {

class EventLoop : private FrameSink {
public:
    // Frames read from one TAP per wakeup before moving to the next ready fd: keeps one busy instance from
    // starving the others and the control socket.
    static constexpr int batch_limit = 64;
    // …or this many bytes, whichever comes first: four 64 KiB GSO frames of a bulk flow, then the others get
    // their turn (latency of small packets under load).
    static constexpr std::size_t batch_bytes = 256 * 1024;
    // Drops described in the log with -v, at most this many a second.
    static constexpr std::uint32_t drop_log_lines_per_second = 50;

    EventLoop(RouterState& state, const LabNetwork& network, tap::UniqueFd control_listener);
    // Runs until SIGTERM/SIGINT or a Vpclab.Shutdown request.
    void run();

private:
    void drain_tap(std::uint32_t port);
    void watch(int fd, std::uint64_t tag);
    // FrameSink: writes to the destination TAP, counts per port.
    void transmit(routing::PortIndex port, wire::ConstBytes frame) noexcept override;
    void drop(routing::PortIndex ingress, wire::ConstBytes frame, DropReason reason) noexcept override;

    RouterState& state_;
    const LabNetwork& network_;
    tap::UniqueFd epoll_;
    ControlServer control_;
    tap::UniqueFd signals_;
    DnsServer dns_;
    std::vector<std::uint8_t> frame_buffer_;  // one frame: vnet header + up to a 64 KiB GSO frame
    std::vector<std::uint8_t> scratch_;       // frames the pipeline generates (ICMP errors, fragments)
    LogBudget drop_log_budget_{drop_log_lines_per_second};
};

}  // namespace vpclab::router
