// Starting the lab's own helper processes (the region's web server, instances' inits and servers,
// dropbearkey) from a process that may have threads: fork, then only async-signal-safe calls until exec.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace vpclab::router {

// Starts `program` with `args` (args[0] is the name it runs under, what ps shows): stdin from /dev/null,
// stdout and stderr to the given fds (-1: /dev/null), every other fd closed, no signal blocked. Returns
// its PID; throws std::runtime_error if fork fails (an exec failure is the child's exit status 127).
pid_t spawn_process(const std::string& program, const std::vector<std::string>& args, int stdout_fd = -1, int stderr_fd = -1);

// Runs it to the end; its exit status, or -1 if it did not exit normally.
int run_process(const std::string& program, const std::vector<std::string>& args);

}  // namespace vpclab::router
