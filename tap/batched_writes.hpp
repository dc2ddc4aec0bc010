// Many frames written to TAPs in one system call, through an io_uring: a worker queues a batch's frames
// and submits them together, where one write() each would cost a kernel entry and exit per frame. Writes
// only (reads stay read(): multishot reads measured no better, tests/bench/tap_io_bench.sh). Never
// allocates after open().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

struct io_uring;

namespace vpclab::tap {

class BatchedWrites {
public:
    // Room for this many queued writes; the kernel's io_uring may also be unavailable (kernel before 5.1,
    // kernel.io_uring_disabled, a seccomp filter): then open() says why and the caller writes one by one.
    static constexpr unsigned capacity = 128;

    BatchedWrites() = default;
    ~BatchedWrites();
    BatchedWrites(const BatchedWrites&) = delete;
    BatchedWrites& operator=(const BatchedWrites&) = delete;

    // Sets up the ring; false with `why` filled when this kernel or sandbox has none.
    bool open(std::string& why);
    bool is_open() const noexcept { return ring_ != nullptr; }

    // Queues `size` bytes at `data` for `fd`. The bytes must stay as they are until submit() returns.
    // False when full (submit first).
    bool add(int fd, const void* data, std::size_t size, std::uint32_t tag) noexcept;
    unsigned queued() const noexcept { return queued_; }

    // Writes everything queued, in the order queued, and waits until each is done; then calls
    // done(tag, ok, size) for each, in the order they completed (ok: all `size` bytes were written).
    template <class Done>
    void submit(Done&& done) noexcept {
        if (queued_ == 0) return;
        submit_and_wait();
        for (unsigned i = 0; i < completed_; ++i) done(results_[i].tag, results_[i].ok, static_cast<std::size_t>(sizes_[results_[i].slot]));
        completed_ = 0;
    }

private:
    void submit_and_wait() noexcept;
    void fail_rest() noexcept;

    struct Result {
        std::uint32_t tag;
        bool ok;
        unsigned slot;
    };
    io_uring* ring_ = nullptr;
    unsigned queued_ = 0;
    std::uint32_t sizes_[capacity]{};  // each queued write's size, by slot (its user_data), to tell a short write
    std::uint32_t tags_[capacity]{};
    Result results_[capacity]{};
    unsigned completed_ = 0;
};

}  // namespace vpclab::tap
