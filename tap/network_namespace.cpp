// Creating, entering and removing named network namespaces without shelling out to `ip`.
#include "tap/network_namespace.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "tap/system_error.hpp"

namespace vpclab::tap {

namespace {
std::string run_path(const std::string& name) { return std::string(netns_run_dir) + "/" + name; }

// /run/netns must be a shared mount point so that namespaces mounted under it are visible in every mount
// namespace (iproute2 ip/ipnetns.c, netns_add): bind it onto itself once, then mark it shared.
void prepare_run_dir() {
    ::mkdir(netns_run_dir, 0755);
    if (::mount("", netns_run_dir, "none", MS_SHARED | MS_REC, nullptr) == 0) return;
    if (errno != EINVAL) throw_errno(std::string("mount --make-rshared ") + netns_run_dir);
    if (::mount(netns_run_dir, netns_run_dir, "none", MS_BIND | MS_REC, nullptr) != 0)
        throw_errno(std::string("mount --bind ") + netns_run_dir);
    if (::mount("", netns_run_dir, "none", MS_SHARED | MS_REC, nullptr) != 0)
        throw_errno(std::string("mount --make-rshared ") + netns_run_dir);
}

}  // namespace

bool valid_netns_name(const std::string& name) {
    return !name.empty() && name.size() <= NAME_MAX && name != "." && name != ".." &&
           name.find('/') == std::string::npos && name.find('\0') == std::string::npos;
}

void create_named_netns(const std::string& name) {
    if (!valid_netns_name(name))
        throw std::invalid_argument("invalid namespace name '" + name + "'");
    prepare_run_dir();
    const std::string path = run_path(name);
    UniqueFd marker(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
    if (!marker) throw_errno("create " + path);
    marker.reset();

    UniqueFd original(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!original) throw_errno("open /proc/thread-self/ns/net");
    if (::unshare(CLONE_NEWNET) != 0) {
        const int err = errno;
        ::unlink(path.c_str());
        throw SystemError("unshare(CLONE_NEWNET) for " + name, err);
    }
    const int mount_rc = ::mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr);
    const int mount_err = errno;
    if (::setns(original.get(), CLONE_NEWNET) != 0) throw_errno("setns back to the original namespace");
    if (mount_rc != 0) {
        ::unlink(path.c_str());
        throw SystemError("bind-mount namespace at " + path, mount_err);
    }
}

bool named_netns_exists(const std::string& name) {
    struct stat st {};
    return ::stat(run_path(name).c_str(), &st) == 0;
}

UniqueFd open_named_netns(const std::string& name) {
    UniqueFd fd(::open(run_path(name).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open namespace " + run_path(name));
    return fd;
}

namespace {
// A namespace's identity: the device and inode of its nsfs file. The device as well, so that a
// /run/netns/<name> left as a plain file (a crash between creating it and mounting over it) never matches.
struct NamespaceId {
    dev_t device = 0;
    ino_t inode = 0;
    bool operator<(const NamespaceId& o) const { return device != o.device ? device < o.device : inode < o.inode; }
    bool operator==(const NamespaceId& o) const { return device == o.device && inode == o.inode; }
};

NamespaceId namespace_id_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};
    return {st.st_dev, st.st_ino};
}

// The namespaces behind names, leaving out any name bound to the host's own namespace (ours, or init's):
// that is not a lab's, and nobody in it may be listed or signalled.
std::vector<NamespaceId> lab_namespaces(const std::vector<std::string>& names) {
    const NamespaceId own = namespace_id_of("/proc/self/ns/net");
    const NamespaceId init = namespace_id_of("/proc/1/ns/net");
    std::vector<NamespaceId> out;
    for (const auto& name : names) {
        if (!valid_netns_name(name)) continue;
        const NamespaceId target = namespace_id_of(run_path(name));
        if (target.inode != 0 && !(target == own) && !(target == init)) out.push_back(target);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// One pass over /proc: the processes whose network namespace is one of `targets` (sorted).
std::vector<pid_t> pids_in_namespaces(const std::vector<NamespaceId>& targets) {
    std::vector<pid_t> pids;
    if (targets.empty()) return pids;
    DIR* proc = ::opendir("/proc");
    if (!proc) return pids;
    while (dirent* entry = ::readdir(proc)) {
        char* end = nullptr;
        const long pid = std::strtol(entry->d_name, &end, 10);
        if (*end != '\0' || pid <= 0) continue;
        const NamespaceId ns = namespace_id_of("/proc/" + std::string(entry->d_name) + "/ns/net");
        if (ns.inode != 0 && std::binary_search(targets.begin(), targets.end(), ns)) pids.push_back(static_cast<pid_t>(pid));
    }
    ::closedir(proc);
    return pids;
}
}  // namespace

bool process_in_netns(pid_t pid, const std::string& name) {
    const NamespaceId target = valid_netns_name(name) ? namespace_id_of(run_path(name)) : NamespaceId{};
    return target.inode != 0 && namespace_id_of("/proc/" + std::to_string(pid) + "/ns/net") == target;
}

void delete_named_netns(const std::string& name) noexcept try {
    delete_named_netns_all({name});
} catch (...) {
    // Out of memory for a one-element list: what is left is removed by the next `vpclab down`.
}

void delete_named_netns_all(const std::vector<std::string>& names) noexcept try {
    // Processes left in a namespace (a listener started with `vpclab exec … &`) would keep it alive unseen.
    // Again and again, until none is left (or 2 s passed): a process may fork while it is being killed,
    // and a killed one leaves its namespaces (and an instance's overlays are released) only as it exits.
    // All namespaces at once, one pass over /proc per round: one namespace at a time cost a pass and a
    // round's wait each, 3 s for a 200-instance lab.
    const std::vector<NamespaceId> targets = lab_namespaces(names);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (;;) {
        bool left = false;
        for (pid_t pid : pids_in_namespaces(targets))
            if (pid != ::getpid()) {
                ::kill(pid, SIGKILL);
                left = true;
            }
        if (!left || std::chrono::steady_clock::now() >= deadline) break;
        ::usleep(10'000);
    }
    for (const auto& name : names) {
        if (!valid_netns_name(name)) continue;
        const std::string path = run_path(name);
        ::umount2(path.c_str(), MNT_DETACH);
        ::unlink(path.c_str());
        std::error_code ignored;
        std::filesystem::remove_all(std::string(netns_etc_dir) + "/" + name, ignored);
    }
} catch (...) {
    // Out of memory while listing processes: what is left is removed by the next `vpclab down`.
}

NetnsGuard::NetnsGuard(int netns_fd) : original_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
    if (!original_) throw_errno("open /proc/thread-self/ns/net");
    if (::setns(netns_fd, CLONE_NEWNET) != 0) throw_errno("setns into lab namespace");
}

NetnsGuard::~NetnsGuard() {
    // Failing to return would leave this thread configuring the wrong namespace: nothing safe to do but stop.
    if (::setns(original_.get(), CLONE_NEWNET) != 0) std::abort();
}

void write_netns_etc_file(const std::string& name, const std::string& file, const std::string& content) {
    const std::filesystem::path dir = std::filesystem::path(netns_etc_dir) / name;
    std::filesystem::create_directories(dir);
    std::ofstream out(dir / file, std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + (dir / file).string());
}

}  // namespace vpclab::tap
