// Starting a thread that leaves every signal to the event loop's signalfd: it is created with all signals
// blocked (a new thread inherits its creator's mask), so that SIGTERM and SIGINT can only reach the loop.
// A thread that did not block them could take them instead (and, with the SIGINT of a background job
// ignored, lose them).
#pragma once

#include <pthread.h>
#include <signal.h>

#include <thread>
#include <utility>

namespace vpclab::router {

template <class Body>
std::thread start_signal_free_thread(Body&& body) {
    sigset_t all, previous;
    sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, &previous);
    struct RestoreMask {
        const sigset_t& previous;
        ~RestoreMask() { ::pthread_sigmask(SIG_SETMASK, &previous, nullptr); }
    } restore{previous};
    return std::thread(std::forward<Body>(body));
}

}  // namespace vpclab::router
