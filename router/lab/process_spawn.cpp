// fork + exec of the lab's helpers, with nothing but async-signal-safe calls in the child.
#include "router/lab/process_spawn.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace vpclab::router {

pid_t spawn_process(const std::string& program, const std::vector<std::string>& args, int stdout_fd, int stderr_fd, bool die_with_parent) {
    // Everything the child needs is made before fork: after it, another thread may hold malloc's lock.
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid > 0) return pid;
    // The parent may have died between fork and prctl: then no signal would ever come.
    if (die_with_parent && (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent)) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the launcher thread blocks every signal; a helper must not
    const int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, 0);
    ::dup2(stdout_fd >= 0 ? stdout_fd : null_fd, 1);
    ::dup2(stderr_fd >= 0 ? stderr_fd : null_fd, 2);
    // TAPs, sockets and files the router (or another thread, meanwhile) opened without O_CLOEXEC stay behind.
    ::syscall(SYS_close_range, 3U, ~0U, 0U);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
}

int run_process(const std::string& program, const std::vector<std::string>& args) {
    const pid_t pid = spawn_process(program, args);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

CapturedRun run_captured(const std::string& program, const std::vector<std::string>& args, std::chrono::milliseconds timeout, std::size_t limit) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    pid_t pid = -1;
    try {
        pid = spawn_process(program, args, pipe_fds[1], pipe_fds[1]);
    } catch (...) {
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
        throw;
    }
    ::close(pipe_fds[1]);
    CapturedRun out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool timed_out = false;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) {
            timed_out = true;
            ::kill(pid, SIGKILL);
            break;
        }
        pollfd p{pipe_fds[0], POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;
        char buf[4096];
        const ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (out.output.size() < limit) out.output.append(buf, std::min(static_cast<std::size_t>(n), limit - out.output.size()));
    }
    ::close(pipe_fds[0]);
    // Its output closed; it may still run (or have left a child holding the pipe): wait until the deadline.
    int status = 0;
    for (;;) {
        const pid_t done = ::waitpid(pid, &status, timed_out ? 0 : WNOHANG);
        if (done == pid) break;
        if (done < 0) {
            if (errno == EINTR) continue;
            return out;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            timed_out = true;
            ::kill(pid, SIGKILL);
        } else {
            ::poll(nullptr, 0, 5);  // a check every 5 ms until it ends or the deadline passes
        }
    }
    out.status = !timed_out && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

}  // namespace vpclab::router
