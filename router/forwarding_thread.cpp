// The second forwarding worker's loop: wait for its queues, interactive ones first, one batch per queue,
// a checkpoint between batches where the event loop may park it.
#include "router/forwarding_thread.hpp"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

#include "router/lab/signal_free_thread.hpp"
#include "tap/system_error.hpp"

namespace vpclab::router {

namespace {
constexpr std::uint64_t wake_tag = 1ULL << 40;
bool is_interactive(std::uint64_t tag) {
    return tag >= ForwardingThread::interactive_queue_tag && tag < ForwardingThread::interactive_queue_tag + (1ULL << 32);
}
}  // namespace

ForwardingThread::ForwardingThread(DataPathShared& shared, int batch_limit, std::size_t batch_bytes)
    : shared_(shared),
      worker_(shared, batch_limit, batch_bytes),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      gate_([this] {
          const std::uint64_t one = 1;
          [[maybe_unused]] const ssize_t n = ::write(wake_.get(), &one, sizeof one);
      }) {
    if (!epoll_) tap::throw_errno("epoll_create1");
    if (!wake_) tap::throw_errno("eventfd");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = wake_tag;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev) != 0) tap::throw_errno("epoll_ctl");
}

void ForwardingThread::start() {
    thread_ = start_signal_free_thread([this] { run(); });
    ::pthread_setname_np(thread_.native_handle(), "vpclab-worker");
}

ForwardingThread::~ForwardingThread() {
    gate_.stop();
    if (thread_.joinable()) thread_.join();
}

void ForwardingThread::run() noexcept {
    serve();
    gate_.finish();  // however it ended: a pause must not wait for a worker that is gone
}

void ForwardingThread::serve() noexcept {
    epoll_event events[64];
    while (gate_.checkpoint()) {
        const int n = ::epoll_wait(epoll_.get(), events, 64, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            spdlog::error("forwarding worker: epoll_wait: {}; its ports are no longer served", std::strerror(errno));
            return;
        }
        // Interactive queues first, as on the event loop. The fd is looked up at each batch: a port may
        // have been released while the worker was parked.
        for (int i = 0; i < n; ++i)
            if (is_interactive(events[i].data.u64)) {
                if (!gate_.checkpoint()) return;
                const auto port = static_cast<std::uint32_t>(events[i].data.u64 - interactive_queue_tag);
                worker_.drain(port, shared_.network.interactive_fd_of(port));
            }
        for (int i = 0; i < n; ++i) {
            const std::uint64_t tag = events[i].data.u64;
            if (is_interactive(tag)) continue;
            if (tag == wake_tag) {
                std::uint64_t ignored;
                [[maybe_unused]] const ssize_t r = ::read(wake_.get(), &ignored, sizeof ignored);
                continue;
            }
            if (!gate_.checkpoint()) return;
            worker_.drain(static_cast<std::uint32_t>(tag), shared_.network.fd_of(static_cast<std::uint32_t>(tag)));
        }
    }
}

}  // namespace vpclab::router
