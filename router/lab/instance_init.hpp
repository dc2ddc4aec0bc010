// An instance's init (`vpclab __instance-init`): the process that makes and holds the instance's mount and
// UTS namespaces inside its network namespace, starts its SSH and web servers, and reaps what its sessions
// leave behind. `vpclab exec`, `shell` and the servers' sessions all live in those namespaces.
//
// What the instance sees: /etc and /var as overlays of the host's with the instance's files as upper layers
// (/etc/ssh, /var/www and /var/log its own alone), /root, /home and /tmp its own, a fresh /run, /sys of its
// network namespace, and the rest of the host's tree read-only, so that a command typed in an instance
// (`systemctl restart sshd`, `echo … > /usr/…`) cannot change the host. This guards against mistakes, not
// against intent: root in an instance is root on the machine (same kernel, same PID namespace).
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

#include "router/lab/instance_view.hpp"

namespace vpclab::router {

struct InstanceInit {
    std::string stack, instance_id, netns, hostname;
    bool sshd = false;                        // run Dropbear with the host key at /etc/ssh/ssh_host_ed25519_key
    std::vector<std::string> sshd_options;    // dropbear_options of the instance's sshd_config
    std::string web_access_log;               // "" : no web server; else the log's path in the instance
    InstanceViewPaths paths() const { return InstanceViewPaths::of(stack, instance_id); }
};

// The arguments `__instance-init` takes, and reading them back (throws std::invalid_argument naming what
// is wrong: every argument is checked again, though only the router starts an init).
std::vector<std::string> instance_init_arguments(const InstanceInit& init);
InstanceInit parse_instance_init_arguments(const std::vector<std::string>& args);

// Starts the instance's init and waits (at most 15 s) until its namespaces are made and its servers
// listen; returns its PID (also in paths().init_pid()). Throws with what the init reported.
pid_t start_instance_init(const InstanceInit& init);

// Runs as `vpclab __instance-init`: reports "ready" (or "error: …") on fd 1, then holds the namespaces
// until killed. Returns the exit status of the process that started it.
int run_instance_init(const InstanceInit& init);
inline constexpr const char* instance_init_process_name = "vpclab-instance";

// The PID of the instance's live init, or 0: paths.init_pid() names a process called vpclab-instance
// whose network namespace is `netns`'s.
pid_t live_instance_init(const InstanceViewPaths& paths, const std::string& netns);
bool is_instance_init(pid_t pid, const std::string& netns);

}  // namespace vpclab::router
