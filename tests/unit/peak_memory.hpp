// Peak memory of a piece of work, measured in a child process: how far its resident set rose above where
// it stood when the work began, with its address space capped so that a regression fails the test instead
// of exhausting the machine.
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <string>

#include <doctest/doctest.h>

namespace vpclab::test {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool memory_is_measurable = false;  // ASan's shadow and quarantine are not the program's memory
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool memory_is_measurable = false;
#else
constexpr bool memory_is_measurable = true;
#endif
#else
constexpr bool memory_is_measurable = true;
#endif

// A "Vm…:" line of /proc/self/status, in KiB.
inline long status_kib(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::string(field).size()));
    return -1;
}

struct Measured {
    std::string result;        // what the work returned
    long peak_growth_kib = -1;  // peak RSS during the work minus RSS before it (-1: not measurable here)
};

// Runs `work` in a forked child whose address space may grow by at most `cap_bytes` (not under ASan, which
// reserves terabytes of shadow), resetting the peak-RSS mark first (proc(5), /proc/PID/clear_refs "5").
inline Measured measure_peak_memory(const std::function<std::string()>& work, std::size_t cap_bytes) {
    if (!memory_is_measurable) return {work(), -1};
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        const long vm_kib = status_kib("VmSize:");
        const rlim_t cap = static_cast<rlim_t>(vm_kib) * 1024 + cap_bytes;
        const rlimit limit{cap, cap};
        ::setrlimit(RLIMIT_AS, &limit);
        { std::ofstream("/proc/self/clear_refs") << "5"; }
        const long before = status_kib("VmRSS:");
        std::string result;
        try {
            result = work();
        } catch (const std::bad_alloc&) {
            result = "bad_alloc";
        } catch (const std::exception& e) {
            result = std::string("exception: ") + e.what();
        }
        const std::string out = std::to_string(status_kib("VmHWM:") - before) + "\n" + result;
        for (std::size_t sent = 0; sent < out.size();) {
            const ssize_t n = ::write(pipe_fds[1], out.data() + sent, out.size() - sent);
            if (n <= 0) break;
            sent += static_cast<std::size_t>(n);
        }
        ::_exit(0);
    }
    ::close(pipe_fds[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE_MESSAGE(WIFEXITED(status), "the measured child died (status " << status << ")");
    const auto newline = text.find('\n');
    REQUIRE(newline != std::string::npos);
    return {text.substr(newline + 1), std::stol(text.substr(0, newline))};
}

}  // namespace vpclab::test
