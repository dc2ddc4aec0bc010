// Runs a command "on" an instance: inside its network namespace, with its hostname and /etc/netns files.
#pragma once

#include <string>
#include <vector>

namespace vpclab::router {

struct InstanceContext {
    std::string netns, hostname;
    std::string working_directory;  // empty: stay where the caller is (the same path in the instance's view)
    int init_pid = 0;               // the instance's init (instance_init.hpp): enter its namespaces; 0: make fresh ones
    std::string own_root;           // without an init: a directory bound over /root (the region's), "" for none
};

// Replaces the current process (execvp), so exit status and stdio pass straight through. With an init,
// enters the instance's network, mount and UTS namespaces (its own files and hostname); without one (the
// region), does what `ip netns exec` does (iproute2 ip/ipnetns.c) plus a UTS namespace for the hostname.
// Returns only on failure, with an exit status (127 command not found, 126 other).
int exec_in_instance(const InstanceContext& ctx, const std::vector<std::string>& argv,
                     const std::vector<std::pair<std::string, std::string>>& environment = {});

}  // namespace vpclab::router
