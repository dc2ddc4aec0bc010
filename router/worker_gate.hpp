// How the control thread stops a forwarding worker between batches and lets it go again: while it is
// stopped, the control thread alone changes what workers read (the snapshot and model a commit swaps, the
// TAP table, the epoll sets, the counters' size). The worker calls checkpoint() between batches; pause()
// returns once it is parked there (or has stopped for good).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace vpclab::router {

class WorkerGate {
public:
    // `wake` interrupts the worker's wait for frames (an eventfd write), so a pause never waits for traffic.
    explicit WorkerGate(std::function<void()> wake) : wake_(std::move(wake)) {}

    // Control thread. Nested pauses are counted: the worker goes on after the last resume().
    void pause() {
        std::unique_lock lock(mutex_);
        if (depth_++ > 0) return;
        requested_.store(true, std::memory_order_release);
        wake_();
        changed_.wait(lock, [&] { return parked_ || finished_; });
    }
    void resume() {
        {
            std::lock_guard lock(mutex_);
            if (depth_ == 0 || --depth_ > 0) return;
            requested_.store(false, std::memory_order_release);
        }
        changed_.notify_all();
    }
    // The worker ends at its next checkpoint, and is not waited for by any pause after.
    void stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        requested_.store(true, std::memory_order_release);
        changed_.notify_all();
        wake_();
    }

    // Worker thread, when it ends for any reason (stopped, or an error): pauses return at once from now on.
    void finish() {
        {
            std::lock_guard lock(mutex_);
            finished_ = true;
        }
        changed_.notify_all();
    }

    // Worker thread, between batches. False: stop.
    bool checkpoint() {
        if (!requested_.load(std::memory_order_acquire)) return true;
        std::unique_lock lock(mutex_);
        if (stopping_) {
            finished_ = true;
            changed_.notify_all();
            return false;
        }
        parked_ = true;
        changed_.notify_all();
        changed_.wait(lock, [&] { return !requested_.load(std::memory_order_relaxed) || stopping_; });
        parked_ = false;
        if (stopping_) {
            finished_ = true;
            changed_.notify_all();
            return false;
        }
        return true;
    }

private:
    std::function<void()> wake_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::atomic<bool> requested_{false};
    int depth_ = 0;
    bool parked_ = false, stopping_ = false, finished_ = false;
};

// Pauses a worker (if there is one) for a scope.
class PausedWorker {
public:
    explicit PausedWorker(WorkerGate* gate) : gate_(gate) {
        if (gate_) gate_->pause();
    }
    ~PausedWorker() {
        if (gate_) gate_->resume();
    }
    PausedWorker(const PausedWorker&) = delete;
    PausedWorker& operator=(const PausedWorker&) = delete;

private:
    WorkerGate* gate_;
};

}  // namespace vpclab::router
