// BatchedWrites: an io_uring used only to submit many TAP writes at once.
#include "tap/batched_writes.hpp"

#include <liburing.h>

#include <cerrno>
#include <cstring>
#include <new>

namespace vpclab::tap {

BatchedWrites::~BatchedWrites() {
    if (!ring_) return;
    io_uring_queue_exit(ring_);
    delete ring_;
}

bool BatchedWrites::open(std::string& why) {
    if (ring_) return true;
    auto* ring = new io_uring{};
    // No SQPOLL (a kernel thread spinning on a 2-core machine) and no DEFER_TASKRUN (it ties the ring to
    // the thread that made it; the second worker's is made on the loop's thread).
    if (const int r = io_uring_queue_init(capacity, ring, 0); r < 0) {
        delete ring;
        why = std::string("io_uring_setup: ") + std::strerror(-r);
        return false;
    }
    ring_ = ring;
    return true;
}

bool BatchedWrites::add(int fd, const void* data, std::size_t size, std::uint32_t tag) noexcept {
    if (!ring_ || queued_ == capacity) return false;
    io_uring_sqe* sqe = io_uring_get_sqe(ring_);
    if (!sqe) return false;
    io_uring_prep_write(sqe, fd, data, static_cast<unsigned>(size), 0);
    // user_data is the slot, which keeps the size (to tell a short write) and the caller's tag.
    io_uring_sqe_set_data64(sqe, queued_);
    sizes_[queued_] = static_cast<std::uint32_t>(size);
    tags_[queued_++] = tag;
    return true;
}

void BatchedWrites::submit_and_wait() noexcept {
    // A TAP write completes inside the submit (tun never waits for room), so one call does the batch, in
    // the order queued; a write the kernel hands to its io-wq threads instead is waited for all the same.
    int submitted = io_uring_submit_and_wait(ring_, queued_);
    while (submitted == -EINTR) submitted = io_uring_submit_and_wait(ring_, queued_);
    completed_ = 0;
    unsigned outstanding = submitted > 0 ? static_cast<unsigned>(submitted) : 0;
    while (outstanding > 0) {
        io_uring_cqe* cqe = nullptr;
        if (io_uring_wait_cqe(ring_, &cqe) != 0 || !cqe) break;
        const auto slot = static_cast<unsigned>(io_uring_cqe_get_data64(cqe));
        const int result = cqe->res;
        io_uring_cqe_seen(ring_, cqe);  // the entry is the kernel's again: read before
        --outstanding;
        if (slot >= queued_) continue;  // cannot happen: every slot is one of this batch's
        const bool ok = result >= 0 && static_cast<std::uint32_t>(result) == sizes_[slot];
        results_[completed_++] = {tags_[slot], ok, slot};
    }
    if (completed_ != queued_) {
        // The kernel refused part of the batch (out of memory for requests, say) or a wait failed: what
        // did not complete is reported failed, and the ring goes (no write left unsubmitted in it runs
        // later); the caller writes one by one from now on (is_open() is false). A write already running
        // when the wait failed is not waited for: with TAP writes completing inside the submit, none is.
        fail_rest();
        io_uring_queue_exit(ring_);
        delete ring_;
        ring_ = nullptr;
    }
    queued_ = 0;
}

void BatchedWrites::fail_rest() noexcept {
    // Slots whose completion never came: their tags are in the SQ ring no more, so keep them aside.
    bool reported[capacity]{};
    for (unsigned i = 0; i < completed_; ++i) reported[results_[i].slot] = true;
    for (unsigned slot = 0; slot < queued_ && completed_ < capacity; ++slot)
        if (!reported[slot]) results_[completed_++] = {tags_[slot], false, slot};
}

}  // namespace vpclab::tap
