// The lock forwarding workers share: a frame's processing (connection tables, counters, recorders) runs
// under it, while reading and writing TAPs, most of a frame's cost, runs outside it, in parallel.
#pragma once

#include <atomic>
#include <thread>

namespace vpclab::router {

// Test-and-test-and-set: held for about a microsecond per frame, so a waiter spins rather than sleeping in
// the kernel; after a while it yields, in case the holder was preempted (two workers on two cores share
// them with the instances' own processes).
class DataPathLock {
public:
    void lock() noexcept {
        for (int spins = 0; held_.exchange(true, std::memory_order_acquire);) {
            while (held_.load(std::memory_order_relaxed)) {
                if (++spins < 2000) {
#if defined(__x86_64__) || defined(__i386__)
                    __builtin_ia32_pause();
#endif
                } else {
                    std::this_thread::yield();
                    spins = 0;
                }
            }
        }
    }
    void unlock() noexcept { held_.store(false, std::memory_order_release); }

private:
    std::atomic<bool> held_{false};
};

}  // namespace vpclab::router
