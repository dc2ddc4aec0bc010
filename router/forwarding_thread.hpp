// A second forwarding worker on its own thread (vpclab up --workers 2): its own epoll set over the TAP
// queues of the ports it owns, the same pipeline under the shared data-path lock. The event loop pauses it
// (WorkerGate) whenever it changes what workers read.
#pragma once

#include <cstdint>
#include <thread>

#include "router/forwarding_worker.hpp"
#include "router/worker_gate.hpp"
#include "tap/unique_fd.hpp"

namespace vpclab::router {

class ForwardingThread {
public:
    // epoll tags of its queues, as the event loop's: the port for the bulk queue, this + port for the
    // interactive one.
    static constexpr std::uint64_t interactive_queue_tag = 9ULL << 40;

    // The thread starts with start(): the event loop starts it when it runs, once the process is set up
    // (its logger in place: spdlog's default logger must not change while another thread logs).
    ForwardingThread(DataPathShared& shared, int batch_limit, std::size_t batch_bytes);
    ~ForwardingThread();  // stops the thread and joins it
    void start();
    ForwardingThread(const ForwardingThread&) = delete;
    ForwardingThread& operator=(const ForwardingThread&) = delete;

    int epoll_fd() const { return epoll_.get(); }
    WorkerGate& gate() { return gate_; }

private:
    void run() noexcept;
    void serve() noexcept;
    DataPathShared& shared_;
    ForwardingWorker worker_;
    tap::UniqueFd epoll_, wake_;
    WorkerGate gate_;
    std::thread thread_;
};

}  // namespace vpclab::router
