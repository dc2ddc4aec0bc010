// Starting the lab's own helper processes (the region's web server, instances' inits and servers,
// dropbearkey) from a process that may have threads: fork, then only async-signal-safe calls until exec.
#pragma once

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace vpclab::router {

// Starts `program` with `args` (args[0] is the name it runs under, what ps shows): stdin from /dev/null,
// stdout and stderr to the given fds (-1: /dev/null), every other fd closed, no signal blocked. Returns
// its PID; throws std::runtime_error if fork fails (an exec failure is the child's exit status 127).
// `die_with_parent`: killed (SIGKILL) when the calling thread's process ends, kill -9 included
// (PR_SET_PDEATHSIG; call it from a thread that lives as long as the process).
pid_t spawn_process(const std::string& program, const std::vector<std::string>& args, int stdout_fd = -1, int stderr_fd = -1,
                    bool die_with_parent = false);

// Runs it to the end; its exit status, or -1 if it did not exit normally.
int run_process(const std::string& program, const std::vector<std::string>& args);

// Runs it to the end with its output (stdout and stderr together) captured, at most `limit` bytes kept; killed
// after `timeout`. Status as run_process (-1 also on timeout).
struct CapturedRun {
    int status = -1;
    std::string output;
};
CapturedRun run_captured(const std::string& program, const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                         std::size_t limit = 1 << 20);

}  // namespace vpclab::router
