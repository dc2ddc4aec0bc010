// fork + exec of the lab's helpers, with nothing but async-signal-safe calls in the child.
#include "router/lab/process_spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace vpclab::router {

pid_t spawn_process(const std::string& program, const std::vector<std::string>& args, int stdout_fd, int stderr_fd) {
    // Everything the child needs is made before fork: after it, another thread may hold malloc's lock.
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid > 0) return pid;
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

}  // namespace vpclab::router
