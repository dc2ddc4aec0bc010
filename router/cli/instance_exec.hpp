// Runs a command "on" an instance: inside its network namespace, with its hostname and /etc/netns files.
#pragma once

#include <string>
#include <vector>

namespace vpclab::router {

struct InstanceContext {
    std::string netns, hostname;
    std::string working_directory;  // empty: stay where the caller is
};

// Replaces the current process (execvp), so exit status and stdio pass straight through. Does what
// `ip netns exec` does (iproute2 ip/ipnetns.c) plus a UTS namespace for the instance's hostname. Returns
// only on failure, with an exit status (127 command not found, 126 other).
int exec_in_instance(const InstanceContext& ctx, const std::vector<std::string>& argv,
                     const std::vector<std::pair<std::string, std::string>>& environment = {});

}  // namespace vpclab::router
