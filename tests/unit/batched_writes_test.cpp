// BatchedWrites (tap/batched_writes.hpp): a batch of writes in one submit arrives whole and in order, a
// failed write is reported against its own tag, and a full batch refuses more. Socket pairs stand in for
// TAPs (SOCK_SEQPACKET keeps each write one message, as a TAP keeps each one frame).
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tap/batched_writes.hpp"

using vpclab::tap::BatchedWrites;

// Counts the process's heap allocations, C's and C++'s (operator new calls malloc), by interposing malloc
// over glibc's; not under AddressSanitizer, whose own malloc must stay in place.
#if defined(__SANITIZE_ADDRESS__)
#define VPCLAB_COUNT_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VPCLAB_COUNT_MALLOC 0
#endif
#endif
#ifndef VPCLAB_COUNT_MALLOC
#define VPCLAB_COUNT_MALLOC 1
#endif
#if VPCLAB_COUNT_MALLOC
#include <atomic>
namespace {
std::atomic<std::size_t> mallocs{0};
}
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* malloc(std::size_t n) {
    ++mallocs;
    return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
    ++mallocs;
    return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
    ++mallocs;
    return __libc_realloc(p, n);
}
}
#endif

namespace {
// The ring, or a test failure saying why not: the router's default path is what these tests are for. A
// kernel that turns io_uring off for everyone (kernel.io_uring_disabled = 2) is the one exception: there
// the contract left to check is that nothing can be queued (the router then writes one by one).
bool open_or_explain(BatchedWrites& writes) {
    std::string why;
    if (writes.open(why)) return true;
    std::ifstream setting("/proc/sys/kernel/io_uring_disabled");
    int disabled = 0;
    setting >> disabled;
    if (disabled == 2) {
        MESSAGE("io_uring is turned off on this kernel: " << why);
        CHECK_FALSE(writes.add(1, "x", 1, 0));
        return false;
    }
    FAIL("io_uring unavailable (" << why << "): vpclab falls back to write(), but its default path cannot be tested here");
    return false;
}

struct SocketPair {
    int fds[2]{-1, -1};
    SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0); }
    ~SocketPair() {
        ::close(fds[0]);
        ::close(fds[1]);
    }
    std::string receive() {
        char buffer[4096];
        const ssize_t n = ::recv(fds[1], buffer, sizeof buffer, 0);
        return n < 0 ? std::string("<none>") : std::string(buffer, static_cast<std::size_t>(n));
    }
};
}  // namespace

TEST_CASE("a batch of writes goes out in one submit, each whole, in the order queued, to its own fd") {
    BatchedWrites writes;
    if (!open_or_explain(writes)) return;
    SocketPair a, b;
    std::vector<std::string> frames;
    for (int i = 0; i < 40; ++i) frames.push_back("frame " + std::to_string(i) + std::string(static_cast<std::size_t>(i * 7), 'x'));
    for (std::size_t i = 0; i < frames.size(); ++i)
        REQUIRE(writes.add(i % 3 == 2 ? b.fds[0] : a.fds[0], frames[i].data(), frames[i].size(), static_cast<std::uint32_t>(100 + i)));
    CHECK(writes.queued() == frames.size());
    std::map<std::uint32_t, bool> done;
    writes.submit([&](std::uint32_t tag, bool ok, std::size_t size) {
        done[tag] = ok;
        CHECK(size == frames[tag - 100].size());
    });
    CHECK(writes.queued() == 0);
    REQUIRE(done.size() == frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) CHECK(done[static_cast<std::uint32_t>(100 + i)]);
    for (std::size_t i = 0; i < frames.size(); ++i)
        if (i % 3 != 2) CHECK(a.receive() == frames[i]);
    for (std::size_t i = 0; i < frames.size(); ++i)
        if (i % 3 == 2) CHECK(b.receive() == frames[i]);
    CHECK(a.receive() == "<none>");
    CHECK(b.receive() == "<none>");
    CHECK(writes.is_open());
}

TEST_CASE("a write that fails is reported against its own tag; the others are written") {
    BatchedWrites writes;
    if (!open_or_explain(writes)) return;
    SocketPair a;
    int closed[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, closed) == 0);
    ::close(closed[1]);
    ::close(closed[0]);  // a closed fd: its write fails (EBADF)
    REQUIRE(writes.add(a.fds[0], "one", 3, 1));
    REQUIRE(writes.add(closed[0], "two", 3, 2));
    REQUIRE(writes.add(a.fds[0], "three", 5, 3));
    std::map<std::uint32_t, bool> done;
    std::size_t failed_size = 0;
    writes.submit([&](std::uint32_t tag, bool ok, std::size_t size) {
        done[tag] = ok;
        if (!ok) failed_size = size;
    });
    CHECK(failed_size == 3);
    CHECK(done == std::map<std::uint32_t, bool>{{1, true}, {2, false}, {3, true}});
    CHECK(a.receive() == "one");
    CHECK(a.receive() == "three");
    CHECK(writes.is_open());  // a write's own failure is not the ring's
}

TEST_CASE("a full batch refuses more until it is submitted") {
    BatchedWrites writes;
    if (!open_or_explain(writes)) return;
    SocketPair a;
    const char byte = 'z';
    for (unsigned i = 0; i < BatchedWrites::capacity; ++i) REQUIRE(writes.add(a.fds[0], &byte, 1, i));
    CHECK_FALSE(writes.add(a.fds[0], &byte, 1, 999));
    CHECK(writes.queued() == BatchedWrites::capacity);
    unsigned reported = 0, written = 0;
    writes.submit([&](std::uint32_t tag, bool ok, std::size_t) {
        ++reported;
        written += ok;
        CHECK(tag < BatchedWrites::capacity);
    });
    CHECK(reported == BatchedWrites::capacity);
    CHECK(written == BatchedWrites::capacity);
    CHECK(writes.add(a.fds[0], &byte, 1, 999));  // room again
    writes.submit([](std::uint32_t, bool, std::size_t) {});
}

TEST_CASE("nothing queued: submit reports nothing") {
    BatchedWrites writes;
    unsigned reported = 0;
    writes.submit([&](std::uint32_t, bool, std::size_t) { ++reported; });  // not even open
    std::string why;
    if (writes.open(why)) writes.submit([&](std::uint32_t, bool, std::size_t) { ++reported; });
    CHECK(reported == 0);
}

TEST_CASE("queueing and submitting batches allocates nothing (the per-frame path's rule)") {
#if !VPCLAB_COUNT_MALLOC
    MESSAGE("allocations are not counted under AddressSanitizer");
#else
    BatchedWrites writes;
    if (!open_or_explain(writes)) return;
    SocketPair a;
    char frame[1500] = {};
    char received[2048];
    std::size_t written = 0;
    const std::size_t before = mallocs.load();
    for (int round = 0; round < 2000; ++round) {
        for (std::uint32_t i = 0; i < 32; ++i) REQUIRE(writes.add(a.fds[0], frame, 64 + i * 40, i));
        writes.submit([&](std::uint32_t, bool ok, std::size_t) { written += ok; });
        while (::recv(a.fds[1], received, sizeof received, 0) > 0) {
        }
    }
    CHECK(mallocs.load() - before == 0);
    CHECK(written == 2000u * 32u);
    void* probe = std::malloc(16);  // the counter counts: a test that could not fail would prove nothing
    CHECK(mallocs.load() - before == 1);
    std::free(probe);
#endif
}
