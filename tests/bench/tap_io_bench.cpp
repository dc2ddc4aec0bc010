// What io_uring saves the router's TAP I/O: a wire between two TAPs made as vpclab makes them (two queues
// each), frames forwarded unchanged, in one of five ways (tap_io_bench.sh measures them side by side):
//   write           epoll, then read() and write() a frame at a time (the router before batched writes)
//   batch-write     epoll, read() a batch, then write() each frame: what batching alone buys
//   batch-uring     epoll, read() a batch, its writes in one io_uring submit (tap::BatchedWrites: the router now)
//   multishot       multishot reads into a provided buffer ring, write() each frame
//   multishot-uring multishot reads, writes queued as SQEs: one io_uring_enter for everything
//
//   tap_io_bench MODE TAP_A TAP_B    creates the TAPs, prints "ready", forwards until SIGTERM, then prints
//                                     the frames it forwarded and its CPU seconds.
#include <liburing.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tap/batched_writes.hpp"
#include "tap/tap_device.hpp"

namespace {

// Multishot read arrived in Linux 6.7; Debian 12's uapi headers and liburing 2.3 predate it.
constexpr int op_read_multishot = 49;
constexpr std::size_t buffer_size = 65536 + 128;  // a GSO super-frame with its headers, as the router reads
constexpr unsigned buffer_count = 256;            // a power of two (the buffer ring's size)
constexpr int batch_frames = 64;                  // the router's batch (router/event_loop.cpp)
constexpr std::size_t batch_bytes = 64 * 1024;

volatile std::sig_atomic_t stopping = 0;
void on_signal(int) { stopping = 1; }

struct Port {
    int read_fd;   // one of the TAP's two queues
    int write_fd;  // the other TAP's bulk queue
};

std::uint64_t forwarded = 0, failed_writes = 0;
void count_write(bool ok) { ++(ok ? forwarded : failed_writes); }

// The router's loop: epoll over every queue, then a batch from each ready one, handed to `batch`.
template <class Batch>
int serve_by_epoll(const std::vector<Port>& ports, Batch&& batch) {
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    for (std::size_t i = 0; i < ports.size(); ++i) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        if (::epoll_ctl(ep, EPOLL_CTL_ADD, ports[i].read_fd, &ev) < 0) return std::perror("epoll_ctl"), 1;
    }
    std::array<epoll_event, 8> events{};
    while (!stopping) {
        const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
        for (int e = 0; e < n; ++e) batch(ports[events[static_cast<std::size_t>(e)].data.u64]);
    }
    ::close(ep);
    return 0;
}

int run_write(const std::vector<Port>& ports) {
    std::vector<std::uint8_t> buffer(buffer_size);
    return serve_by_epoll(ports, [&](const Port& port) {
        std::size_t bytes = 0;
        for (int i = 0; i < batch_frames && bytes < batch_bytes; ++i) {
            const ssize_t len = ::read(port.read_fd, buffer.data(), buffer.size());
            if (len <= 0) break;
            bytes += static_cast<std::size_t>(len);
            count_write(::write(port.write_fd, buffer.data(), static_cast<std::size_t>(len)) == len);
        }
    });
}

int run_batch(const std::vector<Port>& ports, bool through_uring) {
    vpclab::tap::BatchedWrites writes;
    std::string why;
    if (through_uring && !writes.open(why)) return std::fprintf(stderr, "tap_io_bench: %s\n", why.c_str()), 1;
    std::vector<std::uint8_t> memory(buffer_size * batch_frames);
    std::array<std::size_t, batch_frames> lengths{};
    return serve_by_epoll(ports, [&](const Port& port) {
        std::size_t bytes = 0, frames = 0;
        for (; frames < batch_frames && bytes < batch_bytes; ++frames) {
            const ssize_t len = ::read(port.read_fd, memory.data() + frames * buffer_size, buffer_size);
            if (len <= 0) break;
            bytes += lengths[frames] = static_cast<std::size_t>(len);
        }
        for (std::size_t i = 0; i < frames; ++i) {
            std::uint8_t* frame = memory.data() + i * buffer_size;
            if (!through_uring || !writes.add(port.write_fd, frame, lengths[i], 0))
                count_write(::write(port.write_fd, frame, lengths[i]) == static_cast<ssize_t>(lengths[i]));
        }
        writes.submit([](std::uint32_t, bool ok, std::size_t) { count_write(ok); });
    });
}

constexpr std::uint64_t write_tag = 1ull << 32;

