// Entering an instance: setns into its init's network, mount and UTS namespaces (or, for the region, into
// its network namespace with new mount and UTS namespaces and the /etc/netns binds).
#include "router/cli/instance_exec.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "router/lab/instance_init.hpp"
#include "tap/network_namespace.hpp"

namespace vpclab::router {

namespace {
void bind_etc_files(const std::string& netns) {
    const std::string dir = std::string(tap::netns_etc_dir) + "/" + netns;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    while (dirent* e = ::readdir(d)) {
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
        const std::string from = dir + "/" + e->d_name;
        const std::string to = std::string("/etc/") + e->d_name;
        if (::mount(from.c_str(), to.c_str(), "none", MS_BIND, nullptr) != 0)
            std::cerr << "vpclab: warning: cannot bind " << from << " over " << to << ": " << std::strerror(errno) << '\n';
    }
    ::closedir(d);
}

// Sets the environment and replaces this process with the command; returns only on failure.
int run(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& environment) {
    for (const auto& [k, v] : environment) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    const int err = errno;
    std::cerr << "vpclab: " << argv[0] << ": " << std::strerror(err) << '\n';
    return err == ENOENT ? 127 : 126;
}
}  // namespace

int exec_in_instance(const InstanceContext& ctx, const std::vector<std::string>& argv,
                     const std::vector<std::pair<std::string, std::string>>& environment) {
    auto fail = [](const std::string& what) {
        std::cerr << "vpclab: " << what << ": " << std::strerror(errno) << '\n';
        return 126;
    };
    if (argv.empty()) {
        std::cerr << "vpclab: no command given\n";
        return 126;
    }
    char cwd[4096];
    const bool have_cwd = ::getcwd(cwd, sizeof cwd) != nullptr;
    if (ctx.init_pid > 0) {
        // One pidfd, one setns for all three namespaces (setns(2), Linux 5.8): a PID reused meanwhile names
        // another process, whose pidfd this is not.
        tap::UniqueFd init(static_cast<int>(::syscall(SYS_pidfd_open, ctx.init_pid, 0)));
        if (!init) return fail("open the instance's init (PID " + std::to_string(ctx.init_pid) + ")");
        // Checked again now the pidfd holds the process: what the PID names is still the instance's init.
        if (!is_instance_init(ctx.init_pid, ctx.netns)) {
            errno = ESRCH;
            return fail("the instance's init (PID " + std::to_string(ctx.init_pid) + ") is gone");
        }
        if (::setns(init.get(), CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWNS) != 0) return fail("enter the instance's namespaces");
        // setns put us at the namespace's root: back to the same path, or the requested one.
        const std::string where = !ctx.working_directory.empty() ? ctx.working_directory : have_cwd ? cwd : "/";
        if (::chdir(where.c_str()) != 0 && ::chdir("/") != 0) return fail("chdir /");
        return run(argv, environment);
    }
    tap::UniqueFd ns = tap::open_named_netns(ctx.netns);
    if (::setns(ns.get(), CLONE_NEWNET) != 0) return fail("setns into " + ctx.netns);
    if (::unshare(CLONE_NEWNS | CLONE_NEWUTS) != 0) return fail("unshare mount/UTS namespaces");
    // Keep our mounts from propagating back to the host, then show this namespace's /sys (as ip netns exec).
    if (::mount("", "/", "none", MS_SLAVE | MS_REC, nullptr) != 0) return fail("make / a slave mount");
    ::umount2("/sys", MNT_DETACH);
    if (::mount(ctx.netns.c_str(), "/sys", "sysfs", 0, nullptr) != 0) return fail("mount /sys");
    bind_etc_files(ctx.netns);
    // The region is the internet, your laptop: its ~/.ssh/known_hosts is its own, not the host's.
    if (!ctx.own_root.empty() && ::mount(ctx.own_root.c_str(), "/root", nullptr, MS_BIND, nullptr) != 0) return fail("bind " + ctx.own_root + " over /root");
    if (::sethostname(ctx.hostname.data(), ctx.hostname.size()) != 0) return fail("sethostname");
    if (!ctx.working_directory.empty() && ::chdir(ctx.working_directory.c_str()) != 0) return fail("chdir " + ctx.working_directory);
    return run(argv, environment);
}

}  // namespace vpclab::router
