// Named network namespaces as `ip netns` keeps them: a bind mount of the namespace at /run/netns/<name>.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

#include "tap/unique_fd.hpp"

namespace vpclab::tap {

constexpr const char* netns_run_dir = "/run/netns";
constexpr const char* netns_etc_dir = "/etc/netns";

// A name that can be a file under /run/netns and /etc/netns: 1 to 255 bytes (NAME_MAX), not "." or "..",
// no '/' and no NUL. Every function here refuses (create) or ignores (delete) other names.
bool valid_netns_name(const std::string& name);

// Creates /run/netns/<name> holding a new, empty network namespace (what `ip netns add` does).
// Throws if the name is taken. The calling thread's own namespace is unchanged.
void create_named_netns(const std::string& name);
// Kills processes still inside the namespace, unmounts and removes /run/netns/<name> and /etc/netns/<name>/.
// Missing pieces are not an error: this is also the cleanup after a crash. Does nothing for a name that
// is not valid_netns_name. Never throws.
void delete_named_netns(const std::string& name) noexcept;
// The same for many namespaces at once, which is much faster than one by one: their processes are killed
// together, and when the last reference goes the kernel dismantles the namespaces (and unregisters their
// interfaces, TAPs included) in one batch.
void delete_named_netns_all(const std::vector<std::string>& names) noexcept;
bool named_netns_exists(const std::string& name);
UniqueFd open_named_netns(const std::string& name);

// Whether a process's network namespace is the named one.
bool process_in_netns(pid_t pid, const std::string& name);

// Enters a network namespace for the lifetime of the guard, then returns to the one the thread had.
class NetnsGuard {
public:
    explicit NetnsGuard(int netns_fd);
    ~NetnsGuard();
    NetnsGuard(const NetnsGuard&) = delete;
    NetnsGuard& operator=(const NetnsGuard&) = delete;

private:
    UniqueFd original_;
};

// Writes /etc/netns/<name>/<file> (e.g. resolv.conf), which `ip netns exec` and `vpclab exec` bind over /etc/<file>.
void write_netns_etc_file(const std::string& name, const std::string& file, const std::string& content);

}  // namespace vpclab::tap