int run_multishot(const std::vector<Port>& ports, bool queued_writes) {
    io_uring ring{};
    io_uring_params params{};
    // Task work (the reads) runs only when we enter the kernel to wait, not at random syscalls.
    params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    if (int r = io_uring_queue_init_params(1024, &ring, &params); r < 0) return std::fprintf(stderr, "io_uring_queue_init: %s\n", std::strerror(-r)), 1;
    std::vector<std::uint8_t> memory(buffer_size * buffer_count);
    auto buffer = [&](unsigned id) { return memory.data() + static_cast<std::size_t>(id) * buffer_size; };
    void* ring_memory = nullptr;
    if (::posix_memalign(&ring_memory, 4096, buffer_count * sizeof(io_uring_buf)) != 0) return 1;
    auto* buffers = static_cast<io_uring_buf_ring*>(ring_memory);
    io_uring_buf_ring_init(buffers);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uint64_t>(buffers);
    reg.ring_entries = buffer_count;
    reg.bgid = 0;
    if (int r = io_uring_register_buf_ring(&ring, &reg, 0); r < 0) return std::fprintf(stderr, "io_uring_register_buf_ring: %s\n", std::strerror(-r)), 1;
    const int mask = io_uring_buf_ring_mask(buffer_count);
    for (unsigned id = 0; id < buffer_count; ++id) io_uring_buf_ring_add(buffers, buffer(id), buffer_size, static_cast<unsigned short>(id), mask, static_cast<int>(id));
    io_uring_buf_ring_advance(buffers, buffer_count);

    auto next_sqe = [&]() {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring);
        if (!sqe) {
            io_uring_submit(&ring);
            sqe = io_uring_get_sqe(&ring);
        }
        return sqe;
    };
    auto arm = [&](std::size_t index) {
        io_uring_sqe* sqe = next_sqe();
        io_uring_prep_rw(op_read_multishot, sqe, ports[index].read_fd, nullptr, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = 0;
        io_uring_sqe_set_data64(sqe, index);
    };
    for (std::size_t i = 0; i < ports.size(); ++i) arm(i);
    while (!stopping) {
        const int r = io_uring_submit_and_wait(&ring, 1);
        if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) return std::fprintf(stderr, "io_uring_submit_and_wait: %s\n", std::strerror(-r)), 1;
        unsigned head = 0, seen = 0, returned = 0;
        auto give_back = [&](unsigned id) {
            io_uring_buf_ring_add(buffers, buffer(id), buffer_size, static_cast<unsigned short>(id), mask, static_cast<int>(returned++));
        };
        io_uring_cqe* cqe = nullptr;
        io_uring_for_each_cqe(&ring, head, cqe) {
            ++seen;
            const std::uint64_t data = io_uring_cqe_get_data64(cqe);
            if (data & write_tag) {
                count_write(cqe->res > 0);
                give_back(static_cast<unsigned>(data & 0xffff));
                continue;
            }
            const std::size_t index = data;
            if (cqe->res > 0 && (cqe->flags & IORING_CQE_F_BUFFER)) {
                const unsigned id = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
                if (queued_writes) {
                    io_uring_sqe* sqe = next_sqe();
                    io_uring_prep_write(sqe, ports[index].write_fd, buffer(id), static_cast<unsigned>(cqe->res), 0);
                    io_uring_sqe_set_data64(sqe, write_tag | id);
                } else {
                    count_write(::write(ports[index].write_fd, buffer(id), static_cast<std::size_t>(cqe->res)) == cqe->res);
                    give_back(id);
                }
            } else if (cqe->res < 0 && cqe->res != -ENOBUFS && cqe->res != -EAGAIN && cqe->res != -EINTR) {
                return std::fprintf(stderr, "multishot read: %s\n", std::strerror(-cqe->res)), 1;
            }
            if (!(cqe->flags & IORING_CQE_F_MORE)) arm(index);  // ended (no buffer was free): arm again
        }
        if (returned) io_uring_buf_ring_advance(buffers, static_cast<int>(returned));
        io_uring_cq_advance(&ring, seen);
    }
    io_uring_queue_exit(&ring);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc == 4 ? argv[1] : "";
    if (mode != "write" && mode != "batch-write" && mode != "batch-uring" && mode != "multishot" && mode != "multishot-uring") {
        std::fprintf(stderr, "usage: tap_io_bench write|batch-write|batch-uring|multishot|multishot-uring TAP_A TAP_B\n");
        return 2;
    }
    struct sigaction action{};
    action.sa_handler = on_signal;  // no SA_RESTART: the wait returns EINTR
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
    try {
        auto a = vpclab::tap::TapDevice::create(argv[2]);
        auto b = vpclab::tap::TapDevice::create(argv[3]);
        std::vector<Port> ports{{a.fd(), b.fd()}, {b.fd(), a.fd()}};
        if (a.interactive_fd() >= 0) ports.push_back({a.interactive_fd(), b.fd()});
        if (b.interactive_fd() >= 0) ports.push_back({b.interactive_fd(), a.fd()});
        std::printf("ready\n");
        std::fflush(stdout);
        const int rc = mode == "write"             ? run_write(ports)
                       : mode == "batch-write"     ? run_batch(ports, false)
                       : mode == "batch-uring"     ? run_batch(ports, true)
                       : mode == "multishot"       ? run_multishot(ports, false)
                                                   : run_multishot(ports, true);
        rusage usage{};
        ::getrusage(RUSAGE_SELF, &usage);
        std::printf("forwarded %llu failed %llu user_s %.3f sys_s %.3f\n", static_cast<unsigned long long>(forwarded),
                    static_cast<unsigned long long>(failed_writes), usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6,
                    usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6);
        return rc;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tap_io_bench: %s\n", e.what());
        return 1;
    }
}
