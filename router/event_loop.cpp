// epoll over the TAP fds, the control socket and a signalfd.
#include "router/event_loop.hpp"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "router/control/control_api.hpp"
#include "router/control/control_socket.hpp"
#include "router/data_path/pipeline.hpp"
#include "tap/system_error.hpp"
#include "wire/vnet_header.hpp"

namespace vpclab::router {

namespace {
constexpr std::uint64_t control_tag = 1ULL << 40;
constexpr std::uint64_t signal_tag = 2ULL << 40;
// Largest frame a TAP hands us: virtio-net header + 64 KiB GSO super-frame + Ethernet header.
constexpr std::size_t frame_capacity = wire::VnetHeader::length + 65536 + 64;
}  // namespace

EventLoop::EventLoop(RouterState& state, const LabNetwork& network, tap::UniqueFd control_listener)
    : state_(state), network_(network), control_(std::move(control_listener)), frame_buffer_(frame_capacity) {
    epoll_ = tap::UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_) tap::throw_errno("epoll_create1");
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) tap::throw_errno("sigprocmask");
    signals_ = tap::UniqueFd(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!signals_) tap::throw_errno("signalfd");
    auto watch = [&](int fd, std::uint64_t tag) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = tag;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) tap::throw_errno("epoll_ctl");
    };
    for (std::size_t port = 0; port < network_.port_count(); ++port) watch(network_.fd_of(port), port);
    watch(control_.get(), control_tag);
    watch(signals_.get(), signal_tag);
}

void EventLoop::run() {
    epoll_event events[64];
    while (!state_.shutdown_requested) {
        const int n = ::epoll_wait(epoll_.get(), events, 64, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            tap::throw_errno("epoll_wait");
        }
        for (int i = 0; i < n; ++i) {
            const std::uint64_t tag = events[i].data.u64;
            if (tag == control_tag) accept_control_clients();
            else if (tag == signal_tag) {
                signalfd_siginfo info{};
                if (::read(signals_.get(), &info, sizeof info) == sizeof info)
                    spdlog::info("signal {} received: shutting down", info.ssi_signo);
                state_.shutdown_requested = true;
            } else {
                drain_tap(static_cast<std::uint32_t>(tag));
            }
        }
    }
}

void EventLoop::drain_tap(std::uint32_t port) {
    const int fd = network_.fd_of(port);
    // The snapshot is fixed for the batch: control changes land between batches (DESIGN.md §3).
    const routing::ForwardingSnapshot& snapshot = *state_.snapshot;
    PortCounters& in = state_.counters[port];
    for (int i = 0; i < batch_limit; ++i) {
        const ssize_t len = ::read(fd, frame_buffer_.data(), frame_buffer_.size());
        if (len < 0) {
            if (errno != EAGAIN && errno != EINTR) spdlog::debug("read on port {}: {}", port, std::strerror(errno));
            return;
        }
        in.rx_frames++;
        in.rx_bytes += static_cast<std::uint64_t>(len);
        const Verdict v = process_frame(snapshot, port, wire::Bytes(frame_buffer_.data(), static_cast<std::size_t>(len)));
        if (!v.transmit) {
            in.count_drop(v.reason);
            if (spdlog::should_log(spdlog::level::trace))
                spdlog::trace("port {}: dropped {} byte frame: {}", port, len, name_of(v.reason));
            continue;
        }
        const ssize_t written = ::write(network_.fd_of(v.port), v.frame.data(), v.frame.size());
        if (written != static_cast<ssize_t>(v.frame.size())) {
            in.count_drop(DropReason::transmit_failed);
            continue;
        }
        PortCounters& out = state_.counters[v.port];
        out.tx_frames++;
        out.tx_bytes += v.frame.size();
    }
}

void EventLoop::accept_control_clients() {
    while (true) {
        const int client = ::accept4(control_.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) return;
        serve_control_connection(client, [&](const nlohmann::json& request) { return handle_control_request(request, state_); });
    }
}

}  // namespace vpclab::router
